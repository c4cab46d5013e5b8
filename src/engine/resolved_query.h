// A SQL query as the engine resolved it: what a policy needs to decide whether the query may run,
// independent of DuckDB's own types.
//
// The engine parses the query with DuckDB's parser and binds it with DuckDB's binder against the
// tables it may read, so every name (aliases, `*`, CTEs, subqueries, USING, implicit joins) is
// already resolved. What remains is described twice:
//  - `syntax`: what the query text asks for (functions and casts as written, stars, subqueries,
//    CTEs ...), for rules that are about the text the user wrote;
//  - the bound plan flattened into lineage: every output column, filter, join condition,
//    grouping and ordering key is an Expr tree whose leaves are columns of scanned base tables
//    and constants. Anything that flows through a projection, CTE, derived table, subquery or set
//    operation is inlined, so a column cannot hide behind a name.
// All types are plain values.
#ifndef CLEANROOM_ENGINE_RESOLVED_QUERY_H_
#define CLEANROOM_ENGINE_RESOLVED_QUERY_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cleanroom::engine {

// A byte offset into the SQL text; nullopt where the engine has none.
using Position = std::optional<size_t>;

// One node of an expression, with its inputs inlined down to base columns.
struct Expr {
  enum class Kind {
    kColumn,        // a column of a scanned table: `scan` and `name`
    kConstant,      // a literal; `name` is its SQL rendering
    kFunction,      // a scalar function or operator as bound, e.g. "round", "+", "~~"
    kCast,          // `name` is the target type; `explicit_cast` if written by the user
    kComparison,    // `name` is "=", "<>", "<", ">", "<=", ">=", "IS DISTINCT FROM", ...
    kConjunction,   // `name` is "AND" or "OR"
    kOperator,      // `name` is "NOT", "IS NULL", "IS NOT NULL", "IN", "COALESCE", ...
    kCase,          // children: WHEN, THEN pairs then ELSE
    kAggregate,     // `name` is the aggregate ("sum", "count", "count_star" ...); `distinct`
    kWindow,        // `name` is the window function; modifiers hold PARTITION/ORDER/frame
    kSetOperation,  // a column of UNION/EXCEPT/INTERSECT; children: that column of each input
    kSubqueryTest,  // IN/EXISTS/ANY over a subquery; children: the values compared
    kGrouping,      // GROUPING(...); children: the grouping keys
    kOther,         // any other computation over its children; `name` says what
  };
  Kind kind = Kind::kConstant;
  std::string name;
  bool distinct = false;       // kAggregate / kWindow: DISTINCT
  bool explicit_cast = false;  // kCast
  int scan = -1;               // kColumn: index into ResolvedQuery::scans
  Position position;
  std::vector<Expr> children;   // arguments
  std::vector<Expr> modifiers;  // aggregate FILTER / ORDER BY; window PARTITION BY / ORDER BY
  int partitions = 0;           // kWindow: the first `partitions` modifiers are PARTITION BY keys
};

// One scan of a base table (a table named twice is scanned twice).
struct Scan {
  std::string table;
};

struct Join {
  // "INNER", "LEFT", "RIGHT", "OUTER" (full), "SEMI", "ANTI", "MARK", "SINGLE", "RIGHT_SEMI",
  // "RIGHT_ANTI", "CROSS" (no condition) or "POSITIONAL".
  std::string type;
  // True if the planner made this join for a subquery expression (IN, EXISTS, a scalar or
  // correlated subquery) rather than for a join the query wrote.
  bool for_subquery = false;
  // The join condition as conjuncts: all must hold. Empty for CROSS.
  std::vector<Expr> conditions;
  std::vector<int> left_scans;  // scans below each side
  std::vector<int> right_scans;
};

// One aggregation step (a GROUP BY, or aggregates without one).
struct AggregationStep {
  std::vector<Expr> keys;  // its GROUP BY keys
  std::vector<int> scans;  // the scans below it
};

struct OutputColumn {
  std::string name;
  Expr expr;
};

// A function call as written in the query text.
struct FunctionCall {
  std::string name;  // lower case, as written ("ceiling", "count", "+")
  Position position;
  bool is_operator = false;  // "+", "||", "~~" (LIKE) ...
  bool distinct = false;
  bool window = false;               // used with OVER
  bool has_filter_or_order = false;  // FILTER (WHERE ...) or ORDER BY inside the call
};

// What the query text contains, counted over the whole statement.
struct SyntaxSummary {
  int select_nodes = 0;            // SELECT blocks, including those of CTEs and subqueries
  int ctes = 0;                    // WITH entries
  int subquery_expressions = 0;    // (SELECT ...), IN (SELECT ...), EXISTS (...)
  int derived_tables = 0;          // FROM (SELECT ...)
  int set_operations = 0;          // UNION, EXCEPT, INTERSECT
  int values_lists = 0;            // VALUES (...)
  int samples = 0;                 // TABLESAMPLE / USING SAMPLE
  int qualify = 0;                 // QUALIFY clauses
  std::vector<Position> stars;     // `*` and COLUMNS(...)
  std::vector<Position> casts;     // CAST, TRY_CAST and `::`
  std::vector<Position> order_by;  // ORDER BY keys of queries (not of aggregates or windows)
  std::vector<FunctionCall> functions;
};

struct ResolvedQuery {
  std::vector<Scan> scans;
  std::vector<OutputColumn> outputs;
  std::vector<Join> joins;
  std::vector<Expr> filters;     // WHERE, HAVING and QUALIFY conditions, as conjuncts
  std::vector<Expr> group_keys;  // GROUP BY keys of every aggregation
  std::vector<Expr> order_keys;  // ORDER BY keys (of the query and of DISTINCT ON)
  int aggregations = 0;          // aggregation steps (GROUP BY or aggregates without it)
  std::vector<AggregationStep> aggregation_steps;  // each of them, inner steps first
  int multiple_grouping_sets = 0;  // aggregation steps with GROUPING SETS, ROLLUP or CUBE
  int windows = 0;                 // window steps
  int distincts = 0;               // DISTINCT steps
  int limits = 0;                  // LIMIT / OFFSET steps
  int unnests = 0;                 // UNNEST steps
  SyntaxSummary syntax;
};

// A compact, deterministic rendering of `expr` for messages and tests, e.g.
// "sum(t.amount)" or "(a.id = b.id)"; `scans` names the tables of column leaves.
std::string ToString(const Expr& expr, const std::vector<Scan>& scans);

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_RESOLVED_QUERY_H_
