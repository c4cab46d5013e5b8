#include "s3/body_verifier.h"

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::s3 {
namespace {

// Pieces are hashed in slices of this size, each slice by every digest in turn, so that the
// slice is still in the L1/L2 cache for all but the first digest.
constexpr size_t kHashSlice = 32 * 1024;

absl::Status S3Error(absl::StatusCode code, std::string_view aws_code, std::string_view message,
                     int http) {
  return AwsError(code, aws_code, message, http);
}

}  // namespace

absl::StatusOr<std::unique_ptr<BodyVerifier>> BodyVerifier::Create(protocol::CallContext& ctx) {
  return Create(ctx, Options());
}

absl::StatusOr<std::unique_ptr<BodyVerifier>> BodyVerifier::Create(protocol::CallContext& ctx,
                                                                   const Options& options) {
  std::unique_ptr<BodyVerifier> v(new BodyVerifier());
  const http::Request& req = ctx.request;
  const std::string& hash = ctx.payload_hash;
  v->source_ = req.body;
  if (StartsWith(hash, "STREAMING-")) {
    std::optional<uint64_t> decoded;
    if (auto d = req.headers.Get("x-amz-decoded-content-length")) {
      uint64_t n;
      if (!ParseUint64(*d, &n)) {
        return S3Error(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                       "x-amz-decoded-content-length is not a number", 400);
      }
      decoded = n;
    } else {
      return S3Error(absl::StatusCode::kInvalidArgument, "MissingContentLength",
                     "You must provide x-amz-decoded-content-length with aws-chunked uploads", 411);
    }
    std::string trailer = ToLower(req.headers.Get("x-amz-trailer").value_or(""));
    std::optional<auth::ChunkSigning> signing;
    if (ctx.streaming_signature) {
      const auto& s = *ctx.streaming_signature;
      signing = auth::ChunkSigning{s.signing_key, s.scope, s.amz_date, s.seed_signature};
    }
    constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";
    if (StartsWith(trailer, kChecksumPrefix)) {
      for (char c : trailer.substr(kChecksumPrefix.size())) {
        v->trailer_checksum_name_.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
      }
    }
    v->chunked_ = std::make_unique<auth::AwsChunkedReader>(req.body, decoded, trailer, signing);
    v->source_ = v->chunked_.get();
    v->expected_length_ = decoded;
  } else {
    if (req.content_length) v->expected_length_ = *req.content_length;
    if (hash != "UNSIGNED-PAYLOAD") {
      v->expected_sha256_hex_ = ToLower(hash);
      v->sha256_is_signed_ = true;
      v->sha256_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha256);
    }
  }
  if (auto md5 = req.headers.Get("content-md5")) {
    auto raw = Base64Decode(Trim(*md5));
    if (!raw || raw->size() != 16) {
      return S3Error(absl::StatusCode::kInvalidArgument, "InvalidDigest",
                     "The Content-MD5 you specified was invalid.", 400);
    }
    v->expected_md5_ = *raw;
  }
  static constexpr std::pair<std::string_view, std::string_view> kChecksums[] = {
      {"x-amz-checksum-crc32", "CRC32"},
      {"x-amz-checksum-crc32c", "CRC32C"},
      {"x-amz-checksum-sha1", "SHA1"},
      {"x-amz-checksum-sha256", "SHA256"}};
  for (const auto& [header, name] : kChecksums) {
    auto value = req.headers.Get(header);
    if (!value) continue;
    if (!v->checksum_name_.empty()) {
      return S3Error(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                     "Expecting a single x-amz-checksum- header. Multiple checksum types are not "
                     "allowed.",
                     400);
    }
    v->checksum_name_ = std::string(name);
    v->checksum_header_value_ = std::string(Trim(*value));
    if (name == "SHA1") {
      v->sha1_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha1);
    } else if (name == "SHA256" && v->sha256_ == nullptr) {
      v->sha256_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha256);
    }
  }
  if (options.hash_lanes != nullptr) {
    v->lanes_sha256_ = v->sha256_ != nullptr && crypto::HashLanes::Sha256Supported();
    v->lanes_ = std::make_unique<crypto::HashLanes::Stream>(*options.hash_lanes, v->lanes_sha256_);
    if (v->lanes_sha256_) v->sha256_.reset();
  } else if (options.background_md5_min_length &&
             v->expected_length_.value_or(0) >= *options.background_md5_min_length) {
    v->async_md5_ = std::make_unique<crypto::AsyncDigest>(crypto::Digest::Algorithm::kMd5);
  }
  v->deferred_check_ = options.deferred_check;
  return v;
}

