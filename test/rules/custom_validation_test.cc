// ValidateTableRule for CUSTOM rules.
#include "gtest/gtest.h"
#include "rules/table_rule_validation.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using testing::CustomerTable;
using testing::IsFieldError;
using testing::kOtherTemplateArn;
using testing::kOwner;
using testing::kPartner;
using testing::kTemplateArn;

constexpr char kBase[] = "analysisRulePolicy.v1.custom.";
constexpr char kAllowed[] =
    "(allowed columns: customer_id, age_group, region, product_category, purchase_amount, "
    "user_id)";

std::string P(const std::string& field) { return kBase + field; }

CustomRule TemplateRule() {
  CustomRule rule;
  rule.allowed_analyses = {kTemplateArn, kOtherTemplateArn};
  rule.disallowed_output_columns = std::vector<std::string>{"customer_id"};
  return rule;
}

CustomRule ProviderRule() {
  CustomRule rule;
  rule.allowed_analyses = {"ANY_QUERY"};
  rule.allowed_analysis_providers = std::vector<std::string>{kPartner, kOwner};
  rule.differential_privacy_column = "user_id";
  rule.additional_analyses = AdditionalAnalyses::kAllowed;
  return rule;
}

TableContext WithMethod(std::string method, std::vector<std::string> selected = {}) {
  TableContext table = CustomerTable();
  table.analysis_method = std::move(method);
  table.selected_analysis_methods = std::move(selected);
  return table;
}

TEST(CustomValidationTest, AcceptsTemplateRule) {
  EXPECT_TRUE(ValidateTableRule(TemplateRule(), CustomerTable()).ok());
}

TEST(CustomValidationTest, AcceptsProviderRuleWithDifferentialPrivacy) {
  EXPECT_TRUE(ValidateTableRule(ProviderRule(), CustomerTable()).ok());
}

TEST(CustomValidationTest, AcceptsEmptyAllowedAnalyses) {
  // Valid, but nobody can query the table: schema status reports it instead.
  CustomRule rule;
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(CustomValidationTest, AcceptsCustomRuleOnNonS3TableWithoutDifferentialPrivacy) {
  TableContext table = CustomerTable();
  table.table_reference_type = "snowflake";
  EXPECT_TRUE(ValidateTableRule(TemplateRule(), table).ok());
}

TEST(CustomValidationTest, RejectsAnalysisListedTwice) {
  CustomRule rule = TemplateRule();
  rule.allowed_analyses.push_back(kTemplateArn);
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalyses"),
                           std::string("'") + kTemplateArn + "' is listed more than once"));
}

TEST(CustomValidationTest, AnyQueryNeedsTableThatAllowsQueries) {
  EXPECT_TRUE(IsFieldError(ValidateTableRule(ProviderRule(), WithMethod("DIRECT_JOB")),
                           P("allowedAnalyses"),
                           "ANY_QUERY allows SQL queries, but the configured table's analysis "
                           "method DIRECT_JOB does not allow SQL queries"));
  EXPECT_TRUE(ValidateTableRule(ProviderRule(), WithMethod("MULTIPLE")).ok());
}

TEST(CustomValidationTest, AnyJobNeedsTableThatAllowsJobs) {
  CustomRule rule = ProviderRule();
  rule.allowed_analyses = {"ANY_JOB"};
  rule.differential_privacy_column.reset();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, WithMethod("DIRECT_QUERY")),
                           P("allowedAnalyses"),
                           "ANY_JOB allows PySpark jobs, but the configured table's analysis "
                           "method DIRECT_QUERY does not allow jobs"));
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, WithMethod("")), P("allowedAnalyses"),
                           "ANY_JOB allows PySpark jobs, but the configured table's analysis "
                           "method DIRECT_QUERY does not allow jobs"));
  EXPECT_TRUE(ValidateTableRule(rule, WithMethod("DIRECT_JOB")).ok());
  EXPECT_TRUE(ValidateTableRule(rule, WithMethod("MULTIPLE", {"DIRECT_QUERY", "DIRECT_JOB"})).ok());
  rule.allowed_analyses = {"ANY_QUERY", "ANY_JOB"};
  EXPECT_TRUE(ValidateTableRule(rule, WithMethod("MULTIPLE")).ok());
}

TEST(CustomValidationTest, SelectedAnalysisMethodsNarrowMultiple) {
  CustomRule rule = ProviderRule();
  rule.allowed_analyses = {"ANY_QUERY", "ANY_JOB"};
  rule.differential_privacy_column.reset();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, WithMethod("MULTIPLE", {"DIRECT_QUERY"})),
                           P("allowedAnalyses"),
                           "ANY_JOB allows PySpark jobs, but the configured table's analysis "
                           "method MULTIPLE (selected analysis methods: DIRECT_QUERY) does not "
                           "allow jobs"));
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, WithMethod("MULTIPLE", {"DIRECT_JOB"})),
                           P("allowedAnalyses"),
                           "ANY_QUERY allows SQL queries, but the configured table's analysis "
                           "method MULTIPLE (selected analysis methods: DIRECT_JOB) does not allow "
                           "SQL queries"));
}

