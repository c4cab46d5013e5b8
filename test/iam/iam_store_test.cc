#include "iam/iam_store.h"

#include <string>

#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_names.h"
#include "iam_test_env.h"

namespace cleanroom::iam {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Expects `status` to carry IAM's `code` and `http` status.
void ExpectIamError(const absl::Status& status, const std::string& code, int http,
                    const std::string& message_part = "") {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(GetAwsCode(status).value_or("<none>"), code) << status;
  EXPECT_EQ(GetAwsHttpStatus(status).value_or(0), http) << status;
  if (!message_part.empty()) {
    EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
  }
}

class IamStoreTest : public IamTestEnv {};

TEST_F(IamStoreTest, CreateRoleAssignsIdArnAndDate) {
  Role role = MustCreateRole(a_, "GlueCleanRoomsRole");
  EXPECT_EQ(role.name, "GlueCleanRoomsRole");
  EXPECT_EQ(role.arn, "arn:aws:iam::" + a_ + ":role/GlueCleanRoomsRole");
  EXPECT_THAT(role.role_id, ::testing::MatchesRegex("AROA[A-Z2-7]{17}"));
  EXPECT_EQ(role.created_at, 1700000000);
  EXPECT_EQ(role.max_session_duration, 3600);
  EXPECT_EQ(role.trust_policy, kTrustGlue);  // stored as submitted

  absl::StatusOr<Role> got = store_->GetRole(a_, "GlueCleanRoomsRole");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->role_id, role.role_id);
  EXPECT_EQ(got->trust_policy, kTrustGlue);
}

TEST_F(IamStoreTest, RoleWithPathDescriptionAndTags) {
  NewRole r;
  r.account_id = a_;
  r.name = "Tagged";
  r.path = "/service-role/team/";
  r.trust_policy = kTrustGlue;
  r.description = "for crawlers";
  r.max_session_duration = 7200;
  r.tags = {{"team", "analytics"}, {"env", "dev"}};
  ASSERT_TRUE(store_->CreateRole(r).ok());
  absl::StatusOr<Role> got = store_->GetRole(a_, "tagged");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->arn, "arn:aws:iam::" + a_ + ":role/service-role/team/Tagged");
  EXPECT_EQ(got->description.value_or(""), "for crawlers");
  EXPECT_EQ(got->max_session_duration, 7200);
  ASSERT_EQ(got->tags.size(), 2u);
  EXPECT_EQ(got->tags[0].key, "team");
  EXPECT_EQ(got->tags[1].value, "dev");
}

TEST_F(IamStoreTest, RoleNamesAreUniqueCaseInsensitivelyPerAccount) {
  MustCreateRole(a_, "MyRole");
  NewRole dup{a_, "myrole", "/", kTrustGlue};
  ExpectIamError(store_->CreateRole(dup).status(), "EntityAlreadyExists", 409,
                 "Role with name myrole already exists.");
  // Another account may use the same name.
  MustCreateRole(b_, "MyRole");
  EXPECT_TRUE(store_->GetRole(a_, "MYROLE").ok());
}

TEST_F(IamStoreTest, CreateRoleValidatesTheTrustPolicy) {
  NewRole r{a_, "R", "/", R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Action": "sts:AssumeRole"}]})"};
  ExpectIamError(store_->CreateRole(r).status(), "MalformedPolicyDocument", 400,
                 "Missing required field Principal");
  r.trust_policy = kCleanRoomsS3Access;  // a permissions policy is not a trust policy
  ExpectIamError(store_->CreateRole(r).status(), "MalformedPolicyDocument", 400);
  EXPECT_EQ(store_->GetRole(a_, "R").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, TrustPolicySizeQuota) {
  // 2048 non-whitespace characters are allowed, 2049 are not (whitespace does not count).
  std::string head =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole","Sid":")";
  std::string tail = R"("}]})";
  std::string fits = head + std::string(2048 - head.size() - tail.size(), 'x') + tail;
  ASSERT_EQ(fits.size(), 2048u);
  NewRole r{a_, "Fits", "/", fits + std::string(500, ' ')};
  EXPECT_TRUE(store_->CreateRole(r).ok());
  NewRole big{a_, "TooBig", "/", head + std::string(2049 - head.size() - tail.size(), 'x') + tail};
  ExpectIamError(store_->CreateRole(big).status(), "LimitExceeded", 409,
                 "Cannot exceed quota for ACLSizePerRole: 2048");
}

