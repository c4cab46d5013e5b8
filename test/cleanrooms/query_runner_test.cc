#include "cleanrooms/query_runner.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cleanroom::cleanrooms {
namespace {

TEST(CancelSignalTest, CancelRunsEveryCallbackOnce) {
  CancelSignal signal;
  int a = 0, b = 0;
  signal.OnCancel([&] { ++a; });
  signal.OnCancel([&] { ++b; });
  EXPECT_FALSE(signal.cancelled());
  EXPECT_EQ(a + b, 0);
  signal.Cancel();
  EXPECT_TRUE(signal.cancelled());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
  signal.Cancel();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST(CancelSignalTest, ACallbackRegisteredAfterCancelRunsAtOnce) {
  CancelSignal signal;
  signal.Cancel();
  bool ran = false;
  signal.OnCancel([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(CancelSignalTest, CallbacksMayUseTheSignal) {
  CancelSignal signal;
  bool seen_cancelled = false;
  bool nested = false;
  signal.OnCancel([&] {
    seen_cancelled = signal.cancelled();
    signal.OnCancel([&] { nested = true; });  // runs at once: already cancelled
  });
  signal.Cancel();
  EXPECT_TRUE(seen_cancelled);
  EXPECT_TRUE(nested);
}

TEST(CancelSignalTest, RacingRegistrationsEachRunExactlyOnce) {
  CancelSignal signal;
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) signal.OnCancel([&] { ++runs; });
    });
  }
  threads.emplace_back([&] { signal.Cancel(); });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(runs.load(), 400);
}

}  // namespace
}  // namespace cleanroom::cleanrooms
