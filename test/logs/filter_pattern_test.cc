#include "logs/filter_pattern.h"

#include <string>

#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::logs {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parses `pattern` (which must be valid) and matches `message` against it.
bool Match(const std::string& pattern, const std::string& message) {
  absl::StatusOr<FilterPattern> p = FilterPattern::Parse(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << p.status();
  return p.ok() && p->Matches(message);
}

// The message of the error `pattern` is refused with (InvalidParameterException).
std::string Refusal(const std::string& pattern) {
  absl::StatusOr<FilterPattern> p = FilterPattern::Parse(pattern);
  EXPECT_FALSE(p.ok()) << "'" << pattern << "' parsed";
  if (p.ok()) return "";
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetAwsCode(p.status()).value_or(""), "InvalidParameterException");
  EXPECT_EQ(GetAwsHttpStatus(p.status()).value_or(0), 400);
  std::string message(p.status().message());
  EXPECT_THAT(message, StartsWith("Invalid filter pattern: "));
  return message;
}

TEST(GlobMatchTest, StarMatchesAnyRun) {
  EXPECT_TRUE(GlobMatch("abc", "abc"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_TRUE(GlobMatch("Describe*", "DescribeTrails"));
  EXPECT_TRUE(GlobMatch("Describe*", "Describe"));
  EXPECT_FALSE(GlobMatch("Describe*", "describeTrails"));
  EXPECT_TRUE(GlobMatch("*Trail", "UpdateTrail"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("**a**", "bab"));
  EXPECT_TRUE(GlobMatch("123.123.*", "123.123.4.5"));
  EXPECT_FALSE(GlobMatch("", "x"));
}

TEST(FilterPatternTest, EmptyPatternMatchesEverything) {
  for (const char* text : {"", "   ", "\t\n"}) {
    absl::StatusOr<FilterPattern> p = FilterPattern::Parse(text);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_TRUE(p->MatchesEverything());
    EXPECT_TRUE(p->Matches("anything at all"));
  }
  absl::StatusOr<FilterPattern> p = FilterPattern::Parse("ERROR");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->MatchesEverything());
}

TEST(FilterPatternTest, SingleTermIsCaseSensitiveSubstring) {
  EXPECT_TRUE(Match("ERROR", "[ERROR 400] BAD REQUEST"));
  EXPECT_TRUE(Match("ERROR", "xERRORx"));
  EXPECT_FALSE(Match("ERROR", "[error 400] bad request"));
  EXPECT_FALSE(Match("ERROR", "ERRO R"));
}

TEST(FilterPatternTest, AllPlainTermsMustOccurInAnyOrder) {
  EXPECT_TRUE(Match("ERROR Exception", "Exception raised: ERROR"));
  EXPECT_FALSE(Match("ERROR Exception", "ERROR only"));
  EXPECT_TRUE(Match("  ERROR   Exception  ", "ERROR Exception"));
}

TEST(FilterPatternTest, QuotedPhraseIsOneTerm) {
  EXPECT_TRUE(Match("\"Exception handler\"", "the Exception handler failed"));
  EXPECT_FALSE(Match("\"Exception handler\"", "handler Exception"));
  EXPECT_TRUE(Match("\"ERROR 401\" REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST"));
  EXPECT_TRUE(Match("\"a \\\"quoted\\\" word\"", "a \"quoted\" word"));
  EXPECT_TRUE(Match("\"back\\\\slash\"", "back\\slash"));
  // An empty phrase occurs in every message.
  EXPECT_TRUE(Match("\"\"", "x"));
}

TEST(FilterPatternTest, QuestionTermsAreAlternatives) {
  EXPECT_TRUE(Match("?ERROR ?WARN", "WARN disk low"));
  EXPECT_TRUE(Match("?ERROR ?WARN", "ERROR disk full"));
  EXPECT_FALSE(Match("?ERROR ?WARN", "INFO all good"));
  EXPECT_TRUE(Match("?\"disk full\" ?timeout", "the disk full again"));
}

TEST(FilterPatternTest, MinusTermsExclude) {
  EXPECT_TRUE(Match("ERROR -Exception", "ERROR disk full"));
  EXPECT_FALSE(Match("ERROR -Exception", "ERROR Exception"));
  EXPECT_TRUE(Match("-DEBUG", "INFO started"));
  EXPECT_FALSE(Match("-DEBUG", "DEBUG noise"));
  EXPECT_FALSE(Match("ERROR -\"disk full\"", "ERROR: disk full"));
  EXPECT_TRUE(Match("ERROR -\"disk full\"", "ERROR: disk fine"));
}

TEST(FilterPatternTest, MixedTermsCombineAllThreeRules) {
  const std::string p = "query ?FAILED ?CANCELLED -test";
  EXPECT_TRUE(Match(p, "query 7 FAILED"));
  EXPECT_TRUE(Match(p, "query 8 CANCELLED"));
  EXPECT_FALSE(Match(p, "query 9 SUCCESS"));          // no alternative
  EXPECT_FALSE(Match(p, "query 10 FAILED in test"));  // excluded
  EXPECT_FALSE(Match(p, "job FAILED"));               // required term missing
}

TEST(FilterPatternTest, BareTermsMayHoldPunctuation) {
  EXPECT_TRUE(Match("status=500", "GET / status=500"));
  EXPECT_TRUE(Match("a{b}", "xa{b}x"));
  EXPECT_TRUE(Match("100%", "at 100% load"));
}

TEST(FilterPatternTest, BadTermPatternsAreRefused) {
  EXPECT_THAT(Refusal("\"unterminated"), HasSubstr("unterminated quoted string at character 1"));
  EXPECT_THAT(Refusal("ERROR ?"), HasSubstr("'?' must be followed by a term at character 7"));
  EXPECT_THAT(Refusal("- x"), HasSubstr("'-' must be followed by a term"));
  EXPECT_THAT(Refusal("ab\"c\""), HasSubstr("a '\"' inside a term"));
  EXPECT_THAT(Refusal("\"a\"b"), HasSubstr("a quoted phrase must be followed by a space"));
  EXPECT_THAT(Refusal("[ip, user]"), HasSubstr("space-delimited patterns"));
  EXPECT_THAT(Refusal("%ERR[OE]R%"), HasSubstr("regular expressions"));
}

// ---- JSON patterns ------------------------------------------------------------------------

constexpr char kEvent[] = R"({"eventType": "UpdateTrail", "user": {"id": 1, "name": "alice",
  "roles": ["admin", "dev"]}, "latency": 1500.5, "ok": true, "err": false, "note": null,
  "code": "200", "items": [{"sku": "A-1"}, {"sku": "B-2"}]})";

