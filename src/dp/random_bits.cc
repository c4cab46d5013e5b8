#include "dp/random_bits.h"

namespace cleanroom::dp {

void RandomBits::Refill() {
  random_.Fill(buffer_.data(), kBufferBytes);
  bytes_read_ += kBufferBytes;
  next_word_ = 0;
}

}  // namespace cleanroom::dp
