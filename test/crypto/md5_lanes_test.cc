#include "crypto/md5_lanes.h"

#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace cleanroom::crypto {
namespace {

class Md5LanesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Md5Lanes::Supported()) GTEST_SKIP() << "this CPU has no AVX2";
    engine_ = std::make_unique<Md5Lanes>();
  }

  // The MD5 of `message` fed to a stream of the engine in pieces of the given sizes (the last
  // piece takes whatever is left).
  std::string Hash(std::string_view message, const std::vector<size_t>& pieces = {}) {
    Md5Lanes::Stream stream(*engine_);
    for (size_t size : pieces) {
      const size_t n = std::min(size, message.size());
      stream.Update(message.substr(0, n));
      message.remove_prefix(n);
    }
    stream.Update(message);
    return stream.Finish();
  }

  std::unique_ptr<Md5Lanes> engine_;
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(Md5LanesTest, Rfc1321TestSuite) {
  EXPECT_EQ(HexEncode(Hash("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Hash("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(HexEncode(Hash("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(Hash("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(HexEncode(Hash("abcdefghijklmnopqrstuvwxyz")), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(HexEncode(Hash("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(HexEncode(Hash("1234567890123456789012345678901234567890123456789012345678901234567890"
                           "1234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_F(Md5LanesTest, EveryLengthAroundTheBlockAndPaddingEdgesMatchesOpenSsl) {
  // 55, 56 and 64 bytes are where the padding needs one or two blocks.
  std::mt19937_64 rng(1);
  const std::string data = RandomBytes(rng, 1200);
  for (size_t n = 0; n <= data.size(); ++n) {
    const std::string_view message(data.data(), n);
    ASSERT_EQ(Hash(message), Md5(message)) << n << " bytes";
  }
}

TEST_F(Md5LanesTest, AnySplitIntoPiecesGivesTheSameDigest) {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 300; ++round) {
    const std::string message = RandomBytes(rng, rng() % 70000);
    std::vector<size_t> pieces;
    for (int i = static_cast<int>(rng() % 6); i > 0; --i) {
      // Small and unaligned pieces (hashed on the caller's thread or through the tail) and
      // large ones (hashed by the engine, over several of its batches).
      pieces.push_back(rng() % 2 ? rng() % 130 : rng() % 40000);
    }
    ASSERT_EQ(Hash(message, pieces), Md5(message)) << "round " << round;
  }
}

TEST_F(Md5LanesTest, ConcurrentStreamsOfDifferentLengthsDoNotMix) {
  // More streams than lanes, with lengths that end in different batches, so that lanes are
  // refilled while others run. Each thread checks its own digests against OpenSSL's.
  constexpr int kThreads = 2 * Md5Lanes::kLanes + 3;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &mismatches] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 12; ++i) {
        const std::string message = RandomBytes(rng, 1000 + rng() % 300000);
        // Two alternating buffers, as S3 bodies are fed: each piece is left unchanged until
        // the next Update() has returned.
        Md5Lanes::Stream stream(*engine_);
        std::string buffers[2];
        size_t offset = 0;
        for (int k = 0; offset < message.size(); k = 1 - k) {
          const size_t n = std::min<size_t>(1 + rng() % 65536, message.size() - offset);
          buffers[k].assign(message, offset, n);
          stream.Update(buffers[k]);
          offset += n;
        }
        if (stream.Finish() != Md5(message)) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_F(Md5LanesTest, DestroyingAStreamWaitsForItsPiece) {
  // The piece's buffer is freed right after the stream; under ASan a worker still reading it
  // would be a use after free.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    auto buffer = std::make_unique<std::string>(RandomBytes(rng, 256 * 1024));
    {
      Md5Lanes::Stream stream(*engine_);
      stream.Update(*buffer);
    }
    buffer.reset();
  }
}

TEST(Md5LanesSharedTest, SharedEngineExistsExactlyWhenSupported) {
  Md5Lanes* shared = Md5Lanes::Shared();
  EXPECT_EQ(shared != nullptr, Md5Lanes::Supported());
  EXPECT_EQ(Md5Lanes::Shared(), shared);
  if (shared != nullptr) {
    Md5Lanes::Stream stream(*shared);
    stream.Update(std::string(100000, 'x'));
    EXPECT_EQ(stream.Finish(), Md5(std::string(100000, 'x')));
  }
}

}  // namespace
}  // namespace cleanroom::crypto
