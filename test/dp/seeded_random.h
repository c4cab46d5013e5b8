// A deterministic, seeded Random for tests of the noise samplers: xoshiro256** seeded through
// splitmix64. Fast and reproducible; not cryptographically secure, so never used outside tests.
#ifndef CLEANROOM_TEST_DP_SEEDED_RANDOM_H_
#define CLEANROOM_TEST_DP_SEEDED_RANDOM_H_

#include <cstdint>
#include <cstring>
#include <mutex>

#include "common/random.h"

namespace cleanroom::dp {

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  void Fill(void* out, size_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
      const uint64_t word = Next();
      const size_t take = n < sizeof(word) ? n : sizeof(word);
      std::memcpy(p, &word, take);
      p += take;
      n -= take;
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  std::mutex mu_;
  uint64_t state_[4];
};

}  // namespace cleanroom::dp

#endif  // CLEANROOM_TEST_DP_SEEDED_RANDOM_H_
