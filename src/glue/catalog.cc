// Catalog: shared helpers, databases and tables. Partitions are in catalog_partitions.cc,
// crawlers and crawls in catalog_crawlers.cc.
#include "glue/catalog.h"

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/catalog_internal.h"
#include "glue/names.h"
#include "glue/shapes.h"
#include "glue/table_name_filter.h"

namespace cleanroom::glue {

using nlohmann::json;
using store::Connection;
using store::Statement;

namespace internal {

std::string JsonText(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodePageToken(std::string_view kind, std::string_view last_key) {
  return Base64Encode(StrCat(kind, ":", last_key));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view kind, std::string_view token) {
  std::optional<std::string> raw = Base64Decode(token);
  std::string prefix = StrCat(kind, ":");
  if (!raw || !StartsWith(*raw, prefix)) {
    return InvalidInput("The NextToken is not valid for this request");
  }
  return raw->substr(prefix.size());
}

absl::Status DatabaseNotFound(std::string_view name) {
  return EntityNotFound(StrCat("Database ", name, " not found."));
}

absl::Status TableNotFound(std::string_view name) {
  return EntityNotFound(StrCat("Table ", name, " not found."));
}

absl::Status CrawlerNotFound(std::string_view name) {
  return EntityNotFound(StrCat("Crawler entry with name ", name, " does not exist"));
}

absl::Status LimitExceeded(std::string_view message) {
  return AwsError(absl::StatusCode::kResourceExhausted, "ResourceNumberLimitExceededException",
                  message, 400);
}

absl::Status CrawlerRunning(std::string_view name) {
  return AwsError(absl::StatusCode::kFailedPrecondition, "CrawlerRunningException",
                  StrCat("Crawler with name ", name, " has already started"), 400);
}

std::map<std::string, std::string> StringMap(const json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [k, v] : object.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::vector<Column> Columns(const json& list) {
  std::vector<Column> out;
  if (!list.is_array()) return out;
  for (const json& c : list) {
    if (!c.is_object()) continue;
    out.push_back(Column{c.value("Name", ""), c.value("Type", ""), c.value("Comment", ""),
                         StringMap(c.value("Parameters", json::object()))});
  }
  return out;
}

Table MakeTable(const std::string& account_id, const std::string& database, json input,
                int64_t create_time, int64_t update_time, int64_t version, std::string created_by,
                std::string crawler_name) {
  Table t;
  t.account_id = account_id;
  t.database_name = database;
  t.name = input.value("Name", "");
  t.table_type = input.value("TableType", "");
  json sd = input.value("StorageDescriptor", json::object());
  t.location = sd.value("Location", "");
  t.columns = Columns(sd.value("Columns", json::array()));
  t.partition_keys = Columns(input.value("PartitionKeys", json::array()));
  t.parameters = StringMap(input.value("Parameters", json::object()));
  t.input_format = sd.value("InputFormat", "");
  t.output_format = sd.value("OutputFormat", "");
  json serde = sd.value("SerdeInfo", json::object());
  t.serde_library = serde.value("SerializationLibrary", "");
  t.serde_parameters = StringMap(serde.value("Parameters", json::object()));
  t.input = std::move(input);
  t.create_time = create_time;
  t.update_time = update_time;
  t.version = version;
  t.created_by = std::move(created_by);
  t.crawler_name = std::move(crawler_name);
  return t;
}

absl::StatusOr<bool> DatabaseExists(Connection& c, const std::string& account_id,
                                    const std::string& name) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT 1 FROM glue_databases "
                                          "WHERE account_id = ? AND name = ?"));
  s.Bind(1, account_id).Bind(2, name);
  return s.Step();
}

namespace {

constexpr char kTableColumns[] =
    "name, input, create_time, update_time, version, created_by, crawler_name";

absl::StatusOr<Table> TableFromRow(const Statement& s, const std::string& account_id,
                                   const std::string& database) {
  json input = json::parse(s.ColumnText(1), nullptr, /*allow_exceptions=*/false);
  if (!input.is_object()) {
    return absl::InternalError(StrCat("stored table ", s.ColumnText(0), " is corrupt"));
  }
  return MakeTable(account_id, database, std::move(input), s.ColumnInt(2), s.ColumnInt(3),
                   s.ColumnInt(4), s.ColumnText(5), s.ColumnOptionalText(6).value_or(""));
}

}  // namespace

absl::StatusOr<std::optional<Table>> LoadTable(Connection& c, const std::string& account_id,
                                               const std::string& database,
                                               const std::string& name) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kTableColumns,
                                                 " FROM glue_tables WHERE account_id = ? AND "
                                                 "database_name = ? AND name = ?")));
  s.Bind(1, account_id).Bind(2, database).Bind(3, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Table>();
  ASSIGN_OR_RETURN(Table t, TableFromRow(s, account_id, database));
  return std::optional<Table>(std::move(t));
}

