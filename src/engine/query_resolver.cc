// Engine::Resolve: DuckDB's parser and binder turned into a ResolvedQuery.
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "common/sql_text.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "duckdb.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/expression/list.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/list.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/list.hpp"
#include "duckdb/planner/expression/list.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/planner/operator/list.hpp"
#include "duckdb/planner/planner.hpp"
#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace cleanroom::engine {
namespace {

// More expression nodes than this (after inlining) and the query is refused as too complex.
constexpr size_t kMaxExprNodes = 200000;

// Scalar functions no query may call: they read settings or variables, change state, or raise
// errors on purpose (which would make a query's success depend on a single value).
const std::set<std::string>& DeniedFunctions() {
  static const auto* names = new std::set<std::string>{
      "current_setting", "getvariable",    "getenv",          "setseed",       "nextval",
      "currval",         "error",          "txid_current",    "current_query", "pg_sleep",
      "sleep_ms",        "enable_logging", "disable_logging", "write_log"};
  return *names;
}

std::string Lower(std::string s) { return ToLower(s); }

Position PositionOf(const duckdb::optional_idx& idx) {
  if (!idx.IsValid()) return std::nullopt;
  return static_cast<size_t>(idx.GetIndex());
}

absl::Status Refuse(const std::string& sql, Position position, const std::string& message) {
  if (position)
    return absl::InvalidArgumentError(StrCat(message, " (", DescribeOffset(sql, *position), ")"));
  return absl::InvalidArgumentError(message);
}

// Walks the parsed statement: refuses what no query may do, substitutes parameter values, and
// fills a SyntaxSummary.
class SyntaxWalker {
 public:
  SyntaxWalker(const std::string& sql, const std::set<std::string>& tables,
               const std::map<std::string, duckdb::Value>& parameters, SyntaxSummary* out)
      : sql_(sql), tables_(tables), parameters_(parameters), out_(out) {}

  absl::Status Node(duckdb::QueryNode& node) {
    // DuckDB keeps each CTE twice: in the cte_map of the node that declares it and as a CTENode
    // (the form that is bound). Both are checked; only the CTENode is counted.
    for (auto& [name, cte] : node.cte_map.map) {
      ctes_.insert(Lower(name));
      ++silent_;
      absl::Status walked = Node(*cte->query->node);
      --silent_;
      RETURN_IF_ERROR(walked);
    }
    for (const auto& modifier : node.modifiers) {
      if (modifier->type != duckdb::ResultModifierType::ORDER_MODIFIER || silent_) continue;
      for (const auto& order : modifier->Cast<duckdb::OrderModifier>().orders) {
        out_->order_by.push_back(PositionOf(order.expression->query_location));
      }
    }
    absl::Status status;
    duckdb::ParsedExpressionIterator::EnumerateQueryNodeModifiers(
        node, [&](duckdb::unique_ptr<duckdb::ParsedExpression>& child) {
          if (status.ok()) status = Expression(child);
        });
    RETURN_IF_ERROR(status);
    switch (node.type) {
      case duckdb::QueryNodeType::SELECT_NODE: {
        auto& select = node.Cast<duckdb::SelectNode>();
        if (!silent_) ++out_->select_nodes;
        if (select.from_table) RETURN_IF_ERROR(Ref(*select.from_table));
        for (auto& e : select.select_list) RETURN_IF_ERROR(Expression(e));
        if (select.where_clause) RETURN_IF_ERROR(Expression(select.where_clause));
        for (auto& e : select.groups.group_expressions) RETURN_IF_ERROR(Expression(e));
        if (select.having) RETURN_IF_ERROR(Expression(select.having));
        if (select.qualify) {
          if (!silent_) ++out_->qualify;
          RETURN_IF_ERROR(Expression(select.qualify));
        }
        if (select.sample && !silent_) ++out_->samples;
        return absl::OkStatus();
      }
      case duckdb::QueryNodeType::SET_OPERATION_NODE: {
        auto& setop = node.Cast<duckdb::SetOperationNode>();
        if (!silent_) ++out_->set_operations;
        RETURN_IF_ERROR(Node(*setop.left));
        return Node(*setop.right);
      }
      case duckdb::QueryNodeType::CTE_NODE: {
        auto& cte = node.Cast<duckdb::CTENode>();
        if (!silent_) ++out_->ctes;
        ctes_.insert(Lower(cte.ctename));
        RETURN_IF_ERROR(Node(*cte.query));
        return Node(*cte.child);
      }
      case duckdb::QueryNodeType::RECURSIVE_CTE_NODE:
        return Refuse(sql_, std::nullopt, "recursive common table expressions are not allowed");
      default:
        return Refuse(sql_, std::nullopt, "this kind of query is not allowed");
    }
  }

