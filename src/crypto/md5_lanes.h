// MD5 of many independent streams at once, one stream per 32-bit lane of the CPU's 256-bit
// vector registers (AVX2).
//
// MD5 is one long chain of dependent 32-bit operations, so a single stream keeps only a small
// part of a core busy: OpenSSL's MD5 runs at about 650 MB/s on a 2020s x86 core, and it was
// the largest CPU cost of an S3 PUT (the ETag). Concurrent uploads are independent streams, so
// an engine thread hashes them together: three to eight streams in vector lanes, one block of
// each per step (eight blocks cost about as much as two in scalar code), and one or two
// streams in scalar code, two chains interleaved. This is the multi-buffer technique of Intel's
// ISA-L and MinIO's md5-simd; no Debian package offers it for MD5, so it is written here.
// bench/md5_lanes.cc measures it against OpenSSL.
#ifndef CLEANROOM_CRYPTO_MD5_LANES_H_
#define CLEANROOM_CRYPTO_MD5_LANES_H_

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"

namespace cleanroom::crypto {

// An engine: one worker thread that advances up to kLanes streams together. Thread-safe; any
// number of threads may own streams of one engine.
class Md5Lanes {
 public:
  static constexpr int kLanes = 8;

  // Whether this CPU can run the engine (x86-64 with AVX2, checked at run time).
  static bool Supported();
  // The process-wide engine, started on first use; null if !Supported(). It is never
  // destroyed, so streams may be used until the process exits.
  static Md5Lanes* Shared();

  // Starts the worker thread. Requires Supported().
  Md5Lanes();
  // Stops the worker thread. Every Stream of this engine must have been destroyed.
  ~Md5Lanes();
  Md5Lanes(const Md5Lanes&) = delete;
  Md5Lanes& operator=(const Md5Lanes&) = delete;

  // The MD5 of one stream, fed in pieces in order. The whole 64-byte blocks of a piece are
  // hashed by the engine's thread, alongside other streams' blocks, while the caller goes on;
  // leftover bytes (at most 63) are copied and hashed with the next piece or by Finish(). At
  // most one piece is in the engine at a time: Update() first waits for the previous one. Not
  // thread-safe (one owner feeds it). The same contract as AsyncDigest.
  class Stream {
   public:
    explicit Stream(Md5Lanes& engine);
    // Waits for the piece in the engine, if any.
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Waits until the previous piece is hashed, then hands over `data` and returns. The bytes
    // of `data` must stay valid and unchanged until the next Update() or Finish() returns, or
    // the stream is destroyed.
    void Update(std::string_view data);

    // Waits for the last piece and returns the raw 16-byte MD5 of everything passed to
    // Update(). Nothing may be called afterwards except the destructor.
    std::string Finish();

   private:
    friend class Md5Lanes;
    // Blocks until the engine holds no blocks of this stream.
    void WaitIdle();
    // Hashes `nblocks` whole blocks at `data` on the calling thread.
    void HashHere(const unsigned char* data, size_t nblocks);

    Md5Lanes& engine_;
    std::array<uint32_t, 4> state_;  // owned by the engine while blocks_left_ > 0
    uint64_t length_ = 0;            // bytes passed to Update()
    unsigned char tail_[64];         // bytes of an incomplete block
    size_t tail_len_ = 0;
    // The piece in the engine; guarded by engine_.mu_ (which the annotations cannot name).
    const unsigned char* next_ = nullptr;
    size_t blocks_left_ = 0;
    std::condition_variable idle_;
  };

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable work_;
  std::deque<Stream*> waiting_ ABSL_GUARDED_BY(mu_);  // streams with blocks and no lane yet
  std::array<Stream*, kLanes> lanes_ ABSL_GUARDED_BY(mu_){};
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cleanroom::crypto

#endif  // CLEANROOM_CRYPTO_MD5_LANES_H_
