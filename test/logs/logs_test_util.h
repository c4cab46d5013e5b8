// Test helpers for the logs module: a LogStore on a fresh SQLite file with a fake clock.
#ifndef CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_
#define CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_

#include <memory>
#include <string>

#include "common/aws_error.h"
#include "common/clock.h"
#include "logs/log_store.h"
#include "store/temp_database.h"

namespace cleanroom::logs::testing {

inline constexpr char kAccountA[] = "111111111111";
inline constexpr char kAccountB[] = "222222222222";
// 2023-11-14T22:13:20Z, in milliseconds.
inline constexpr int64_t kNowMs = 1700000000000;

// A LogStore on a database in a temporary directory, removed on destruction. `Reopen()`
// closes and reopens the database (a server restart).
class TempLogStore {
 public:
  explicit TempLogStore(LogStoreLimits limits = {}) : limits_(limits) { Open(); }

  void Reopen() {
    store_.reset();
    database_.Reopen();
    Open();
  }

  LogStore& store() { return *store_; }
  FakeClock& clock() { return clock_; }
  // Sets the clock to `ms` milliseconds since the epoch.
  void SetNowMs(int64_t ms) { clock_.SetMicros(ms * 1000); }

 private:
  void Open() { store_ = std::make_unique<LogStore>(&database_.db(), &clock_, limits_); }

  LogStoreLimits limits_;
  FakeClock clock_{kNowMs * 1000};
  store::testing::TempDatabase database_{"logs_test"};
  std::unique_ptr<LogStore> store_;
};

// The AWS error code a status carries ("" for OK or none).
inline std::string CodeOf(const absl::Status& status) { return GetAwsCode(status).value_or(""); }

}  // namespace cleanroom::logs::testing

#endif  // CLEANROOM_TEST_LOGS_LOGS_TEST_UTIL_H_
