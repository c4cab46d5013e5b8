#include "common/buffer_pool.h"

#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cleanroom {
namespace {

TEST(BufferPoolTest, ReturnedBuffersAreReused) {
  BufferPool pool(4096, 2);
  char* first = nullptr;
  {
    BufferPool::Buffer a = pool.Get();
    first = a.get();
    std::memset(a.get(), 'x', pool.buffer_size());
  }
  EXPECT_EQ(pool.free_count(), 1u);
  BufferPool::Buffer b = pool.Get();
  EXPECT_EQ(b.get(), first);
  EXPECT_EQ(pool.free_count(), 0u);
}

TEST(BufferPoolTest, KeepsAtMostMaxFree) {
  BufferPool pool(64, 2);
  {
    std::vector<BufferPool::Buffer> held;
    for (int i = 0; i < 5; ++i) held.push_back(pool.Get());
  }
  EXPECT_EQ(pool.free_count(), 2u);
}

TEST(BufferPoolTest, ConcurrentGetAndReturn) {
  BufferPool pool(1024, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 1000; ++i) {
        BufferPool::Buffer a = pool.Get();
        BufferPool::Buffer b = pool.Get();
        a[0] = static_cast<char>(t);
        b[pool.buffer_size() - 1] = static_cast<char>(i);
        ASSERT_NE(a.get(), b.get());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(pool.free_count(), 4u);
}

TEST(BufferPoolTest, ProcessPoolHandsOutMiBBuffers) {
  BufferPool::Buffer buffer = MiBBufferPool().Get();
  EXPECT_EQ(MiBBufferPool().buffer_size(), size_t{1} << 20);
  buffer[(size_t{1} << 20) - 1] = 'z';
}

}  // namespace
}  // namespace cleanroom
