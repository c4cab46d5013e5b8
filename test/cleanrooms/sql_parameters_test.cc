#include "cleanrooms/sql_parameters.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::cleanrooms {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParameterReferencesTest, FindsEachNameOnceInOrder) {
  EXPECT_THAT(ParameterReferences("SELECT a FROM t WHERE x = :age AND y > :min_amount OR "
                                  "z = :age"),
              ElementsAre("age", "min_amount"));
}

TEST(ParameterReferencesTest, SkipsLiteralsCommentsCastsAndQuotedIdentifiers) {
  EXPECT_THAT(ParameterReferences("SELECT ':not', \"col:x\", a::int -- :comment\n"
                                  "/* :block */ FROM t WHERE b = 'it''s :quoted' AND c = :real"),
              ElementsAre("real"));
}

TEST(ParameterReferencesTest, NoParameters) {
  EXPECT_THAT(ParameterReferences("SELECT COUNT(*) FROM t"), IsEmpty());
  EXPECT_THAT(ParameterReferences("SELECT 1 :"), IsEmpty());
  EXPECT_THAT(ParameterReferences("SELECT ':unterminated"), IsEmpty());
}

TEST(CheckParameterValueTest, Integers) {
  EXPECT_TRUE(CheckParameterValue("INTEGER", "42").ok());
  EXPECT_TRUE(CheckParameterValue("INTEGER", "-2147483648").ok());
  EXPECT_FALSE(CheckParameterValue("INTEGER", "2147483648").ok());
  EXPECT_FALSE(CheckParameterValue("TINYINT", "128").ok());
  EXPECT_TRUE(CheckParameterValue("BIGINT", "9223372036854775807").ok());
  EXPECT_FALSE(CheckParameterValue("BIGINT", "9223372036854775808").ok());
  absl::Status bad = CheckParameterValue("INTEGER", "abc");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "is not a valid INTEGER: 'abc'");
  EXPECT_FALSE(CheckParameterValue("INT", " 1").ok());
  EXPECT_FALSE(CheckParameterValue("INT", "").ok());
}

TEST(CheckParameterValueTest, NumbersBooleansDatesTimes) {
  EXPECT_TRUE(CheckParameterValue("DECIMAL", "12.50").ok());
  EXPECT_TRUE(CheckParameterValue("DOUBLE", "-1e3").ok());
  EXPECT_FALSE(CheckParameterValue("FLOAT", "1.2.3").ok());
  EXPECT_TRUE(CheckParameterValue("BOOLEAN", "TRUE").ok());
  EXPECT_FALSE(CheckParameterValue("BOOLEAN", "yes").ok());
  EXPECT_TRUE(CheckParameterValue("DATE", "2024-02-29").ok());
  EXPECT_FALSE(CheckParameterValue("DATE", "2024-13-01").ok());
  EXPECT_FALSE(CheckParameterValue("DATE", "2024-01-01T00:00:00").ok());
  EXPECT_TRUE(CheckParameterValue("TIMESTAMP", "2024-01-01 10:11:12").ok());
  EXPECT_TRUE(CheckParameterValue("TIMESTAMP", "2024-01-01T10:11:12.5").ok());
  EXPECT_FALSE(CheckParameterValue("TIMESTAMP", "2024-01-01 25:00:00").ok());
  EXPECT_TRUE(CheckParameterValue("TIME", "23:59:59").ok());
  EXPECT_FALSE(CheckParameterValue("TIME", "24:00:00").ok());
}

TEST(CheckParameterValueTest, CharacterTypesTakeAnything) {
  EXPECT_TRUE(CheckParameterValue("VARCHAR", "25-34' OR 1=1 --").ok());
  EXPECT_TRUE(CheckParameterValue("STRING", "").ok());
}

}  // namespace
}  // namespace cleanroom::cleanrooms
