// The SQL engine: embedded DuckDB (pinned 1.4.4). This is the only module that includes or
// links DuckDB; everything else sees these types and absl::Status.
#ifndef CLEANROOM_ENGINE_ENGINE_H_
#define CLEANROOM_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/dp_query.h"
#include "engine/resolved_query.h"

namespace cleanroom::engine {

struct EngineOptions {
  int threads = 2;
  std::string memory_limit = "1GB";
  // When false (the only setting the server uses), queries can reach no local file, URL,
  // database file or extension: the only readable files are objects granted through
  // Engine::Grant, and the configuration is locked so no query can change that.
  bool allow_external_access = false;
  // Where queries that outgrow memory_limit spill (created if absent); empty: no spilling.
  // With a spill directory the local file system stays enabled for DuckDB's own spill files,
  // and external access is off instead, with only this directory and granted objects allowed.
  std::string temp_directory;
  // Differentially private queries bound each user's contribution in memory when their rows
  // allow it (dp_bounding.h), else with SQL statements. False always uses the statements; tests
  // use it to check that both give the same results.
  bool dp_in_memory = true;
};

// Random access to the bytes of one object (e.g. an S3 object version).
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Reads exactly `n` bytes at `offset` into `buf`. kOutOfRange if the range passes the end;
  // kDataLoss if the stored bytes fail an integrity check. Must be safe to call from several
  // threads at once.
  virtual absl::Status ReadAt(uint64_t offset, char* buf, size_t n) = 0;
};

// An object a query may read: its size and how to open it.
struct GrantedObject {
  uint64_t size = 0;
  std::function<absl::StatusOr<std::unique_ptr<ObjectReader>>()> open;
};

// Objects made readable to queries under unguessable URLs for as long as this object lives.
// Destroying it revokes them; queries reading them must have finished by then.
class ObjectGrant {
 public:
  virtual ~ObjectGrant() = default;
  // The URL under which object `name` (a key of the map given to Engine::Grant) is read, e.g.
  // "cleanroom://<token>/<name>". Use it as a SQL string literal; it needs no escaping.
  virtual std::string Url(const std::string& name) const = 0;
  // Bytes handed to the engine so far across all objects of this grant.
  virtual uint64_t bytes_read() const = 0;
};

// A fully materialized result with values rendered as text (NULL = nullopt).
struct QueryResult {
  std::vector<std::string> column_names;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// A column of a table a query may read; `type` is a DuckDB type ("VARCHAR", "DECIMAL(10,2)").
struct ColumnSchema {
  std::string name;
  std::string type;
};

struct TableSchema {
  std::string name;
  std::vector<ColumnSchema> columns;
};

// A value for a `:name` placeholder; `type` is a DuckDB type the value is cast to.
struct SqlParameter {
  std::string name;
  std::string type;
  std::string value;
};

// Where the rows of a table a query reads come from.
struct TableSource {
  // The name queries use and the columns they see, with the types they are cast to.
  TableSchema schema;
  // Every column of the stored files, in file order, with the types to read them as (CSV), or
  // empty to read columns by name (PARQUET, JSON).
  std::vector<ColumnSchema> file_columns;
  std::string format = "CSV";     // CSV, PARQUET or JSON (newline-delimited)
  std::vector<std::string> urls;  // granted objects holding the rows
  std::string delimiter = ",";    // CSV
  bool header = true;             // CSV: the first line of each object names the columns
  // The table's partition keys, in order. When not empty, every url's name carries the
  // object's partition values as folders made by PartitionedObjectName, and schema columns
  // named like a key read that key's value (cast to the column's type;
  // __HIVE_DEFAULT_PARTITION__ is NULL).
  std::vector<std::string> partition_keys;
};

// The name under which an object of a partitioned table is granted: `name` below one folder
// per partition value, in key order, in a form only ViewSql decodes (so any value, including
// '/', '=' or '%', survives).
std::string PartitionedObjectName(const std::vector<std::string>& values, const std::string& name);

// An AGGREGATION output constraint: only output rows that aggregate at least `minimum` distinct
// values of `column` of every scan of `table` are returned.
struct RowThreshold {
  std::string table;
  std::string column;
  int64_t minimum = 0;
};

struct ExecuteRequest {
  std::string sql;
  std::vector<SqlParameter> parameters;
  std::vector<TableSource> tables;
  std::vector<RowThreshold> thresholds;  // needs a single SELECT over the tables, with aggregates
  // The result goes to this granted output in `output_format` (CSV with a header, or PARQUET);
  // when empty it is returned in ExecuteResult::rows instead.
  std::string output_url;
  std::string output_format = "CSV";
};

struct ExecuteResult {
  int64_t row_count = 0;
  std::optional<QueryResult> rows;  // when ExecuteRequest::output_url is empty
};

// What ExecuteDp reports about a run, besides the result.
struct DpRun {
  int64_t row_count = 0;             // result rows written
  int row_exponent = 0;              // at most 2^row_exponent rows' worth per user and group
  int group_exponent = 0;            // a user contributes to at most 2^group_exponent groups
  std::vector<int> value_exponents;  // per DpQuery::values
  std::optional<QueryResult> rows;   // when there is no output URL
  // Whether contributions were bounded in memory (EngineOptions::dp_in_memory) rather than by
  // SQL statements.
  bool bounded_in_memory = false;
};

// An in-memory DuckDB database. Thread-safe: each Query uses its own connection.
class Engine {
 public:
  // kInvalidArgument for a memory limit DuckDB cannot read (e.g. "lots").
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `sql` and returns its result. kInvalidArgument with DuckDB's message on any error.
  absl::StatusOr<QueryResult> Query(const std::string& sql);

