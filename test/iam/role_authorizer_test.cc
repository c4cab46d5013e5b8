#include "iam/role_authorizer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "iam_test_env.h"

namespace cleanroom::iam {
namespace {

using ::testing::HasSubstr;

class RoleAuthorizerTest : public IamTestEnv {
 protected:
  void SetUp() override {
    IamTestEnv::SetUp();
    authorizer_ = std::make_unique<RoleAuthorizer>(db_.get());
  }
  void TearDown() override {
    authorizer_.reset();
    IamTestEnv::TearDown();
  }

  // The recipe's Glue role: AWSGlueServiceRole + CleanRoomsS3Access.
  void MakeRecipeGlueRole(const std::string& account) {
    MustCreateRole(account, "GlueCleanRoomsRole", kTrustGlue);
    ManagedPolicy p = MustCreatePolicy(account, "CleanRoomsS3Access");
    ASSERT_TRUE(store_->AttachRolePolicy(account, "GlueCleanRoomsRole", kGlueServiceRoleArn).ok());
    ASSERT_TRUE(store_->AttachRolePolicy(account, "GlueCleanRoomsRole", p.arn).ok());
  }

  AssumedRole MustAssume(const std::string& account, const std::string& role,
                         const std::string& service = "glue.amazonaws.com") {
    absl::StatusOr<AssumedRole> assumed =
        authorizer_->AssumeForService(account, role, service, "session-1");
    EXPECT_TRUE(assumed.ok()) << assumed.status();
    return assumed.value_or(AssumedRole());
  }

