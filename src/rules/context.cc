#include "rules/context.h"

#include <algorithm>

#include "rules/rule_types.h"

namespace cleanroom::rules {
namespace {

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Whether the table's method enables `method` (DIRECT_QUERY or DIRECT_JOB).
bool Allows(const TableContext& table, std::string_view method) {
  std::string_view declared =
      table.analysis_method.empty() ? kDirectQuery : std::string_view(table.analysis_method);
  if (declared == kMultiple) {
    return table.selected_analysis_methods.empty() ||
           Contains(table.selected_analysis_methods, method);
  }
  return declared == method;
}

}  // namespace

bool TableContext::AllowsQueries() const { return Allows(*this, kDirectQuery); }
bool TableContext::AllowsJobs() const { return Allows(*this, kDirectJob); }

bool TableContext::IsAllowedColumn(std::string_view column) const {
  return Contains(allowed_columns, column);
}

bool TableContext::IsS3Backed() const {
  return table_reference_type.empty() || table_reference_type == "glue";
}

bool CollaborationMember::HasAbility(std::string_view ability) const {
  return Contains(abilities, ability);
}

bool CollaborationMember::IsCurrent() const {
  return status == kMemberActive || status == kMemberInvited;
}

const CollaborationMember* CollaborationContext::FindMember(std::string_view account_id) const {
  for (const CollaborationMember& member : members) {
    if (member.account_id == account_id) return &member;
  }
  return nullptr;
}

bool CollaborationContext::CurrentMemberHas(std::string_view account_id,
                                            std::string_view ability) const {
  const CollaborationMember* member = FindMember(account_id);
  return member != nullptr && member->IsCurrent() && member->HasAbility(ability);
}

}  // namespace cleanroom::rules
