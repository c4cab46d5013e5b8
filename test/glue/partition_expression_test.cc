#include "glue/partition_expression.h"

#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

const std::vector<Column> kKeys = {{"year", "int", "", {}},
                                   {"month", "string", "", {}},
                                   {"day", "date", "", {}},
                                   {"price", "decimal(10,2)", "", {}}};

// Which of these partitions an expression selects, as "year/month".
const std::vector<std::vector<std::string>> kPartitions = {
    {"2021", "01", "2021-01-15", "9.50"},
    {"2021", "12", "2021-12-01", "10"},
    {"2022", "03", "2022-03-03", "100.25"},
    {"2023", "03", "2023-03-30", "0"},
    {"__HIVE_DEFAULT_PARTITION__", "07", "2020-07-07", "1"},
};

std::vector<std::string> Select(std::string_view expression) {
  absl::StatusOr<PartitionFilter> f = PartitionFilter::Parse(expression, kKeys);
  EXPECT_TRUE(f.ok()) << expression << ": " << f.status();
  std::vector<std::string> out;
  if (!f.ok()) return out;
  for (const auto& p : kPartitions) {
    if (f->Matches(p)) out.push_back(p[0] + "/" + p[1]);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(PartitionExpressionTest, EmptyMatchesEverything) {
  EXPECT_EQ(Select("").size(), kPartitions.size());
  EXPECT_EQ(Select("   ").size(), kPartitions.size());
}

TEST(PartitionExpressionTest, ComparisonOperatorsOnIntegerKeys) {
  EXPECT_EQ(Select("year = 2021"), (V{"2021/01", "2021/12"}));
  EXPECT_EQ(Select("year <> 2021"), (V{"2022/03", "2023/03"}));
  EXPECT_EQ(Select("year != 2021"), (V{"2022/03", "2023/03"}));
  EXPECT_EQ(Select("year < 2022"), (V{"2021/01", "2021/12"}));
  EXPECT_EQ(Select("year > 2022"), (V{"2023/03"}));
  EXPECT_EQ(Select("year <= 2022"), (V{"2021/01", "2021/12", "2022/03"}));
  EXPECT_EQ(Select("year >= 2022"), (V{"2022/03", "2023/03"}));
  // Quoted numbers compare as numbers for a numeric key; so do reversed operands.
  EXPECT_EQ(Select("year = '2022'"), (V{"2022/03"}));
  EXPECT_EQ(Select("2022 < year"), (V{"2023/03"}));
}

TEST(PartitionExpressionTest, NumericKeysCompareAsNumbersNotText) {
  EXPECT_EQ(Select("price > 9.5"), (V{"2021/12", "2022/03"}));  // "10" > 9.5, "100.25" > 9.5
  EXPECT_EQ(Select("price = 10.00"), (V{"2021/12"}));
}

TEST(PartitionExpressionTest, StringAndDateKeysCompareAsText) {
  EXPECT_EQ(Select("month = '03'"), (V{"2022/03", "2023/03"}));
  EXPECT_EQ(Select("day >= '2022-01-01'"), (V{"2022/03", "2023/03"}));
  EXPECT_EQ(Select("month = 'it''s'"), V{});
}

TEST(PartitionExpressionTest, AndOrNotAndParentheses) {
  EXPECT_EQ(Select("year = 2021 AND month = '12'"), (V{"2021/12"}));
  EXPECT_EQ(Select("year = 2021 or year = 2023"), (V{"2021/01", "2021/12", "2023/03"}));
  // AND binds tighter than OR.
  EXPECT_EQ(Select("year = 2023 OR year = 2021 AND month = '01'"), (V{"2021/01", "2023/03"}));
  EXPECT_EQ(Select("(year = 2023 OR year = 2021) AND month = '01'"), (V{"2021/01"}));
  EXPECT_EQ(Select("NOT (year = 2021)"),
            (V{"2022/03", "2023/03", "__HIVE_DEFAULT_PARTITION__/07"}));
  EXPECT_EQ(Select("((year = 2022))"), (V{"2022/03"}));
}

TEST(PartitionExpressionTest, InBetweenLikeAndNull) {
  EXPECT_EQ(Select("year IN (2021, 2023)"), (V{"2021/01", "2021/12", "2023/03"}));
  EXPECT_EQ(Select("month NOT IN ('01', '12')"),
            (V{"2022/03", "2023/03", "__HIVE_DEFAULT_PARTITION__/07"}));
  EXPECT_EQ(Select("year BETWEEN 2021 AND 2022"), (V{"2021/01", "2021/12", "2022/03"}));
  EXPECT_EQ(Select("day LIKE '2021-%'"), (V{"2021/01", "2021/12"}));
  EXPECT_EQ(Select("day LIKE '____-03-_3'"), (V{"2022/03"}));
  EXPECT_EQ(Select("year IS NULL"), (V{"__HIVE_DEFAULT_PARTITION__/07"}));
  EXPECT_EQ(Select("year IS NOT NULL").size(), 4u);
}

TEST(PartitionExpressionTest, KeysAreCaseInsensitiveAndMayBeQuoted) {
  EXPECT_EQ(Select("YEAR = 2022"), (V{"2022/03"}));
  EXPECT_EQ(Select("`year` = 2022"), (V{"2022/03"}));
  EXPECT_EQ(Select("\"month\" = '12'"), (V{"2021/12"}));
}

TEST(PartitionExpressionTest, BadExpressionsAreInvalidInput) {
  for (const char* bad : {"year =", "year = = 1", "(year = 1", "year = 1)", "colour = 'red'",
                          "year = 'abc'", "year 2021", "'open", "year = 1 AND", "year IN ()",
                          "year BETWEEN 1", "month LIKE 1", "year IS 3", "year ! 1", "year = 1;"}) {
    absl::StatusOr<PartitionFilter> f = PartitionFilter::Parse(bad, kKeys);
    EXPECT_FALSE(f.ok()) << bad;
    EXPECT_EQ(GetAwsCode(f.status()).value_or(""), "InvalidInputException") << bad;
  }
}

TEST(PartitionExpressionTest, DeepNestingIsRejectedNotRecursedForever) {
  std::string deep(5000, '(');
  deep += "year = 1";
  deep += std::string(5000, ')');
  EXPECT_FALSE(PartitionFilter::Parse(deep, kKeys).ok());
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_FALSE(PartitionFilter::Parse(nots + "year = 1", kKeys).ok());
}

TEST(PartitionExpressionTest, NonNumericValueOfNumericKeyMatchesNothing) {
  absl::StatusOr<PartitionFilter> f = PartitionFilter::Parse("year > 0", kKeys);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Matches({"abc", "01", "2021-01-01", "1"}));
  EXPECT_FALSE(f->Matches({}));  // missing values never match
}

}  // namespace
}  // namespace cleanroom::glue
