#include "rules/association_rule_validation.h"

#include "gtest/gtest.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using testing::IsFieldError;
using testing::kModelArn;
using testing::kOwner;
using testing::kPartner;
using testing::kStranger;
using testing::kThird;
using testing::Member;

constexpr char kWildcardModels[] =
    "arn:aws:cleanrooms-ml:us-east-1:*:membership/*/configured-model-algorithm-association/*";

CollaborationContext Collaboration() {
  CollaborationContext collaboration;
  collaboration.members = {
      Member(kOwner, {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}),
      Member(kPartner, {"CAN_RECEIVE_RESULTS"}, "INVITED"),
      Member(kThird, {"CAN_QUERY", "CAN_RUN_JOB"}),
      Member("444444444444", {"CAN_RECEIVE_RESULTS"}, "LEFT"),
  };
  return collaboration;
}

AssociationRule Rule(RuleType type, std::vector<std::string> receivers,
                     std::optional<std::vector<std::string>> additional = std::nullopt) {
  AssociationRule rule;
  rule.type = type;
  rule.allowed_result_receivers = std::move(receivers);
  rule.allowed_additional_analyses = std::move(additional);
  return rule;
}

TEST(AssociationRuleValidationTest, AcceptsCurrentMembersThatCanReceiveResults) {
  // kPartner is only INVITED, which still counts as a member.
  EXPECT_TRUE(
      ValidateAssociationRule(Rule(RuleType::kAggregation, {kOwner, kPartner}), Collaboration())
          .ok());
  EXPECT_TRUE(ValidateAssociationRule(
                  Rule(RuleType::kList, {}, std::vector<std::string>{kModelArn, kWildcardModels}),
                  Collaboration())
                  .ok());
  AssociationRule empty;
  empty.type = RuleType::kCustom;
  EXPECT_TRUE(ValidateAssociationRule(empty, Collaboration()).ok());
}

TEST(AssociationRuleValidationTest, RejectsReceiverListedTwice) {
  EXPECT_TRUE(IsFieldError(
      ValidateAssociationRule(Rule(RuleType::kList, {kOwner, kPartner, kOwner}), Collaboration()),
      "analysisRulePolicy.v1.list.allowedResultReceivers",
      "Account '111111111111' is listed more than once"));
}

TEST(AssociationRuleValidationTest, RejectsReceiverOutsideCollaboration) {
  EXPECT_TRUE(IsFieldError(
      ValidateAssociationRule(Rule(RuleType::kAggregation, {kOwner, kStranger}), Collaboration()),
      "analysisRulePolicy.v1.aggregation.allowedResultReceivers",
      "Account '999999999999' is not a member of this collaboration"));
}

TEST(AssociationRuleValidationTest, RejectsReceiverThatLeft) {
  EXPECT_TRUE(IsFieldError(
      ValidateAssociationRule(Rule(RuleType::kCustom, {"444444444444"}), Collaboration()),
      "analysisRulePolicy.v1.custom.allowedResultReceivers",
      "Account '444444444444' is no longer a member of this collaboration (member status LEFT)"));
}

TEST(AssociationRuleValidationTest, RejectsReceiverWithoutReceiveAbility) {
  EXPECT_TRUE(
      IsFieldError(ValidateAssociationRule(Rule(RuleType::kCustom, {kThird}), Collaboration()),
                   "analysisRulePolicy.v1.custom.allowedResultReceivers",
                   "Account '333333333333' is a member of this collaboration but does not have the "
                   "CAN_RECEIVE_RESULTS ability"));
}

TEST(AssociationRuleValidationTest, RejectsAdditionalAnalysesOnAggregationRule) {
  EXPECT_TRUE(IsFieldError(
      ValidateAssociationRule(
          Rule(RuleType::kAggregation, {kOwner}, std::vector<std::string>{kModelArn}),
          Collaboration()),
      "analysisRulePolicy.v1.aggregation.allowedAdditionalAnalyses",
      "allowedAdditionalAnalyses is supported only for LIST and CUSTOM analysis rules; an "
      "AGGREGATION rule must leave it empty"));
  EXPECT_TRUE(
      ValidateAssociationRule(Rule(RuleType::kAggregation, {kOwner}, std::vector<std::string>{}),
                              Collaboration())
          .ok());
}

TEST(AssociationRuleValidationTest, RejectsAdditionalAnalysisListedTwice) {
  EXPECT_TRUE(
      IsFieldError(ValidateAssociationRule(
                       Rule(RuleType::kList, {}, std::vector<std::string>{kModelArn, kModelArn}),
                       Collaboration()),
                   "analysisRulePolicy.v1.list.allowedAdditionalAnalyses",
                   std::string("'") + kModelArn + "' is listed more than once"));
}

TEST(AssociationRuleValidationTest, ChecksReceiversBeforeAdditionalAnalyses) {
  EXPECT_TRUE(IsFieldError(ValidateAssociationRule(Rule(RuleType::kAggregation, {kStranger},
                                                        std::vector<std::string>{kModelArn}),
                                                   Collaboration()),
                           "analysisRulePolicy.v1.aggregation.allowedResultReceivers",
                           "Account '999999999999' is not a member of this collaboration"));
}

TEST(AssociationRuleForTableRuleTest, RequiresSameTypeAsTableRule) {
  TableRule table_rule = testing::SeedAggregationRule();
  EXPECT_TRUE(
      ValidateAssociationRuleForTableRule(Rule(RuleType::kAggregation, {kOwner}), table_rule).ok());
  EXPECT_TRUE(IsFieldError(
      ValidateAssociationRuleForTableRule(Rule(RuleType::kList, {kOwner}), table_rule),
      "analysisRuleType",
      "The collaboration analysis rule type LIST does not match the configured table's analysis "
      "rule type AGGREGATION"));
}

TEST(AssociationRuleForTableRuleTest, AdditionalAnalysesNeedTableRuleThatAllowsThem) {
  ListRule list;
  list.join_columns = {"customer_id"};
  AssociationRule rule = Rule(RuleType::kList, {kOwner}, std::vector<std::string>{kModelArn});
  EXPECT_TRUE(IsFieldError(ValidateAssociationRuleForTableRule(rule, list),
                           "analysisRulePolicy.v1.list.allowedAdditionalAnalyses",
                           "The configured table's analysis rule does not allow additional "
                           "analyses (additionalAnalyses is not set), so allowedAdditionalAnalyses "
                           "must be empty"));
  list.additional_analyses = AdditionalAnalyses::kNotAllowed;
  EXPECT_TRUE(IsFieldError(ValidateAssociationRuleForTableRule(rule, list),
                           "analysisRulePolicy.v1.list.allowedAdditionalAnalyses",
                           "The configured table's analysis rule does not allow additional "
                           "analyses (additionalAnalyses is NOT_ALLOWED), so "
                           "allowedAdditionalAnalyses must be empty"));
  list.additional_analyses = AdditionalAnalyses::kAllowed;
  EXPECT_TRUE(ValidateAssociationRuleForTableRule(rule, list).ok());
  list.additional_analyses = AdditionalAnalyses::kRequired;
  EXPECT_TRUE(ValidateAssociationRuleForTableRule(rule, list).ok());
}

}  // namespace
}  // namespace cleanroom::rules
