// Catalog: partitions.
#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/catalog.h"
#include "glue/catalog_internal.h"
#include "glue/names.h"
#include "glue/partition_expression.h"
#include "glue/shapes.h"

namespace cleanroom::glue {

using nlohmann::json;
using store::Connection;
using store::Statement;

namespace internal {

std::string PartitionKey(const std::vector<std::string>& values) { return JsonText(json(values)); }

absl::StatusOr<Partition> PartitionFromRow(const Statement& s, const std::string& account_id,
                                           const std::string& database, const std::string& table) {
  json values = json::parse(s.ColumnText(0), nullptr, /*allow_exceptions=*/false);
  json input = json::parse(s.ColumnText(1), nullptr, /*allow_exceptions=*/false);
  if (!values.is_array() || !input.is_object()) {
    return absl::InternalError(StrCat("stored partition of ", table, " is corrupt"));
  }
  Partition p;
  p.account_id = account_id;
  p.database_name = database;
  p.table_name = table;
  for (const json& v : values) p.values.push_back(v.is_string() ? v.get<std::string>() : "");
  p.location = input.value("StorageDescriptor", json::object()).value("Location", "");
  p.input = std::move(input);
  p.create_time = s.ColumnInt(2);
  return p;
}

absl::StatusOr<std::optional<Partition>> LoadPartition(Connection& c, const std::string& account_id,
                                                       const std::string& database,
                                                       const std::string& table,
                                                       const std::vector<std::string>& values) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("SELECT partition_values, input, create_time FROM glue_partitions "
                             "WHERE account_id = ? AND database_name = ? AND table_name = ? AND "
                             "partition_values = ?"));
  s.Bind(1, account_id).Bind(2, database).Bind(3, table).Bind(4, PartitionKey(values));
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Partition>();
  ASSIGN_OR_RETURN(Partition p, PartitionFromRow(s, account_id, database, table));
  return std::optional<Partition>(std::move(p));
}

absl::Status WritePartition(Connection& c, const std::string& account_id,
                            const std::string& database, const std::string& table,
                            const json& input, int64_t now, bool replace) {
  std::vector<std::string> values = input.value("Values", std::vector<std::string>());
  if (!replace) {
    ASSIGN_OR_RETURN(std::optional<Partition> existing,
                     LoadPartition(c, account_id, database, table, values));
    if (existing) return AlreadyExists("Partition already exists.");
  }
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("INSERT INTO glue_partitions (account_id, database_name, "
                             "table_name, partition_values, input, create_time) VALUES "
                             "(?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, database_name, "
                             "table_name, partition_values) DO UPDATE SET input = excluded.input"));
  return s.Bind(1, account_id)
      .Bind(2, database)
      .Bind(3, table)
      .Bind(4, PartitionKey(values))
      .Bind(5, JsonText(input))
      .Bind(6, now)
      .Run();
}

absl::StatusOr<int64_t> CountPartitions(Connection& c, const std::string& account_id,
                                        const std::string& database, const std::string& table) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT COUNT(*) FROM glue_partitions WHERE "
                                          "account_id = ? AND database_name = ? AND "
                                          "table_name = ?"));
  s.Bind(1, account_id).Bind(2, database).Bind(3, table);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

}  // namespace internal

