// Wraps an S3 request body: decodes aws-chunked framing when present, enforces the declared
// length, and checks every integrity claim the client made (x-amz-content-sha256,
// Content-MD5, x-amz-checksum-*) when the stream ends. A body that fails any check reports an
// error from Read() at its end, so nothing built from it is ever committed.
//
// It also computes the body's MD5 (the ETag of a simple object), so that every digest a body
// needs is computed once, in one pass over each piece: a Content-MD5 check and the ETag share
// one MD5, and x-amz-content-sha256 and x-amz-checksum-sha256 share one SHA-256.
#ifndef CLEANROOM_S3_BODY_VERIFIER_H_
#define CLEANROOM_S3_BODY_VERIFIER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "auth/aws_chunked.h"
#include "crypto/async_digest.h"
#include "crypto/hash.h"
#include "crypto/hash_lanes.h"
#include "http/message.h"
#include "protocol/service.h"

namespace cleanroom::s3 {

class BodyVerifier final : public http::BodyReader {
 public:
  struct Options {
    // If set, a body declared at least this long has its MD5 computed on a helper thread
    // (crypto::AsyncDigest), overlapped with the caller's work, instead of inside Read()
    // (see md5_in_background()). Worth it for bodies of several pieces only.
    std::optional<uint64_t> background_md5_min_length;
    // If set, every body has its MD5 computed by this engine, alongside the digests of other
    // concurrent bodies, overlapped with the caller's work (see md5_in_background()), and its
    // SHA-256 too where the CPU allows (HashLanes::Sha256Supported()). Takes precedence over
    // background_md5_min_length.
    crypto::HashLanes* hash_lanes = nullptr;
    // If set, Read() reports the end of the stream (0) without waiting for the digests being
    // computed on other threads and without checking them; the caller must then call Check().
    // Lets the caller make the data durable while the last digests finish.
    bool deferred_check = false;
  };

  // Builds the verifier for `ctx`'s request. kInvalidArgument (InvalidDigest, InvalidRequest,
  // InvalidArgument) if the integrity headers are malformed or contradictory.
  static absl::StatusOr<std::unique_ptr<BodyVerifier>> Create(protocol::CallContext& ctx);
  static absl::StatusOr<std::unique_ptr<BodyVerifier>> Create(protocol::CallContext& ctx,
                                                              const Options& options);

  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

  // Whether the MD5 is computed on another thread (Options::hash_lanes or
  // background_md5_min_length). The caller must then leave the bytes a Read() returned
  // unchanged until its next Read() has returned (for example by alternating between two
  // buffers), and keep its buffers allocated until the verifier is destroyed.
  bool md5_in_background() const { return async_md5_ != nullptr || lanes_ != nullptr; }

  // With Options::deferred_check, after Read() returned 0: waits for the digests and runs every
  // check, returning the error Read() would otherwise have returned at the end. Without it,
  // returns the outcome Read() reported. kFailedPrecondition before the end of the stream.
  absl::Status Check();

  // After the end of the stream (and Check(), if deferred): the verified checksums
  // ("CRC32" -> base64) the client sent, to be stored with the object.
  const std::map<std::string, std::string>& checksums() const { return verified_checksums_; }
  // After the end of the stream (and Check(), if deferred): the raw 16-byte MD5 of the body.
  const std::string& md5() const { return md5_result_; }
  uint64_t bytes() const { return bytes_; }

 private:
  BodyVerifier() = default;
  // Updates every digest computed on this thread with `data`, in cache-sized slices.
  void HashInline(std::string_view data);
  absl::Status Finish();

  std::unique_ptr<auth::AwsChunkedReader> chunked_;
  http::BodyReader* source_ = nullptr;
  std::optional<uint64_t> expected_length_;
  std::string expected_sha256_hex_;  // empty when the payload is not signed by hash
  std::string expected_md5_;         // raw, from Content-MD5
  std::string checksum_name_;        // "CRC32", "CRC32C", "SHA1", "SHA256" or ""
  std::string checksum_header_value_;
  std::string trailer_checksum_name_;  // from X-Amz-Trailer, e.g. "CRC32"
  // For x-amz-content-sha256 and/or -checksum-sha256, unless lanes_sha256_.
  std::unique_ptr<crypto::Digest> sha256_;
  bool sha256_is_signed_ = false;  // the payload hash is checked against sha256_
  crypto::Digest md5_{crypto::Digest::Algorithm::kMd5};
  std::unique_ptr<crypto::AsyncDigest> async_md5_;  // replaces md5_ with background_md5
  // Replaces md5_ (and sha256_, if lanes_sha256_: the body's SHA-256 is needed and the engine
  // computes it) with hash_lanes.
  std::unique_ptr<crypto::HashLanes::Stream> lanes_;
  bool lanes_sha256_ = false;
  std::string md5_result_;
  std::unique_ptr<crypto::Digest> sha1_;  // for x-amz-checksum-sha1
  crypto::Crc32 crc32_;
  crypto::Crc32c crc32c_;
  std::map<std::string, std::string> verified_checksums_;
  uint64_t bytes_ = 0;
  bool finished_ = false;  // the source reached its end
  bool deferred_check_ = false;
  bool checked_ = false;  // Finish() ran
  absl::Status error_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BODY_VERIFIER_H_
