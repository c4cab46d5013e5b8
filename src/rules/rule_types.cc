#include "rules/rule_types.h"

#include <array>
#include <utility>

namespace cleanroom::rules {
namespace {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, size_t N>
std::optional<E> Find(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [value, wire] : table) {
    if (wire == name) return value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [v, wire] : table) {
    if (v == value) return wire;
  }
  return "";
}

template <typename E, size_t N>
std::string AllNames(const NameTable<E, N>& table) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += (i + 1 == N) ? " or " : ", ";
    out += table[i].second;
  }
  return out;
}

constexpr NameTable<RuleType, 3> kRuleTypes = {{
    {RuleType::kAggregation, "AGGREGATION"},
    {RuleType::kList, "LIST"},
    {RuleType::kCustom, "CUSTOM"},
}};

constexpr NameTable<RuleType, 3> kRuleKeys = {{
    {RuleType::kAggregation, "aggregation"},
    {RuleType::kList, "list"},
    {RuleType::kCustom, "custom"},
}};

constexpr NameTable<AggregateFunction, 5> kAggregateFunctions = {{
    {AggregateFunction::kSum, "SUM"},
    {AggregateFunction::kSumDistinct, "SUM_DISTINCT"},
    {AggregateFunction::kCount, "COUNT"},
    {AggregateFunction::kCountDistinct, "COUNT_DISTINCT"},
    {AggregateFunction::kAvg, "AVG"},
}};

constexpr NameTable<JoinOperator, 2> kJoinOperators = {{
    {JoinOperator::kOr, "OR"},
    {JoinOperator::kAnd, "AND"},
}};

constexpr NameTable<AdditionalAnalyses, 3> kAdditionalAnalyses = {{
    {AdditionalAnalyses::kAllowed, "ALLOWED"},
    {AdditionalAnalyses::kRequired, "REQUIRED"},
    {AdditionalAnalyses::kNotAllowed, "NOT_ALLOWED"},
}};

constexpr NameTable<ScalarFunction, 24> kScalarFunctions = {{
    {ScalarFunction::kAbs, "ABS"},
    {ScalarFunction::kCast, "CAST"},
    {ScalarFunction::kCeiling, "CEILING"},
    {ScalarFunction::kCoalesce, "COALESCE"},
    {ScalarFunction::kConvert, "CONVERT"},
    {ScalarFunction::kCurrentDate, "CURRENT_DATE"},
    {ScalarFunction::kDateAdd, "DATEADD"},
    {ScalarFunction::kExtract, "EXTRACT"},
    {ScalarFunction::kFloor, "FLOOR"},
    {ScalarFunction::kGetDate, "GETDATE"},
    {ScalarFunction::kLn, "LN"},
    {ScalarFunction::kLog, "LOG"},
    {ScalarFunction::kLower, "LOWER"},
    {ScalarFunction::kRound, "ROUND"},
    {ScalarFunction::kRtrim, "RTRIM"},
    {ScalarFunction::kSqrt, "SQRT"},
    {ScalarFunction::kSubstring, "SUBSTRING"},
    {ScalarFunction::kToChar, "TO_CHAR"},
    {ScalarFunction::kToDate, "TO_DATE"},
    {ScalarFunction::kToNumber, "TO_NUMBER"},
    {ScalarFunction::kToTimestamp, "TO_TIMESTAMP"},
    {ScalarFunction::kTrim, "TRIM"},
    {ScalarFunction::kTrunc, "TRUNC"},
    {ScalarFunction::kUpper, "UPPER"},
}};

constexpr NameTable<ConstraintType, 1> kConstraintTypes = {{
    {ConstraintType::kCountDistinct, "COUNT_DISTINCT"},
}};

}  // namespace

std::optional<RuleType> ParseRuleType(std::string_view name) { return Find(kRuleTypes, name); }
std::string_view RuleTypeName(RuleType type) { return NameOf(kRuleTypes, type); }
std::string_view RulePolicyKey(RuleType type) { return NameOf(kRuleKeys, type); }

std::optional<AggregateFunction> ParseAggregateFunction(std::string_view name) {
  return Find(kAggregateFunctions, name);
}
std::string_view AggregateFunctionName(AggregateFunction function) {
  return NameOf(kAggregateFunctions, function);
}

std::optional<JoinOperator> ParseJoinOperator(std::string_view name) {
  return Find(kJoinOperators, name);
}
std::string_view JoinOperatorName(JoinOperator op) { return NameOf(kJoinOperators, op); }

std::optional<AdditionalAnalyses> ParseAdditionalAnalyses(std::string_view name) {
  return Find(kAdditionalAnalyses, name);
}
std::string_view AdditionalAnalysesName(AdditionalAnalyses value) {
  return NameOf(kAdditionalAnalyses, value);
}

std::optional<ScalarFunction> ParseScalarFunction(std::string_view name) {
  return Find(kScalarFunctions, name);
}
std::string_view ScalarFunctionName(ScalarFunction function) {
  return NameOf(kScalarFunctions, function);
}

std::optional<ConstraintType> ParseConstraintType(std::string_view name) {
  return Find(kConstraintTypes, name);
}
std::string_view ConstraintTypeName(ConstraintType type) { return NameOf(kConstraintTypes, type); }

namespace internal {
std::string AggregateFunctionNames() { return AllNames(kAggregateFunctions); }
std::string JoinOperatorNames() { return AllNames(kJoinOperators); }
std::string AdditionalAnalysesNames() { return AllNames(kAdditionalAnalyses); }
std::string ScalarFunctionNames() { return AllNames(kScalarFunctions); }
std::string ConstraintTypeNames() { return AllNames(kConstraintTypes); }
}  // namespace internal

}  // namespace cleanroom::rules
