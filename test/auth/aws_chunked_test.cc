#include "auth/aws_chunked.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace cleanroom::auth {
namespace {

constexpr std::string_view kExample = "3\r\nvm\n\r\n0\r\nx-amz-checksum-crc32:n7sxBA==\r\n\r\n";

// Hands out at most `step` bytes per Read.
class SteppingReader final : public http::BodyReader {
 public:
  SteppingReader(std::string data, size_t step) : inner_(std::move(data)), step_(step) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    return inner_.Read(buf, std::min(n, step_));
  }

 private:
  http::StringReader inner_;
  size_t step_;
};

struct Decoded {
  absl::Status status;
  std::string data;
  std::string checksum;
};

// Decodes `payload`, with `inner_step` bytes per inner read and `outer_step` per outer read.
Decoded Decode(std::string payload, std::optional<uint64_t> decoded_length,
               std::string_view trailer, size_t inner_step = 1 << 20, size_t outer_step = 1 << 20,
               std::optional<ChunkSigning> signing = std::nullopt) {
  SteppingReader inner(std::move(payload), inner_step);
  AwsChunkedReader reader(&inner, decoded_length, trailer, std::move(signing));
  Decoded out;
  std::string buf(outer_step, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = reader.Read(buf.data(), buf.size());
    if (!n.ok()) {
      out.status = n.status();
      // Errors are sticky.
      EXPECT_EQ(reader.Read(buf.data(), buf.size()).status(), n.status());
      EXPECT_FALSE(reader.done());
      return out;
    }
    if (*n == 0) break;
    out.data.append(buf.data(), *n);
  }
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.decoded_bytes(), out.data.size());
  out.checksum = reader.checksum();
  // Reading past the end keeps returning 0.
  EXPECT_EQ(*reader.Read(buf.data(), buf.size()), 0u);
  return out;
}

std::string AwsCode(const absl::Status& status) { return GetAwsCode(status).value_or(""); }

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx", data.size());
  return std::string(size) + "\r\n" + std::string(data) + "\r\n";
}

TEST(AwsChunkedReaderTest, DecodesTheDocumentedExample) {
  Decoded d = Decode(std::string(kExample), 3, "x-amz-checksum-crc32");
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, "vm\n");
  EXPECT_EQ(d.checksum, "n7sxBA==");
}

TEST(AwsChunkedReaderTest, DecodesOneByteAtATime) {
  for (auto [inner_step, outer_step] : {std::pair<size_t, size_t>{1, 1}, {1, 4096}, {4096, 1}}) {
    Decoded d = Decode(std::string(kExample), 3, "X-Amz-Checksum-CRC32", inner_step, outer_step);
    ASSERT_TRUE(d.status.ok()) << d.status << " " << inner_step << "/" << outer_step;
    EXPECT_EQ(d.data, "vm\n");
    EXPECT_EQ(d.checksum, "n7sxBA==");
  }
}

TEST(AwsChunkedReaderTest, DecodesManyChunksAtAnyGranularity) {
  std::string data;
  for (int i = 0; i < 70000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  crypto::Crc32c crc;
  crc.Update(data);
  const std::string payload =
      Chunk(std::string_view(data).substr(0, 65536)) +
      Chunk(std::string_view(data).substr(65536, 1)) + Chunk(std::string_view(data).substr(65537)) +
      "0\r\n" + "x-amz-checksum-crc32c:" + crypto::ChecksumHeaderValue(crc.value()) + "\r\n\r\n";
  for (auto [inner_step, outer_step] :
       {std::pair<size_t, size_t>{1, 1}, {7, 3}, {3, 7}, {1 << 20, 100000}, {65536, 8192}}) {
    Decoded d = Decode(payload, data.size(), "x-amz-checksum-crc32c", inner_step, outer_step);
    ASSERT_TRUE(d.status.ok()) << d.status << " " << inner_step << "/" << outer_step;
    ASSERT_EQ(d.data, data);
    EXPECT_EQ(d.checksum, crypto::ChecksumHeaderValue(crc.value()));
  }
}

TEST(AwsChunkedReaderTest, StreamsLargeChunksWithBigReads) {
  const std::string data(3 << 20, 'z');
  crypto::Crc32 crc;
  crc.Update(data);
  std::string payload;
  for (size_t off = 0; off < data.size(); off += 1 << 20) {
    payload += Chunk(std::string_view(data).substr(off, 1 << 20));
  }
  payload += "0\r\nx-amz-checksum-crc32:" + crypto::ChecksumHeaderValue(crc.value()) + "\r\n\r\n";
  Decoded d = Decode(payload, std::nullopt, "x-amz-checksum-crc32", 1 << 20, 1 << 20);
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data.size(), data.size());
  EXPECT_EQ(d.data, data);
}

TEST(AwsChunkedReaderTest, Sha256AndSha1Trailers) {
  const std::string sha256 = Base64Encode(crypto::Sha256("vm\n"));
  Decoded d = Decode("3\r\nvm\n\r\n0\r\nx-amz-checksum-sha256:" + sha256 + "\r\n\r\n", 3,
                     "x-amz-checksum-sha256");
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.checksum, sha256);
  const std::string sha1 = Base64Encode(crypto::Sha1("vm\n"));
  d = Decode("3\r\nvm\n\r\n0\r\nx-amz-checksum-sha1:" + sha1 + "\r\n\r\n", 3,
             "x-amz-checksum-sha1");
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.checksum, sha1);
}

