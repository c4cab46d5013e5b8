#include "rules/analysis_rule.h"

#include "gtest/gtest.h"
#include "rules/rule_types.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using nlohmann::json;
using testing::IsFieldError;
using testing::kModelArn;
using testing::kOwner;
using testing::kPartner;
using testing::kTemplateArn;

TEST(RuleTypesTest, ParsesAndNamesEveryRuleType) {
  for (RuleType type : {RuleType::kAggregation, RuleType::kList, RuleType::kCustom}) {
    EXPECT_EQ(ParseRuleType(RuleTypeName(type)), type);
  }
  EXPECT_EQ(ParseRuleType("AGGREGATION"), RuleType::kAggregation);
  EXPECT_EQ(RuleTypeName(RuleType::kList), "LIST");
  EXPECT_EQ(RulePolicyKey(RuleType::kCustom), "custom");
  EXPECT_EQ(ParseRuleType("aggregation"), std::nullopt);  // case-sensitive, like AWS enums
  EXPECT_EQ(ParseRuleType("ID_MAPPING_TABLE"), std::nullopt);
}

TEST(RuleTypesTest, ScalarFunctionsRoundTripAllTwentyFourNames) {
  const char* names[] = {"ABS",          "CAST",      "CEILING", "COALESCE", "CONVERT",
                         "CURRENT_DATE", "DATEADD",   "EXTRACT", "FLOOR",    "GETDATE",
                         "LN",           "LOG",       "LOWER",   "ROUND",    "RTRIM",
                         "SQRT",         "SUBSTRING", "TO_CHAR", "TO_DATE",  "TO_NUMBER",
                         "TO_TIMESTAMP", "TRIM",      "TRUNC",   "UPPER"};
  for (const char* name : names) {
    auto parsed = ParseScalarFunction(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(ScalarFunctionName(*parsed), name);
  }
  EXPECT_EQ(ParseScalarFunction("CONCAT"), std::nullopt);
}

TEST(RuleTypesTest, AggregateFunctionsHaveNoAvgDistinct) {
  EXPECT_EQ(ParseAggregateFunction("SUM_DISTINCT"), AggregateFunction::kSumDistinct);
  EXPECT_EQ(AggregateFunctionName(AggregateFunction::kCountDistinct), "COUNT_DISTINCT");
  EXPECT_EQ(ParseAggregateFunction("AVG_DISTINCT"), std::nullopt);
}

TEST(AnalysisRuleTest, ParsesSeedAggregationRule) {
  auto parsed = ParseTableRule(RuleType::kAggregation, testing::SeedAggregationPolicy());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(GetRuleType(*parsed), RuleType::kAggregation);
  const auto& rule = std::get<AggregationRule>(*parsed);
  ASSERT_EQ(rule.aggregate_columns.size(), 2u);
  EXPECT_EQ(rule.aggregate_columns[0].column_names, std::vector<std::string>{"purchase_amount"});
  EXPECT_EQ(rule.aggregate_columns[0].function, AggregateFunction::kSum);
  EXPECT_EQ(rule.aggregate_columns[1].column_names, std::vector<std::string>{"customer_id"});
  EXPECT_EQ(rule.aggregate_columns[1].function, AggregateFunction::kCountDistinct);
  EXPECT_EQ(rule.join_columns, std::vector<std::string>{"customer_id"});
  EXPECT_TRUE(rule.join_required);
  EXPECT_EQ(rule.allowed_join_operators, std::vector<JoinOperator>{JoinOperator::kAnd});
  EXPECT_EQ(rule.dimension_columns,
            (std::vector<std::string>{"age_group", "region", "product_category"}));
  EXPECT_EQ(rule.scalar_functions,
            (std::vector<ScalarFunction>{ScalarFunction::kRound, ScalarFunction::kTrunc}));
  ASSERT_EQ(rule.output_constraints.size(), 1u);
  EXPECT_EQ(rule.output_constraints[0].column_name, "customer_id");
  EXPECT_EQ(rule.output_constraints[0].minimum, 100);
  EXPECT_EQ(rule.output_constraints[0].type, ConstraintType::kCountDistinct);
  EXPECT_EQ(rule.additional_analyses, std::nullopt);
  EXPECT_EQ(GetAdditionalAnalyses(*parsed), std::nullopt);
  EXPECT_TRUE(rule.AllowsAggregate(AggregateFunction::kSum, "purchase_amount"));
  EXPECT_FALSE(rule.AllowsAggregate(AggregateFunction::kAvg, "purchase_amount"));
  EXPECT_FALSE(rule.AllowsAggregate(AggregateFunction::kSum, "customer_id"));
  EXPECT_TRUE(rule.IsAggregateColumn("customer_id"));
  EXPECT_FALSE(rule.IsAggregateColumn("region"));
}

void ExpectTableRuleRoundTrip(RuleType type, const json& policy) {
  auto parsed = ParseTableRule(type, policy);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(GetRuleType(*parsed), type);
  EXPECT_EQ(ToJson(*parsed), policy) << "got " << ToJson(*parsed).dump();
}

TEST(AnalysisRuleTest, RoundTripsAggregationExactly) {
  ExpectTableRuleRoundTrip(RuleType::kAggregation, testing::SeedAggregationPolicy());
  json without_optionals = testing::SeedAggregationPolicy();
  without_optionals["v1"]["aggregation"].erase("joinRequired");
  without_optionals["v1"]["aggregation"].erase("allowedJoinOperators");
  ExpectTableRuleRoundTrip(RuleType::kAggregation, without_optionals);
  ExpectTableRuleRoundTrip(RuleType::kAggregation, json::parse(R"({"v1": {"aggregation": {
      "aggregateColumns": [{"columnNames": ["a", "b"], "function": "AVG"}],
      "joinColumns": [], "dimensionColumns": [], "scalarFunctions": [],
      "outputConstraints": [{"columnName": "a", "minimum": 2, "type": "COUNT_DISTINCT"}],
      "additionalAnalyses": "NOT_ALLOWED", "allowedJoinOperators": []}}})"));
}