  // Parses `sql` with DuckDB's parser and binds it with DuckDB's binder against `tables` (which
  // hold no rows: nothing is read), and describes the result (resolved_query.h). `:name`
  // placeholders take the values of `parameters`, as typed constants, never as text.
  // kInvalidArgument, with a message meant for the person who wrote the query, if the text is
  // not exactly one SELECT statement, names anything but `tables` (or its own CTEs), uses a
  // table function, PIVOT, a recursive CTE, a parameter without a value or a function that
  // reads settings or raises errors, or does not bind.
  absl::StatusOr<ResolvedQuery> Resolve(const std::string& sql,
                                        const std::vector<TableSchema>& tables,
                                        const std::vector<SqlParameter>& parameters);

  // Makes `objects` readable to queries (see ObjectGrant). Names must be 1-200 characters of
  // [A-Za-z0-9._-] (kInvalidArgument otherwise); a name's extension (".csv", ".gz", ...) is
  // what the engine sees, so compressed objects should keep theirs.
  // `outputs` maps further names to local file paths that queries may create and write (and
  // only write) through their URLs, e.g. with Execute's `output_url`.
  absl::StatusOr<std::unique_ptr<ObjectGrant>> Grant(
      std::map<std::string, GrantedObject> objects,
      std::map<std::string, std::string> outputs = {});

  // Runs one query that Resolve accepted (see ExecuteRequest). The query sees exactly
  // `request.tables`, each a view over its granted objects that exposes only its columns, cast
  // to their types. `on_start` (optional) is called once with a function that interrupts the
  // query (callable from any thread, even after Execute returned).
  // Errors: kInvalidArgument if the query is refused as in Resolve; kCancelled if interrupted;
  // kFailedPrecondition for any failure while running, with a message that names the kind of
  // failure (conversion, overflow, out of memory, unreadable object ...) but never a data value.
  absl::StatusOr<ExecuteResult> Execute(
      const ExecuteRequest& request,
      const std::function<void(std::function<void()>)>& on_start = nullptr);

  // Differential privacy (dp_query.h). Checks that `sql`, which reads tables among `tables` of
  // which `dp_tables` protect their users, ends in a SELECT differential privacy can answer:
  // only GROUP BY keys and COUNT, COUNT(DISTINCT ...), SUM, AVG and STDDEV, over rows that each
  // belong to one user (its FROM keeps a protected table's user identifier), no HAVING, ORDER BY
  // only on output columns. Describes it, with the resolved rows it aggregates for policy checks.
  // kInvalidArgument ("differential privacy: ...", with a position) otherwise, or as Resolve.
  absl::StatusOr<DpQuery> AnalyzeDp(const std::string& sql, const std::vector<TableSchema>& tables,
                                    const std::vector<SqlParameter>& parameters,
                                    const std::vector<DpTable>& dp_tables);

  // Runs a query AnalyzeDp accepted over `request.tables` (request.thresholds must be empty),
  // with contribution bounding, bounds and noise from `mechanism` (dp_query.h), and writes the
  // released rows to request.output_url (or returns them in DpRun::rows). Errors as Execute.
  absl::StatusOr<DpRun> ExecuteDp(
      const ExecuteRequest& request, const std::vector<DpTable>& dp_tables, DpMechanism& mechanism,
      const std::function<void(std::function<void()>)>& on_start = nullptr);

  // The engine's version string, e.g. "v1.4.4".
  static std::string Version();

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_ENGINE_H_
