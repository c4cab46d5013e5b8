#include "iam/identity_store.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/ids.h"
#include "gtest/gtest.h"
#include "store/schema.h"

namespace cleanroom::iam {
namespace {

namespace fs = std::filesystem;

std::string ReadFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/iam_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_path_ = dir_ / "meta.db";
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open(db_path_.string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'k'));
    store_ = std::make_unique<IdentityStore>(db_.get(), key_.get());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  // The database's bytes on disk, including the write-ahead log.
  std::string DatabaseBytes() {
    std::string bytes;
    for (const auto& entry : fs::directory_iterator(dir_)) bytes += ReadFileBytes(entry.path());
    return bytes;
  }

  Account MustCreateAccount(const std::string& name, bool admin = false) {
    absl::StatusOr<Account> account = store_->CreateAccount(name, admin);
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(Account());
  }

  NewAccessKey MustCreateKey(const std::string& account_id) {
    absl::StatusOr<NewAccessKey> key = store_->CreateAccessKey(account_id);
    EXPECT_TRUE(key.ok()) << key.status();
    return key.value_or(NewAccessKey());
  }

  fs::path dir_;
  fs::path db_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::MasterKey> key_;
  std::unique_ptr<IdentityStore> store_;
};

TEST_F(IdentityStoreTest, CreateAccountAssignsATwelveDigitId) {
  Account a = MustCreateAccount("alice");
  EXPECT_EQ(a.account_id.size(), 12u);
  EXPECT_TRUE(IsAccountId(a.account_id)) << a.account_id;
  EXPECT_EQ(a.name, "alice");
  EXPECT_FALSE(a.is_admin);
  EXPECT_GT(a.created_at, 0);

  absl::StatusOr<Account> loaded = store_->GetAccount(a.account_id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->name, "alice");
  EXPECT_EQ(loaded->created_at, a.created_at);
}

TEST_F(IdentityStoreTest, CreateAccountValidatesTheName) {
  EXPECT_EQ(store_->CreateAccount("", false).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateAccount(std::string(65, 'n'), false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->CreateAccount(std::string(64, 'n'), false).ok());
}

TEST_F(IdentityStoreTest, ListAccountsReturnsEveryAccount) {
  Account a = MustCreateAccount("a");
  Account b = MustCreateAccount("b", /*admin=*/true);
  absl::StatusOr<std::vector<Account>> list = store_->ListAccounts();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  bool saw_a = false;
  bool saw_b = false;
  for (const Account& acct : *list) {
    if (acct.account_id == a.account_id) saw_a = acct.name == "a" && !acct.is_admin;
    if (acct.account_id == b.account_id) saw_b = acct.name == "b" && acct.is_admin;
  }
  EXPECT_TRUE(saw_a);
  EXPECT_TRUE(saw_b);
}

TEST_F(IdentityStoreTest, GetAccountOfAnUnknownIdIsNotFound) {
  EXPECT_EQ(store_->GetAccount("999999999999").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, CreateAccessKeyReturnsAnActiveKeyAndItsSecret) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  EXPECT_EQ(key.key.account_id, a.account_id);
  EXPECT_EQ(key.key.status, "Active");
  EXPECT_EQ(key.key.access_key_id.substr(0, 4), "AKIA");
  EXPECT_EQ(key.key.access_key_id.size(), 20u);
  EXPECT_EQ(key.secret_access_key.size(), 40u);
}

TEST_F(IdentityStoreTest, CreateAccessKeyForAnUnknownAccountIsNotFound) {
  EXPECT_EQ(store_->CreateAccessKey("999999999999").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, ListAccessKeysFiltersByAccountAndCarriesNoSecrets) {
  Account a = MustCreateAccount("a");
  Account b = MustCreateAccount("b");
  NewAccessKey a1 = MustCreateKey(a.account_id);
  NewAccessKey a2 = MustCreateKey(a.account_id);
  NewAccessKey b1 = MustCreateKey(b.account_id);

  absl::StatusOr<std::vector<AccessKey>> of_a = store_->ListAccessKeys(a.account_id);
  ASSERT_TRUE(of_a.ok()) << of_a.status();
  ASSERT_EQ(of_a->size(), 2u);
  for (const AccessKey& k : *of_a) {
    EXPECT_EQ(k.account_id, a.account_id);
    EXPECT_TRUE(k.access_key_id == a1.key.access_key_id || k.access_key_id == a2.key.access_key_id);
    EXPECT_EQ(k.status, "Active");
    for (const std::string& secret : {a1.secret_access_key, a2.secret_access_key}) {
      EXPECT_EQ(k.access_key_id.find(secret), std::string::npos);
      EXPECT_EQ(k.status.find(secret), std::string::npos);
    }
  }
  absl::StatusOr<std::vector<AccessKey>> all = store_->ListAccessKeys("");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 3u);
  absl::StatusOr<std::vector<AccessKey>> of_b = store_->ListAccessKeys(b.account_id);
  ASSERT_TRUE(of_b.ok());
  ASSERT_EQ(of_b->size(), 1u);
  EXPECT_EQ((*of_b)[0].access_key_id, b1.key.access_key_id);
}

TEST_F(IdentityStoreTest, LookupActiveKeyReturnsTheSecretAndAccount) {
  Account a = MustCreateAccount("a", /*admin=*/true);
  NewAccessKey key = MustCreateKey(a.account_id);
  absl::StatusOr<KeyIdentity> id = store_->LookupActiveKey(key.key.access_key_id);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->secret_access_key, key.secret_access_key);
  EXPECT_EQ(id->access_key_id, key.key.access_key_id);
  EXPECT_EQ(id->account.account_id, a.account_id);
  EXPECT_EQ(id->account.name, "a");
  EXPECT_TRUE(id->account.is_admin);
}