absl::StatusOr<std::vector<Table>> LoadTables(Connection& c, const std::string& account_id,
                                              const std::string& database) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kTableColumns,
                                                 " FROM glue_tables WHERE account_id = ? AND "
                                                 "database_name = ? ORDER BY name")));
  s.Bind(1, account_id).Bind(2, database);
  std::vector<Table> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Table t, TableFromRow(s, account_id, database));
    out.push_back(std::move(t));
  }
  return out;
}

absl::Status InsertTable(Connection& c, const Table& t) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("INSERT INTO glue_tables (account_id, database_name, name, "
                             "location, input, create_time, update_time, version, created_by, "
                             "crawler_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, t.account_id)
      .Bind(2, t.database_name)
      .Bind(3, t.name)
      .Bind(4, t.location)
      .Bind(5, JsonText(t.input))
      .Bind(6, t.create_time)
      .Bind(7, t.update_time)
      .Bind(8, t.version)
      .Bind(9, t.created_by);
  if (t.crawler_name.empty()) {
    s.BindNull(10);
  } else {
    s.Bind(10, t.crawler_name);
  }
  return s.Run();
}

absl::Status RewriteTable(Connection& c, const Table& t) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("UPDATE glue_tables SET location = ?, input = ?, update_time = ?, "
                             "version = ?, crawler_name = ? WHERE account_id = ? AND "
                             "database_name = ? AND name = ?"));
  s.Bind(1, t.location).Bind(2, JsonText(t.input)).Bind(3, t.update_time).Bind(4, t.version);
  if (t.crawler_name.empty()) {
    s.BindNull(5);
  } else {
    s.Bind(5, t.crawler_name);
  }
  s.Bind(6, t.account_id).Bind(7, t.database_name).Bind(8, t.name);
  return s.Run();
}

absl::Status DeleteTableRow(Connection& c, const std::string& account_id,
                            const std::string& database, const std::string& name) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM glue_tables WHERE account_id = ? AND "
                                          "database_name = ? AND name = ?"));
  s.Bind(1, account_id).Bind(2, database).Bind(3, name);
  return s.Run();
}

absl::StatusOr<int64_t> CountTables(Connection& c, const std::string& account_id,
                                    const std::string& database) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT COUNT(*) FROM glue_tables WHERE "
                                          "account_id = ? AND database_name = ?"));
  s.Bind(1, account_id).Bind(2, database);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

}  // namespace internal

namespace {

using internal::DatabaseExists;
using internal::DatabaseNotFound;
using internal::TableNotFound;

// Checks a DatabaseInput and folds its name.
absl::StatusOr<json> PrepareDatabaseInput(const json& database_input) {
  ASSIGN_OR_RETURN(json input,
                   ValidateShape(database_input, DatabaseInputShape(), "databaseInput"));
  input["Name"] = FoldName(input["Name"].get<std::string>());
  return input;
}

// Checks a TableInput and folds its name.
absl::StatusOr<json> PrepareTableInput(const json& table_input) {
  ASSIGN_OR_RETURN(json input, ValidateShape(table_input, TableInputShape(), "tableInput"));
  input["Name"] = FoldName(input["Name"].get<std::string>());
  return input;
}

// Folds and checks a name given on its own (GetTable's Name, ...).
absl::StatusOr<std::string> FoldedName(const std::string& name, std::string_view path) {
  RETURN_IF_ERROR(ValidateName(name, path));
  return FoldName(name);
}

absl::StatusOr<Database> DatabaseFromRow(const Statement& s, const std::string& account_id) {
  json input = json::parse(s.ColumnText(1), nullptr, /*allow_exceptions=*/false);
  if (!input.is_object()) {
    return absl::InternalError(StrCat("stored database ", s.ColumnText(0), " is corrupt"));
  }
  return Database{account_id, s.ColumnText(0), std::move(input), s.ColumnInt(2)};
}

}  // namespace

Catalog::Catalog(store::Database* db, const Clock* clock, CatalogLimits limits)
    : db_(db), clock_(clock), limits_(limits) {}

// ---- Databases -----------------------------------------------------------------------------

