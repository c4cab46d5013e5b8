#include "policy/evaluator.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cleanroom::policy {
namespace {

PolicyDocument MustParse(const std::string& text, PolicyKind kind = PolicyKind::kIdentity) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(text, kind);
  EXPECT_TRUE(doc.ok()) << doc.status() << "\n" << text;
  return doc.value_or(PolicyDocument{});
}

// The recipe's CleanRoomsS3Access policy.
constexpr char kRecipeS3[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
   "Resource": ["arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-*/*"]},
  {"Effect": "Allow", "Action": ["glue:GetTable", "glue:GetTables", "glue:GetDatabase"],
   "Resource": "*"}]})";

constexpr char kDenyPut[] = R"({"Version": "2012-10-17", "Statement": [
  {"Sid": "NoWrites", "Effect": "Deny", "Action": "s3:Put*", "Resource": "*"}]})";

constexpr char kNotAction[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "NotAction": ["s3:Delete*", "iam:*"], "Resource": "*"}]})";

constexpr char kNotResource[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}]})";

constexpr char kWildcardAction[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:Get*Acl", "Resource": "arn:aws:s3:::b?"}]})";

constexpr char kConditions[] = R"({"Version": "2012-10-17", "Statement": [
  {"Sid": "Src", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
   "Condition": {"StringEquals": {"aws:SourceAccount": ["111122223333", "444455556666"]},
                 "ArnLike": {"aws:SourceArn": "arn:aws:glue:*:*:crawler/*"}}}]})";

constexpr char kNegated[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
   "Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}}}]})";

constexpr char kIfExists[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
   "Condition": {"StringLikeIfExists": {"s3:prefix": "data/*"}}}]})";

constexpr char kBoolAndNull[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Deny", "Action": "*", "Resource": "*",
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
  {"Effect": "Allow", "Action": "*", "Resource": "*",
   "Condition": {"Null": {"aws:SourceArn": "false"}}}]})";

constexpr char kArnNot[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "glue:*", "Resource": "*",
   "Condition": {"ArnNotLike": {"aws:SourceArn": ["arn:aws:glue:*:*:crawler/bad*",
                                                   "arn:aws:glue:*:*:job/*"]},
                 "ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/x"}}}]})";

constexpr char kStringNotLikeAndIgnoreCase[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
   "Condition": {"StringNotLike": {"s3:prefix": ["private/*", "tmp?"]},
                 "StringEqualsIgnoreCase": {"aws:RequestTag/team": "Analytics"}}}]})";

constexpr char kNumeric[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
   "Condition": {"NumericLessThanEquals": {"s3:max-keys": 100}}}]})";

