#include "iam/aws_managed_policies.h"

#include <set>

#include "gtest/gtest.h"
#include "iam/iam_names.h"
#include "policy/evaluator.h"
#include "policy/policy_document.h"

namespace cleanroom::iam {
namespace {

TEST(AwsManagedPoliciesTest, EveryPolicyIsWellFormed) {
  std::set<std::string> ids;
  ASSERT_EQ(AwsManagedPolicies().size(), 2u);
  for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
    absl::StatusOr<policy::PolicyDocument> doc =
        policy::ParsePolicy(p.document, policy::PolicyKind::kIdentity);
    EXPECT_TRUE(doc.ok()) << p.name << ": " << doc.status();
    EXPECT_EQ(p.arn, PolicyArn("aws", p.path, p.name));
    EXPECT_EQ(p.policy_id.size(), 21u);
    EXPECT_EQ(p.policy_id.substr(0, 4), "ANPA");
    EXPECT_TRUE(ids.insert(p.policy_id).second);
    EXPECT_LE(policy::QuotaSize(p.document), 6144u) << p.name;
    EXPECT_EQ(FindAwsManagedPolicy(p.arn), &p);
  }
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/AWSGlueServiceRole"), nullptr);
}

bool Allows(const std::string& arn, const std::string& action, const std::string& resource) {
  const AwsManagedPolicy* p = FindAwsManagedPolicy(arn);
  if (p == nullptr) return false;
  absl::StatusOr<policy::PolicyDocument> doc =
      policy::ParsePolicy(p->document, policy::PolicyKind::kIdentity);
  if (!doc.ok()) return false;
  return policy::Evaluate({{arn, &*doc}}, policy::Request{action, resource, {}, {}}).allowed();
}

TEST(AwsManagedPoliciesTest, GlueServiceRoleGrantsWhatAwsDocuments) {
  const std::string glue = "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole";
  EXPECT_TRUE(Allows(glue, "glue:CreateTable", "arn:aws:glue:us-east-1:111122223333:table/d/t"));
  EXPECT_TRUE(Allows(glue, "s3:ListBucket", "arn:aws:s3:::anything"));
  EXPECT_TRUE(Allows(glue, "s3:GetBucketAcl", "arn:aws:s3:::anything"));
  EXPECT_TRUE(Allows(glue, "s3:ListAllMyBuckets", "*"));
  EXPECT_TRUE(Allows(glue, "s3:CreateBucket", "arn:aws:s3:::aws-glue-temp"));
  EXPECT_FALSE(Allows(glue, "s3:CreateBucket", "arn:aws:s3:::my-bucket"));
  EXPECT_TRUE(Allows(glue, "s3:PutObject", "arn:aws:s3:::aws-glue-temp/out/x"));
  EXPECT_TRUE(Allows(glue, "s3:DeleteObject", "arn:aws:s3:::mine/jobs/aws-glue-tmp/x"));
  EXPECT_TRUE(Allows(glue, "s3:GetObject", "arn:aws:s3:::crawler-public-us-east-1/flight/x"));
  EXPECT_FALSE(Allows(glue, "s3:GetObject", "arn:aws:s3:::clean-rooms-data-a/data/c.csv"));
  EXPECT_FALSE(Allows(glue, "s3:PutObject", "arn:aws:s3:::crawler-public-us-east-1/x"));
  EXPECT_TRUE(Allows(glue, "logs:PutLogEvents",
                     "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/crawlers:"
                     "log-stream:c"));
  EXPECT_FALSE(Allows(glue, "logs:PutLogEvents",
                      "arn:aws:logs:us-east-1:111122223333:log-group:/other:log-stream:c"));
  EXPECT_FALSE(Allows(glue, "iam:CreateRole", "*"));
}

TEST(AwsManagedPoliciesTest, CleanRoomsServiceReadsTheCatalogOnly) {
  const std::string cr = "arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService";
  for (const char* action :
       {"glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
        "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:GetSchema"}) {
    EXPECT_TRUE(Allows(cr, action, "arn:aws:glue:us-east-1:111122223333:table/d/t")) << action;
  }
  EXPECT_FALSE(Allows(cr, "glue:CreateTable", "arn:aws:glue:us-east-1:111122223333:table/d/t"));
  EXPECT_FALSE(Allows(cr, "glue:StartCrawler", "*"));
  EXPECT_FALSE(Allows(cr, "s3:GetObject", "arn:aws:s3:::clean-rooms-a/k"));
  EXPECT_FALSE(Allows(cr, "s3:ListBucket", "arn:aws:s3:::clean-rooms-a"));
}

}  // namespace
}  // namespace cleanroom::iam
