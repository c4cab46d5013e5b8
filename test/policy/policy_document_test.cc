#include "policy/policy_document.h"

#include <string>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::policy {
namespace {

constexpr char kRecipeTrust[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "cleanrooms.amazonaws.com"
      },
      "Action": "sts:AssumeRole"
    }
  ]
})";

constexpr char kRecipeS3[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
      "Resource": ["arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-*/*"]
    },
    {
      "Effect": "Allow",
      "Action": ["glue:GetTable", "glue:GetTables", "glue:GetDatabase"],
      "Resource": "*"
    }
  ]
})";

TEST(ParsePolicyTest, RecipeTrustPolicy) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(kRecipeTrust, PolicyKind::kTrust);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->version, "2012-10-17");
  ASSERT_EQ(doc->statements.size(), 1u);
  const Statement& st = doc->statements[0];
  EXPECT_EQ(st.effect, Effect::kAllow);
  ASSERT_TRUE(st.principal.has_value());
  EXPECT_FALSE(st.principal->any);
  EXPECT_EQ(st.principal->services, std::vector<std::string>{"cleanrooms.amazonaws.com"});
  EXPECT_EQ(st.actions, std::vector<std::string>{"sts:AssumeRole"});
  EXPECT_FALSE(st.resources.has_value());
}

TEST(ParsePolicyTest, RecipePermissionsPolicy) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(kRecipeS3, PolicyKind::kIdentity);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->statements.size(), 2u);
  EXPECT_EQ(doc->statements[0].actions.size(), 3u);
  ASSERT_TRUE(doc->statements[0].resources.has_value());
  EXPECT_EQ(doc->statements[0].resources->size(), 2u);
  EXPECT_EQ(*doc->statements[1].resources, std::vector<std::string>{"*"});
  EXPECT_FALSE(doc->statements[0].principal.has_value());
}

TEST(ParsePolicyTest, SingleStatementObjectAndDefaultVersion) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(
      R"({"Statement": {"Sid": "One1", "Effect": "Deny", "NotAction": "s3:*", "NotResource": "*"}})",
      PolicyKind::kIdentity);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->version, "2008-10-17");
  ASSERT_EQ(doc->statements.size(), 1u);
  EXPECT_EQ(doc->statements[0].sid, "One1");
  EXPECT_EQ(doc->statements[0].effect, Effect::kDeny);
  EXPECT_TRUE(doc->statements[0].not_action);
  EXPECT_TRUE(doc->statements[0].not_resource);
}

TEST(ParsePolicyTest, PrincipalForms) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(
      R"({"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
           {"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root"],
                                             "Service": ["glue.amazonaws.com"]},
            "Action": "sts:*"},
           {"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "*"}]})",
      PolicyKind::kTrust);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(doc->statements[0].principal->any);
  EXPECT_EQ(doc->statements[1].principal->accounts,
            (std::vector<std::string>{"111122223333", "444455556666"}));
  EXPECT_EQ(doc->statements[1].principal->services, std::vector<std::string>{"glue.amazonaws.com"});
  EXPECT_TRUE(doc->statements[2].not_principal);
  EXPECT_TRUE(doc->statements[2].principal->any);
}

TEST(ParsePolicyTest, ConditionValuesKeepTheirText) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(
      R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
           "Resource": "*", "Condition": {
             "Bool": {"aws:SecureTransport": true},
             "NumericLessThan": {"s3:max-keys": 10},
             "StringEquals": {"aws:SourceAccount": ["111122223333", "444455556666"]}}}]})",
      PolicyKind::kIdentity);
  ASSERT_TRUE(doc.ok()) << doc.status();
  const std::vector<Condition>& c = doc->statements[0].conditions;
  ASSERT_EQ(c.size(), 3u);
  // Operators come out in name order (a JSON object is unordered).
  EXPECT_EQ(c[0].operator_name, "Bool");
  EXPECT_EQ(c[0].values, std::vector<std::string>{"true"});
  EXPECT_EQ(c[1].operator_name, "NumericLessThan");
  EXPECT_EQ(c[1].values, std::vector<std::string>{"10"});
  EXPECT_EQ(c[2].key, "aws:SourceAccount");
  EXPECT_EQ(c[2].values.size(), 2u);
}

struct ParseErrorCase {
  const char* name;
  PolicyKind kind;
  std::string text;
  std::string message_part;  // must appear in the error message
};

