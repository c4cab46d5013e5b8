// Typed AWS Clean Rooms analysis rules and their JSON forms.
//
// A configured table carries one analysis rule (TableRule): AGGREGATION, LIST or CUSTOM. On the
// wire its policy is a union nested in a union, `{"v1": {"aggregation": {...}}}` (the model's
// ConfiguredTableAnalysisRulePolicy). A configured table association carries an optional
// "collaboration analysis rule" (AssociationRule) with the same nesting
// (ConfiguredTableAssociationAnalysisRulePolicy) and two members, allowedResultReceivers and
// allowedAdditionalAnalyses.
//
// Parse functions expect JSON that already passed the service model's checks (member types,
// enums, patterns, lengths, list sizes, number ranges, exactly one union member). They still
// never crash on other input: anything structurally wrong is a ValidationException naming the
// member (see validation_error.h). They do not check the semantic rules; that is
// table_rule_validation.h and association_rule_validation.h.
//
// ToJson is the exact inverse of Parse for model-valid input: optional members that were absent
// stay absent, and members that were present (even as empty lists) are written back. Unknown
// members are dropped by Parse.
//
// All types are plain values; all functions are pure and thread-safe.
#ifndef CLEANROOM_RULES_ANALYSIS_RULE_H_
#define CLEANROOM_RULES_ANALYSIS_RULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "rules/rule_types.h"

namespace cleanroom::rules {

// One entry of aggregateColumns: `function` may be applied to each of `column_names`.
struct AggregateColumn {
  std::vector<std::string> column_names;
  AggregateFunction function = AggregateFunction::kCount;

  bool operator==(const AggregateColumn&) const = default;
};

// One output constraint: an output row is returned only if it aggregates at least `minimum`
// distinct values of `column_name` (the model bounds `minimum` to 2..100000).
struct AggregationConstraint {
  std::string column_name;
  int64_t minimum = 0;
  ConstraintType type = ConstraintType::kCountDistinct;

  bool operator==(const AggregationConstraint&) const = default;
};

// The logical operators a join condition may use when the rule does not name any: AND only.
std::vector<JoinOperator> DefaultJoinOperators();

// AnalysisRuleAggregation: queries must aggregate, group by dimension columns and pass the output
// constraints.
struct AggregationRule {
  std::vector<AggregateColumn> aggregate_columns;  // aggregateColumns, >= 1 entry
  std::vector<std::string> join_columns;           // joinColumns; never output directly
  bool join_required = false;                      // joinRequired == QUERY_RUNNER
  // allowedJoinOperators as given; nullopt when absent. Use EffectiveJoinOperators() to enforce.
  std::optional<std::vector<JoinOperator>> allowed_join_operators;
  std::vector<std::string> dimension_columns;             // dimensionColumns
  std::vector<ScalarFunction> scalar_functions;           // scalarFunctions
  std::vector<AggregationConstraint> output_constraints;  // outputConstraints, >= 1 entry
  std::optional<AdditionalAnalyses> additional_analyses;  // additionalAnalyses

  // allowed_join_operators, or {AND} when absent. An empty list given explicitly stays empty: the
  // ON clause may then hold a single equality only.
  std::vector<JoinOperator> EffectiveJoinOperators() const;
  // True if `function` may be applied to `column` (some aggregateColumns entry lists both).
  bool AllowsAggregate(AggregateFunction function, std::string_view column) const;
  // True if `column` appears in any aggregateColumns entry.
  bool IsAggregateColumn(std::string_view column) const;

  bool operator==(const AggregationRule&) const = default;
};

// AnalysisRuleList: queries must join with the querying member's data and may list listColumns.
struct ListRule {
  std::vector<std::string> join_columns;  // joinColumns, >= 1 entry
  std::optional<std::vector<JoinOperator>> allowed_join_operators;
  std::vector<std::string> list_columns;  // listColumns
  std::optional<AdditionalAnalyses> additional_analyses;

  // allowed_join_operators, or {AND} when absent.
  std::vector<JoinOperator> EffectiveJoinOperators() const;

