#include "rules/schema_status.h"

#include "gtest/gtest.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using nlohmann::json;
using testing::kModelArn;
using testing::kOwner;
using testing::kPartner;
using testing::kStranger;
using testing::Member;
using Code = SchemaStatusReasonCode;

// kOwner owns the table and can query and receive results; kPartner can only query.
SchemaContext Context() {
  SchemaContext context;
  context.owner_account_id = kOwner;
  context.collaboration.members = {Member(kOwner, {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}),
                                   Member(kPartner, {"CAN_QUERY"})};
  return context;
}

SchemaContext ContextWherePartnerReceives(std::string status = "ACTIVE") {
  SchemaContext context = Context();
  context.collaboration.members[1] = Member(kPartner, {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}, status);
  return context;
}

AssociationRule Association(RuleType type, std::optional<std::vector<std::string>> receivers,
                            std::optional<std::vector<std::string>> additional = std::nullopt) {
  AssociationRule rule;
  rule.type = type;
  rule.allowed_result_receivers = std::move(receivers);
  rule.allowed_additional_analyses = std::move(additional);
  return rule;
}

ListRule List(std::optional<AdditionalAnalyses> additional) {
  ListRule rule;
  rule.join_columns = {"customer_id"};
  rule.list_columns = {"region"};
  rule.additional_analyses = additional;
  return rule;
}

CustomRule QueryProviderRule(std::vector<std::string> providers) {
  CustomRule rule;
  rule.allowed_analyses = {"ANY_QUERY"};
  rule.allowed_analysis_providers = std::move(providers);
  return rule;
}

// The codes of one detail's reasons, in order.
std::vector<Code> Codes(const SchemaStatusDetail& detail) {
  std::vector<Code> codes;
  for (const SchemaStatusReason& reason : detail.reasons) codes.push_back(reason.code);
  return codes;
}

TEST(SchemaStatusTest, NamesEveryReasonCode) {
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAnalysisRuleMissing), "ANALYSIS_RULE_MISSING");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAnalysisTemplatesNotConfigured),
            "ANALYSIS_TEMPLATES_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAnalysisProvidersNotConfigured),
            "ANALYSIS_PROVIDERS_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kDifferentialPrivacyPolicyNotConfigured),
            "DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kCollaborationAnalysisRuleNotConfigured),
            "COLLABORATION_ANALYSIS_RULE_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAdditionalAnalysesNotConfigured),
            "ADDITIONAL_ANALYSES_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kResultReceiversNotConfigured),
            "RESULT_RECEIVERS_NOT_CONFIGURED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAdditionalAnalysesNotAllowed),
            "ADDITIONAL_ANALYSES_NOT_ALLOWED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kResultReceiversNotAllowed),
            "RESULT_RECEIVERS_NOT_ALLOWED");
  EXPECT_EQ(SchemaStatusReasonCodeName(Code::kAnalysisRuleTypesNotCompatible),
            "ANALYSIS_RULE_TYPES_NOT_COMPATIBLE");
  EXPECT_EQ(AnalysisTypeName(AnalysisType::kAdditionalAnalysis), "ADDITIONAL_ANALYSIS");
}

TEST(SchemaStatusTest, MissingTableRuleIsNotReady) {
  auto details = ComputeSchemaStatus(std::nullopt, std::nullopt, Context());
  json expected = json::parse(R"([{"status": "NOT_READY", "analysisType": "DIRECT_ANALYSIS",
      "reasons": [{"code": "ANALYSIS_RULE_MISSING",
                   "message": "The configured table has no analysis rule; it cannot be analysed until its owner adds an AGGREGATION, LIST or CUSTOM analysis rule"}]}])");
  EXPECT_EQ(SchemaStatusDetailsToJson(details), expected);
  EXPECT_TRUE(SchemaAnalysisRuleTypes(std::nullopt).empty());
}

