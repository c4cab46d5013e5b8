#include "dp/random_bits.h"

#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

// Hands out the bytes 0, 1, 2, ... and counts the calls.
class CountingRandom final : public Random {
 public:
  void Fill(void* out, size_t n) override {
    auto* p = static_cast<unsigned char*>(out);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(next_++);
    ++calls_;
    bytes_ += n;
  }
  int calls_ = 0;
  size_t bytes_ = 0;

 private:
  uint64_t next_ = 0;
};

// Bit i of the stream 0, 1, 2, ... (each byte's bits lowest first, words little-endian).
uint64_t StreamBit(uint64_t i) { return ((i / 8) % 256 >> (i % 8)) & 1; }

TEST(RandomBitsTest, HandsOutTheStreamInOrderWithoutReuse) {
  CountingRandom random;
  RandomBits bits(random);
  uint64_t position = 0;
  for (int round = 0; round < 3000; ++round) {
    const int n = round % 65;  // 0..64, crossing word and buffer boundaries
    const uint64_t got = bits.Bits(n);
    uint64_t want = 0;
    for (int j = 0; j < n; ++j) want |= StreamBit(position + j) << j;
    ASSERT_EQ(got, want) << "round " << round << " n " << n;
    position += n;
  }
  EXPECT_EQ(bits.bits_used(), position);
  EXPECT_EQ(random.bytes_, bits.bytes_read());
  EXPECT_EQ(random.bytes_ % RandomBits::kBufferBytes, 0u);
  EXPECT_EQ(random.calls_, static_cast<int>((position + 8 * RandomBits::kBufferBytes - 1) /
                                            (8 * RandomBits::kBufferBytes)));
}

TEST(RandomBitsTest, ReadsNothingUntilAsked) {
  CountingRandom random;
  RandomBits bits(random);
  EXPECT_EQ(random.calls_, 0);
  EXPECT_EQ(bits.Bits(0), 0u);
  EXPECT_EQ(random.calls_, 0);
  bits.Bit();
  EXPECT_EQ(random.calls_, 1);
  EXPECT_EQ(random.bytes_, RandomBits::kBufferBytes);
}

TEST(RandomBitsTest, WordsAreWholeWords) {
  CountingRandom random;
  RandomBits bits(random);
  uint64_t first;
  const unsigned char bytes[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  std::memcpy(&first, bytes, 8);
  EXPECT_EQ(bits.Word(), first);
}

}  // namespace
}  // namespace cleanroom::dp
