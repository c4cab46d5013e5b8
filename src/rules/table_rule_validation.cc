#include "rules/table_rule_validation.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/validation_error.h"

namespace cleanroom::rules {
namespace {

constexpr std::string_view kRuleTypePath = "analysisRuleType";

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// True if values[i] equals one of values[0..i).
template <typename T>
bool SeenBefore(const std::vector<T>& values, size_t i) {
  return std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values[i]) !=
         values.begin() + static_cast<std::ptrdiff_t>(i);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// The table's analysis method as messages name it: "DIRECT_JOB", or "MULTIPLE (selected analysis
// methods: DIRECT_QUERY)" when MULTIPLE is narrowed by selectedAnalysisMethods.
std::string DescribeMethod(const TableContext& table) {
  std::string method =
      table.analysis_method.empty() ? std::string(kDirectQuery) : table.analysis_method;
  if (method == kMultiple && !table.selected_analysis_methods.empty()) {
    method +=
        StrCat(" (selected analysis methods: ", JoinNames(table.selected_analysis_methods), ")");
  }
  return method;
}

// Returns a non-empty message if `column` cannot take the role of the list being checked.
using RoleCheck = std::function<std::string(const std::string& column)>;

class RuleValidator {
 public:
  RuleValidator(RuleType type, const TableContext& table)
      : type_(type), table_(table), base_(StrCat("analysisRulePolicy.v1.", RulePolicyKey(type))) {}

  std::string Path(std::string_view field) const { return StrCat(base_, ".", field); }

  absl::Status NotAllowedColumn(std::string_view path, std::string_view column) const {
    return FieldValidationError(
        path, StrCat("Column '", column, "' is not an allowed column of the configured table ",
                     "(allowed columns: ", JoinNames(table_.allowed_columns), ")"));
  }