TEST_F(IdentityStoreTest, LookupOfAnUnknownKeyIsNotFound) {
  EXPECT_EQ(store_->LookupActiveKey("AKIAAAAAAAAAAAAAAAAA").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, DisabledKeyIsNotFoundUntilReenabled) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  ASSERT_TRUE(store_->SetAccessKeyStatus(key.key.access_key_id, "Inactive").ok());
  EXPECT_EQ(store_->LookupActiveKey(key.key.access_key_id).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<AccessKey>> keys = store_->ListAccessKeys(a.account_id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].status, "Inactive");

  ASSERT_TRUE(store_->SetAccessKeyStatus(key.key.access_key_id, "Active").ok());
  absl::StatusOr<KeyIdentity> id = store_->LookupActiveKey(key.key.access_key_id);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->secret_access_key, key.secret_access_key);
}

TEST_F(IdentityStoreTest, SetAccessKeyStatusValidatesItsArguments) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  EXPECT_EQ(store_->SetAccessKeyStatus(key.key.access_key_id, "Disabled").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetAccessKeyStatus("AKIAUNKNOWNUNKNOWN00", "Inactive").code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->LookupActiveKey(key.key.access_key_id).ok());
}

TEST_F(IdentityStoreTest, DeletedKeyIsNotFound) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  NewAccessKey other = MustCreateKey(a.account_id);
  ASSERT_TRUE(store_->DeleteAccessKey(key.key.access_key_id).ok());
  EXPECT_EQ(store_->LookupActiveKey(key.key.access_key_id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteAccessKey(key.key.access_key_id).code(), absl::StatusCode::kNotFound);
  // Only that key is gone.
  EXPECT_TRUE(store_->LookupActiveKey(other.key.access_key_id).ok());
  absl::StatusOr<std::vector<AccessKey>> keys = store_->ListAccessKeys(a.account_id);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].access_key_id, other.key.access_key_id);
}

TEST_F(IdentityStoreTest, SecretIsNotStoredInTheClear) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  std::string bytes = DatabaseBytes();
  // The scan does see the key's row (the access key ID is stored in the clear)...
  ASSERT_NE(bytes.find(key.key.access_key_id), std::string::npos);
  // ...but not its secret.
  EXPECT_EQ(bytes.find(key.secret_access_key), std::string::npos);
}

TEST_F(IdentityStoreTest, LookupWithADifferentMasterKeyIsDataLoss) {
  Account a = MustCreateAccount("a");
  NewAccessKey key = MustCreateKey(a.account_id);
  std::unique_ptr<crypto::MasterKey> other_key =
      crypto::MasterKey::FromBytesForTest(std::string(32, 'z'));
  IdentityStore other(db_.get(), other_key.get());
  EXPECT_EQ(other.LookupActiveKey(key.key.access_key_id).status().code(),
            absl::StatusCode::kDataLoss);
  // The right key still works.
  EXPECT_TRUE(store_->LookupActiveKey(key.key.access_key_id).ok());
}

TEST_F(IdentityStoreTest, SecretIsBoundToItsAccessKeyId) {
  Account a = MustCreateAccount("a");
  NewAccessKey k1 = MustCreateKey(a.account_id);
  NewAccessKey k2 = MustCreateKey(a.account_id);
  // Moving one key's wrapped secret to another key's row must not authenticate.
  absl::Status st = db_->Write([&](store::Connection& c) -> absl::Status {
    absl::StatusOr<store::Statement> s = c.Prepare(
        "UPDATE access_keys SET wrapped_secret = (SELECT wrapped_secret FROM access_keys WHERE "
        "access_key_id = ?1) WHERE access_key_id = ?2");
    if (!s.ok()) return s.status();
    return s->Bind(1, k1.key.access_key_id).Bind(2, k2.key.access_key_id).Run();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(store_->LookupActiveKey(k2.key.access_key_id).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(IdentityStoreTest, HasAdminIsTrueOnlyOnceAnAdminExists) {
  absl::StatusOr<bool> has = store_->HasAdmin();
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  MustCreateAccount("user");
  has = store_->HasAdmin();
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  MustCreateAccount("root", /*admin=*/true);
  has = store_->HasAdmin();
  ASSERT_TRUE(has.ok());
  EXPECT_TRUE(*has);
}

}  // namespace
}  // namespace cleanroom::iam