absl::Status Catalog::CreateDatabase(const std::string& account_id, const json& database_input) {
  ASSIGN_OR_RETURN(json input, PrepareDatabaseInput(database_input));
  const std::string name = input["Name"].get<std::string>();
  int64_t now = clock_->NowMicros();
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, name));
    if (exists) return AlreadyExists("Database already exists.");
    ASSIGN_OR_RETURN(Statement count,
                     c.Prepare("SELECT COUNT(*) FROM glue_databases WHERE account_id = ?"));
    count.Bind(1, account_id);
    ASSIGN_OR_RETURN(bool row, count.Step());
    if (row && count.ColumnInt(0) >= limits_.databases_per_account) {
      return internal::LimitExceeded(
          StrCat("The number of databases in the catalog exceeds ", limits_.databases_per_account));
    }
    ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO glue_databases (account_id, name, "
                                            "input, create_time) VALUES (?, ?, ?, ?)"));
    return s.Bind(1, account_id)
        .Bind(2, name)
        .Bind(3, internal::JsonText(input))
        .Bind(4, now)
        .Run();
  });
}

absl::StatusOr<Database> Catalog::GetDatabase(const std::string& account_id,
                                              const std::string& name) {
  ASSIGN_OR_RETURN(std::string folded, FoldedName(name, "name"));
  std::optional<Database> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT name, input, create_time FROM "
                                            "glue_databases WHERE account_id = ? AND name = ?"));
    s.Bind(1, account_id).Bind(2, folded);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return DatabaseNotFound(folded);
    ASSIGN_OR_RETURN(out, DatabaseFromRow(s, account_id));
    return absl::OkStatus();
  }));
  return *std::move(out);
}

absl::StatusOr<Page<Database>> Catalog::ListDatabases(const std::string& account_id,
                                                      const std::string& next_token,
                                                      int max_results) {
  std::string after;
  if (!next_token.empty()) {
    ASSIGN_OR_RETURN(after, internal::DecodePageToken("db", next_token));
  }
  Page<Database> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT name, input, create_time FROM "
                                            "glue_databases WHERE account_id = ? AND name > ? "
                                            "ORDER BY name LIMIT ?"));
    s.Bind(1, account_id).Bind(2, after).Bind(3, int64_t{max_results} + 1);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == max_results) {
        page.next_token = internal::EncodePageToken("db", page.items.back().name);
        break;
      }
      ASSIGN_OR_RETURN(Database d, DatabaseFromRow(s, account_id));
      page.items.push_back(std::move(d));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::Status Catalog::UpdateDatabase(const std::string& account_id, const std::string& name,
                                     const json& database_input) {
  ASSIGN_OR_RETURN(std::string folded, FoldedName(name, "name"));
  ASSIGN_OR_RETURN(json input, PrepareDatabaseInput(database_input));
  if (input["Name"].get<std::string>() != folded) {
    return InvalidInput("A database cannot be renamed: DatabaseInput.Name must equal Name");
  }
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE glue_databases SET input = ? WHERE "
                                            "account_id = ? AND name = ?"));
    RETURN_IF_ERROR(s.Bind(1, internal::JsonText(input)).Bind(2, account_id).Bind(3, folded).Run());
    if (c.Changes() == 0) return DatabaseNotFound(folded);
    return absl::OkStatus();
  });
}

absl::Status Catalog::DeleteDatabase(const std::string& account_id, const std::string& name) {
  ASSIGN_OR_RETURN(std::string folded, FoldedName(name, "name"));
  return db_->Write([&](Connection& c) -> absl::Status {
    // Tables and partitions go with it (ON DELETE CASCADE).
    ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM glue_databases WHERE account_id = ? "
                                            "AND name = ?"));
    RETURN_IF_ERROR(s.Bind(1, account_id).Bind(2, folded).Run());
    if (c.Changes() == 0) return DatabaseNotFound(folded);
    return absl::OkStatus();
  });
}

// ---- Tables --------------------------------------------------------------------------------

absl::Status Catalog::CreateTable(const std::string& account_id, const std::string& database,
                                  const json& table_input, const std::string& created_by) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  ASSIGN_OR_RETURN(json input, PrepareTableInput(table_input));
  int64_t now = clock_->NowMicros();
  Table table =
      internal::MakeTable(account_id, db_name, std::move(input), now, now, 0, created_by, "");
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    ASSIGN_OR_RETURN(std::optional<Table> existing,
                     internal::LoadTable(c, account_id, db_name, table.name));
    if (existing) return AlreadyExists("Table already exists.");
    ASSIGN_OR_RETURN(int64_t count, internal::CountTables(c, account_id, db_name));
    if (count >= limits_.tables_per_database) {
      return internal::LimitExceeded(StrCat("The number of tables in database ", db_name,
                                            " exceeds ", limits_.tables_per_database));
    }
    return internal::InsertTable(c, table);
  });
}

