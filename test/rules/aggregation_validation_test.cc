// ValidateTableRule for AGGREGATION rules.
#include "gtest/gtest.h"
#include "rules/table_rule_validation.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using testing::CustomerTable;
using testing::IsFieldError;
using testing::SeedAggregationRule;

constexpr char kBase[] = "analysisRulePolicy.v1.aggregation.";
constexpr char kAllowed[] =
    "(allowed columns: customer_id, age_group, region, product_category, purchase_amount, "
    "user_id)";

std::string P(const std::string& field) { return kBase + field; }

TEST(AggregationValidationTest, AcceptsSeedRecipeRule) {
  EXPECT_TRUE(ValidateTableRule(SeedAggregationRule(), CustomerTable()).ok());
}

TEST(AggregationValidationTest, SeedRuleNeedsCustomerIdAmongAllowedColumns) {
  // The seed's create-configured-table allows only these four columns (aws-api.md §4.1 row 5).
  TableContext seed_table = CustomerTable();
  seed_table.allowed_columns = {"age_group", "region", "product_category", "purchase_amount"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(SeedAggregationRule(), seed_table),
                           P("aggregateColumns[1].columnNames"),
                           "Column 'customer_id' is not an allowed column of the configured table "
                           "(allowed columns: age_group, region, product_category, "
                           "purchase_amount)"));
}

TEST(AggregationValidationTest, AcceptsMultipleAnalysisMethodAndUnknownSource) {
  TableContext table = CustomerTable();
  table.analysis_method = "MULTIPLE";
  table.table_reference_type = "";
  EXPECT_TRUE(ValidateTableRule(SeedAggregationRule(), table).ok());
  table.analysis_method = "";  // read as DIRECT_QUERY
  EXPECT_TRUE(ValidateTableRule(SeedAggregationRule(), table).ok());
}

TEST(AggregationValidationTest, RejectsNonS3Table) {
  TableContext table = CustomerTable();
  table.table_reference_type = "snowflake";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(SeedAggregationRule(), table), "analysisRuleType",
                           "AGGREGATION analysis rules are supported only for configured tables "
                           "whose data is in Amazon S3 (AWS Glue tables); this table's data source "
                           "is snowflake, which supports CUSTOM analysis rules only"));
}

TEST(AggregationValidationTest, RejectsJobOnlyTable) {
  TableContext table = CustomerTable();
  table.analysis_method = "DIRECT_JOB";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(SeedAggregationRule(), table), "analysisRuleType",
                           "AGGREGATION analysis rules govern SQL queries, but the configured "
                           "table's analysis method DIRECT_JOB does not allow SQL queries"));
}

TEST(AggregationValidationTest, RejectsColumnListedTwiceInOneAggregateEntry) {
  AggregationRule rule = SeedAggregationRule();
  rule.aggregate_columns[0].column_names = {"purchase_amount", "purchase_amount"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           P("aggregateColumns[0].columnNames"),
                           "Column 'purchase_amount' is listed more than once"));
}

TEST(AggregationValidationTest, RejectsAggregateColumnOutsideAllowedColumns) {
  AggregationRule rule = SeedAggregationRule();
  rule.aggregate_columns[0].column_names = {"purchase_amount", "salary"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("aggregateColumns[0].columnNames"),
      std::string("Column 'salary' is not an allowed column of the configured table ") + kAllowed));
}

TEST(AggregationValidationTest, RejectsSameFunctionOnSameColumnTwice) {
  AggregationRule rule = SeedAggregationRule();
  rule.aggregate_columns.push_back({{"age_group", "purchase_amount"}, AggregateFunction::kSum});
  // age_group is also a dimension column, but the pair check comes first.
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           P("aggregateColumns[2].columnNames"),
                           "Aggregate function SUM is already allowed on column 'purchase_amount' "
                           "by aggregateColumns[0]"));
}

TEST(AggregationValidationTest, AcceptsDifferentFunctionsOnOneColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.aggregate_columns.push_back({{"purchase_amount"}, AggregateFunction::kAvg});
  rule.aggregate_columns.push_back({{"purchase_amount", "customer_id"}, AggregateFunction::kCount});
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(AggregationValidationTest, RejectsJoinColumnProblems) {
  AggregationRule rule = SeedAggregationRule();
  rule.join_columns = {"customer_id", "customer_id"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("joinColumns"),
                           "Column 'customer_id' is listed more than once"));
  rule.join_columns = {"email"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("joinColumns"),
      std::string("Column 'email' is not an allowed column of the configured table ") + kAllowed));
}