TEST(FilterPatternTest, JsonStringEqualityAndInequality) {
  EXPECT_TRUE(Match(R"({ $.eventType = "UpdateTrail" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.eventType = "updatetrail" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.eventType != "DeleteTrail" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.eventType != "UpdateTrail" })", kEvent));
  EXPECT_TRUE(Match(R"({$.eventType="UpdateTrail"})", kEvent));  // no spaces needed
  EXPECT_TRUE(Match("{ $.eventType = UpdateTrail }", kEvent));   // bare string
}

TEST(FilterPatternTest, JsonNestedFieldsAndArrays) {
  EXPECT_TRUE(Match(R"({ $.user.name = "alice" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.user.roles[1] = "dev" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.user.roles[2] = "dev" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.items[1].sku = "B-2" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.user[0] = "alice" })", kEvent));  // not an array
}

TEST(FilterPatternTest, JsonWildcardsInStrings) {
  EXPECT_TRUE(Match(R"({ $.eventType = "Update*" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.eventType = "*Trail" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.eventType = * })", kEvent));
  EXPECT_FALSE(Match(R"({ $.eventType = "Delete*" })", kEvent));
  EXPECT_TRUE(Match(R"({ $.ip != 123.123.* })", R"({"ip": "10.0.0.1"})"));
  EXPECT_FALSE(Match(R"({ $.ip != 123.123.* })", R"({"ip": "123.123.9.9"})"));
}

TEST(FilterPatternTest, JsonNumericComparisons) {
  EXPECT_TRUE(Match("{ $.latency > 1000 }", kEvent));
  EXPECT_TRUE(Match("{ $.latency >= 1500.5 }", kEvent));
  EXPECT_FALSE(Match("{ $.latency < 1500.5 }", kEvent));
  EXPECT_TRUE(Match("{ $.latency <= 1500.5 }", kEvent));
  EXPECT_TRUE(Match("{ $.user.id = 1 }", kEvent));
  EXPECT_TRUE(Match("{ $.user.id != 2 }", kEvent));
  EXPECT_TRUE(Match("{ $.user.id = 1.0 }", kEvent));
  EXPECT_TRUE(Match("{ $.n > -5 }", R"({"n": -1})"));
  EXPECT_TRUE(Match("{ $.n < 1e3 }", R"({"n": 999})"));
  // Ordering operators need a JSON number; a string field never matches them.
  EXPECT_FALSE(Match("{ $.code > 100 }", kEvent));
  // A number compared for equality with a string field compares the text.
  EXPECT_TRUE(Match("{ $.code = 200 }", kEvent));
  EXPECT_FALSE(Match("{ $.code = 200.0 }", kEvent));
}

TEST(FilterPatternTest, JsonMissingFieldsNeverMatchComparisons) {
  EXPECT_FALSE(Match(R"({ $.missing = "x" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.missing != "x" })", kEvent));
  EXPECT_FALSE(Match("{ $.missing > 0 }", kEvent));
  EXPECT_FALSE(Match("{ $.user.missing.deeper = 1 }", kEvent));
}

