// The consolidated policy of a schema: what the Schema APIs (GetSchemaAnalysisRule,
// BatchGetSchemaAnalysisRule) return as `consolidatedPolicy`, and what query enforcement reads. It
// merges the configured table's analysis rule with the association's collaboration analysis rule:
//
//   {"v1": {"<key>": {...every member of the table rule...,
//                     "allowedResultReceivers": [...], "allowedAdditionalAnalyses": [...]}}}
//
// (the model's ConsolidatedPolicy union: ConsolidatedPolicyAggregation, ConsolidatedPolicyList,
// ConsolidatedPolicyCustom).
//
// The table rule's members are copied as ToJson(TableRule) writes them (absent optionals stay
// absent; allowedJoinOperators is not defaulted). The two collaboration members are copied from
// the association rule when it has them. An association rule of a different type than the table
// rule never applies (see ValidateAssociationRuleForTableRule), so it is left out of the merge, as
// is an absent one; the result then has neither collaboration member.
//
// Pure and thread-safe.
#ifndef CLEANROOM_RULES_CONSOLIDATED_POLICY_H_
#define CLEANROOM_RULES_CONSOLIDATED_POLICY_H_

#include <optional>

#include "nlohmann/json.hpp"
#include "rules/analysis_rule.h"

namespace cleanroom::rules {

nlohmann::json ConsolidatedPolicy(const TableRule& table_rule,
                                  const std::optional<AssociationRule>& association_rule);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_CONSOLIDATED_POLICY_H_