TEST_F(IamStoreTest, GetAndDeleteMissingRole) {
  ExpectIamError(store_->GetRole(a_, "Nope").status(), "NoSuchEntity", 404,
                 "The role with name Nope cannot be found.");
  ExpectIamError(store_->DeleteRole(a_, "Nope"), "NoSuchEntity", 404);
}

TEST_F(IamStoreTest, AccountsDoNotSeeEachOthersRoles) {
  MustCreateRole(a_, "Private");
  EXPECT_EQ(store_->GetRole(b_, "Private").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteRole(b_, "Private").code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<Role>> listed = store_->ListRoles(b_, "/");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(store_->GetRole(a_, "Private").ok());
}

TEST_F(IamStoreTest, ListRolesOrderedAndFilteredByPath) {
  MustCreateRole(a_, "beta", kTrustGlue, "/svc/");
  MustCreateRole(a_, "Alpha");
  MustCreateRole(a_, "gamma", kTrustGlue, "/svc/inner/");
  absl::StatusOr<std::vector<Role>> all = store_->ListRoles(a_, "/");
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const Role& r : *all) names.push_back(r.name);
  EXPECT_THAT(names, ElementsAre("Alpha", "beta", "gamma"));
  absl::StatusOr<std::vector<Role>> svc = store_->ListRoles(a_, "/svc/");
  ASSERT_TRUE(svc.ok());
  ASSERT_EQ(svc->size(), 2u);
  EXPECT_EQ((*svc)[0].name, "beta");
  EXPECT_EQ((*svc)[1].name, "gamma");
}

TEST_F(IamStoreTest, CreatePolicyAndReadItBack) {
  ManagedPolicy p = MustCreatePolicy(a_, "CleanRoomsS3Access");
  EXPECT_EQ(p.arn, "arn:aws:iam::" + a_ + ":policy/CleanRoomsS3Access");
  EXPECT_THAT(p.policy_id, ::testing::MatchesRegex("ANPA[A-Z2-7]{17}"));
  EXPECT_EQ(p.default_version_id, "v1");
  EXPECT_EQ(p.attachment_count, 0);
  EXPECT_TRUE(p.is_attachable);

  absl::StatusOr<ManagedPolicy> got = store_->GetPolicy(a_, p.arn);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->policy_id, p.policy_id);
  absl::StatusOr<PolicyVersion> v = store_->GetPolicyVersion(a_, p.arn, "v1");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->document, kCleanRoomsS3Access);
  EXPECT_TRUE(v->is_default);
  ExpectIamError(store_->GetPolicyVersion(a_, p.arn, "v2").status(), "NoSuchEntity", 404);
}

TEST_F(IamStoreTest, PolicyNamesAreUniqueWhateverThePath) {
  MustCreatePolicy(a_, "P1");
  NewPolicy dup{a_, "p1", "/other/", kCleanRoomsS3Access};
  ExpectIamError(store_->CreatePolicy(dup).status(), "EntityAlreadyExists", 409,
                 "A policy called p1 already exists. Duplicate names are not allowed.");
  MustCreatePolicy(b_, "P1");
}

TEST_F(IamStoreTest, CreatePolicyValidatesTheDocument) {
  NewPolicy bad{a_, "Bad", "/", R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Action": "s3:GetObject"}]})"};
  ExpectIamError(store_->CreatePolicy(bad).status(), "MalformedPolicyDocument", 400,
                 "Policy statement must contain resources.");
  bad.document = kTrustGlue;  // a trust policy names a principal
  ExpectIamError(store_->CreatePolicy(bad).status(), "MalformedPolicyDocument", 400,
                 "Policy document should not specify a principal.");
}

TEST_F(IamStoreTest, ManagedPolicySizeQuota) {
  std::string actions;
  while (actions.size() < 6200) actions += "\"s3:GetObject\",";
  actions.pop_back();
  NewPolicy big{a_, "Big", "/",
                R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [)" +
                    actions + R"(], "Resource": "*"}]})"};
  ExpectIamError(store_->CreatePolicy(big).status(), "LimitExceeded", 409,
                 "Cannot exceed quota for PolicySize: 6144");
}

