#include "s3/body_verifier.h"

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/hash_lanes.h"
#include "gtest/gtest.h"

namespace cleanroom::s3 {
namespace {

constexpr char kBody[] = "hello world";
// Digests of kBody.
constexpr char kBodySha256Hex[] =
    "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
constexpr char kBodyMd5Base64[] = "XrY7u+Ae7tCTyyK7j1rNww==";
constexpr char kBodyCrc32Base64[] = "DUoRhQ==";
constexpr char kBodySha1Base64[] = "Kq5sNclPz7QV2+lfQIuc6R7oRu0=";
constexpr char kBodySha256Base64[] = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";

struct Drained {
  std::string data;
  absl::Status status;  // OK if the stream ended cleanly
};

// Reads `reader` to its end (or first error) in pieces of `piece` bytes.
Drained Drain(http::BodyReader& reader, size_t piece = 4) {
  Drained out;
  std::vector<char> buf(piece);
  for (;;) {
    absl::StatusOr<size_t> n = reader.Read(buf.data(), buf.size());
    if (!n.ok()) {
      out.status = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.data.append(buf.data(), *n);
  }
}

class BodyVerifierTest : public ::testing::Test {
 protected:
  // Builds a verifier for a request carrying `body`, signed with `payload_hash`, declaring
  // `content_length` and the extra `headers`.
  absl::StatusOr<std::unique_ptr<BodyVerifier>> Make(
      std::string body, std::string payload_hash, std::optional<uint64_t> content_length,
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    reader_ = std::make_unique<http::StringReader>(std::move(body));
    req_.method = "PUT";
    req_.path = "/bucket/key";
    req_.body = reader_.get();
    req_.content_length = content_length;
    for (const auto& [name, value] : headers) req_.headers.Add(name, value);
    ctx_ = std::make_unique<protocol::CallContext>(protocol::CallContext{
        req_, "rid", "us-east-1", {}, "", std::move(payload_hash), std::nullopt, ""});
    return BodyVerifier::Create(*ctx_, options_);
  }

  BodyVerifier::Options options_;

  std::unique_ptr<http::StringReader> reader_;
  http::Request req_;
  std::unique_ptr<protocol::CallContext> ctx_;
};

std::string AwsCode(const absl::Status& st) { return GetAwsCode(st).value_or("<none>"); }

TEST_F(BodyVerifierTest, MatchingContentSha256Passes) {
  auto v = Make(kBody, kBodySha256Hex, 11);
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, kBody);
  EXPECT_EQ((*v)->bytes(), 11u);
}

TEST_F(BodyVerifierTest, UpperCaseContentSha256Passes) {
  std::string upper = kBodySha256Hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto v = Make(kBody, upper, 11);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(Drain(**v).status.ok());
}

TEST_F(BodyVerifierTest, ContentSha256MismatchFailsAtTheEndOfTheStream) {
  auto v = Make("hello worle", kBodySha256Hex, 11);
  ASSERT_TRUE(v.ok()) << v.status();
  // Every byte is handed out before the mismatch is known...
  Drained d = Drain(**v);
  EXPECT_EQ(d.data, "hello worle");
  // ...and the end of the stream is an error instead of a clean 0.
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsCode(d.status), "XAmzContentSHA256Mismatch");
  // The error sticks.
  char c;
  EXPECT_FALSE((*v)->Read(&c, 1).ok());
}

TEST_F(BodyVerifierTest, UnsignedPayloadSkipsTheHashCheck) {
  auto v = Make("anything at all", "UNSIGNED-PAYLOAD", 15);
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_TRUE(d.status.ok()) << d.status;
  EXPECT_EQ(d.data, "anything at all");
}

TEST_F(BodyVerifierTest, MatchingContentMd5Passes) {
  auto v = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"Content-MD5", kBodyMd5Base64}});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(Drain(**v).status.ok());
}

TEST_F(BodyVerifierTest, ContentMd5MismatchIsBadDigest) {
  auto v = Make("hello worle", "UNSIGNED-PAYLOAD", 11, {{"Content-MD5", kBodyMd5Base64}});
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_EQ(d.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AwsCode(d.status), "BadDigest");
}