absl::StatusOr<size_t> BodyVerifier::Read(char* buf, size_t n) {
  if (!error_.ok()) return error_;
  if (finished_) return size_t{0};
  absl::StatusOr<size_t> got = source_->Read(buf, n);
  if (!got.ok()) {
    error_ = got.status();
    return error_;
  }
  if (*got == 0) {
    finished_ = true;
    if (!deferred_check_) {
      error_ = Finish();
      checked_ = true;
      if (!error_.ok()) return error_;
    }
    return size_t{0};
  }
  std::string_view data(buf, *got);
  bytes_ += *got;
  if (expected_length_ && bytes_ > *expected_length_) {
    error_ = S3Error(absl::StatusCode::kInvalidArgument, "IncompleteBody",
                     "The request body is longer than its declared length", 400);
    return error_;
  }
  HashInline(data);
  // Last: the helper starts on this piece only after the previous piece is done.
  if (lanes_) lanes_->Update(data);
  if (async_md5_) async_md5_->Update(data);
  return got;
}

void BodyVerifier::HashInline(std::string_view data) {
  const bool crc32 = checksum_name_ == "CRC32";
  const bool crc32c = checksum_name_ == "CRC32C";
  while (!data.empty()) {
    const std::string_view slice = data.substr(0, kHashSlice);
    data.remove_prefix(slice.size());
    if (!md5_in_background()) md5_.Update(slice);
    if (sha256_) sha256_->Update(slice);
    if (sha1_) sha1_->Update(slice);
    if (crc32) crc32_.Update(slice);
    if (crc32c) crc32c_.Update(slice);
  }
}

absl::Status BodyVerifier::Check() {
  if (!finished_ && error_.ok()) {
    return absl::FailedPreconditionError("the body has not been read to its end");
  }
  if (!checked_ && error_.ok()) {
    error_ = Finish();
    checked_ = true;
  }
  return error_;
}

absl::Status BodyVerifier::Finish() {
  std::string sha256;
  if (lanes_) {
    crypto::HashLanes::Digests digests = lanes_->Finish();
    md5_result_ = std::move(digests.md5);
    if (lanes_sha256_) sha256 = std::move(digests.sha256);
  } else {
    md5_result_ = async_md5_ ? async_md5_->Finish() : md5_.Finish();
  }
  if (sha256_) sha256 = sha256_->Finish();
  if (expected_length_ && bytes_ != *expected_length_) {
    return S3Error(absl::StatusCode::kInvalidArgument, "IncompleteBody",
                   "You did not provide the number of bytes specified by the Content-Length HTTP "
                   "header",
                   400);
  }
  if (sha256_is_signed_ && HexEncode(sha256) != expected_sha256_hex_) {
    return S3Error(absl::StatusCode::kInvalidArgument, "XAmzContentSHA256Mismatch",
                   "The provided 'x-amz-content-sha256' header does not match what was computed.",
                   400);
  }
  if (!expected_md5_.empty() && md5_result_ != expected_md5_) {
    return S3Error(absl::StatusCode::kDataLoss, "BadDigest",
                   "The Content-MD5 you specified did not match what we received.", 400);
  }
  if (!checksum_name_.empty()) {
    std::string actual;
    if (checksum_name_ == "CRC32") actual = crypto::ChecksumHeaderValue(crc32_.value());
    if (checksum_name_ == "CRC32C") actual = crypto::ChecksumHeaderValue(crc32c_.value());
    if (checksum_name_ == "SHA1") actual = Base64Encode(sha1_->Finish());
    if (checksum_name_ == "SHA256") actual = Base64Encode(sha256);
    if (actual != checksum_header_value_) {
      return S3Error(
          absl::StatusCode::kDataLoss, "BadDigest",
          StrCat("The ", checksum_name_, " you specified did not match the calculated checksum."),
          400);
    }
    verified_checksums_[checksum_name_] = actual;
  }
  if (chunked_ && !trailer_checksum_name_.empty() && !chunked_->checksum().empty()) {
    verified_checksums_[trailer_checksum_name_] = chunked_->checksum();
  }
  return absl::OkStatus();
}

}  // namespace cleanroom::s3