TEST(FilterPatternTest, JsonIsAndExists) {
  EXPECT_TRUE(Match("{ $.ok IS TRUE }", kEvent));
  EXPECT_FALSE(Match("{ $.ok IS FALSE }", kEvent));
  EXPECT_TRUE(Match("{ $.err IS FALSE }", kEvent));
  EXPECT_TRUE(Match("{ $.note IS NULL }", kEvent));
  EXPECT_FALSE(Match("{ $.ok IS NULL }", kEvent));
  EXPECT_TRUE(Match("{ $.missing NOT EXISTS }", kEvent));
  EXPECT_FALSE(Match("{ $.note NOT EXISTS }", kEvent));
  EXPECT_TRUE(Match("{ $.ok is true }", kEvent));  // keywords in any case
}

TEST(FilterPatternTest, JsonAndOrWithParentheses) {
  EXPECT_TRUE(Match(R"({ ($.user.id = 1) && ($.eventType = "UpdateTrail") })", kEvent));
  EXPECT_FALSE(Match(R"({ ($.user.id = 2) && ($.eventType = "UpdateTrail") })", kEvent));
  EXPECT_TRUE(Match(R"({ $.user.id = 2 || $.eventType = "UpdateTrail" })", kEvent));
  EXPECT_FALSE(Match(R"({ $.user.id = 2 || $.eventType = "x" })", kEvent));
  // && binds tighter than ||: false && false || true.
  EXPECT_TRUE(Match("{ $.user.id = 2 && $.ok IS FALSE || $.latency > 1 }", kEvent));
  // Parentheses override it: false && (false || true).
  EXPECT_FALSE(Match("{ $.user.id = 2 && ($.ok IS FALSE || $.latency > 1) }", kEvent));
  EXPECT_TRUE(Match("{ (($.ok IS TRUE)) }", kEvent));
}

TEST(FilterPatternTest, JsonPatternsNeverMatchOtherMessages) {
  EXPECT_FALSE(Match(R"({ $.a = "b" })", "a = b, not JSON"));
  EXPECT_FALSE(Match(R"({ $.a = "b" })", "[1, 2]"));
  EXPECT_TRUE(Match("{ $[1] = 2 }", "[1, 2]"));
  EXPECT_FALSE(Match(R"({ $.a = "b" })", ""));
}

TEST(FilterPatternTest, BadJsonPatternsAreRefused) {
  EXPECT_THAT(Refusal("{ $.a = "), HasSubstr("expected a value after '='"));
  EXPECT_THAT(Refusal("{ $.a = 1"), HasSubstr("expected '}' or an operator"));
  EXPECT_THAT(Refusal("{ a = 1 }"),
              HasSubstr("expected a selector such as $.field at character 3"));
  EXPECT_THAT(Refusal("{ $.a > \"x\" }"), HasSubstr("'>' compares numbers"));
  EXPECT_THAT(Refusal("{ $.a > abc }"), HasSubstr("'abc' is not a number"));
  EXPECT_THAT(Refusal("{ $.a & $.b }"), HasSubstr("'&' must be doubled"));
  EXPECT_THAT(Refusal("{ $.a ! 1 }"), HasSubstr("'!' must be followed by '='"));
  EXPECT_THAT(Refusal("{ $.a IS MAYBE }"), HasSubstr("IS must be followed by TRUE, FALSE or NULL"));
  EXPECT_THAT(Refusal("{ $.a NOT THERE }"), HasSubstr("NOT must be followed by EXISTS"));
  EXPECT_THAT(Refusal("{ $.a 1 }"), HasSubstr("expected an operator"));
  EXPECT_THAT(Refusal("{ $ = 1 }"), HasSubstr("a selector needs a field"));
  EXPECT_THAT(Refusal("{ $. = 1 }"), HasSubstr("expected a field name after '.'"));
  EXPECT_THAT(Refusal("{ $.a[x] = 1 }"), HasSubstr("expected an array index"));
  EXPECT_THAT(Refusal("{ $.a = 1 } extra"), HasSubstr("unexpected text after the closing '}'"));
  EXPECT_THAT(Refusal("{ ($.a = 1 }"), HasSubstr("expected ')'"));
  EXPECT_THAT(Refusal("{ $.a = \"x }"), HasSubstr("unterminated quoted string"));
  EXPECT_THAT(Refusal("{ $.a = %x% }"), HasSubstr("regular expressions"));
  EXPECT_THAT(Refusal("{}"), HasSubstr("expected a selector"));
}

TEST(FilterPatternTest, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = "{ " + std::string(200, '(') + "$.a = 1" + std::string(200, ')') + " }";
  EXPECT_THAT(Refusal(deep), HasSubstr("parentheses nested too deeply"));
  std::string ok = "{ " + std::string(10, '(') + "$.a = 1" + std::string(10, ')') + " }";
  EXPECT_TRUE(Match(ok, R"({"a": 1})"));
}

}  // namespace
}  // namespace cleanroom::logs
