// The enumerations of AWS Clean Rooms analysis rules, with their wire names.
//
// Every enum here mirrors one enum of the Clean Rooms service model (see aws-api.md §3.12):
// RuleType is ConfiguredTableAnalysisRuleType (AGGREGATION | LIST | CUSTOM), AggregateFunction is
// AggregateFunctionName, JoinOperator, AdditionalAnalyses, ScalarFunction is ScalarFunctions and
// ConstraintType is AggregationType. Each has a Parse function that takes the exact wire name
// (case-sensitive, as AWS compares enum values) and returns nullopt for anything else, and a Name
// function that returns the wire name.
//
// All functions are pure and thread-safe.
#ifndef CLEANROOM_RULES_RULE_TYPES_H_
#define CLEANROOM_RULES_RULE_TYPES_H_

#include <optional>
#include <string>
#include <string_view>

namespace cleanroom::rules {

// The three kinds of configured-table analysis rule. The schema-level ID_MAPPING_TABLE kind is
// system-generated for ID mapping tables and is not represented here.
enum class RuleType { kAggregation, kList, kCustom };

std::optional<RuleType> ParseRuleType(std::string_view name);  // "AGGREGATION" -> kAggregation
std::string_view RuleTypeName(RuleType type);                  // kAggregation -> "AGGREGATION"
// The member of the `v1` policy union that holds a rule of this type: "aggregation", "list" or
// "custom".
std::string_view RulePolicyKey(RuleType type);

// The functions an AGGREGATION rule can allow on an aggregate column. SQL mapping: COUNT(col) and
// COUNT(*) are kCount, COUNT(DISTINCT col) is kCountDistinct, SUM(col) kSum, SUM(DISTINCT col)
// kSumDistinct, AVG(col) kAvg. There is no AVG_DISTINCT.
enum class AggregateFunction { kSum, kSumDistinct, kCount, kCountDistinct, kAvg };

std::optional<AggregateFunction> ParseAggregateFunction(std::string_view name);
std::string_view AggregateFunctionName(AggregateFunction function);

// Logical operators allowed between the equality conditions of an INNER JOIN's ON clause.
enum class JoinOperator { kOr, kAnd };

std::optional<JoinOperator> ParseJoinOperator(std::string_view name);
std::string_view JoinOperatorName(JoinOperator op);

// Whether the output of a direct query may (ALLOWED), must (REQUIRED) or may not (NOT_ALLOWED) be
// fed into additional analyses such as Clean Rooms ML.
enum class AdditionalAnalyses { kAllowed, kRequired, kNotAllowed };

std::optional<AdditionalAnalyses> ParseAdditionalAnalyses(std::string_view name);
std::string_view AdditionalAnalysesName(AdditionalAnalyses value);

// The scalar functions an AGGREGATION rule can allow on dimension columns and on aggregate results.
enum class ScalarFunction {
  kAbs,
  kCast,
  kCeiling,
  kCoalesce,
  kConvert,
  kCurrentDate,
  kDateAdd,
  kExtract,
  kFloor,
  kGetDate,
  kLn,
  kLog,
  kLower,
  kRound,
  kRtrim,
  kSqrt,
  kSubstring,
  kToChar,
  kToDate,
  kToNumber,
  kToTimestamp,
  kTrim,
  kTrunc,
  kUpper,
};

std::optional<ScalarFunction> ParseScalarFunction(std::string_view name);  // "ROUND", "TO_CHAR"
std::string_view ScalarFunctionName(ScalarFunction function);

// The kind of an output constraint. COUNT_DISTINCT is the only value the model defines.
enum class ConstraintType { kCountDistinct };

std::optional<ConstraintType> ParseConstraintType(std::string_view name);
std::string_view ConstraintTypeName(ConstraintType type);

// The wildcards of CUSTOM allowedAnalyses: any ad-hoc SQL query / any PySpark job from an allowed
// analysis provider.
inline constexpr std::string_view kAnyQuery = "ANY_QUERY";
inline constexpr std::string_view kAnyJob = "ANY_JOB";

// Member abilities and statuses as the collaboration APIs spell them.
inline constexpr std::string_view kCanQuery = "CAN_QUERY";
inline constexpr std::string_view kCanReceiveResults = "CAN_RECEIVE_RESULTS";
inline constexpr std::string_view kCanRunJob = "CAN_RUN_JOB";
inline constexpr std::string_view kMemberInvited = "INVITED";
inline constexpr std::string_view kMemberActive = "ACTIVE";
inline constexpr std::string_view kMemberLeft = "LEFT";
inline constexpr std::string_view kMemberRemoved = "REMOVED";

// Analysis methods of a configured table.
inline constexpr std::string_view kDirectQuery = "DIRECT_QUERY";
inline constexpr std::string_view kDirectJob = "DIRECT_JOB";
inline constexpr std::string_view kMultiple = "MULTIPLE";

namespace internal {
// "A, B or C": the wire names of every value of an enum, for error messages.
std::string AggregateFunctionNames();
std::string JoinOperatorNames();
std::string AdditionalAnalysesNames();
std::string ScalarFunctionNames();
std::string ConstraintTypeNames();
}  // namespace internal

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_RULE_TYPES_H_
