// The data-driven analysis-rule cases of test/policy_cases/ (format: README.md there), loaded
// into plain values for the runner in policy_cases_test.cc.
#ifndef CLEANROOM_TEST_QUERYPOLICY_POLICY_CASE_H_
#define CLEANROOM_TEST_QUERYPOLICY_POLICY_CASE_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "querypolicy/query_policy.h"
#include "rules/rule_types.h"

namespace cleanroom::querypolicy::testing {

// One table of a case file: what the query sees, the rows stored for it, and its owner's rules.
struct CaseTable {
  engine::TableSchema schema;                      // the allowed columns, as queries see them
  std::vector<engine::ColumnSchema> file_columns;  // every column, in file order
  std::string csv;                                 // the rows, with a header line
  PolicyTable policy;
};

// A result row as text; nullopt is NULL.
using Row = std::vector<std::optional<std::string>>;

struct PolicyCase {
  std::string file;  // the case file's name without ".json"
  std::string name;  // the case's name, unique within its file
  // Set when the file or the case could not be loaded; the case then fails with this message.
  std::string load_error;
  std::shared_ptr<const std::vector<CaseTable>> tables;  // shared by the cases of a file

  std::string querier;
  std::string sql;
  std::vector<engine::SqlParameter> parameters;
  std::optional<std::string> analysis_template_arn;
  std::vector<std::string> receivers;

  // The expected verdict: a refusal whose message contains `error`, these rows, or (queries
  // that run with differential privacy, whose results are noisy) the aggregation types of the
  // final SELECT, as AWS names them (COUNT, COUNT_DISTINCT, SUM, AVG, STDDEV), in order.
  std::optional<std::string> error;
  std::vector<Row> rows;
  std::optional<std::vector<std::string>> dp_aggregates;
  bool ordered = false;                             // compare rows in order, not as a multiset
  std::optional<std::vector<std::string>> columns;  // expected output column names
  std::optional<rules::RuleType> rule_type;         // expected rule type of the decision
};

// Loads every *.json file of `directory`, in name order. Problems (unreadable files, bad JSON,
// invalid rules, duplicate names) become cases whose `load_error` says what is wrong, so that a
// broken file fails the suite instead of vanishing from it.
std::vector<PolicyCase> LoadPolicyCases(const std::string& directory);

// The test name of `c`: "<file>_<name>" with anything but [A-Za-z0-9_] replaced by '_'.
std::string TestName(const PolicyCase& c);

// For GoogleTest's messages.
void PrintTo(const PolicyCase& c, std::ostream* os);

}  // namespace cleanroom::querypolicy::testing

#endif  // CLEANROOM_TEST_QUERYPOLICY_POLICY_CASE_H_
