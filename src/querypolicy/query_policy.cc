#include "querypolicy/query_policy.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "common/sql_text.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::querypolicy {
namespace {

using engine::Expr;
using engine::Position;
using engine::ResolvedQuery;
using rules::RuleType;

// Written function names (DuckDB spellings and aliases) and the AWS scalar function each is.
const std::map<std::string, rules::ScalarFunction>& ScalarFunctionSpellings() {
  using F = rules::ScalarFunction;
  static const auto* map = new std::map<std::string, F>{{"abs", F::kAbs},
                                                        {"ceil", F::kCeiling},
                                                        {"ceiling", F::kCeiling},
                                                        {"coalesce", F::kCoalesce},
                                                        {"ifnull", F::kCoalesce},
                                                        {"current_date", F::kCurrentDate},
                                                        {"today", F::kCurrentDate},
                                                        {"date_add", F::kDateAdd},
                                                        {"dateadd", F::kDateAdd},
                                                        {"date_part", F::kExtract},
                                                        {"datepart", F::kExtract},
                                                        {"extract", F::kExtract},
                                                        {"floor", F::kFloor},
                                                        {"now", F::kGetDate},
                                                        {"getdate", F::kGetDate},
                                                        {"current_timestamp", F::kGetDate},
                                                        {"get_current_timestamp", F::kGetDate},
                                                        {"ln", F::kLn},
                                                        {"log", F::kLog},
                                                        {"log10", F::kLog},
                                                        {"lower", F::kLower},
                                                        {"lcase", F::kLower},
                                                        {"round", F::kRound},
                                                        {"rtrim", F::kRtrim},
                                                        {"sqrt", F::kSqrt},
                                                        {"substring", F::kSubstring},
                                                        {"substr", F::kSubstring},
                                                        {"to_char", F::kToChar},
                                                        {"strftime", F::kToChar},
                                                        {"to_date", F::kToDate},
                                                        {"strptime", F::kToTimestamp},
                                                        {"to_number", F::kToNumber},
                                                        {"to_timestamp", F::kToTimestamp},
                                                        {"trim", F::kTrim},
                                                        {"trunc", F::kTrunc},
                                                        {"date_trunc", F::kTrunc},
                                                        {"datetrunc", F::kTrunc},
                                                        {"upper", F::kUpper},
                                                        {"ucase", F::kUpper}};
  return *map;
}

// Operators any AGGREGATION query may use on what it may otherwise compute.
bool IsArithmeticOperator(const std::string& name) {
  return name == "+" || name == "-" || name == "*" || name == "/";
}

// Operators a LIST query may use in its WHERE clause: arithmetic (AWS: "List queries can only use
// mathematical operators") and LIKE / NOT LIKE.
bool IsListOperator(const std::string& name) {
  return IsArithmeticOperator(name) || name == "~~" || name == "!~~";
}

// Aggregates as written that AGGREGATION rules can allow (COUNT, SUM, AVG, with DISTINCT).
bool IsRuleAggregateSpelling(const std::string& name) {
  return name == "count" || name == "count_star" || name == "sum" || name == "avg";
}

std::string Where(const std::string& sql, Position position) {
  if (!position) return "";
  return StrCat(" (", DescribeOffset(sql, *position), ")");
}

// A single place that formats refusals.
class Refusal {
 public:
  Refusal(const PolicyRequest& request, RuleType type) : request_(request), type_(type) {}

  absl::Status operator()(const std::string& table, const std::string& problem,
                          Position position) const {
    return absl::InvalidArgumentError(StrCat(rules::RuleTypeName(type_),
                                             " analysis rule of table \"", table, "\": ", problem,
                                             Where(request_.sql, position)));
  }
  // For problems that concern the query as a whole rather than one table.
  absl::Status Query(const std::string& problem, Position position) const {
    return absl::InvalidArgumentError(StrCat(
        rules::RuleTypeName(type_), " analysis rules: ", problem, Where(request_.sql, position)));
  }

 private:
  const PolicyRequest& request_;
  RuleType type_;
};

// Implicit casts the binder adds do not change which column a value comes from.
const Expr& StripImplicitCasts(const Expr& e) {
  const Expr* cur = &e;
  while (cur->kind == Expr::Kind::kCast && !cur->explicit_cast && cur->children.size() == 1) {
    cur = &cur->children[0];
  }
  return *cur;
}

Position FirstPosition(const Expr& e, Position fallback) {
  return e.position ? e.position : fallback;
}

// Splits a condition into its AND-ed parts.
void Conjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == Expr::Kind::kConjunction && e.name == "AND") {
    for (const Expr& c : e.children) Conjuncts(c, out);
  } else {
    out->push_back(&e);
  }
}

bool Contains(const Expr& e, Expr::Kind kind) {
  if (e.kind == kind) return true;
  for (const Expr& c : e.children) {
    if (Contains(c, kind)) return true;
  }
  for (const Expr& c : e.modifiers) {
    if (Contains(c, kind)) return true;
  }
  return false;
}

void Columns(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == Expr::Kind::kColumn) out->push_back(&e);
  for (const Expr& c : e.children) Columns(c, out);
  for (const Expr& c : e.modifiers) Columns(c, out);
}