 private:
  absl::Status Ref(duckdb::TableRef& ref) {
    Position pos = PositionOf(ref.query_location);
    if (ref.sample && !silent_) ++out_->samples;
    switch (ref.type) {
      case duckdb::TableReferenceType::BASE_TABLE: {
        auto& base = ref.Cast<duckdb::BaseTableRef>();
        if (!base.catalog_name.empty() || !base.schema_name.empty()) {
          return Refuse(sql_, pos,
                        StrCat("table \"", base.table_name,
                               "\" may not be qualified by a schema or catalog; name a table of "
                               "the collaboration by its association name"));
        }
        if (base.at_clause) return Refuse(sql_, pos, "AT (time travel) is not allowed");
        std::string name = Lower(base.table_name);
        if (!tables_.count(name) && !ctes_.count(name)) {
          return Refuse(sql_, pos,
                        StrCat("\"", base.table_name,
                               "\" is not a table of this collaboration; name tables by the "
                               "name of their configured table association"));
        }
        return absl::OkStatus();
      }
      case duckdb::TableReferenceType::JOIN: {
        auto& join = ref.Cast<duckdb::JoinRef>();
        RETURN_IF_ERROR(Ref(*join.left));
        RETURN_IF_ERROR(Ref(*join.right));
        if (join.condition) RETURN_IF_ERROR(Expression(join.condition));
        return absl::OkStatus();
      }
      case duckdb::TableReferenceType::SUBQUERY: {
        if (!silent_) ++out_->derived_tables;
        return Node(*ref.Cast<duckdb::SubqueryRef>().subquery->node);
      }
      case duckdb::TableReferenceType::EXPRESSION_LIST: {
        if (!silent_) ++out_->values_lists;
        for (auto& row : ref.Cast<duckdb::ExpressionListRef>().values) {
          for (auto& e : row) RETURN_IF_ERROR(Expression(e));
        }
        return absl::OkStatus();
      }
      case duckdb::TableReferenceType::EMPTY_FROM:
        return absl::OkStatus();
      case duckdb::TableReferenceType::TABLE_FUNCTION: {
        std::string name = "a table function";
        auto& function = ref.Cast<duckdb::TableFunctionRef>().function;
        if (function && function->GetExpressionClass() == duckdb::ExpressionClass::FUNCTION) {
          name =
              StrCat("table function ", function->Cast<duckdb::FunctionExpression>().function_name);
        }
        return Refuse(sql_, pos,
                      StrCat(name,
                             " may not be used: queries read only the collaboration's "
                             "tables (no files, URLs, catalogs or table functions)"));
      }
      case duckdb::TableReferenceType::PIVOT:
        return Refuse(sql_, pos, "PIVOT and UNPIVOT are not allowed");
      case duckdb::TableReferenceType::SHOW_REF:
        return Refuse(sql_, pos, "DESCRIBE, SHOW and SUMMARIZE are not allowed");
      default:
        return Refuse(sql_, pos, "this kind of FROM item is not allowed");
    }
  }

  absl::Status Expression(duckdb::unique_ptr<duckdb::ParsedExpression>& expr) {
    Position pos = PositionOf(expr->query_location);
    switch (expr->GetExpressionClass()) {
      case duckdb::ExpressionClass::PARAMETER: {
        const std::string& id = expr->Cast<duckdb::ParameterExpression>().identifier;
        auto it = parameters_.find(id);
        if (it == parameters_.end()) {
          // The parser keeps no position for parameters: point at the placeholder's first use.
          for (const ParameterMarker& marker : FindParameterMarkers(sql_)) {
            if (!pos && marker.name == id) pos = marker.offset;
          }
          return Refuse(sql_, pos,
                        StrCat("parameter ", id,
                               " has no value; parameters (:name) are only allowed in analysis "
                               "templates that declare them"));
        }
        auto constant = duckdb::make_uniq<duckdb::ConstantExpression>(it->second);
        constant->query_location = expr->query_location;
        expr = std::move(constant);
        return absl::OkStatus();
      }
      case duckdb::ExpressionClass::FUNCTION: {
        auto& f = expr->Cast<duckdb::FunctionExpression>();
        std::string name = Lower(f.function_name);
        // The grammar itself qualifies some calls with the default schema: TRIM, SUBSTRING,
        // EXTRACT, POSITION, OVERLAY, LIKE ... ESCAPE and struct, list and map literals.
        if (!f.catalog.empty() || (!f.schema.empty() && f.schema != DEFAULT_SCHEMA)) {
          return Refuse(sql_, pos, StrCat("function ", name, " may not be qualified"));
        }
        if (DeniedFunctions().count(name)) {
          return Refuse(sql_, pos, StrCat("function ", name, " is not allowed"));
        }
        FunctionCall call;
        call.name = name;
        call.position = pos;
        call.is_operator = f.is_operator;
        call.distinct = f.distinct;
        call.has_filter_or_order =
            f.filter != nullptr || (f.order_bys && !f.order_bys->orders.empty());
        if (!silent_) out_->functions.push_back(std::move(call));
        break;
      }
      case duckdb::ExpressionClass::WINDOW: {
        auto& w = expr->Cast<duckdb::WindowExpression>();
        std::string name = Lower(w.function_name);
        if (!w.catalog.empty() || !w.schema.empty()) {
          return Refuse(sql_, pos, StrCat("function ", name, " may not be qualified"));
        }
        FunctionCall call;
        call.name = name;
        call.position = pos;
        call.window = true;
        call.distinct = w.distinct;
        if (!silent_) out_->functions.push_back(std::move(call));
        break;
      }
      case duckdb::ExpressionClass::CAST: {
        // The grammar writes some casts itself, without a position: literals (TRUE, FALSE,
        // DATE '...', INTERVAL '...') and the tests IS [NOT] TRUE / FALSE. They are not conversions
        // the user asked for; CAST, TRY_CAST and `::` always have a position.
        auto& cast = expr->Cast<duckdb::CastExpression>();
        bool grammar_literal =
            !pos && (cast.child->GetExpressionClass() == duckdb::ExpressionClass::CONSTANT ||
                     cast.cast_type == duckdb::LogicalType::BOOLEAN);
        if (!silent_ && !grammar_literal) out_->casts.push_back(pos);
        break;
      }
      case duckdb::ExpressionClass::OPERATOR:
        // COALESCE is an operator to DuckDB but a function to the user.
        if (expr->type == duckdb::ExpressionType::OPERATOR_COALESCE && !silent_) {
          FunctionCall call;
          call.name = "coalesce";
          call.position = pos;
          out_->functions.push_back(std::move(call));
        }
        break;
      case duckdb::ExpressionClass::STAR:
        if (!silent_) out_->stars.push_back(pos);
        break;
      case duckdb::ExpressionClass::SUBQUERY: {
        auto& sub = expr->Cast<duckdb::SubqueryExpression>();
        if (!silent_) ++out_->subquery_expressions;
        RETURN_IF_ERROR(Node(*sub.subquery->node));
        break;
      }
      case duckdb::ExpressionClass::DEFAULT:
        return Refuse(sql_, pos, "DEFAULT is not allowed here");
      default:
        break;
    }
    absl::Status status;
    duckdb::ParsedExpressionIterator::EnumerateChildren(
        *expr, [&](duckdb::unique_ptr<duckdb::ParsedExpression>& child) {
          if (status.ok()) status = Expression(child);
        });
    return status;
  }