TEST(ParsePolicyTest, MalformedDocuments) {
  const std::string allow_s3 = R"("Effect": "Allow", "Action": "s3:GetObject", "Resource": "*")";
  auto identity = [](const std::string& statement) {
    return R"({"Version": "2012-10-17", "Statement": [{)" + statement + "}]}";
  };
  const ParseErrorCase cases[] = {
      {"not json", PolicyKind::kIdentity, "{not json", "Syntax errors in policy."},
      {"trailing garbage", PolicyKind::kIdentity, identity(allow_s3) + "x",
       "Syntax errors in policy."},
      {"empty", PolicyKind::kIdentity, "", "Syntax errors in policy."},
      {"array top level", PolicyKind::kIdentity, "[]", "must be a JSON object"},
      {"unknown top-level key", PolicyKind::kIdentity,
       R"({"Version": "2012-10-17", "Statment": []})", "Unknown field \"Statment\""},
      {"bad version", PolicyKind::kIdentity,
       R"({"Version": "2012-10-18", "Statement": [{)" + allow_s3 + "}]}",
       "The policy failed legacy parsing"},
      {"numeric version", PolicyKind::kIdentity,
       R"({"Version": 2012, "Statement": [{)" + allow_s3 + "}]}", "failed legacy parsing"},
      {"no statement", PolicyKind::kIdentity, R"({"Version": "2012-10-17"})",
       "Missing required field Statement"},
      {"empty statement list", PolicyKind::kIdentity,
       R"({"Version": "2012-10-17", "Statement": []})", "Statement lists no statement"},
      {"statement not an object", PolicyKind::kIdentity,
       R"({"Version": "2012-10-17", "Statement": ["x"]})", "Statement 1 is not an object"},
      {"unknown statement key", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Actions": "s3:*")"), "Unknown field \"Actions\" (Statement 1)"},
      {"duplicate key", PolicyKind::kIdentity, identity(allow_s3 + R"(, "Effect": "Deny")"),
       "Duplicate key \"Effect\""},
      {"missing effect", PolicyKind::kIdentity, identity(R"("Action": "s3:*", "Resource": "*")"),
       "Missing required field Effect"},
      {"lower-case effect", PolicyKind::kIdentity,
       identity(R"("Effect": "allow", "Action": "s3:*", "Resource": "*")"),
       "Invalid effect: \"allow\""},
      {"missing action", PolicyKind::kIdentity, identity(R"("Effect": "Allow", "Resource": "*")"),
       "Policy statement must contain actions."},
      {"empty action list", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": [], "Resource": "*")"),
       "Policy statement must contain actions."},
      {"action and notaction", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "NotAction": "s3:PutObject")"), "both Action and NotAction"},
      {"action without vendor", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "GetObject", "Resource": "*")"),
       "must be prefaced by a vendor"},
      {"action with two colons", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "s3:Get:Object", "Resource": "*")"),
       "can contain only one colon"},
      {"wildcard vendor", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "s3*:GetObject", "Resource": "*")"),
       "Vendor s3* is not valid"},
      {"action not a string", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": {"a": 1}, "Resource": "*")"),
       "Action must be a string or an array of strings"},
      {"missing resource", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "s3:*")"),
       "Policy statement must contain resources."},
      {"resource not an arn", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "s3:*", "Resource": "my-bucket")"),
       "Resource my-bucket must be in ARN format or \"*\"."},
      {"bad partition", PolicyKind::kIdentity,
       identity(R"("Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws1:s3:::b")"),
       "Partition \"aws1\" is not valid"},
      {"principal in identity policy", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Principal": "*")"),
       "Policy document should not specify a principal."},
      {"bad sid", PolicyKind::kIdentity, identity(allow_s3 + R"(, "Sid": "my-sid")"),
       "Statement IDs (SID) must be alpha-numeric"},
      {"duplicate sid", PolicyKind::kIdentity,
       R"({"Version": "2012-10-17", "Statement": [{"Sid": "A", )" + allow_s3 +
           R"(}, {"Sid": "A", )" + allow_s3 + "}]}",
       "must be unique"},
      {"unsupported condition operator", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}})"),
       "Condition operator \"DateLessThan\" is not supported"},
      {"misspelt condition operator", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"StringEqual": {"aws:SourceAccount": "1"}})"),
       "Condition operator \"StringEqual\""},
      {"NullIfExists", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"NullIfExists": {"aws:SourceAccount": "true"}})"),
       "Condition operator \"NullIfExists\""},
      {"condition key without vendor", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"StringEquals": {"SourceAccount": "1"}})"),
       "Condition key \"SourceAccount\""},
      {"condition value object", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"StringEquals": {"aws:SourceAccount": {"x": 1}}})"),
       "must have string, number or boolean values"},
      {"bool condition value", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"Bool": {"aws:SecureTransport": "yes"}})"),
       "\"yes\" is not true or false"},
      {"numeric condition value", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"NumericEquals": {"s3:max-keys": "ten"}})"),
       "\"ten\" is not a number"},
      {"empty condition value list", PolicyKind::kIdentity,
       identity(allow_s3 + R"(, "Condition": {"StringEquals": {"aws:SourceAccount": []}})"),
       "lists no value"},
      {"trust without principal", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})",
       "Missing required field Principal"},
      {"trust with resource", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"Service": "glue.amazonaws.com"}, "Resource": "*"}]})",
       "Has prohibited field Resource"},
      {"trust with non-sts action", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
           "Principal": {"Service": "glue.amazonaws.com"}}]})",
       "AssumeRole policy may only specify STS AssumeRole actions."},
      {"bad service principal", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"Service": "glue"}}]})",
       "Invalid principal in policy: \"SERVICE\":\"glue\""},
      {"bad AWS principal", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"AWS": "arn:aws:iam::12345:root"}}]})",
       "Invalid principal in policy: \"AWS\":\"arn:aws:iam::12345:root\""},
      {"federated principal", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {"Federated": "cognito-identity.amazonaws.com"}}]})",
       "\"Federated\" principals are not supported"},
      {"principal string not star", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": "glue.amazonaws.com"}]})",
       "Invalid principal in policy: \"glue.amazonaws.com\""},
      {"empty principal object", PolicyKind::kTrust,
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
           "Principal": {}}]})",
       "Invalid principal in policy"},
      {"too long", PolicyKind::kIdentity, std::string(kMaxPolicyDocumentLength + 1, ' '),
       "longer than 131072 characters"},
  };
  for (const ParseErrorCase& c : cases) {
    absl::StatusOr<PolicyDocument> doc = ParsePolicy(c.text, c.kind);
    ASSERT_FALSE(doc.ok()) << c.name << " parsed but should not have";
    EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(GetAwsCode(doc.status()).value_or(""), "MalformedPolicyDocument") << c.name;
    EXPECT_EQ(GetAwsHttpStatus(doc.status()).value_or(0), 400) << c.name;
    EXPECT_NE(std::string(doc.status().message()).find(c.message_part), std::string::npos)
        << c.name << ": message was: " << doc.status().message();
  }
}