TEST(AnalysisRuleTest, RoundTripsListExactly) {
  ExpectTableRuleRoundTrip(RuleType::kList, json::parse(R"({"v1": {"list": {
      "joinColumns": ["customer_id"], "listColumns": ["region"]}}})"));
  ExpectTableRuleRoundTrip(RuleType::kList, json::parse(R"({"v1": {"list": {
      "joinColumns": ["customer_id", "email"], "allowedJoinOperators": ["OR", "AND"],
      "listColumns": [], "additionalAnalyses": "REQUIRED"}}})"));
}

TEST(AnalysisRuleTest, RoundTripsCustomExactly) {
  ExpectTableRuleRoundTrip(RuleType::kCustom, json::parse(R"({"v1": {"custom": {
      "allowedAnalyses": []}}})"));
  ExpectTableRuleRoundTrip(RuleType::kCustom, json::parse(R"({"v1": {"custom": {
      "allowedAnalyses": ["ANY_QUERY", "ANY_JOB"],
      "allowedAnalysisProviders": ["111111111111", "222222222222"],
      "additionalAnalyses": "ALLOWED",
      "disallowedOutputColumns": ["email"],
      "differentialPrivacy": {"columns": [{"name": "user_id"}]}}}})"));
  ExpectTableRuleRoundTrip(RuleType::kCustom, json::parse(R"({"v1": {"custom": {
      "allowedAnalyses": [], "allowedAnalysisProviders": [], "disallowedOutputColumns": []}}})"));
}

TEST(AnalysisRuleTest, ParsesCustomRuleAndAnswersItsQuestions) {
  json policy = {{"v1",
                  {{"custom",
                    {{"allowedAnalyses", {"ANY_QUERY", kTemplateArn}},
                     {"allowedAnalysisProviders", {kPartner}},
                     {"disallowedOutputColumns", {"email"}},
                     {"differentialPrivacy", {{"columns", {{{"name", "user_id"}}}}}}}}}}};
  auto parsed = ParseTableRule(RuleType::kCustom, policy);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto& rule = std::get<CustomRule>(*parsed);
  EXPECT_TRUE(rule.AllowsAnyQuery());
  EXPECT_FALSE(rule.AllowsAnyJob());
  EXPECT_EQ(rule.AnalysisTemplateArns(), std::vector<std::string>{kTemplateArn});
  EXPECT_TRUE(rule.AllowsAnalysisTemplate(kTemplateArn));
  EXPECT_FALSE(rule.AllowsAnalysisTemplate("ANY_QUERY"));
  EXPECT_TRUE(rule.IsAnalysisProvider(kPartner));
  EXPECT_FALSE(rule.IsAnalysisProvider(kOwner));
  EXPECT_TRUE(rule.IsDisallowedOutputColumn("email"));
  EXPECT_FALSE(rule.IsDisallowedOutputColumn("user_id"));
  EXPECT_EQ(rule.differential_privacy_column, "user_id");
}

