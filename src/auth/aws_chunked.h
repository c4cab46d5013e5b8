// Decoding of S3 "Content-Encoding: aws-chunked" request bodies (the payloads announced by
// x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// and STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
//
// After HTTP de-chunking the payload is
//   hex-size[;chunk-signature=<sig>]\r\n <data> \r\n   (repeated)
//   0[;chunk-signature=<sig>]\r\n
//   name:value\r\n ...                                 (trailers, possibly none)
//   \r\n
#ifndef CLEANROOM_AUTH_AWS_CHUNKED_H_
#define CLEANROOM_AUTH_AWS_CHUNKED_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/sigv4.h"
#include "crypto/hash.h"
#include "http/message.h"

namespace cleanroom::auth {

// Largest accepted chunk (the decoder streams chunks through, so this bounds nothing in
// memory, but AWS's own limit keeps hostile framing in check).
inline constexpr uint64_t kMaxAwsChunkSize = uint64_t{16} << 20;
// Longest accepted chunk-size line or trailer line, without its CRLF.
inline constexpr size_t kMaxAwsChunkLineLength = 1024;
// Most trailer lines accepted.
inline constexpr size_t kMaxAwsChunkTrailers = 16;

// What is needed to verify the chunk signatures of a signed streaming payload
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]).
struct ChunkSigning {
  std::string signing_key;     // raw key from SigningKey(secret, date, region, service)
  std::string scope;           // SigV4Scope::ScopeString(), "yyyymmdd/region/s3/aws4_request"
  std::string amz_date;        // the request's X-Amz-Date
  std::string seed_signature;  // the Signature of the request's Authorization header
};

// The ChunkSigning of a request whose header signature `auth` was verified with `secret`.
ChunkSigning MakeChunkSigning(const SigV4Auth& auth, std::string_view secret_access_key);

// Hex signature of one chunk whose data has hex SHA-256 `chunk_sha256_hex`: the HMAC under
// signing.signing_key of "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" +
// previous_signature + "\n" + hex(sha256("")) + "\n" + chunk_sha256_hex.
std::string ChunkSignature(const ChunkSigning& signing, std::string_view previous_signature,
                           std::string_view chunk_sha256_hex);

// Hex signature of the trailer section: the HMAC of "AWS4-HMAC-SHA256-TRAILER\n" + amz_date +
// "\n" + scope + "\n" + previous_signature + "\n" + hex(sha256(canonical_trailers)), where
// `canonical_trailers` is "name:value\n" for each trailer except x-amz-trailer-signature.
std::string TrailerSignature(const ChunkSigning& signing, std::string_view previous_signature,
                             std::string_view canonical_trailers);

// A BodyReader that decodes an aws-chunked payload read from `inner` (the body after HTTP
// de-chunking). Chunk data is streamed through without buffering a whole chunk; at most a
// fixed 64 KiB buffer and one bounded line are held. Not thread-safe.
//
// Verification happens as the stream is read: the data of a chunk is returned before that
// chunk's signature (checked at the chunk's end) and the trailer checksum (checked at the end
// of the stream) are known to be good, so consumers must not commit anything until Read has
// returned 0. Errors are sticky: once Read fails it returns the same error again.
//
// Read errors, besides those of `inner` (which are passed through):
//   kInvalidArgument "InvalidRequest" (400): malformed framing, a chunk larger than
//       kMaxAwsChunkSize, an overlong line, data after the end, an unsupported trailer name,
//       a missing expected trailer, or a missing chunk signature (signed variant);
//   kInvalidArgument "IncompleteBody" (400): the stream ends early, or the decoded length
//       differs from `decoded_length`;
//   kInvalidArgument "MalformedTrailerError" (400): a malformed or excess trailer line;
//   kDataLoss "BadDigest" (400): the trailer checksum does not match the decoded data;
//   kPermissionDenied "SignatureDoesNotMatch" (403): a chunk or trailer signature is wrong.
class AwsChunkedReader final : public http::BodyReader {
 public:
  // `inner` must outlive this reader. `decoded_length` is X-Amz-Decoded-Content-Length, if
  // sent. `trailer_name` is X-Amz-Trailer (x-amz-checksum-crc32, -crc32c, -sha1 or -sha256;
  // case-insensitive), or empty if no trailer is announced. With `signing`, chunk signatures
  // are required and verified, and so is the trailer signature when trailers are present.
  AwsChunkedReader(http::BodyReader* inner, std::optional<uint64_t> decoded_length,
                   std::string_view trailer_name,
                   std::optional<ChunkSigning> signing = std::nullopt);
  ~AwsChunkedReader() override;
  AwsChunkedReader(const AwsChunkedReader&) = delete;
  AwsChunkedReader& operator=(const AwsChunkedReader&) = delete;

  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

  // True once Read has returned 0 (the whole payload decoded and verified).
  bool done() const { return state_ == State::kDone; }
  // Bytes of decoded data returned so far.
  uint64_t decoded_bytes() const { return decoded_bytes_; }
  // After done(): the checksum of the decoded data in x-amz-checksum-* header form (e.g.
  // "n7sxBA==" for CRC32), or empty if no trailer was announced.
  const std::string& checksum() const { return checksum_; }
  // The trailer lines received (including x-amz-trailer-signature, if any).
  const http::Headers& trailers() const { return trailers_; }

 private:
  enum class ChecksumKind { kNone, kUnsupported, kCrc32, kCrc32c, kSha1, kSha256 };
  enum class State { kChunkHeader, kChunkData, kChunkEnd, kTrailers, kDone };
  enum class LineResult { kLine, kEof, kTooLong, kBadEnding };

  absl::StatusOr<size_t> ReadImpl(char* buf, size_t n);
  absl::StatusOr<bool> Fill();
  absl::StatusOr<LineResult> ReadLine();
  absl::Status StartChunk(std::string_view line);
  absl::Status EndChunk();
  absl::Status AddTrailer(std::string_view line);
  absl::Status Finish();
  void Consume(const char* data, size_t n);

  http::BodyReader* inner_;
  std::optional<uint64_t> decoded_length_;
  std::string trailer_name_;  // lower-cased
  std::optional<ChunkSigning> signing_;
  absl::Status status_;  // sticky failure

  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  std::string line_;

  State state_ = State::kChunkHeader;
  uint64_t chunk_remaining_ = 0;
  size_t chunk_end_seen_ = 0;  // bytes of the CRLF after chunk data seen so far
  uint64_t decoded_bytes_ = 0;

  ChecksumKind checksum_kind_ = ChecksumKind::kNone;
  crypto::Crc32 crc32_;
  crypto::Crc32c crc32c_;
  std::unique_ptr<crypto::Digest> digest_;  // kSha1, kSha256
  std::string checksum_;
  http::Headers trailers_;
  size_t trailer_lines_ = 0;

  // Signed variant.
  std::string previous_signature_;
  std::string chunk_signature_;
  std::unique_ptr<crypto::Digest> chunk_hasher_;
};

}  // namespace cleanroom::auth

#endif  // CLEANROOM_AUTH_AWS_CHUNKED_H_
