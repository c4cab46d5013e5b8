#include "auth/aws_chunked.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/strings.h"

namespace cleanroom::auth {
namespace {

constexpr size_t kBufferSize = 64 * 1024;
// Below this many wanted bytes, data is staged through the internal buffer; above it, read
// straight into the caller's buffer.
constexpr size_t kDirectReadThreshold = 4096;
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";

absl::Status Malformed(std::string_view why) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                  StrCat("Malformed aws-chunked request body: ", why), 400);
}

absl::Status Incomplete(std::string_view why) {
  return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteBody", why, 400);
}

absl::Status Truncated() { return Incomplete("The request body terminated unexpectedly."); }

absl::Status MalformedTrailer() {
  return AwsError(absl::StatusCode::kInvalidArgument, "MalformedTrailerError",
                  "The request contained trailing data that was not well-formed or did not "
                  "conform to our published schema.",
                  400);
}

absl::Status SignatureMismatch(std::string_view what) {
  return AwsError(absl::StatusCode::kPermissionDenied, "SignatureDoesNotMatch",
                  StrCat("The ", what,
                         " signature we calculated does not match the signature you provided. "
                         "Check your key and signing method."),
                  403);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Hmac(const ChunkSigning& signing, std::string_view kind,
                 std::string_view previous_signature, std::string_view last_line) {
  return HexEncode(crypto::HmacSha256(
      signing.signing_key, StrCat(kind, "\n", signing.amz_date, "\n", signing.scope, "\n",
                                  previous_signature, "\n", last_line)));
}

}  // namespace

ChunkSigning MakeChunkSigning(const SigV4Auth& auth, std::string_view secret_access_key) {
  return ChunkSigning{
      .signing_key =
          SigningKey(secret_access_key, auth.scope.date, auth.scope.region, auth.scope.service),
      .scope = auth.scope.ScopeString(),
      .amz_date = auth.amz_date,
      .seed_signature = auth.signature,
  };
}

std::string ChunkSignature(const ChunkSigning& signing, std::string_view previous_signature,
                           std::string_view chunk_sha256_hex) {
  return Hmac(signing, "AWS4-HMAC-SHA256-PAYLOAD", previous_signature,
              StrCat(kEmptyPayloadSha256, "\n", chunk_sha256_hex));
}

std::string TrailerSignature(const ChunkSigning& signing, std::string_view previous_signature,
                             std::string_view canonical_trailers) {
  return Hmac(signing, "AWS4-HMAC-SHA256-TRAILER", previous_signature,
              crypto::Sha256Hex(canonical_trailers));
}

AwsChunkedReader::AwsChunkedReader(http::BodyReader* inner, std::optional<uint64_t> decoded_length,
                                   std::string_view trailer_name,
                                   std::optional<ChunkSigning> signing)
    : inner_(inner),
      decoded_length_(decoded_length),
      trailer_name_(ToLower(Trim(trailer_name))),
      signing_(std::move(signing)),
      buf_(new char[kBufferSize]) {
  if (trailer_name_.empty()) {
    checksum_kind_ = ChecksumKind::kNone;
  } else if (trailer_name_ == "x-amz-checksum-crc32") {
    checksum_kind_ = ChecksumKind::kCrc32;
  } else if (trailer_name_ == "x-amz-checksum-crc32c") {
    checksum_kind_ = ChecksumKind::kCrc32c;
  } else if (trailer_name_ == "x-amz-checksum-sha1") {
    checksum_kind_ = ChecksumKind::kSha1;
    digest_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha1);
  } else if (trailer_name_ == "x-amz-checksum-sha256") {
    checksum_kind_ = ChecksumKind::kSha256;
    digest_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha256);
  } else {
    checksum_kind_ = ChecksumKind::kUnsupported;
    status_ = AwsError(
        absl::StatusCode::kInvalidArgument, "InvalidRequest",
        StrCat("The value specified in the x-amz-trailer header is not supported: ", trailer_name_),
        400);
  }
  if (signing_.has_value()) previous_signature_ = signing_->seed_signature;
  line_.reserve(128);
}

AwsChunkedReader::~AwsChunkedReader() = default;

absl::StatusOr<size_t> AwsChunkedReader::Read(char* buf, size_t n) {
  if (!status_.ok()) return status_;
  absl::StatusOr<size_t> got = ReadImpl(buf, n);
  if (!got.ok()) status_ = got.status();
  return got;
}

absl::StatusOr<bool> AwsChunkedReader::Fill() {
  absl::StatusOr<size_t> got = inner_->Read(buf_.get(), kBufferSize);
  if (!got.ok()) return got.status();
  pos_ = 0;
  len_ = *got;
  return len_ > 0;
}