TEST(ParsePolicyTest, ErrorNamesTheStatementAndSid) {
  absl::StatusOr<PolicyDocument> doc = ParsePolicy(
      R"({"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
           {"Sid": "Second", "Effect": "Allow", "Resource": "*"}]})",
      PolicyKind::kIdentity);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(std::string(doc.status().message()).find("(Statement 2, Sid \"Second\")"),
            std::string::npos)
      << doc.status();
}

TEST(ParsePolicyTest, DeeplyNestedInputIsRefusedWithoutCrashing) {
  for (const std::string& text :
       {std::string(60000, '[') + std::string(60000, ']'),
        "{\"Statement\": " + std::string(60000, '[') + std::string(60000, ']') + "}",
        "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\", "
        "\"Condition\": {\"StringEquals\": {\"aws:x\": " +
            std::string(60000, '[') + std::string(60000, ']') + "}}}}"}) {
    absl::StatusOr<PolicyDocument> doc = ParsePolicy(text, PolicyKind::kIdentity);
    EXPECT_EQ(GetAwsCode(doc.status()).value_or(""), "MalformedPolicyDocument");
  }
}

TEST(QuotaSizeTest, IgnoresWhitespaceAndCountsCharacters) {
  EXPECT_EQ(QuotaSize(""), 0u);
  EXPECT_EQ(QuotaSize(" {\n\t\"a\" : 1 }\r\n"), 7u);
  EXPECT_EQ(QuotaSize("\xc3\xa9t\xc3\xa9"), 3u);  // "été": 3 characters, 5 bytes
}

}  // namespace
}  // namespace cleanroom::policy
