// A message digest computed on a helper thread, so that hashing a stream overlaps with the
// caller's other work on it (receiving the next piece, writing the previous one).
#ifndef CLEANROOM_CRYPTO_ASYNC_DIGEST_H_
#define CLEANROOM_CRYPTO_ASYNC_DIGEST_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "crypto/hash.h"

namespace cleanroom::crypto {

// Feeds the pieces of a stream to a Digest on its own thread, one piece at a time and in
// order. At most one piece is being hashed at any time: Update() first waits for the previous
// piece. Not thread-safe (one owner feeds it); the helper thread is internal.
class AsyncDigest {
 public:
  explicit AsyncDigest(Digest::Algorithm algorithm);
  // Waits for the piece being hashed, if any, and stops the helper thread.
  ~AsyncDigest();
  AsyncDigest(const AsyncDigest&) = delete;
  AsyncDigest& operator=(const AsyncDigest&) = delete;

  // Waits until the previous piece is hashed, then starts hashing `data` and returns at once.
  // The bytes of `data` must stay valid and unchanged until the next Update() or Finish()
  // returns.
  void Update(std::string_view data);

  // Waits for the last piece and returns the raw digest of everything passed to Update().
  // Nothing may be called afterwards except the destructor.
  std::string Finish();

 private:
  // Blocks until no piece is waiting or being hashed.
  void WaitIdle(std::unique_lock<std::mutex>& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  Digest digest_;  // used by the helper thread only, until Finish()
  std::mutex mu_;
  std::condition_variable cv_;
  std::string_view pending_ ABSL_GUARDED_BY(mu_);
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cleanroom::crypto

#endif  // CLEANROOM_CRYPTO_ASYNC_DIGEST_H_