TEST_F(IamStoreTest, PolicyArnsAreChecked) {
  MustCreatePolicy(a_, "P", kCleanRoomsS3Access, "/team/");
  ExpectIamError(store_->GetPolicy(a_, "not-an-arn").status(), "InvalidInput", 400,
                 "ARN not-an-arn is not valid.");
  ExpectIamError(store_->GetPolicy(a_, "arn:aws:iam::" + a_ + ":role/P").status(), "InvalidInput",
                 400);
  // Right name, wrong path.
  ExpectIamError(store_->GetPolicy(a_, "arn:aws:iam::" + a_ + ":policy/P").status(), "NoSuchEntity",
                 404);
  EXPECT_TRUE(store_->GetPolicy(a_, "arn:aws:iam::" + a_ + ":policy/team/P").ok());
}

TEST_F(IamStoreTest, AnotherAccountsPolicyIsInvisible) {
  ManagedPolicy p = MustCreatePolicy(a_, "Mine");
  MustCreateRole(b_, "TheirRole");
  ExpectIamError(store_->GetPolicy(b_, p.arn).status(), "NoSuchEntity", 404);
  ExpectIamError(store_->GetPolicyVersion(b_, p.arn, "v1").status(), "NoSuchEntity", 404);
  ExpectIamError(store_->AttachRolePolicy(b_, "TheirRole", p.arn), "NoSuchEntity", 404,
                 "does not exist or is not attachable");
  ExpectIamError(store_->DeletePolicy(b_, p.arn), "NoSuchEntity", 404);
  absl::StatusOr<std::vector<ManagedPolicy>> listed =
      store_->ListPolicies(b_, PolicyScope::kLocal, false, "/");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(store_->GetPolicy(a_, p.arn).ok());
}

TEST_F(IamStoreTest, AwsManagedPoliciesAreVisibleAndReadOnly) {
  for (const std::string& account : {a_, b_}) {
    absl::StatusOr<ManagedPolicy> glue = store_->GetPolicy(account, kGlueServiceRoleArn);
    ASSERT_TRUE(glue.ok()) << glue.status();
    EXPECT_EQ(glue->name, "AWSGlueServiceRole");
    EXPECT_EQ(glue->path, "/service-role/");
    EXPECT_EQ(glue->account_id, "aws");
    absl::StatusOr<PolicyVersion> v =
        store_->GetPolicyVersion(account, kCleanRoomsServiceArn, "v1");
    ASSERT_TRUE(v.ok());
    EXPECT_THAT(v->document, HasSubstr("glue:GetTables"));
  }
  ExpectIamError(store_->DeletePolicy(a_, kGlueServiceRoleArn), "AccessDenied", 403);
  ExpectIamError(store_->GetPolicy(a_, "arn:aws:iam::aws:policy/AdministratorAccess").status(),
                 "NoSuchEntity", 404);
}

TEST_F(IamStoreTest, ListPoliciesScopesFiltersAndCounts) {
  MustCreatePolicy(a_, "Zed");
  MustCreatePolicy(a_, "abc", kCleanRoomsS3Access, "/team/");
  MustCreateRole(a_, "R");
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "R", kGlueServiceRoleArn).ok());

  auto names = [&](PolicyScope scope, bool only_attached, const std::string& prefix) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<ManagedPolicy>> listed =
        store_->ListPolicies(a_, scope, only_attached, prefix);
    EXPECT_TRUE(listed.ok()) << listed.status();
    for (const ManagedPolicy& p : listed.value_or(std::vector<ManagedPolicy>{})) {
      out.push_back(p.name + ":" + std::to_string(p.attachment_count));
    }
    return out;
  };
  EXPECT_THAT(names(PolicyScope::kAll, false, "/"),
              ElementsAre("abc:0", "AWSCleanRoomsService:0", "AWSGlueServiceRole:1", "Zed:0"));
  EXPECT_THAT(names(PolicyScope::kLocal, false, "/"), ElementsAre("abc:0", "Zed:0"));
  EXPECT_THAT(names(PolicyScope::kAws, false, "/"),
              ElementsAre("AWSCleanRoomsService:0", "AWSGlueServiceRole:1"));
  EXPECT_THAT(names(PolicyScope::kAll, true, "/"), ElementsAre("AWSGlueServiceRole:1"));
  EXPECT_THAT(names(PolicyScope::kAll, false, "/team/"), ElementsAre("abc:0"));
  // Another account sees the AWS policies with its own (zero) attachment count.
  absl::StatusOr<ManagedPolicy> seen_by_b = store_->GetPolicy(b_, kGlueServiceRoleArn);
  ASSERT_TRUE(seen_by_b.ok());
  EXPECT_EQ(seen_by_b->attachment_count, 0);
}

