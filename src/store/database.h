// SQLite-backed metadata store: one database file in WAL mode with synchronous=FULL, so that a
// committed transaction survives a crash or power loss. Schema changes are versioned
// migrations recorded in PRAGMA user_version.
#ifndef CLEANROOM_STORE_DATABASE_H_
#define CLEANROOM_STORE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cleanroom::store {

// A prepared statement borrowed from the connection's cache. Reset when destroyed.
// Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& text);

  // Steps once. Returns true if a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  absl::Status Run();

  std::string ColumnText(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;
  std::string ColumnBlob(int column) const;
  int64_t ColumnInt(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  absl::Status bind_error_;
};

// The connection handed to transaction bodies. Not thread-safe; only valid inside the
// callback it was passed to.
class Connection {
 public:
  ~Connection();
  // Prepares `sql` (cached by text). kInternal with SQLite's message on a syntax error.
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  // Runs one or more statements without parameters.
  absl::Status Exec(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

 private:
  friend class Database;
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// Thread-safe: calls are serialized.
class Database {
 public:
  // Opens (creating if needed) the database at `path` and applies `migrations[i]` for every
  // i >= the stored schema version, each in its own transaction. Returns kFailedPrecondition if
  // the file's schema is newer than `migrations` knows (a downgrade).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const std::vector<std::string>& migrations);
  ~Database();

  // Runs `body` in a write transaction (BEGIN IMMEDIATE). Commits if it returns OK (the commit
  // is durable when Write returns), rolls back otherwise and returns its status.
  absl::Status Write(const std::function<absl::Status(Connection&)>& body);
  // Runs `body` for reading. Its status is returned.
  absl::Status Read(const std::function<absl::Status(Connection&)>& body);

  // The schema version after migrations.
  int schema_version() const { return schema_version_; }

 private:
  Database(sqlite3* db) : conn_(new Connection(db)) {}
  std::mutex mu_;
  std::unique_ptr<Connection> conn_;
  int schema_version_ = 0;
};

// Converts an SQLite result code into a Status (kAlreadyExists for constraint violations,
// kUnavailable for busy/locked, kInternal otherwise).
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace cleanroom::store

#endif  // CLEANROOM_STORE_DATABASE_H_
