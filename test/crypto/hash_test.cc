#include "crypto/hash.h"

#include <string>

#include "common/encoding.h"
#include "gtest/gtest.h"

namespace cleanroom::crypto {
namespace {

std::string DigestHex(Digest::Algorithm algorithm, std::string_view data) {
  Digest digest(algorithm);
  digest.Update(data);
  return HexEncode(digest.Finish());
}

TEST(HashTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abc")), Sha256Hex("abc"));
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(HashTest, Md5AndSha1KnownVectors) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(DigestTest, IncrementalMatchesOneShot) {
  Digest digest(Digest::Algorithm::kSha256);
  digest.Update("a");
  digest.Update("");
  digest.Update("bc");
  EXPECT_EQ(HexEncode(digest.Finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(DigestHex(Digest::Algorithm::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(DigestHex(Digest::Algorithm::kSha1, ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(DigestHex(Digest::Algorithm::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256Test, Rfc4231TestCases) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Crc32Test, KnownValues) {
  Crc32 empty;
  EXPECT_EQ(empty.value(), 0u);
  Crc32 check;
  check.Update("123456789");
  EXPECT_EQ(check.value(), 0xCBF43926u);
  Crc32 vm;
  vm.Update("vm\n");
  EXPECT_EQ(ChecksumHeaderValue(vm.value()), "n7sxBA==");
}

TEST(Crc32Test, IncrementalMatchesOneShot) {
  Crc32 parts;
  parts.Update("1234");
  parts.Update("");
  parts.Update("56789");
  EXPECT_EQ(parts.value(), 0xCBF43926u);
}

TEST(Crc32cTest, KnownValues) {
  Crc32c empty;
  EXPECT_EQ(empty.value(), 0u);
  Crc32c check;
  check.Update("123456789");
  EXPECT_EQ(check.value(), 0xE3069283u);
  EXPECT_EQ(Crc32cPortableForTest(0, "123456789"), 0xE3069283u);
  // RFC 3720 B.4: 32 bytes of zeros.
  Crc32c zeros;
  zeros.Update(std::string(32, '\0'));
  EXPECT_EQ(zeros.value(), 0x8A9136AAu);
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnAllLengthsAndAlignments) {
  std::string data(4096 + 64, '\0');
  uint32_t x = 12345;
  for (char& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t len : {0, 1, 7, 8, 9, 31, 32, 33, 100, 1000, 4096}) {
      std::string_view slice(data.data() + offset, len);
      Crc32c crc;
      crc.Update(slice);
      ASSERT_EQ(crc.value(), Crc32cPortableForTest(0, slice)) << offset << " " << len;
      // Split updates continue the same CRC.
      Crc32c split;
      split.Update(slice.substr(0, len / 3));
      split.Update(slice.substr(len / 3));
      ASSERT_EQ(split.value(), crc.value()) << offset << " " << len;
    }
  }
}

TEST(ChecksumHeaderValueTest, IsBase64OfBigEndianBytes) {
  EXPECT_EQ(ChecksumHeaderValue(0), "AAAAAA==");
  EXPECT_EQ(ChecksumHeaderValue(0x01020304u), "AQIDBA==");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace cleanroom::crypto
