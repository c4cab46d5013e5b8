#include "rules/analysis_rule.h"

#include <algorithm>
#include <utility>

#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/validation_error.h"

namespace cleanroom::rules {
namespace {

using nlohmann::json;

constexpr std::string_view kPolicyPath = "analysisRulePolicy";
constexpr std::string_view kUnionPath = "analysisRulePolicy.v1";

std::string Join(std::string_view base, std::string_view key) { return StrCat(base, ".", key); }

// The member `key` of `object`, or nullptr when it is absent or JSON null.
const json* Member(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status MissingMember(std::string_view base, std::string_view key) {
  return FieldValidationError(Join(base, key), StrCat("Member '", key, "' is required"));
}

absl::StatusOr<std::vector<std::string>> ReadStrings(const json& value, std::string_view base,
                                                     std::string_view key) {
  std::vector<std::string> out;
  bool ok = value.is_array();
  if (ok) {
    for (const json& item : value) {
      if (!item.is_string()) {
        ok = false;
        break;
      }
      out.push_back(item.get<std::string>());
    }
  }
  if (!ok) {
    return FieldValidationError(Join(base, key),
                                StrCat("Member '", key, "' must be a list of strings"));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RequiredStrings(const json& object, std::string_view base,
                                                         std::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr) return MissingMember(base, key);
  return ReadStrings(*value, base, key);
}

absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStrings(const json& object,
                                                                        std::string_view base,
                                                                        std::string_view key) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::optional<std::vector<std::string>>();
  ASSIGN_OR_RETURN(std::vector<std::string> strings, ReadStrings(*value, base, key));
  return std::optional<std::vector<std::string>>(std::move(strings));
}

// Reads one enum value with `parse`; `what` names the enum in the error ("aggregate function"),
// `names` lists its values.
template <typename E>
absl::StatusOr<E> ReadEnum(const json& value, std::string_view path,
                           std::optional<E> (*parse)(std::string_view), std::string_view what,
                           std::string (*names)()) {
  if (!value.is_string()) {
    return FieldValidationError(path, StrCat("The ", what, " must be a string"));
  }
  std::string text = value.get<std::string>();
  std::optional<E> parsed = parse(text);
  if (!parsed) {
    return FieldValidationError(
        path, StrCat("'", text, "' is not a valid ", what, "; valid values are ", names()));
  }
  return *parsed;
}

template <typename E>
absl::StatusOr<std::vector<E>> ReadEnumList(const json& value, std::string_view base,
                                            std::string_view key,
                                            std::optional<E> (*parse)(std::string_view),
                                            std::string_view what, std::string (*names)()) {
  std::string path = Join(base, key);
  if (!value.is_array()) {
    return FieldValidationError(path, StrCat("Member '", key, "' must be a list of strings"));
  }
  std::vector<E> out;
  for (const json& item : value) {
    ASSIGN_OR_RETURN(E parsed, ReadEnum<E>(item, path, parse, what, names));
    out.push_back(parsed);
  }
  return out;
}

absl::StatusOr<std::optional<std::vector<JoinOperator>>> OptionalJoinOperators(
    const json& object, std::string_view base) {
  const json* value = Member(object, "allowedJoinOperators");
  if (value == nullptr) return std::optional<std::vector<JoinOperator>>();
  ASSIGN_OR_RETURN(
      std::vector<JoinOperator> ops,
      ReadEnumList<JoinOperator>(*value, base, "allowedJoinOperators", &ParseJoinOperator,
                                 "join operator", &internal::JoinOperatorNames));
  return std::optional<std::vector<JoinOperator>>(std::move(ops));
}

absl::StatusOr<std::optional<AdditionalAnalyses>> OptionalAdditionalAnalyses(
    const json& object, std::string_view base) {
  const json* value = Member(object, "additionalAnalyses");
  if (value == nullptr) return std::optional<AdditionalAnalyses>();
  ASSIGN_OR_RETURN(AdditionalAnalyses parsed,
                   ReadEnum<AdditionalAnalyses>(
                       *value, Join(base, "additionalAnalyses"), &ParseAdditionalAnalyses,
                       "additionalAnalyses value", &internal::AdditionalAnalysesNames));
  return std::optional<AdditionalAnalyses>(parsed);
}

absl::Status ExpectObject(const json& value, std::string_view path) {
  if (value.is_object()) return absl::OkStatus();
  return FieldValidationError(path, "The value must be a JSON object");
}

// Checks the {"v1": {"<key>": {...}}} nesting and returns the inner object for `type`.
absl::StatusOr<const json*> UnwrapPolicy(RuleType type, const json& policy) {
  if (!policy.is_object() || Member(policy, "v1") == nullptr) {
    return FieldValidationError(kPolicyPath,
                                "The analysis rule policy must be an object with a 'v1' member");
  }
  const json& v1 = policy.at("v1");
  RETURN_IF_ERROR(ExpectObject(v1, kUnionPath));
  std::vector<std::string> set_keys;
  for (auto it = v1.begin(); it != v1.end(); ++it) {
    if (!it.value().is_null()) set_keys.push_back(it.key());
  }
  std::string_view expected = RulePolicyKey(type);
  if (set_keys.size() != 1) {
    return FieldValidationError(kUnionPath,
                                StrCat("The policy must set exactly one member under 'v1'; ",
                                       RuleTypeName(type), " rules go under '", expected, "'"));
  }
  const std::string& key = set_keys.front();
  if (key != expected) {
    std::optional<RuleType> named;
    for (RuleType t : {RuleType::kAggregation, RuleType::kList, RuleType::kCustom}) {
      if (RulePolicyKey(t) == key) named = t;
    }
    if (named) {
      return FieldValidationError(
          kUnionPath,
          StrCat("The analysis rule type is ", RuleTypeName(type), " but the policy sets '", key,
                 "', the member for ", RuleTypeName(*named), " rules; ", RuleTypeName(type),
                 " rules go under '", expected, "'"));
    }
    return FieldValidationError(
        kUnionPath, StrCat("'", key, "' is not a valid member of the policy; ", RuleTypeName(type),
                           " rules go under '", expected, "'"));
  }
  const json& inner = v1.at(key);
  RETURN_IF_ERROR(ExpectObject(inner, Join(kUnionPath, key)));
  return &inner;
}

absl::StatusOr<AggregationRule> ParseAggregation(const json& object, std::string_view base) {
  AggregationRule rule;
  const json* aggregates = Member(object, "aggregateColumns");
  if (aggregates == nullptr) return MissingMember(base, "aggregateColumns");
  if (!aggregates->is_array()) {
    return FieldValidationError(Join(base, "aggregateColumns"),
                                "Member 'aggregateColumns' must be a list of objects");
  }
  for (size_t i = 0; i < aggregates->size(); ++i) {
    const json& entry = (*aggregates)[i];
    std::string entry_path = StrCat(base, ".aggregateColumns[", i, "]");
    RETURN_IF_ERROR(ExpectObject(entry, entry_path));
    AggregateColumn column;
    ASSIGN_OR_RETURN(column.column_names, RequiredStrings(entry, entry_path, "columnNames"));
    const json* function = Member(entry, "function");
    if (function == nullptr) return MissingMember(entry_path, "function");
    ASSIGN_OR_RETURN(column.function,
                     ReadEnum<AggregateFunction>(*function, Join(entry_path, "function"),
                                                 &ParseAggregateFunction, "aggregate function",
                                                 &internal::AggregateFunctionNames));
    rule.aggregate_columns.push_back(std::move(column));
  }
  ASSIGN_OR_RETURN(rule.join_columns, RequiredStrings(object, base, "joinColumns"));
  if (const json* join_required = Member(object, "joinRequired")) {
    if (!join_required->is_string() || join_required->get<std::string>() != "QUERY_RUNNER") {
      return FieldValidationError(Join(base, "joinRequired"),
                                  "The only valid value of joinRequired is QUERY_RUNNER");
    }
    rule.join_required = true;
  }
  ASSIGN_OR_RETURN(rule.allowed_join_operators, OptionalJoinOperators(object, base));
  ASSIGN_OR_RETURN(rule.dimension_columns, RequiredStrings(object, base, "dimensionColumns"));
  const json* scalars = Member(object, "scalarFunctions");
  if (scalars == nullptr) return MissingMember(base, "scalarFunctions");
  ASSIGN_OR_RETURN(
      rule.scalar_functions,
      ReadEnumList<ScalarFunction>(*scalars, base, "scalarFunctions", &ParseScalarFunction,
                                   "scalar function", &internal::ScalarFunctionNames));
  const json* constraints = Member(object, "outputConstraints");
  if (constraints == nullptr) return MissingMember(base, "outputConstraints");
  if (!constraints->is_array()) {
    return FieldValidationError(Join(base, "outputConstraints"),
                                "Member 'outputConstraints' must be a list of objects");
  }
  for (size_t i = 0; i < constraints->size(); ++i) {
    const json& entry = (*constraints)[i];
    std::string entry_path = StrCat(base, ".outputConstraints[", i, "]");
    RETURN_IF_ERROR(ExpectObject(entry, entry_path));
    AggregationConstraint constraint;
    const json* name = Member(entry, "columnName");
    if (name == nullptr) return MissingMember(entry_path, "columnName");
    if (!name->is_string()) {
      return FieldValidationError(Join(entry_path, "columnName"),
                                  "Member 'columnName' must be a string");
    }
    constraint.column_name = name->get<std::string>();
    const json* minimum = Member(entry, "minimum");
    if (minimum == nullptr) return MissingMember(entry_path, "minimum");
    if (!minimum->is_number_integer()) {
      return FieldValidationError(Join(entry_path, "minimum"),
                                  "Member 'minimum' must be an integer");
    }
    constraint.minimum = minimum->get<int64_t>();
    const json* type = Member(entry, "type");
    if (type == nullptr) return MissingMember(entry_path, "type");
    ASSIGN_OR_RETURN(
        constraint.type,
        ReadEnum<ConstraintType>(*type, Join(entry_path, "type"), &ParseConstraintType,
                                 "output constraint type", &internal::ConstraintTypeNames));
    rule.output_constraints.push_back(std::move(constraint));
  }
  ASSIGN_OR_RETURN(rule.additional_analyses, OptionalAdditionalAnalyses(object, base));
  return rule;
}

absl::StatusOr<ListRule> ParseList(const json& object, std::string_view base) {
  ListRule rule;
  ASSIGN_OR_RETURN(rule.join_columns, RequiredStrings(object, base, "joinColumns"));
  ASSIGN_OR_RETURN(rule.allowed_join_operators, OptionalJoinOperators(object, base));
  ASSIGN_OR_RETURN(rule.list_columns, RequiredStrings(object, base, "listColumns"));
  ASSIGN_OR_RETURN(rule.additional_analyses, OptionalAdditionalAnalyses(object, base));
  return rule;
}

absl::StatusOr<CustomRule> ParseCustom(const json& object, std::string_view base) {
  CustomRule rule;
  ASSIGN_OR_RETURN(rule.allowed_analyses, RequiredStrings(object, base, "allowedAnalyses"));
  ASSIGN_OR_RETURN(rule.allowed_analysis_providers,
                   OptionalStrings(object, base, "allowedAnalysisProviders"));
  ASSIGN_OR_RETURN(rule.additional_analyses, OptionalAdditionalAnalyses(object, base));
  ASSIGN_OR_RETURN(rule.disallowed_output_columns,
                   OptionalStrings(object, base, "disallowedOutputColumns"));
  if (const json* dp = Member(object, "differentialPrivacy")) {
    std::string dp_path = Join(base, "differentialPrivacy");
    RETURN_IF_ERROR(ExpectObject(*dp, dp_path));
    const json* columns = Member(*dp, "columns");
    if (columns == nullptr) return MissingMember(dp_path, "columns");
    std::string columns_path = Join(dp_path, "columns");
    if (!columns->is_array() || columns->size() != 1) {
      return FieldValidationError(columns_path,
                                  "Member 'columns' must be a list of exactly one column");
    }
    const json& column = (*columns)[0];
    std::string column_path = StrCat(columns_path, "[0]");
    RETURN_IF_ERROR(ExpectObject(column, column_path));
    const json* name = Member(column, "name");
    if (name == nullptr) return MissingMember(column_path, "name");
    if (!name->is_string()) {
      return FieldValidationError(Join(column_path, "name"), "Member 'name' must be a string");
    }
    rule.differential_privacy_column = name->get<std::string>();
  }
  return rule;
}

json Strings(const std::vector<std::string>& values) { return json(values); }

template <typename E>
json EnumList(const std::vector<E>& values, std::string_view (*name)(E)) {
  json out = json::array();
  for (E value : values) out.push_back(std::string(name(value)));
  return out;
}

json AggregationToJson(const AggregationRule& rule) {
  json out = json::object();
  json aggregates = json::array();
  for (const AggregateColumn& column : rule.aggregate_columns) {
    aggregates.push_back({{"columnNames", Strings(column.column_names)},
                          {"function", std::string(AggregateFunctionName(column.function))}});
  }
  out["aggregateColumns"] = std::move(aggregates);
  out["joinColumns"] = Strings(rule.join_columns);
  if (rule.join_required) out["joinRequired"] = "QUERY_RUNNER";
  if (rule.allowed_join_operators) {
    out["allowedJoinOperators"] = EnumList(*rule.allowed_join_operators, &JoinOperatorName);
  }
  out["dimensionColumns"] = Strings(rule.dimension_columns);
  out["scalarFunctions"] = EnumList(rule.scalar_functions, &ScalarFunctionName);
  json constraints = json::array();
  for (const AggregationConstraint& constraint : rule.output_constraints) {
    constraints.push_back({{"columnName", constraint.column_name},
                           {"minimum", constraint.minimum},
                           {"type", std::string(ConstraintTypeName(constraint.type))}});
  }
  out["outputConstraints"] = std::move(constraints);
  if (rule.additional_analyses) {
    out["additionalAnalyses"] = std::string(AdditionalAnalysesName(*rule.additional_analyses));
  }
  return out;
}

json ListToJson(const ListRule& rule) {
  json out = json::object();
  out["joinColumns"] = Strings(rule.join_columns);
  if (rule.allowed_join_operators) {
    out["allowedJoinOperators"] = EnumList(*rule.allowed_join_operators, &JoinOperatorName);
  }
  out["listColumns"] = Strings(rule.list_columns);
  if (rule.additional_analyses) {
    out["additionalAnalyses"] = std::string(AdditionalAnalysesName(*rule.additional_analyses));
  }
  return out;
}

json CustomToJson(const CustomRule& rule) {
  json out = json::object();
  out["allowedAnalyses"] = Strings(rule.allowed_analyses);
  if (rule.allowed_analysis_providers) {
    out["allowedAnalysisProviders"] = Strings(*rule.allowed_analysis_providers);
  }
  if (rule.additional_analyses) {
    out["additionalAnalyses"] = std::string(AdditionalAnalysesName(*rule.additional_analyses));
  }
  if (rule.disallowed_output_columns) {
    out["disallowedOutputColumns"] = Strings(*rule.disallowed_output_columns);
  }
  if (rule.differential_privacy_column) {
    out["differentialPrivacy"] = {
        {"columns", json::array({{{"name", *rule.differential_privacy_column}}})}};
  }
  return out;
}

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

const std::vector<std::string>& EmptyStrings() {
  static const std::vector<std::string>* const kEmpty = new std::vector<std::string>();
  return *kEmpty;
}

}  // namespace

std::vector<JoinOperator> DefaultJoinOperators() { return {JoinOperator::kAnd}; }

std::vector<JoinOperator> AggregationRule::EffectiveJoinOperators() const {
  return allowed_join_operators.value_or(DefaultJoinOperators());
}

bool AggregationRule::AllowsAggregate(AggregateFunction function, std::string_view column) const {
  for (const AggregateColumn& entry : aggregate_columns) {
    if (entry.function == function && Contains(entry.column_names, column)) return true;
  }
  return false;
}

bool AggregationRule::IsAggregateColumn(std::string_view column) const {
  for (const AggregateColumn& entry : aggregate_columns) {
    if (Contains(entry.column_names, column)) return true;
  }
  return false;
}

std::vector<JoinOperator> ListRule::EffectiveJoinOperators() const {
  return allowed_join_operators.value_or(DefaultJoinOperators());
}

bool CustomRule::AllowsAnyQuery() const { return Contains(allowed_analyses, kAnyQuery); }
bool CustomRule::AllowsAnyJob() const { return Contains(allowed_analyses, kAnyJob); }

std::vector<std::string> CustomRule::AnalysisTemplateArns() const {
  std::vector<std::string> out;
  for (const std::string& entry : allowed_analyses) {
    if (entry != kAnyQuery && entry != kAnyJob) out.push_back(entry);
  }
  return out;
}

bool CustomRule::AllowsAnalysisTemplate(std::string_view arn) const {
  return arn != kAnyQuery && arn != kAnyJob && Contains(allowed_analyses, arn);
}

bool CustomRule::IsAnalysisProvider(std::string_view account_id) const {
  return allowed_analysis_providers && Contains(*allowed_analysis_providers, account_id);
}

bool CustomRule::IsDisallowedOutputColumn(std::string_view column) const {
  return disallowed_output_columns && Contains(*disallowed_output_columns, column);
}

RuleType GetRuleType(const TableRule& rule) { return static_cast<RuleType>(rule.index()); }

std::optional<AdditionalAnalyses> GetAdditionalAnalyses(const TableRule& rule) {
  return std::visit([](const auto& r) { return r.additional_analyses; }, rule);
}

absl::StatusOr<TableRule> ParseTableRule(RuleType type, const nlohmann::json& policy) {
  ASSIGN_OR_RETURN(const json* inner, UnwrapPolicy(type, policy));
  std::string base = Join(kUnionPath, RulePolicyKey(type));
  switch (type) {
    case RuleType::kAggregation: {
      ASSIGN_OR_RETURN(AggregationRule rule, ParseAggregation(*inner, base));
      return TableRule(std::move(rule));
    }
    case RuleType::kList: {
      ASSIGN_OR_RETURN(ListRule rule, ParseList(*inner, base));
      return TableRule(std::move(rule));
    }
    case RuleType::kCustom: {
      ASSIGN_OR_RETURN(CustomRule rule, ParseCustom(*inner, base));
      return TableRule(std::move(rule));
    }
  }
  return FieldValidationError(kUnionPath, "Unknown analysis rule type");
}

nlohmann::json ToJson(const TableRule& rule) {
  json inner;
  if (const auto* aggregation = std::get_if<AggregationRule>(&rule)) {
    inner = AggregationToJson(*aggregation);
  } else if (const auto* list = std::get_if<ListRule>(&rule)) {
    inner = ListToJson(*list);
  } else {
    inner = CustomToJson(std::get<CustomRule>(rule));
  }
  json out = json::object();
  out["v1"][std::string(RulePolicyKey(GetRuleType(rule)))] = std::move(inner);
  return out;
}

const std::vector<std::string>& AssociationRule::ResultReceivers() const {
  return allowed_result_receivers ? *allowed_result_receivers : EmptyStrings();
}

const std::vector<std::string>& AssociationRule::AdditionalAnalysesResources() const {
  return allowed_additional_analyses ? *allowed_additional_analyses : EmptyStrings();
}

bool AssociationRule::IsResultReceiver(std::string_view account_id) const {
  return Contains(ResultReceivers(), account_id);
}

absl::StatusOr<AssociationRule> ParseAssociationRule(RuleType type, const nlohmann::json& policy) {
  ASSIGN_OR_RETURN(const json* inner, UnwrapPolicy(type, policy));
  std::string base = Join(kUnionPath, RulePolicyKey(type));
  AssociationRule rule;
  rule.type = type;
  ASSIGN_OR_RETURN(rule.allowed_result_receivers,
                   OptionalStrings(*inner, base, "allowedResultReceivers"));
  ASSIGN_OR_RETURN(rule.allowed_additional_analyses,
                   OptionalStrings(*inner, base, "allowedAdditionalAnalyses"));
  return rule;
}

nlohmann::json ToJson(const AssociationRule& rule) {
  json inner = json::object();
  if (rule.allowed_result_receivers) {
    inner["allowedResultReceivers"] = Strings(*rule.allowed_result_receivers);
  }
  if (rule.allowed_additional_analyses) {
    inner["allowedAdditionalAnalyses"] = Strings(*rule.allowed_additional_analyses);
  }
  json out = json::object();
  out["v1"][std::string(RulePolicyKey(rule.type))] = std::move(inner);
  return out;
}

bool MayReceiveResults(const std::optional<AssociationRule>& rule,
                       std::string_view owner_account_id, std::string_view account_id) {
  if (rule) return rule->IsResultReceiver(account_id);
  return account_id == owner_account_id;
}

}  // namespace cleanroom::rules
