#include "crypto/async_digest.h"

#include <string>
#include <vector>

#include "common/encoding.h"
#include "gtest/gtest.h"

namespace cleanroom::crypto {
namespace {

TEST(AsyncDigestTest, EmptyInputGivesTheDigestOfNothing) {
  AsyncDigest digest(Digest::Algorithm::kMd5);
  EXPECT_EQ(HexEncode(digest.Finish()), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(AsyncDigestTest, PiecesAreHashedInOrder) {
  AsyncDigest digest(Digest::Algorithm::kSha256);
  digest.Update("a");
  digest.Update("");
  digest.Update("bc");
  EXPECT_EQ(HexEncode(digest.Finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AsyncDigestTest, MatchesTheSynchronousDigestWithAlternatingBuffers) {
  // The way a streaming caller uses it: two buffers, each refilled only after the next
  // Update() returned.
  std::string all;
  std::vector<std::string> buffers(2, std::string(1 << 20, '\0'));
  AsyncDigest digest(Digest::Algorithm::kMd5);
  for (int i = 0; i < 9; ++i) {
    std::string& buf = buffers[i % 2];
    const size_t size = buf.size() - static_cast<size_t>(i) * 1000;
    for (size_t j = 0; j < size; ++j)
      buf[j] = static_cast<char>((j * 7 + static_cast<size_t>(i)) & 0xff);
    all.append(buf.data(), size);
    digest.Update(std::string_view(buf.data(), size));
  }
  EXPECT_EQ(digest.Finish(), Md5(all));
}

TEST(AsyncDigestTest, DestroyingWithAPendingPieceWaitsForIt) {
  std::string data(4 << 20, 'x');
  {
    AsyncDigest digest(Digest::Algorithm::kSha1);
    digest.Update(data);
  }  // must not crash or leave the helper running on freed memory
  SUCCEED();
}

}  // namespace
}  // namespace cleanroom::crypto