absl::StatusOr<Table> Catalog::GetTable(const std::string& account_id, const std::string& database,
                                        const std::string& name) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  ASSIGN_OR_RETURN(std::string table_name, FoldedName(name, "name"));
  std::optional<Table> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    ASSIGN_OR_RETURN(out, internal::LoadTable(c, account_id, db_name, table_name));
    if (!out) return TableNotFound(table_name);
    return absl::OkStatus();
  }));
  return *std::move(out);
}

absl::StatusOr<Page<Table>> Catalog::ListTables(const std::string& account_id,
                                                const std::string& database,
                                                const std::string& expression,
                                                const std::string& next_token, int max_results) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  ASSIGN_OR_RETURN(TableNameFilter filter, TableNameFilter::Compile(expression));
  std::string after;
  if (!next_token.empty()) {
    ASSIGN_OR_RETURN(after, internal::DecodePageToken("table", next_token));
  }
  Page<Table> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare(StrCat("SELECT ",
                                      "name, input, create_time, update_time, "
                                      "version, created_by, crawler_name FROM glue_tables "
                                      "WHERE account_id = ? AND database_name = ? AND name > ? "
                                      "ORDER BY name")));
    s.Bind(1, account_id).Bind(2, db_name).Bind(3, after);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (!filter.Matches(s.ColumnText(0))) continue;
      if (static_cast<int>(page.items.size()) == max_results) {
        page.next_token = internal::EncodePageToken("table", page.items.back().name);
        break;
      }
      json input = json::parse(s.ColumnText(1), nullptr, /*allow_exceptions=*/false);
      if (!input.is_object()) return absl::InternalError("stored table is corrupt");
      page.items.push_back(internal::MakeTable(
          account_id, db_name, std::move(input), s.ColumnInt(2), s.ColumnInt(3), s.ColumnInt(4),
          s.ColumnText(5), s.ColumnOptionalText(6).value_or("")));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::Status Catalog::UpdateTable(const std::string& account_id, const std::string& database,
                                  const json& table_input,
                                  const std::optional<std::string>& expected_version) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  ASSIGN_OR_RETURN(json input, PrepareTableInput(table_input));
  int64_t now = clock_->NowMicros();
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    const std::string name = input["Name"].get<std::string>();
    ASSIGN_OR_RETURN(std::optional<Table> old, internal::LoadTable(c, account_id, db_name, name));
    if (!old) return TableNotFound(name);
    if (expected_version && *expected_version != std::to_string(old->version)) {
      return AwsError(absl::StatusCode::kFailedPrecondition, "ConcurrentModificationException",
                      StrCat("VersionId ", *expected_version, " is not the current version (",
                             old->version, ") of table ", name),
                      400);
    }
    Table updated = internal::MakeTable(account_id, db_name, input, old->create_time, now,
                                        old->version + 1, old->created_by, old->crawler_name);
    return internal::RewriteTable(c, updated);
  });
}

absl::Status Catalog::DeleteTable(const std::string& account_id, const std::string& database,
                                  const std::string& name) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  ASSIGN_OR_RETURN(std::string table_name, FoldedName(name, "name"));
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    RETURN_IF_ERROR(internal::DeleteTableRow(c, account_id, db_name, table_name));
    if (c.Changes() == 0) return TableNotFound(table_name);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<BatchError>> Catalog::BatchDeleteTables(
    const std::string& account_id, const std::string& database,
    const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::string db_name, FoldedName(database, "databaseName"));
  std::vector<BatchError> errors;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    errors.clear();
    ASSIGN_OR_RETURN(bool exists, DatabaseExists(c, account_id, db_name));
    if (!exists) return DatabaseNotFound(db_name);
    for (const std::string& name : names) {
      absl::Status status = ValidateName(name, "tablesToDelete.member");
      std::string folded = FoldName(name);
      if (status.ok()) {
        RETURN_IF_ERROR(internal::DeleteTableRow(c, account_id, db_name, folded));
        if (c.Changes() == 0) status = TableNotFound(folded);
      }
      if (!status.ok()) {
        errors.push_back(BatchError{name,
                                    {},
                                    GetAwsCode(status).value_or("InternalServiceException"),
                                    std::string(status.message())});
      }
    }
    return absl::OkStatus();
  }));
  return errors;
}

}  // namespace cleanroom::glue
