// What the rules module needs to know about the world around a rule: the configured table a rule
// is attached to, and the collaboration a configured table association lives in. The control
// plane fills these from its stores; values use the API's wire spellings.
//
// Plain values; the member functions are pure and thread-safe.
#ifndef CLEANROOM_RULES_CONTEXT_H_
#define CLEANROOM_RULES_CONTEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace cleanroom::rules {

// The configured table an analysis rule belongs to.
struct TableContext {
  // allowedColumns of the configured table, in their configured order.
  std::vector<std::string> allowed_columns;
  // analysisMethod: DIRECT_QUERY (SQL), DIRECT_JOB (PySpark) or MULTIPLE (both). Empty is read as
  // DIRECT_QUERY, the method of tables created before the field existed.
  std::string analysis_method;
  // selectedAnalysisMethods (DIRECT_QUERY, DIRECT_JOB). When non-empty with MULTIPLE, only the
  // listed methods are enabled.
  std::vector<std::string> selected_analysis_methods;
  // The member set in the table's tableReference union: "glue", "athena" or "snowflake". Empty
  // means unknown, and the data-source checks are skipped.
  std::string table_reference_type;

  bool AllowsQueries() const;  // SQL protected queries may read the table
  bool AllowsJobs() const;     // PySpark protected jobs may read the table
  bool IsAllowedColumn(std::string_view column) const;
  // True for AWS Glue tables, whose data lives in Amazon S3; false for Athena and Snowflake
  // tables. Unknown (empty) counts as S3.
  bool IsS3Backed() const;
};

// One member of a collaboration, the creator included.
struct CollaborationMember {
  std::string account_id;
  // memberAbilities: CAN_QUERY, CAN_RECEIVE_RESULTS, CAN_RUN_JOB.
  std::vector<std::string> abilities;
  // MemberStatus: INVITED, ACTIVE, LEFT or REMOVED.
  std::string status = "ACTIVE";

  bool HasAbility(std::string_view ability) const;
  // INVITED or ACTIVE: still part of the collaboration.
  bool IsCurrent() const;
};

// The collaboration a configured table is associated with.
struct CollaborationContext {
  std::vector<CollaborationMember> members;

  // The member with `account_id`, or nullptr.
  const CollaborationMember* FindMember(std::string_view account_id) const;
  // True if `account_id` is a current (INVITED or ACTIVE) member with `ability`.
  bool CurrentMemberHas(std::string_view account_id, std::string_view ability) const;
};

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_CONTEXT_H_
