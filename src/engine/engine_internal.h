// Internals shared by the engine's source files. Includes DuckDB: never include it outside
// src/engine.
#ifndef CLEANROOM_ENGINE_ENGINE_INTERNAL_H_
#define CLEANROOM_ENGINE_ENGINE_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "duckdb.hpp"
#include "engine/engine.h"
#include "engine/object_file_system.h"
#include "engine/resolved_query.h"

namespace cleanroom::engine {

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<duckdb::DuckDB> db;
  std::shared_ptr<GrantRegistry> grants = std::make_shared<GrantRegistry>();
};

// One parsed SELECT statement that passed the checks every query must pass, with parameter
// values substituted, and what its text contains.
struct ParsedQuery {
  duckdb::unique_ptr<duckdb::SQLStatement> statement;
  SyntaxSummary syntax;
};

// Parses `sql` as one SELECT statement that reads only `tables` (by name) and uses no table
// function, file, catalog or setting; `:name` placeholders take the values of `parameters`.
// kInvalidArgument with a message for the user otherwise.
absl::StatusOr<ParsedQuery> ParseQuery(const std::string& sql,
                                       const std::vector<TableSchema>& tables,
                                       const std::vector<SqlParameter>& parameters);

// Engine::Resolve of a statement ParseQuery accepted; `sql` is its text, for positions.
absl::StatusOr<ResolvedQuery> ResolveParsed(duckdb::DuckDB& db, const std::string& sql,
                                            ParsedQuery parsed,
                                            const std::vector<TableSchema>& tables);

// The CREATE TEMPORARY VIEW statement that exposes `source` to a query (Engine::Execute).
absl::StatusOr<std::string> ViewSql(const TableSource& source);

// The start of the folder names PartitionedObjectName makes ("<prefix><i>=x<hex>"); object
// grants accept folders of that form only.
inline constexpr std::string_view kPartitionFolderPrefix = "__cleanroom_partition_";

// A runtime failure as the query's author may see it: the kind of failure, never a value.
absl::Status RuntimeError(const duckdb::ErrorData& error);

// What RunOutput produced.
struct QueryStatementResult {
  int64_t row_count = 0;
  std::optional<QueryResult> rows;  // when there is no output URL
};

// Runs the query `node` on `conn`: with COPY to `output_url` in `output_format` (CSV with a
// header, or PARQUET), or, if `output_url` is empty, returning its rows. Errors as RuntimeError.
absl::StatusOr<QueryStatementResult> RunOutput(duckdb::Connection& conn,
                                               duckdb::unique_ptr<duckdb::QueryNode> node,
                                               const std::string& output_url,
                                               const std::string& output_format);

// A running query's interruption: Engine::Execute and ExecuteDp set `context` while the query
// runs; the function handed to `on_start` interrupts it (and any statement started later).
struct InterruptState {
  std::mutex mu;
  duckdb::ClientContext* context = nullptr;
  bool interrupted = false;
};
// A new InterruptState, whose interrupt function is handed to `on_start` (if set).
std::shared_ptr<InterruptState> WatchInterrupt(
    const std::function<void(std::function<void()>)>& on_start);

// Creates on `conn` the view of each of `tables` (ViewSql).
absl::Status CreateViews(duckdb::Connection& conn, const std::vector<TableSource>& tables);

// CREATE [TEMPORARY] TABLE for `table`, identifiers quoted.
std::string CreateTableSql(const TableSchema& table, bool temporary);

// The rows of `result` with values rendered as text.
QueryResult ToQueryResult(duckdb::MaterializedQueryResult& result);

// `name` as a quoted SQL identifier.
std::string QuoteIdentifier(const std::string& name);
// `text` as a SQL string literal: in single quotes, each ' doubled.
std::string QuoteLiteral(const std::string& text);

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_ENGINE_INTERNAL_H_
