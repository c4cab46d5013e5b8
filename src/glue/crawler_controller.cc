#include "glue/crawler_controller.h"

#include <exception>
#include <system_error>

#include "common/ids.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::glue {

CrawlerController::CrawlerController(Catalog* catalog, CrawlRunner* runner)
    : catalog_(catalog), runner_(runner) {}

CrawlerController::~CrawlerController() { Shutdown(); }

absl::Status CrawlerController::Start(const std::string& account_id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return absl::UnavailableError("The server is shutting down");
  ReapLocked();
  const std::string run_id = NewUuid();
  ASSIGN_OR_RETURN(Crawler crawler, catalog_->BeginCrawl(account_id, name, run_id));
  Key key{account_id, name};
  auto it = active_.find(key);
  if (it != active_.end()) {
    // The previous run has recorded its end (the crawler was READY) and is on its way out.
    done_.push_back(std::move(it->second));
    active_.erase(it);
  }
  auto run = std::make_unique<Run>();
  run->account_id = account_id;
  run->crawler_name = name;
  run->run_id = run_id;
  run->database_name = crawler.database_name;
  CrawlSpec spec{account_id, crawler.definition.role_arn, crawler.s3_targets};
  Run* raw = run.get();
  try {
    raw->thread = std::thread(&CrawlerController::RunCrawl, this, raw, std::move(spec));
  } catch (const std::system_error& e) {
    CrawlEnd end{absl::ResourceExhaustedError(
        StrCat("The crawl could not be started: no thread available (", e.what(), ")"))};
    absl::StatusOr<CrawlRun> finished = catalog_->FinishCrawl(account_id, name, run_id, end);
    if (!finished.ok()) return finished.status();
    return absl::OkStatus();
  }
  ++in_flight_;
  active_.emplace(std::move(key), std::move(run));
  return absl::OkStatus();
}

absl::Status CrawlerController::Stop(const std::string& account_id, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(catalog_->RequestStop(account_id, name));
  auto it = active_.find(Key{account_id, name});
  if (it != active_.end()) it->second->stop = true;
  return absl::OkStatus();
}

void CrawlerController::RunCrawl(Run* run, CrawlSpec spec) {
  CrawlEnd end{absl::UnknownError("the crawl did not run")};
  absl::StatusOr<Database> database =
      run->database_name.empty() ? absl::StatusOr<Database>(absl::FailedPreconditionError(
                                       "The crawler has no DatabaseName to write tables to"))
                                 : catalog_->GetDatabase(run->account_id, run->database_name);
  if (!database.ok()) {
    end.outcome = database.status();
  } else if (runner_ == nullptr) {
    end.outcome = absl::FailedPreconditionError(
        "No crawler engine is configured on this server, so nothing was crawled");
  } else {
    try {
      end.outcome = runner_->Crawl(spec, run->stop);
    } catch (const std::exception& e) {
      end.outcome = absl::InternalError(StrCat("The crawler engine failed: ", e.what()));
    } catch (...) {
      end.outcome = absl::InternalError("The crawler engine failed");
    }
  }
  end.interrupted_by_shutdown = run->shutdown.load();
  absl::StatusOr<CrawlRun> finished =
      catalog_->FinishCrawl(run->account_id, run->crawler_name, run->run_id, end);
  if (!finished.ok()) {
    Log(LogLevel::kError, "could not record the end of a crawl",
        {{"account", run->account_id},
         {"crawler", run->crawler_name},
         {"run", run->run_id},
         {"error", finished.status().ToString()}});
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(Key{run->account_id, run->crawler_name});
  if (it != active_.end() && it->second.get() == run) {
    done_.push_back(std::move(it->second));
    active_.erase(it);
  }
  run->finished = true;
  --in_flight_;
  idle_.notify_all();
}

void CrawlerController::ReapLocked() {
  for (auto it = done_.begin(); it != done_.end();) {
    if (!(*it)->finished) {
      ++it;
      continue;
    }
    if ((*it)->thread.joinable()) (*it)->thread.join();
    it = done_.erase(it);
  }
}

void CrawlerController::Shutdown() {
  std::vector<std::unique_ptr<Run>> all;
  {
    std::unique_lock<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [key, run] : active_) {
      run->shutdown = true;
      run->stop = true;
    }
    idle_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; });
    for (auto& [key, run] : active_) all.push_back(std::move(run));
    active_.clear();
    for (auto& run : done_) all.push_back(std::move(run));
    done_.clear();
  }
  for (auto& run : all) {
    if (run->thread.joinable()) run->thread.join();
  }
}

void CrawlerController::WaitIdleForTest() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; });
}

}  // namespace cleanroom::glue