TEST_F(BodyVerifierTest, MalformedContentMd5IsInvalidDigest) {
  auto bad_base64 = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"Content-MD5", "not base64!"}});
  EXPECT_EQ(AwsCode(bad_base64.status()), "InvalidDigest");
  auto wrong_size = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"Content-MD5", "aGVsbG8="}});
  EXPECT_EQ(AwsCode(wrong_size.status()), "InvalidDigest");
}

TEST_F(BodyVerifierTest, Crc32ChecksumIsVerifiedAndReported) {
  auto v = Make(kBody, kBodySha256Hex, 11, {{"x-amz-checksum-crc32", kBodyCrc32Base64}});
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  ASSERT_TRUE(d.status.ok()) << d.status;
  ASSERT_EQ((*v)->checksums().size(), 1u);
  EXPECT_EQ((*v)->checksums().at("CRC32"), kBodyCrc32Base64);
}

TEST_F(BodyVerifierTest, Crc32ChecksumMismatchIsBadDigest) {
  auto v = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"x-amz-checksum-crc32", "y/Q5Jg=="}});
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_EQ(d.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(AwsCode(d.status), "BadDigest");
  EXPECT_TRUE((*v)->checksums().empty());
}

TEST_F(BodyVerifierTest, Sha1AndSha256ChecksumsAreVerified) {
  {
    auto v = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"x-amz-checksum-sha1", kBodySha1Base64}});
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(Drain(**v).status.ok());
    EXPECT_EQ((*v)->checksums().at("SHA1"), kBodySha1Base64);
  }
  req_ = http::Request();
  {
    auto v = Make(kBody, "UNSIGNED-PAYLOAD", 11, {{"x-amz-checksum-sha256", kBodySha256Base64}});
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(Drain(**v).status.ok());
    EXPECT_EQ((*v)->checksums().at("SHA256"), kBodySha256Base64);
  }
}

TEST_F(BodyVerifierTest, TwoChecksumHeadersAreInvalidRequest) {
  auto v =
      Make(kBody, "UNSIGNED-PAYLOAD", 11,
           {{"x-amz-checksum-crc32", kBodyCrc32Base64}, {"x-amz-checksum-sha1", kBodySha1Base64}});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsCode(v.status()), "InvalidRequest");
}

