#include "crypto/aead.h"

#include <string>

#include "common/encoding.h"
#include "gtest/gtest.h"

namespace cleanroom::crypto {
namespace {

const std::string kKey(32, '\x42');
const std::string kNonce(12, '\x07');

TEST(AeadTest, KnownVectorsAllZeroKeyAndNonce) {
  const std::string zero_key(32, '\0');
  const std::string zero_nonce(12, '\0');
  // NIST GCM test cases 13 and 14 (AES-256).
  absl::StatusOr<std::string> empty = AeadSeal(zero_key, zero_nonce, "", "");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(HexEncode(*empty), "530f8afbc74536b9a963b4f1c4cb738b");
  absl::StatusOr<std::string> block = AeadSeal(zero_key, zero_nonce, std::string(16, '\0'), "");
  ASSERT_TRUE(block.ok()) << block.status();
  EXPECT_EQ(HexEncode(*block), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

TEST(AeadTest, RoundTrip) {
  for (size_t len : {0, 1, 15, 16, 17, 1000}) {
    const std::string plaintext(len, 'p');
    absl::StatusOr<std::string> sealed = AeadSeal(kKey, kNonce, plaintext, "aad");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), len + kAeadTagSize);
    absl::StatusOr<std::string> opened = AeadOpen(kKey, kNonce, *sealed, "aad");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(AeadTest, IntoVariantsWorkInPlace) {
  const std::string plaintext = "in-place secret";
  std::string buf = plaintext;
  buf.resize(plaintext.size() + kAeadTagSize);
  ASSERT_TRUE(
      AeadSealInto(kKey, kNonce, std::string_view(buf.data(), plaintext.size()), "", buf.data())
          .ok());
  EXPECT_EQ(buf, *AeadSeal(kKey, kNonce, plaintext, ""));
  ASSERT_TRUE(AeadOpenInto(kKey, kNonce, buf, "", buf.data()).ok());
  EXPECT_EQ(buf.substr(0, plaintext.size()), plaintext);
}

TEST(AeadTest, TamperedCiphertextOrTagIsDataLoss) {
  const std::string sealed = *AeadSeal(kKey, kNonce, "hello world", "ctx");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    absl::StatusOr<std::string> opened = AeadOpen(kKey, kNonce, bad, "ctx");
    ASSERT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << i;
  }
}

TEST(AeadTest, FailedOpenZeroesOutput) {
  std::string sealed = *AeadSeal(kKey, kNonce, "hello world", "ctx");
  sealed.back() ^= 0x01;
  std::string out(11, 'x');
  EXPECT_EQ(AeadOpenInto(kKey, kNonce, sealed, "ctx", out.data()).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(out, std::string(11, '\0'));
}

TEST(AeadTest, WrongAadKeyOrNonceIsDataLoss) {
  const std::string sealed = *AeadSeal(kKey, kNonce, "hello", "ctx-a");
  EXPECT_EQ(AeadOpen(kKey, kNonce, sealed, "ctx-b").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, kNonce, sealed, "").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(std::string(32, '\x43'), kNonce, sealed, "ctx-a").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, std::string(12, '\x08'), sealed, "ctx-a").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(AeadTest, TruncatedSealedIsDataLoss) {
  EXPECT_EQ(AeadOpen(kKey, kNonce, std::string(15, 'x'), "").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(AeadTest, RejectsWrongKeyOrNonceSize) {
  EXPECT_EQ(AeadSeal(std::string(16, 'k'), kNonce, "x", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AeadSeal(kKey, std::string(16, 'n'), "x", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AeadOpen(kKey, std::string(8, 'n'), std::string(32, 'x'), "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cleanroom::crypto