  const std::string& sql_;
  const std::set<std::string>& tables_;
  const std::map<std::string, duckdb::Value>& parameters_;
  SyntaxSummary* out_;
  std::set<std::string> ctes_;
  int silent_ = 0;  // > 0 while walking a cte_map copy
};

using BindingKey = std::pair<duckdb::idx_t, duckdb::idx_t>;
BindingKey Key(duckdb::idx_t table, duckdb::idx_t column) { return {table, column}; }

// Flattens a bound, unoptimized plan into lineage (see resolved_query.h).
class LineageBuilder {
 public:
  LineageBuilder(const std::string& sql, const std::set<std::string>& tables, ResolvedQuery* out)
      : sql_(sql), tables_(tables), out_(out) {}

  // Visits `op` and its inputs; returns the scans below it.
  absl::StatusOr<std::vector<int>> Visit(duckdb::LogicalOperator& op) {
    using T = duckdb::LogicalOperatorType;
    switch (op.type) {
      case T::LOGICAL_GET:
        return Get(op.Cast<duckdb::LogicalGet>());
      case T::LOGICAL_PROJECTION: {
        auto& proj = op.Cast<duckdb::LogicalProjection>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        for (duckdb::idx_t i = 0; i < proj.expressions.size(); ++i) {
          ASSIGN_OR_RETURN(bindings_[Key(proj.table_index, i)], Convert(*proj.expressions[i]));
        }
        return scans;
      }
      case T::LOGICAL_FILTER: {
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        for (auto& e : op.expressions) {
          ASSIGN_OR_RETURN(Expr expr, Convert(*e));
          out_->filters.push_back(std::move(expr));
        }
        return scans;
      }
      case T::LOGICAL_AGGREGATE_AND_GROUP_BY:
        return Aggregate(op.Cast<duckdb::LogicalAggregate>());
      case T::LOGICAL_WINDOW: {
        auto& window = op.Cast<duckdb::LogicalWindow>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        ++out_->windows;
        for (duckdb::idx_t i = 0; i < window.expressions.size(); ++i) {
          ASSIGN_OR_RETURN(bindings_[Key(window.window_index, i)], Convert(*window.expressions[i]));
        }
        return scans;
      }
      case T::LOGICAL_ORDER_BY: {
        auto& order = op.Cast<duckdb::LogicalOrder>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        for (auto& node : order.orders) {
          ASSIGN_OR_RETURN(Expr expr, Convert(*node.expression));
          out_->order_keys.push_back(std::move(expr));
        }
        return scans;
      }
      case T::LOGICAL_LIMIT: {
        ++out_->limits;
        return Visit(*op.children[0]);
      }
      case T::LOGICAL_DISTINCT: {
        auto& distinct = op.Cast<duckdb::LogicalDistinct>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        ++out_->distincts;
        for (auto& e : distinct.distinct_targets) {
          ASSIGN_OR_RETURN(Expr expr, Convert(*e));
          out_->group_keys.push_back(std::move(expr));
        }
        if (distinct.order_by) {
          for (auto& node : distinct.order_by->orders) {
            ASSIGN_OR_RETURN(Expr expr, Convert(*node.expression));
            out_->order_keys.push_back(std::move(expr));
          }
        }
        return scans;
      }
      case T::LOGICAL_COMPARISON_JOIN:
      case T::LOGICAL_DELIM_JOIN:
      case T::LOGICAL_ASOF_JOIN:
        return ComparisonJoin(op.Cast<duckdb::LogicalComparisonJoin>());
      case T::LOGICAL_ANY_JOIN: {
        auto& join = op.Cast<duckdb::LogicalAnyJoin>();
        Join info;
        info.type = duckdb::JoinTypeToString(join.join_type);
        ASSIGN_OR_RETURN(info.left_scans, Visit(*op.children[0]));
        ASSIGN_OR_RETURN(info.right_scans, Visit(*op.children[1]));
        ASSIGN_OR_RETURN(Expr condition, Convert(*join.condition));
        info.conditions.push_back(std::move(condition));
        return AddJoin(std::move(info), join.join_type, join.mark_index);
      }
      case T::LOGICAL_CROSS_PRODUCT:
      case T::LOGICAL_POSITIONAL_JOIN: {
        Join info;
        info.type = op.type == T::LOGICAL_CROSS_PRODUCT ? "CROSS" : "POSITIONAL";
        ASSIGN_OR_RETURN(info.left_scans, Visit(*op.children[0]));
        ASSIGN_OR_RETURN(info.right_scans, Visit(*op.children[1]));
        return AddJoin(std::move(info), duckdb::JoinType::INNER, 0);
      }
      case T::LOGICAL_DELIM_GET: {
        auto& get = op.Cast<duckdb::LogicalDelimGet>();
        if (delim_stack_.empty() || delim_stack_.back().size() != get.chunk_types.size()) {
          return absl::InvalidArgumentError("this correlated subquery is not supported");
        }
        for (duckdb::idx_t i = 0; i < get.chunk_types.size(); ++i) {
          bindings_[Key(get.table_index, i)] = delim_stack_.back()[i];
        }
        return std::vector<int>{};
      }
      case T::LOGICAL_MATERIALIZED_CTE: {
        auto& cte = op.Cast<duckdb::LogicalMaterializedCTE>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        std::vector<Expr> columns;
        for (const auto& binding : op.children[0]->GetColumnBindings()) {
          ASSIGN_OR_RETURN(Expr expr, Lookup(binding, std::nullopt));
          columns.push_back(std::move(expr));
        }
        ctes_[cte.table_index] = std::move(columns);
        ASSIGN_OR_RETURN(std::vector<int> rest, Visit(*op.children[1]));
        scans.insert(scans.end(), rest.begin(), rest.end());
        return scans;
      }
      case T::LOGICAL_CTE_REF: {
        auto& ref = op.Cast<duckdb::LogicalCTERef>();
        auto it = ctes_.find(ref.cte_index);
        if (it == ctes_.end() || it->second.size() != ref.chunk_types.size()) {
          return absl::InvalidArgumentError("recursive common table expressions are not allowed");
        }
        for (duckdb::idx_t i = 0; i < ref.chunk_types.size(); ++i) {
          bindings_[Key(ref.table_index, i)] = it->second[i];
        }
        return std::vector<int>{};
      }
      case T::LOGICAL_UNION:
      case T::LOGICAL_EXCEPT:
      case T::LOGICAL_INTERSECT: {
        auto& setop = op.Cast<duckdb::LogicalSetOperation>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        ASSIGN_OR_RETURN(std::vector<int> right, Visit(*op.children[1]));
        scans.insert(scans.end(), right.begin(), right.end());
        auto left_bindings = op.children[0]->GetColumnBindings();
        auto right_bindings = op.children[1]->GetColumnBindings();
        std::string name = op.type == T::LOGICAL_UNION    ? "UNION"
                           : op.type == T::LOGICAL_EXCEPT ? "EXCEPT"
                                                          : "INTERSECT";
        for (duckdb::idx_t i = 0; i < setop.column_count; ++i) {
          Expr expr;
          expr.kind = Expr::Kind::kSetOperation;
          expr.name = name;
          if (i < left_bindings.size()) {
            ASSIGN_OR_RETURN(Expr l, Lookup(left_bindings[i], std::nullopt));
            expr.children.push_back(std::move(l));
          }
          if (i < right_bindings.size()) {
            ASSIGN_OR_RETURN(Expr r, Lookup(right_bindings[i], std::nullopt));
            expr.children.push_back(std::move(r));
          }
          RETURN_IF_ERROR(Count(expr));
          bindings_[Key(setop.table_index, i)] = std::move(expr);
        }
        return scans;
      }
      case T::LOGICAL_EXPRESSION_GET: {
        auto& get = op.Cast<duckdb::LogicalExpressionGet>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        for (duckdb::idx_t c = 0; c < get.expr_types.size(); ++c) {
          Expr expr;
          expr.kind = Expr::Kind::kOther;
          expr.name = "VALUES";
          for (auto& row : get.expressions) {
            ASSIGN_OR_RETURN(Expr value, Convert(*row[c]));
            expr.children.push_back(std::move(value));
          }
          bindings_[Key(get.table_index, c)] = std::move(expr);
        }
        return scans;
      }
      case T::LOGICAL_DUMMY_SCAN:
        return std::vector<int>{};
      case T::LOGICAL_UNNEST: {
        auto& unnest = op.Cast<duckdb::LogicalUnnest>();
        ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*op.children[0]));
        ++out_->unnests;
        for (duckdb::idx_t i = 0; i < unnest.expressions.size(); ++i) {
          ASSIGN_OR_RETURN(bindings_[Key(unnest.unnest_index, i)], Convert(*unnest.expressions[i]));
        }
        return scans;
      }
      case T::LOGICAL_SAMPLE:
        return Visit(*op.children[0]);
      default:
        return absl::InvalidArgumentError(
            StrCat("this query uses a construct that is not allowed (",
                   duckdb::LogicalOperatorToString(op.type), ")"));
    }
  }

  absl::StatusOr<Expr> Lookup(const duckdb::ColumnBinding& binding, Position position) {
    auto it = bindings_.find(Key(binding.table_index, binding.column_index));
    if (it == bindings_.end()) {
      return absl::InvalidArgumentError(
          "this query refers to a column in a way that is not supported");
    }
    Expr copy = it->second;
    if (position) copy.position = position;
    RETURN_IF_ERROR(Count(copy));
    return copy;
  }

 private:
  absl::StatusOr<std::vector<int>> Get(duckdb::LogicalGet& get) {
    auto table = get.GetTable();
    if (!table || !tables_.count(Lower(table->name))) {
      return absl::InvalidArgumentError(
          "queries may read only the collaboration's tables (no files, URLs or table functions)");
    }
    int scan = static_cast<int>(out_->scans.size());
    out_->scans.push_back(Scan{Lower(table->name)});
    const auto& ids = get.GetColumnIds();
    for (duckdb::idx_t i = 0; i < ids.size(); ++i) {
      if (ids[i].IsRowIdColumn() || ids[i].IsVirtualColumn()) {
        return absl::InvalidArgumentError(
            StrCat("table \"", table->name, "\" has no such column (rowid is not available)"));
      }
      Expr column;
      column.kind = Expr::Kind::kColumn;
      column.scan = scan;
      column.name = get.GetColumnName(ids[i]);
      bindings_[Key(get.table_index, i)] = std::move(column);
    }
    return std::vector<int>{scan};
  }

  absl::StatusOr<std::vector<int>> Aggregate(duckdb::LogicalAggregate& agg) {
    ASSIGN_OR_RETURN(std::vector<int> scans, Visit(*agg.children[0]));
    ++out_->aggregations;
    if (agg.grouping_sets.size() > 1) ++out_->multiple_grouping_sets;
    std::vector<Expr> groups;
    for (duckdb::idx_t i = 0; i < agg.groups.size(); ++i) {
      ASSIGN_OR_RETURN(Expr expr, Convert(*agg.groups[i]));
      bindings_[Key(agg.group_index, i)] = expr;
      groups.push_back(expr);
      out_->group_keys.push_back(std::move(expr));
    }
    for (duckdb::idx_t i = 0; i < agg.expressions.size(); ++i) {
      ASSIGN_OR_RETURN(bindings_[Key(agg.aggregate_index, i)], Convert(*agg.expressions[i]));
    }
    out_->aggregation_steps.push_back({groups, scans});
    for (duckdb::idx_t i = 0; i < agg.grouping_functions.size(); ++i) {
      Expr expr;
      expr.kind = Expr::Kind::kGrouping;
      expr.name = "grouping";
      for (auto g : agg.grouping_functions[i]) {
        if (g < groups.size()) expr.children.push_back(groups[g]);
      }
      bindings_[Key(agg.groupings_index, i)] = std::move(expr);
    }
    return scans;
  }

  absl::StatusOr<std::vector<int>> ComparisonJoin(duckdb::LogicalComparisonJoin& join) {
    Join info;
    info.type = duckdb::JoinTypeToString(join.join_type);
    bool delim = join.type == duckdb::LogicalOperatorType::LOGICAL_DELIM_JOIN;
    info.for_subquery = delim || join.join_type == duckdb::JoinType::MARK ||
                        join.join_type == duckdb::JoinType::SINGLE;
    if (delim) {
      if (join.delim_flipped) {
        return absl::InvalidArgumentError("this correlated subquery is not supported");
      }
      ASSIGN_OR_RETURN(info.left_scans, Visit(*join.children[0]));
      std::vector<Expr> delim_columns;
      for (auto& e : join.duplicate_eliminated_columns) {
        ASSIGN_OR_RETURN(Expr expr, Convert(*e));
        delim_columns.push_back(std::move(expr));
      }
      delim_stack_.push_back(std::move(delim_columns));
      auto right = Visit(*join.children[1]);
      delim_stack_.pop_back();
      if (!right.ok()) return right.status();
      info.right_scans = *std::move(right);
    } else {
      ASSIGN_OR_RETURN(info.left_scans, Visit(*join.children[0]));
      ASSIGN_OR_RETURN(info.right_scans, Visit(*join.children[1]));
    }
    for (auto& cond : join.conditions) {
      Expr expr;
      expr.kind = Expr::Kind::kComparison;
      expr.name = duckdb::ExpressionTypeToOperator(cond.comparison);
      ASSIGN_OR_RETURN(Expr l, Convert(*cond.left));
      ASSIGN_OR_RETURN(Expr r, Convert(*cond.right));
      expr.position = l.position;
      expr.children.push_back(std::move(l));
      expr.children.push_back(std::move(r));
      info.conditions.push_back(std::move(expr));
    }
    if (join.predicate) {
      ASSIGN_OR_RETURN(Expr expr, Convert(*join.predicate));
      info.conditions.push_back(std::move(expr));
    }
    return AddJoin(std::move(info), join.join_type, join.mark_index);
  }

  absl::StatusOr<std::vector<int>> AddJoin(Join info, duckdb::JoinType type,
                                           duckdb::idx_t mark_index) {
    std::vector<int> scans = info.left_scans;
    scans.insert(scans.end(), info.right_scans.begin(), info.right_scans.end());
    if (type == duckdb::JoinType::MARK) {
      Expr mark;
      mark.kind = Expr::Kind::kSubqueryTest;
      mark.name = "IN";
      for (const Expr& c : info.conditions) mark.children.push_back(c);
      bindings_[Key(mark_index, 0)] = std::move(mark);
    }
    out_->joins.push_back(std::move(info));
    return scans;
  }

  absl::Status Count(const Expr& expr) {
    nodes_ += 1 + expr.children.size() + expr.modifiers.size();
    if (nodes_ > kMaxExprNodes) {
      return absl::InvalidArgumentError("the query is too complex to analyze");
    }
    return absl::OkStatus();
  }

  absl::Status Children(const std::vector<duckdb::unique_ptr<duckdb::Expression>>& in,
                        std::vector<Expr>* out) {
    for (const auto& e : in) {
      if (!e) continue;
      ASSIGN_OR_RETURN(Expr expr, Convert(*e));
      out->push_back(std::move(expr));
    }
    return absl::OkStatus();
  }

  absl::Status Optional(const duckdb::unique_ptr<duckdb::Expression>& in, std::vector<Expr>* out) {
    if (!in) return absl::OkStatus();
    ASSIGN_OR_RETURN(Expr expr, Convert(*in));
    out->push_back(std::move(expr));
    return absl::OkStatus();
  }

 public:
  absl::StatusOr<Expr> Convert(const duckdb::Expression& e) {
    using C = duckdb::ExpressionClass;
    Position pos = PositionOf(e.query_location);
    if (e.GetExpressionClass() == C::BOUND_COLUMN_REF) {
      return Lookup(e.Cast<duckdb::BoundColumnRefExpression>().binding, pos);
    }
    Expr out;
    out.position = pos;
    switch (e.GetExpressionClass()) {
      case C::BOUND_CONSTANT: {
        out.kind = Expr::Kind::kConstant;
        std::string text = e.Cast<duckdb::BoundConstantExpression>().value.ToSQLString();
        out.name = text.size() > 64 ? StrCat(text.substr(0, 61), "...") : text;
        break;
      }
      case C::BOUND_FUNCTION: {
        auto& f = e.Cast<duckdb::BoundFunctionExpression>();
        out.kind = Expr::Kind::kFunction;
        out.name = Lower(f.function.name);
        RETURN_IF_ERROR(Children(f.children, &out.children));
        break;
      }
      case C::BOUND_AGGREGATE: {
        auto& a = e.Cast<duckdb::BoundAggregateExpression>();
        out.kind = Expr::Kind::kAggregate;
        out.name = Lower(a.function.name);
        out.distinct = a.aggr_type == duckdb::AggregateType::DISTINCT;
        RETURN_IF_ERROR(Children(a.children, &out.children));
        RETURN_IF_ERROR(Optional(a.filter, &out.modifiers));
        if (a.order_bys) {
          for (auto& node : a.order_bys->orders)
            RETURN_IF_ERROR(Optional(node.expression, &out.modifiers));
        }
        break;
      }
      case C::BOUND_WINDOW: {
        auto& w = e.Cast<duckdb::BoundWindowExpression>();
        out.kind = Expr::Kind::kWindow;
        out.name =
            w.aggregate ? Lower(w.aggregate->name) : Lower(duckdb::ExpressionTypeToString(w.type));
        out.distinct = w.distinct;
        RETURN_IF_ERROR(Children(w.children, &out.children));
        RETURN_IF_ERROR(Children(w.partitions, &out.modifiers));
        out.partitions = static_cast<int>(out.modifiers.size());
        for (auto& node : w.orders) RETURN_IF_ERROR(Optional(node.expression, &out.modifiers));
        for (auto& node : w.arg_orders) RETURN_IF_ERROR(Optional(node.expression, &out.modifiers));
        RETURN_IF_ERROR(Optional(w.filter_expr, &out.modifiers));
        RETURN_IF_ERROR(Optional(w.start_expr, &out.modifiers));
        RETURN_IF_ERROR(Optional(w.end_expr, &out.modifiers));
        RETURN_IF_ERROR(Optional(w.offset_expr, &out.modifiers));
        RETURN_IF_ERROR(Optional(w.default_expr, &out.modifiers));
        break;
      }
      case C::BOUND_CAST: {
        auto& c = e.Cast<duckdb::BoundCastExpression>();
        out.kind = Expr::Kind::kCast;
        out.name = c.return_type.ToString();
        out.explicit_cast = pos.has_value();
        RETURN_IF_ERROR(Optional(c.child, &out.children));
        break;
      }
      case C::BOUND_COMPARISON: {
        auto& c = e.Cast<duckdb::BoundComparisonExpression>();
        out.kind = Expr::Kind::kComparison;
        out.name = duckdb::ExpressionTypeToOperator(c.type);
        RETURN_IF_ERROR(Optional(c.left, &out.children));
        RETURN_IF_ERROR(Optional(c.right, &out.children));
        break;
      }
      case C::BOUND_CONJUNCTION: {
        auto& c = e.Cast<duckdb::BoundConjunctionExpression>();
        out.kind = Expr::Kind::kConjunction;
        out.name = c.type == duckdb::ExpressionType::CONJUNCTION_AND ? "AND" : "OR";
        RETURN_IF_ERROR(Children(c.children, &out.children));
        break;
      }
      case C::BOUND_OPERATOR: {
        auto& o = e.Cast<duckdb::BoundOperatorExpression>();
        out.kind = Expr::Kind::kOperator;
        out.name = OperatorName(o.type);
        RETURN_IF_ERROR(Children(o.children, &out.children));
        break;
      }
      case C::BOUND_CASE: {
        auto& c = e.Cast<duckdb::BoundCaseExpression>();
        out.kind = Expr::Kind::kCase;
        for (auto& check : c.case_checks) {
          RETURN_IF_ERROR(Optional(check.when_expr, &out.children));
          RETURN_IF_ERROR(Optional(check.then_expr, &out.children));
        }
        RETURN_IF_ERROR(Optional(c.else_expr, &out.children));
        break;
      }
      case C::BOUND_BETWEEN: {
        auto& b = e.Cast<duckdb::BoundBetweenExpression>();
        out.kind = Expr::Kind::kOther;
        out.name = "BETWEEN";
        RETURN_IF_ERROR(Optional(b.input, &out.children));
        RETURN_IF_ERROR(Optional(b.lower, &out.children));
        RETURN_IF_ERROR(Optional(b.upper, &out.children));
        break;
      }
      case C::BOUND_PARAMETER:
        return absl::InvalidArgumentError("parameters are only allowed in analysis templates");
      case C::BOUND_SUBQUERY:
        return absl::InvalidArgumentError("this subquery is not supported");
      default: {
        out.kind = Expr::Kind::kOther;
        out.name = duckdb::ExpressionClassToString(e.GetExpressionClass());
        absl::Status status;
        duckdb::ExpressionIterator::EnumerateChildren(e, [&](const duckdb::Expression& child) {
          if (!status.ok()) return;
          auto converted = Convert(child);
          if (!converted.ok()) {
            status = converted.status();
            return;
          }
          out.children.push_back(*std::move(converted));
        });
        RETURN_IF_ERROR(status);
        break;
      }
    }
    RETURN_IF_ERROR(Count(out));
    return out;
  }

 private:
  static std::string OperatorName(duckdb::ExpressionType type) {
    using E = duckdb::ExpressionType;
    switch (type) {
      case E::OPERATOR_NOT:
        return "NOT";
      case E::OPERATOR_IS_NULL:
        return "IS NULL";
      case E::OPERATOR_IS_NOT_NULL:
        return "IS NOT NULL";
      case E::COMPARE_IN:
        return "IN";
      case E::COMPARE_NOT_IN:
        return "NOT IN";
      case E::OPERATOR_COALESCE:
        return "COALESCE";
      default:
        return duckdb::ExpressionTypeToString(type);
    }
  }

  const std::string& sql_;
  const std::set<std::string>& tables_;
  ResolvedQuery* out_;
  std::map<BindingKey, Expr> bindings_;
  std::map<duckdb::idx_t, std::vector<Expr>> ctes_;
  std::vector<std::vector<Expr>> delim_stack_;
  size_t nodes_ = 0;
};