namespace {

absl::Status PartitionNotFound() { return EntityNotFound("Cannot find partition."); }

// Loads the table a partition call names, folding names; NotFound for a missing database or
// table.
absl::StatusOr<Table> PartitionedTable(Connection& c, const std::string& account_id,
                                       const std::string& database, const std::string& table) {
  ASSIGN_OR_RETURN(bool exists, internal::DatabaseExists(c, account_id, database));
  if (!exists) return internal::DatabaseNotFound(database);
  ASSIGN_OR_RETURN(std::optional<Table> t, internal::LoadTable(c, account_id, database, table));
  if (!t) return internal::TableNotFound(table);
  return *std::move(t);
}

// Checks a PartitionInput against the model and the table's partition keys.
absl::StatusOr<json> PreparePartitionInput(const json& partition_input, const Table& table) {
  ASSIGN_OR_RETURN(json input,
                   ValidateShape(partition_input, PartitionInputShape(), "partitionInput"));
  size_t values = input.contains("Values") ? input["Values"].size() : 0;
  if (values == 0) return InvalidInput("PartitionInput.Values must not be empty");
  if (values != table.partition_keys.size()) {
    return InvalidInput(StrCat("The partition has ", values, " values but table ", table.name,
                               " has ", table.partition_keys.size(), " partition keys"));
  }
  return input;
}

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

absl::Status Catalog::CreatePartition(const std::string& account_id, const std::string& database,
                                      const std::string& table, const json& partition_input) {
  ASSIGN_OR_RETURN(std::vector<BatchError> errors,
                   BatchCreatePartitions(account_id, database, table, {partition_input}));
  if (errors.empty()) return absl::OkStatus();
  const BatchError& e = errors.front();
  if (e.code == "AlreadyExistsException") return AlreadyExists(e.message);
  if (e.code == "ResourceNumberLimitExceededException") return internal::LimitExceeded(e.message);
  return InvalidInput(e.message);
}

absl::StatusOr<std::vector<BatchError>> Catalog::BatchCreatePartitions(
    const std::string& account_id, const std::string& database, const std::string& table,
    const std::vector<json>& partition_inputs) {
  RETURN_IF_ERROR(ValidateName(database, "databaseName"));
  RETURN_IF_ERROR(ValidateName(table, "tableName"));
  const std::string db_name = FoldName(database);
  const std::string table_name = FoldName(table);
  int64_t now = clock_->NowMicros();
  std::vector<BatchError> errors;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    errors.clear();
    ASSIGN_OR_RETURN(Table t, PartitionedTable(c, account_id, db_name, table_name));
    ASSIGN_OR_RETURN(int64_t count, internal::CountPartitions(c, account_id, db_name, table_name));
    for (const json& raw : partition_inputs) {
      std::vector<std::string> values;
      if (raw.is_object() && raw.contains("Values") && raw["Values"].is_array()) {
        for (const json& v : raw["Values"])
          values.push_back(v.is_string() ? v.get<std::string>() : "");
      }
      absl::StatusOr<json> input = PreparePartitionInput(raw, t);
      absl::Status status = input.status();
      if (status.ok() && count >= limits_.partitions_per_table) {
        status = internal::LimitExceeded(StrCat("The number of partitions of table ", table_name,
                                                " exceeds ", limits_.partitions_per_table));
      }
      if (status.ok()) {
        status = internal::WritePartition(c, account_id, db_name, table_name, *input, now,
                                          /*replace=*/false);
        if (status.ok()) ++count;
      }
      if (!status.ok()) {
        if (!GetAwsCode(status)) return status;  // SQLite failure: abort the whole batch
        errors.push_back(
            BatchError{"", values, *GetAwsCode(status), std::string(status.message())});
      }
    }
    return absl::OkStatus();
  }));
  return errors;
}

absl::StatusOr<Partition> Catalog::GetPartition(const std::string& account_id,
                                                const std::string& database,
                                                const std::string& table,
                                                const std::vector<std::string>& values) {
  RETURN_IF_ERROR(ValidateName(database, "databaseName"));
  RETURN_IF_ERROR(ValidateName(table, "tableName"));
  const std::string db_name = FoldName(database);
  const std::string table_name = FoldName(table);
  std::optional<Partition> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Table t, PartitionedTable(c, account_id, db_name, table_name));
    ASSIGN_OR_RETURN(out, internal::LoadPartition(c, account_id, db_name, table_name, values));
    if (!out) return PartitionNotFound();
    return absl::OkStatus();
  }));
  return *std::move(out);
}

absl::StatusOr<Page<Partition>> Catalog::ListPartitions(
    const std::string& account_id, const std::string& database, const std::string& table,
    const std::string& expression, const std::string& next_token, int max_results, int segment,
    int total_segments) {
  RETURN_IF_ERROR(ValidateName(database, "databaseName"));
  RETURN_IF_ERROR(ValidateName(table, "tableName"));
  if (total_segments < 1 || segment < 0 || segment >= total_segments) {
    return InvalidInput(StrCat("Segment ", segment, " is outside 0..", total_segments - 1));
  }
  const std::string db_name = FoldName(database);
  const std::string table_name = FoldName(table);
  std::string after;
  if (!next_token.empty()) {
    ASSIGN_OR_RETURN(after, internal::DecodePageToken("partition", next_token));
  }
  Page<Partition> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Table t, PartitionedTable(c, account_id, db_name, table_name));
    ASSIGN_OR_RETURN(PartitionFilter filter, PartitionFilter::Parse(expression, t.partition_keys));
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("SELECT partition_values, input, create_time FROM "
                               "glue_partitions WHERE account_id = ? AND database_name = ? AND "
                               "table_name = ? AND partition_values > ? ORDER BY "
                               "partition_values"));
    s.Bind(1, account_id).Bind(2, db_name).Bind(3, table_name).Bind(4, after);
    std::string last_key;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::string key = s.ColumnText(0);
      if (total_segments > 1 &&
          Fnv1a(key) % static_cast<uint64_t>(total_segments) != static_cast<uint64_t>(segment)) {
        continue;
      }
      json values = json::parse(key, nullptr, /*allow_exceptions=*/false);
      std::vector<std::string> v;
      if (values.is_array()) {
        for (const json& x : values) v.push_back(x.is_string() ? x.get<std::string>() : "");
      }
      if (!filter.Matches(v)) continue;
      if (static_cast<int>(page.items.size()) == max_results) {
        page.next_token = internal::EncodePageToken("partition", last_key);
        break;
      }
      ASSIGN_OR_RETURN(Partition p, internal::PartitionFromRow(s, account_id, db_name, table_name));
      page.items.push_back(std::move(p));
      last_key = key;
    }
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace cleanroom::glue