TEST_F(BodyVerifierTest, BodyShorterThanContentLengthIsIncompleteBody) {
  auto v = Make(kBody, "UNSIGNED-PAYLOAD", 20);
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_EQ(d.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
}

TEST_F(BodyVerifierTest, BodyLongerThanContentLengthIsIncompleteBody) {
  auto v = Make(kBody, "UNSIGNED-PAYLOAD", 5);
  ASSERT_TRUE(v.ok()) << v.status();
  Drained d = Drain(**v);
  EXPECT_EQ(AwsCode(d.status), "IncompleteBody");
}

TEST_F(BodyVerifierTest, StreamingPayloadRequiresTheDecodedLength) {
  auto v = Make("", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", 0);
  EXPECT_EQ(AwsCode(v.status()), "MissingContentLength");
}

TEST_F(BodyVerifierTest, ReaderErrorsArePassedThrough) {
  class FailingReader final : public http::BodyReader {
   public:
    absl::StatusOr<size_t> Read(char*, size_t) override {
      return absl::AbortedError("client went away");
    }
  };
  FailingReader failing;
  ASSERT_TRUE(Make("", "UNSIGNED-PAYLOAD", 10).ok());
  req_.body = &failing;
  auto v = BodyVerifier::Create(*ctx_);
  ASSERT_TRUE(v.ok()) << v.status();
  char buf[4];
  EXPECT_EQ((*v)->Read(buf, sizeof(buf)).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ((*v)->Read(buf, sizeof(buf)).status().code(), absl::StatusCode::kAborted);
}

TEST_F(BodyVerifierTest, ReportsTheMd5OfTheBody) {
  for (std::optional<std::string> content_md5 :
       {std::optional<std::string>(), std::optional<std::string>(kBodyMd5Base64)}) {
    req_ = http::Request();
    std::vector<std::pair<std::string, std::string>> headers;
    if (content_md5) headers.emplace_back("Content-MD5", *content_md5);
    auto v = Make(kBody, kBodySha256Hex, 11, headers);
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_TRUE(Drain(**v).status.ok());
    EXPECT_EQ(Base64Encode((*v)->md5()), kBodyMd5Base64);
  }
}

TEST_F(BodyVerifierTest, ContentSha256AndChecksumSha256ShareOneDigestButAreBothChecked) {
  {
    auto v = Make(kBody, kBodySha256Hex, 11, {{"x-amz-checksum-sha256", kBodySha256Base64}});
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(Drain(**v).status.ok());
    EXPECT_EQ((*v)->checksums().at("SHA256"), kBodySha256Base64);
  }
  req_ = http::Request();
  {
    // Right payload hash, wrong checksum header.
    auto v = Make(kBody, kBodySha256Hex, 11,
                  {{"x-amz-checksum-sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}});
    ASSERT_TRUE(v.ok()) << v.status();
    Drained d = Drain(**v);
    EXPECT_EQ(AwsCode(d.status), "BadDigest");
  }
  req_ = http::Request();
  {
    // Wrong payload hash, right checksum header.
    auto v =
        Make("hello worle", kBodySha256Hex, 11, {{"x-amz-checksum-sha256", kBodySha256Base64}});
    ASSERT_TRUE(v.ok()) << v.status();
    Drained d = Drain(**v);
    EXPECT_EQ(AwsCode(d.status), "XAmzContentSHA256Mismatch");
  }
}

// A body of several MiB, read the way StoreBody reads it: alternating between two buffers.
class BackgroundMd5Test : public BodyVerifierTest {
 protected:
  static std::string LargeBody() {
    std::string body(5 * 1024 * 1024 + 123, '\0');
    for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 2654435761u) >> 24);
    return body;
  }

  Drained DrainAlternating(BodyVerifier& v) {
    Drained out;
    std::vector<std::string> buffers(2, std::string(1 << 20, '\0'));
    for (size_t i = 0;; i = 1 - i) {
      absl::StatusOr<size_t> n = v.Read(buffers[i].data(), buffers[i].size());
      if (!n.ok()) {
        out.status = n.status();
        return out;
      }
      if (*n == 0) return out;
      out.data.append(buffers[i].data(), *n);
    }
  }
};

TEST_F(BackgroundMd5Test, LargeBodyGetsTheSameDigestsAndChecks) {
  const std::string body = LargeBody();
  options_.background_md5_min_length = 2 << 20;
  auto v = Make(body, crypto::Sha256Hex(body), body.size(),
                {{"Content-MD5", Base64Encode(crypto::Md5(body))}});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE((*v)->md5_in_background());
  Drained d = DrainAlternating(**v);
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_TRUE(d.data == body);
  EXPECT_EQ((*v)->md5(), crypto::Md5(body));
}

TEST_F(BackgroundMd5Test, ContentMd5MismatchIsStillBadDigest) {
  std::string body = LargeBody();
  const std::string md5 = Base64Encode(crypto::Md5(body));
  body[3 << 20] ^= 1;
  options_.background_md5_min_length = 2 << 20;
  auto v = Make(body, "UNSIGNED-PAYLOAD", body.size(), {{"Content-MD5", md5}});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE((*v)->md5_in_background());
  EXPECT_EQ(AwsCode(DrainAlternating(**v).status), "BadDigest");
}

TEST_F(BackgroundMd5Test, SmallBodyIsHashedInline) {
  options_.background_md5_min_length = 2 << 20;
  auto v = Make(kBody, kBodySha256Hex, 11);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE((*v)->md5_in_background());
  ASSERT_TRUE(Drain(**v).status.ok());
  EXPECT_EQ(Base64Encode((*v)->md5()), kBodyMd5Base64);
}

// With the multi-lane engine, every body's MD5 (and SHA-256) goes to it, whatever its size, and the
// checks that depend on them still hold.
class LanesTest : public BackgroundMd5Test {
 protected:
  void SetUp() override {
    if (!crypto::HashLanes::Supported()) GTEST_SKIP() << "this CPU has no AVX2";
    engine_ = std::make_unique<crypto::HashLanes>();
    options_.background_md5_min_length = 2 << 20;  // the engine takes precedence
    options_.hash_lanes = engine_.get();
  }
  void TearDown() override { verifier_.reset(); }

  std::unique_ptr<crypto::HashLanes> engine_;
  std::unique_ptr<BodyVerifier> verifier_;  // destroyed before the engine
};

TEST_F(LanesTest, LargeBodyGetsItsDigestsFromTheEngine) {
  const std::string body = LargeBody();
  auto v = Make(body, crypto::Sha256Hex(body), body.size(),
                {{"Content-MD5", Base64Encode(crypto::Md5(body))}});
  ASSERT_TRUE(v.ok()) << v.status();
  verifier_ = std::move(*v);
  EXPECT_TRUE(verifier_->md5_in_background());
  Drained d = DrainAlternating(*verifier_);
  ASSERT_TRUE(d.status.ok()) << d.status;
  EXPECT_TRUE(d.data == body);
  EXPECT_EQ(verifier_->md5(), crypto::Md5(body));
}

TEST_F(LanesTest, SmallBodyGetsItsMd5FromTheEngineToo) {
  auto v = Make(kBody, kBodySha256Hex, 11, {{"Content-MD5", kBodyMd5Base64}});
  ASSERT_TRUE(v.ok()) << v.status();
  verifier_ = std::move(*v);
  EXPECT_TRUE(verifier_->md5_in_background());
  ASSERT_TRUE(DrainAlternating(*verifier_).status.ok());
  EXPECT_EQ(Base64Encode(verifier_->md5()), kBodyMd5Base64);
}

TEST_F(LanesTest, ContentMd5MismatchIsStillBadDigest) {
  std::string body = LargeBody();
  const std::string md5 = Base64Encode(crypto::Md5(body));
  body[3 << 20] ^= 1;
  auto v = Make(body, "UNSIGNED-PAYLOAD", body.size(), {{"Content-MD5", md5}});
  ASSERT_TRUE(v.ok()) << v.status();
  verifier_ = std::move(*v);
  EXPECT_EQ(AwsCode(DrainAlternating(*verifier_).status), "BadDigest");
}

TEST_F(LanesTest, TamperedBodyFailsTheSignedPayloadHash) {
  std::string body = LargeBody();
  const std::string signed_hash = crypto::Sha256Hex(body);
  body[4 << 20] ^= 1;
  auto v = Make(body, signed_hash, body.size());
  ASSERT_TRUE(v.ok()) << v.status();
  verifier_ = std::move(*v);
  EXPECT_EQ(AwsCode(DrainAlternating(*verifier_).status), "XAmzContentSHA256Mismatch");
}

TEST_F(LanesTest, Sha256ChecksumHeaderIsVerified) {
  const std::string body = LargeBody();
  auto v = Make(body, "UNSIGNED-PAYLOAD", body.size(),
                {{"x-amz-checksum-sha256", Base64Encode(crypto::Sha256(body))}});
  ASSERT_TRUE(v.ok()) << v.status();
  verifier_ = std::move(*v);
  ASSERT_TRUE(DrainAlternating(*verifier_).status.ok());
  EXPECT_EQ(verifier_->checksums().at("SHA256"), Base64Encode(crypto::Sha256(body)));
}

TEST_F(BodyVerifierTest, DeferredCheckReportsTheEndFirstAndTheMismatchFromCheck) {
  options_.deferred_check = true;
  auto v = Make(kBody, kBodySha256Hex, 11, {{"Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA=="}});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->Check().code(), absl::StatusCode::kFailedPrecondition);  // not at the end yet
  Drained d = Drain(**v);
  EXPECT_TRUE(d.status.ok()) << d.status;  // the end, unchecked
  EXPECT_EQ(d.data, kBody);
  EXPECT_EQ(AwsCode((*v)->Check()), "BadDigest");
  EXPECT_EQ(AwsCode((*v)->Check()), "BadDigest");  // sticky
}

TEST_F(BodyVerifierTest, DeferredCheckPassesAGoodBodyAndThenHasItsDigests) {
  options_.deferred_check = true;
  auto v = Make(kBody, kBodySha256Hex, 11, {{"Content-MD5", kBodyMd5Base64}});
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(Drain(**v).status.ok());
  ASSERT_TRUE((*v)->Check().ok());
  EXPECT_EQ(Base64Encode((*v)->md5()), kBodyMd5Base64);
}

TEST_F(BodyVerifierTest, CheckWithoutDeferringRepeatsWhatReadReported) {
  auto v = Make(kBody, std::string(64, '0'), 11);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(AwsCode(Drain(**v).status), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(AwsCode((*v)->Check()), "XAmzContentSHA256Mismatch");
}

}  // namespace
}  // namespace cleanroom::s3