TEST(AggregationValidationTest, RejectsJoinRequiredWithoutJoinColumns) {
  AggregationRule rule = SeedAggregationRule();
  rule.join_columns.clear();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("joinRequired"),
                           "joinRequired QUERY_RUNNER requires queries to join this table, but the "
                           "rule has no join columns"));
  rule.join_required = false;
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(AggregationValidationTest, RejectsJoinOperatorListedTwice) {
  AggregationRule rule = SeedAggregationRule();
  rule.allowed_join_operators = std::vector<JoinOperator>{JoinOperator::kOr, JoinOperator::kOr};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedJoinOperators"),
                           "Join operator OR is listed more than once"));
  rule.allowed_join_operators = std::vector<JoinOperator>{JoinOperator::kOr, JoinOperator::kAnd};
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(AggregationValidationTest, RejectsJoinColumnAsDimensionColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.dimension_columns.push_back("customer_id");
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("dimensionColumns"),
      "Column 'customer_id' is a join column of this rule and cannot also be a dimension column"));
}

TEST(AggregationValidationTest, RejectsAggregateColumnAsDimensionColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.dimension_columns = {"region", "purchase_amount"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("dimensionColumns"),
                           "Column 'purchase_amount' is an aggregate column of this rule and "
                           "cannot also be a dimension column"));
}

TEST(AggregationValidationTest, RejectsDimensionColumnProblems) {
  AggregationRule rule = SeedAggregationRule();
  rule.dimension_columns = {"region", "age_group", "region"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("dimensionColumns"),
                           "Column 'region' is listed more than once"));
  rule.dimension_columns = {"country"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("dimensionColumns"),
      std::string("Column 'country' is not an allowed column of the configured table ") +
          kAllowed));
}

TEST(AggregationValidationTest, RejectsScalarFunctionListedTwice) {
  AggregationRule rule = SeedAggregationRule();
  rule.scalar_functions.push_back(ScalarFunction::kRound);
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("scalarFunctions"),
                           "Scalar function ROUND is listed more than once"));
}

TEST(AggregationValidationTest, RejectsOutputConstraintOnDimensionColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.output_constraints.push_back({"region", 10, ConstraintType::kCountDistinct});
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           P("outputConstraints[1].columnName"),
                           "Column 'region' is neither an aggregate column nor a join column of "
                           "this rule; an output constraint must count a column that queries "
                           "aggregate or join on"));
}

TEST(AggregationValidationTest, RejectsOutputConstraintOutsideAllowedColumns) {
  AggregationRule rule = SeedAggregationRule();
  rule.output_constraints[0].column_name = "household_id";
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("outputConstraints[0].columnName"),
      std::string("Column 'household_id' is not an allowed column of the configured table ") +
          kAllowed));
}

TEST(AggregationValidationTest, RejectsSecondOutputConstraintOnSameColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.output_constraints.push_back({"customer_id", 500, ConstraintType::kCountDistinct});
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           P("outputConstraints[1].columnName"),
                           "Column 'customer_id' already has an output constraint in "
                           "outputConstraints[0]"));
}

TEST(AggregationValidationTest, AcceptsOutputConstraintOnAggregateOnlyColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.output_constraints.push_back({"purchase_amount", 3, ConstraintType::kCountDistinct});
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(AggregationValidationTest, AcceptsOutputConstraintOnJoinOnlyColumn) {
  AggregationRule rule = SeedAggregationRule();
  rule.aggregate_columns.pop_back();  // customer_id is now a join column only
  EXPECT_FALSE(rule.IsAggregateColumn("customer_id"));
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(AggregationValidationTest, RejectsAdditionalAnalysesOtherThanNotAllowed) {
  AggregationRule rule = SeedAggregationRule();
  rule.additional_analyses = AdditionalAnalyses::kNotAllowed;
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
  rule.additional_analyses = AdditionalAnalyses::kRequired;
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("additionalAnalyses"),
                           "additionalAnalyses REQUIRED is not supported for AGGREGATION analysis "
                           "rules; additional analyses are supported only for LIST and CUSTOM "
                           "analysis rules"));
}

TEST(AggregationValidationTest, ReportsFirstProblemInDocumentedOrder) {
  AggregationRule rule = SeedAggregationRule();
  rule.scalar_functions.push_back(ScalarFunction::kTrunc);  // check 8
  rule.dimension_columns.push_back("customer_id");          // check 7
  rule.join_columns.push_back("email");                     // check 4
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("joinColumns"),
      std::string("Column 'email' is not an allowed column of the configured table ") + kAllowed));
  rule.join_columns.pop_back();
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("dimensionColumns"),
      "Column 'customer_id' is a join column of this rule and cannot also be a dimension column"));
  rule.dimension_columns.pop_back();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("scalarFunctions"),
                           "Scalar function TRUNC is listed more than once"));
}

}  // namespace
}  // namespace cleanroom::rules
