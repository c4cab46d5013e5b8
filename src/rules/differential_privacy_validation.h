// Semantic validation of differential privacy across a collaboration: what a table's CUSTOM rule
// with differentialPrivacy must agree with once the table is associated with a collaboration.
// ValidateTableRule checks the rule against its own table; these checks need the collaboration's
// members and its other tables, so the control plane runs them when a table is associated and
// when the rule of an associated table is created or changed.
//
// ValidateDifferentialPrivacyInCollaboration, in this order:
//   1. the table's owner does not hold CAN_RECEIVE_RESULTS in the collaboration (AWS: the member
//      who can receive results cannot use differential privacy on its own tables; it configures a
//      CUSTOM rule with differential privacy off);
//   2. every other table of the collaboration with differential privacy names the same user
//      identifier column (AWS: "If you want to turn on differential privacy for two or more tables
//      in a collaboration, you must configure the same column as the user identifier column in
//      both analysis rules"). Other tables are examined in the order given.
#ifndef CLEANROOM_RULES_DIFFERENTIAL_PRIVACY_VALIDATION_H_
#define CLEANROOM_RULES_DIFFERENTIAL_PRIVACY_VALIDATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "rules/analysis_rule.h"
#include "rules/context.h"

namespace cleanroom::rules {

// One table of a collaboration with differential privacy turned on.
struct DifferentialPrivacyTable {
  std::string name;              // its configured table association name
  std::string owner_account_id;  // the member that associated it
  std::string user_id_column;    // differentialPrivacy.columns[0].name
};

// The user identifier column of `rule` if it is a CUSTOM rule with differential privacy.
std::optional<std::string> DifferentialPrivacyColumn(const TableRule& rule);

// Returns OK if `table` may have differential privacy in `collaboration` (whose id,
// `collaboration_id`, the messages name), next to the collaboration's `other_tables` with
// differential privacy; otherwise the first failing check above as a ValidationException
// (FIELD_VALIDATION_FAILED) on `path`.
absl::Status ValidateDifferentialPrivacyInCollaboration(
    std::string_view path, std::string_view collaboration_id, const DifferentialPrivacyTable& table,
    const CollaborationContext& collaboration,
    const std::vector<DifferentialPrivacyTable>& other_tables);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_DIFFERENTIAL_PRIVACY_VALIDATION_H_