  std::unique_ptr<RoleAuthorizer> authorizer_;
};

TEST_F(RoleAuthorizerTest, AssumeByArnOrNameWhenTheTrustPolicyAllowsTheService) {
  MakeRecipeGlueRole(a_);
  const std::string arn = "arn:aws:iam::" + a_ + ":role/GlueCleanRoomsRole";
  AssumedRole by_arn = MustAssume(a_, arn);
  EXPECT_EQ(by_arn.role_arn(), arn);
  EXPECT_EQ(by_arn.account_id(), a_);
  EXPECT_EQ(by_arn.role_name(), "GlueCleanRoomsRole");
  EXPECT_EQ(by_arn.session_arn(),
            "arn:aws:sts::" + a_ + ":assumed-role/GlueCleanRoomsRole/session-1");
  AssumedRole by_name = MustAssume(a_, "gluecleanroomsrole");  // names are case-insensitive
  EXPECT_EQ(by_name.role_arn(), arn);
}

TEST_F(RoleAuthorizerTest, RoleWithPathIsFoundByArnWithThatPath) {
  MustCreateRole(a_, "Crawler", kTrustGlue, "/service-role/");
  EXPECT_EQ(MustAssume(a_, "arn:aws:iam::" + a_ + ":role/service-role/Crawler").role_arn(),
            "arn:aws:iam::" + a_ + ":role/service-role/Crawler");
  EXPECT_TRUE(authorizer_->AssumeForService(a_, "Crawler", "glue.amazonaws.com", "s").ok());
  absl::StatusOr<AssumedRole> wrong_path = authorizer_->AssumeForService(
      a_, "arn:aws:iam::" + a_ + ":role/Crawler", "glue.amazonaws.com", "s");
  EXPECT_EQ(wrong_path.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, WrongServiceIsDenied) {
  MakeRecipeGlueRole(a_);
  absl::StatusOr<AssumedRole> assumed =
      authorizer_->AssumeForService(a_, "GlueCleanRoomsRole", "cleanrooms.amazonaws.com", "s");
  ASSERT_EQ(assumed.status().code(), absl::StatusCode::kPermissionDenied);
  const std::string message(assumed.status().message());
  EXPECT_THAT(message, HasSubstr("Service cleanrooms.amazonaws.com is unable to assume provided "
                                 "role arn:aws:iam::" +
                                 a_ + ":role/GlueCleanRoomsRole"));
  EXPECT_THAT(message, HasSubstr("trust policy does not allow cleanrooms.amazonaws.com"));
}

TEST_F(RoleAuthorizerTest, AnotherAccountsRoleIsDeniedEvenIfItExists) {
  MakeRecipeGlueRole(b_);
  const std::string arn = "arn:aws:iam::" + b_ + ":role/GlueCleanRoomsRole";
  absl::StatusOr<AssumedRole> assumed =
      authorizer_->AssumeForService(a_, arn, "glue.amazonaws.com", "s");
  ASSERT_EQ(assumed.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(assumed.status().message()),
              HasSubstr("a role can only be passed by its own account"));
  EXPECT_THAT(std::string(assumed.status().message()), HasSubstr(arn));
  // By bare name, the caller's own account is searched: b's role is not found from a.
  absl::StatusOr<AssumedRole> by_name =
      authorizer_->AssumeForService(a_, "GlueCleanRoomsRole", "glue.amazonaws.com", "s");
  EXPECT_EQ(by_name.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, MissingRoleIsDeniedWithItsArn) {
  absl::StatusOr<AssumedRole> assumed =
      authorizer_->AssumeForService(a_, "NoSuchRole", "glue.amazonaws.com", "s");
  ASSERT_EQ(assumed.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(assumed.status().message()),
              HasSubstr("unable to assume provided role arn:aws:iam::" + a_ +
                        ":role/NoSuchRole: the role does not exist"));
}

TEST_F(RoleAuthorizerTest, MalformedRoleReferencesAreInvalidArguments) {
  for (const std::string& role :
       {std::string("arn:aws:iam::" + a_ + ":policy/P"), std::string("arn:aws:s3:::bucket"),
        std::string("bad name"), std::string("")}) {
    EXPECT_EQ(authorizer_->AssumeForService(a_, role, "glue.amazonaws.com", "s").status().code(),
              absl::StatusCode::kInvalidArgument)
        << role;
  }
}

TEST_F(RoleAuthorizerTest, TrustConditionsSeeTheCallersAccountAsSourceAccount) {
  const std::string trust_own_account = std::string(R"({"Version": "2012-10-17", "Statement": [{
      "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": ")") +
                                        a_ + R"("}}}]})";
  MustCreateRole(a_, "Conditioned", trust_own_account);
  EXPECT_TRUE(authorizer_->AssumeForService(a_, "Conditioned", "glue.amazonaws.com", "s").ok());
  const std::string trust_other_account = std::string(R"({"Version": "2012-10-17", "Statement": [{
      "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": ")") +
                                          b_ + R"("}}}]})";
  MustCreateRole(a_, "OtherSource", trust_other_account);
  EXPECT_EQ(
      authorizer_->AssumeForService(a_, "OtherSource", "glue.amazonaws.com", "s").status().code(),
      absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, RecipeGlueRolePermissions) {
  MakeRecipeGlueRole(a_);
  AssumedRole role = MustAssume(a_, "GlueCleanRoomsRole");
  // CleanRoomsS3Access: the recipe's buckets.
  EXPECT_TRUE(
      role.Authorize("s3:GetObject", "arn:aws:s3:::clean-rooms-data-a-x1/data/c.csv", a_).ok());
  EXPECT_TRUE(role.Authorize("s3:ListBucket", "arn:aws:s3:::clean-rooms-data-a-x1", a_).ok());
  // AWSGlueServiceRole: ListBucket and GetBucketLocation on any bucket, glue:*.
  EXPECT_TRUE(role.Authorize("s3:ListBucket", "arn:aws:s3:::any-bucket", a_).ok());
  EXPECT_TRUE(role.Authorize("s3:GetBucketLocation", "arn:aws:s3:::any-bucket", a_).ok());
  EXPECT_TRUE(
      role.Authorize("glue:CreateTable", "arn:aws:glue:us-east-1:" + a_ + ":table/db/t", a_).ok());
  EXPECT_TRUE(role.Authorize("s3:GetObject", "arn:aws:s3:::aws-glue-scripts/x/y.py", a_).ok());
  // Neither grants reading objects of other buckets, or deleting the recipe's objects.
  absl::Status other = role.Authorize("s3:GetObject", "arn:aws:s3:::private-bucket/k", a_);
  ASSERT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(other.message()),
            "User: arn:aws:sts::" + a_ +
                ":assumed-role/GlueCleanRoomsRole/session-1 is not authorized to perform: "
                "s3:GetObject on resource: arn:aws:s3:::private-bucket/k because no "
                "identity-based policy allows the s3:GetObject action");
  EXPECT_EQ(role.Authorize("s3:DeleteObject", "arn:aws:s3:::clean-rooms-a/k", a_).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, ResourcesOfAnotherAccountAreAlwaysDenied) {
  MakeRecipeGlueRole(a_);
  AssumedRole role = MustAssume(a_, "GlueCleanRoomsRole");
  absl::Status st = role.Authorize("s3:GetObject", "arn:aws:s3:::clean-rooms-b/k", b_);
  ASSERT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("because no resource-based policy allows the s3:GetObject action"));
}