TEST(AwsChunkedReaderTest, NoTrailerAnnounced) {
  Decoded d = Decode("5\r\nhello\r\n0\r\n\r\n", 5, "");
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, "hello");
  EXPECT_EQ(d.checksum, "");
  d = Decode("0\r\n\r\n", 0, "");
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, "");
}

TEST(AwsChunkedReaderTest, WrongCrcIsBadDigest) {
  Decoded d =
      Decode("3\r\nvm\n\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", 3, "x-amz-checksum-crc32");
  EXPECT_EQ(d.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AwsCode(d.status), "BadDigest");
  EXPECT_EQ(d.status.message(), "The CRC32 you specified did not match the calculated checksum.");
  EXPECT_EQ(GetAwsHttpStatus(d.status), 400);
  // Altered data with the original trailer.
  d = Decode("3\r\nvn\n\r\n0\r\nx-amz-checksum-crc32:n7sxBA==\r\n\r\n", 3, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "BadDigest");
}

TEST(AwsChunkedReaderTest, MissingOrUnsupportedTrailer) {
  Decoded d = Decode("3\r\nvm\n\r\n0\r\n\r\n", 3, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "InvalidRequest");
  d = Decode("3\r\nvm\n\r\n0\r\nx-amz-checksum-crc32c:AAAAAA==\r\n\r\n", 3, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "InvalidRequest");
  d = Decode(std::string(kExample), 3, "x-amz-checksum-md5");
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsCode(d.status), "InvalidRequest");
}

TEST(AwsChunkedReaderTest, EveryTruncationIsRejected) {
  for (size_t len = 0; len < kExample.size(); ++len) {
    Decoded d = Decode(std::string(kExample.substr(0, len)), 3, "x-amz-checksum-crc32");
    EXPECT_FALSE(d.status.ok()) << "prefix of " << len << " bytes accepted";
    EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument) << len;
  }
  Decoded d = Decode("5\r\nhel", std::nullopt, "");
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
}

TEST(AwsChunkedReaderTest, DecodedLengthMustMatch) {
  Decoded d = Decode(std::string(kExample), 4, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  d = Decode(std::string(kExample), 2, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
}

TEST(AwsChunkedReaderTest, HugeChunkSizeIsRejected) {
  for (std::string header : {"1000001", "FFFFFFFF", "FFFFFFFFFFFFFFFFFFFFFFFF",
                             "00000000000000000000000000000000001000001"}) {
    Decoded d = Decode(header + "\r\nxyz", std::nullopt, "");
    EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument) << header;
    EXPECT_EQ(AwsCode(d.status), "InvalidRequest") << header;
  }
  // The limit itself is accepted (then the body is merely truncated).
  Decoded d = Decode("1000000\r\nxyz", std::nullopt, "");
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
}

TEST(AwsChunkedReaderTest, OverlongLinesAreRejected) {
  Decoded d = Decode("3;" + std::string(100000, 'x') + "\r\nvm\n\r\n0\r\n\r\n", std::nullopt, "");
  EXPECT_EQ(AwsCode(d.status), "InvalidRequest");
  d = Decode("3\r\nvm\n\r\n0\r\nx-amz-checksum-crc32:" + std::string(100000, 'x') + "\r\n\r\n",
             std::nullopt, "x-amz-checksum-crc32");
  EXPECT_EQ(AwsCode(d.status), "MalformedTrailerError");
  std::string many = "0\r\n";
  for (int i = 0; i < 100; ++i) many += "x-a:b\r\n";
  d = Decode(many + "\r\n", std::nullopt, "");
  EXPECT_EQ(AwsCode(d.status), "MalformedTrailerError");
}

TEST(AwsChunkedReaderTest, MalformedFramingIsRejected) {
  const std::vector<std::string> bad = {
      "3\r\nvm\nXY0\r\n\r\n",               // data not followed by CRLF
      "3\nvm\n\r\n0\r\n\r\n",               // bare LF after the size
      "\r\nvm\n\r\n0\r\n\r\n",              // empty size
      "3x\r\nvm\n\r\n0\r\n\r\n",            // non-hex size
      "-3\r\nvm\n\r\n0\r\n\r\n",            // sign
      "3\r\nvm\n\r\n0\r\n\r\nzz",           // data after the end
      "3\r\nvm\n\r\n0\r\nnocolon\r\n\r\n",  // malformed trailer
  };
  for (const std::string& payload : bad) {
    Decoded d = Decode(payload, std::nullopt, "");
    EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument) << payload;
  }
}

TEST(AwsChunkedReaderTest, InnerErrorsPassThrough) {
  class FailingReader final : public http::BodyReader {
   public:
    absl::StatusOr<size_t> Read(char*, size_t) override {
      return absl::DeadlineExceededError("slow");
    }
  } inner;
  AwsChunkedReader reader(&inner, std::nullopt, "");
  char buf[16];
  EXPECT_EQ(reader.Read(buf, sizeof(buf)).status().code(), absl::StatusCode::kDeadlineExceeded);
}

