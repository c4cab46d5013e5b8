#include "http/read_ahead.h"

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace cleanroom::http {
namespace {

// A source of `data` that returns pieces of random sizes, optionally failing once `fail_at`
// bytes have been returned, and counting the bytes it has returned.
class PieceReader final : public BodyReader {
 public:
  explicit PieceReader(std::string data, uint64_t fail_at = UINT64_MAX)
      : data_(std::move(data)), fail_at_(fail_at) {}

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= fail_at_) return absl::UnavailableError("disk on fire");
    size_t k = std::min({n, data_.size() - pos_, size_t{1} + rng_() % 300000});
    k = static_cast<size_t>(std::min<uint64_t>(k, fail_at_ - pos_));
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    read_ += k;
    return k;
  }
  uint64_t read() const { return read_; }

 private:
  const std::string data_;
  const uint64_t fail_at_;
  size_t pos_ = 0;
  std::atomic<uint64_t> read_{0};
  std::mt19937_64 rng_{7};
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return s;
}

// Everything Next() returns until the end or an error, and the error.
struct Drained {
  std::string data;
  absl::Status status;
  int pieces = 0;
};
Drained Drain(ReadAhead& ahead) {
  Drained out;
  for (;;) {
    absl::StatusOr<std::string_view> piece = ahead.Next();
    if (!piece.ok()) {
      out.status = piece.status();
      return out;
    }
    if (piece->empty()) return out;
    out.data.append(*piece);
    ++out.pieces;
  }
}

class ReadAheadTest : public ::testing::Test {
 protected:
  BufferPool pool_{1 << 20, 8};
};

TEST_F(ReadAheadTest, ReturnsExactlyTheDeclaredBytesInOrderInWholeBuffers) {
  const std::string data = Pattern((7 << 20) + 12345);
  PieceReader source(data + "beyond the declared length");
  ReadAhead ahead(source, data.size(), pool_);
  Drained d = Drain(ahead);
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_TRUE(d.data == data);
  // Short reads of the source are gathered into whole buffers.
  EXPECT_EQ(d.pieces, 8);
  EXPECT_EQ(source.read(), data.size());  // nothing beyond the declared length was read
  // The end is sticky.
  EXPECT_EQ(ahead.Next().value(), "");
}

TEST_F(ReadAheadTest, ReadsAheadWhileTheConsumerHoldsAPiece) {
  const std::string data = Pattern(10 << 20);
  PieceReader source(data);
  ReadAhead ahead(source, data.size(), pool_, /*slots=*/3);
  absl::StatusOr<std::string_view> first = ahead.Next();
  ASSERT_TRUE(first.ok());
  // While the first piece is held, the helper fills the other two slots, and no more.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (source.read() < (3u << 20) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(source.read(), 3u << 20);
  Drained rest = Drain(ahead);
  ASSERT_TRUE(rest.status.ok());
  EXPECT_TRUE(std::string(*first) + rest.data == data);
}

TEST_F(ReadAheadTest, SourceErrorComesAfterTheDataReadBeforeItAndSticks) {
  const std::string data = Pattern(5 << 20);
  PieceReader source(data, /*fail_at=*/(2 << 20) + 100);
  ReadAhead ahead(source, data.size(), pool_);
  Drained d = Drain(ahead);
  EXPECT_EQ(d.status.code(), absl::StatusCode::kUnavailable) << d.status;
  EXPECT_EQ(d.data, data.substr(0, (2 << 20) + 100));
  EXPECT_EQ(ahead.Next().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ReadAheadTest, SourceEndingEarlyIsDataLoss) {
  const std::string data = Pattern(3 << 20);
  PieceReader source(data);
  ReadAhead ahead(source, data.size() + 1, pool_);
  Drained d = Drain(ahead);
  EXPECT_EQ(d.status.code(), absl::StatusCode::kDataLoss) << d.status;
  EXPECT_TRUE(d.data == data);
}

TEST_F(ReadAheadTest, StoppingEarlyDoesNotWaitForTheRestOfTheBody) {
  // A consumer that gives up (the client went away) destroys the ReadAhead after one piece of
  // a body far larger than its slots: the helper must stop instead of waiting for room.
  const std::string data = Pattern(64 << 20);
  PieceReader source(data);
  {
    ReadAhead ahead(source, data.size(), pool_);
    ASSERT_TRUE(ahead.Next().ok());
  }
  EXPECT_LT(source.read(), data.size());
}

}  // namespace
}  // namespace cleanroom::http
