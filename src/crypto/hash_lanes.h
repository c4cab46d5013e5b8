// The MD5 (and optionally the SHA-256) of many independent streams, computed together by one
// engine thread: the digests S3 computes over every uploaded body (the ETag, and the payload
// hash SigV4 signs).
//
// Both digests are chains of dependent operations, so hashing one stream keeps only a small
// part of a core busy: OpenSSL's MD5 runs at about 650 MB/s on a 2020s x86 core, and MD5 was
// the largest CPU cost of an S3 PUT. Independent chains fill the idle units, so the engine
// hashes streams side by side:
//   - MD5 of three to eight streams in the 32-bit lanes of AVX2 registers, one block of each
//     per step (eight blocks cost about as much as two in scalar code);
//   - MD5 of one or two streams in scalar code, two chains interleaved;
//   - SHA-256 with the CPU's SHA extensions, and for a lone stream interleaved block by block
//     with its MD5 (the two use different execution units).
// This is the multi-buffer and "stitching" technique of Intel's ISA-L and MinIO's md5-simd; no
// Debian package offers it, so it is written here and checked against OpenSSL by the tests.
// bench/hash_lanes.cc measures it against OpenSSL.
#ifndef CLEANROOM_CRYPTO_HASH_LANES_H_
#define CLEANROOM_CRYPTO_HASH_LANES_H_

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
class HashLanes {
 public:
  static constexpr int kLanes = 8;

  // Whether this CPU can run the engine (x86-64 with AVX2, checked at run time).
  static bool Supported();
  // Whether the engine can also compute SHA-256 here (the SHA extensions as well).
  static bool Sha256Supported();
  // The process-wide engine, started on first use; null if !Supported(). It is never
  // destroyed, so streams may be used until the process exits.
  static HashLanes* Shared();

  // Starts the worker thread. Requires Supported().
  HashLanes();
  // Stops the worker thread. Every Stream of this engine must have been destroyed.
  ~HashLanes();
  HashLanes(const HashLanes&) = delete;
  HashLanes& operator=(const HashLanes&) = delete;

  // The raw digests of a stream.
  struct Digests {
    std::string md5;     // 16 bytes
    std::string sha256;  // 32 bytes, or empty if the stream was made without SHA-256
  };

  // The digests of one stream, fed in pieces in order. The whole 64-byte blocks of a piece are
  // hashed by the engine's thread, alongside other streams' blocks, while the caller goes on;
  // leftover bytes (at most 63) are copied and hashed with the next piece or by Finish(). At
  // most one piece is in the engine at a time: Update() first waits for the previous one. Not
  // thread-safe (one owner feeds it). The same contract as AsyncDigest.
  class Stream {
   public:
    // `sha256`: also compute the SHA-256; requires Sha256Supported().
    Stream(HashLanes& engine, bool sha256);
    // Waits for the piece in the engine, if any.
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Waits until the previous piece is hashed, then hands over `data` and returns. The bytes
    // of `data` must stay valid and unchanged until the next Update() or Finish() returns, or
    // the stream is destroyed.
    void Update(std::string_view data);

    // Waits for the last piece and returns the digests of everything passed to Update().
    // Nothing may be called afterwards except the destructor.
    Digests Finish();

   private:
    friend class HashLanes;
    // Blocks until the engine holds no blocks of this stream.
    void WaitIdle();
    // Hashes `nblocks` whole blocks at `data` on the calling thread.
    void HashHere(const unsigned char* data, size_t nblocks);

    HashLanes& engine_;
    const bool sha256_;
    // Owned by the engine while blocks_left_ > 0.
    std::array<uint32_t, 4> md5_;
    alignas(16) std::array<uint32_t, 8> sha_;  // in the SHA extensions' word order
    uint64_t length_ = 0;                      // bytes passed to Update()
    unsigned char tail_[64];                   // bytes of an incomplete block
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

#endif  // CLEANROOM_CRYPTO_HASH_LANES_H_