TEST_F(RoleAuthorizerTest, CleanRoomsRoleReadsCatalogButNotS3WithoutTheCustomerPolicy) {
  MustCreateRole(a_, "CleanRoomsAnalyticsRole", kTrustCleanRooms);
  ASSERT_TRUE(store_->AttachRolePolicy(a_, "CleanRoomsAnalyticsRole", kCleanRoomsServiceArn).ok());
  AssumedRole role = MustAssume(a_, "CleanRoomsAnalyticsRole", "cleanrooms.amazonaws.com");
  EXPECT_TRUE(
      role.Authorize("glue:GetTable", "arn:aws:glue:us-east-1:" + a_ + ":table/d/t", a_).ok());
  EXPECT_TRUE(
      role.Authorize("glue:GetPartitions", "arn:aws:glue:us-east-1:" + a_ + ":table/d/t", a_).ok());
  EXPECT_EQ(
      role.Authorize("glue:DeleteTable", "arn:aws:glue:us-east-1:" + a_ + ":table/d/t", a_).code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(role.Authorize("s3:GetObject", "arn:aws:s3:::clean-rooms-a/k", a_).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, InlinePoliciesCountAndAnExplicitDenyWins) {
  MakeRecipeGlueRole(a_);
  ASSERT_TRUE(store_
                  ->PutRolePolicy(a_, "GlueCleanRoomsRole", "ExtraRead",
                                  R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::extra/*"}]})")
                  .ok());
  ASSERT_TRUE(store_
                  ->PutRolePolicy(a_, "GlueCleanRoomsRole", "NoWrites",
                                  R"({"Version": "2012-10-17", "Statement": [{"Sid": "DenyPut",
                                      "Effect": "Deny", "Action": "s3:Put*", "Resource": "*"}]})")
                  .ok());
  AssumedRole role = MustAssume(a_, "GlueCleanRoomsRole");
  EXPECT_TRUE(role.Authorize("s3:GetObject", "arn:aws:s3:::extra/k", a_).ok());
  // CleanRoomsS3Access allows s3:PutObject on clean-rooms-*, but the inline Deny wins.
  absl::Status st = role.Authorize("s3:PutObject", "arn:aws:s3:::clean-rooms-a/k", a_);
  ASSERT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("with an explicit deny in an identity-based policy: "
                        "GlueCleanRoomsRole/NoWrites (statement DenyPut)"));
}

TEST_F(RoleAuthorizerTest, ContextReachesPolicyConditions) {
  MustCreateRole(a_, "R");
  ASSERT_TRUE(store_
                  ->PutRolePolicy(a_, "R", "Conditional",
                                  R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                      "Action": "s3:ListBucket", "Resource": "*",
                                      "Condition": {"StringLike": {"s3:prefix": "data/*"}}}]})")
                  .ok());
  AssumedRole role = MustAssume(a_, "R");
  EXPECT_TRUE(
      role.Authorize("s3:ListBucket", "arn:aws:s3:::b", a_, {{"s3:prefix", "data/x"}}).ok());
  EXPECT_FALSE(
      role.Authorize("s3:ListBucket", "arn:aws:s3:::b", a_, {{"s3:prefix", "logs/"}}).ok());
  EXPECT_FALSE(role.Authorize("s3:ListBucket", "arn:aws:s3:::b", a_).ok());
}

TEST_F(RoleAuthorizerTest, AnAssumedRoleIsASnapshot) {
  MakeRecipeGlueRole(a_);
  AssumedRole before = MustAssume(a_, "GlueCleanRoomsRole");
  ASSERT_TRUE(store_
                  ->DetachRolePolicy(a_, "GlueCleanRoomsRole",
                                     "arn:aws:iam::" + a_ + ":policy/CleanRoomsS3Access")
                  .ok());
  const std::string object = "arn:aws:s3:::clean-rooms-a/k";
  EXPECT_TRUE(before.Authorize("s3:GetObject", object, a_).ok());
  AssumedRole after = MustAssume(a_, "GlueCleanRoomsRole");
  EXPECT_EQ(after.Authorize("s3:GetObject", object, a_).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(RoleAuthorizerTest, RoleWithoutPoliciesAndDefaultAssumedRoleDenyEverything) {
  MustCreateRole(a_, "Empty");
  AssumedRole role = MustAssume(a_, "Empty");
  EXPECT_EQ(role.Authorize("s3:GetObject", "arn:aws:s3:::b/k", a_).code(),
            absl::StatusCode::kPermissionDenied);
  AssumedRole placeholder;
  EXPECT_EQ(placeholder.Authorize("s3:GetObject", "arn:aws:s3:::b/k", "").code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace cleanroom::iam
