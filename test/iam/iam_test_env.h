// A metadata database in a temp dir with two accounts, shared by the IAM unit tests.
#ifndef CLEANROOM_TEST_IAM_IAM_TEST_ENV_H_
#define CLEANROOM_TEST_IAM_IAM_TEST_ENV_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "crypto/master_key.h"
#include "gtest/gtest.h"
#include "iam/iam_store.h"
#include "iam/identity_store.h"
#include "store/database.h"
#include "store/schema.h"

namespace cleanroom::iam {

inline constexpr char kTrustGlue[] = R"({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
                 "Action": "sts:AssumeRole"}]
})";

inline constexpr char kTrustCleanRooms[] = R"({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "cleanrooms.amazonaws.com"},
                 "Action": "sts:AssumeRole"}]
})";

// The recipe's CleanRoomsS3Access policy.
inline constexpr char kCleanRoomsS3Access[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
     "Resource": ["arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-*/*"]},
    {"Effect": "Allow", "Action": ["glue:GetTable", "glue:GetTables", "glue:GetDatabase"],
     "Resource": "*"}
  ]
})";

inline constexpr char kGlueServiceRoleArn[] =
    "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole";
inline constexpr char kCleanRoomsServiceArn[] =
    "arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService";

class IamTestEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/iam_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'k'));
    identities_ = std::make_unique<IdentityStore>(db_.get(), key_.get());
    absl::StatusOr<Account> a = identities_->CreateAccount("a", false);
    absl::StatusOr<Account> b = identities_->CreateAccount("b", false);
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = a->account_id;
    b_ = b->account_id;
    store_ = std::make_unique<IamStore>(db_.get(), &clock_);
  }
  void TearDown() override {
    store_.reset();
    identities_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  Role MustCreateRole(const std::string& account, const std::string& name,
                      const std::string& trust = kTrustGlue, const std::string& path = "/") {
    NewRole r;
    r.account_id = account;
    r.name = name;
    r.path = path;
    r.trust_policy = trust;
    absl::StatusOr<Role> role = store_->CreateRole(r);
    EXPECT_TRUE(role.ok()) << role.status();
    return role.value_or(Role{});
  }

  ManagedPolicy MustCreatePolicy(const std::string& account, const std::string& name,
                                 const std::string& document = kCleanRoomsS3Access,
                                 const std::string& path = "/") {
    NewPolicy p;
    p.account_id = account;
    p.name = name;
    p.path = path;
    p.document = document;
    absl::StatusOr<ManagedPolicy> policy = store_->CreatePolicy(p);
    EXPECT_TRUE(policy.ok()) << policy.status();
    return policy.value_or(ManagedPolicy{});
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::MasterKey> key_;
  std::unique_ptr<IdentityStore> identities_;
  FakeClock clock_{1700000000LL * 1000000};
  std::unique_ptr<IamStore> store_;
  std::string a_, b_;
};

}  // namespace cleanroom::iam

#endif  // CLEANROOM_TEST_IAM_IAM_TEST_ENV_H_
