// Schema status: whether a configured table associated with a collaboration can be analysed
// there, as the Schema shape reports it in `schemaStatusDetails`, and the schema's
// `analysisRuleTypes`.
//
// One SchemaStatusDetail is computed per analysis type:
//   - DIRECT_ANALYSIS, always: queries whose results go to result receivers.
//   - ADDITIONAL_ANALYSIS, when the table rule's additionalAnalyses is ALLOWED or REQUIRED, or
//     when a collaboration analysis rule of the table's type lists allowedAdditionalAnalyses:
//     queries whose output feeds additional analyses (for example Clean Rooms ML).
// A detail is READY when it has no reasons. Reasons are listed in this order, each at most once:
//
//   Without a table rule only DIRECT_ANALYSIS is reported, NOT_READY with ANALYSIS_RULE_MISSING
//   and no analysisRuleType.
//
//   Both details, in order:
//     ANALYSIS_RULE_TYPES_NOT_COMPATIBLE  the collaboration analysis rule has another type than
//                                         the table rule (it then counts for nothing below).
//     ANALYSIS_TEMPLATES_NOT_CONFIGURED   CUSTOM rule with an empty allowedAnalyses (AWS: nobody
//                                         can query the table then).
//     ANALYSIS_PROVIDERS_NOT_CONFIGURED   CUSTOM rule allowing ANY_QUERY or ANY_JOB while none of
//                                         its allowedAnalysisProviders is a current (INVITED or
//                                         ACTIVE) member of this collaboration.
//     DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED  CUSTOM rule with differential privacy while the
//                                         collaboration has no differential-privacy privacy
//                                         budget template.
//   DIRECT_ANALYSIS, then:
//     RESULT_RECEIVERS_NOT_ALLOWED        the table rule's additionalAnalyses is REQUIRED (output
//                                         may only feed additional analyses); or
//     COLLABORATION_ANALYSIS_RULE_NOT_CONFIGURED  no collaboration analysis rule while some
//                                         current member other than the table owner holds
//                                         CAN_RECEIVE_RESULTS (without a rule only the owner may
//                                         receive results); or
//     RESULT_RECEIVERS_NOT_CONFIGURED     a rule whose allowedResultReceivers is empty or absent;
//                                         or
//     RESULT_RECEIVERS_NOT_ALLOWED        a rule none of whose allowedResultReceivers is still a
//                                         current member with CAN_RECEIVE_RESULTS.
//   ADDITIONAL_ANALYSIS, then:
//     ADDITIONAL_ANALYSES_NOT_ALLOWED     the table rule's additionalAnalyses is absent or
//                                         NOT_ALLOWED (the detail exists only because the
//                                         collaboration rule lists additional analyses); or
//     COLLABORATION_ANALYSIS_RULE_NOT_CONFIGURED  no collaboration analysis rule; or
//     ADDITIONAL_ANALYSES_NOT_CONFIGURED  a rule whose allowedAdditionalAnalyses is empty or
//                                         absent.
//
// `configurations` is ["DIFFERENTIAL_PRIVACY"] when the table rule is CUSTOM with differential
// privacy. ID_MAPPING_TABLE_NOT_POPULATED concerns ID mapping tables and is never reported here.
//
// Pure and thread-safe.
#ifndef CLEANROOM_RULES_SCHEMA_STATUS_H_
#define CLEANROOM_RULES_SCHEMA_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "rules/analysis_rule.h"
#include "rules/context.h"

namespace cleanroom::rules {

enum class SchemaStatusReasonCode {
  kAnalysisRuleMissing,
  kAnalysisTemplatesNotConfigured,
  kAnalysisProvidersNotConfigured,
  kDifferentialPrivacyPolicyNotConfigured,
  kCollaborationAnalysisRuleNotConfigured,
  kAdditionalAnalysesNotConfigured,
  kResultReceiversNotConfigured,
  kAdditionalAnalysesNotAllowed,
  kResultReceiversNotAllowed,
  kAnalysisRuleTypesNotCompatible,
};

// The wire name, e.g. "ANALYSIS_RULE_MISSING".
std::string_view SchemaStatusReasonCodeName(SchemaStatusReasonCode code);

enum class AnalysisType { kDirectAnalysis, kAdditionalAnalysis };

std::string_view AnalysisTypeName(AnalysisType type);  // "DIRECT_ANALYSIS", ...

struct SchemaStatusReason {
  SchemaStatusReasonCode code;
  std::string message;
};

struct SchemaStatusDetail {
  AnalysisType analysis_type = AnalysisType::kDirectAnalysis;
  std::optional<RuleType> analysis_rule_type;  // nullopt when the table has no rule
  std::vector<SchemaStatusReason> reasons;     // empty: READY
  bool differential_privacy = false;           // configurations: ["DIFFERENTIAL_PRIVACY"]

  bool ready() const { return reasons.empty(); }
  // True if some reason has `code`.
  bool HasReason(SchemaStatusReasonCode code) const;
};

// The collaboration-side facts schema status depends on.
struct SchemaContext {
  // The account that owns the configured table (and created the association).
  std::string owner_account_id;
  CollaborationContext collaboration;
  // True if the collaboration has a privacy budget template of type DIFFERENTIAL_PRIVACY.
  bool has_differential_privacy_budget_template = false;
};

// The status details of the schema of a configured table association, in the order
// DIRECT_ANALYSIS, ADDITIONAL_ANALYSIS. `table_rule` is the configured table's rule (nullopt if
// it has none), `association_rule` the association's collaboration analysis rule (nullopt if
// none).
std::vector<SchemaStatusDetail> ComputeSchemaStatus(
    const std::optional<TableRule>& table_rule,
    const std::optional<AssociationRule>& association_rule, const SchemaContext& context);

// The `schemaStatusDetails` JSON array: [{"status", "reasons": [{"code", "message"}],
// "analysisRuleType"?, "configurations"?, "analysisType"}]. "reasons" is always present (empty
// when READY).
nlohmann::json SchemaStatusDetailsToJson(const std::vector<SchemaStatusDetail>& details);

// The schema's `analysisRuleTypes`: the table rule's type, or empty when it has no rule.
std::vector<RuleType> SchemaAnalysisRuleTypes(const std::optional<TableRule>& table_rule);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_SCHEMA_STATUS_H_
