// Reusable fixed-size byte buffers for request bodies and file I/O.
//
// A server that allocates a fresh 1 MiB buffer per request and frees it afterwards gets, from
// malloc, memory that was just returned to the kernel (mmap/munmap, or a trimmed heap), so
// every request pays page faults and the kernel's zeroing of each page before its first byte
// is received. A pool keeps freed buffers for the next request instead.
#ifndef CLEANROOM_COMMON_BUFFER_POOL_H_
#define CLEANROOM_COMMON_BUFFER_POOL_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace cleanroom {

// Thread-safe. Must outlive every buffer it hands out (the process-wide pools below are never
// destroyed).
class BufferPool {
 public:
  // Returns a buffer to its pool when destroyed.
  class Deleter {
   public:
    Deleter() = default;
    explicit Deleter(BufferPool* pool) : pool_(pool) {}
    void operator()(char* buffer) const;

   private:
    BufferPool* pool_ = nullptr;
  };
  // Owns a buffer of the pool's size; its contents are unspecified when handed out.
  using Buffer = std::unique_ptr<char[], Deleter>;

  // Buffers of `size` bytes; at most `max_free` returned buffers are kept for reuse, the
  // rest are freed.
  BufferPool(size_t size, size_t max_free);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  size_t buffer_size() const { return size_; }
  // A buffer of buffer_size() bytes, reused if one is free.
  Buffer Get();
  // Buffers currently kept for reuse.
  size_t free_count();

 private:
  void Return(char* buffer);

  const size_t size_;
  const size_t max_free_;
  std::mutex mu_;
  std::vector<char*> free_ ABSL_GUARDED_BY(mu_);
};

// The process-wide pool of 1 MiB buffers (the unit in which bodies are received, written and
// sent).
BufferPool& MiBBufferPool();

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_BUFFER_POOL_H_
