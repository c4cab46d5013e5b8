#include "crypto/hash_lanes.h"

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

class HashLanesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HashLanes::Supported()) GTEST_SKIP() << "this CPU has no AVX2";
    engine_ = std::make_unique<HashLanes>();
  }

  // The digests of `message` fed to a stream of the engine in pieces of the given sizes (the
  // last piece takes whatever is left), with SHA-256 where the CPU allows.
  HashLanes::Digests Digests(std::string_view message, const std::vector<size_t>& pieces = {},
                             bool sha256 = HashLanes::Sha256Supported()) {
    HashLanes::Stream stream(*engine_, sha256);
    for (size_t size : pieces) {
      const size_t n = std::min(size, message.size());
      stream.Update(message.substr(0, n));
      message.remove_prefix(n);
    }
    stream.Update(message);
    return stream.Finish();
  }
  std::string Hash(std::string_view message, const std::vector<size_t>& pieces = {}) {
    return Digests(message, pieces).md5;
  }
  // Expects the digests of `message` split into `pieces` to be OpenSSL's, with and without
  // SHA-256 (where supported).
  void ExpectMatchesOpenSsl(std::string_view message, const std::vector<size_t>& pieces,
                            const std::string& what) {
    const HashLanes::Digests without = Digests(message, pieces, false);
    EXPECT_EQ(without.md5, Md5(message)) << what;
    EXPECT_EQ(without.sha256, "") << what;
    if (!HashLanes::Sha256Supported()) return;
    const HashLanes::Digests with = Digests(message, pieces, true);
    EXPECT_EQ(with.md5, Md5(message)) << what;
    EXPECT_EQ(with.sha256, Sha256(message)) << what;
  }

  std::unique_ptr<HashLanes> engine_;
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(HashLanesTest, Rfc1321TestSuite) {
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

TEST_F(HashLanesTest, Fips180Sha256Vectors) {
  if (!HashLanes::Sha256Supported()) GTEST_SKIP() << "this CPU has no SHA extensions";
  EXPECT_EQ(HexEncode(Digests("").sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Digests("abc").sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Digests("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").sha256),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexEncode(Digests(std::string(1000000, 'a'), {4096, 1, 300000}).sha256),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(HashLanesTest, EveryLengthAroundTheBlockAndPaddingEdgesMatchesOpenSsl) {
  // 55, 56 and 64 bytes are where the padding needs one or two blocks.
  std::mt19937_64 rng(1);
  const std::string data = RandomBytes(rng, 1200);
  for (size_t n = 0; n <= data.size(); ++n) {
    ExpectMatchesOpenSsl(std::string_view(data.data(), n), {}, std::to_string(n) + " bytes");
    if (HasFailure()) return;
  }
}

TEST_F(HashLanesTest, AnySplitIntoPiecesGivesTheSameDigest) {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 300; ++round) {
    const std::string message = RandomBytes(rng, rng() % 70000);
    std::vector<size_t> pieces;
    for (int i = static_cast<int>(rng() % 6); i > 0; --i) {
      // Small and unaligned pieces (hashed on the caller's thread or through the tail) and
      // large ones (hashed by the engine, over several of its batches).
      pieces.push_back(rng() % 2 ? rng() % 130 : rng() % 40000);
    }
    ExpectMatchesOpenSsl(message, pieces, "round " + std::to_string(round));
    if (HasFailure()) return;
  }
}

TEST_F(HashLanesTest, ConcurrentStreamsOfDifferentLengthsDoNotMix) {
  // More streams than lanes, with lengths that end in different batches, so that lanes are
  // refilled while others run. Each thread checks its own digests against OpenSSL's.
  constexpr int kThreads = 2 * HashLanes::kLanes + 3;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &mismatches] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 12; ++i) {
        const std::string message = RandomBytes(rng, 1000 + rng() % 300000);
        // Two alternating buffers, as S3 bodies are fed: each piece is left unchanged until
        // the next Update() has returned.
        // Every other stream also computes the SHA-256, so lanes mix both kinds.
        const bool sha256 = HashLanes::Sha256Supported() && (t + i) % 2 == 0;
        HashLanes::Stream stream(*engine_, sha256);
        std::string buffers[2];
        size_t offset = 0;
        for (int k = 0; offset < message.size(); k = 1 - k) {
          const size_t n = std::min<size_t>(1 + rng() % 65536, message.size() - offset);
          buffers[k].assign(message, offset, n);
          stream.Update(buffers[k]);
          offset += n;
        }
        const HashLanes::Digests digests = stream.Finish();
        if (digests.md5 != Md5(message)) ++mismatches[t];
        if (digests.sha256 != (sha256 ? Sha256(message) : std::string())) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_F(HashLanesTest, DestroyingAStreamWaitsForItsPiece) {
  // The piece's buffer is freed right after the stream; under ASan a worker still reading it
  // would be a use after free.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    auto buffer = std::make_unique<std::string>(RandomBytes(rng, 256 * 1024));
    {
      HashLanes::Stream stream(*engine_, HashLanes::Sha256Supported());
      stream.Update(*buffer);
    }
    buffer.reset();
  }
}

TEST(HashLanesSharedTest, SharedEngineExistsExactlyWhenSupported) {
  HashLanes* shared = HashLanes::Shared();
  EXPECT_EQ(shared != nullptr, HashLanes::Supported());
  EXPECT_EQ(HashLanes::Shared(), shared);
  if (shared != nullptr) {
    const std::string message(100000, 'x');  // must outlive the piece in the engine
    HashLanes::Stream stream(*shared, false);
    stream.Update(message);
    EXPECT_EQ(stream.Finish().md5, Md5(message));
  }
}

}  // namespace
}  // namespace cleanroom::crypto
