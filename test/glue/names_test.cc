#include "glue/names.h"

#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

TEST(NamesTest, SingleLinePatternAllowsPrintableTextAndTab) {
  EXPECT_TRUE(MatchesTextPattern("org_a_db"));
  EXPECT_TRUE(MatchesTextPattern("tempdb-test$21.asdj123||#^@"));  // Glue accepts these
  EXPECT_TRUE(MatchesTextPattern("tab\there"));
  EXPECT_TRUE(MatchesTextPattern("caf\xC3\xA9 \xF0\x9F\x98\x80"));  // é and an emoji
  EXPECT_TRUE(MatchesTextPattern(""));
}

TEST(NamesTest, SingleLinePatternRejectsControlCharactersAndBadUtf8) {
  EXPECT_FALSE(MatchesTextPattern("two\nlines"));
  EXPECT_FALSE(MatchesTextPattern("cr\r"));
  EXPECT_FALSE(MatchesTextPattern(std::string("nul\0x", 5)));
  EXPECT_FALSE(MatchesTextPattern("\xC3"));          // truncated sequence
  EXPECT_FALSE(MatchesTextPattern("\xC0\xAF"));      // overlong
  EXPECT_FALSE(MatchesTextPattern("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(MatchesTextPattern("\xEF\xBF\xBF"));  // U+FFFF
}

TEST(NamesTest, MultiLinePatternAlsoAllowsLineBreaks) {
  EXPECT_TRUE(MatchesTextPattern("two\nlines\r\n", /*multi_line=*/true));
  EXPECT_FALSE(MatchesTextPattern(std::string("nul\0", 4), /*multi_line=*/true));
}

TEST(NamesTest, LengthCountsUtf16CodeUnits) {
  EXPECT_EQ(AwsLength("abc"), 3u);
  EXPECT_EQ(AwsLength("\xC3\xA9"), 1u);          // é: one unit
  EXPECT_EQ(AwsLength("\xF0\x9F\x98\x80"), 2u);  // emoji: a surrogate pair
}

TEST(NamesTest, FoldNameLowerCasesAscii) {
  EXPECT_EQ(FoldName("Org_A_DB"), "org_a_db");
  EXPECT_EQ(FoldName("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // non-ASCII kept
}

TEST(NamesTest, ValidateNameFollowsTheModelWithAwsMessages) {
  EXPECT_TRUE(ValidateName("org_a_db", "databaseInput.name").ok());
  EXPECT_TRUE(ValidateName(std::string(255, 'a'), "name").ok());

  absl::Status too_long = ValidateName(std::string(256, 'a'), "databaseInput.name");
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetAwsCode(too_long).value_or(""), "InvalidInputException");
  EXPECT_EQ(GetAwsHttpStatus(too_long).value_or(0), 400);
  EXPECT_NE(std::string(too_long.message()).find("1 validation error detected: Value '"),
            std::string::npos)
      << too_long;
  EXPECT_NE(std::string(too_long.message())
                .find("at 'databaseInput.name' failed to satisfy constraint: Member must have "
                      "length less than or equal to 255"),
            std::string::npos)
      << too_long;

  absl::Status empty = ValidateName("", "name");
  EXPECT_NE(std::string(empty.message()).find("greater than or equal to 1"), std::string::npos);

  absl::Status newline = ValidateName("a\nb", "tableInput.name");
  EXPECT_NE(std::string(newline.message()).find("Member must satisfy regular expression pattern"),
            std::string::npos);
}

TEST(NamesTest, ValidationMessagesCountTheErrors) {
  EXPECT_EQ(ValidationErrorsMessage({"A"}), "1 validation error detected: A");
  EXPECT_EQ(ValidationErrorsMessage({"A", "B"}), "2 validation errors detected: A; B");
  EXPECT_EQ(ConstraintViolation(nullptr, "name", "Member must not be null"),
            "Value null at 'name' failed to satisfy constraint: Member must not be null");
}

TEST(NamesTest, RoleNamesResolveToArnsInTheCallersAccount) {
  EXPECT_EQ(ResolveRoleArn("GlueCrawlerRole", "123456789012").value_or(""),
            "arn:aws:iam::123456789012:role/GlueCrawlerRole");
  EXPECT_EQ(ResolveRoleArn("service-role/AWSGlueServiceRole-x", "123456789012").value_or(""),
            "arn:aws:iam::123456789012:role/service-role/AWSGlueServiceRole-x");
  EXPECT_EQ(ResolveRoleArn("arn:aws:iam::210987654321:role/Other", "123456789012").value_or(""),
            "arn:aws:iam::210987654321:role/Other");
}

TEST(NamesTest, BadRolesAreInvalidInput) {
  const std::vector<std::string> roles = {"",
                                          "has space",
                                          "arn:aws:iam::123:role/X",
                                          "arn:aws:s3:::bucket",
                                          "arn:aws:iam::123456789012:user/bob",
                                          "a//b",
                                          std::string(65, 'r'),
                                          "arn:aws:iam::123456789012:role/"};
  for (const std::string& role : roles) {
    absl::StatusOr<std::string> arn = ResolveRoleArn(role, "123456789012");
    EXPECT_FALSE(arn.ok()) << role;
    EXPECT_EQ(GetAwsCode(arn.status()).value_or(""), "InvalidInputException") << role;
  }
}

TEST(NamesTest, S3PathsNeedTheSchemeAndABucket) {
  absl::StatusOr<S3Path> p = ParseS3Path("s3://org-a-data/data/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bucket, "org-a-data");
  EXPECT_EQ(p->prefix, "data/");
  EXPECT_EQ(ParseS3Path("s3://bucket").value_or(S3Path{}).prefix, "");
  EXPECT_FALSE(ParseS3Path("https://bucket/data").ok());
  EXPECT_FALSE(ParseS3Path("s3:///data").ok());
  EXPECT_FALSE(ParseS3Path("s3://").ok());
}

TEST(NamesTest, LocationSuffixIsDeterministicAndIgnoresTheTrailingSlash) {
  std::string a = LocationSuffix("s3://bucket-a/data/");
  EXPECT_EQ(a.size(), 9u);
  EXPECT_EQ(a[0], '_');
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 1), std::string::npos) << a;
  EXPECT_EQ(a, LocationSuffix("s3://bucket-a/data"));
  EXPECT_NE(a, LocationSuffix("s3://bucket-b/data/"));
  EXPECT_EQ(LocationSuffix("s3://bucket-a/data/", 16).substr(0, 9), a);
  EXPECT_EQ(LocationSuffix("s3://x/", 100).size(), 65u);
}

}  // namespace
}  // namespace cleanroom::glue