  bool operator==(const ListRule&) const = default;
};

// AnalysisRuleCustom: reviewed analysis templates, or any query/job from named providers,
// optionally with differential privacy.
struct CustomRule {
  // allowedAnalyses: analysis template ARNs and/or the wildcards ANY_QUERY and ANY_JOB.
  std::vector<std::string> allowed_analyses;
  std::optional<std::vector<std::string>> allowed_analysis_providers;  // account IDs
  std::optional<AdditionalAnalyses> additional_analyses;
  std::optional<std::vector<std::string>> disallowed_output_columns;
  // differentialPrivacy.columns[0].name: the column identifying the users differential privacy
  // protects. nullopt when differential privacy is off.
  std::optional<std::string> differential_privacy_column;

  bool AllowsAnyQuery() const;  // allowedAnalyses contains ANY_QUERY
  bool AllowsAnyJob() const;    // allowedAnalyses contains ANY_JOB
  // The entries of allowedAnalyses that are analysis template ARNs (not wildcards), in order.
  std::vector<std::string> AnalysisTemplateArns() const;
  bool AllowsAnalysisTemplate(std::string_view arn) const;
  // True if `account_id` is listed in allowedAnalysisProviders.
  bool IsAnalysisProvider(std::string_view account_id) const;
  // True if `column` is listed in disallowedOutputColumns.
  bool IsDisallowedOutputColumn(std::string_view column) const;

  bool operator==(const CustomRule&) const = default;
};

// A configured table's analysis rule. The alternative's index equals static_cast<int>(RuleType).
using TableRule = std::variant<AggregationRule, ListRule, CustomRule>;

RuleType GetRuleType(const TableRule& rule);
// The rule's additionalAnalyses, or nullopt when the rule does not set it.
std::optional<AdditionalAnalyses> GetAdditionalAnalyses(const TableRule& rule);

// Parses `policy`, the whole analysisRulePolicy value ({"v1": {"<key>": {...}}}) of a rule of
// `type`. Returns ValidationException (path "analysisRulePolicy.v1") if the union member is not
// the one for `type`, naming both, and ValidationException for any structural problem (missing
// required member, wrong JSON type, unknown enum value).
absl::StatusOr<TableRule> ParseTableRule(RuleType type, const nlohmann::json& policy);
// The analysisRulePolicy JSON of `rule`, {"v1": {"<key>": {...}}}.
nlohmann::json ToJson(const TableRule& rule);

// A configured table association's analysis rule ("collaboration analysis rule"). Both lists are
// optional on the wire; nullopt means absent.
struct AssociationRule {
  RuleType type = RuleType::kAggregation;
  std::optional<std::vector<std::string>> allowed_result_receivers;     // account IDs
  std::optional<std::vector<std::string>> allowed_additional_analyses;  // ARNs, may hold '*'

  // allowedResultReceivers, empty when absent.
  const std::vector<std::string>& ResultReceivers() const;
  // allowedAdditionalAnalyses, empty when absent.
  const std::vector<std::string>& AdditionalAnalysesResources() const;
  bool IsResultReceiver(std::string_view account_id) const;

  bool operator==(const AssociationRule&) const = default;
};

// Parses the analysisRulePolicy of a collaboration analysis rule of `type`
// ({"v1": {"<key>": {"allowedResultReceivers": [...], "allowedAdditionalAnalyses": [...]}}}),
// with the same errors as ParseTableRule.
absl::StatusOr<AssociationRule> ParseAssociationRule(RuleType type, const nlohmann::json& policy);
// The analysisRulePolicy JSON of `rule`.
nlohmann::json ToJson(const AssociationRule& rule);

// True if query results that read a table may be delivered to `account_id`, given the table's
// collaboration analysis rule (nullopt when it has none) and the account that owns the table.
// With a rule, the account must be in allowedResultReceivers; without one, only the owner may
// receive results (see docs/analysis-rules.md, "Result receivers").
bool MayReceiveResults(const std::optional<AssociationRule>& rule,
                       std::string_view owner_account_id, std::string_view account_id);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_ANALYSIS_RULE_H_
