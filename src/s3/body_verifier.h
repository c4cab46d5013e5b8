// Wraps an S3 request body: decodes aws-chunked framing when present, enforces the declared
// length, and checks every integrity claim the client made (x-amz-content-sha256,
// Content-MD5, x-amz-checksum-*) when the stream ends. A body that fails any check reports an
// error from Read() at its end, so nothing built from it is ever committed.
#ifndef CLEANROOM_S3_BODY_VERIFIER_H_
#define CLEANROOM_S3_BODY_VERIFIER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "auth/aws_chunked.h"
#include "crypto/hash.h"
#include "http/message.h"
#include "protocol/service.h"

namespace cleanroom::s3 {

class BodyVerifier final : public http::BodyReader {
 public:
  // Builds the verifier for `ctx`'s request. kInvalidArgument (InvalidDigest, InvalidRequest,
  // InvalidArgument) if the integrity headers are malformed or contradictory.
  static absl::StatusOr<std::unique_ptr<BodyVerifier>> Create(protocol::CallContext& ctx);

  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

  // After the end of the stream: the verified checksums ("CRC32" -> base64) the client sent,
  // to be stored with the object.
  const std::map<std::string, std::string>& checksums() const { return verified_checksums_; }
  uint64_t bytes() const { return bytes_; }

 private:
  BodyVerifier() = default;
  absl::Status Finish();

  std::unique_ptr<auth::AwsChunkedReader> chunked_;
  http::BodyReader* source_ = nullptr;
  std::optional<uint64_t> expected_length_;
  std::string expected_sha256_hex_;  // empty when the payload is not signed by hash
  std::string expected_md5_;         // raw, from Content-MD5
  std::string checksum_name_;        // "CRC32", "CRC32C", "SHA1", "SHA256" or ""
  std::string checksum_header_value_;
  std::string trailer_checksum_name_;  // from X-Amz-Trailer, e.g. "CRC32"
  std::unique_ptr<crypto::Digest> sha256_;
  std::unique_ptr<crypto::Digest> md5_;
  std::unique_ptr<crypto::Digest> checksum_digest_;
  crypto::Crc32 crc32_;
  crypto::Crc32c crc32c_;
  std::map<std::string, std::string> verified_checksums_;
  uint64_t bytes_ = 0;
  bool finished_ = false;
  absl::Status error_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BODY_VERIFIER_H_