TEST(CustomValidationTest, RejectsProviderListedTwice) {
  CustomRule rule = ProviderRule();
  rule.allowed_analysis_providers = std::vector<std::string>{kPartner, kOwner, kPartner};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           "Account '222222222222' is listed more than once"));
}

TEST(CustomValidationTest, WildcardRequiresAnalysisProviders) {
  CustomRule rule = ProviderRule();
  rule.allowed_analysis_providers.reset();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           "allowedAnalysisProviders must list at least one account when "
                           "allowedAnalyses contains ANY_QUERY"));
  rule.allowed_analysis_providers = std::vector<std::string>{};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           "allowedAnalysisProviders must list at least one account when "
                           "allowedAnalyses contains ANY_QUERY"));
  rule.allowed_analyses = {"ANY_JOB"};
  rule.differential_privacy_column.reset();
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, WithMethod("DIRECT_JOB")),
                           P("allowedAnalysisProviders"),
                           "allowedAnalysisProviders must list at least one account when "
                           "allowedAnalyses contains ANY_JOB"));
}

TEST(CustomValidationTest, RejectsTemplatesTogetherWithProviders) {
  CustomRule rule = TemplateRule();
  rule.allowed_analysis_providers = std::vector<std::string>{kPartner};
  std::string message = std::string(
                            "allowedAnalysisProviders cannot be set when allowedAnalyses lists "
                            "analysis templates (such as '") +
                        kTemplateArn +
                        "'); a CUSTOM analysis rule allows either analysis templates or analysis "
                        "providers, not both";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           message));
  rule.allowed_analyses.insert(rule.allowed_analyses.begin(), "ANY_QUERY");
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           message));
  // Providers without any wildcard or template: their own templates may run.
  rule.allowed_analyses.clear();
  EXPECT_TRUE(ValidateTableRule(rule, CustomerTable()).ok());
}

TEST(CustomValidationTest, RejectsDisallowedOutputColumnProblems) {
  CustomRule rule = TemplateRule();
  rule.disallowed_output_columns = std::vector<std::string>{"region", "region"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("disallowedOutputColumns"),
                           "Column 'region' is listed more than once"));
  rule.disallowed_output_columns = std::vector<std::string>{"ssn"};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("disallowedOutputColumns"),
      std::string("Column 'ssn' is not an allowed column of the configured table ") + kAllowed));
}

TEST(CustomValidationTest, RejectsDifferentialPrivacyColumnOutsideAllowedColumns) {
  CustomRule rule = ProviderRule();
  rule.differential_privacy_column = "device_id";
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("differentialPrivacy.columns[0].name"),
      std::string("Column 'device_id' is not an allowed column of the configured table ") +
          kAllowed));
}

TEST(CustomValidationTest, RejectsDifferentialPrivacyColumnThatIsDisallowedForOutput) {
  CustomRule rule = ProviderRule();
  rule.disallowed_output_columns = std::vector<std::string>{"region", "user_id"};
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()),
                           P("differentialPrivacy.columns[0].name"),
                           "Column 'user_id' is the differential privacy user identifier column "
                           "and cannot also be a disallowed output column"));
}

TEST(CustomValidationTest, RejectsDifferentialPrivacyOnNonS3Table) {
  TableContext table = CustomerTable();
  table.table_reference_type = "athena";
  EXPECT_TRUE(IsFieldError(ValidateTableRule(ProviderRule(), table),
                           P("differentialPrivacy.columns[0].name"),
                           "Differential privacy is available only for configured tables whose "
                           "data is in Amazon S3 (AWS Glue tables); this table's data source is "
                           "athena"));
}

TEST(CustomValidationTest, ReportsFirstProblemInDocumentedOrder) {
  CustomRule rule = ProviderRule();
  rule.differential_privacy_column = "device_id";                    // check 4
  rule.disallowed_output_columns = std::vector<std::string>{"ssn"};  // check 3
  rule.allowed_analysis_providers = std::vector<std::string>{};      // check 2
  EXPECT_TRUE(IsFieldError(ValidateTableRule(rule, CustomerTable()), P("allowedAnalysisProviders"),
                           "allowedAnalysisProviders must list at least one account when "
                           "allowedAnalyses contains ANY_QUERY"));
  rule.allowed_analysis_providers = std::vector<std::string>{kPartner};
  EXPECT_TRUE(IsFieldError(
      ValidateTableRule(rule, CustomerTable()), P("disallowedOutputColumns"),
      std::string("Column 'ssn' is not an allowed column of the configured table ") + kAllowed));
}

}  // namespace
}  // namespace cleanroom::rules
