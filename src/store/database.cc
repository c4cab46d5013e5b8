#include "store/database.h"

#include <sqlite3.h>

#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::store {

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(std::move(other.bind_error_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = SqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

absl::Status Statement::Run() {
  for (;;) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return absl::OkStatus();
  }
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size))
              : std::string();
}

std::optional<std::string> Statement::ColumnOptionalText(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnText(column);
}

std::string Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(size))
              : std::string();
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, StrCat("prepare [", sql, "]"));
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(db_, it->second);
}

absl::Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    absl::Status status = SqliteError(nullptr, rc, "exec");
    return absl::Status(status.code(), StrCat("exec: ", message));
  }
  return absl::OkStatus();
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

namespace {

// Opens one connection to `path` and applies `pragmas`.
absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, std::string_view pragmas) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(raw, rc, StrCat("open ", path));
    sqlite3_close_v2(raw);
    return status;
  }
  sqlite3_busy_timeout(raw, 5000);
  std::string text(pragmas);
  char* err = nullptr;
  rc = sqlite3_exec(raw, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    absl::Status status =
        SqliteError(nullptr, rc, StrCat("configure ", path, ": ", err ? err : ""));
    sqlite3_free(err);
    sqlite3_close_v2(raw);
    return status;
  }
  return raw;
}

constexpr std::string_view kWriterPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
    "PRAGMA trusted_schema=OFF;";
constexpr std::string_view kReaderPragmas =
    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"
    "PRAGMA query_only=ON;";

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const std::vector<std::string>& migrations) {
  ASSIGN_OR_RETURN(sqlite3 * writer, OpenConnection(path, kWriterPragmas));
  std::unique_ptr<Database> db(new Database(writer));

  int version = 0;
  {
    std::lock_guard<std::mutex> lock(db->write_mu_);
    ASSIGN_OR_RETURN(Statement stmt, db->write_conn_->Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) version = static_cast<int>(stmt.ColumnInt(0));
  }
  if (version > static_cast<int>(migrations.size())) {
    return absl::FailedPreconditionError(StrCat("database schema version ", version,
                                                " is newer than this server (", migrations.size(),
                                                "); refusing to downgrade"));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    RETURN_IF_ERROR(db->Write([&](Connection& c) {
      RETURN_IF_ERROR(c.Exec(migrations[i]));
      return c.Exec(StrCat("PRAGMA user_version = ", i + 1));
    }));
  }
  db->schema_version_ = static_cast<int>(migrations.size());

  // Opened after the migrations, so that it never caches an older schema.
  ASSIGN_OR_RETURN(sqlite3 * reader, OpenConnection(path, kReaderPragmas));
  std::lock_guard<std::mutex> lock(db->read_mu_);
  db->read_conn_ = std::unique_ptr<Connection>(new Connection(reader));
  return db;
}

Database::~Database() = default;

absl::Status Database::Write(const std::function<absl::Status(Connection&)>& body) {
  PendingWrite self{&body};
  std::unique_lock<std::mutex> queue_lock(queue_mu_);
  queue_.push_back(&self);
  queue_cv_.wait(queue_lock, [&] { return self.done || !committing_; });
  if (!self.done) {
    // No group is committing: this caller commits everything queued so far, itself included.
    committing_ = true;
    std::vector<PendingWrite*> group;
    group.swap(queue_);
    queue_lock.unlock();
    {
      std::lock_guard<std::mutex> write_lock(write_mu_);
      CommitGroup(group);
    }
    queue_lock.lock();
    for (PendingWrite* write : group) write->done = true;
    committing_ = false;
    queue_cv_.notify_all();
  }
  queue_lock.unlock();
  if (self.exception) std::rethrow_exception(self.exception);
  return self.status;
}

void Database::CommitGroup(const std::vector<PendingWrite*>& group) {
  Connection& c = *write_conn_;
  absl::Status begun = c.Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    for (PendingWrite* write : group) write->status = begun;
    return;
  }
  absl::Status broken;  // set when the transaction can no longer be committed
  for (PendingWrite* write : group) {
    if (!broken.ok()) {
      write->status = absl::AbortedError(
          StrCat("write not attempted: the shared transaction failed: ", broken.message()));
      continue;
    }
    if (!RunInSavepoint(*write)) {
      broken = write->status.ok() ? absl::InternalError("savepoint failed") : write->status;
    }
  }
  bool any_ok = false;
  for (PendingWrite* write : group) any_ok = any_ok || write->status.ok();
  absl::Status committed = broken.ok() && any_ok ? c.Exec("COMMIT") : broken;
  if (committed.ok() && any_ok) return;
  (void)c.Exec("ROLLBACK");
  if (!any_ok) return;
  // Nothing of this group persisted: bodies that succeeded report why.
  for (PendingWrite* write : group) {
    if (write->status.ok()) write->status = committed;
  }
}

bool Database::RunInSavepoint(PendingWrite& write) {
  Connection& c = *write_conn_;
  absl::Status opened = c.Exec("SAVEPOINT group_write");
  if (!opened.ok()) {
    write.status = opened;
    return false;
  }
  try {
    write.status = (*write.body)(c);
  } catch (...) {
    write.exception = std::current_exception();
    write.status = absl::InternalError("write transaction body threw an exception");
  }
  if (write.status.ok()) {
    absl::Status released = c.Exec("RELEASE group_write");
    if (!released.ok()) write.status = released;
    return released.ok();
  }
  // Undo this body's changes only; the group's transaction goes on.
  return c.Exec("ROLLBACK TO group_write").ok() && c.Exec("RELEASE group_write").ok();
}

absl::Status Database::Read(const std::function<absl::Status(Connection&)>& body) {
  std::lock_guard<std::mutex> lock(read_mu_);
  Connection& c = *read_conn_;
  RETURN_IF_ERROR(c.Exec("BEGIN"));
  absl::Status status;
  try {
    status = body(c);
  } catch (...) {
    (void)c.Exec("ROLLBACK");
    throw;
  }
  // A read transaction has nothing to commit; ending it releases its snapshot.
  (void)c.Exec("ROLLBACK");
  return status;
}

}  // namespace cleanroom::store
