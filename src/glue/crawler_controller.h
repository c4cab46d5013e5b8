// Runs crawls: StartCrawler moves a crawler READY -> RUNNING and hands the crawl to a
// background thread that calls CrawlRunner::Crawl and then Catalog::FinishCrawl; StopCrawler
// moves it RUNNING -> STOPPING and raises the crawl's stop flag. The crawler's state lives in the
// catalog (SQLite), so it survives restarts; the threads live here.
#ifndef CLEANROOM_GLUE_CRAWLER_CONTROLLER_H_
#define CLEANROOM_GLUE_CRAWLER_CONTROLLER_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "glue/catalog.h"
#include "glue/crawl_runner.h"

namespace cleanroom::glue {

// Thread-safe. Owns one thread per crawl in flight; the destructor stops and joins them.
class CrawlerController {
 public:
  // `catalog` must outlive the controller. `runner` may be null: every crawl then ends FAILED
  // with a message saying no crawler engine is configured.
  CrawlerController(Catalog* catalog, CrawlRunner* runner);
  ~CrawlerController();

  CrawlerController(const CrawlerController&) = delete;
  CrawlerController& operator=(const CrawlerController&) = delete;

  // StartCrawler. EntityNotFoundException for an unknown crawler, CrawlerRunningException if it
  // is RUNNING or STOPPING, kUnavailable once Shutdown has begun.
  absl::Status Start(const std::string& account_id, const std::string& name);
  // StopCrawler. EntityNotFoundException, CrawlerNotRunningException (READY) or
  // CrawlerStoppingException (already STOPPING).
  absl::Status Stop(const std::string& account_id, const std::string& name);

  // Refuses new crawls, raises every stop flag and joins every crawl thread. Crawls that end
  // because of it are recorded FAILED (interrupted), not CANCELLED. Idempotent.
  void Shutdown();

  // Blocks until no crawl is in flight (tests).
  void WaitIdleForTest();

 private:
  struct Run {
    std::string account_id;
    std::string crawler_name;
    std::string run_id;
    std::atomic<bool> stop{false};
    std::atomic<bool> shutdown{false};
    std::string database_name;
    std::thread thread;
    bool finished = false;  // guarded by mu_: the thread needs mu_ no more
  };
  using Key = std::pair<std::string, std::string>;  // (account, crawler)

  void RunCrawl(Run* run, CrawlSpec spec);
  // Joins the threads of finished runs. Called with mu_ held; the joined threads have already
  // left every section that takes mu_.
  void ReapLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Catalog* catalog_;
  CrawlRunner* runner_;
  std::mutex mu_;
  std::condition_variable idle_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::map<Key, std::unique_ptr<Run>> active_ ABSL_GUARDED_BY(mu_);
  // Runs whose thread has finished (or is finishing) its work and waits to be joined.
  std::vector<std::unique_ptr<Run>> done_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_CRAWLER_CONTROLLER_H_