// Rewrites `:name` placeholders to DuckDB's `$name` (same length, so positions are kept).
std::string ToEngineParameters(const std::string& sql) {
  std::string out = sql;
  for (const ParameterMarker& marker : FindParameterMarkers(sql)) out[marker.offset] = '$';
  return out;
}

bool ContainsStar(const duckdb::ParsedExpression& expr) {
  if (expr.GetExpressionClass() == duckdb::ExpressionClass::STAR) return true;
  bool found = false;
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      expr, [&](const duckdb::ParsedExpression& child) { found = found || ContainsStar(child); });
  return found;
}

// Where each of the `columns` result columns is written in the outermost SELECT list; the columns
// a `*` (or COLUMNS(...)) expands to are all at the star. Empty when that is not known: for a set
// operation, or a star inside an expression or next to another star.
std::vector<Position> ResultPositions(const std::vector<std::pair<Position, bool>>& select_list,
                                      size_t columns) {
  size_t stars = 0;
  for (const auto& [position, star] : select_list) stars += star ? 1 : 0;
  size_t others = select_list.size() - stars;
  if (stars > 1 || columns < others || (stars == 0 && columns != others)) return {};
  std::vector<Position> out;
  for (const auto& [position, star] : select_list) {
    out.insert(out.end(), star ? columns - others : 1, position);
  }
  return out;
}

