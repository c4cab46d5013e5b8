// Test helpers for the glue module: a catalog on a fresh SQLite file with a fake clock, and a
// scriptable CrawlRunner standing in for the crawler engine behind its seam.
#ifndef CLEANROOM_TEST_GLUE_GLUE_TEST_UTIL_H_
#define CLEANROOM_TEST_GLUE_GLUE_TEST_UTIL_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "glue/catalog.h"
#include "glue/crawl_runner.h"
#include "gtest/gtest.h"
#include "store/database.h"
#include "store/temp_database.h"

namespace cleanroom::glue::testing {

inline constexpr char kAccountA[] = "111111111111";
inline constexpr char kAccountB[] = "222222222222";

// A catalog on a database in a temporary directory, removed on destruction. `Reopen()` closes
// and reopens the database (a server restart).
class TempCatalog {
 public:
  explicit TempCatalog(CatalogLimits limits = {}) : limits_(limits) { Open(); }

  void Reopen() {
    catalog_.reset();
    database_.Reopen();
    Open();
  }

  Catalog& catalog() { return *catalog_; }
  FakeClock& clock() { return clock_; }
  store::Database& db() { return database_.db(); }

 private:
  void Open() { catalog_ = std::make_unique<Catalog>(&database_.db(), &clock_, limits_); }

  CatalogLimits limits_;
  FakeClock clock_{1700000000LL * 1000000};
  store::testing::TempDatabase database_{"glue_test"};
  std::unique_ptr<Catalog> catalog_;
};

// A CrawlRunner that returns scripted results. With Hold(true), each crawl blocks until
// Release() or until its stop flag is raised (then it returns kCancelled, as the real runner
// does).
class FakeCrawlRunner final : public CrawlRunner {
 public:
  absl::StatusOr<CrawlOutcome> Crawl(const CrawlSpec& spec,
                                     const std::atomic<bool>& stop) override {
    std::unique_lock<std::mutex> lock(mu_);
    specs_.push_back(spec);
    ++entered_;
    cv_.notify_all();
    while (hold_ && !released_) {
      if (stop.load()) return absl::CancelledError("The crawl was stopped");
      cv_.wait_for(lock, std::chrono::milliseconds(2));
    }
    released_ = false;
    if (results_.empty()) return CrawlOutcome{};
    absl::StatusOr<CrawlOutcome> r = results_.front();
    results_.pop_front();
    return r;
  }

  void AddResult(absl::StatusOr<CrawlOutcome> result) {
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(result));
  }
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Waits until `n` crawls have begun.
  bool WaitForCrawls(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  std::vector<CrawlSpec> specs() {
    std::lock_guard<std::mutex> lock(mu_);
    return specs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<absl::StatusOr<CrawlOutcome>> results_;
  std::vector<CrawlSpec> specs_;
  bool hold_ = false;
  bool released_ = false;
  int entered_ = 0;
};

// A CSV table as the crawler engine would report it.
inline DiscoveredTable CsvTable(std::string name_hint, std::string location,
                                std::vector<DiscoveredColumn> columns = {{"customer_id", "bigint"},
                                                                         {"region", "string"}}) {
  DiscoveredTable t;
  t.name_hint = std::move(name_hint);
  t.location = std::move(location);
  t.classification = "csv";
  t.columns = std::move(columns);
  t.input_format = "org.apache.hadoop.mapred.TextInputFormat";
  t.output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
  t.serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
  t.serde_parameters = {{"field.delim", ","}};
  t.parameters = {{"recordCount", "10"},
                  {"sizeKey", "512"},
                  {"objectCount", "1"},
                  {"delimiter", ","},
                  {"skip.header.line.count", "1"}};
  return t;
}

inline CrawlOutcome Outcome(std::vector<DiscoveredTable> tables,
                            std::vector<std::string> messages = {}) {
  CrawlOutcome o;
  o.tables = std::move(tables);
  o.messages = std::move(messages);
  o.files_read = static_cast<int64_t>(o.tables.size());
  return o;
}

}  // namespace cleanroom::glue::testing

#endif  // CLEANROOM_TEST_GLUE_GLUE_TEST_UTIL_H_
