#include "common/sql_text.h"

#include "gtest/gtest.h"

namespace cleanroom {
namespace {

TEST(DescribeOffsetTest, CountsLinesAndColumnsFromOne) {
  EXPECT_EQ(DescribeOffset("SELECT a", 7), "line 1, column 8");
  EXPECT_EQ(DescribeOffset("SELECT a,\n  b", 12), "line 2, column 3");
}

TEST(DescribeOffsetTest, ColumnsCountCharactersNotBytes) {
  // 'é' is two bytes in UTF-8: `b` is at byte offset 13 (the 14th byte) but is the 13th
  // character of the line.
  EXPECT_EQ(DescribeOffset("SELECT 'é', b", 13), "line 1, column 13");
}

TEST(DescribeOffsetTest, AnOffsetPastTheEndIsTheEnd) {
  EXPECT_EQ(DescribeOffset("ab", 10), "line 1, column 3");
}

}  // namespace
}  // namespace cleanroom
