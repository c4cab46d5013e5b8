#include "glue/table_name_filter.h"

#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

const std::vector<std::string> kNames = {
    "mytableprefix_123",
    "mytableprefix_something_test",
    "something_mytablepostfix",
    "test_catchthis123_test",
    "asduas6781catchthisasdas",
    "fakecatchthisfake",
    "trailingtest.",
    "trailingtest...",
};

size_t Count(std::string_view expression) {
  absl::StatusOr<TableNameFilter> f = TableNameFilter::Compile(expression);
  EXPECT_TRUE(f.ok()) << expression << ": " << f.status();
  if (!f.ok()) return 0;
  size_t n = 0;
  for (const std::string& name : kNames) n += f->Matches(name) ? 1 : 0;
  return n;
}

TEST(TableNameFilterTest, RegularExpressionsMatchWholeNames) {
  EXPECT_EQ(Count(""), 8u);
  EXPECT_EQ(Count("mytableprefix_\\w+"), 2u);
  EXPECT_EQ(Count("\\w+_mytablepostfix"), 1u);
  EXPECT_EQ(Count("\\w+catchthis\\w+"), 3u);
  EXPECT_EQ(Count("mytableprefix"), 0u);  // not a substring search
  EXPECT_EQ(Count("fakecatchthisfake"), 1u);
  EXPECT_EQ(Count("fake.*|something_.*"), 2u);
}

TEST(TableNameFilterTest, StarIsAWildcardAsInHive) {
  EXPECT_EQ(Count("*"), 8u);
  EXPECT_EQ(Count("mytable*"), 2u);
  EXPECT_EQ(Count("*table*"), 3u);
  EXPECT_EQ(Count("*catch*is*"), 3u);
  EXPECT_EQ(Count(".*catch*is*"), 3u);
  EXPECT_EQ(Count("trailing*.*"), 2u);
  EXPECT_EQ(TableNameFilter::Translate("a*b.*c\\*[*]"), "a.*b.*c\\*[*]");
}

TEST(TableNameFilterTest, MatchingIgnoresCase) { EXPECT_EQ(Count("MYTABLE*"), 2u); }

TEST(TableNameFilterTest, InvalidOrUnsupportedPatternsAreInvalidInput) {
  for (const char* bad : {"(unclosed", "[a-", "a{2,1}", "(?=lookahead)", "(a)\\1"}) {
    absl::StatusOr<TableNameFilter> f = TableNameFilter::Compile(bad);
    EXPECT_FALSE(f.ok()) << bad;
    EXPECT_EQ(GetAwsCode(f.status()).value_or(""), "InvalidInputException") << bad;
  }
}

TEST(TableNameFilterTest, HostilePatternsRunInLinearTime) {
  // Catastrophic for backtracking engines; RE2 answers at once.
  absl::StatusOr<TableNameFilter> f = TableNameFilter::Compile("(a+)+$b|(a|aa)+c");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE(f->Matches(std::string(200, 'a') + "!"));
  // A pattern too big for the memory budget is refused.
  EXPECT_FALSE(TableNameFilter::Compile("(((a{100}){100}){100})").ok());
}

}  // namespace
}  // namespace cleanroom::glue