TEST(SchemaStatusTest, ReadyWhenOnlyTheOwnerCanReceiveResults) {
  TableRule rule = testing::SeedAggregationRule();
  auto details = ComputeSchemaStatus(rule, std::nullopt, Context());
  json expected = json::parse(R"([{"status": "READY", "reasons": [],
      "analysisRuleType": "AGGREGATION", "analysisType": "DIRECT_ANALYSIS"}])");
  EXPECT_EQ(SchemaStatusDetailsToJson(details), expected);
  EXPECT_EQ(SchemaAnalysisRuleTypes(rule), std::vector<RuleType>{RuleType::kAggregation});
}

TEST(SchemaStatusTest, NeedsCollaborationRuleWhenAnotherMemberCanReceiveResults) {
  TableRule rule = testing::SeedAggregationRule();
  auto details = ComputeSchemaStatus(rule, std::nullopt, ContextWherePartnerReceives());
  ASSERT_EQ(details.size(), 1u);
  EXPECT_FALSE(details[0].ready());
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kCollaborationAnalysisRuleNotConfigured});
  EXPECT_EQ(details[0].reasons[0].message,
            "Members other than the table owner can receive results in this collaboration "
            "(222222222222), but the configured table association has no collaboration analysis "
            "rule that names its allowed result receivers");

  // A member that left no longer counts.
  EXPECT_TRUE(
      ComputeSchemaStatus(rule, std::nullopt, ContextWherePartnerReceives("LEFT"))[0].ready());
  // A collaboration rule naming the partner makes the table ready.
  EXPECT_TRUE(ComputeSchemaStatus(
                  rule, Association(RuleType::kAggregation, std::vector<std::string>{kPartner}),
                  ContextWherePartnerReceives())[0]
                  .ready());
}

TEST(SchemaStatusTest, ResultReceiversNotConfigured) {
  TableRule rule = testing::SeedAggregationRule();
  for (auto receivers : {std::optional<std::vector<std::string>>(),
                         std::optional<std::vector<std::string>>(std::vector<std::string>{})}) {
    auto details =
        ComputeSchemaStatus(rule, Association(RuleType::kAggregation, receivers), Context());
    ASSERT_EQ(details.size(), 1u);
    ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kResultReceiversNotConfigured});
    EXPECT_EQ(details[0].reasons[0].message,
              "The collaboration analysis rule lists no allowed result receivers");
  }
}

TEST(SchemaStatusTest, ResultReceiversNotAllowedWhenNoneCanStillReceive) {
  TableRule rule = testing::SeedAggregationRule();
  // kPartner lost CAN_RECEIVE_RESULTS after the rule was written; kStranger was never a member.
  auto details = ComputeSchemaStatus(
      rule, Association(RuleType::kAggregation, std::vector<std::string>{kPartner, kStranger}),
      Context());
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kResultReceiversNotAllowed});
  EXPECT_EQ(details[0].reasons[0].message,
            "None of the allowed result receivers (222222222222, 999999999999) is currently a "
            "collaboration member with the CAN_RECEIVE_RESULTS ability");
  // One receiver that still can is enough.
  EXPECT_TRUE(ComputeSchemaStatus(
                  rule,
                  Association(RuleType::kAggregation, std::vector<std::string>{kPartner, kOwner}),
                  Context())[0]
                  .ready());
}

TEST(SchemaStatusTest, RequiredAdditionalAnalysesBlockDirectResults) {
  TableRule rule = List(AdditionalAnalyses::kRequired);
  auto details = ComputeSchemaStatus(rule,
                                     Association(RuleType::kList, std::vector<std::string>{kOwner},
                                                 std::vector<std::string>{kModelArn}),
                                     Context());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].analysis_type, AnalysisType::kDirectAnalysis);
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kResultReceiversNotAllowed});
  EXPECT_EQ(details[0].reasons[0].message,
            "The configured table's analysis rule requires additional analysis of query output "
            "(additionalAnalyses is REQUIRED), so results cannot go directly to result receivers");
  EXPECT_EQ(details[1].analysis_type, AnalysisType::kAdditionalAnalysis);
  EXPECT_TRUE(details[1].ready());
}

