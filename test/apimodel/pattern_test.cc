#include "apimodel/pattern.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace cleanroom::apimodel {
namespace {

std::unique_ptr<Pattern> MustCompile(std::string_view source) {
  absl::StatusOr<std::unique_ptr<Pattern>> pattern = Pattern::Compile(source);
  EXPECT_TRUE(pattern.ok()) << source << ": " << pattern.status().message();
  if (!pattern.ok()) return nullptr;
  return std::move(*pattern);
}

// The patterns below are copied from the Clean Rooms, Glue and QuickSight models.
constexpr std::string_view kNotBlank =
    "(?!\\s*$)[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\t]*";
constexpr std::string_view kBucket =
    ".*(?!^(\\d+\\.)+\\d+$)(^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*"
    "([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$).*";

TEST(PatternTest, MatchesTheWholeValue) {
  auto p = MustCompile("[0-9a-zA-Z_]+");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("abc_123"));
  EXPECT_FALSE(p->Matches("abc 123"));  // a partial match is not enough
  EXPECT_FALSE(p->Matches(""));
  EXPECT_EQ(p->source(), "[0-9a-zA-Z_]+");
}

TEST(PatternTest, AlternativesAreAnchoredAsAWhole) {
  auto p = MustCompile("ab|cd");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("ab"));
  EXPECT_TRUE(p->Matches("cd"));
  EXPECT_FALSE(p->Matches("abcd"));
  EXPECT_FALSE(p->Matches("abd"));
}

TEST(PatternTest, NegativeLookaheadAtStartRejectsAllWhitespace) {
  auto p = MustCompile(kNotBlank);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->Matches("   "));
  EXPECT_FALSE(p->Matches("\t \t"));
  EXPECT_FALSE(p->Matches(""));  // \s*$ matches the empty value too
  EXPECT_TRUE(p->Matches("Analytics Lead"));
  EXPECT_TRUE(p->Matches("  leading spaces are fine"));
}

TEST(PatternTest, UnicodeEscapesAndSurrogateRangesBecomeCodePoints) {
  auto p = MustCompile(kNotBlank);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("Équipe données"));         // Latin-1 and beyond
  EXPECT_TRUE(p->Matches("数据团队"));               // BMP, above U+3000
  EXPECT_TRUE(p->Matches("Team \xF0\x9F\x9A\x80"));  // U+1F680, a supplementary character
  EXPECT_FALSE(p->Matches("line\nbreak"));           // \n is not in the class
  EXPECT_FALSE(p->Matches("bell\x07"));              // below U+0020
  EXPECT_FALSE(p->Matches("\xEF\xBF\xBE"));          // U+FFFE is excluded
  EXPECT_EQ(p->translated(), "[\\x{20}-\\x{D7FF}\\x{E000}-\\x{FFFD}\\x{10000}-\\x{10FFFF}\\t]*");
}

TEST(PatternTest, WellFormedSurrogatePairRange) {
  // Glue spells the supplementary planes as a proper pair range.
  auto p = MustCompile("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("x\xF0\x9F\x9A\x80y"));
  EXPECT_FALSE(p->Matches("x\ny"));
}

TEST(PatternTest, LeadingDotStarLookaheadOnAnchoredRest) {
  auto p = MustCompile(kBucket);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->Matches("192.168.1.1"));  // IP-like names are refused
  EXPECT_FALSE(p->Matches("1.2"));
  EXPECT_TRUE(p->Matches("my-results"));
  EXPECT_TRUE(p->Matches("results.2024.example"));
  EXPECT_TRUE(p->Matches("123"));          // digits without dots are a valid name
  EXPECT_FALSE(p->Matches("My-Results"));  // upper case
  EXPECT_FALSE(p->Matches("-results"));    // must start with a letter or digit
  EXPECT_FALSE(p->Matches("results..x"));
}