TEST_F(IamStoreTest, AttachDetachAndConflicts) {
  ManagedPolicy p = MustCreatePolicy(a_, "CleanRoomsS3Access");
  MustCreateRole(a_, "GlueCleanRoomsRole");
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "GlueCleanRoomsRole", kGlueServiceRoleArn).ok());
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "gluecleanroomsrole", p.arn).ok());
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "GlueCleanRoomsRole", p.arn).ok());  // idempotent

  absl::StatusOr<std::vector<AttachedPolicy>> attached =
      store_->ListAttachedRolePolicies(a_, "GlueCleanRoomsRole", "/");
  ASSERT_TRUE(attached.ok());
  ASSERT_EQ(attached->size(), 2u);
  EXPECT_EQ((*attached)[0].name, "AWSGlueServiceRole");
  EXPECT_EQ((*attached)[0].arn, kGlueServiceRoleArn);
  EXPECT_EQ((*attached)[1].arn, p.arn);
  absl::StatusOr<std::vector<AttachedPolicy>> filtered =
      store_->ListAttachedRolePolicies(a_, "GlueCleanRoomsRole", "/service-role/");
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(filtered->size(), 1u);
  EXPECT_EQ(store_->GetPolicy(a_, p.arn)->attachment_count, 1);

  ExpectIamError(store_->DeleteRole(a_, "GlueCleanRoomsRole"), "DeleteConflict", 409,
                 "Cannot delete entity, must detach all policies first.");
  ExpectIamError(store_->DeletePolicy(a_, p.arn), "DeleteConflict", 409,
                 "Cannot delete a policy attached to entities.");

  ASSERT_TRUE(store_->DetachRolePolicy(a_, "GlueCleanRoomsRole", p.arn).ok());
  ExpectIamError(store_->DetachRolePolicy(a_, "GlueCleanRoomsRole", p.arn), "NoSuchEntity", 404,
                 "was not found");
  ASSERT_TRUE(store_->DetachRolePolicy(a_, "GlueCleanRoomsRole", kGlueServiceRoleArn).ok());
  EXPECT_TRUE(store_->DeletePolicy(a_, p.arn).ok());
  EXPECT_EQ(store_->GetPolicy(a_, p.arn).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->DeleteRole(a_, "GlueCleanRoomsRole").ok());
  EXPECT_EQ(store_->GetRole(a_, "GlueCleanRoomsRole").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, AttachToMissingRoleOrPolicy) {
  MustCreateRole(a_, "R");
  ExpectIamError(store_->AttachRolePolicy(a_, "Nope", kGlueServiceRoleArn), "NoSuchEntity", 404,
                 "The role with name Nope cannot be found.");
  ExpectIamError(store_->AttachRolePolicy(a_, "R", "arn:aws:iam::" + a_ + ":policy/Nope"),
                 "NoSuchEntity", 404,
                 "Policy arn:aws:iam::" + a_ + ":policy/Nope does not exist or is not attachable.");
  ExpectIamError(store_->AttachRolePolicy(a_, "R", "arn:aws:s3:::bucket-not-a-policy"),
                 "InvalidInput", 400);
}

TEST_F(IamStoreTest, ManagedPoliciesPerRoleQuota) {
  MustCreateRole(a_, "R");
  for (int i = 0; i < kMaxManagedPoliciesPerRole; ++i) {
    ManagedPolicy p = MustCreatePolicy(a_, "P" + std::to_string(i));
    ASSERT_TRUE(store_->AttachRolePolicy(a_, "R", p.arn).ok()) << i;
  }
  ManagedPolicy extra = MustCreatePolicy(a_, "Extra");
  ExpectIamError(store_->AttachRolePolicy(a_, "R", extra.arn), "LimitExceeded", 409,
                 "Cannot exceed quota for PoliciesPerRole: 10");
}

