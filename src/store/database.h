// SQLite-backed metadata store: one database file in WAL mode with synchronous=FULL, so that a
// committed transaction survives a crash or power loss. Schema changes are versioned
// migrations recorded in PRAGMA user_version.
//
// Writes use group commit: transaction bodies submitted while another group is committing
// wait, and are then run together, each in its own savepoint, inside one transaction that is
// committed (and synced to disk) once for all of them. Reads use a second, read-only
// connection, so they see the last committed state and never wait for a commit's sync.
#ifndef CLEANROOM_STORE_DATABASE_H_
#define CLEANROOM_STORE_DATABASE_H_

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
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
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
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

// Thread-safe. Write bodies run one at a time (possibly on another caller's thread, see
// Write); Read bodies run one at a time, concurrently with writes.
class Database {
 public:
  // Opens (creating if needed) the database at `path` and applies `migrations[i]` for every
  // i >= the stored schema version, each in its own transaction. Returns kFailedPrecondition if
  // the file's schema is newer than `migrations` knows (a downgrade).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const std::vector<std::string>& migrations);
  ~Database();

  // Runs `body` atomically in a write transaction. If it returns OK its changes are committed
  // and durable when Write returns OK; otherwise they are rolled back and its status returned.
  // If the commit itself fails, its error is returned and nothing of `body` persists.
  //
  // Bodies from concurrent callers may share one transaction (group commit): each runs in its
  // own savepoint, after the bodies queued before it and seeing their changes, exactly as if
  // they had run one after another. A body may therefore run on another caller's thread; it
  // must only touch the Connection and state owned by its own caller. An exception thrown by
  // `body` rolls back its changes and is rethrown to its caller.
  absl::Status Write(const std::function<absl::Status(Connection&)>& body);
  // Runs `body` on the read-only connection, in one read transaction: it sees a consistent
  // snapshot that includes every Write that returned before Read was called. Statements that
  // would modify the database fail. Its status is returned.
  absl::Status Read(const std::function<absl::Status(Connection&)>& body);

  // The schema version after migrations.
  int schema_version() const { return schema_version_; }

 private:
  // One queued Write call.
  struct PendingWrite {
    const std::function<absl::Status(Connection&)>* body;
    absl::Status status;
    std::exception_ptr exception;
    bool done = false;
  };

  explicit Database(sqlite3* writer) : write_conn_(new Connection(writer)) {}
  // Runs `batch` in one transaction on the write connection. Sets each entry's status.
  void CommitGroup(const std::vector<PendingWrite*>& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Runs one body of a group inside its own savepoint. Returns false if the enclosing
  // transaction is no longer usable.
  bool RunInSavepoint(PendingWrite& write) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Guards the queue of writes waiting for the next group.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<PendingWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool committing_ ABSL_GUARDED_BY(queue_mu_) = false;

  std::mutex write_mu_;
  std::unique_ptr<Connection> write_conn_ ABSL_GUARDED_BY(write_mu_);
  std::mutex read_mu_;
  std::unique_ptr<Connection> read_conn_ ABSL_GUARDED_BY(read_mu_);
  int schema_version_ = 0;
};

// Converts an SQLite result code into a Status (kAlreadyExists for constraint violations,
// kUnavailable for busy/locked, kInternal otherwise).
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace cleanroom::store

#endif  // CLEANROOM_STORE_DATABASE_H_