  // The column checks of the header comment for one list at `path`.
  absl::Status CheckColumns(std::string_view path, const std::vector<std::string>& columns,
                            const RoleCheck& role_check = nullptr) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& column = columns[i];
      if (SeenBefore(columns, i)) {
        return FieldValidationError(path, StrCat("Column '", column, "' is listed more than once"));
      }
      if (!table_.IsAllowedColumn(column)) return NotAllowedColumn(path, column);
      if (role_check) {
        std::string problem = role_check(column);
        if (!problem.empty()) return FieldValidationError(path, problem);
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckJoinOperators(const std::optional<std::vector<JoinOperator>>& ops) const {
    if (!ops) return absl::OkStatus();
    for (size_t i = 0; i < ops->size(); ++i) {
      if (SeenBefore(*ops, i)) {
        return FieldValidationError(
            Path("allowedJoinOperators"),
            StrCat("Join operator ", JoinOperatorName((*ops)[i]), " is listed more than once"));
      }
    }
    return absl::OkStatus();
  }

  // Checks 1 and 2 of AGGREGATION and LIST: S3 data, and SQL queries allowed.
  absl::Status CheckSqlRuleFitsTable() const {
    if (!table_.IsS3Backed()) {
      return FieldValidationError(
          kRuleTypePath,
          StrCat(RuleTypeName(type_), " analysis rules are supported only for configured tables ",
                 "whose data is in Amazon S3 (AWS Glue tables); this table's data source is ",
                 table_.table_reference_type, ", which supports CUSTOM analysis rules only"));
    }
    if (!table_.AllowsQueries()) {
      return FieldValidationError(
          kRuleTypePath,
          StrCat(RuleTypeName(type_), " analysis rules govern SQL queries, but the configured ",
                 "table's analysis method ", DescribeMethod(table_),
                 " does not allow SQL queries"));
    }
    return absl::OkStatus();
  }

  const TableContext& table() const { return table_; }

 private:
  RuleType type_;
  const TableContext& table_;
  std::string base_;
};

absl::Status ValidateAggregation(const AggregationRule& rule, const TableContext& table) {
  RuleValidator v(RuleType::kAggregation, table);
  RETURN_IF_ERROR(v.CheckSqlRuleFitsTable());

  for (size_t i = 0; i < rule.aggregate_columns.size(); ++i) {
    const AggregateColumn& entry = rule.aggregate_columns[i];
    std::string path = v.Path(StrCat("aggregateColumns[", i, "].columnNames"));
    RETURN_IF_ERROR(v.CheckColumns(path, entry.column_names, [&](const std::string& column) {
      for (size_t j = 0; j < i; ++j) {
        const AggregateColumn& earlier = rule.aggregate_columns[j];
        if (earlier.function == entry.function && Contains(earlier.column_names, column)) {
          return StrCat("Aggregate function ", AggregateFunctionName(entry.function),
                        " is already allowed on column '", column, "' by aggregateColumns[", j,
                        "]");
        }
      }
      return std::string();
    }));
  }

  RETURN_IF_ERROR(v.CheckColumns(v.Path("joinColumns"), rule.join_columns));
  if (rule.join_required && rule.join_columns.empty()) {
    return FieldValidationError(v.Path("joinRequired"),
                                "joinRequired QUERY_RUNNER requires queries to join this table, "
                                "but the rule has no join columns");
  }
  RETURN_IF_ERROR(v.CheckJoinOperators(rule.allowed_join_operators));

  RETURN_IF_ERROR(
      v.CheckColumns(v.Path("dimensionColumns"), rule.dimension_columns, [&](const std::string& c) {
        if (Contains(rule.join_columns, c)) {
          return StrCat("Column '", c,
                        "' is a join column of this rule and cannot also be a dimension column");
        }
        if (rule.IsAggregateColumn(c)) {
          return StrCat(
              "Column '", c,
              "' is an aggregate column of this rule and cannot also be a dimension column");
        }
        return std::string();
      }));

  for (size_t i = 0; i < rule.scalar_functions.size(); ++i) {
    if (SeenBefore(rule.scalar_functions, i)) {
      return FieldValidationError(
          v.Path("scalarFunctions"),
          StrCat("Scalar function ", ScalarFunctionName(rule.scalar_functions[i]),
                 " is listed more than once"));
    }
  }

  for (size_t i = 0; i < rule.output_constraints.size(); ++i) {
    const std::string& column = rule.output_constraints[i].column_name;
    std::string path = v.Path(StrCat("outputConstraints[", i, "].columnName"));
    if (!table.IsAllowedColumn(column)) return v.NotAllowedColumn(path, column);
    for (size_t j = 0; j < i; ++j) {
      if (rule.output_constraints[j].column_name == column) {
        return FieldValidationError(path, StrCat("Column '", column,
                                                 "' already has an output constraint in "
                                                 "outputConstraints[",
                                                 j, "]"));
      }
    }
    if (!rule.IsAggregateColumn(column) && !Contains(rule.join_columns, column)) {
      return FieldValidationError(
          path, StrCat("Column '", column,
                       "' is neither an aggregate column nor a join column of this rule; an "
                       "output constraint must count a column that queries aggregate or join on"));
    }
  }

  if (rule.additional_analyses && *rule.additional_analyses != AdditionalAnalyses::kNotAllowed) {
    return FieldValidationError(
        v.Path("additionalAnalyses"),
        StrCat("additionalAnalyses ", AdditionalAnalysesName(*rule.additional_analyses),
               " is not supported for AGGREGATION analysis rules; additional analyses are "
               "supported only for LIST and CUSTOM analysis rules"));
  }
  return absl::OkStatus();
}

absl::Status ValidateList(const ListRule& rule, const TableContext& table) {
  RuleValidator v(RuleType::kList, table);
  RETURN_IF_ERROR(v.CheckSqlRuleFitsTable());
  RETURN_IF_ERROR(v.CheckColumns(v.Path("joinColumns"), rule.join_columns));
  RETURN_IF_ERROR(v.CheckJoinOperators(rule.allowed_join_operators));
  return v.CheckColumns(v.Path("listColumns"), rule.list_columns, [&](const std::string& c) {
    if (Contains(rule.join_columns, c)) {
      return StrCat("Column '", c,
                    "' is a join column of this rule and cannot also be a list column");
    }
    return std::string();
  });
}

absl::Status ValidateCustom(const CustomRule& rule, const TableContext& table) {
  RuleValidator v(RuleType::kCustom, table);

  std::string analyses_path = v.Path("allowedAnalyses");
  for (size_t i = 0; i < rule.allowed_analyses.size(); ++i) {
    const std::string& entry = rule.allowed_analyses[i];
    if (SeenBefore(rule.allowed_analyses, i)) {
      return FieldValidationError(analyses_path, StrCat("'", entry, "' is listed more than once"));
    }
    if (entry == kAnyQuery && !table.AllowsQueries()) {
      return FieldValidationError(
          analyses_path,
          StrCat("ANY_QUERY allows SQL queries, but the configured table's analysis method ",
                 DescribeMethod(table), " does not allow SQL queries"));
    }
    if (entry == kAnyJob && !table.AllowsJobs()) {
      return FieldValidationError(
          analyses_path,
          StrCat("ANY_JOB allows PySpark jobs, but the configured table's analysis method ",
                 DescribeMethod(table), " does not allow jobs"));
    }
  }

  std::string providers_path = v.Path("allowedAnalysisProviders");
  const std::vector<std::string> no_providers;
  const std::vector<std::string>& providers =
      rule.allowed_analysis_providers ? *rule.allowed_analysis_providers : no_providers;
  for (size_t i = 0; i < providers.size(); ++i) {
    if (SeenBefore(providers, i)) {
      return FieldValidationError(providers_path,
                                  StrCat("Account '", providers[i], "' is listed more than once"));
    }
  }
  for (const std::string& entry : rule.allowed_analyses) {
    if ((entry == kAnyQuery || entry == kAnyJob) && providers.empty()) {
      return FieldValidationError(
          providers_path, StrCat("allowedAnalysisProviders must list at least one account when "
                                 "allowedAnalyses contains ",
                                 entry));
    }
  }
  std::vector<std::string> templates = rule.AnalysisTemplateArns();
  if (!providers.empty() && !templates.empty()) {
    return FieldValidationError(
        providers_path,
        StrCat("allowedAnalysisProviders cannot be set when allowedAnalyses lists analysis "
               "templates (such as '",
               templates.front(),
               "'); a CUSTOM analysis rule allows either analysis templates or analysis "
               "providers, not both"));
  }

  const std::vector<std::string> no_columns;
  const std::vector<std::string>& disallowed =
      rule.disallowed_output_columns ? *rule.disallowed_output_columns : no_columns;
  RETURN_IF_ERROR(v.CheckColumns(v.Path("disallowedOutputColumns"), disallowed));

  if (rule.differential_privacy_column) {
    const std::string& column = *rule.differential_privacy_column;
    std::string path = v.Path("differentialPrivacy.columns[0].name");
    if (!table.IsS3Backed()) {
      return FieldValidationError(
          path, StrCat("Differential privacy is available only for configured tables whose data "
                       "is in Amazon S3 (AWS Glue tables); this table's data source is ",
                       table.table_reference_type));
    }
    if (!table.IsAllowedColumn(column)) return v.NotAllowedColumn(path, column);
    if (Contains(disallowed, column)) {
      return FieldValidationError(
          path, StrCat("Column '", column,
                       "' is the differential privacy user identifier column and cannot also be "
                       "a disallowed output column"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTableRule(const TableRule& rule, const TableContext& table) {
  if (const auto* aggregation = std::get_if<AggregationRule>(&rule)) {
    return ValidateAggregation(*aggregation, table);
  }
  if (const auto* list = std::get_if<ListRule>(&rule)) return ValidateList(*list, table);
  return ValidateCustom(std::get<CustomRule>(rule), table);
}

}  // namespace cleanroom::rules