TEST(PatternTest, PositiveAndNegativeLookaheadsAfterCaret) {
  // QuickSight: 2..256 characters, no whitespace anywhere.
  auto p = MustCompile("(?=^.{2,256}$)(?!.*\\s)[0-9a-zA-Z-_.:=+@]*$");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("user@example"));
  EXPECT_FALSE(p->Matches("a"));          // too short for the positive lookahead
  EXPECT_FALSE(p->Matches("user name"));  // whitespace
  auto q = MustCompile("^(?!D-|d-)([\\da-zA-Z]+)([-]*[\\da-zA-Z])*");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->Matches("abc-1"));
  EXPECT_FALSE(q->Matches("D-abc"));
  EXPECT_FALSE(q->Matches("d-abc"));
}

TEST(PatternTest, HyphenAfterClassEscapeIsLiteral) {
  auto p = MustCompile("[A-Za-z0-9](?:[\\w- ]*[A-Za-z0-9])?");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("my data-set 1"));
  EXPECT_FALSE(p->Matches("my data-set!"));
}

TEST(PatternTest, RepetitionsAboveRe2LimitAreSplit) {
  // QuickSight's AssetBundleRestrictiveResourceId.
  auto p = MustCompile("\\*|[\\w\\-]{1,2048}");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("*"));
  EXPECT_TRUE(p->Matches("a"));
  EXPECT_TRUE(p->Matches(std::string(2048, 'a')));
  EXPECT_FALSE(p->Matches(std::string(2049, 'a')));
  EXPECT_FALSE(p->Matches(""));
  EXPECT_EQ(p->translated(), "\\*|(?:[\\w\\-]){1,1000}(?:[\\w\\-]){0,1000}(?:[\\w\\-]){0,48}");

  auto exact = MustCompile("(ab){1500}");
  ASSERT_NE(exact, nullptr);
  std::string ab;
  for (int i = 0; i < 1500; ++i) ab += "ab";
  EXPECT_TRUE(exact->Matches(ab));
  EXPECT_FALSE(exact->Matches(ab + "ab"));
  EXPECT_FALSE(exact->Matches(ab.substr(2)));

  auto at_least = MustCompile("x{1001,}");
  ASSERT_NE(at_least, nullptr);
  EXPECT_FALSE(at_least->Matches(std::string(1000, 'x')));
  EXPECT_TRUE(at_least->Matches(std::string(5000, 'x')));

  auto literal_brace = MustCompile("a{b}");  // not a quantifier: literal braces
  ASSERT_NE(literal_brace, nullptr);
  EXPECT_TRUE(literal_brace->Matches("a{b}"));
}

TEST(PatternTest, UnicodePropertyClasses) {
  auto p = MustCompile("[\\p{L}\\p{M}\\p{N}\\p{Pc}\\p{Pd}\\p{Zs}]+");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("Ärzte_Daten-2024 東京"));
  EXPECT_FALSE(p->Matches("a.b"));
}

TEST(PatternTest, RejectsWhatCannotBeTranslated) {
  EXPECT_FALSE(Pattern::Compile("a(?=b)").ok());     // lookahead not at the start
  EXPECT_FALSE(Pattern::Compile("(a)\\1").ok());     // backreference
  EXPECT_FALSE(Pattern::Compile("(?<=a)b").ok());    // lookbehind
  EXPECT_FALSE(Pattern::Compile("[\\uD800]").ok());  // lone surrogate
  EXPECT_FALSE(Pattern::Compile("\\u12").ok());      // short \u escape
  EXPECT_FALSE(Pattern::Compile(".*(?!x)y").ok());   // .* lookahead on an unanchored rest
  EXPECT_FALSE(Pattern::Compile("[abc").ok());       // unterminated class
  EXPECT_FALSE(Pattern::Compile("(?!abc").ok());     // unterminated lookahead
  absl::StatusOr<std::unique_ptr<Pattern>> bad = Pattern::Compile("a(?=b)");
  EXPECT_NE(std::string(bad.status().message()).find("a(?=b)"), std::string::npos);
}

TEST(PatternTest, LiteralBracketInsideClassIsNotPosixClass) {
  auto p = MustCompile("[[:a]+");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->Matches("[:a:"));
  EXPECT_FALSE(p->Matches("b"));
}

}  // namespace
}  // namespace cleanroom::apimodel
