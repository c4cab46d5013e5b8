#include "rules/differential_privacy_validation.h"

#include <variant>

#include "common/strings.h"
#include "rules/rule_types.h"
#include "rules/validation_error.h"

namespace cleanroom::rules {

std::optional<std::string> DifferentialPrivacyColumn(const TableRule& rule) {
  const auto* custom = std::get_if<CustomRule>(&rule);
  if (custom == nullptr) return std::nullopt;
  return custom->differential_privacy_column;
}

absl::Status ValidateDifferentialPrivacyInCollaboration(
    std::string_view path, std::string_view collaboration_id, const DifferentialPrivacyTable& table,
    const CollaborationContext& collaboration,
    const std::vector<DifferentialPrivacyTable>& other_tables) {
  if (collaboration.CurrentMemberHas(table.owner_account_id, kCanReceiveResults)) {
    return FieldValidationError(
        path, StrCat("Account ", table.owner_account_id, " can receive results in collaboration ",
                     collaboration_id,
                     ", and the member who can receive results cannot turn on differential "
                     "privacy for its own tables; its CUSTOM analysis rule must leave "
                     "differentialPrivacy out"));
  }
  for (const DifferentialPrivacyTable& other : other_tables) {
    if (other.user_id_column == table.user_id_column) continue;
    return FieldValidationError(
        path,
        StrCat("Table '", other.name, "' of collaboration ", collaboration_id,
               " already turns on differential privacy with user identifier column '",
               other.user_id_column, "', but this table's analysis rule names '",
               table.user_id_column,
               "'; every table with differential privacy in a collaboration must use the same "
               "user identifier column"));
  }
  return absl::OkStatus();
}

}  // namespace cleanroom::rules
