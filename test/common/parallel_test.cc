#include "common/parallel.h"

#include <atomic>
#include <mutex>
#include <new>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace cleanroom {
namespace {

TEST(RunOnThreadsTest, RunsEveryIndexOnceAtTheSameTime) {
  std::atomic<int> arrived{0};
  std::atomic<int> calls{0};
  std::set<std::thread::id> ids;
  std::mutex mu;
  absl::Status s = RunOnThreads(4, [&](int t) {
    EXPECT_GE(t, 0);
    EXPECT_LT(t, 4);
    ++calls;
    {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    }
    // All four wait for each other: only works if they run at once.
    ++arrived;
    while (arrived.load() < 4) std::this_thread::yield();
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 1u);  // work(0) ran on this thread
}

TEST(RunOnThreadsTest, ReturnsTheFirstErrorInIndexOrder) {
  absl::Status s = RunOnThreads(3, [](int t) {
    if (t == 0) return absl::OkStatus();
    return t == 1 ? absl::NotFoundError("one") : absl::InternalError("two");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "one");
}

TEST(RunOnThreadsTest, OutOfMemoryIsResourceExhausted) {
  absl::Status s = RunOnThreads(2, [](int t) -> absl::Status {
    if (t == 1) throw std::bad_alloc();
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
}

TEST(RunOnThreadsTest, NoThreadsMeansOne) {
  int calls = 0;
  EXPECT_TRUE(RunOnThreads(0, [&](int t) {
                ++calls;
                EXPECT_EQ(t, 0);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cleanroom
