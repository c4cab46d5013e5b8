// Runs protected queries that passed their check, on a fixed pool of worker threads, and stops
// them: when asked to (cancel), at their deadline (timeout) or at shutdown. The executor keeps
// nothing durable; its owner records each query's states, and learns through two callbacks when
// a query is about to run and when it has ended.
//
// A query goes through Admit (a slot is reserved and Cancel can find it) and then Enqueue (it
// may run) or, if the owner could not record it, Abandon. Every enqueued query ends exactly once
// with `on_end`.
#ifndef CLEANROOM_CLEANROOMS_QUERY_EXECUTOR_H_
#define CLEANROOM_CLEANROOMS_QUERY_EXECUTOR_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cleanrooms/query_runner.h"

namespace cleanroom::cleanrooms {

struct QueryExecutorOptions {
  int workers = 4;  // queries that run at the same time; the others wait in line
  // Queries admitted and not yet ended (waiting or running); Admit refuses more.
  int max_in_flight = 100;
  // How long a query may run (from the moment a worker takes it) before it is stopped.
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
};

// Why the executor stopped a query before it ended on its own; the first reason wins.
enum class StopReason { kNone, kCancelled, kTimedOut, kShutdown };

// How a query ended.
struct QueryEnd {
  // What ProtectedQueryRunner::Run returned; nullopt if the query never ran (stopped while it
  // waited, or `on_start` declined it).
  std::optional<absl::StatusOr<QueryOutcome>> outcome;
  StopReason stop = StopReason::kNone;
  int64_t run_millis = 0;  // time spent in Run
};

// Thread-safe. The destructor shuts down (see Shutdown).
class QueryExecutor {
 public:
  struct Callbacks {
    // Called on a worker thread just before the query runs. Returning false ends the query
    // without running it.
    std::function<bool(const std::string& query_id)> on_start;
    // Called once per enqueued query, when it has ended: on a worker thread, or on the thread
    // that called Cancel, Enqueue or Shutdown for a query stopped before a worker took it.
    // Never called with the executor's lock held.
    std::function<void(const std::string& query_id, const QueryEnd& end)> on_end;
  };

  // `runner` (not owned) must outlive the executor. Starts the worker threads.
  QueryExecutor(ProtectedQueryRunner* runner, Callbacks callbacks, QueryExecutorOptions options);
  ~QueryExecutor();

  QueryExecutor(const QueryExecutor&) = delete;
  QueryExecutor& operator=(const QueryExecutor&) = delete;

  const QueryExecutorOptions& options() const { return options_; }

  // Reserves a slot for `request` (by request.query_id). kResourceExhausted when
  // max_in_flight queries are in flight, kUnavailable once Shutdown has begun.
  absl::Status Admit(ProtectedQueryRequest request);
  // Lets an admitted query run. After Shutdown has begun it ends at once (kShutdown).
  void Enqueue(const std::string& query_id);
  // Forgets an admitted query that was never enqueued; `on_end` is not called.
  void Abandon(const std::string& query_id);

  // Stops the query: one waiting for a worker ends at once, a running one has its CancelSignal
  // cancelled and ends when the runner returns. False if the query is not in flight.
  bool Cancel(const std::string& query_id);

  // Refuses new queries, ends the waiting ones (kShutdown), cancels the running ones, waits for
  // every query to end and joins the threads. Idempotent.
  void Shutdown();

  // Blocks until no query is in flight (tests).
  void WaitIdleForTest();

 private:
  enum class State { kAdmitted, kQueued, kRunning, kEnding };
  struct Job {
    ProtectedQueryRequest request;
    CancelSignal cancel;
    State state = State::kAdmitted;
    StopReason stop = StopReason::kNone;
    std::chrono::steady_clock::time_point deadline;
  };

  void WorkerLoop();
  void WatchdogLoop();
  void Execute(const std::shared_ptr<Job>& job);
  // Ends `job`, which no worker will take: calls on_end, then forgets the job.
  void EndUnrun(const std::shared_ptr<Job>& job);
  void Forget(const std::string& query_id);

  ProtectedQueryRunner* runner_;
  Callbacks callbacks_;
  QueryExecutorOptions options_;

  std::mutex mu_;
  std::condition_variable work_;      // a job was queued, or shutdown began
  std::condition_variable watchdog_;  // a job started running, or shutdown began
  std::condition_variable idle_;      // a job was forgotten
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::shared_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);  // in flight
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // workers and the watchdog; joined by Shutdown
  std::once_flag joined_;
};

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_QUERY_EXECUTOR_H_
