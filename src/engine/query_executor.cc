// Engine::Execute: runs a resolved query over granted objects, with output constraints applied
// to the parsed statement and runtime errors reduced to messages that carry no data.
#include <exception>
#include <mutex>
#include <utility>

#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "duckdb.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/expression/list.hpp"
#include "duckdb/parser/parsed_data/copy_info.hpp"
#include "duckdb/parser/query_node/list.hpp"
#include "duckdb/parser/statement/copy_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/list.hpp"
#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace cleanroom::engine {
namespace {

// The folder name of partition key `i`: the view reads it back by this name.
std::string PartitionFolderKey(size_t i) { return StrCat(kPartitionFolderPrefix, i); }

}  // namespace

std::string PartitionedObjectName(const std::vector<std::string>& values, const std::string& name) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    // "x" + hex: never empty, and only characters a path segment and DuckDB's hive parsing
    // keep as they are.
    out += StrCat(PartitionFolderKey(i), "=x", HexEncode(values[i]), "/");
  }
  return out + name;
}

// The view a query reads `source` through: only the schema's columns, cast to their types.
absl::StatusOr<std::string> ViewSql(const TableSource& source) {
  if (source.urls.empty()) {
    // A table with no objects has no rows.
    std::string sql =
        StrCat("CREATE TEMPORARY VIEW ", QuoteIdentifier(source.schema.name), " AS SELECT ");
    for (size_t i = 0; i < source.schema.columns.size(); ++i) {
      if (i) sql += ", ";
      sql += StrCat("CAST(NULL AS ", source.schema.columns[i].type, ") AS ",
                    QuoteIdentifier(source.schema.columns[i].name));
    }
    return sql + " WHERE false";
  }
  std::string files = "[";
  for (size_t i = 0; i < source.urls.size(); ++i) {
    if (i) files += ", ";
    files += QuoteLiteral(source.urls[i]);
  }
  files += "]";
  // Partition values come from the folders PartitionedObjectName made, as text.
  const std::string hive = source.partition_keys.empty()
                               ? std::string("false")
                               : std::string("true, hive_types_autocast = false");
  std::string scan;
  if (source.format == "CSV") {
    if (source.file_columns.empty())
      return absl::InvalidArgumentError("CSV tables need their file columns");
    std::string columns = "{";
    for (size_t i = 0; i < source.file_columns.size(); ++i) {
      if (i) columns += ", ";
      columns += StrCat(QuoteLiteral(source.file_columns[i].name), ": ",
                        QuoteLiteral(source.file_columns[i].type));
    }
    columns += "}";
    scan = StrCat("read_csv(", files, ", hive_partitioning = ", hive,
                  ", header = ", source.header ? "true" : "false",
                  ", delim = ", QuoteLiteral(source.delimiter),
                  ", quote = '\"', escape = '\"', columns = ", columns, ", auto_detect = false)");
  } else if (source.format == "PARQUET") {
    scan = StrCat("read_parquet(", files, ", hive_partitioning = ", hive, ")");
  } else if (source.format == "JSON") {
    scan = StrCat("read_json(", files, ", hive_partitioning = ", hive,
                  ", format = 'newline_delimited')");
  } else {
    return absl::InvalidArgumentError(StrCat("unsupported table format ", source.format));
  }
  std::string sql =
      StrCat("CREATE TEMPORARY VIEW ", QuoteIdentifier(source.schema.name), " AS SELECT ");
  for (size_t i = 0; i < source.schema.columns.size(); ++i) {
    if (i) sql += ", ";
    const ColumnSchema& c = source.schema.columns[i];
    std::string value = QuoteIdentifier(c.name);
    for (size_t k = 0; k < source.partition_keys.size(); ++k) {
      if (ToLower(source.partition_keys[k]) != ToLower(c.name)) continue;
      value = StrCat("nullif(decode(unhex(substr(", QuoteIdentifier(PartitionFolderKey(k)),
                     ", 2))), '__HIVE_DEFAULT_PARTITION__')");
    }
    sql += StrCat("CAST(", value, " AS ", c.type, ") AS ", QuoteIdentifier(c.name));
  }
  return StrCat(sql, " FROM ", scan);
}