// The outermost SELECT list as written: each entry's position and whether it is a `*`, or
// nullopt when a star is nested in an entry or the query is a set operation.
std::optional<std::vector<std::pair<Position, bool>>> OuterSelectList(duckdb::QueryNode& node) {
  duckdb::QueryNode* root = &node;
  while (root->type == duckdb::QueryNodeType::CTE_NODE) {
    root = root->Cast<duckdb::CTENode>().child.get();
  }
  if (root->type != duckdb::QueryNodeType::SELECT_NODE) return std::nullopt;
  std::vector<std::pair<Position, bool>> out;
  for (const auto& e : root->Cast<duckdb::SelectNode>().select_list) {
    bool star = e->GetExpressionClass() == duckdb::ExpressionClass::STAR;
    if (!star && ContainsStar(*e)) return std::nullopt;
    out.emplace_back(PositionOf(e->query_location), star);
  }
  return out;
}

}  // namespace

namespace {

// `text` between two `quote`s, each `quote` in it doubled.
std::string Quote(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    out += c;
    if (c == quote) out += quote;
  }
  return out + quote;
}

}  // namespace

std::string QuoteIdentifier(const std::string& name) { return Quote(name, '"'); }

std::string QuoteLiteral(const std::string& text) { return Quote(text, '\''); }

