// A buffered stream of random bits for the noise samplers, read from a cleanroom::Random.
//
// The samplers consume randomness a few bits at a time (a uniform integer below m takes about
// log2(m) + 8 bits), so reading the underlying Random once per draw would cost a system call per
// few bits. RandomBits reads it in blocks of kBufferBytes and hands the bits out in order; no bit
// is handed out twice.
#ifndef CLEANROOM_DP_RANDOM_BITS_H_
#define CLEANROOM_DP_RANDOM_BITS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/random.h"

namespace cleanroom::dp {

// Not thread-safe: use one RandomBits per thread (or guard it with a lock, as NoiseSource does).
class RandomBits {
 public:
  static constexpr size_t kBufferBytes = 4096;

  // Reads `random`, which must outlive this object. Nothing is read before the first bit is
  // asked for.
  explicit RandomBits(Random& random) : random_(random) {}
  RandomBits(const RandomBits&) = delete;
  RandomBits& operator=(const RandomBits&) = delete;

  // `n` uniformly random bits, 0 <= n <= 64, in the low bits of the result (the rest are 0).
  uint64_t Bits(int n) {
    bits_used_ += n;
    if (n <= reservoir_bits_) {
      const uint64_t out = n == 64 ? reservoir_ : reservoir_ & ((uint64_t{1} << n) - 1);
      reservoir_ = n == 64 ? 0 : reservoir_ >> n;
      reservoir_bits_ -= n;
      return out;
    }
    // Too few bits left: use them all as the low bits and take the rest from the next word.
    const int low_bits = reservoir_bits_;
    const uint64_t low = reservoir_;
    const int high_bits = n - low_bits;  // 1..64
    const uint64_t word = NextWord();
    const uint64_t high = high_bits == 64 ? word : word & ((uint64_t{1} << high_bits) - 1);
    reservoir_ = high_bits == 64 ? 0 : word >> high_bits;
    reservoir_bits_ = 64 - high_bits;
    return low_bits == 0 ? high : low | (high << low_bits);
  }
  uint64_t Word() { return Bits(64); }
  bool Bit() { return Bits(1) != 0; }

  // Bits handed out so far, and bytes read from the Random so far (for tests and benchmarks).
  uint64_t bits_used() const { return bits_used_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  static constexpr size_t kWords = kBufferBytes / sizeof(uint64_t);

  uint64_t NextWord() {
    if (next_word_ == kWords) Refill();
    const uint64_t word = buffer_[next_word_];
    buffer_[next_word_] = 0;  // a bit handed out does not stay in memory
    ++next_word_;
    return word;
  }
  void Refill();

  Random& random_;
  std::array<uint64_t, kWords> buffer_{};
  size_t next_word_ = kWords;  // buffer_ is empty until the first refill
  uint64_t reservoir_ = 0;     // unused bits of the current word, lowest first
  int reservoir_bits_ = 0;
  uint64_t bits_used_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_RANDOM_BITS_H_
