#include "rules/consolidated_policy.h"

#include <string>

namespace cleanroom::rules {

nlohmann::json ConsolidatedPolicy(const TableRule& table_rule,
                                  const std::optional<AssociationRule>& association_rule) {
  nlohmann::json policy = ToJson(table_rule);
  RuleType type = GetRuleType(table_rule);
  if (!association_rule || association_rule->type != type) return policy;
  nlohmann::json& inner = policy["v1"][std::string(RulePolicyKey(type))];
  if (association_rule->allowed_result_receivers) {
    inner["allowedResultReceivers"] = *association_rule->allowed_result_receivers;
  }
  if (association_rule->allowed_additional_analyses) {
    inner["allowedAdditionalAnalyses"] = *association_rule->allowed_additional_analyses;
  }
  return policy;
}

}  // namespace cleanroom::rules