absl::StatusOr<ParsedQuery> ParseQuery(const std::string& sql,
                                       const std::vector<TableSchema>& tables,
                                       const std::vector<SqlParameter>& parameters) {
  ParsedQuery parsed;
  std::set<std::string> names;
  for (const TableSchema& t : tables) names.insert(ToLower(t.name));
  std::map<std::string, duckdb::Value> values;
  for (const SqlParameter& p : parameters) {
    try {
      duckdb::LogicalType type = duckdb::TransformStringToLogicalType(p.type);
      values[p.name] = duckdb::Value(p.value).DefaultCastAs(type, true);
    } catch (const std::exception&) {
      return absl::InvalidArgumentError(
          StrCat("parameter ", p.name, " is not a valid ", p.type, " value"));
    }
  }
  std::string text = ToEngineParameters(sql);
  duckdb::Parser parser;
  try {
    parser.ParseQuery(text);
  } catch (const std::exception& e) {
    duckdb::ErrorData error(e);
    return absl::InvalidArgumentError(StrCat("the query cannot be parsed: ", error.RawMessage()));
  }
  if (parser.statements.size() != 1) {
    return absl::InvalidArgumentError(
        StrCat("a protected query is exactly one SELECT statement; this one has ",
               parser.statements.size()));
  }
  if (parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
    return absl::InvalidArgumentError(
        StrCat("only SELECT statements may run; this is a ",
               duckdb::StatementTypeToString(parser.statements[0]->type), " statement"));
  }
  parsed.statement = std::move(parser.statements[0]);
  auto& select = parsed.statement->Cast<duckdb::SelectStatement>();
  SyntaxWalker walker(sql, names, values, &parsed.syntax);
  RETURN_IF_ERROR(walker.Node(*select.node));
  // Every placeholder now holds its value: the statement takes no parameters when it runs.
  parsed.statement->named_param_map.clear();
  return parsed;
}

