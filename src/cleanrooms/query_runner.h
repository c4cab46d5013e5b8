// The seam between the Clean Rooms control plane and the engine that checks and runs protected
// queries. CleanRoomsService owns the API, the lifecycle (SUBMITTED → STARTED → SUCCESS / FAILED
// / CANCELLED / TIMED_OUT), persistence and who may see what; a ProtectedQueryRunner decides
// whether a query is allowed by the analysis rules and produces its results. The production
// runner lives in the `protectedquery` module; unit tests use a fake.
#ifndef CLEANROOM_CLEANROOMS_QUERY_RUNNER_H_
#define CLEANROOM_CLEANROOMS_QUERY_RUNNER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/analysis_rule.h"

namespace cleanroom::cleanrooms {

// One table a protected query may name: a configured table association of the collaboration,
// with everything needed to check and read it.
struct QueryTable {
  std::string name;  // the association's name: how SQL refers to the table
  std::string association_id;
  std::string association_arn;
  std::string owner_account_id;  // the account that associated (and owns) the table
  std::string role_arn;          // the association's role, through which the data is read
  std::string region;
  std::string glue_database;  // the configured table's reference in the owner's Glue catalog
  std::string glue_table;
  std::vector<std::string> allowed_columns;  // the configured table's allowedColumns
  // The configured table's analysis rules (at most one per type) and the association's
  // collaboration analysis rules (likewise).
  std::vector<rules::TableRule> table_rules;
  std::vector<rules::AssociationRule> association_rules;
};

// A declared analysis template parameter with the value the query runs with (the request's
// value, else the declared default). `type` is the model's ParameterType (e.g. "INTEGER"); the
// value has already been checked against it.
struct QueryParameter {
  std::string name;
  std::string type;
  std::string value;
};

// Where one copy of the results goes: a bucket of `account_id`, which must own it.
struct ResultDestination {
  std::string account_id;
  std::string bucket;
  std::string key_prefix;      // may be empty
  std::string format = "CSV";  // CSV or PARQUET
  bool single_file = false;
  std::string role_arn;  // the membership's result role, if it set one
};

struct ProtectedQueryRequest {
  std::string query_id;
  std::string collaboration_id;
  std::string membership_id;
  std::string querier_account_id;
  std::string region;
  // The SQL that runs: the request's queryString, or the analysis template's source text.
  std::string sql;
  std::optional<std::string> analysis_template_arn;  // set when run from a template
  std::vector<QueryParameter> parameters;            // only when run from a template
  // Every association of the collaboration whose owner is an ACTIVE member; the SQL may name
  // any of them and no other table.
  std::vector<QueryTable> tables;
  // Accounts that receive the results, and where each copy is written.
  std::vector<ResultDestination> destinations;
  // The collaboration's privacy budget template's usersNoisePerQuery, 0 if it has none. A query
  // over tables with differential privacy runs only with a template.
  int users_noise_per_query = 0;
};

// What a successful check learned about the query.
struct QueryCheck {
  std::vector<std::string> tables;  // names of the tables the query reads, sorted, unique
  std::string rule_type;            // AGGREGATION, LIST or CUSTOM
  // Differential privacy: the privacy budget cost units the query spends (0: not a DP query).
  int64_t privacy_budget_units = 0;
};

// What a differentially private query reports for one aggregation
// (DifferentialPrivacySensitivityParameters).
struct SensitivityParameters {
  std::string aggregation_type;  // AVG, COUNT, COUNT_DISTINCT, SUM or STDDEV
  std::string aggregation_expression;
  int64_t user_contribution_limit = 0;
  std::optional<double> min_column_value;
  std::optional<double> max_column_value;
};

struct QueryOutcome {
  std::vector<std::string> tables;  // as in QueryCheck
  // One location per destination, in the same order ("s3://bucket/prefix/<id>/result/...").
  std::vector<std::string> locations;
  int64_t rows = 0;                                // result rows written (to each destination)
  std::vector<SensitivityParameters> sensitivity;  // differential privacy queries only
  // The duration to report instead of the measured one (differential privacy queries report the
  // stretched duration they were held for; see dp::PaddedDurationMillis).
  std::optional<int64_t> reported_millis;
};

// Cancellation shared between the service (which cancels, on UpdateProtectedQuery or at the
// deadline) and the runner (which registers how to interrupt the work in progress).
// Thread-safe.
class CancelSignal {
 public:
  // Marks the signal cancelled and runs every registered callback once.
  void Cancel();
  bool cancelled() const;
  // Runs `fn` when Cancel is called, or at once (on the caller's thread) if it already was.
  void OnCancel(std::function<void()> fn);
  // Waits up to `timeout`, returning early if the signal is (or gets) cancelled. Returns
  // cancelled().
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool cancelled_ = false;
  std::vector<std::function<void()>> callbacks_;
};

// Implementations must be thread-safe: the service calls Check on request threads and Run on
// its worker threads, several at a time.
class ProtectedQueryRunner {
 public:
  virtual ~ProtectedQueryRunner() = default;

  // Decides, without reading any data, whether the rules of every table the query names allow
  // it to run and deliver results to the request's destinations. A refusal is an
  // InvalidArgument status whose message is the ValidationException message: it names the
  // rule, the table and the offending part of the query with its position.
  virtual absl::StatusOr<QueryCheck> Check(const ProtectedQueryRequest& request) = 0;

  // Runs a query that passed Check and writes its results to every destination. Returns
  // kCancelled promptly once `cancel` is cancelled; any other error ends the query FAILED
  // with the status message, which never contains data values.
  virtual absl::StatusOr<QueryOutcome> Run(const ProtectedQueryRequest& request,
                                           CancelSignal& cancel) = 0;
};

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_QUERY_RUNNER_H_