TEST(AnalysisRuleTest, JoinOperatorsDefaultToAndOnlyWhenAbsent) {
  auto absent = ParseTableRule(RuleType::kList, json::parse(R"({"v1": {"list": {
      "joinColumns": ["c"], "listColumns": []}}})"));
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(std::get<ListRule>(*absent).allowed_join_operators, std::nullopt);
  EXPECT_EQ(std::get<ListRule>(*absent).EffectiveJoinOperators(),
            std::vector<JoinOperator>{JoinOperator::kAnd});

  auto empty = ParseTableRule(RuleType::kList, json::parse(R"({"v1": {"list": {
      "joinColumns": ["c"], "listColumns": [], "allowedJoinOperators": []}}})"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(std::get<ListRule>(*empty).EffectiveJoinOperators().empty());

  AggregationRule rule = testing::SeedAggregationRule();
  rule.allowed_join_operators = std::vector<JoinOperator>{JoinOperator::kOr};
  EXPECT_EQ(rule.EffectiveJoinOperators(), std::vector<JoinOperator>{JoinOperator::kOr});
  rule.allowed_join_operators.reset();
  EXPECT_EQ(rule.EffectiveJoinOperators(), std::vector<JoinOperator>{JoinOperator::kAnd});
}

TEST(AnalysisRuleTest, RejectsPolicyUnderAnotherTypesKey) {
  json policy = json::parse(R"({"v1": {"list": {"joinColumns": ["c"], "listColumns": []}}})");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1",
                           "The analysis rule type is AGGREGATION but the policy sets 'list', the "
                           "member for LIST rules; AGGREGATION rules go under 'aggregation'"));
}

TEST(AnalysisRuleTest, RejectsUnknownUnionMember) {
  json policy = json::parse(R"({"v1": {"idMappingTable": {"joinColumns": ["a", "b"]}}})");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kCustom, policy).status(),
                           "analysisRulePolicy.v1",
                           "'idMappingTable' is not a valid member of the policy; CUSTOM rules go "
                           "under 'custom'"));
}

TEST(AnalysisRuleTest, RejectsPolicyWithoutExactlyOneMember) {
  json two = json::parse(R"({"v1": {"list": {}, "custom": {"allowedAnalyses": []}}})");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kCustom, two).status(), "analysisRulePolicy.v1",
                           "The policy must set exactly one member under 'v1'; CUSTOM rules go "
                           "under 'custom'"));
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kList, json::parse(R"({"v2": {}})")).status(),
                           "analysisRulePolicy",
                           "The analysis rule policy must be an object with a 'v1' member"));
}

TEST(AnalysisRuleTest, RejectsMissingRequiredMember) {
  json policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"].erase("dimensionColumns");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.dimensionColumns",
                           "Member 'dimensionColumns' is required"));
  policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"]["outputConstraints"][0].erase("minimum");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.outputConstraints[0].minimum",
                           "Member 'minimum' is required"));
}