TEST(SchemaStatusTest, AnalysisTemplatesNotConfigured) {
  CustomRule custom;
  custom.additional_analyses = AdditionalAnalyses::kAllowed;
  auto details =
      ComputeSchemaStatus(TableRule(custom),
                          Association(RuleType::kCustom, std::vector<std::string>{kOwner},
                                      std::vector<std::string>{kModelArn}),
                          Context());
  ASSERT_EQ(details.size(), 2u);
  for (const SchemaStatusDetail& detail : details) {
    ASSERT_EQ(Codes(detail), std::vector<Code>{Code::kAnalysisTemplatesNotConfigured});
    EXPECT_EQ(detail.reasons[0].message,
              "The custom analysis rule allows no analysis templates and no ANY_QUERY or ANY_JOB "
              "wildcard, so no analysis can run on the table");
  }
}

TEST(SchemaStatusTest, AnalysisProvidersNotConfigured) {
  auto details =
      ComputeSchemaStatus(TableRule(QueryProviderRule({kStranger})), std::nullopt, Context());
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kAnalysisProvidersNotConfigured});
  EXPECT_EQ(details[0].reasons[0].message,
            "The custom analysis rule allows ANY_QUERY, but none of its analysis providers "
            "(999999999999) is a member of this collaboration");

  details = ComputeSchemaStatus(TableRule(QueryProviderRule({})), std::nullopt, Context());
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kAnalysisProvidersNotConfigured});
  EXPECT_EQ(details[0].reasons[0].message,
            "The custom analysis rule allows ANY_QUERY but names no analysis providers");

  EXPECT_TRUE(ComputeSchemaStatus(TableRule(QueryProviderRule({kStranger, kPartner})), std::nullopt,
                                  Context())[0]
                  .ready());
}

TEST(SchemaStatusTest, DifferentialPrivacyNeedsPrivacyBudgetTemplate) {
  CustomRule custom = QueryProviderRule({kPartner});
  custom.differential_privacy_column = "user_id";
  SchemaContext context = Context();
  auto details = ComputeSchemaStatus(TableRule(custom), std::nullopt, context);
  json expected = json::parse(R"([{"status": "NOT_READY", "analysisRuleType": "CUSTOM",
      "analysisType": "DIRECT_ANALYSIS", "configurations": ["DIFFERENTIAL_PRIVACY"],
      "reasons": [{"code": "DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED",
                   "message": "Differential privacy is turned on for column 'user_id', but the collaboration has no differential privacy privacy budget template"}]}])");
  EXPECT_EQ(SchemaStatusDetailsToJson(details), expected);

  context.has_differential_privacy_budget_template = true;
  details = ComputeSchemaStatus(TableRule(custom), std::nullopt, context);
  expected = json::parse(R"([{"status": "READY", "reasons": [], "analysisRuleType": "CUSTOM",
      "analysisType": "DIRECT_ANALYSIS", "configurations": ["DIFFERENTIAL_PRIVACY"]}])");
  EXPECT_EQ(SchemaStatusDetailsToJson(details), expected);
}

TEST(SchemaStatusTest, AdditionalAnalysisNeedsCollaborationRule) {
  auto details =
      ComputeSchemaStatus(TableRule(List(AdditionalAnalyses::kAllowed)), std::nullopt, Context());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_TRUE(details[0].ready());
  ASSERT_EQ(Codes(details[1]), std::vector<Code>{Code::kCollaborationAnalysisRuleNotConfigured});
  EXPECT_EQ(details[1].reasons[0].message,
            "The configured table's analysis rule allows additional analyses (additionalAnalyses "
            "is ALLOWED), but the configured table association has no collaboration analysis rule "
            "that names the allowed additional analyses");
}