// ---- Signed chunks ----

// The chunked-upload example of the Amazon S3 API reference ("Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks"): 65536 + 1024 bytes of 'a'.
ChunkSigning AwsExampleSigning() {
  return ChunkSigning{
      .signing_key =
          SigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3"),
      .scope = "20130524/us-east-1/s3/aws4_request",
      .amz_date = "20130524T000000Z",
      .seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
  };
}

std::string AwsExamplePayload() {
  return "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
         "\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature="
         "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
         "\r\n\r\n";
}

TEST(AwsChunkedSignedTest, ChunkSignaturesMatchThePublishedExample) {
  const ChunkSigning signing = AwsExampleSigning();
  const std::string first =
      ChunkSignature(signing, signing.seed_signature, crypto::Sha256Hex(std::string(65536, 'a')));
  EXPECT_EQ(first, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  const std::string second =
      ChunkSignature(signing, first, crypto::Sha256Hex(std::string(1024, 'a')));
  EXPECT_EQ(second, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  EXPECT_EQ(ChunkSignature(signing, second, crypto::Sha256Hex("")),
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

TEST(AwsChunkedSignedTest, DecodesAndVerifiesThePublishedExample) {
  for (size_t step : {size_t{1} << 20, size_t{1}, size_t{1000}}) {
    Decoded d = Decode(AwsExamplePayload(), 66560, "", step, step, AwsExampleSigning());
    ASSERT_TRUE(d.status.ok()) << d.status;
    EXPECT_EQ(d.data, std::string(66560, 'a'));
  }
}

TEST(AwsChunkedSignedTest, TamperedChunkIsRejected) {
  std::string payload = AwsExamplePayload();
  payload[payload.find("\r\n") + 2 + 100] = 'b';
  Decoded d = Decode(payload, 66560, "", 1 << 20, 1 << 20, AwsExampleSigning());
  EXPECT_EQ(d.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AwsCode(d.status), "SignatureDoesNotMatch");
  EXPECT_EQ(GetAwsHttpStatus(d.status), 403);
}

TEST(AwsChunkedSignedTest, WrongSeedOrMissingSignatureIsRejected) {
  ChunkSigning signing = AwsExampleSigning();
  signing.seed_signature[0] = '5';
  EXPECT_EQ(AwsCode(Decode(AwsExamplePayload(), 66560, "", 1 << 20, 1 << 20, signing).status),
            "SignatureDoesNotMatch");
  // Unsigned chunks where signatures are required.
  const std::string unsigned_payload = Chunk("vm\n") + "0\r\n\r\n";
  EXPECT_EQ(AwsCode(Decode(unsigned_payload, 3, "", 1 << 20, 1 << 20, AwsExampleSigning()).status),
            "InvalidRequest");
}

TEST(AwsChunkedSignedTest, SignedTrailerIsVerified) {
  const ChunkSigning signing = AwsExampleSigning();
  const std::string data = "hello world";
  crypto::Crc32 crc;
  crc.Update(data);
  const std::string trailer = "x-amz-checksum-crc32:" + crypto::ChecksumHeaderValue(crc.value());
  const std::string sig1 = ChunkSignature(signing, signing.seed_signature, crypto::Sha256Hex(data));
  const std::string sig0 = ChunkSignature(signing, sig1, crypto::Sha256Hex(""));
  const std::string trailer_sig = TrailerSignature(signing, sig0, trailer + "\n");
  auto payload = [&](std::string_view tsig) {
    return "b;chunk-signature=" + sig1 + "\r\n" + data + "\r\n0;chunk-signature=" + sig0 + "\r\n" +
           trailer + "\r\nx-amz-trailer-signature:" + std::string(tsig) + "\r\n\r\n";
  };
  Decoded d =
      Decode(payload(trailer_sig), data.size(), "x-amz-checksum-crc32", 1 << 20, 1 << 20, signing);
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, data);
  std::string bad_sig = trailer_sig;
  bad_sig[0] = bad_sig[0] == '0' ? '1' : '0';
  d = Decode(payload(bad_sig), data.size(), "x-amz-checksum-crc32", 1 << 20, 1 << 20, signing);
  EXPECT_EQ(AwsCode(d.status), "SignatureDoesNotMatch");
}

TEST(AwsChunkedSignedTest, MakeChunkSigningUsesTheRequestClaims) {
  SigV4Auth auth;
  auth.scope = {"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"};
  auth.amz_date = "20130524T000000Z";
  auth.signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  const ChunkSigning signing = MakeChunkSigning(auth, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  const ChunkSigning expected = AwsExampleSigning();
  EXPECT_EQ(signing.signing_key, expected.signing_key);
  EXPECT_EQ(signing.scope, expected.scope);
  EXPECT_EQ(signing.amz_date, expected.amz_date);
  EXPECT_EQ(signing.seed_signature, expected.seed_signature);
}

}  // namespace
}  // namespace cleanroom::auth
