#include "cleanrooms/query_executor.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "common/strings.h"

namespace cleanroom::cleanrooms {

using SteadyClock = std::chrono::steady_clock;

QueryExecutor::QueryExecutor(ProtectedQueryRunner* runner, Callbacks callbacks,
                             QueryExecutorOptions options)
    : runner_(runner), callbacks_(std::move(callbacks)), options_(options) {
  options_.workers = std::max(1, options_.workers);
  options_.max_in_flight = std::max(1, options_.max_in_flight);
  for (int i = 0; i < options_.workers; ++i)
    threads_.emplace_back(&QueryExecutor::WorkerLoop, this);
  threads_.emplace_back(&QueryExecutor::WatchdogLoop, this);
}

QueryExecutor::~QueryExecutor() { Shutdown(); }

absl::Status QueryExecutor::Admit(ProtectedQueryRequest request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return absl::UnavailableError("The server is shutting down");
  if (jobs_.size() >= static_cast<size_t>(options_.max_in_flight)) {
    return absl::ResourceExhaustedError(
        StrCat("This server already has ", jobs_.size(),
               " protected queries waiting or running, its limit; try again when one ends"));
  }
  auto job = std::make_shared<Job>();
  std::string id = request.query_id;
  job->request = std::move(request);
  jobs_[id] = std::move(job);
  return absl::OkStatus();
}

void QueryExecutor::Enqueue(const std::string& query_id) {
  std::shared_ptr<Job> unrun;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(query_id);
    if (it == jobs_.end() || it->second->state != State::kAdmitted) return;
    std::shared_ptr<Job> job = it->second;
    if (shutting_down_) {
      if (job->stop == StopReason::kNone) job->stop = StopReason::kShutdown;
      job->state = State::kEnding;
      unrun = job;
    } else {
      job->state = State::kQueued;
      queue_.push_back(job);
      work_.notify_one();
    }
  }
  if (unrun) EndUnrun(unrun);
}

void QueryExecutor::Abandon(const std::string& query_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(query_id);
    if (it == jobs_.end() || it->second->state != State::kAdmitted) return;
  }
  Forget(query_id);
}

bool QueryExecutor::Cancel(const std::string& query_id) {
  std::shared_ptr<Job> job;
  bool unrun = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(query_id);
    if (it == jobs_.end()) return false;
    job = it->second;
    if (job->stop == StopReason::kNone) job->stop = StopReason::kCancelled;
    if (job->state == State::kQueued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), job));
      job->state = State::kEnding;
      unrun = true;
    }
  }
  if (unrun) {
    EndUnrun(job);
  } else {
    // Admitted: the worker that takes it will see `stop`. Running: the runner is told.
    job->cancel.Cancel();
  }
  return true;
}

void QueryExecutor::Shutdown() {
  std::vector<std::shared_ptr<Job>> running, waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (auto& [id, job] : jobs_) {
      if (job->stop == StopReason::kNone) job->stop = StopReason::kShutdown;
      if (job->state == State::kQueued) {
        job->state = State::kEnding;
        waiting.push_back(job);
      } else {
        running.push_back(job);
      }
    }
    queue_.clear();
    work_.notify_all();
    watchdog_.notify_all();
  }
  for (const std::shared_ptr<Job>& job : running) job->cancel.Cancel();
  for (const std::shared_ptr<Job>& job : waiting) EndUnrun(job);
  {
    // Admitted queries end when their owner enqueues (they end at once) or abandons them.
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return jobs_.empty(); });
  }
  std::call_once(joined_, [this] {
    for (std::thread& t : threads_) t.join();
  });
}

void QueryExecutor::WaitIdleForTest() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return jobs_.empty(); });
}

void QueryExecutor::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return shutting_down_ || !queue_.empty();
      });
      if (shutting_down_) return;  // Shutdown ends the waiting queries itself
      job = std::move(queue_.front());
      queue_.pop_front();
      job->state = State::kRunning;
      job->deadline = SteadyClock::now() + options_.timeout;
      watchdog_.notify_all();
    }
    Execute(job);
  }
}

void QueryExecutor::Execute(const std::shared_ptr<Job>& job) {
  const std::string& id = job->request.query_id;
  bool run;
  {
    std::lock_guard<std::mutex> lock(mu_);
    run = job->stop == StopReason::kNone;
  }
  if (run) run = callbacks_.on_start(id);
  QueryEnd end;
  if (run) {
    SteadyClock::time_point begin = SteadyClock::now();
    try {
      end.outcome = runner_->Run(job->request, job->cancel);
    } catch (const std::exception& e) {
      end.outcome = absl::InternalError(StrCat("The query engine failed: ", e.what()));
    } catch (...) {
      end.outcome = absl::InternalError("The query engine failed");
    }
    end.run_millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - begin).count();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job->state = State::kEnding;
    end.stop = job->stop;
  }
  callbacks_.on_end(id, end);
  Forget(id);
}

void QueryExecutor::EndUnrun(const std::shared_ptr<Job>& job) {
  QueryEnd end;
  {
    std::lock_guard<std::mutex> lock(mu_);
    end.stop = job->stop;
  }
  callbacks_.on_end(job->request.query_id, end);
  Forget(job->request.query_id);
}

void QueryExecutor::Forget(const std::string& query_id) {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(query_id);
  idle_.notify_all();
}

void QueryExecutor::WatchdogLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutting_down_) {
    std::optional<SteadyClock::time_point> next;
    std::vector<std::shared_ptr<Job>> expired;
    SteadyClock::time_point now = SteadyClock::now();
    for (auto& [id, job] : jobs_) {
      if (job->state != State::kRunning || job->stop != StopReason::kNone) continue;
      if (job->deadline <= now) {
        job->stop = StopReason::kTimedOut;
        expired.push_back(job);
      } else if (!next || job->deadline < *next) {
        next = job->deadline;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (const std::shared_ptr<Job>& job : expired) job->cancel.Cancel();
      lock.lock();
      continue;
    }
    if (next) {
      watchdog_.wait_until(lock, *next);
    } else {
      watchdog_.wait(lock);
    }
  }
}

}  // namespace cleanroom::cleanrooms
