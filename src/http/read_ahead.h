// Reading a response body ahead of sending it, on a helper thread, so that producing the next
// piece (reading a blob, decrypting it) overlaps with sending the previous one.
#ifndef CLEANROOM_HTTP_READ_AHEAD_H_
#define CLEANROOM_HTTP_READ_AHEAD_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/buffer_pool.h"
#include "http/message.h"

namespace cleanroom::http {

// Reads exactly `length` bytes of `source` on a helper thread, into a ring of `slots` buffers
// of `pool`, at most one buffer ahead per slot. The consumer takes the pieces in order with
// Next(). `source` is used only by the helper thread until the destructor returns, and must
// outlive the ReadAhead. Not thread-safe (one consumer).
class ReadAhead {
 public:
  ReadAhead(BodyReader& source, uint64_t length, BufferPool& pool, int slots = 3);
  // Stops the helper (after its current Read() returns) and waits for it.
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next piece of the body, valid until the next call or the destructor; an empty piece
  // once `length` bytes have been returned. An error if the source failed, or ended before
  // `length` bytes (kDataLoss); every later call returns the same error.
  absl::StatusOr<std::string_view> Next();

 private:
  struct Slot {
    BufferPool::Buffer buffer;
    size_t size = 0;
    bool full = false;
  };

  void Run();

  BodyReader& source_;
  const uint64_t length_;
  const size_t piece_;  // bytes the helper asks for per Read()
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  size_t next_fill_ ABSL_GUARDED_BY(mu_) = 0;  // slot the helper fills next
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // the source's failure, after the full slots
  size_t next_take_ = 0;                     // slot Next() returns next (consumer only)
  bool holding_ = false;                     // Next() returned slot next_take_ - 1
  uint64_t returned_ = 0;                    // bytes returned by Next()
  std::thread thread_;
};

}  // namespace cleanroom::http

#endif  // CLEANROOM_HTTP_READ_AHEAD_H_
