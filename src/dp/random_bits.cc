#include "dp/random_bits.h"

namespace cleanroom::dp {

uint64_t RandomBits::NextWord() {
  if (next_word_ == kWords) {
    random_.Fill(buffer_.data(), kBufferBytes);
    bytes_read_ += kBufferBytes;
    next_word_ = 0;
  }
  const uint64_t word = buffer_[next_word_];
  buffer_[next_word_] = 0;  // a bit handed out does not stay in memory
  ++next_word_;
  return word;
}

uint64_t RandomBits::BitsSlow(int n) {
  // The reservoir holds fewer than n bits: use them all as the low bits and take the rest from
  // the next word.
  const int low_bits = reservoir_bits_;
  const uint64_t low = reservoir_;
  const int high_bits = n - low_bits;  // 1..64
  const uint64_t word = NextWord();
  const uint64_t high = high_bits == 64 ? word : word & ((uint64_t{1} << high_bits) - 1);
  reservoir_ = high_bits == 64 ? 0 : word >> high_bits;
  reservoir_bits_ = 64 - high_bits;
  return low_bits == 0 ? high : low | (high << low_bits);
}

}  // namespace cleanroom::dp