TEST(AnalysisRuleTest, RejectsWrongJsonTypesAndUnknownEnumValues) {
  json policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"]["joinColumns"] = "customer_id";
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.joinColumns",
                           "Member 'joinColumns' must be a list of strings"));

  policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"]["aggregateColumns"][1]["function"] = "MEDIAN";
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.aggregateColumns[1].function",
                           "'MEDIAN' is not a valid aggregate function; valid values are SUM, "
                           "SUM_DISTINCT, COUNT, COUNT_DISTINCT or AVG"));

  policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"]["allowedJoinOperators"] = {"AND", "XOR"};
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.allowedJoinOperators",
                           "'XOR' is not a valid join operator; valid values are OR or AND"));

  policy = testing::SeedAggregationPolicy();
  policy["v1"]["aggregation"]["joinRequired"] = "ALWAYS";
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kAggregation, policy).status(),
                           "analysisRulePolicy.v1.aggregation.joinRequired",
                           "The only valid value of joinRequired is QUERY_RUNNER"));

  json custom = json::parse(R"({"v1": {"custom": {"allowedAnalyses": [],
      "differentialPrivacy": {"columns": [{"name": "a"}, {"name": "b"}]}}}})");
  EXPECT_TRUE(IsFieldError(ParseTableRule(RuleType::kCustom, custom).status(),
                           "analysisRulePolicy.v1.custom.differentialPrivacy.columns",
                           "Member 'columns' must be a list of exactly one column"));
}

TEST(AssociationRuleTest, ParsesAndRoundTripsExactly) {
  json policy = {{"v1",
                  {{"list",
                    {{"allowedResultReceivers", {kOwner, kPartner}},
                     {"allowedAdditionalAnalyses", {kModelArn}}}}}}};
  auto parsed = ParseAssociationRule(RuleType::kList, policy);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->type, RuleType::kList);
  EXPECT_EQ(parsed->ResultReceivers(), (std::vector<std::string>{kOwner, kPartner}));
  EXPECT_EQ(parsed->AdditionalAnalysesResources(), std::vector<std::string>{kModelArn});
  EXPECT_TRUE(parsed->IsResultReceiver(kPartner));
  EXPECT_EQ(ToJson(*parsed), policy);

  for (const char* text :
       {R"({"v1": {"aggregation": {}}})", R"({"v1": {"custom": {"allowedResultReceivers": []}}})",
        R"({"v1": {"aggregation": {"allowedResultReceivers": ["111111111111"]}}})"}) {
    json other = json::parse(text);
    RuleType type = other["v1"].contains("custom") ? RuleType::kCustom : RuleType::kAggregation;
    auto rule = ParseAssociationRule(type, other);
    ASSERT_TRUE(rule.ok()) << rule.status();
    EXPECT_EQ(ToJson(*rule), other) << text;
  }
}

TEST(AssociationRuleTest, AbsentListsStayAbsent) {
  auto parsed = ParseAssociationRule(RuleType::kCustom, json::parse(R"({"v1": {"custom": {}}})"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->allowed_result_receivers, std::nullopt);
  EXPECT_EQ(parsed->allowed_additional_analyses, std::nullopt);
  EXPECT_TRUE(parsed->ResultReceivers().empty());
  EXPECT_TRUE(parsed->AdditionalAnalysesResources().empty());
}

TEST(AssociationRuleTest, RejectsPolicyUnderAnotherTypesKey) {
  json policy = json::parse(R"({"v1": {"custom": {"allowedResultReceivers": []}}})");
  EXPECT_TRUE(
      IsFieldError(ParseAssociationRule(RuleType::kList, policy).status(), "analysisRulePolicy.v1",
                   "The analysis rule type is LIST but the policy sets 'custom', the member "
                   "for CUSTOM rules; LIST rules go under 'list'"));
  json bad = json::parse(R"({"v1": {"list": {"allowedResultReceivers": [1]}}})");
  EXPECT_TRUE(IsFieldError(ParseAssociationRule(RuleType::kList, bad).status(),
                           "analysisRulePolicy.v1.list.allowedResultReceivers",
                           "Member 'allowedResultReceivers' must be a list of strings"));
}

TEST(AssociationRuleTest, OnlyTheOwnerMayReceiveResultsWithoutARule) {
  EXPECT_TRUE(MayReceiveResults(std::nullopt, kOwner, kOwner));
  EXPECT_FALSE(MayReceiveResults(std::nullopt, kOwner, kPartner));
  AssociationRule rule;
  rule.type = RuleType::kAggregation;
  rule.allowed_result_receivers = std::vector<std::string>{kPartner};
  EXPECT_TRUE(MayReceiveResults(rule, kOwner, kPartner));
  EXPECT_FALSE(MayReceiveResults(rule, kOwner, kOwner));
}

}  // namespace
}  // namespace cleanroom::rules
