#include "rules/consolidated_policy.h"

#include "gtest/gtest.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using nlohmann::json;
using testing::kModelArn;
using testing::kOwner;
using testing::kPartner;

TEST(ConsolidatedPolicyTest, MergesSeedAggregationRuleWithResultReceivers) {
  AssociationRule association;
  association.type = RuleType::kAggregation;
  association.allowed_result_receivers = std::vector<std::string>{kOwner, kPartner};
  json expected = json::parse(R"({"v1": {"aggregation": {
      "aggregateColumns": [{"columnNames": ["purchase_amount"], "function": "SUM"},
                           {"columnNames": ["customer_id"], "function": "COUNT_DISTINCT"}],
      "joinColumns": ["customer_id"],
      "joinRequired": "QUERY_RUNNER",
      "allowedJoinOperators": ["AND"],
      "dimensionColumns": ["age_group", "region", "product_category"],
      "scalarFunctions": ["ROUND", "TRUNC"],
      "outputConstraints": [{"columnName": "customer_id", "minimum": 100,
                             "type": "COUNT_DISTINCT"}],
      "allowedResultReceivers": ["111111111111", "222222222222"]}}})");
  EXPECT_EQ(ConsolidatedPolicy(testing::SeedAggregationRule(), association), expected);
}

TEST(ConsolidatedPolicyTest, WithoutAssociationRuleIsTheTableRule) {
  TableRule rule = testing::SeedAggregationRule();
  EXPECT_EQ(ConsolidatedPolicy(rule, std::nullopt), testing::SeedAggregationPolicy());
}

TEST(ConsolidatedPolicyTest, IgnoresAssociationRuleOfAnotherType) {
  AssociationRule association;
  association.type = RuleType::kList;
  association.allowed_result_receivers = std::vector<std::string>{kPartner};
  TableRule rule = testing::SeedAggregationRule();
  EXPECT_EQ(ConsolidatedPolicy(rule, association), testing::SeedAggregationPolicy());
}

TEST(ConsolidatedPolicyTest, MergesCustomRuleWithBothCollaborationMembers) {
  CustomRule custom;
  custom.allowed_analyses = {"ANY_QUERY"};
  custom.allowed_analysis_providers = std::vector<std::string>{kPartner};
  custom.additional_analyses = AdditionalAnalyses::kAllowed;
  custom.differential_privacy_column = "user_id";
  AssociationRule association;
  association.type = RuleType::kCustom;
  association.allowed_result_receivers = std::vector<std::string>{};
  association.allowed_additional_analyses = std::vector<std::string>{kModelArn};
  json expected = {{"v1",
                    {{"custom",
                      {{"allowedAnalyses", {"ANY_QUERY"}},
                       {"allowedAnalysisProviders", {kPartner}},
                       {"additionalAnalyses", "ALLOWED"},
                       {"differentialPrivacy", {{"columns", {{{"name", "user_id"}}}}}},
                       {"allowedResultReceivers", json::array()},
                       {"allowedAdditionalAnalyses", {kModelArn}}}}}}};
  EXPECT_EQ(ConsolidatedPolicy(custom, association), expected);
}

TEST(ConsolidatedPolicyTest, LeavesAbsentCollaborationMembersAbsent) {
  ListRule list;
  list.join_columns = {"customer_id"};
  list.list_columns = {"region"};
  AssociationRule association;
  association.type = RuleType::kList;
  association.allowed_additional_analyses = std::vector<std::string>{kModelArn};
  json expected = json::parse(R"({"v1": {"list": {"joinColumns": ["customer_id"],
      "listColumns": ["region"], "allowedAdditionalAnalyses": [")" +
                              std::string(kModelArn) + R"("]}}})");
  EXPECT_EQ(ConsolidatedPolicy(list, association), expected);
}

}  // namespace
}  // namespace cleanroom::rules
