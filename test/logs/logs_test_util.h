// Test helpers for the logs module: a LogStore on a fresh SQLite file with a fake clock.
#ifndef CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_
#define CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/aws_error.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "logs/log_store.h"
#include "store/database.h"
#include "store/schema.h"

namespace cleanroom::logs::testing {

inline constexpr char kAccountA[] = "111111111111";
inline constexpr char kAccountB[] = "222222222222";
// 2023-11-14T22:13:20Z, in milliseconds.
inline constexpr int64_t kNowMs = 1700000000000;

// A LogStore in a temporary directory, removed on destruction. `Reopen()` closes and reopens
// the database (a server restart).
class TempLogStore {
 public:
  explicit TempLogStore(LogStoreLimits limits = {}) : limits_(limits) {
    char tmpl[] = "/tmp/logs_test_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    dir_ = tmpl;
    Reopen();
  }
  ~TempLogStore() {
    store_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Reopen() {
    store_.reset();
    db_.reset();
    auto db = store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    if (!db.ok()) {
      ADD_FAILURE() << db.status();
      std::abort();
    }
    db_ = std::move(*db);
    store_ = std::make_unique<LogStore>(db_.get(), &clock_, limits_);
  }

  LogStore& store() { return *store_; }
  FakeClock& clock() { return clock_; }
  // Sets the clock to `ms` milliseconds since the epoch.
  void SetNowMs(int64_t ms) { clock_.SetMicros(ms * 1000); }

 private:
  LogStoreLimits limits_;
  FakeClock clock_{kNowMs * 1000};
  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<LogStore> store_;
};

// The AWS error code a status carries ("" for OK or none).
inline std::string CodeOf(const absl::Status& status) { return GetAwsCode(status).value_or(""); }

}  // namespace cleanroom::logs::testing

#endif  // CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_
