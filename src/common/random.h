// Randomness from the operating system's CSPRNG (getrandom(2)), behind a seam for tests.
#ifndef CLEANROOM_COMMON_RANDOM_H_
#define CLEANROOM_COMMON_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace cleanroom {

// Source of cryptographically secure random bytes. Implementations are thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Fills `out[0, n)` with random bytes. Never fails (aborts if the OS source is broken).
  virtual void Fill(void* out, size_t n) = 0;

  std::string Bytes(size_t n);
  uint64_t Uint64();
  // Uniform in [0, bound) without modulo bias; `bound` > 0.
  uint64_t Uniform(uint64_t bound);
};

// The process-wide OS CSPRNG (getrandom with no flags: blocks only until the pool is seeded).
Random& SystemRandom();

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_RANDOM_H_
