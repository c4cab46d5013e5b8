#include "rules/schema_status.h"

#include <algorithm>

#include "common/strings.h"

namespace cleanroom::rules {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool AllowsAdditionalAnalyses(const std::optional<AdditionalAnalyses>& value) {
  return value &&
         (*value == AdditionalAnalyses::kAllowed || *value == AdditionalAnalyses::kRequired);
}

std::string AdditionalAnalysesSetting(const std::optional<AdditionalAnalyses>& value) {
  return value ? StrCat("additionalAnalyses is ", AdditionalAnalysesName(*value))
               : std::string("additionalAnalyses is not set");
}

// The reasons that apply to every analysis type.
std::vector<SchemaStatusReason> CommonReasons(const TableRule& table_rule,
                                              const std::optional<AssociationRule>& association,
                                              const SchemaContext& context) {
  std::vector<SchemaStatusReason> reasons;
  RuleType type = GetRuleType(table_rule);
  if (association && association->type != type) {
    reasons.push_back(
        {SchemaStatusReasonCode::kAnalysisRuleTypesNotCompatible,
         StrCat("The collaboration analysis rule is a ", RuleTypeName(association->type),
                " rule, but the configured table's analysis rule is ", RuleTypeName(type))});
  }
  const auto* custom = std::get_if<CustomRule>(&table_rule);
  if (custom == nullptr) return reasons;
  if (custom->allowed_analyses.empty()) {
    reasons.push_back({SchemaStatusReasonCode::kAnalysisTemplatesNotConfigured,
                       "The custom analysis rule allows no analysis templates and no "
                       "ANY_QUERY or ANY_JOB wildcard, so no analysis can run on the table"});
  }
  std::string wildcard = custom->AllowsAnyQuery() ? std::string(kAnyQuery)
                         : custom->AllowsAnyJob() ? std::string(kAnyJob)
                                                  : std::string();
  if (!wildcard.empty()) {
    const std::vector<std::string> none;
    const std::vector<std::string>& providers =
        custom->allowed_analysis_providers ? *custom->allowed_analysis_providers : none;
    bool any_member = std::any_of(providers.begin(), providers.end(), [&](const std::string& p) {
      const CollaborationMember* member = context.collaboration.FindMember(p);
      return member != nullptr && member->IsCurrent();
    });
    if (providers.empty()) {
      reasons.push_back({SchemaStatusReasonCode::kAnalysisProvidersNotConfigured,
                         StrCat("The custom analysis rule allows ", wildcard,
                                " but names no analysis providers")});
    } else if (!any_member) {
      reasons.push_back({SchemaStatusReasonCode::kAnalysisProvidersNotConfigured,
                         StrCat("The custom analysis rule allows ", wildcard,
                                ", but none of its analysis providers (", JoinNames(providers),
                                ") is a member of this collaboration")});
    }
  }
  if (custom->differential_privacy_column && !context.has_differential_privacy_budget_template) {
    reasons.push_back({SchemaStatusReasonCode::kDifferentialPrivacyPolicyNotConfigured,
                       StrCat("Differential privacy is turned on for column '",
                              *custom->differential_privacy_column,
                              "', but the collaboration has no differential privacy privacy "
                              "budget template")});
  }
  return reasons;
}

void AddDirectReasons(const TableRule& table_rule,
                      const std::optional<AssociationRule>& association, bool association_applies,
                      const SchemaContext& context, std::vector<SchemaStatusReason>& reasons) {
  std::optional<AdditionalAnalyses> additional = GetAdditionalAnalyses(table_rule);
  if (additional == AdditionalAnalyses::kRequired) {
    reasons.push_back({SchemaStatusReasonCode::kResultReceiversNotAllowed,
                       "The configured table's analysis rule requires additional analysis of "
                       "query output (additionalAnalyses is REQUIRED), so results cannot go "
                       "directly to result receivers"});
    return;
  }
  if (association && !association_applies) return;  // reported as not compatible
  if (!association) {
    std::vector<std::string> others;
    for (const CollaborationMember& member : context.collaboration.members) {
      if (member.account_id != context.owner_account_id && member.IsCurrent() &&
          member.HasAbility(kCanReceiveResults)) {
        others.push_back(member.account_id);
      }
    }
    if (!others.empty()) {
      reasons.push_back(
          {SchemaStatusReasonCode::kCollaborationAnalysisRuleNotConfigured,
           StrCat("Members other than the table owner can receive results in this collaboration (",
                  JoinNames(others),
                  "), but the configured table association has no collaboration analysis rule "
                  "that names its allowed result receivers")});
    }
    return;
  }
  const std::vector<std::string>& receivers = association->ResultReceivers();
  if (receivers.empty()) {
    reasons.push_back({SchemaStatusReasonCode::kResultReceiversNotConfigured,
                       "The collaboration analysis rule lists no allowed result receivers"});
    return;
  }
  bool any_can_receive =
      std::any_of(receivers.begin(), receivers.end(), [&](const std::string& account) {
        return context.collaboration.CurrentMemberHas(account, kCanReceiveResults);
      });
  if (!any_can_receive) {
    reasons.push_back({SchemaStatusReasonCode::kResultReceiversNotAllowed,
                       StrCat("None of the allowed result receivers (", JoinNames(receivers),
                              ") is currently a collaboration member with the "
                              "CAN_RECEIVE_RESULTS ability")});
  }
}

void AddAdditionalReasons(const TableRule& table_rule,
                          const std::optional<AssociationRule>& association,
                          bool association_applies, std::vector<SchemaStatusReason>& reasons) {
  std::optional<AdditionalAnalyses> additional = GetAdditionalAnalyses(table_rule);
  if (!AllowsAdditionalAnalyses(additional)) {
    reasons.push_back({SchemaStatusReasonCode::kAdditionalAnalysesNotAllowed,
                       StrCat("The collaboration analysis rule lists allowed additional "
                              "analyses, but the configured table's analysis rule does not allow "
                              "additional analyses (",
                              AdditionalAnalysesSetting(additional), ")")});
    return;
  }
  if (association && !association_applies) return;  // reported as not compatible
  if (!association) {
    reasons.push_back({SchemaStatusReasonCode::kCollaborationAnalysisRuleNotConfigured,
                       StrCat("The configured table's analysis rule allows additional analyses (",
                              AdditionalAnalysesSetting(additional),
                              "), but the configured table association has no collaboration "
                              "analysis rule that names the allowed additional analyses")});
    return;
  }
  if (association->AdditionalAnalysesResources().empty()) {
    reasons.push_back({SchemaStatusReasonCode::kAdditionalAnalysesNotConfigured,
                       "The collaboration analysis rule lists no allowed additional analyses"});
  }
}

}  // namespace