absl::StatusOr<AwsChunkedReader::LineResult> AwsChunkedReader::ReadLine() {
  for (;;) {
    if (pos_ == len_) {
      absl::StatusOr<bool> more = Fill();
      if (!more.ok()) return more.status();
      if (!*more) return LineResult::kEof;
    }
    const char* start = buf_.get() + pos_;
    const size_t avail = len_ - pos_;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', avail));
    const size_t take = newline != nullptr ? static_cast<size_t>(newline - start) + 1 : avail;
    if (line_.size() + take > kMaxAwsChunkLineLength + 2) return LineResult::kTooLong;
    line_.append(start, take);
    pos_ += take;
    if (newline != nullptr) {
      if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return LineResult::kBadEnding;
      line_.resize(line_.size() - 2);
      return LineResult::kLine;
    }
  }
}

absl::StatusOr<size_t> AwsChunkedReader::ReadImpl(char* buf, size_t n) {
  size_t produced = 0;
  while (produced < n && state_ != State::kDone) {
    // Once some data is in hand, never block on `inner` for framing bytes.
    const bool buffer_empty = pos_ == len_;
    switch (state_) {
      case State::kChunkHeader: {
        if (produced > 0 && buffer_empty) return produced;
        absl::StatusOr<LineResult> line = ReadLine();
        if (!line.ok()) return line.status();
        switch (*line) {
          case LineResult::kEof:
            return Truncated();
          case LineResult::kTooLong:
            return Malformed("chunk-size line too long");
          case LineResult::kBadEnding:
            return Malformed("chunk-size line not terminated by CRLF");
          case LineResult::kLine:
            break;
        }
        absl::Status started = StartChunk(line_);
        line_.clear();
        if (!started.ok()) return started;
        break;
      }
      case State::kChunkData: {
        if (chunk_remaining_ == 0) {
          state_ = State::kChunkEnd;
          break;
        }
        const size_t want = static_cast<size_t>(std::min<uint64_t>(n - produced, chunk_remaining_));
        if (buffer_empty) {
          if (produced > 0) return produced;
          if (want >= kDirectReadThreshold) {
            absl::StatusOr<size_t> got = inner_->Read(buf + produced, want);
            if (!got.ok()) return got.status();
            if (*got == 0) return Truncated();
            Consume(buf + produced, *got);
            produced += *got;
            break;
          }
          absl::StatusOr<bool> more = Fill();
          if (!more.ok()) return more.status();
          if (!*more) return Truncated();
        }
        const size_t take = std::min(want, len_ - pos_);
        std::memcpy(buf + produced, buf_.get() + pos_, take);
        pos_ += take;
        Consume(buf + produced, take);
        produced += take;
        break;
      }
      case State::kChunkEnd: {
        if (buffer_empty) {
          if (produced > 0) return produced;
          absl::StatusOr<bool> more = Fill();
          if (!more.ok()) return more.status();
          if (!*more) return Truncated();
        }
        const char expected = chunk_end_seen_ == 0 ? '\r' : '\n';
        if (buf_[pos_] != expected) return Malformed("chunk data not followed by CRLF");
        ++pos_;
        if (++chunk_end_seen_ == 2) {
          chunk_end_seen_ = 0;
          absl::Status ended = EndChunk();
          if (!ended.ok()) return ended;
          state_ = State::kChunkHeader;
        }
        break;
      }
      case State::kTrailers: {
        if (produced > 0 && buffer_empty) return produced;
        absl::StatusOr<LineResult> line = ReadLine();
        if (!line.ok()) return line.status();
        absl::Status step;
        switch (*line) {
          case LineResult::kEof:
            return Truncated();
          case LineResult::kTooLong:
          case LineResult::kBadEnding:
            return MalformedTrailer();
          case LineResult::kLine:
            step = line_.empty() ? Finish() : AddTrailer(line_);
            line_.clear();
            break;
        }
        if (!step.ok()) return step;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return produced;
}

void AwsChunkedReader::Consume(const char* data, size_t n) {
  const std::string_view bytes(data, n);
  switch (checksum_kind_) {
    case ChecksumKind::kCrc32:
      crc32_.Update(bytes);
      break;
    case ChecksumKind::kCrc32c:
      crc32c_.Update(bytes);
      break;
    case ChecksumKind::kSha1:
    case ChecksumKind::kSha256:
      digest_->Update(bytes);
      break;
    case ChecksumKind::kNone:
    case ChecksumKind::kUnsupported:
      break;
  }
  if (chunk_hasher_ != nullptr) chunk_hasher_->Update(bytes);
  chunk_remaining_ -= n;
  decoded_bytes_ += n;
}

absl::Status AwsChunkedReader::StartChunk(std::string_view line) {
  const size_t semicolon = line.find(';');
  const std::string_view size_text = line.substr(0, semicolon);
  if (size_text.empty()) return Malformed("empty chunk size");
  uint64_t size = 0;
  for (char c : size_text) {
    const int digit = HexDigit(c);
    if (digit < 0) return Malformed("chunk size is not hexadecimal");
    size = size * 16 + static_cast<uint64_t>(digit);
    if (size > kMaxAwsChunkSize) {
      return Malformed(StrCat("chunk size exceeds the limit of ", kMaxAwsChunkSize, " bytes"));
    }
  }
  std::optional<std::string_view> signature;
  if (semicolon != std::string_view::npos) {
    for (std::string_view ext : Split(line.substr(semicolon + 1), ';')) {
      const size_t eq = ext.find('=');
      if (Trim(ext.substr(0, eq)) == "chunk-signature" && eq != std::string_view::npos) {
        signature = Trim(ext.substr(eq + 1));
      }
    }
  }
  if (signing_.has_value()) {
    if (!signature.has_value()) return Malformed("chunk-signature missing");
    chunk_signature_ = std::string(*signature);
  }
  if (decoded_length_.has_value() && decoded_bytes_ + size > *decoded_length_) {
    return Incomplete(
        "The aws-chunked body holds more data than X-Amz-Decoded-Content-Length announced.");
  }
  if (size == 0) {
    if (signing_.has_value()) {
      chunk_hasher_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha256);
      if (absl::Status s = EndChunk(); !s.ok()) return s;
    }
    state_ = State::kTrailers;
    return absl::OkStatus();
  }
  chunk_remaining_ = size;
  if (signing_.has_value()) {
    chunk_hasher_ = std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kSha256);
  }
  state_ = State::kChunkData;
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::EndChunk() {
  if (!signing_.has_value()) return absl::OkStatus();
  const std::string data_hash = HexEncode(chunk_hasher_->Finish());
  chunk_hasher_.reset();
  const std::string expected = ChunkSignature(*signing_, previous_signature_, data_hash);
  if (!crypto::ConstantTimeEquals(expected, chunk_signature_)) return SignatureMismatch("chunk");
  previous_signature_ = expected;
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::AddTrailer(std::string_view line) {
  if (++trailer_lines_ > kMaxAwsChunkTrailers) return MalformedTrailer();
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return MalformedTrailer();
  const std::string_view name = Trim(line.substr(0, colon));
  if (name.empty()) return MalformedTrailer();
  trailers_.Add(name, Trim(line.substr(colon + 1)));
  return absl::OkStatus();
}

absl::Status AwsChunkedReader::Finish() {
  // Nothing may follow the final empty line.
  if (pos_ != len_) return Malformed("data after the end of the aws-chunked body");
  absl::StatusOr<bool> more = Fill();
  if (!more.ok()) return more.status();
  if (*more) return Malformed("data after the end of the aws-chunked body");

  if (signing_.has_value() && !trailers_.fields().empty()) {
    std::string canonical;
    std::optional<std::string_view> signature;
    for (const auto& [name, value] : trailers_.fields()) {
      if (name == kTrailerSignatureName) {
        signature = value;
        continue;
      }
      canonical += StrCat(name, ":", value, "\n");
    }
    if (!signature.has_value()) return Malformed("x-amz-trailer-signature missing");
    const std::string expected = TrailerSignature(*signing_, previous_signature_, canonical);
    if (!crypto::ConstantTimeEquals(expected, *signature)) return SignatureMismatch("trailer");
  }

  std::string_view algorithm;
  switch (checksum_kind_) {
    case ChecksumKind::kCrc32:
      checksum_ = crypto::ChecksumHeaderValue(crc32_.value());
      algorithm = "CRC32";
      break;
    case ChecksumKind::kCrc32c:
      checksum_ = crypto::ChecksumHeaderValue(crc32c_.value());
      algorithm = "CRC32C";
      break;
    case ChecksumKind::kSha1:
      checksum_ = Base64Encode(digest_->Finish());
      algorithm = "SHA1";
      break;
    case ChecksumKind::kSha256:
      checksum_ = Base64Encode(digest_->Finish());
      algorithm = "SHA256";
      break;
    case ChecksumKind::kNone:
    case ChecksumKind::kUnsupported:
      break;
  }
  if (!algorithm.empty()) {
    std::optional<std::string_view> sent = trailers_.Get(trailer_name_);
    if (!sent.has_value()) {
      return AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                      StrCat("The x-amz-trailer header announced ", trailer_name_,
                             " but the trailer was not sent."),
                      400);
    }
    if (*sent != checksum_) {
      return AwsError(
          absl::StatusCode::kDataLoss, "BadDigest",
          StrCat("The ", algorithm, " you specified did not match the calculated checksum."), 400);
    }
  }

  if (decoded_length_.has_value() && decoded_bytes_ != *decoded_length_) {
    return Incomplete(
        StrCat("You did not provide the number of bytes specified by the "
               "X-Amz-Decoded-Content-Length header (",
               *decoded_length_, "); received ", decoded_bytes_, "."));
  }
  state_ = State::kDone;
  return absl::OkStatus();
}

}  // namespace cleanroom::auth