bool In(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Union-find over scans, for "is every table joined".
class Components {
 public:
  explicit Components(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void Unite(size_t a, size_t b) { parent_[Find(a)] = Find(b); }

 private:
  std::vector<size_t> parent_;
};

// What the checks need to know about each scan.
struct ScanInfo {
  std::string table;
  const PolicyTable* policy = nullptr;
  const rules::TableRule* rule = nullptr;
};

// The join-related columns and operators of a scan's rule (AGGREGATION or LIST).
struct JoinPolicy {
  const std::vector<std::string>* join_columns = nullptr;
  std::vector<rules::JoinOperator> operators;
};

class Checker {
 public:
  Checker(const ResolvedQuery& query, const PolicyRequest& request, RuleType type,
          std::vector<ScanInfo> scans)
      : query_(query),
        request_(request),
        type_(type),
        refuse_(request, type),
        scans_(std::move(scans)) {}

  absl::Status Check(PolicyDecision* decision) {
    switch (type_) {
      case RuleType::kAggregation:
        return CheckAggregation(decision);
      case RuleType::kList:
        return CheckList();
      case RuleType::kCustom:
        return CheckCustom();
    }
    return absl::InternalError("unknown rule type");
  }

 private:
  const std::string& TableOf(const Expr& column) const { return scans_[column.scan].table; }
  const rules::AggregationRule& Agg(int scan) const {
    return std::get<rules::AggregationRule>(*scans_[scan].rule);
  }
  const rules::ListRule& List(int scan) const {
    return std::get<rules::ListRule>(*scans_[scan].rule);
  }
  const rules::CustomRule& Custom(int scan) const {
    return std::get<rules::CustomRule>(*scans_[scan].rule);
  }

  JoinPolicy JoinPolicyOf(int scan) const {
    JoinPolicy p;
    if (type_ == RuleType::kAggregation) {
      p.join_columns = &Agg(scan).join_columns;
      p.operators = Agg(scan).EffectiveJoinOperators();
    } else {
      p.join_columns = &List(scan).join_columns;
      p.operators = List(scan).EffectiveJoinOperators();
    }
    return p;
  }

  bool IsJoinColumn(const Expr& column) const {
    return In(*JoinPolicyOf(column.scan).join_columns, column.name);
  }

  // Constructs every rule-constrained query must do without.
  absl::Status CheckSimpleShape(const std::string& what) {
    const auto& s = query_.syntax;
    auto refuse = [&](const std::string& construct) {
      return refuse_(scans_[0].table, StrCat(construct, " are not allowed in ", what, " queries"),
                     std::nullopt);
    };
    if (s.ctes) return refuse("common table expressions (WITH)");
    if (s.derived_tables) return refuse("subqueries in FROM");
    if (s.subquery_expressions) return refuse("subqueries");
    if (s.set_operations) return refuse("set operations (UNION, EXCEPT, INTERSECT)");
    if (s.values_lists) return refuse("VALUES lists");
    if (s.samples) return refuse("samples (TABLESAMPLE, USING SAMPLE)");
    if (s.qualify) return refuse("QUALIFY clauses");
    if (query_.unnests) return refuse("UNNEST calls");
    if (query_.multiple_grouping_sets) return refuse("GROUPING SETS, ROLLUP and CUBE");
    if (!s.stars.empty()) {
      return refuse_(scans_[0].table,
                     StrCat("SELECT * is not allowed in ", what, " queries; name the columns"),
                     s.stars[0]);
    }
    for (const auto& f : s.functions) {
      if (f.window) {
        return refuse_(scans_[0].table,
                       StrCat("window function ", f.name, " is not allowed in ", what, " queries"),
                       f.position);
      }
    }
    if (query_.windows) return refuse("window functions");
    return absl::OkStatus();
  }

  // ----- Joins (AGGREGATION and LIST) -----

  // True if `e` is a join predicate: equalities between join columns of two different scans,
  // combined with AND/OR. Sets `refusal` to say why not when it looks like one but breaks a rule.
  bool IsJoinPredicate(const Expr& e, std::set<std::pair<int, int>>* pairs,
                       std::set<std::string>* ops, absl::Status* refusal) {
    if (e.kind == Expr::Kind::kConjunction) {
      ops->insert(e.name);
      for (const Expr& c : e.children) {
        if (!IsJoinPredicate(c, pairs, ops, refusal)) return false;
      }
      return true;
    }
    if (e.kind != Expr::Kind::kComparison || e.children.size() != 2) return false;
    const Expr& l = StripImplicitCasts(e.children[0]);
    const Expr& r = StripImplicitCasts(e.children[1]);
    if (l.kind != Expr::Kind::kColumn || r.kind != Expr::Kind::kColumn || l.scan == r.scan)
      return false;
    for (const Expr* side : {&l, &r}) {
      if (!IsJoinColumn(*side)) {
        *refusal = refuse_(TableOf(*side),
                           StrCat("column ", side->name,
                                  " is not a join column; tables can be joined only on their join "
                                  "columns"),
                           FirstPosition(*side, e.position));
        return false;
      }
    }
    if (e.name != "=") {
      *refusal =
          refuse_(TableOf(l), StrCat("join columns can be compared only with =, not ", e.name),
                  FirstPosition(e, l.position));
      return false;
    }
    pairs->insert({std::min(l.scan, r.scan), std::max(l.scan, r.scan)});
    return true;
  }

  // Checks the operators a join condition uses against every joined table's rule.
  absl::Status CheckJoinOperators(const std::set<std::pair<int, int>>& pairs,
                                  const std::set<std::string>& ops, Position position) {
    for (const auto& [a, b] : pairs) {
      for (int scan : {a, b}) {
        JoinPolicy p = JoinPolicyOf(scan);
        for (const std::string& op : ops) {
          rules::JoinOperator wanted =
              op == "AND" ? rules::JoinOperator::kAnd : rules::JoinOperator::kOr;
          if (std::find(p.operators.begin(), p.operators.end(), wanted) == p.operators.end()) {
            return refuse_(scans_[scan].table,
                           StrCat(op, " is not an allowed join operator (allowedJoinOperators)"),
                           position);
          }
        }
      }
    }
    return absl::OkStatus();
  }

  // Records the joins of the query; refuses outer joins and conditions on other columns.
  absl::Status CheckJoins(Components* components, std::vector<const Expr*>* where_rest) {
    auto record = [&](const std::set<std::pair<int, int>>& pairs) {
      for (const auto& [a, b] : pairs) components->Unite(a, b);
    };
    for (const engine::Join& join : query_.joins) {
      if (join.type != "INNER" && join.type != "CROSS") {
        int scan = join.right_scans.empty() ? 0 : join.right_scans[0];
        return refuse_(scans_[scan].table,
                       StrCat(join.type, " joins are not allowed; only INNER JOIN is"),
                       join.conditions.empty() ? std::nullopt : join.conditions[0].position);
      }
      std::set<std::pair<int, int>> pairs;
      std::set<std::string> ops;
      if (join.conditions.size() > 1) ops.insert("AND");
      for (const Expr& cond : join.conditions) {
        absl::Status refusal;
        if (!IsJoinPredicate(cond, &pairs, &ops, &refusal)) {
          if (!refusal.ok()) return refusal;
          std::vector<const Expr*> cols;
          Columns(cond, &cols);
          int scan = cols.empty() ? 0 : cols[0]->scan;
          return refuse_(
              scans_[scan].table,
              "a join condition may only compare join columns of two tables with =", cond.position);
        }
      }
      RETURN_IF_ERROR(CheckJoinOperators(
          pairs, ops, join.conditions.empty() ? std::nullopt : join.conditions[0].position));
      record(pairs);
    }
    // Implicit joins: equalities of join columns in WHERE.
    std::vector<const Expr*> rest;
    for (const Expr& filter : query_.filters) {
      std::vector<const Expr*> parts;
      Conjuncts(filter, &parts);
      for (const Expr* part : parts) {
        std::set<std::pair<int, int>> pairs;
        std::set<std::string> ops;
        absl::Status refusal;
        if (IsJoinPredicate(*part, &pairs, &ops, &refusal)) {
          RETURN_IF_ERROR(CheckJoinOperators(pairs, ops, part->position));
          record(pairs);
        } else {
          if (!refusal.ok() && !Contains(*part, Expr::Kind::kAggregate)) {
            // A comparison of columns of two tables that is not a valid join.
            std::vector<const Expr*> cols;
            Columns(*part, &cols);
            std::set<int> scans;
            for (const Expr* c : cols) scans.insert(c->scan);
            if (scans.size() > 1) return refusal;
          }
          rest.push_back(part);
        }
      }
    }
    *where_rest = std::move(rest);
    return absl::OkStatus();
  }

  // True if scan `i` is joined, directly or through other tables, with another scan of a table
  // the query runner owns (AWS, for joinRequired and LIST: "either directly or transitively").
  bool JoinedWithRunnerTable(size_t i, Components* components) const {
    for (size_t other = 0; other < scans_.size(); ++other) {
      if (other != i && scans_[other].policy->owner_account_id == request_.querier_account_id &&
          components->Find(other) == components->Find(i)) {
        return true;
      }
    }
    return false;
  }

  absl::Status CheckConnected(Components* components) {
    for (size_t i = 1; i < scans_.size(); ++i) {
      if (components->Find(i) != components->Find(0)) {
        return refuse_(scans_[i].table,
                       "the table is not joined to the other tables on its join columns (cross "
                       "joins are not allowed)",
                       std::nullopt);
      }
    }
    return absl::OkStatus();
  }

  // ----- AGGREGATION -----

  // A column used outside an aggregate function: only dimension columns may be.
  absl::Status DimensionColumn(const Expr& column, Position position, const char* where) {
    const rules::AggregationRule& rule = Agg(column.scan);
    if (In(rule.dimension_columns, column.name)) return absl::OkStatus();
    Position pos = FirstPosition(column, position);
    if (In(rule.join_columns, column.name)) {
      return refuse_(TableOf(column),
                     StrCat("column ", column.name,
                            " is a join column; it can be used only in JOIN "
                            "conditions, never ",
                            where),
                     pos);
    }
    if (rule.IsAggregateColumn(column.name)) {
      return refuse_(TableOf(column),
                     StrCat("column ", column.name,
                            " is an aggregate column; it can be used only "
                            "inside the aggregate functions its rule allows, never ",
                            where),
                     pos);
    }
    return refuse_(
        TableOf(column),
        StrCat("column ", column.name, " is not a dimension column and cannot be ", where), pos);
  }

  absl::Status Aggregate(const Expr& agg, Position position) {
    Position pos = FirstPosition(agg, position);
    if (!agg.modifiers.empty()) {
      return refuse_(scans_[0].table,
                     StrCat("aggregate ", agg.name, " may not use FILTER or ORDER BY"), pos);
    }
    if (agg.name == "count_star") {
      // COUNT(*): allowed when every table read allows COUNT on some column.
      for (size_t i = 0; i < scans_.size(); ++i) {
        bool any = false;
        for (const auto& ac : Agg(static_cast<int>(i)).aggregate_columns) {
          any |= ac.function == rules::AggregateFunction::kCount;
        }
        if (!any) {
          return refuse_(scans_[i].table,
                         "COUNT(*) is not allowed: the rule allows COUNT on none of its columns",
                         pos);
        }
      }
      return absl::OkStatus();
    }
    std::optional<rules::AggregateFunction> function;
    if (agg.name == "sum") {
      function =
          agg.distinct ? rules::AggregateFunction::kSumDistinct : rules::AggregateFunction::kSum;
    } else if (agg.name == "count") {
      function = agg.distinct ? rules::AggregateFunction::kCountDistinct
                              : rules::AggregateFunction::kCount;
    } else if (agg.name == "avg" && !agg.distinct) {
      function = rules::AggregateFunction::kAvg;
    }
    std::vector<const Expr*> cols;
    Columns(agg, &cols);
    const std::string& table = cols.empty() ? scans_[0].table : TableOf(*cols[0]);
    if (!function) {
      return refuse_(table,
                     StrCat("aggregate function ", agg.name, agg.distinct ? " DISTINCT" : "",
                            " is not allowed; AGGREGATION rules allow only ",
                            rules::internal::AggregateFunctionNames()),
                     pos);
    }
    if (agg.children.size() != 1 ||
        StripImplicitCasts(agg.children[0]).kind != Expr::Kind::kColumn) {
      return refuse_(table,
                     StrCat("aggregate function ", agg.name,
                            " must be applied directly to an aggregate column"),
                     pos);
    }
    const Expr& column = StripImplicitCasts(agg.children[0]);
    if (!Agg(column.scan).AllowsAggregate(*function, column.name)) {
      return refuse_(TableOf(column),
                     StrCat(rules::AggregateFunctionName(*function), " is not allowed on column ",
                            column.name, " (aggregateColumns)"),
                     FirstPosition(column, pos));
    }
    return absl::OkStatus();
  }

  // An expression of the SELECT list, HAVING or ORDER BY: dimension columns outside aggregates,
  // allowed aggregates, constants and functions (checked separately on the text).
  absl::Status AggregationExpr(const Expr& e, Position position, const char* where) {
    Position pos = FirstPosition(e, position);
    switch (e.kind) {
      case Expr::Kind::kColumn:
        return DimensionColumn(e, pos, where);
      case Expr::Kind::kAggregate:
        return Aggregate(e, pos);
      case Expr::Kind::kWindow:
        return refuse_(scans_[0].table, "window functions are not allowed", pos);
      case Expr::Kind::kSubqueryTest:
      case Expr::Kind::kSetOperation:
        return refuse_(scans_[0].table, "subqueries are not allowed", pos);
      case Expr::Kind::kGrouping:
        return refuse_(scans_[0].table, "GROUPING() is not allowed", pos);
      default:
        for (const Expr& c : e.children) RETURN_IF_ERROR(AggregationExpr(c, pos, where));
        for (const Expr& c : e.modifiers) RETURN_IF_ERROR(AggregationExpr(c, pos, where));
        return absl::OkStatus();
    }
  }

  // Functions, operators and casts as written: only the scalar functions every table's rule
  // allows, arithmetic, and the aggregates COUNT, SUM and AVG.
  absl::Status AggregationFunctions() {
    std::vector<rules::ScalarFunction> allowed;
    for (int i = 0; i < static_cast<int>(ScanCount()); ++i) {
      const auto& fs = Agg(i).scalar_functions;
      if (i == 0) {
        allowed = fs;
      } else {
        std::vector<rules::ScalarFunction> both;
        for (auto f : allowed) {
          if (std::find(fs.begin(), fs.end(), f) != fs.end()) both.push_back(f);
        }
        allowed = both;
      }
    }
    auto table_without = [&](rules::ScalarFunction f) -> const std::string& {
      for (size_t i = 0; i < scans_.size(); ++i) {
        const auto& fs = Agg(static_cast<int>(i)).scalar_functions;
        if (std::find(fs.begin(), fs.end(), f) == fs.end()) return scans_[i].table;
      }
      return scans_[0].table;
    };
    for (const auto& call : query_.syntax.functions) {
      if (call.is_operator) {
        if (IsArithmeticOperator(call.name)) continue;
        return refuse_(scans_[0].table,
                       StrCat("operator ", call.name,
                              " is not allowed; AGGREGATION queries may use "
                              "+, -, *, / and the rule's scalarFunctions"),
                       call.position);
      }
      if (IsRuleAggregateSpelling(call.name)) continue;
      auto it = ScalarFunctionSpellings().find(call.name);
      if (it == ScalarFunctionSpellings().end()) {
        return refuse_(scans_[0].table,
                       StrCat("function ", call.name,
                              " is not allowed; AGGREGATION queries may use "
                              "the aggregate functions COUNT, SUM and AVG and the scalar functions "
                              "in the rule's scalarFunctions"),
                       call.position);
      }
      if (std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()) {
        return refuse_(table_without(it->second),
                       StrCat("scalar function ", rules::ScalarFunctionName(it->second), " (",
                              call.name, ") is not in the rule's scalarFunctions"),
                       call.position);
      }
    }
    if (!query_.syntax.casts.empty() &&
        std::find(allowed.begin(), allowed.end(), rules::ScalarFunction::kCast) == allowed.end()) {
      return refuse_(table_without(rules::ScalarFunction::kCast),
                     "CAST is not in the rule's scalarFunctions", query_.syntax.casts[0]);
    }
    return absl::OkStatus();
  }

  size_t ScanCount() const { return scans_.size(); }

  absl::Status CheckAggregation(PolicyDecision* decision) {
    RETURN_IF_ERROR(CheckSimpleShape("AGGREGATION"));
    RETURN_IF_ERROR(AggregationFunctions());
    if (query_.aggregations != 1) {
      return refuse_.Query("the query must aggregate (use COUNT, SUM or AVG)", std::nullopt);
    }
    bool any_aggregate = false;
    for (const auto& out : query_.outputs) {
      RETURN_IF_ERROR(AggregationExpr(out.expr, out.expr.position, "selected"));
      any_aggregate |= Contains(out.expr, Expr::Kind::kAggregate);
    }
    if (!any_aggregate) {
      return refuse_.Query(
          "at least one output column must be an aggregate function (COUNT, SUM or AVG)",
          std::nullopt);
    }
    for (const Expr& key : query_.group_keys) {
      if (Contains(key, Expr::Kind::kAggregate)) {
        return refuse_.Query("aggregates cannot be grouping keys", key.position);
      }
      RETURN_IF_ERROR(AggregationExpr(key, key.position, "grouped by"));
    }
    for (const Expr& key : query_.order_keys) {
      RETURN_IF_ERROR(AggregationExpr(key, key.position, "ordered by"));
    }
    Components components(scans_.size());
    std::vector<const Expr*> rest;
    RETURN_IF_ERROR(CheckJoins(&components, &rest));
    for (const Expr* part : rest) {
      RETURN_IF_ERROR(AggregationExpr(*part, part->position, "filtered on"));
    }
    RETURN_IF_ERROR(CheckConnected(&components));
    // joinRequired: a table of another member must be joined with one of the query runner's.
    for (size_t i = 0; i < scans_.size(); ++i) {
      const ScanInfo& scan = scans_[i];
      if (!Agg(static_cast<int>(i)).join_required ||
          scan.policy->owner_account_id == request_.querier_account_id) {
        continue;
      }
      if (!JoinedWithRunnerTable(i, &components)) {
        return refuse_(scan.table,
                       "the rule requires the query runner to join this table with a table of "
                       "its own on a join column (joinRequired QUERY_RUNNER)",
                       std::nullopt);
      }
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < scans_.size(); ++i) {
      for (const auto& c : Agg(static_cast<int>(i)).output_constraints) {
        if (!seen.insert({scans_[i].table, c.column_name}).second) continue;
        decision->output_constraints.push_back({scans_[i].table, c.column_name, c.minimum});
      }
    }
    return absl::OkStatus();
  }

  // ----- LIST -----

  absl::Status ListColumn(const Expr& e, Position position, const char* where) {
    const Expr& c = StripImplicitCasts(e);
    Position pos = FirstPosition(c, FirstPosition(e, position));
    if (c.kind != Expr::Kind::kColumn) {
      return refuse_(scans_[0].table,
                     StrCat("only list columns can be ", where, ", not expressions"), pos);
    }
    const rules::ListRule& rule = List(c.scan);
    if (In(rule.list_columns, c.name)) return absl::OkStatus();
    if (In(rule.join_columns, c.name)) {
      return refuse_(TableOf(c),
                     StrCat("column ", c.name,
                            " is a join column; it can be used only in JOIN "
                            "conditions, never ",
                            where),
                     pos);
    }
    return refuse_(TableOf(c),
                   StrCat("column ", c.name, " is not a list column and cannot be ", where), pos);
  }

  // A WHERE condition of a LIST query: list columns and constants, compared, combined with
  // arithmetic and matched with LIKE.
  absl::Status ListFilter(const Expr& e, Position position) {
    Position pos = FirstPosition(e, position);
    bool operands = false;
    switch (e.kind) {
      case Expr::Kind::kColumn:
        return ListColumn(e, pos, "filtered on");
      case Expr::Kind::kConstant:
        return absl::OkStatus();
      case Expr::Kind::kComparison:
      case Expr::Kind::kConjunction:
      case Expr::Kind::kOperator:
      case Expr::Kind::kCast:
        operands = true;
        break;
      case Expr::Kind::kFunction:
        operands = IsListOperator(e.name);
        break;
      case Expr::Kind::kOther:
        operands = e.name == "BETWEEN";
        break;
      default:
        break;
    }
    if (!operands) {
      return refuse_(scans_[0].table, "LIST queries may filter only list columns against constants",
                     pos);
    }
    for (const Expr& c : e.children) RETURN_IF_ERROR(ListFilter(c, pos));
    return absl::OkStatus();
  }

  absl::Status CheckList() {
    RETURN_IF_ERROR(CheckSimpleShape("LIST"));
    for (const auto& call : query_.syntax.functions) {
      if (call.is_operator && IsListOperator(call.name)) continue;
      return refuse_(scans_[0].table,
                     StrCat(call.is_operator ? "operator " : "function ", call.name,
                            " is not allowed; LIST queries may use only the operators +, -, *, / "
                            "and LIKE, no functions"),
                     call.position);
    }
    if (!query_.syntax.casts.empty()) {
      return refuse_(scans_[0].table, "CAST is not allowed in LIST queries",
                     query_.syntax.casts[0]);
    }
    if (query_.aggregations) {
      return refuse_(scans_[0].table,
                     "LIST queries cannot aggregate (no GROUP BY or aggregate functions)",
                     std::nullopt);
    }
    if (scans_.size() < 2) {
      return refuse_(scans_[0].table,
                     "LIST queries must join the table with at least one other table on their join "
                     "columns: they list the overlap of the tables",
                     std::nullopt);
    }
    if (!query_.distincts) {
      return refuse_(scans_[0].table,
                     "LIST queries must select with SELECT DISTINCT: they list each combination of "
                     "values once",
                     std::nullopt);
    }
    if (!query_.syntax.order_by.empty() || !query_.order_keys.empty()) {
      return refuse_(scans_[0].table,
                     "ORDER BY is not allowed in LIST queries, which are SELECT DISTINCT ... FROM "
                     "... [INNER] JOIN ... ON ... [WHERE ...] [LIMIT ...]",
                     query_.syntax.order_by.empty() ? std::nullopt : query_.syntax.order_by[0]);
    }
    for (const auto& out : query_.outputs) {
      RETURN_IF_ERROR(ListColumn(out.expr, out.expr.position, "selected"));
    }
    for (const Expr& key : query_.group_keys)
      RETURN_IF_ERROR(ListColumn(key, key.position, "selected"));
    Components components(scans_.size());
    std::vector<const Expr*> rest;
    RETURN_IF_ERROR(CheckJoins(&components, &rest));
    for (const Expr* part : rest) RETURN_IF_ERROR(ListFilter(*part, part->position));
    RETURN_IF_ERROR(CheckConnected(&components));
    for (size_t i = 0; i < scans_.size(); ++i) {
      if (scans_[i].policy->owner_account_id == request_.querier_account_id) continue;
      if (!JoinedWithRunnerTable(i, &components)) {
        return refuse_(scans_[i].table,
                       "LIST queries must join the table, directly or through other tables, with a "
                       "table of the query runner: they list the overlap with the runner's data",
                       std::nullopt);
      }
    }
    return absl::OkStatus();
  }

  // ----- CUSTOM -----

  // True if the column's values cannot be read from `e`: it is only counted.
  static bool OnlyCounted(const Expr& e, const Expr* target) {
    (void)target;
    return e.kind == Expr::Kind::kAggregate && (e.name == "count" || e.name == "count_star");
  }

  absl::Status DisallowedOutput(const Expr& e, const std::string& output, Position position) {
    if (OnlyCounted(e, nullptr)) return absl::OkStatus();
    Position pos = FirstPosition(e, position);
    if (e.kind == Expr::Kind::kColumn && Custom(e.scan).IsDisallowedOutputColumn(e.name)) {
      return refuse_(TableOf(e),
                     StrCat("column ", e.name,
                            " is in disallowedOutputColumns and cannot appear in "
                            "the output, directly or through an expression (output column ",
                            output, ")"),
                     pos);
    }
    for (const Expr& c : e.children) RETURN_IF_ERROR(DisallowedOutput(c, output, pos));
    for (const Expr& c : e.modifiers) RETURN_IF_ERROR(DisallowedOutput(c, output, pos));
    return absl::OkStatus();
  }

  absl::Status CheckCustom() {
    for (size_t i = 0; i < scans_.size(); ++i) {
      const rules::CustomRule& rule = Custom(static_cast<int>(i));
      const std::string& table = scans_[i].table;
      if (request_.analysis_template_arn) {
        if (!rule.AllowsAnalysisTemplate(*request_.analysis_template_arn)) {
          return refuse_(table,
                         StrCat("analysis template ", *request_.analysis_template_arn,
                                " is not in the rule's allowedAnalyses"),
                         std::nullopt);
        }
      } else {
        if (!rule.AllowsAnyQuery()) {
          return refuse_(table,
                         "the rule allows only the analysis templates in its allowedAnalyses, not "
                         "ad-hoc queries (ANY_QUERY); run one of those templates",
                         std::nullopt);
        }
        if (!rule.IsAnalysisProvider(request_.querier_account_id)) {
          return refuse_(table,
                         StrCat("account ", request_.querier_account_id,
                                " is not in the rule's allowedAnalysisProviders, so it may not run "
                                "ad-hoc queries on this table"),
                         std::nullopt);
        }
      }
    }
    for (const auto& out : query_.outputs) {
      RETURN_IF_ERROR(DisallowedOutput(out.expr, out.name, out.expr.position));
    }
    return absl::OkStatus();
  }

  const ResolvedQuery& query_;
  const PolicyRequest& request_;
  RuleType type_;
  Refusal refuse_;
  std::vector<ScanInfo> scans_;
};

const rules::TableRule* RuleOfType(const PolicyTable& table, RuleType type) {
  for (const auto& rule : table.table_rules) {
    if (rules::GetRuleType(rule) == type) return &rule;
  }
  return nullptr;
}

const rules::AssociationRule* AssociationRuleOfType(const PolicyTable& table, RuleType type) {
  for (const auto& rule : table.association_rules) {
    if (rule.type == type) return &rule;
  }
  return nullptr;
}

std::string TypeList(const PolicyTable& table) {
  std::vector<std::string> names;
  for (const auto& rule : table.table_rules)
    names.emplace_back(rules::RuleTypeName(rules::GetRuleType(rule)));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<PolicyDecision> CheckQuery(const engine::ResolvedQuery& query,
                                          const PolicyRequest& request) {
  std::map<std::string, const PolicyTable*> by_name;
  for (const PolicyTable& t : request.tables) by_name[ToLower(t.name)] = &t;
  std::set<std::string> read;
  for (const auto& scan : query.scans) {
    if (!by_name.count(scan.table)) {
      return absl::InvalidArgumentError(
          StrCat("\"", scan.table, "\" is not a table of this collaboration"));
    }
    read.insert(scan.table);
  }
  if (read.empty()) {
    return absl::InvalidArgumentError(
        "a protected query must read at least one table of the collaboration");
  }
  for (const std::string& name : read) {
    if (by_name[name]->table_rules.empty()) {
      return absl::InvalidArgumentError(StrCat("table \"", name,
                                               "\" has no analysis rule, so no query may read it "
                                               "(ANALYSIS_RULE_MISSING); its owner adds one with "
                                               "create-configured-table-analysis-rule"));
    }
  }
  // The rule types every table read carries.
  std::vector<RuleType> common;
  for (RuleType type : {RuleType::kAggregation, RuleType::kList, RuleType::kCustom}) {
    bool all = true;
    for (const std::string& name : read) all &= RuleOfType(*by_name[name], type) != nullptr;
    if (all) common.push_back(type);
  }
  std::vector<std::string> parts;
  for (const std::string& name : read) {
    parts.push_back(StrCat("\"", name, "\" (", TypeList(*by_name[name]), ")"));
  }
  if (common.empty()) {
    return absl::InvalidArgumentError(
        StrCat("the tables a query reads must all carry the same analysis rule type; the query "
               "reads ",
               absl::StrJoin(parts, ", "), " (ANALYSIS_RULE_TYPES_NOT_COMPATIBLE)"));
  }
  if (request.analysis_template_arn) {
    // Analysis templates are what CUSTOM rules allow; AGGREGATION and LIST rules know none.
    if (std::find(common.begin(), common.end(), RuleType::kCustom) == common.end()) {
      return absl::InvalidArgumentError(
          StrCat("analysis templates run only on tables with a CUSTOM analysis rule; the query "
                 "reads ",
                 absl::StrJoin(parts, ", ")));
    }
    common = {RuleType::kCustom};
  }
  absl::Status first_refusal;
  for (RuleType type : common) {
    std::vector<ScanInfo> scans;
    for (const auto& scan : query.scans) {
      const PolicyTable* table = by_name[scan.table];
      scans.push_back({scan.table, table, RuleOfType(*table, type)});
    }
    PolicyDecision decision;
    decision.rule_type = type;
    decision.tables.assign(read.begin(), read.end());
    Checker checker(query, request, type, std::move(scans));
    absl::Status status = checker.Check(&decision);
    if (!status.ok()) {
      if (first_refusal.ok()) first_refusal = status;
      continue;
    }
    if (type == RuleType::kCustom) {
      for (const std::string& name : read) {
        const auto& custom = std::get<rules::CustomRule>(*RuleOfType(*by_name[name], type));
        if (custom.differential_privacy_column) {
          decision.differential_privacy.push_back({name, *custom.differential_privacy_column});
        }
      }
    }
    for (const std::string& name : read) {
      const PolicyTable& table = *by_name[name];
      const rules::AssociationRule* rule = AssociationRuleOfType(table, type);
      std::optional<rules::AssociationRule> optional_rule;
      if (rule) optional_rule = *rule;
      for (const std::string& receiver : request.receiver_account_ids) {
        if (!rules::MayReceiveResults(optional_rule, table.owner_account_id, receiver)) {
          return absl::InvalidArgumentError(StrCat(
              rules::RuleTypeName(type), " collaboration analysis rule of table \"", name,
              "\": account ", receiver, " may not receive results of queries that read this table",
              rule ? " (it is not in allowedResultReceivers)"
                   : " (the table has no collaboration analysis rule naming result receivers)"));
        }
      }
    }
    return decision;
  }
  return first_refusal;
}

namespace {

// Differential privacy checks on the rows a DP query aggregates (see CheckDifferentialPrivacy).
class DpChecker {
 public:
  DpChecker(const engine::ResolvedQuery& rows, const std::vector<DpColumn>& tables,
            const std::string& sql)
      : rows_(rows), sql_(sql) {
    for (const DpColumn& t : tables) columns_[ToLower(t.table)] = ToLower(t.user_id_column);
  }

  absl::Status Check() {
    for (const engine::Join& join : rows_.joins) RETURN_IF_ERROR(CheckJoin(join));
    for (const engine::AggregationStep& step : rows_.aggregation_steps) {
      const engine::Scan* dp = FirstProtected(step.scans);
      if (dp == nullptr) continue;
      bool keyed = std::any_of(step.keys.begin(), step.keys.end(),
                               [&](const Expr& k) { return IsUserId(k); });
      if (!keyed) {
        Position at;
        if (!step.keys.empty()) at = step.keys[0].position;
        return Refuse(dp->table,
                      StrCat("a CTE or subquery that aggregates rows of table \"", dp->table,
                             "\" must GROUP BY its user identifier column ", columns_[dp->table],
                             ", so that its rows stay user-level"),
                      at);
      }
    }
    for (const auto& out : rows_.outputs) RETURN_IF_ERROR(CheckWindows(out.expr));
    for (const Expr& e : rows_.filters) RETURN_IF_ERROR(CheckWindows(e));
    for (const Expr& e : rows_.group_keys) RETURN_IF_ERROR(CheckWindows(e));
    for (const engine::Join& join : rows_.joins) {
      for (const Expr& e : join.conditions) RETURN_IF_ERROR(CheckWindows(e));
    }
    return absl::OkStatus();
  }

 private:
  using Expr = engine::Expr;
  using Position = engine::Position;

  absl::Status Refuse(const std::string& table, const std::string& message, Position at) {
    std::string text =
        StrCat("CUSTOM analysis rule of table \"", table, "\" (differential privacy): ", message);
    if (at) text += StrCat(" (", DescribeOffset(sql_, *at), ")");
    return absl::InvalidArgumentError(text);
  }

  bool IsProtected(int scan) const {
    return scan >= 0 && scan < static_cast<int>(rows_.scans.size()) &&
           columns_.count(rows_.scans[scan].table);
  }
  const engine::Scan* FirstProtected(const std::vector<int>& scans) const {
    for (int s : scans) {
      if (IsProtected(s)) return &rows_.scans[s];
    }
    return nullptr;
  }
  bool IsUserId(const Expr& e) const {
    if (e.kind == Expr::Kind::kSetOperation) {
      return !e.children.empty() && std::all_of(e.children.begin(), e.children.end(),
                                                [&](const Expr& c) { return IsUserId(c); });
    }
    return e.kind == Expr::Kind::kColumn && IsProtected(e.scan) &&
           ToLower(e.name) == columns_.at(rows_.scans[e.scan].table);
  }
  bool UserIdOf(const Expr& e, const std::vector<int>& side) const {
    if (!IsUserId(e)) return false;
    std::vector<int> used;
    Scans(e, &used);
    return std::all_of(used.begin(), used.end(),
                       [&](int s) { return std::find(side.begin(), side.end(), s) != side.end(); });
  }
  static void Scans(const Expr& e, std::vector<int>* out) {
    if (e.kind == Expr::Kind::kColumn) out->push_back(e.scan);
    for (const Expr& c : e.children) Scans(c, out);
    for (const Expr& c : e.modifiers) Scans(c, out);
  }
  bool ReadsProtected(const Expr& e) const {
    std::vector<int> used;
    Scans(e, &used);
    return std::any_of(used.begin(), used.end(), [&](int s) { return IsProtected(s); });
  }

  absl::Status CheckJoin(const engine::Join& join) {
    const engine::Scan* right = FirstProtected(join.right_scans);
    if (join.for_subquery) {
      if (right == nullptr) return absl::OkStatus();
      return Refuse(
          right->table,
          "a subquery that reads a protected table and refers to the rest of the query (a "
          "LATERAL or correlated subquery) is not supported; use a CTE or a derived table "
          "that stands on its own, and join it",
          join.conditions.empty() ? std::nullopt : join.conditions[0].position);
    }
    const engine::Scan* left = FirstProtected(join.left_scans);
    if (left == nullptr || right == nullptr) return absl::OkStatus();
    // The equality may be a join condition, or a WHERE conjunct over a comma join: a filter that
    // reads both sides can only be applied at or above the join.
    for (const std::vector<Expr>* conjuncts : {&join.conditions, &rows_.filters}) {
      for (const Expr& c : *conjuncts) {
        if (c.kind != Expr::Kind::kComparison || c.name != "=" || c.children.size() != 2) continue;
        const Expr& a = c.children[0];
        const Expr& b = c.children[1];
        if ((UserIdOf(a, join.left_scans) && UserIdOf(b, join.right_scans)) ||
            (UserIdOf(a, join.right_scans) && UserIdOf(b, join.left_scans))) {
          return absl::OkStatus();
        }
      }
    }
    return Refuse(
        right->table,
        StrCat("protected tables can be joined with each other only by equality of their user "
               "identifier columns (e.g. ON ",
               left->table, ".", columns_[left->table], " = ", right->table, ".",
               columns_[right->table], ")"),
        join.conditions.empty() ? std::nullopt : join.conditions[0].position);
  }

  absl::Status CheckWindows(const Expr& e) {
    if (e.kind == Expr::Kind::kWindow && ReadsProtected(e)) {
      bool partitioned = false;
      for (int i = 0; i < e.partitions && i < static_cast<int>(e.modifiers.size()); ++i) {
        partitioned |= IsUserId(e.modifiers[i]);
      }
      if (!partitioned) {
        std::vector<int> used;
        Scans(e, &used);
        const engine::Scan* dp = FirstProtected(used);
        return Refuse(dp->table,
                      StrCat("window functions over a protected table must PARTITION BY its user "
                             "identifier column ",
                             columns_[dp->table]),
                      e.position);
      }
    }
    for (const Expr& c : e.children) RETURN_IF_ERROR(CheckWindows(c));
    for (const Expr& c : e.modifiers) RETURN_IF_ERROR(CheckWindows(c));
    return absl::OkStatus();
  }

  const engine::ResolvedQuery& rows_;
  const std::string& sql_;
  std::map<std::string, std::string> columns_;  // protected table -> user identifier (lower case)
};

}  // namespace

absl::Status CheckDifferentialPrivacy(const engine::ResolvedQuery& rows,
                                      const std::vector<DpColumn>& tables, const std::string& sql) {
  return DpChecker(rows, tables, sql).Check();
}

}  // namespace cleanroom::querypolicy
