// Semantic validation of a configured table association's analysis rule (the "collaboration
// analysis rule"): against the collaboration, and against the configured table's own rule.
//
// Paths are relative to "analysisRulePolicy.v1.<key>" unless they start with "analysisRuleType".
//
// ValidateAssociationRule, in this order:
//   1. allowedResultReceivers: for each account in list order: not listed earlier ("Account 'a'
//      is listed more than once"); a member of the collaboration ("Account 'a' is not a member of
//      this collaboration"); still a member, i.e. INVITED or ACTIVE ("Account 'a' is no longer a
//      member of this collaboration (member status LEFT)"); holds CAN_RECEIVE_RESULTS ("Account
//      'a' is a member of this collaboration but does not have the CAN_RECEIVE_RESULTS ability").
//   2. allowedAdditionalAnalyses: empty or absent for AGGREGATION [stricter: the model documents
//      the member as supported for LIST and CUSTOM rules only]; then no entry twice. The ARN
//      patterns were checked by the model.
//
// ValidateAssociationRuleForTableRule, in this order:
//   1. analysisRuleType: the collaboration rule's type equals the configured table rule's type
//      [stricter: AWS does not say what happens otherwise; a mismatched rule could never apply].
//   2. allowedAdditionalAnalyses: empty or absent unless the table rule's additionalAnalyses is
//      ALLOWED or REQUIRED [stricter].
#ifndef CLEANROOM_RULES_ASSOCIATION_RULE_VALIDATION_H_
#define CLEANROOM_RULES_ASSOCIATION_RULE_VALIDATION_H_

#include "absl/status/status.h"
#include "rules/analysis_rule.h"
#include "rules/context.h"

namespace cleanroom::rules {

// Returns OK if `rule` fits `collaboration`, else the first failing check above as a
// ValidationException (FIELD_VALIDATION_FAILED with one fieldList entry).
absl::Status ValidateAssociationRule(const AssociationRule& rule,
                                     const CollaborationContext& collaboration);

// Returns OK if `rule` may be attached to an association of a configured table whose analysis rule
// is `table_rule`, else the first failing check above as a ValidationException.
absl::Status ValidateAssociationRuleForTableRule(const AssociationRule& rule,
                                                 const TableRule& table_rule);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_ASSOCIATION_RULE_VALIDATION_H_
