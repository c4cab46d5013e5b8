// Enforcement of AWS Clean Rooms analysis rules on a resolved query (engine/resolved_query.h).
//
// The decision is made on what DuckDB's binder resolved, never on the query text: every output
// column, filter, join condition, grouping and ordering key is traced to the base columns it is
// computed from, through aliases, `*`, CTEs, derived tables, subqueries and set operations. The
// rules are AWS's (docs/analysis-rules.md, "Query checks"); where AWS is silent the stricter
// reading is taken and documented there.
//
// A refusal is kInvalidArgument whose message names the rule type, the table, and the offending
// part of the query with its line and column, e.g.
//   AGGREGATION analysis rule of table "sales": column customer_id is a join column; it can be
//   used only in JOIN conditions, never selected, grouped or filtered (line 1, column 8)
// Pure functions; thread-safe.
#ifndef CLEANROOM_QUERYPOLICY_QUERY_POLICY_H_
#define CLEANROOM_QUERYPOLICY_QUERY_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/resolved_query.h"
#include "rules/analysis_rule.h"

namespace cleanroom::querypolicy {

// A table the query may read, with the rules its owner set.
struct PolicyTable {
  std::string name;  // the association name, as the query names it (compared case-insensitively)
  std::string owner_account_id;
  std::vector<rules::TableRule> table_rules;              // at most one per type
  std::vector<rules::AssociationRule> association_rules;  // at most one per type
};

struct PolicyRequest {
  std::string sql;  // the text that was resolved, for line and column numbers
  std::string querier_account_id;
  // Set when the query runs an analysis template (CUSTOM rules then check it is allowed).
  std::optional<std::string> analysis_template_arn;
  // Accounts that will receive the results.
  std::vector<std::string> receiver_account_ids;
  std::vector<PolicyTable> tables;
};

// An AGGREGATION output constraint the execution must apply: every output row must aggregate at
// least `minimum` distinct values of `column` of each scan of `table`; other rows are dropped.
struct OutputConstraint {
  std::string table;
  std::string column;
  int64_t minimum = 0;
  bool operator==(const OutputConstraint&) const = default;
};

// A table read with differential privacy on, and its user identifier column.
struct DpColumn {
  std::string table;  // lower case
  std::string user_id_column;
  bool operator==(const DpColumn&) const = default;
};

struct PolicyDecision {
  rules::RuleType rule_type = rules::RuleType::kAggregation;
  std::vector<std::string> tables;  // the tables read, lower case, sorted, unique
  std::vector<OutputConstraint> output_constraints;
  // CUSTOM: the tables read whose rule turns on differential privacy. When not empty the query
  // must also pass engine::Engine::AnalyzeDp and CheckDifferentialPrivacy, and runs with noise.
  std::vector<DpColumn> differential_privacy;
};

// Decides whether `query` may run under the rules of the tables it reads and deliver results
// to the request's receivers.
absl::StatusOr<PolicyDecision> CheckQuery(const engine::ResolvedQuery& query,
                                          const PolicyRequest& request);

// The rules AWS sets for the rows a differentially private query aggregates, checked on
// `rows` (engine::DpQuery::rows: its final FROM and WHERE, resolved) for the protected `tables`:
//  - protected tables join each other only by equality of their user identifier columns (no
//    CROSS JOIN, no other condition alone);
//  - subqueries that read a protected table appear only in FROM, never in expressions;
//  - a CTE or subquery that aggregates a protected table groups by its user identifier;
//  - window functions over a protected table PARTITION BY its user identifier.
// kInvalidArgument naming the table, the rule and the position otherwise. (The final SELECT's
// own shape is checked by AnalyzeDp.)
absl::Status CheckDifferentialPrivacy(const engine::ResolvedQuery& rows,
                                      const std::vector<DpColumn>& tables, const std::string& sql);

}  // namespace cleanroom::querypolicy

#endif  // CLEANROOM_QUERYPOLICY_QUERY_POLICY_H_