namespace {

// The BaseTableRefs of the FROM clause of `node` (through joins only).
void BaseTables(duckdb::TableRef& ref, std::vector<duckdb::BaseTableRef*>* out) {
  if (ref.type == duckdb::TableReferenceType::BASE_TABLE) {
    out->push_back(&ref.Cast<duckdb::BaseTableRef>());
  } else if (ref.type == duckdb::TableReferenceType::JOIN) {
    auto& join = ref.Cast<duckdb::JoinRef>();
    BaseTables(*join.left, out);
    BaseTables(*join.right, out);
  }
}

// Adds `count(DISTINCT <scan>.<column>) >= minimum` to HAVING for every scan of every threshold's
// table, so that groups below a threshold are dropped before ORDER BY and LIMIT.
absl::Status ApplyThresholds(duckdb::QueryNode& node, const std::vector<RowThreshold>& thresholds) {
  if (thresholds.empty()) return absl::OkStatus();
  if (node.type != duckdb::QueryNodeType::SELECT_NODE) {
    return absl::InvalidArgumentError("output constraints need a single SELECT");
  }
  auto& select = node.Cast<duckdb::SelectNode>();
  std::vector<duckdb::BaseTableRef*> refs;
  if (select.from_table) BaseTables(*select.from_table, &refs);
  for (const RowThreshold& t : thresholds) {
    bool applied = false;
    for (duckdb::BaseTableRef* ref : refs) {
      if (ToLower(ref->table_name) != ToLower(t.table)) continue;
      std::string binding = ref->alias.empty() ? ref->table_name : ref->alias;
      duckdb::vector<duckdb::unique_ptr<duckdb::ParsedExpression>> args;
      args.push_back(duckdb::make_uniq<duckdb::ColumnRefExpression>(t.column, binding));
      auto count = duckdb::make_uniq<duckdb::FunctionExpression>("count", std::move(args), nullptr,
                                                                 nullptr, /*distinct=*/true);
      duckdb::unique_ptr<duckdb::ParsedExpression> check =
          duckdb::make_uniq<duckdb::ComparisonExpression>(
              duckdb::ExpressionType::COMPARE_GREATERTHANOREQUALTO, std::move(count),
              duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value::BIGINT(t.minimum)));
      if (select.having) {
        select.having = duckdb::make_uniq<duckdb::ConjunctionExpression>(
            duckdb::ExpressionType::CONJUNCTION_AND, std::move(select.having), std::move(check));
      } else {
        select.having = std::move(check);
      }
      applied = true;
    }
    if (!applied) {
      return absl::InvalidArgumentError(
          StrCat("output constraint on table ", t.table, " cannot be applied"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RuntimeError(const duckdb::ErrorData& error) {
  using E = duckdb::ExceptionType;
  switch (error.Type()) {
    case E::INTERRUPT:
      return absl::CancelledError("the query was cancelled");
    case E::CONVERSION:
      return absl::FailedPreconditionError(
          "a value could not be converted to the type the query or the table's schema requires "
          "(conversion error)");
    case E::OUT_OF_RANGE:
      return absl::FailedPreconditionError(
          "a computed value is out of the range of its type (overflow)");
    case E::DIVIDE_BY_ZERO:
      return absl::FailedPreconditionError("the query divided by zero");
    case E::OUT_OF_MEMORY:
      return absl::FailedPreconditionError("the query needed more memory than it may use");
    case E::IO:
    case E::HTTP:
      return absl::FailedPreconditionError("a table's data could not be read");
    case E::INVALID_INPUT:
      return absl::FailedPreconditionError(
          "a table's data does not match its schema in the catalog");
    case E::PARSER:
    case E::BINDER:
    case E::CATALOG:
      return absl::InvalidArgumentError(StrCat("the query cannot be bound: ", error.RawMessage()));
    default:
      return absl::FailedPreconditionError(StrCat(
          "the query failed (", duckdb::Exception::ExceptionTypeToString(error.Type()), " error)"));
  }
}

namespace {}  // namespace

std::shared_ptr<InterruptState> WatchInterrupt(
    const std::function<void(std::function<void()>)>& on_start) {
  auto state = std::make_shared<InterruptState>();
  if (on_start) {
    on_start([state]() {
      std::lock_guard<std::mutex> lock(state->mu);
      state->interrupted = true;
      if (state->context) state->context->Interrupt();
    });
  }
  return state;
}

absl::Status CreateViews(duckdb::Connection& conn, const std::vector<TableSource>& tables) {
  for (const TableSource& source : tables) {
    ASSIGN_OR_RETURN(std::string view, ViewSql(source));
    auto created = conn.Query(view);
    if (created->HasError()) {
      return absl::InternalError(
          StrCat("cannot expose table ", source.schema.name, ": ", created->GetError()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<QueryStatementResult> RunOutput(duckdb::Connection& conn,
                                               duckdb::unique_ptr<duckdb::QueryNode> node,
                                               const std::string& output_url,
                                               const std::string& output_format) {
  duckdb::unique_ptr<duckdb::SQLStatement> statement;
  if (!output_url.empty()) {
    auto copy = duckdb::make_uniq<duckdb::CopyStatement>();
    copy->info->is_from = false;
    copy->info->file_path = output_url;
    if (output_format == "PARQUET") {
      copy->info->format = "parquet";
    } else if (output_format == "CSV") {
      copy->info->format = "csv";
      copy->info->options["header"] = {duckdb::Value::BOOLEAN(true)};
    } else {
      return absl::InvalidArgumentError(StrCat("unsupported result format ", output_format));
    }
    copy->info->options["use_tmp_file"] = {duckdb::Value::BOOLEAN(false)};
    copy->info->select_statement = std::move(node);
    statement = std::move(copy);
  } else {
    auto select = duckdb::make_uniq<duckdb::SelectStatement>();
    select->node = std::move(node);
    statement = std::move(select);
  }
  auto result = conn.context->Query(std::move(statement), false);
  if (result->HasError()) return RuntimeError(result->GetErrorObject());
  auto& materialized = result->Cast<duckdb::MaterializedQueryResult>();
  QueryStatementResult out;
  if (!output_url.empty()) {
    duckdb::Value count = materialized.RowCount() ? materialized.GetValue(0, 0) : duckdb::Value();
    out.row_count = count.IsNull() ? 0 : count.GetValue<int64_t>();
  } else {
    out.rows = ToQueryResult(materialized);
    out.row_count = static_cast<int64_t>(out.rows->rows.size());
  }
  return out;
}

absl::StatusOr<ExecuteResult> Engine::Execute(
    const ExecuteRequest& request, const std::function<void(std::function<void()>)>& on_start) {
  std::vector<TableSchema> schemas;
  for (const TableSource& t : request.tables) schemas.push_back(t.schema);
  ASSIGN_OR_RETURN(ParsedQuery parsed, ParseQuery(request.sql, schemas, request.parameters));
  auto& select = parsed.statement->Cast<duckdb::SelectStatement>();
  RETURN_IF_ERROR(ApplyThresholds(*select.node, request.thresholds));

  std::shared_ptr<InterruptState> state = WatchInterrupt(on_start);
  ExecuteResult out;
  try {
    duckdb::Connection conn(*impl_->db);
    RETURN_IF_ERROR(CreateViews(conn, request.tables));
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->interrupted) return absl::CancelledError("the query was cancelled");
      state->context = conn.context.get();
    }
    absl::StatusOr<QueryStatementResult> result =
        RunOutput(conn, std::move(select.node), request.output_url, request.output_format);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->context = nullptr;
      if (state->interrupted) return absl::CancelledError("the query was cancelled");
    }
    if (!result.ok()) return result.status();
    out.row_count = result->row_count;
    out.rows = std::move(result->rows);
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->context = nullptr;
    }
    return RuntimeError(duckdb::ErrorData(e));
  }
  return out;
}

}  // namespace cleanroom::engine
