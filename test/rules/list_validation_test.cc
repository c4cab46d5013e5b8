// ValidateTableRule for LIST rules.
#include "gtest/gtest.h"
#include "rules/table_rule_validation.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using testing::CustomerTable;
using testing::IsFieldError;

constexpr char kAllowed[] =
    "(allowed columns: customer_id, age_group, region, product_category, purchase_amount, "
    "user_id)";

ListRule ValidList() {
  ListRule rule;
  rule.join_columns = {"customer_id"};
  rule.allowed_join_operators = std::vector<JoinOperator>{JoinOperator::kAnd, JoinOperator::kOr};
  rule.list_columns = {"age_group", "region"};
  rule.additional_analyses = AdditionalAnalyses::kAllowed;
  return rule;
}

TEST(ListValidationTest, AcceptsValidRule) {
  EXPECT_TRUE(ValidateTableRule(ValidList(), CustomerTable()).ok());
}

TEST(ListValidationTest, AcceptsRuleWithoutListColumns) {
  // The querier may list only its own columns and use this table to find the overlap.
  ListRule rule = ValidList();
  rule.list_columns.clear();
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(ListValidationTest, RejectsNonS3Table) {
  TableContext table = CustomerTable();
  table.table_reference_type = "athena";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(ValidList(), table), "analysisRuleType",
                           "LIST analysis rules are supported only for configured tables whose "
                           "data is in Amazon S3 (AWS Glue tables); this table's data source is "
                           "athena, which supports CUSTOM analysis rules only"));
}

TEST(ListValidationTest, RejectsJobOnlyTable) {
  TableContext table = CustomerTable();
  table.analysis_method = "DIRECT_JOB";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(ValidList(), table), "analysisRuleType",
                           "LIST analysis rules govern SQL queries, but the configured table's "
                           "analysis method DIRECT_JOB does not allow SQL queries"));
}

TEST(ListValidationTest, RejectsJoinColumnOutsideAllowedColumns) {
  ListRule rule = ValidList();
  rule.join_columns = {"customer_id", "hashed_email"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), "analysisRulePolicy.v1.list.joinColumns",
      std::string("Column 'hashed_email' is not an allowed column of the configured table ") +
          kAllowed));
}

TEST(ListValidationTest, RejectsJoinOperatorListedTwice) {
  ListRule rule = ValidList();
  rule.allowed_join_operators = std::vector<JoinOperator>{JoinOperator::kAnd, JoinOperator::kAnd};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           "analysisRulePolicy.v1.list.allowedJoinOperators",
                           "Join operator AND is listed more than once"));
}

TEST(ListValidationTest, RejectsJoinColumnAsListColumn) {
  ListRule rule = ValidList();
  rule.list_columns = {"region", "customer_id"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), "analysisRulePolicy.v1.list.listColumns",
      "Column 'customer_id' is a join column of this rule and cannot also be a list column"));
}

TEST(ListValidationTest, RejectsListColumnProblems) {
  ListRule rule = ValidList();
  rule.list_columns = {"region", "region"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           "analysisRulePolicy.v1.list.listColumns",
                           "Column 'region' is listed more than once"));
  rule.list_columns = {"segment"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), "analysisRulePolicy.v1.list.listColumns",
      std::string("Column 'segment' is not an allowed column of the configured table ") +
          kAllowed));
}

}  // namespace
}  // namespace cleanroom::rules