std::string_view SchemaStatusReasonCodeName(SchemaStatusReasonCode code) {
  switch (code) {
    case SchemaStatusReasonCode::kAnalysisRuleMissing:
      return "ANALYSIS_RULE_MISSING";
    case SchemaStatusReasonCode::kAnalysisTemplatesNotConfigured:
      return "ANALYSIS_TEMPLATES_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kAnalysisProvidersNotConfigured:
      return "ANALYSIS_PROVIDERS_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kDifferentialPrivacyPolicyNotConfigured:
      return "DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kCollaborationAnalysisRuleNotConfigured:
      return "COLLABORATION_ANALYSIS_RULE_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kAdditionalAnalysesNotConfigured:
      return "ADDITIONAL_ANALYSES_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kResultReceiversNotConfigured:
      return "RESULT_RECEIVERS_NOT_CONFIGURED";
    case SchemaStatusReasonCode::kAdditionalAnalysesNotAllowed:
      return "ADDITIONAL_ANALYSES_NOT_ALLOWED";
    case SchemaStatusReasonCode::kResultReceiversNotAllowed:
      return "RESULT_RECEIVERS_NOT_ALLOWED";
    case SchemaStatusReasonCode::kAnalysisRuleTypesNotCompatible:
      return "ANALYSIS_RULE_TYPES_NOT_COMPATIBLE";
  }
  return "";
}

