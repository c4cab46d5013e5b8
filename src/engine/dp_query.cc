// Engine::AnalyzeDp and Engine::ExecuteDp (dp_query.h): the final SELECT of a differentially
// private query taken apart on DuckDB's parse tree, and run over its user-level rows, bounded
// in memory (dp_bounding.h) or by a sequence of statements.
#include "engine/dp_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_replace.h"
#include "common/parallel.h"
#include "common/sql_text.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "duckdb.hpp"
#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/main/appender.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/expression/list.hpp"
#include "duckdb/parser/parsed_data/copy_info.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_data/create_view_info.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/list.hpp"
#include "duckdb/parser/statement/copy_statement.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/column_data_ref.hpp"
#include "duckdb/parser/tableref/list.hpp"
#include "duckdb/storage/buffer_manager.hpp"
#include "engine/dp_bounding.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace cleanroom::engine {
namespace {

using duckdb::make_uniq;
using duckdb::ParsedExpression;
using duckdb::unique_ptr;
using ExprPtr = unique_ptr<ParsedExpression>;

constexpr char kPrefix[] = "differential privacy: ";

absl::Status Refuse(const std::string& sql, const duckdb::optional_idx& at,
                    const std::string& message) {
  if (at.IsValid()) {
    return absl::InvalidArgumentError(StrCat(
        kPrefix, message, " (", DescribeOffset(sql, static_cast<size_t>(at.GetIndex())), ")"));
  }
  return absl::InvalidArgumentError(StrCat(kPrefix, message));
}

const std::map<std::string, DpAggregateKind>& AllowedAggregates() {
  static const auto* names =
      new std::map<std::string, DpAggregateKind>{{"count", DpAggregateKind::kCount},
                                                 {"count_star", DpAggregateKind::kCount},
                                                 {"sum", DpAggregateKind::kSum},
                                                 {"avg", DpAggregateKind::kAvg},
                                                 {"mean", DpAggregateKind::kAvg},
                                                 {"stddev", DpAggregateKind::kStddevSamp},
                                                 {"stddev_samp", DpAggregateKind::kStddevSamp},
                                                 {"stddev_pop", DpAggregateKind::kStddevPop}};
  return *names;
}

ExprPtr WithoutAlias(const ParsedExpression& e) {
  ExprPtr copy = e.Copy();
  copy->alias.clear();
  return copy;
}

bool SameExpression(const ParsedExpression& a, const ParsedExpression& b) {
  ExprPtr x = WithoutAlias(a), y = WithoutAlias(b);
  return ParsedExpression::Equals(x, y);
}

// The names the FROM clause binds (tables, aliases of tables and subqueries), through joins.
void Bindings(const duckdb::TableRef& ref, std::vector<std::string>* out) {
  using T = duckdb::TableReferenceType;
  if (ref.type == T::JOIN) {
    const auto& join = ref.Cast<duckdb::JoinRef>();
    Bindings(*join.left, out);
    Bindings(*join.right, out);
  } else if (ref.type == T::BASE_TABLE) {
    const auto& base = ref.Cast<duckdb::BaseTableRef>();
    out->push_back(base.alias.empty() ? base.table_name : base.alias);
  } else if (!ref.alias.empty()) {
    out->push_back(ref.alias);
  }
}

// True if `e` is the user identifier of a protected table: its column, or a set operation
// whose every input is one.
bool IsUserId(const Expr& e, const std::vector<Scan>& scans,
              const std::vector<DpTable>& dp_tables) {
  if (e.kind == Expr::Kind::kSetOperation) {
    if (e.children.empty()) return false;
    for (const Expr& c : e.children) {
      if (!IsUserId(c, scans, dp_tables)) return false;
    }
    return true;
  }
  if (e.kind != Expr::Kind::kColumn || e.scan < 0 || e.scan >= static_cast<int>(scans.size()))
    return false;
  for (const DpTable& t : dp_tables) {
    if (ToLower(t.table) == ToLower(scans[e.scan].table) &&
        ToLower(t.user_id_column) == ToLower(e.name)) {
      return true;
    }
  }
  return false;
}

// The final SELECT of a DP query taken apart, with the parse tree pieces ExecuteDp needs.
struct Analysis {
  DpQuery query;
  unique_ptr<duckdb::SQLStatement> statement;  // as parsed, parameters substituted
  std::vector<ExprPtr> keys;
  std::vector<ExprPtr> values;   // SUM / AVG / STDDEV arguments
  std::vector<ExprPtr> counted;  // per aggregate: COUNT(x) / COUNT(DISTINCT x) argument, else null
  ExprPtr user_id;
  // ORDER BY and LIMIT of the final SELECT, rewritten to name the output columns __o<i>.
  std::vector<unique_ptr<duckdb::ResultModifier>> modifiers;
};

// The final SELECT of `statement`, below its CTEs; nullptr if it ends in something else.
duckdb::SelectNode* FinalSelectOrNull(duckdb::SQLStatement& statement) {
  duckdb::QueryNode* root = statement.Cast<duckdb::SelectStatement>().node.get();
  while (root->type == duckdb::QueryNodeType::CTE_NODE)
    root = root->Cast<duckdb::CTENode>().child.get();
  return root->type == duckdb::QueryNodeType::SELECT_NODE ? &root->Cast<duckdb::SelectNode>()
                                                          : nullptr;
}

duckdb::SelectNode& FinalSelect(duckdb::SQLStatement& statement) {
  return *FinalSelectOrNull(statement);
}

// `statement` selecting only `item` from the final SELECT's FROM and WHERE, resolved; nullopt if
// it does not bind (e.g. a candidate column that does not exist).
std::optional<ResolvedQuery> Probe(duckdb::DuckDB& db, const std::string& sql,
                                   const duckdb::SQLStatement& statement,
                                   const ParsedExpression& item,
                                   const std::vector<TableSchema>& tables) {
  ParsedQuery probe;
  probe.statement = statement.Copy();
  auto& node = FinalSelect(*probe.statement);
  node.select_list.clear();
  node.select_list.push_back(WithoutAlias(item));
  node.groups.group_expressions.clear();
  node.groups.grouping_sets.clear();
  node.having = nullptr;
  node.modifiers.clear();
  node.aggregate_handling = duckdb::AggregateHandling::STANDARD_HANDLING;
  absl::StatusOr<ResolvedQuery> resolved = ResolveParsed(db, sql, std::move(probe), tables);
  if (!resolved.ok() || resolved->outputs.size() != 1) return std::nullopt;
  return *std::move(resolved);
}

// `statement` selecting `items` from the final SELECT's FROM and WHERE, resolved: the rows
// policies check (DpQuery::rows).
absl::StatusOr<ResolvedQuery> ProbeRows(duckdb::DuckDB& db, const std::string& sql,
                                        const duckdb::SQLStatement& statement,
                                        const std::vector<const ParsedExpression*>& items,
                                        const std::vector<TableSchema>& tables) {
  ParsedQuery probe;
  probe.statement = statement.Copy();
  auto& node = FinalSelect(*probe.statement);
  node.select_list.clear();
  for (const ParsedExpression* item : items) node.select_list.push_back(WithoutAlias(*item));
  node.groups.group_expressions.clear();
  node.groups.grouping_sets.clear();
  node.having = nullptr;
  node.modifiers.clear();
  node.aggregate_handling = duckdb::AggregateHandling::STANDARD_HANDLING;
  return ResolveParsed(db, sql, std::move(probe), tables);
}

absl::StatusOr<Analysis> Analyze(duckdb::DuckDB& db, const std::string& sql,
                                 const std::vector<TableSchema>& tables,
                                 const std::vector<SqlParameter>& parameters,
                                 const std::vector<DpTable>& dp_tables) {
  ASSIGN_OR_RETURN(ParsedQuery parsed, ParseQuery(sql, tables, parameters));
  Analysis a;
  if (parsed.syntax.subquery_expressions > 0) {
    return Refuse(sql, {},
                  "subqueries in expressions (IN (SELECT ...), EXISTS, scalar subqueries) are not "
                  "supported, whether or not they read a protected table; join a CTE or a derived "
                  "table instead");
  }
  a.statement = std::move(parsed.statement);
  if (FinalSelectOrNull(*a.statement) == nullptr) {
    return Refuse(
        sql, {},
        "the query must end in one SELECT that aggregates; set operations (UNION, EXCEPT, "
        "INTERSECT) may be used only inside CTEs");
  }
  auto& node = FinalSelect(*a.statement);
  if (!node.from_table) return Refuse(sql, {}, "the final SELECT must read a table");
  if (node.having) {
    return Refuse(
        sql, node.having->query_location,
        "HAVING is not supported: groups are released by the noise mechanism, which drops "
        "those with too few users");
  }
  if (node.qualify)
    return Refuse(sql, node.qualify->query_location,
                  "QUALIFY is not supported in the final SELECT");
  if (node.sample)
    return Refuse(sql, {},
                  "sampling (USING SAMPLE, TABLESAMPLE) is not supported in the final SELECT");
  if (node.aggregate_handling == duckdb::AggregateHandling::FORCE_AGGREGATES) {
    return Refuse(sql, {}, "GROUP BY ALL is not supported: list the GROUP BY columns");
  }
  if (node.groups.grouping_sets.size() > 1) {
    return Refuse(sql, {}, "GROUPING SETS, ROLLUP and CUBE are not supported: use one GROUP BY");
  }

  // GROUP BY keys, with `GROUP BY 1` and aliases replaced by what they name.
  for (const ExprPtr& g : node.groups.group_expressions) {
    const ParsedExpression* key = g.get();
    if (g->GetExpressionClass() == duckdb::ExpressionClass::CONSTANT) {
      const auto& value = g->Cast<duckdb::ConstantExpression>().value;
      int64_t index = value.type().IsIntegral() ? value.GetValue<int64_t>() : 0;
      if (index < 1 || index > static_cast<int64_t>(node.select_list.size())) {
        return Refuse(sql, g->query_location, "GROUP BY must name columns or expressions");
      }
      key = node.select_list[index - 1].get();
    } else if (g->GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF) {
      const auto& ref = g->Cast<duckdb::ColumnRefExpression>();
      if (!ref.IsQualified()) {
        for (const ExprPtr& item : node.select_list) {
          if (!item->alias.empty() && ToLower(item->alias) == ToLower(ref.GetColumnName()) &&
              item->GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF) {
            key = item.get();
          }
        }
      }
    }
    a.keys.push_back(WithoutAlias(*key));
  }
  a.query.key_count = static_cast<int>(a.keys.size());

  // The result's column names, as DuckDB names them.
  ParsedQuery whole;
  whole.statement = a.statement->Copy();
  ASSIGN_OR_RETURN(ResolvedQuery resolved, ResolveParsed(db, sql, std::move(whole), tables));
  if (resolved.outputs.size() != node.select_list.size()) {
    return Refuse(sql, {}, "`*` is not supported in the final SELECT: name its columns");
  }

  // The user identifier: a column of the final FROM that is a protected table's user identifier.
  std::vector<std::string> bindings;
  Bindings(*node.from_table, &bindings);
  std::vector<ExprPtr> candidates;
  std::set<std::string> user_columns;
  for (const DpTable& t : dp_tables) user_columns.insert(t.user_id_column);
  for (const std::string& column : user_columns) {
    for (const std::string& binding : bindings) {
      candidates.push_back(make_uniq<duckdb::ColumnRefExpression>(column, binding));
    }
    candidates.push_back(make_uniq<duckdb::ColumnRefExpression>(column));
  }
  for (ExprPtr& candidate : candidates) {
    std::optional<ResolvedQuery> probe = Probe(db, sql, *a.statement, *candidate, tables);
    if (probe && IsUserId(probe->outputs[0].expr, probe->scans, dp_tables)) {
      a.user_id = std::move(candidate);
      break;
    }
  }
  if (!a.user_id) {
    std::string which;
    for (const DpTable& t : dp_tables) {
      if (!which.empty()) which += ", ";
      which += StrCat("\"", t.table, "\" (", t.user_id_column, ")");
    }
    return Refuse(
        sql, {},
        StrCat("the final SELECT must aggregate user-level rows: its FROM must keep the user "
               "identifier column of the protected tables ",
               which, ", so select that column in every CTE and subquery it reads"));
  }
  a.query.user_id = a.user_id->ToString();

  // The outputs: GROUP BY keys and allowed aggregates.
  const auto& allowed = AllowedAggregates();
  for (size_t i = 0; i < node.select_list.size(); ++i) {
    const ParsedExpression& item = *node.select_list[i];
    DpOutput out;
    out.name = resolved.outputs[i].name;
    bool found = false;
    for (size_t k = 0; k < a.keys.size(); ++k) {
      if (SameExpression(item, *a.keys[k])) {
        out.is_key = true;
        out.index = static_cast<int>(k);
        found = true;
        break;
      }
    }
    if (!found && item.GetExpressionClass() == duckdb::ExpressionClass::FUNCTION) {
      const auto& f = item.Cast<duckdb::FunctionExpression>();
      auto kind = allowed.find(ToLower(f.function_name));
      if (kind != allowed.end() && !f.is_operator && f.schema.empty()) {
        if (f.filter || (f.order_bys && !f.order_bys->orders.empty()) || f.export_state) {
          return Refuse(
              sql, item.query_location,
              StrCat("FILTER and ORDER BY inside ", f.function_name, " are not supported"));
        }
        DpAggregate agg;
        agg.kind = kind->second;
        agg.expression = WithoutAlias(item)->ToString();
        bool is_count = agg.kind == DpAggregateKind::kCount;
        if (f.distinct && is_count) agg.kind = DpAggregateKind::kCountDistinct;
        if (f.distinct && !is_count) {
          return Refuse(sql, item.query_location,
                        StrCat(f.function_name,
                               "(DISTINCT ...) is not supported; only COUNT may be DISTINCT"));
        }
        if (is_count && f.children.empty()) {
          if (f.distinct)
            return Refuse(sql, item.query_location, "COUNT(DISTINCT *) is not supported");
          agg.counts_rows = true;
          a.counted.push_back(nullptr);
        } else if (f.children.size() != 1) {
          return Refuse(sql, item.query_location,
                        StrCat(f.function_name, " takes one argument here"));
        } else if (is_count) {
          std::optional<ResolvedQuery> probe = Probe(db, sql, *a.statement, *f.children[0], tables);
          agg.counts_users =
              f.distinct && probe && IsUserId(probe->outputs[0].expr, probe->scans, dp_tables);
          a.counted.push_back(f.children[0]->Copy());
        } else {
          std::string rendered = WithoutAlias(*f.children[0])->ToString();
          auto at = std::find(a.query.values.begin(), a.query.values.end(), rendered);
          if (at == a.query.values.end()) {
            a.query.values.push_back(rendered);
            a.values.push_back(WithoutAlias(*f.children[0]));
            at = a.query.values.end() - 1;
          }
          agg.value = static_cast<int>(at - a.query.values.begin());
          a.counted.push_back(nullptr);
        }
        out.index = static_cast<int>(a.query.aggregates.size());
        a.query.aggregates.push_back(std::move(agg));
        found = true;
      }
    }
    if (!found) {
      std::string what = item.GetExpressionClass() == duckdb::ExpressionClass::STAR
                             ? std::string("`*`")
                             : StrCat("output column ", out.name);
      return Refuse(
          sql, item.query_location,
          StrCat(what,
                 " is neither a GROUP BY key nor one of the aggregates differential privacy "
                 "allows in the final SELECT: COUNT, COUNT(DISTINCT ...), SUM, AVG and STDDEV, "
                 "each directly over a column or expression"));
    }
    a.query.outputs.push_back(std::move(out));
  }
  if (a.query.aggregates.empty()) {
    return Refuse(
        sql, {},
        "the final SELECT must aggregate (COUNT, COUNT(DISTINCT ...), SUM, AVG or STDDEV): "
        "rows of protected tables are never listed");
  }

  // The rows policies check: the user identifier and everything the final SELECT computes from
  // its FROM (GROUP BY keys, aggregate arguments), so that a window function or an inner
  // aggregation that feeds only a key or an aggregated value is checked too.
  std::vector<const ParsedExpression*> row_items = {a.user_id.get()};
  for (const ExprPtr& k : a.keys) row_items.push_back(k.get());
  for (const ExprPtr& v : a.values) row_items.push_back(v.get());
  for (const ExprPtr& c : a.counted) {
    if (c) row_items.push_back(c.get());
  }
  ASSIGN_OR_RETURN(a.query.rows, ProbeRows(db, sql, *a.statement, row_items, tables));

  // ORDER BY and LIMIT, over the output columns.
  for (const auto& m : node.modifiers) {
    using M = duckdb::ResultModifierType;
    if (m->type == M::DISTINCT_MODIFIER)
      return Refuse(sql, {}, "SELECT DISTINCT is not supported in the final SELECT");
    if (m->type == M::LIMIT_PERCENT_MODIFIER)
      return Refuse(sql, {}, "LIMIT ... PERCENT is not supported");
    auto copy = m->Copy();
    if (m->type == M::LIMIT_MODIFIER) {
      auto& limit = copy->Cast<duckdb::LimitModifier>();
      for (ExprPtr* e : {&limit.limit, &limit.offset}) {
        if (*e && (*e)->GetExpressionClass() != duckdb::ExpressionClass::CONSTANT) {
          return Refuse(sql, (*e)->query_location, "LIMIT and OFFSET must be numbers");
        }
      }
    } else if (m->type == M::ORDER_MODIFIER) {
      for (auto& order : copy->Cast<duckdb::OrderModifier>().orders) {
        ExprPtr& e = order.expression;
        if (e->GetExpressionClass() == duckdb::ExpressionClass::CONSTANT) continue;  // ORDER BY 2
        int column = -1;
        for (size_t i = 0; i < node.select_list.size() && column < 0; ++i) {
          if (SameExpression(*e, *node.select_list[i])) column = static_cast<int>(i);
        }
        if (column < 0 && e->GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF &&
            !e->Cast<duckdb::ColumnRefExpression>().IsQualified()) {
          std::string name = ToLower(e->Cast<duckdb::ColumnRefExpression>().GetColumnName());
          for (size_t i = 0; i < a.query.outputs.size() && column < 0; ++i) {
            if (ToLower(a.query.outputs[i].name) == name) column = static_cast<int>(i);
          }
        }
        if (column < 0) {
          return Refuse(
              sql, e->query_location,
              "ORDER BY must name output columns (by name, position or the same expression)");
        }
        e = make_uniq<duckdb::ColumnRefExpression>(StrCat("__o", column));
      }
    }
    a.modifiers.push_back(std::move(copy));
  }
  return a;
}

ExprPtr Try(ExprPtr e) {
  return make_uniq<duckdb::OperatorExpression>(duckdb::ExpressionType::OPERATOR_TRY, std::move(e));
}

ExprPtr Named(ExprPtr e, std::string alias) {
  e->alias = std::move(alias);
  return e;
}

bool NeedsTry(const ParsedExpression& e) {
  auto c = e.GetExpressionClass();
  return c != duckdb::ExpressionClass::COLUMN_REF && c != duckdb::ExpressionClass::CONSTANT &&
         c != duckdb::ExpressionClass::STAR && e.type != duckdb::ExpressionType::OPERATOR_TRY;
}

void TryExpression(ExprPtr& e) {
  if (!e || !NeedsTry(*e)) return;
  std::string alias = e->alias;
  e->alias.clear();
  e = Named(Try(std::move(e)), alias.empty() ? std::string() : alias);
}

// TRY over a condition, part by part: the operands of a comparison rather than the comparison,
// so that an equality between the two sides of a join stays a hash join and a filter on a
// column can still be pushed into the scan; AND, OR and NOT through to their operands.
void TryCondition(ExprPtr& e) {
  if (!e) return;
  switch (e->GetExpressionClass()) {
    case duckdb::ExpressionClass::CONJUNCTION:
      for (ExprPtr& child : e->Cast<duckdb::ConjunctionExpression>().children) TryCondition(child);
      return;
    case duckdb::ExpressionClass::COMPARISON: {
      auto& comparison = e->Cast<duckdb::ComparisonExpression>();
      TryExpression(comparison.left);
      TryExpression(comparison.right);
      return;
    }
    case duckdb::ExpressionClass::OPERATOR:
      if (e->type == duckdb::ExpressionType::OPERATOR_NOT) {
        for (ExprPtr& child : e->Cast<duckdb::OperatorExpression>().children) TryCondition(child);
        return;
      }
      break;
    default:
      break;
  }
  TryExpression(e);
}

void TryNode(duckdb::QueryNode& node);

void TryRef(duckdb::TableRef& ref) {
  using T = duckdb::TableReferenceType;
  if (ref.type == T::JOIN) {
    auto& join = ref.Cast<duckdb::JoinRef>();
    TryRef(*join.left);
    TryRef(*join.right);
    TryCondition(join.condition);
  } else if (ref.type == T::SUBQUERY) {
    TryNode(*ref.Cast<duckdb::SubqueryRef>().subquery->node);
  }
}

// Puts every computed expression of `node`, its CTEs and its FROM subqueries under TRY, so that a
// conversion or overflow error on one value becomes NULL instead of failing the query. A select
// item keeps its name (an unnamed one is named as it was written); GROUP BY keys stay as they are,
// so that the items that repeat them still match.
void TryNode(duckdb::QueryNode& node) {
  for (auto& entry : node.cte_map.map) TryNode(*entry.second->query->node);
  switch (node.type) {
    case duckdb::QueryNodeType::SELECT_NODE: {
      auto& select = node.Cast<duckdb::SelectNode>();
      for (ExprPtr& item : select.select_list) {
        if (item->alias.empty() && NeedsTry(*item)) item->alias = item->ToString();
        TryExpression(item);
      }
      TryCondition(select.where_clause);
      TryCondition(select.having);
      TryCondition(select.qualify);
      if (select.from_table) TryRef(*select.from_table);
      break;
    }
    case duckdb::QueryNodeType::SET_OPERATION_NODE: {
      auto& set = node.Cast<duckdb::SetOperationNode>();
      if (set.left) TryNode(*set.left);
      if (set.right) TryNode(*set.right);
      break;
    }
    case duckdb::QueryNodeType::CTE_NODE: {
      auto& cte = node.Cast<duckdb::CTENode>();
      if (cte.query) TryNode(*cte.query);
      if (cte.child) TryNode(*cte.child);
      break;
    }
    default:
      break;
  }
}

// A double as an exact SQL literal (the shortest text that reads back as the same double).
std::string DoubleLiteral(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  return StrCat("CAST('", std::string(buf, end), "' AS DOUBLE)");
}

absl::int128 ToInt128(const duckdb::Value& v) {
  if (v.IsNull()) return 0;
  duckdb::hugeint_t h = v.GetValue<duckdb::hugeint_t>();
  return absl::MakeInt128(h.upper, h.lower);
}

// Runs `sql` on `conn`; a failure is a RuntimeError (no data values).
absl::StatusOr<duckdb::unique_ptr<duckdb::MaterializedQueryResult>> Run(duckdb::Connection& conn,
                                                                        const std::string& sql) {
  auto result = conn.Query(sql);
  if (result->HasError()) return RuntimeError(result->GetErrorObject());
  return result;
}

// Results kept in memory between the statements of one DP query, by the table name those
// statements give them: each is scanned in place (a ColumnDataRef over the result's rows) rather
// than copied into a temporary table, which costs about as much again as computing it.
using HeldTables = std::map<std::string, std::pair<duckdb::unique_ptr<duckdb::ColumnDataCollection>,
                                                   duckdb::vector<std::string>>>;

void HoldNode(duckdb::QueryNode& node, const HeldTables& held);

void HoldRef(duckdb::unique_ptr<duckdb::TableRef>& ref, const HeldTables& held) {
  using T = duckdb::TableReferenceType;
  if (ref->type == T::JOIN) {
    auto& join = ref->Cast<duckdb::JoinRef>();
    HoldRef(join.left, held);
    HoldRef(join.right, held);
  } else if (ref->type == T::SUBQUERY) {
    HoldNode(*ref->Cast<duckdb::SubqueryRef>().subquery->node, held);
  } else if (ref->type == T::BASE_TABLE) {
    auto& base = ref->Cast<duckdb::BaseTableRef>();
    auto it = held.find(base.table_name);
    if (it == held.end() || !base.schema_name.empty() || !base.catalog_name.empty()) return;
    // Not owned: the statement only borrows the rows, which outlive it.
    auto scan = make_uniq<duckdb::ColumnDataRef>(*it->second.first, it->second.second);
    scan->alias = base.alias.empty() ? base.table_name : base.alias;
    ref = std::move(scan);
  }
}

void HoldNode(duckdb::QueryNode& node, const HeldTables& held) {
  // DuckDB keeps each CTE twice: in the cte_map of the node that declares it and as a CTENode.
  for (auto& entry : node.cte_map.map) HoldNode(*entry.second->query->node, held);
  if (node.type == duckdb::QueryNodeType::CTE_NODE) {
    auto& cte = node.Cast<duckdb::CTENode>();
    HoldNode(*cte.query, held);
    HoldNode(*cte.child, held);
  } else if (node.type == duckdb::QueryNodeType::RECURSIVE_CTE_NODE) {
    auto& cte = node.Cast<duckdb::RecursiveCTENode>();
    HoldNode(*cte.left, held);
    HoldNode(*cte.right, held);
  } else if (node.type == duckdb::QueryNodeType::SELECT_NODE) {
    auto& select = node.Cast<duckdb::SelectNode>();
    if (select.from_table) HoldRef(select.from_table, held);
  } else if (node.type == duckdb::QueryNodeType::SET_OPERATION_NODE) {
    auto& set = node.Cast<duckdb::SetOperationNode>();
    HoldNode(*set.left, held);
    HoldNode(*set.right, held);
  }
}

// Runs SELECT `sql`, in which the names of `held` stand for those results.
absl::StatusOr<duckdb::unique_ptr<duckdb::MaterializedQueryResult>> RunHeld(
    duckdb::Connection& conn, const std::string& sql, const HeldTables& held) {
  duckdb::Parser parser;
  parser.ParseQuery(sql);
  if (parser.statements.size() != 1 ||
      parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
    return absl::InternalError("a DP statement is not one SELECT");
  }
  HoldNode(*parser.statements[0]->Cast<duckdb::SelectStatement>().node, held);
  auto result = conn.context->Query(std::move(parser.statements[0]), false);
  if (result->HasError()) return RuntimeError(result->GetErrorObject());
  return duckdb::unique_ptr_cast<duckdb::QueryResult, duckdb::MaterializedQueryResult>(
      std::move(result));
}

// Runs `sql` like RunHeld and keeps its result in `held` as `name`.
absl::Status Hold(duckdb::Connection& conn, const std::string& name, const std::string& sql,
                  HeldTables& held) {
  ASSIGN_OR_RETURN(auto result, RunHeld(conn, sql, held));
  held[name] = {result->TakeCollection(), result->names};
  return absl::OkStatus();
}

// ----- Steps 2 to 4 in memory (dp_bounding.h) --------------------------------------------------

using duckdb::idx_t;
using duckdb::PhysicalType;

// User identifiers and GROUP BY keys the in-memory path takes: types whose values are equal
// exactly when their bytes are (not floating point, where -0 = 0, nor intervals or times with
// time zones, which DuckDB normalizes, nor collated strings, nor nested types).
bool ComparesAsBytes(const duckdb::LogicalType& type) {
  if (type.id() == duckdb::LogicalTypeId::TIME_TZ) return false;
  switch (type.InternalType()) {
    case PhysicalType::BOOL:
    case PhysicalType::INT8:
    case PhysicalType::INT16:
    case PhysicalType::INT32:
    case PhysicalType::INT64:
    case PhysicalType::INT128:
    case PhysicalType::UINT8:
    case PhysicalType::UINT16:
    case PhysicalType::UINT32:
    case PhysicalType::UINT64:
    case PhysicalType::UINT128:
      return true;
    case PhysicalType::VARCHAR:
      return duckdb::StringType::GetCollation(type).empty();
    default:
      return false;
  }
}

// The bytes of row `i`'s value (ComparesAsBytes types, not NULL).
std::string_view ValueBytes(const duckdb::LogicalType& type, const duckdb::UnifiedVectorFormat& f,
                            idx_t i) {
  idx_t at = f.sel->get_index(i);
  if (type.InternalType() == PhysicalType::VARCHAR) {
    const duckdb::string_t& s = duckdb::UnifiedVectorFormat::GetData<duckdb::string_t>(f)[at];
    return std::string_view(s.GetData(), s.GetSize());
  }
  idx_t width = duckdb::GetTypeIdSize(type.InternalType());
  return std::string_view(reinterpret_cast<const char*>(f.data) + at * width, width);
}

// Appends the bytes of row `i`'s key (ComparesAsBytes types), NULL distinct from every value.
void AppendKey(const duckdb::LogicalType& type, const duckdb::UnifiedVectorFormat& f, idx_t i,
               std::string* out) {
  if (!f.validity.RowIsValid(f.sel->get_index(i))) {
    out->push_back('\0');
    return;
  }
  out->push_back('\1');
  std::string_view bytes = ValueBytes(type, f, i);
  if (type.InternalType() == PhysicalType::VARCHAR) {
    auto size = static_cast<uint32_t>(bytes.size());
    out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  }
  out->append(bytes);
}

// Numbers for the combinations of GROUP BY keys, shared by the threads that read the rows, and
// each combination's values.
class GroupNumbers {
 public:
  // The number of the key `bytes` (of row `row` of `chunk`, columns [1, 1 + key_count)).
  uint32_t Number(const std::string& bytes, duckdb::DataChunk& chunk, idx_t row, size_t key_count) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, added] = numbers_.try_emplace(bytes, static_cast<uint32_t>(keys_.size()));
    if (added) {
      std::vector<duckdb::Value> values;
      for (size_t k = 0; k < key_count; ++k) values.push_back(chunk.GetValue(1 + k, row));
      keys_.push_back(std::move(values));
    }
    return it->second;
  }
  std::vector<std::vector<duckdb::Value>>& keys() { return keys_; }

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> numbers_;
  std::vector<std::vector<duckdb::Value>> keys_;
};

