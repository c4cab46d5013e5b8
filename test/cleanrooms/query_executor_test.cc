// The QueryExecutor's own contract, for the paths the service tests do not reach on purpose:
// queries stopped between Admit and Enqueue, Abandon, and ends recorded once.
#include "cleanrooms/query_executor.h"

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cleanrooms/cleanrooms_test_env.h"
#include "gtest/gtest.h"

namespace cleanroom::cleanrooms::testing {
namespace {

class QueryExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<QueryExecutor> Make(QueryExecutorOptions options = {}) {
    QueryExecutor::Callbacks callbacks;
    callbacks.on_start = [this](const std::string& id) {
      std::lock_guard<std::mutex> lock(mu_);
      started_.push_back(id);
      return true;
    };
    callbacks.on_end = [this](const std::string& id, const QueryEnd& end) {
      std::lock_guard<std::mutex> lock(mu_);
      ++end_count_[id];
      ends_[id] = end;
    };
    return std::make_unique<QueryExecutor>(&runner_, std::move(callbacks), options);
  }

  static ProtectedQueryRequest Request(const std::string& id) {
    ProtectedQueryRequest r;
    r.query_id = id;
    return r;
  }

  QueryEnd EndOf(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(end_count_[id], 1) << id;
    return ends_[id];
  }

  FakeQueryRunner runner_;
  std::mutex mu_;
  std::vector<std::string> started_;
  std::map<std::string, int> end_count_;
  std::map<std::string, QueryEnd> ends_;
};

TEST_F(QueryExecutorTest, AQueryCancelledBeforeItIsEnqueuedNeverRuns) {
  std::unique_ptr<QueryExecutor> executor = Make();
  ASSERT_TRUE(executor->Admit(Request("q1")).ok());
  EXPECT_TRUE(executor->Cancel("q1"));
  executor->Enqueue("q1");
  executor->WaitIdleForTest();
  QueryEnd end = EndOf("q1");
  EXPECT_FALSE(end.outcome.has_value());
  EXPECT_EQ(end.stop, StopReason::kCancelled);
  EXPECT_TRUE(runner_.ran().empty());
  EXPECT_TRUE(started_.empty());
}

TEST_F(QueryExecutorTest, AnAbandonedQueryFreesItsSlotWithoutEnding) {
  std::unique_ptr<QueryExecutor> executor = Make({.max_in_flight = 1});
  ASSERT_TRUE(executor->Admit(Request("q1")).ok());
  EXPECT_EQ(executor->Admit(Request("q2")).code(), absl::StatusCode::kResourceExhausted);
  executor->Abandon("q1");
  EXPECT_FALSE(executor->Cancel("q1"));
  ASSERT_TRUE(executor->Admit(Request("q2")).ok());
  executor->Enqueue("q2");
  executor->WaitIdleForTest();
  EXPECT_EQ(end_count_.count("q1"), 0u);
  QueryEnd end = EndOf("q2");
  ASSERT_TRUE(end.outcome.has_value());
  EXPECT_TRUE(end.outcome->ok());
  EXPECT_EQ(end.stop, StopReason::kNone);
}

TEST_F(QueryExecutorTest, AfterShutdownQueriesAreRefusedOrEndAtOnce) {
  std::unique_ptr<QueryExecutor> executor = Make();
  ASSERT_TRUE(executor->Admit(Request("q1")).ok());
  std::thread shutdown([&] { executor->Shutdown(); });  // waits for q1 to be enqueued
  // Shutdown has begun once Admit refuses.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (executor->Admit(Request("probe")).ok()) {
    executor->Abandon("probe");
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  }
  EXPECT_EQ(executor->Admit(Request("q2")).code(), absl::StatusCode::kUnavailable);
  executor->Enqueue("q1");
  shutdown.join();
  QueryEnd end = EndOf("q1");
  EXPECT_FALSE(end.outcome.has_value());
  EXPECT_EQ(end.stop, StopReason::kShutdown);
  EXPECT_TRUE(runner_.ran().empty());
  executor->Shutdown();  // idempotent
}

TEST_F(QueryExecutorTest, TheFirstStopReasonWins) {
  std::unique_ptr<QueryExecutor> executor = Make({.timeout = std::chrono::milliseconds(20)});
  runner_.Hold(true);
  runner_.IgnoreCancel(true);
  ASSERT_TRUE(executor->Admit(Request("q1")).ok());
  executor->Enqueue("q1");
  ASSERT_TRUE(runner_.WaitForCancels(1));  // the deadline passed
  EXPECT_TRUE(executor->Cancel("q1"));     // too late to change why it stopped
  runner_.Release();
  executor->WaitIdleForTest();
  QueryEnd end = EndOf("q1");
  EXPECT_EQ(end.stop, StopReason::kTimedOut);
  ASSERT_TRUE(end.outcome.has_value());
  EXPECT_EQ(end.outcome->status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace cleanroom::cleanrooms::testing