constexpr char kSetOperators[] = R"({"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
   "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}},
  {"Effect": "Allow", "Action": "ec2:DeleteTags", "Resource": "*",
   "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}]})";

struct EvalCase {
  const char* name;
  std::vector<std::string> documents;
  std::string action;
  std::string resource;
  std::map<std::string, std::string> context;
  Decision expected;
  int statement_index = -1;  // checked when >= 0
};

TEST(EvaluateTest, Table) {
  const std::vector<EvalCase> cases = {
      // Actions: exact names, any case, wildcards.
      {"recipe get object",
       {kRecipeS3},
       "s3:GetObject",
       "arn:aws:s3:::clean-rooms-a/data/x.csv",
       {},
       Decision::kAllow,
       0},
      {"recipe action case-insensitive",
       {kRecipeS3},
       "S3:getobject",
       "arn:aws:s3:::clean-rooms-a/data/x.csv",
       {},
       Decision::kAllow,
       0},
      {"recipe list bucket",
       {kRecipeS3},
       "s3:ListBucket",
       "arn:aws:s3:::clean-rooms-a",
       {},
       Decision::kAllow,
       0},
      {"recipe delete not granted",
       {kRecipeS3},
       "s3:DeleteObject",
       "arn:aws:s3:::clean-rooms-a/k",
       {},
       Decision::kImplicitDeny},
      {"recipe other bucket",
       {kRecipeS3},
       "s3:GetObject",
       "arn:aws:s3:::other-bucket/k",
       {},
       Decision::kImplicitDeny},
      {"recipe resource case-sensitive",
       {kRecipeS3},
       "s3:GetObject",
       "arn:aws:s3:::Clean-Rooms-a/k",
       {},
       Decision::kImplicitDeny},
      {"recipe glue any resource",
       {kRecipeS3},
       "glue:GetTables",
       "arn:aws:glue:us-east-1:111122223333:database/db",
       {},
       Decision::kAllow,
       1},
      {"recipe glue write not granted",
       {kRecipeS3},
       "glue:CreateTable",
       "arn:aws:glue:us-east-1:111122223333:database/db",
       {},
       Decision::kImplicitDeny},
      {"wildcard in middle",
       {kWildcardAction},
       "s3:GetBucketAcl",
       "arn:aws:s3:::b1",
       {},
       Decision::kAllow,
       0},
      {"wildcard in middle no match",
       {kWildcardAction},
       "s3:GetBucketPolicy",
       "arn:aws:s3:::b1",
       {},
       Decision::kImplicitDeny},
      {"question mark is one char",
       {kWildcardAction},
       "s3:GetBucketAcl",
       "arn:aws:s3:::b12",
       {},
       Decision::kImplicitDeny},
      // NotAction / NotResource.
      {"notaction allows others",
       {kNotAction},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {},
       Decision::kAllow,
       0},
      {"notaction excludes listed",
       {kNotAction},
       "s3:DeleteObject",
       "arn:aws:s3:::b/k",
       {},
       Decision::kImplicitDeny},
      {"notaction excludes other service",
       {kNotAction},
       "iam:CreateRole",
       "*",
       {},
       Decision::kImplicitDeny},
      {"notresource allows others",
       {kNotResource},
       "s3:GetObject",
       "arn:aws:s3:::public/k",
       {},
       Decision::kAllow},
      {"notresource excludes listed",
       {kNotResource},
       "s3:GetObject",
       "arn:aws:s3:::secret/k",
       {},
       Decision::kImplicitDeny},
      // Deny wins, whatever the order of policies.
      {"deny wins after allow",
       {kRecipeS3, kDenyPut},
       "s3:PutObject",
       "arn:aws:s3:::clean-rooms-a/k",
       {},
       Decision::kExplicitDeny,
       0},
      {"deny wins before allow",
       {kDenyPut, kRecipeS3},
       "s3:PutObject",
       "arn:aws:s3:::clean-rooms-a/k",
       {},
       Decision::kExplicitDeny,
       0},
      {"deny does not touch other actions",
       {kDenyPut, kRecipeS3},
       "s3:GetObject",
       "arn:aws:s3:::clean-rooms-a/k",
       {},
       Decision::kAllow,
       0},
      {"deny alone is still deny",
       {kDenyPut},
       "s3:PutObject",
       "arn:aws:s3:::x/k",
       {},
       Decision::kExplicitDeny},
      {"no policies default deny",
       {},
       "s3:GetObject",
       "arn:aws:s3:::x/k",
       {},
       Decision::kImplicitDeny},
      // Conditions: values OR, keys/operators AND.
      {"conditions all hold",
       {kConditions},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "444455556666"},
        {"aws:SourceArn", "arn:aws:glue:us-east-1:444455556666:crawler/c1"}},
       Decision::kAllow,
       0},
      {"condition key case-insensitive",
       {kConditions},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"AWS:SOURCEACCOUNT", "111122223333"},
        {"aws:sourcearn", "arn:aws:glue:us-east-1:111122223333:crawler/c1"}},
       Decision::kAllow},
      {"condition value case-sensitive",
       {kConditions},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "111122223333"},
        {"aws:SourceArn", "arn:aws:glue:us-east-1:111122223333:Crawler/c1"}},
       Decision::kImplicitDeny},
      {"one condition fails",
       {kConditions},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "999999999999"},
        {"aws:SourceArn", "arn:aws:glue:us-east-1:111122223333:crawler/c1"}},
       Decision::kImplicitDeny},
      {"condition key missing",
       {kConditions},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "111122223333"}},
       Decision::kImplicitDeny},
      {"negated with other value",
       {kNegated},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "111122223333"}},
       Decision::kAllow},
      {"negated with listed value",
       {kNegated},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SourceAccount", "999999999999"}},
       Decision::kImplicitDeny},
      {"negated with key missing",
       {kNegated},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {},
       Decision::kAllow},
      {"ifexists missing key",
       {kIfExists},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {},
       Decision::kAllow},
      {"ifexists present and matching",
       {kIfExists},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"s3:prefix", "data/2024/"}},
       Decision::kAllow},
      {"ifexists present not matching",
       {kIfExists},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"s3:prefix", "logs/"}},
       Decision::kImplicitDeny},
      {"bool deny insecure",
       {kBoolAndNull},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SecureTransport", "false"}, {"aws:SourceArn", "arn:aws:glue:r:1:crawler/c"}},
       Decision::kExplicitDeny,
       0},
      {"bool value case-insensitive",
       {kBoolAndNull},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SecureTransport", "FALSE"}, {"aws:SourceArn", "arn:aws:glue:r:1:crawler/c"}},
       Decision::kExplicitDeny,
       0},
      {"null false needs key",
       {kBoolAndNull},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SecureTransport", "true"}},
       Decision::kImplicitDeny},
      {"null false key present",
       {kBoolAndNull},
       "s3:GetObject",
       "arn:aws:s3:::b/k",
       {{"aws:SecureTransport", "true"}, {"aws:SourceArn", "x"}},
       Decision::kAllow,
       1},
      {"arnnotlike none listed",
       {kArnNot},
       "glue:GetTable",
       "*",
       {{"aws:SourceArn", "arn:aws:glue:us-east-1:1:crawler/good"}},
       Decision::kAllow},
      {"arnnotlike first listed",
       {kArnNot},
       "glue:GetTable",
       "*",
       {{"aws:SourceArn", "arn:aws:glue:us-east-1:1:crawler/bad-1"}},
       Decision::kImplicitDeny},
      {"arnnotlike second listed",
       {kArnNot},
       "glue:GetTable",
       "*",
       {{"aws:SourceArn", "arn:aws:glue:us-east-1:1:job/j"}},
       Decision::kImplicitDeny},
      {"arnnotequals listed",
       {kArnNot},
       "glue:GetTable",
       "*",
       {{"aws:SourceArn", "arn:aws:glue:us-east-1:1:crawler/good"},
        {"aws:PrincipalArn", "arn:aws:iam::1:role/x"}},
       Decision::kImplicitDeny},
      {"stringnotlike unmatched and ignorecase",
       {kStringNotLikeAndIgnoreCase},
       "s3:ListBucket",
       "*",
       {{"s3:prefix", "public/"}, {"aws:RequestTag/team", "ANALYTICS"}},
       Decision::kAllow},
      {"stringnotlike matched",
       {kStringNotLikeAndIgnoreCase},
       "s3:ListBucket",
       "*",
       {{"s3:prefix", "tmp1"}, {"aws:RequestTag/team", "analytics"}},
       Decision::kImplicitDeny},
      {"stringequalsignorecase mismatch",
       {kStringNotLikeAndIgnoreCase},
       "s3:ListBucket",
       "*",
       {{"s3:prefix", "public/"}, {"aws:RequestTag/team", "finance"}},
       Decision::kImplicitDeny},
      {"numeric in range",
       {kNumeric},
       "s3:ListBucket",
       "*",
       {{"s3:max-keys", "100"}},
       Decision::kAllow},
      {"numeric out of range",
       {kNumeric},
       "s3:ListBucket",
       "*",
       {{"s3:max-keys", "101"}},
       Decision::kImplicitDeny},
      {"numeric not a number",
       {kNumeric},
       "s3:ListBucket",
       "*",
       {{"s3:max-keys", "lots"}},
       Decision::kImplicitDeny},
      {"forallvalues missing key", {kSetOperators}, "ec2:CreateTags", "*", {}, Decision::kAllow},
      {"forallvalues listed",
       {kSetOperators},
       "ec2:CreateTags",
       "*",
       {{"aws:TagKeys", "env"}},
       Decision::kAllow},
      {"forallvalues unlisted",
       {kSetOperators},
       "ec2:CreateTags",
       "*",
       {{"aws:TagKeys", "cost"}},
       Decision::kImplicitDeny},
      {"foranyvalue missing key",
       {kSetOperators},
       "ec2:DeleteTags",
       "*",
       {},
       Decision::kImplicitDeny},
      {"foranyvalue listed",
       {kSetOperators},
       "ec2:DeleteTags",
       "*",
       {{"aws:TagKeys", "team"}},
       Decision::kAllow,
       1},
  };
  for (const EvalCase& c : cases) {
    std::vector<PolicyDocument> docs;
    for (const std::string& text : c.documents) docs.push_back(MustParse(text));
    std::vector<NamedPolicy> named;
    for (size_t i = 0; i < docs.size(); ++i) named.push_back({"p" + std::to_string(i), &docs[i]});
    Request request{c.action, c.resource, c.context, std::nullopt};
    EvaluationResult result = Evaluate(named, request);
    EXPECT_EQ(static_cast<int>(result.decision), static_cast<int>(c.expected)) << c.name;
    EXPECT_EQ(result.allowed(), c.expected == Decision::kAllow) << c.name;
    if (c.statement_index >= 0) {
      EXPECT_EQ(result.statement_index, c.statement_index) << c.name;
    }
    if (c.expected == Decision::kImplicitDeny) {
      EXPECT_EQ(result.statement_index, -1) << c.name;
      EXPECT_EQ(result.policy_name, "") << c.name;
    }
  }
}