std::string CreateTableSql(const TableSchema& table, bool temporary) {
  std::string sql =
      StrCat("CREATE ", temporary ? "TEMPORARY " : "", "TABLE ", QuoteIdentifier(table.name), " (");
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += StrCat(QuoteIdentifier(table.columns[i].name), " ", table.columns[i].type);
  }
  return sql + ")";
}

absl::StatusOr<ResolvedQuery> Engine::Resolve(const std::string& sql,
                                              const std::vector<TableSchema>& tables,
                                              const std::vector<SqlParameter>& parameters) {
  ASSIGN_OR_RETURN(ParsedQuery parsed, ParseQuery(sql, tables, parameters));
  return ResolveParsed(*impl_->db, sql, std::move(parsed), tables);
}

absl::StatusOr<ResolvedQuery> ResolveParsed(duckdb::DuckDB& db, const std::string& sql,
                                            ParsedQuery parsed,
                                            const std::vector<TableSchema>& tables) {
  ResolvedQuery out;
  out.syntax = std::move(parsed.syntax);
  std::set<std::string> names;
  for (const TableSchema& t : tables) names.insert(ToLower(t.name));
  try {
    duckdb::Connection conn(db);
    conn.BeginTransaction();
    for (const TableSchema& table : tables) {
      auto result = conn.Query(CreateTableSql(table, /*temporary=*/true));
      if (result->HasError()) {
        return absl::InternalError(
            StrCat("cannot describe table ", table.name, ": ", result->GetError()));
      }
    }
    // A result column that repeats a GROUP BY key is bound to the key, whose position is in the
    // GROUP BY clause (or is the ordinal of `GROUP BY 1`), and those of a `*` have none: messages
    // about result columns point at the SELECT list instead.
    auto select_list = OuterSelectList(*parsed.statement->Cast<duckdb::SelectStatement>().node);
    absl::Status status;
    conn.context->RunFunctionInTransaction([&]() {
      duckdb::Planner planner(*conn.context);
      planner.CreatePlan(std::move(parsed.statement));
      LineageBuilder builder(sql, names, &out);
      auto scans = builder.Visit(*planner.plan);
      if (!scans.ok()) {
        status = scans.status();
        return;
      }
      auto bindings = planner.plan->GetColumnBindings();
      for (size_t i = 0; i < planner.names.size() && i < bindings.size(); ++i) {
        auto expr = builder.Lookup(bindings[i], std::nullopt);
        if (!expr.ok()) {
          status = expr.status();
          return;
        }
        out.outputs.push_back({planner.names[i], *std::move(expr)});
      }
      std::vector<Position> positions =
          select_list ? ResultPositions(*select_list, out.outputs.size()) : std::vector<Position>();
      for (size_t i = 0; i < positions.size(); ++i) {
        if (positions[i]) out.outputs[i].expr.position = positions[i];
      }
    });
    conn.Rollback();
    if (!status.ok()) {
      if (absl::IsInvalidArgument(status))
        return absl::InvalidArgumentError(std::string(status.message()));
      return status;
    }
  } catch (const std::exception& e) {
    duckdb::ErrorData error(e);
    return absl::InvalidArgumentError(StrCat("the query cannot be bound: ", error.RawMessage()));
  }
  return out;
}

}  // namespace cleanroom::engine