TEST(SchemaStatusTest, AdditionalAnalysesNotConfigured) {
  TableRule rule = List(AdditionalAnalyses::kAllowed);
  auto details = ComputeSchemaStatus(
      rule, Association(RuleType::kList, std::vector<std::string>{kOwner}), Context());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_TRUE(details[0].ready());
  ASSERT_EQ(Codes(details[1]), std::vector<Code>{Code::kAdditionalAnalysesNotConfigured});
  EXPECT_EQ(details[1].reasons[0].message,
            "The collaboration analysis rule lists no allowed additional analyses");

  details = ComputeSchemaStatus(rule,
                                Association(RuleType::kList, std::vector<std::string>{kOwner},
                                            std::vector<std::string>{kModelArn}),
                                Context());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_TRUE(details[0].ready());
  EXPECT_TRUE(details[1].ready());
}

TEST(SchemaStatusTest, AdditionalAnalysesNotAllowedByTableRule) {
  for (auto setting :
       {std::optional<AdditionalAnalyses>(), std::optional(AdditionalAnalyses::kNotAllowed)}) {
    auto details =
        ComputeSchemaStatus(TableRule(List(setting)),
                            Association(RuleType::kList, std::vector<std::string>{kOwner},
                                        std::vector<std::string>{kModelArn}),
                            Context());
    ASSERT_EQ(details.size(), 2u);
    EXPECT_TRUE(details[0].ready());
    ASSERT_EQ(Codes(details[1]), std::vector<Code>{Code::kAdditionalAnalysesNotAllowed});
    EXPECT_EQ(
        details[1].reasons[0].message,
        std::string("The collaboration analysis rule lists allowed additional analyses, but "
                    "the configured table's analysis rule does not allow additional "
                    "analyses (") +
            (setting ? "additionalAnalyses is NOT_ALLOWED" : "additionalAnalyses is not set") +
            ")");
  }
  // Without additional analyses anywhere there is no ADDITIONAL_ANALYSIS detail at all.
  EXPECT_EQ(ComputeSchemaStatus(TableRule(List(AdditionalAnalyses::kNotAllowed)),
                                Association(RuleType::kList, std::vector<std::string>{kOwner},
                                            std::vector<std::string>{}),
                                Context())
                .size(),
            1u);
}

TEST(SchemaStatusTest, AnalysisRuleTypesNotCompatible) {
  TableRule rule = testing::SeedAggregationRule();
  auto details = ComputeSchemaStatus(
      rule,
      Association(RuleType::kList, std::vector<std::string>{}, std::vector<std::string>{kModelArn}),
      ContextWherePartnerReceives());
  ASSERT_EQ(details.size(), 1u);
  ASSERT_EQ(Codes(details[0]), std::vector<Code>{Code::kAnalysisRuleTypesNotCompatible});
  EXPECT_EQ(details[0].reasons[0].message,
            "The collaboration analysis rule is a LIST rule, but the configured table's analysis "
            "rule is AGGREGATION");
}

TEST(SchemaStatusTest, ListsReasonsInDocumentedOrder) {
  CustomRule custom = QueryProviderRule({kStranger});
  custom.differential_privacy_column = "user_id";
  custom.additional_analyses = AdditionalAnalyses::kAllowed;
  auto details =
      ComputeSchemaStatus(TableRule(custom), std::nullopt, ContextWherePartnerReceives());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(Codes(details[0]), (std::vector<Code>{Code::kAnalysisProvidersNotConfigured,
                                                  Code::kDifferentialPrivacyPolicyNotConfigured,
                                                  Code::kCollaborationAnalysisRuleNotConfigured}));
  EXPECT_EQ(Codes(details[1]), (std::vector<Code>{Code::kAnalysisProvidersNotConfigured,
                                                  Code::kDifferentialPrivacyPolicyNotConfigured,
                                                  Code::kCollaborationAnalysisRuleNotConfigured}));
  EXPECT_TRUE(details[1].differential_privacy);
  EXPECT_TRUE(details[0].HasReason(Code::kDifferentialPrivacyPolicyNotConfigured));
  EXPECT_FALSE(details[0].HasReason(Code::kAnalysisRuleMissing));
}

}  // namespace
}  // namespace cleanroom::rules