TEST(EvaluateTest, ReportsTheDecidingPolicyAndSid) {
  PolicyDocument allow = MustParse(kRecipeS3);
  PolicyDocument deny = MustParse(kDenyPut);
  EvaluationResult r = Evaluate({{"allow-policy", &allow}, {"deny-policy", &deny}},
                                Request{"s3:PutObject", "arn:aws:s3:::clean-rooms-a/k", {}, {}});
  EXPECT_EQ(r.decision, Decision::kExplicitDeny);
  EXPECT_EQ(r.policy_name, "deny-policy");
  EXPECT_EQ(r.sid, "NoWrites");
  r = Evaluate({{"allow-policy", &allow}, {"deny-policy", &deny}},
               Request{"s3:GetObject", "arn:aws:s3:::clean-rooms-a/k", {}, {}});
  EXPECT_EQ(r.decision, Decision::kAllow);
  EXPECT_EQ(r.policy_name, "allow-policy");
}

TEST(EvaluateTest, PrincipalStatementsNeverMatchWithoutAPrincipal) {
  PolicyDocument trust = MustParse(
      R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
          "Action": "sts:AssumeRole"}]})",
      PolicyKind::kTrust);
  EXPECT_FALSE(Evaluate({{"t", &trust}}, Request{"sts:AssumeRole", "", {}, {}}).allowed());
  EXPECT_TRUE(
      Evaluate({{"t", &trust}}, Request{"sts:AssumeRole", "", {}, RequestPrincipal{"", "1"}})
          .allowed());
}