// Columns of the user-level rows: __u, the keys, the values, the counted arguments.
struct RowColumns {
  size_t keys = 0;
  int values = 0;
  int counted = 0;
};

// Adds every row of `rows` to `bounding`, on as many threads as it has writers.
absl::Status Feed(duckdb::ColumnDataCollection& rows, const RowColumns& columns, int writers,
                  DpBounding& bounding, GroupNumbers& numbers,
                  const std::function<bool()>& cancelled) {
  duckdb::ColumnDataParallelScanState scan;
  rows.InitializeScan(scan);
  const std::vector<duckdb::LogicalType>& types = rows.Types();
  return RunOnThreads(writers, [&](int w) -> absl::Status {
    try {
      DpBounding::Writer& writer = bounding.writer(w);
      duckdb::ColumnDataLocalScanState local;
      duckdb::DataChunk chunk;
      rows.InitializeScanChunk(chunk);
      std::vector<duckdb::UnifiedVectorFormat> formats(types.size());
      std::vector<double> values(columns.values);
      absl::flat_hash_map<std::string, uint32_t> known;  // this thread's GroupNumbers
      std::string key;
      const size_t first_value = 1 + columns.keys, first_counted = first_value + columns.values;
      while (rows.Scan(scan, local, chunk)) {
        if (cancelled()) return absl::CancelledError("the query was cancelled");
        idx_t n = chunk.size();
        for (size_t c = 0; c < types.size(); ++c) chunk.data[c].ToUnifiedFormat(n, formats[c]);
        for (idx_t i = 0; i < n; ++i) {
          if (!formats[0].validity.RowIsValid(formats[0].sel->get_index(i))) continue;
          uint32_t group = 0;
          if (columns.keys > 0) {
            key.clear();
            for (size_t k = 0; k < columns.keys; ++k)
              AppendKey(types[1 + k], formats[1 + k], i, &key);
            auto found = known.find(key);
            if (found == known.end()) {
              found = known.emplace(key, numbers.Number(key, chunk, i, columns.keys)).first;
            }
            group = found->second;
          }
          for (int j = 0; j < columns.values; ++j) {
            const duckdb::UnifiedVectorFormat& f = formats[first_value + j];
            idx_t at = f.sel->get_index(i);
            values[j] = f.validity.RowIsValid(at)
                            ? duckdb::UnifiedVectorFormat::GetData<double>(f)[at]
                            : std::numeric_limits<double>::quiet_NaN();
          }
          uint32_t counted = 0;
          for (int c = 0; c < columns.counted; ++c) {
            const duckdb::UnifiedVectorFormat& f = formats[first_counted + c];
            if (f.validity.RowIsValid(f.sel->get_index(i))) counted |= uint32_t{1} << c;
          }
          writer.Add(ValueBytes(types[0], formats[0], i), group, counted, values.data());
        }
      }
    } catch (const std::exception& e) {
      return RuntimeError(duckdb::ErrorData(e));
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<DpQuery> Engine::AnalyzeDp(const std::string& sql,
                                          const std::vector<TableSchema>& tables,
                                          const std::vector<SqlParameter>& parameters,
                                          const std::vector<DpTable>& dp_tables) {
  try {
    ASSIGN_OR_RETURN(Analysis a, Analyze(*impl_->db, sql, tables, parameters, dp_tables));
    return std::move(a.query);
  } catch (const std::exception& e) {
    duckdb::ErrorData error(e);
    return absl::InvalidArgumentError(StrCat("the query cannot be bound: ", error.RawMessage()));
  }
}

absl::StatusOr<DpRun> Engine::ExecuteDp(
    const ExecuteRequest& request, const std::vector<DpTable>& dp_tables, DpMechanism& mechanism,
    const std::function<void(std::function<void()>)>& on_start) {
  std::vector<TableSchema> schemas;
  for (const TableSource& t : request.tables) schemas.push_back(t.schema);
  std::shared_ptr<InterruptState> state = WatchInterrupt(on_start);
  DpRun run;
  try {
    ASSIGN_OR_RETURN(Analysis a,
                     Analyze(*impl_->db, request.sql, schemas, request.parameters, dp_tables));
    const DpQuery& q = a.query;
    duckdb::Connection conn(*impl_->db);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->interrupted) return absl::CancelledError("the query was cancelled");
      state->context = conn.context.get();
    }
    struct Detach {
      InterruptState* s;
      ~Detach() {
        std::lock_guard<std::mutex> lock(s->mu);
        s->context = nullptr;
      }
    } detach{state.get()};
    auto cancelled = [&]() -> bool {
      std::lock_guard<std::mutex> lock(state->mu);
      return state->interrupted;
    };
    RETURN_IF_ERROR(CreateViews(conn, request.tables));

    // 1. User-level rows: __u, __k<i>, __v<j>, __c<a>.
    auto rows = a.statement->Copy();
    TryNode(*rows->Cast<duckdb::SelectStatement>().node);
    auto& node = FinalSelect(*rows);
    node.select_list.clear();
    node.select_list.push_back(Named(Try(a.user_id->Copy()), "__u"));
    for (size_t i = 0; i < a.keys.size(); ++i)
      node.select_list.push_back(Named(Try(a.keys[i]->Copy()), StrCat("__k", i)));
    for (size_t j = 0; j < a.values.size(); ++j) {
      node.select_list.push_back(
          Named(make_uniq<duckdb::CastExpression>(duckdb::LogicalType::DOUBLE,
                                                  Try(a.values[j]->Copy()), /*try_cast=*/true),
                StrCat("__v", j)));
    }
    // COUNT(x) and COUNT(DISTINCT x) need x, except COUNT(DISTINCT <the user identifier>), which
    // counts the users of a group.
    auto needs_counted = [&](size_t i) { return a.counted[i] && !q.aggregates[i].counts_users; };
    for (size_t i = 0; i < a.counted.size(); ++i) {
      if (needs_counted(i))
        node.select_list.push_back(Named(Try(a.counted[i]->Copy()), StrCat("__c", i)));
    }
    node.groups.group_expressions.clear();
    node.groups.grouping_sets.clear();
    node.modifiers.clear();
    node.aggregate_handling = duckdb::AggregateHandling::STANDARD_HANDLING;
    // The rows are read once, straight into the aggregation of step 2, unless a COUNT(DISTINCT)
    // of another column reads them again in step 4: then they are materialized, so that both
    // read the same rows.
    bool reread = std::any_of(q.aggregates.begin(), q.aggregates.end(), [](const DpAggregate& agg) {
      return agg.kind == DpAggregateKind::kCountDistinct && !agg.counts_users;
    });
    auto create = make_uniq<duckdb::CreateStatement>();
    auto rows_select =
        duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(std::move(rows));
    if (reread) {
      auto info = make_uniq<duckdb::CreateTableInfo>(TEMP_CATALOG, DEFAULT_SCHEMA, "__dp_rows");
      info->temporary = true;
      info->query = std::move(rows_select);
      create->info = std::move(info);
    } else {
      auto info = make_uniq<duckdb::CreateViewInfo>(TEMP_CATALOG, DEFAULT_SCHEMA, "__dp_rows");
      info->temporary = true;
      info->query = std::move(rows_select);
      create->info = std::move(info);
    }
    auto created = conn.context->Query(std::move(create), false);
    if (created->HasError()) return RuntimeError(created->GetErrorObject());
    if (cancelled()) return absl::CancelledError("the query was cancelled");

    // 2. One row per user and group: its rows, non-NULL values, and per value their count, sum,
    //    sum of squares and largest magnitude.
    std::string keys, m_keys, same_keys, same_m_keys;
    for (size_t i = 0; i < a.keys.size(); ++i) {
      keys += StrCat(i ? ", " : "", "__k", i);
      m_keys += StrCat(i ? ", " : "", "m.__k", i);
      same_keys += StrCat(" AND r.__k", i, " IS NOT DISTINCT FROM g.__k", i);
      same_m_keys += StrCat(i ? " AND " : "", "m.__k", i, " IS NOT DISTINCT FROM d.__k", i);
    }
    auto finite = [](size_t j) {
      return StrCat("(CASE WHEN isfinite(__v", j, ") THEN __v", j, " END)");
    };
    HeldTables held;
    // Sums of squares only for the values a STDDEV aggregates.
    std::vector<bool> squared(a.values.size(), false);
    for (const DpAggregate& agg : q.aggregates) {
      if (agg.value >= 0 &&
          (agg.kind == DpAggregateKind::kStddevSamp || agg.kind == DpAggregateKind::kStddevPop)) {
        squared[agg.value] = true;
      }
    }
    // Steps 2 to 4 run in memory (dp_bounding.h) when the rows are read once, their user
    // identifiers and keys compare as bytes and they fit in the memory limit;
    // otherwise as SQL statements over the rows, held as a query result.
    RowColumns columns{a.keys.size(), static_cast<int>(a.values.size()), 0};
    std::vector<int> counted_bit(a.counted.size(), -1);
    for (size_t i = 0; i < a.counted.size(); ++i) {
      if (needs_counted(i)) counted_bit[i] = columns.counted++;
    }
    std::optional<DpBounding> bounding;
    GroupNumbers numbers;
    std::vector<duckdb::LogicalType> key_types;
    if (!reread && impl_->options.dp_in_memory) {
      ASSIGN_OR_RETURN(auto all,
                       RunHeld(conn, "SELECT * FROM __dp_rows WHERE __u IS NOT NULL", held));
      if (cancelled()) return absl::CancelledError("the query was cancelled");
      const int threads = std::max(1, impl_->options.threads);
      bool eligible = ComparesAsBytes(all->types[0]) && columns.counted <= 32;
      for (size_t k = 0; k < a.keys.size(); ++k) {
        eligible = eligible && ComparesAsBytes(all->types[1 + k]);
      }
      // Rows, then (user, group) pairs, at most one per row (DpBounding's words; string user
      // identifiers counted as 56 bytes), must fit in what DuckDB's memory limit leaves beside
      // what DuckDB holds now (these rows among it, until they are fed).
      uint64_t user_words = all->types[0].InternalType() == PhysicalType::VARCHAR ? 8 : 2;
      uint64_t words = user_words + 1 + columns.values + 2 + columns.counted + 4 * columns.values;
      uint64_t need = all->RowCount() * words * sizeof(uint64_t);
      const auto& buffers = duckdb::BufferManager::GetBufferManager(*conn.context);
      const uint64_t limit = buffers.GetMaxMemory(), used = buffers.GetUsedMemory();
      if (eligible && used < limit && need <= limit - used) {
        key_types.assign(all->types.begin() + 1, all->types.begin() + 1 + a.keys.size());
        ASSIGN_OR_RETURN(
            DpBounding b,
            DpBounding::Create(DpRowLayout{columns.values, squared, columns.counted}, threads,
                               threads, static_cast<int64_t>(all->RowCount())));
        RETURN_IF_ERROR(Feed(all->Collection(), columns, threads, b, numbers, cancelled));
        all.reset();
        RETURN_IF_ERROR(b.Aggregate(cancelled));
        bounding.emplace(std::move(b));
        run.bounded_in_memory = true;
      } else {
        held["__dp_rows"] = {all->TakeCollection(), all->names};
      }
    }
    std::string ug = StrCat("SELECT __u", keys.empty() ? "" : ", " + keys, ", count(*) AS __n");
    for (size_t i = 0; i < a.counted.size(); ++i) {
      if (a.counted[i] && q.aggregates[i].kind == DpAggregateKind::kCount) {
        ug += StrCat(", count(__c", i, ") AS __n", i);
      }
    }
    for (size_t j = 0; j < a.values.size(); ++j) {
      std::string v = finite(j);
      ug += StrCat(", count(", v, ") AS __nv", j, ", sum(", v, ") AS __s", j);
      if (squared[j]) ug += StrCat(", sum(", v, " * ", v, ") AS __q", j);
      ug += StrCat(", max(abs(", v, ")) AS __m", j);
    }
    ug += StrCat(" FROM __dp_rows WHERE __u IS NOT NULL GROUP BY __u",
                 keys.empty() ? "" : ", " + keys);
    if (!bounding) {
      RETURN_IF_ERROR(Hold(conn, "__dp_ug", ug, held));
      std::string users = "SELECT __u, count(*) AS __g, max(__n) AS __r";
      for (size_t j = 0; j < a.values.size(); ++j) users += StrCat(", max(__m", j, ") AS __m", j);
      RETURN_IF_ERROR(Hold(conn, "__dp_users", users + " FROM __dp_ug GROUP BY __u", held));
    }
    if (cancelled()) return absl::CancelledError("the query was cancelled");

    // 3. Bounds, from histograms of users.
    //    In memory they are already made; `made` is the one this call stands for.
    auto histogram = [&](const std::string& bin, size_t bins, int offset,
                         const std::vector<int64_t>* made) -> absl::StatusOr<std::vector<int64_t>> {
      if (made != nullptr) return *made;
      std::vector<int64_t> out(bins, 0);
      ASSIGN_OR_RETURN(auto h,
                       RunHeld(conn,
                               StrCat("SELECT CAST(", bin,
                                      " AS INTEGER) AS b, count(*) FROM __dp_users GROUP BY b"),
                               held));
      for (duckdb::idx_t r = 0; r < h->RowCount(); ++r) {
        int64_t b = h->GetValue(0, r).GetValue<int32_t>() - offset;
        if (b >= 0 && b < static_cast<int64_t>(bins))
          out[b] = h->GetValue(1, r).GetValue<int64_t>();
      }
      return out;
    };
    auto log_bin = [](const std::string& column, int max) {
      return StrCat("least(", max, ", ceil(log2(greatest(1, ", column, "))))");
    };
    ASSIGN_OR_RETURN(std::vector<int64_t> by_rows,
                     histogram(log_bin("__r", kDpMaxRowExponent), kDpMaxRowExponent + 1, 0,
                               bounding ? &bounding->users_by_rows() : nullptr));
    ASSIGN_OR_RETURN(run.row_exponent, mechanism.ChooseRowExponent(by_rows));
    if (run.row_exponent < 0 || run.row_exponent > kDpMaxRowExponent) {
      return absl::InternalError("the mechanism chose a row limit out of range");
    }
    if (!keys.empty()) {
      ASSIGN_OR_RETURN(std::vector<int64_t> by_groups,
                       histogram(log_bin("__g", kDpMaxGroupExponent), kDpMaxGroupExponent + 1, 0,
                                 bounding ? &bounding->users_by_groups() : nullptr));
      ASSIGN_OR_RETURN(run.group_exponent, mechanism.ChooseGroupExponent(by_groups));
      if (run.group_exponent < 0 || run.group_exponent > kDpMaxGroupExponent) {
        return absl::InternalError("the mechanism chose a group limit out of range");
      }
    }
    for (size_t j = 0; j < a.values.size(); ++j) {
      std::string m = StrCat("__m", j);
      std::string bin = StrCat("CASE WHEN ", m, " IS NULL OR ", m,
                               " <= ", DoubleLiteral(std::ldexp(1.0, kDpMinValueExponent)),
                               " THEN ", kDpMinValueExponent, " ELSE least(", kDpMaxValueExponent,
                               ", ceil(log2(", m, "))) END");
      ASSIGN_OR_RETURN(
          std::vector<int64_t> by_magnitude,
          histogram(bin, kDpMaxValueExponent - kDpMinValueExponent + 1, kDpMinValueExponent,
                    bounding ? &bounding->users_by_magnitude(static_cast<int>(j)) : nullptr));
      ASSIGN_OR_RETURN(int e, mechanism.ChooseValueExponent(static_cast<int>(j), by_magnitude));
      if (e < kDpMinValueExponent || e > kDpMaxValueExponent) {
        return absl::InternalError("the mechanism chose a value bound out of range");
      }
      run.value_exponents.push_back(e);
    }
    if (cancelled()) return absl::CancelledError("the query was cancelled");

    // 4. Per-group statistics: each user keeps at most L of its groups (at random), and in each
    //    at most C rows' worth: counts capped at C, sums scaled by C / rows when above, then
    //    clamped to [-C B, C B] (squares to [0, C B^2]) and put on the grid.
    const int64_t c = int64_t{1} << run.row_exponent;
    //    Only users with more than L groups need a random choice; the others keep all of theirs.
    const int64_t l = int64_t{1} << run.group_exponent;
    std::string kept =
        keys.empty()
            ? std::string("SELECT * FROM __dp_ug")
            : StrCat("SELECT g.* FROM __dp_ug g ANTI JOIN (SELECT __u FROM __dp_users WHERE __g > ",
                     l,
                     ") b ON g.__u = b.__u UNION ALL SELECT * EXCLUDE (__gn) FROM (SELECT g.*, "
                     "row_number() OVER "
                     "(PARTITION BY g.__u ORDER BY random()) AS __gn FROM __dp_ug g SEMI JOIN "
                     "(SELECT __u FROM "
                     "__dp_users WHERE __g > ",
                     l, ") b ON g.__u = b.__u) WHERE __gn <= ", l);
    std::string stats = StrCat("WITH kept AS (", kept, ")");
    std::string main = StrCat("SELECT ", keys.empty() ? "" : keys + ", ", "count(*) AS __users");
    std::string joins;
    std::string select = StrCat("SELECT ", keys.empty() ? "" : m_keys + ", ", "m.__users");
    for (size_t i = 0; i < q.aggregates.size(); ++i) {
      const DpAggregate& agg = q.aggregates[i];
      if (agg.value < 0) {
        if (agg.kind == DpAggregateKind::kCountDistinct && !agg.counts_users) {
          // Distinct values, at most C per user and group.
          stats += StrCat(
              ", d", i, " AS (SELECT ", keys.empty() ? "" : keys + ", ", "count(DISTINCT __c", i,
              ") AS __d FROM (SELECT r.*, row_number() OVER (PARTITION BY r.__u",
              keys.empty() ? "" : ", ",
              keys.empty() ? "" : StrCat("r.", absl::StrReplaceAll(keys, {{", ", ", r."}})),
              " ORDER BY random()) AS __dn FROM (SELECT DISTINCT __u",
              keys.empty() ? "" : ", " + keys, ", __c", i,
              " FROM __dp_rows WHERE __u IS NOT NULL AND __c", i,
              " IS NOT NULL) r JOIN kept g ON r.__u = g.__u", same_keys, ") WHERE __dn <= ", c,
              keys.empty() ? "" : " GROUP BY " + keys, ")");
          joins += StrCat(" LEFT JOIN d", i,
                          keys.empty() ? " ON true"
                                       : " ON " + absl::StrReplaceAll(
                                                      same_m_keys, {{"d.", StrCat("d", i, ".")}}));
          select += StrCat(", coalesce(d", i, ".__d, 0), CAST(0 AS HUGEINT), CAST(0 AS HUGEINT)");
          continue;
        }
        std::string count = agg.counts_rows    ? StrCat("sum(least(__n, ", c, "))")
                            : agg.counts_users ? std::string("count(*)")
                                               : StrCat("sum(least(__n", i, ", ", c, "))");
        main += StrCat(", ", count, " AS __a", i, "c");
        select += StrCat(", m.__a", i, "c, CAST(0 AS HUGEINT), CAST(0 AS HUGEINT)");
        continue;
      }
      int e = run.value_exponents[agg.value];
      std::string j = std::to_string(agg.value);
      std::string scale =
          StrCat("(CASE WHEN __nv", j, " > ", c, " THEN ", c, " / __nv", j, " ELSE 1 END)");
      std::string bound = DoubleLiteral(static_cast<double>(c) * std::ldexp(1.0, e));
      std::string square_bound = DoubleLiteral(static_cast<double>(c) * std::ldexp(1.0, 2 * e));
      std::string sum = StrCat("sum(CAST(round(greatest(-", bound, ", least(", bound,
                               ", coalesce(__s", j, ", 0) * ", scale, ")) * ",
                               DoubleLiteral(std::ldexp(1.0, kDpGridBits - e)), ") AS HUGEINT))");
      std::string squares =
          agg.kind == DpAggregateKind::kStddevSamp || agg.kind == DpAggregateKind::kStddevPop
              ? StrCat("sum(CAST(round(greatest(0, least(", square_bound, ", coalesce(__q", j,
                       ", 0) * ", scale, ")) * ",
                       DoubleLiteral(std::ldexp(1.0, 2 * (kDpGridBits - e))), ") AS HUGEINT))")
              : std::string("CAST(0 AS HUGEINT)");
      main += StrCat(", sum(least(__nv", j, ", ", c, ")) AS __a", i, "c, ", sum, " AS __a", i,
                     "s, ", squares, " AS __a", i, "q");
      select += StrCat(", m.__a", i, "c, m.__a", i, "s, m.__a", i, "q");
    }
    main += " FROM kept";
    if (!keys.empty()) main += " GROUP BY " + keys;
    stats += StrCat(" ", select, " FROM (", main, ") m", joins);
    std::vector<DpGroup> groups;
    std::vector<std::vector<duckdb::Value>> key_values;  // per group: its keys
    size_t k = a.keys.size();
    if (bounding) {
      std::vector<DpBoundedAggregate> bounded;
      for (size_t i = 0; i < q.aggregates.size(); ++i) {
        const DpAggregate& agg = q.aggregates[i];
        DpBoundedAggregate b;
        if (agg.value >= 0) {
          b.kind = DpBoundedAggregate::Kind::kValue;
          b.index = agg.value;
          b.squares = squared[agg.value] && (agg.kind == DpAggregateKind::kStddevSamp ||
                                             agg.kind == DpAggregateKind::kStddevPop);
        } else if (agg.counts_rows) {
          b.kind = DpBoundedAggregate::Kind::kRows;
        } else if (agg.counts_users) {
          b.kind = DpBoundedAggregate::Kind::kUsers;
        } else {
          b.kind = DpBoundedAggregate::Kind::kCounted;
          b.index = counted_bit[i];
        }
        bounded.push_back(b);
      }
      const uint32_t group_count = keys.empty() ? 1 : static_cast<uint32_t>(numbers.keys().size());
      ASSIGN_OR_RETURN(std::vector<DpGroup> all,
                       bounding->Groups(group_count, run.row_exponent, run.group_exponent,
                                        run.value_exponents, bounded, cancelled));
      for (uint32_t g = 0; g < group_count; ++g) {
        // As the SQL statements' GROUP BY: only the groups some user keeps. Without GROUP BY,
        // the one group, kept or not.
        if (!keys.empty() && all[g].users == 0) continue;
        groups.push_back(std::move(all[g]));
        key_values.push_back(keys.empty() ? std::vector<duckdb::Value>()
                                          : std::move(numbers.keys()[g]));
      }
    } else {
      ASSIGN_OR_RETURN(auto groups_result, RunHeld(conn, stats, held));
      key_types.assign(groups_result->types.begin(), groups_result->types.begin() + k);
      for (duckdb::idx_t r = 0; r < groups_result->RowCount(); ++r) {
        std::vector<duckdb::Value> row_keys;
        for (size_t i = 0; i < k; ++i) row_keys.push_back(groups_result->GetValue(i, r));
        key_values.push_back(std::move(row_keys));
        DpGroup g;
        g.users = groups_result->GetValue(k, r).GetValue<int64_t>();
        for (size_t i = 0; i < q.aggregates.size(); ++i) {
          DpAggregateTruth t;
          t.count = ToInt128(groups_result->GetValue(k + 1 + 3 * i, r)
                                 .DefaultCastAs(duckdb::LogicalType::HUGEINT));
          t.sum = ToInt128(groups_result->GetValue(k + 2 + 3 * i, r)
                               .DefaultCastAs(duckdb::LogicalType::HUGEINT));
          t.sum_squares = ToInt128(groups_result->GetValue(k + 3 + 3 * i, r)
                                       .DefaultCastAs(duckdb::LogicalType::HUGEINT));
          g.aggregates.push_back(t);
        }
        groups.push_back(std::move(g));
      }
    }
    if (cancelled()) return absl::CancelledError("the query was cancelled");

    // 4. Noise and group selection.
    ASSIGN_OR_RETURN(auto released, mechanism.Release(groups));
    if (released.size() != groups.size())
      return absl::InternalError("the mechanism released a wrong number of groups");

    // 5. The released rows, in the query's output order, ORDER BY and LIMIT.
    std::string create_out = "CREATE TEMPORARY TABLE __dp_out (";
    for (size_t i = 0; i < q.outputs.size(); ++i) {
      const DpOutput& o = q.outputs[i];
      std::string type;
      if (o.is_key) {
        type = key_types[o.index].ToString();
      } else {
        DpAggregateKind kind = q.aggregates[o.index].kind;
        type = kind == DpAggregateKind::kCount || kind == DpAggregateKind::kCountDistinct
                   ? "BIGINT"
                   : "DOUBLE";
      }
      create_out += StrCat(i ? ", " : "", "__o", i, " ", type);
    }
    ASSIGN_OR_RETURN(auto made, Run(conn, create_out + ")"));
    {
      duckdb::Appender appender(conn, TEMP_CATALOG, DEFAULT_SCHEMA, "__dp_out");
      for (size_t r = 0; r < released.size(); ++r) {
        if (!released[r].has_value()) continue;
        const std::vector<std::optional<double>>& values = *released[r];
        if (values.size() != q.aggregates.size())
          return absl::InternalError("the mechanism released a wrong row");
        appender.BeginRow();
        for (const DpOutput& o : q.outputs) {
          if (o.is_key) {
            appender.Append(key_values[r][o.index]);
            continue;
          }
          const std::optional<double>& v = values[o.index];
          DpAggregateKind kind = q.aggregates[o.index].kind;
          if (!v.has_value()) {
            appender.Append(duckdb::Value());
          } else if (kind == DpAggregateKind::kCount || kind == DpAggregateKind::kCountDistinct) {
            appender.Append(duckdb::Value::BIGINT(static_cast<int64_t>(*v)));
          } else {
            appender.Append(duckdb::Value::DOUBLE(*v));
          }
        }
        appender.EndRow();
      }
      appender.Close();
    }
    auto out = make_uniq<duckdb::SelectNode>();
    for (size_t i = 0; i < q.outputs.size(); ++i) {
      out->select_list.push_back(
          Named(make_uniq<duckdb::ColumnRefExpression>(StrCat("__o", i)), q.outputs[i].name));
    }
    auto table = make_uniq<duckdb::BaseTableRef>();
    table->table_name = "__dp_out";
    out->from_table = std::move(table);
    for (const auto& m : a.modifiers) out->modifiers.push_back(m->Copy());
    ASSIGN_OR_RETURN(QueryStatementResult written,
                     RunOutput(conn, std::move(out), request.output_url, request.output_format));
    run.row_count = written.row_count;
    run.rows = std::move(written.rows);
  } catch (const std::exception& e) {
    return RuntimeError(duckdb::ErrorData(e));
  }
  return run;
}

}  // namespace cleanroom::engine