std::string_view AnalysisTypeName(AnalysisType type) {
  return type == AnalysisType::kDirectAnalysis ? "DIRECT_ANALYSIS" : "ADDITIONAL_ANALYSIS";
}

bool SchemaStatusDetail::HasReason(SchemaStatusReasonCode code) const {
  return std::any_of(reasons.begin(), reasons.end(),
                     [&](const SchemaStatusReason& reason) { return reason.code == code; });
}

std::vector<SchemaStatusDetail> ComputeSchemaStatus(
    const std::optional<TableRule>& table_rule,
    const std::optional<AssociationRule>& association_rule, const SchemaContext& context) {
  SchemaStatusDetail direct;
  direct.analysis_type = AnalysisType::kDirectAnalysis;
  if (!table_rule) {
    direct.reasons.push_back({SchemaStatusReasonCode::kAnalysisRuleMissing,
                              "The configured table has no analysis rule; it cannot be analysed "
                              "until its owner adds an AGGREGATION, LIST or CUSTOM analysis "
                              "rule"});
    return {direct};
  }
  RuleType type = GetRuleType(*table_rule);
  bool association_applies = association_rule && association_rule->type == type;
  const auto* custom = std::get_if<CustomRule>(&*table_rule);
  bool differential_privacy = custom != nullptr && custom->differential_privacy_column.has_value();
  std::vector<SchemaStatusReason> common = CommonReasons(*table_rule, association_rule, context);

  direct.analysis_rule_type = type;
  direct.differential_privacy = differential_privacy;
  direct.reasons = common;
  AddDirectReasons(*table_rule, association_rule, association_applies, context, direct.reasons);
  std::vector<SchemaStatusDetail> details = {direct};

  bool additional_wanted =
      AllowsAdditionalAnalyses(GetAdditionalAnalyses(*table_rule)) ||
      (association_applies && !association_rule->AdditionalAnalysesResources().empty());
  if (additional_wanted) {
    SchemaStatusDetail additional;
    additional.analysis_type = AnalysisType::kAdditionalAnalysis;
    additional.analysis_rule_type = type;
    additional.differential_privacy = differential_privacy;
    additional.reasons = common;
    AddAdditionalReasons(*table_rule, association_rule, association_applies, additional.reasons);
    details.push_back(std::move(additional));
  }
  return details;
}

nlohmann::json SchemaStatusDetailsToJson(const std::vector<SchemaStatusDetail>& details) {
  nlohmann::json out = nlohmann::json::array();
  for (const SchemaStatusDetail& detail : details) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const SchemaStatusReason& reason : detail.reasons) {
      reasons.push_back({{"code", std::string(SchemaStatusReasonCodeName(reason.code))},
                         {"message", reason.message}});
    }
    nlohmann::json item = {{"status", detail.ready() ? "READY" : "NOT_READY"},
                           {"reasons", std::move(reasons)},
                           {"analysisType", std::string(AnalysisTypeName(detail.analysis_type))}};
    if (detail.analysis_rule_type) {
      item["analysisRuleType"] = std::string(RuleTypeName(*detail.analysis_rule_type));
    }
    if (detail.differential_privacy) {
      item["configurations"] = nlohmann::json::array({"DIFFERENTIAL_PRIVACY"});
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<RuleType> SchemaAnalysisRuleTypes(const std::optional<TableRule>& table_rule) {
  if (!table_rule) return {};
  return {GetRuleType(*table_rule)};
}

}  // namespace cleanroom::rules