struct TrustCase {
  const char* name;
  std::string trust;
  std::string service;
  std::map<std::string, std::string> context;
  Decision expected;
};

TEST(TrustsServiceTest, Table) {
  const std::string glue = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]})";
  const std::string two_services = R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
      "Principal": {"Service": ["glue.amazonaws.com", "cleanrooms.amazonaws.com"]},
      "Action": ["sts:AssumeRole", "sts:TagSession"]}})";
  const std::string source_account = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]})";
  const std::string deny_glue = R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Principal": "*", "Action": "sts:*"},
      {"Effect": "Deny", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]})";
  const std::string not_principal = R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "NotPrincipal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]})";
  const std::string account_only = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]})";
  const std::string tag_only = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:TagSession"}]})";
  const std::vector<TrustCase> cases = {
      {"trusted service", glue, "glue.amazonaws.com", {}, Decision::kAllow},
      {"other service", glue, "cleanrooms.amazonaws.com", {}, Decision::kImplicitDeny},
      {"second listed service", two_services, "cleanrooms.amazonaws.com", {}, Decision::kAllow},
      {"source account matches",
       source_account,
       "glue.amazonaws.com",
       {{"aws:SourceAccount", "111122223333"}},
       Decision::kAllow},
      {"source account differs",
       source_account,
       "glue.amazonaws.com",
       {{"aws:SourceAccount", "444455556666"}},
       Decision::kImplicitDeny},
      {"explicit deny for service", deny_glue, "glue.amazonaws.com", {}, Decision::kExplicitDeny},
      {"star allows other service", deny_glue, "cleanrooms.amazonaws.com", {}, Decision::kAllow},
      {"notprincipal excludes", not_principal, "glue.amazonaws.com", {}, Decision::kImplicitDeny},
      {"notprincipal includes others",
       not_principal,
       "cleanrooms.amazonaws.com",
       {},
       Decision::kAllow},
      {"account principal is not a service",
       account_only,
       "glue.amazonaws.com",
       {},
       Decision::kImplicitDeny},
      {"other sts action only", tag_only, "glue.amazonaws.com", {}, Decision::kImplicitDeny},
  };
  for (const TrustCase& c : cases) {
    PolicyDocument doc = MustParse(c.trust, PolicyKind::kTrust);
    EvaluationResult r = TrustsService(doc, c.service, c.context);
    EXPECT_EQ(static_cast<int>(r.decision), static_cast<int>(c.expected)) << c.name;
  }
}

}  // namespace
}  // namespace cleanroom::policy