TEST_F(IamStoreTest, InlinePolicies) {
  MustCreateRole(a_, "R");
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "Inline", kCleanRoomsS3Access).ok());
  absl::StatusOr<InlinePolicy> got = store_->GetRolePolicy(a_, "r", "inline");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name, "Inline");
  EXPECT_EQ(got->document, kCleanRoomsS3Access);

  // Replacing keeps one policy (names are case-insensitive).
  const std::string other = R"({"Version": "2012-10-17", "Statement": {"Effect": "Deny",
      "Action": "*", "Resource": "*"}})";
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "INLINE", other).ok());
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "Another", other).ok());
  absl::StatusOr<std::vector<std::string>> names = store_->ListRolePolicies(a_, "R");
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, ElementsAre("Another", "INLINE"));
  EXPECT_EQ(store_->GetRolePolicy(a_, "R", "inline")->document, other);

  ExpectIamError(store_->DeleteRole(a_, "R"), "DeleteConflict", 409,
                 "Cannot delete entity, must delete policies first.");
  ExpectIamError(store_->PutRolePolicy(a_, "R", "Bad", "{"), "MalformedPolicyDocument", 400,
                 "Syntax errors in policy.");
  ExpectIamError(store_->PutRolePolicy(a_, "Nope", "P", other), "NoSuchEntity", 404);
  ExpectIamError(store_->GetRolePolicy(a_, "R", "Missing").status(), "NoSuchEntity", 404,
                 "The role policy with name Missing cannot be found.");
  ExpectIamError(store_->DeleteRolePolicy(a_, "R", "Missing"), "NoSuchEntity", 404);
  ExpectIamError(store_->GetRolePolicy(b_, "R", "Another").status(), "NoSuchEntity", 404);

  ASSERT_TRUE(store_->DeleteRolePolicy(a_, "R", "another").ok());
  ASSERT_TRUE(store_->DeleteRolePolicy(a_, "R", "Inline").ok());
  EXPECT_TRUE(store_->DeleteRole(a_, "R").ok());
}

TEST_F(IamStoreTest, InlinePolicySizeQuotaCountsEveryPolicyOfTheRole) {
  MustCreateRole(a_, "R");
  auto doc_of_size = [](size_t n) {
    std::string head =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)";
    std::string tail = R"("}]})";
    return head + std::string(n - head.size() - tail.size(), 'b') + tail;
  };
  // 5000 + name (2 chars) twice = 10004: fits. A third one does not.
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "P1", doc_of_size(5000)).ok());
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "P2", doc_of_size(5000)).ok());
  ExpectIamError(store_->PutRolePolicy(a_, "R", "P3", doc_of_size(300)), "LimitExceeded", 409,
                 "Maximum policy size of 10240 bytes exceeded for role R");
  // Replacing a policy counts the new size, not old + new.
  EXPECT_TRUE(store_->PutRolePolicy(a_, "R", "P2", doc_of_size(5200)).ok());
}

TEST_F(IamStoreTest, LoadRolePermissionsSnapshotsEverything) {
  ManagedPolicy p = MustCreatePolicy(a_, "CleanRoomsS3Access");
  MustCreateRole(a_, "R");
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "R", p.arn).ok());
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "R", kCleanRoomsServiceArn).ok());
  ASSERT_TRUE(store_->PutRolePolicy(a_, "R", "Inline", kCleanRoomsS3Access).ok());
  absl::StatusOr<RolePermissions> perms = store_->LoadRolePermissions(a_, "r");
  ASSERT_TRUE(perms.ok()) << perms.status();
  EXPECT_EQ(perms->role.name, "R");
  ASSERT_EQ(perms->managed.size(), 2u);
  bool saw_customer = false, saw_aws = false;
  for (const auto& [arn, document] : perms->managed) {
    if (arn == p.arn) {
      saw_customer = true;
      EXPECT_EQ(document, kCleanRoomsS3Access);
    }
    if (arn == kCleanRoomsServiceArn) {
      saw_aws = true;
      EXPECT_EQ(document, FindAwsManagedPolicy(kCleanRoomsServiceArn)->document);
    }
  }
  EXPECT_TRUE(saw_customer && saw_aws);
  ASSERT_EQ(perms->inline_policies.size(), 1u);
  EXPECT_EQ(perms->inline_policies[0].name, "Inline");
  EXPECT_EQ(store_->LoadRolePermissions(b_, "R").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IamStoreTest, DataSurvivesReopen) {
  MustCreateRole(a_, "Durable");
  ManagedPolicy p = MustCreatePolicy(a_, "DurablePolicy");
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "Durable", p.arn).ok());
  store_.reset();
  db_.reset();
  absl::StatusOr<std::unique_ptr<store::Database>> db =
      store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
  ASSERT_TRUE(db.ok());
  db_ = std::move(*db);
  store_ = std::make_unique<IamStore>(db_.get(), &clock_);
  absl::StatusOr<std::vector<AttachedPolicy>> attached =
      store_->ListAttachedRolePolicies(a_, "Durable", "/");
  ASSERT_TRUE(attached.ok());
  ASSERT_EQ(attached->size(), 1u);
  EXPECT_EQ((*attached)[0].arn, p.arn);
}

}  // namespace
}  // namespace cleanroom::iam
