#include "rules/association_rule_validation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/strings.h"
#include "rules/validation_error.h"

namespace cleanroom::rules {
namespace {

bool SeenBefore(const std::vector<std::string>& values, size_t i) {
  auto end = values.begin() + static_cast<std::ptrdiff_t>(i);
  return std::find(values.begin(), end, values[i]) != end;
}

std::string Path(RuleType type, std::string_view field) {
  return StrCat("analysisRulePolicy.v1.", RulePolicyKey(type), ".", field);
}

}  // namespace

absl::Status ValidateAssociationRule(const AssociationRule& rule,
                                     const CollaborationContext& collaboration) {
  const std::vector<std::string>& receivers = rule.ResultReceivers();
  std::string receivers_path = Path(rule.type, "allowedResultReceivers");
  for (size_t i = 0; i < receivers.size(); ++i) {
    const std::string& account = receivers[i];
    if (SeenBefore(receivers, i)) {
      return FieldValidationError(receivers_path,
                                  StrCat("Account '", account, "' is listed more than once"));
    }
    const CollaborationMember* member = collaboration.FindMember(account);
    if (member == nullptr) {
      return FieldValidationError(
          receivers_path, StrCat("Account '", account, "' is not a member of this collaboration"));
    }
    if (!member->IsCurrent()) {
      return FieldValidationError(receivers_path,
                                  StrCat("Account '", account,
                                         "' is no longer a member of this collaboration (member "
                                         "status ",
                                         member->status, ")"));
    }
    if (!member->HasAbility(kCanReceiveResults)) {
      return FieldValidationError(
          receivers_path, StrCat("Account '", account,
                                 "' is a member of this collaboration but does not have the "
                                 "CAN_RECEIVE_RESULTS ability"));
    }
  }

  const std::vector<std::string>& analyses = rule.AdditionalAnalysesResources();
  std::string analyses_path = Path(rule.type, "allowedAdditionalAnalyses");
  if (rule.type == RuleType::kAggregation && !analyses.empty()) {
    return FieldValidationError(analyses_path,
                                "allowedAdditionalAnalyses is supported only for LIST and CUSTOM "
                                "analysis rules; an AGGREGATION rule must leave it empty");
  }
  for (size_t i = 0; i < analyses.size(); ++i) {
    if (SeenBefore(analyses, i)) {
      return FieldValidationError(analyses_path,
                                  StrCat("'", analyses[i], "' is listed more than once"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAssociationRuleForTableRule(const AssociationRule& rule,
                                                 const TableRule& table_rule) {
  RuleType table_type = GetRuleType(table_rule);
  if (rule.type != table_type) {
    return FieldValidationError(
        "analysisRuleType", StrCat("The collaboration analysis rule type ", RuleTypeName(rule.type),
                                   " does not match the configured table's analysis rule type ",
                                   RuleTypeName(table_type)));
  }
  std::optional<AdditionalAnalyses> additional = GetAdditionalAnalyses(table_rule);
  bool table_allows = additional && (*additional == AdditionalAnalyses::kAllowed ||
                                     *additional == AdditionalAnalyses::kRequired);
  if (!rule.AdditionalAnalysesResources().empty() && !table_allows) {
    return FieldValidationError(
        Path(rule.type, "allowedAdditionalAnalyses"),
        StrCat("The configured table's analysis rule does not allow additional analyses ",
               "(additionalAnalyses is ",
               additional ? StrCat(AdditionalAnalysesName(*additional)) : std::string("not set"),
               "), so allowedAdditionalAnalyses must be empty"));
  }
  return absl::OkStatus();
}

}  // namespace cleanroom::rules
