#include "s3/blob_reader.h"

#include <fcntl.h>
#include <string.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/status_macros.h"
#include "common/strings.h"
#include "crypto/aead.h"

namespace cleanroom::s3 {
namespace {

// Most encrypted chunks fetched by one pread (about 1 MiB with 64 KiB chunks).
constexpr uint64_t kMaxBatchChunks = 16;

}  // namespace

absl::StatusOr<std::unique_ptr<BlobReader>> BlobReader::Open(const std::string& root,
                                                             std::string_view id,
                                                             const crypto::MasterKey* master_key) {
  RETURN_IF_ERROR(ValidateBlobId(id));
  ASSIGN_OR_RETURN(OpenedBlobFile file, OpenBlobFile(root, id));

  std::string data_key;
  if (file.header.encrypted) {
    if (master_key == nullptr) {
      return absl::FailedPreconditionError(
          StrCat("blob ", id, " is encrypted but no master key is configured"));
    }
    absl::StatusOr<std::string> unwrapped =
        master_key->Unwrap(file.header.wrapped_key, BlobKeyContext(id));
    if (!unwrapped.ok()) {
      return absl::DataLossError(StrCat("cannot unwrap the data key of blob ", id, ": ",
                                        std::string(unwrapped.status().message())));
    }
    if (unwrapped->size() != crypto::kAeadKeySize) {
      explicit_bzero(unwrapped->data(), unwrapped->size());
      return absl::DataLossError(StrCat("blob ", id, " has a data key of the wrong size"));
    }
    data_key = std::move(*unwrapped);
  }
  // Advisory only: a failure changes nothing but read-ahead.
  (void)::posix_fadvise(file.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<BlobReader>(new BlobReader(std::string(id), std::move(file.fd),
                                                    std::move(file.header), std::move(data_key)));
}

BlobReader::BlobReader(std::string id, ScopedFd fd, BlobHeader header, std::string data_key)
    : id_(std::move(id)),
      fd_(std::move(fd)),
      header_(std::move(header)),
      data_key_(std::move(data_key)),
      end_(header_.plaintext_size) {}

BlobReader::~BlobReader() { explicit_bzero(data_key_.data(), data_key_.size()); }

absl::Status BlobReader::SetRange(uint64_t offset, uint64_t length) {
  RETURN_IF_ERROR(CheckByteRange(offset, length, size(), "blob"));
  pos_ = offset;
  end_ = offset + length;
  plain_begin_ = plain_end_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<size_t> BlobReader::Read(char* buf, size_t n) {
  if (!error_.ok()) return error_;
  if (n == 0 || pos_ >= end_) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
  absl::StatusOr<size_t> got = header_.encrypted ? ReadEncrypted(buf, n) : ReadPlain(buf, n);
  if (!got.ok()) error_ = got.status();
  return got;
}

absl::StatusOr<size_t> BlobReader::ReadPlain(char* buf, size_t n) {
  ASSIGN_OR_RETURN(size_t got, PreadFull(fd_.get(), buf, n, header_.header_size() + pos_));
  if (got != n) return absl::DataLossError(StrCat("blob ", id_, " is truncated"));
  pos_ += n;
  return n;
}

absl::StatusOr<size_t> BlobReader::ReadEncrypted(char* buf, size_t n) {
  size_t done = 0;
  if (plain_begin_ < plain_end_) {
    // Rest of a chunk decrypted by an earlier call.
    const size_t take = std::min(n, plain_end_ - plain_begin_);
    std::memcpy(buf, plain_.get() + plain_begin_, take);
    plain_begin_ += take;
    pos_ += take;
    done = take;
  }
  const uint64_t chunk_size = header_.chunk_size;
  const uint64_t chunk_count = header_.chunk_count();
  while (done < n) {
    // Fetch every chunk this call touches (up to kMaxBatchChunks) with one pread.
    const uint64_t first = pos_ / chunk_size;
    const uint64_t last = (pos_ + (n - done) - 1) / chunk_size;
    const uint64_t count = std::min(last - first + 1, kMaxBatchChunks);
    size_t batch_bytes = 0;
    for (uint64_t i = first; i < first + count; ++i) {
      batch_bytes += header_.chunk_plaintext_size(i) + crypto::kAeadTagSize;
    }
    if (batch_bytes > sealed_capacity_) {
      sealed_ = std::make_unique_for_overwrite<char[]>(batch_bytes);
      sealed_capacity_ = batch_bytes;
    }
    ASSIGN_OR_RETURN(size_t got,
                     PreadFull(fd_.get(), sealed_.get(), batch_bytes, header_.chunk_offset(first)));
    if (got != batch_bytes) return absl::DataLossError(StrCat("blob ", id_, " is truncated"));

    const char* sealed = sealed_.get();
    for (uint64_t i = first; i < first + count && done < n; ++i) {
      const size_t plain_size = header_.chunk_plaintext_size(i);
      const uint64_t chunk_start = i * chunk_size;
      const size_t skip = static_cast<size_t>(pos_ - chunk_start);
      const size_t want = std::min(plain_size - skip, n - done);
      const auto nonce = BlobChunkNonce(i);
      const auto aad = BlobChunkAad(id_, i, /*last=*/i + 1 == chunk_count);
      const bool direct = skip == 0 && want == plain_size;
      if (!direct && plain_ == nullptr) plain_ = std::make_unique_for_overwrite<char[]>(chunk_size);
      absl::Status opened = crypto::AeadOpenInto(
          data_key_, std::string_view(nonce.data(), nonce.size()),
          std::string_view(sealed, plain_size + crypto::kAeadTagSize),
          std::string_view(aad.data(), aad.size()), direct ? buf + done : plain_.get());
      if (!opened.ok()) {
        if (opened.code() != absl::StatusCode::kDataLoss) return opened;
        return absl::DataLossError(StrCat("blob ", id_, ": chunk ", i, " failed authentication"));
      }
      if (!direct) {
        std::memcpy(buf + done, plain_.get() + skip, want);
        plain_begin_ = skip + want;
        plain_end_ = static_cast<size_t>(std::min<uint64_t>(plain_size, end_ - chunk_start));
      }
      done += want;
      pos_ += want;
      sealed += plain_size + crypto::kAeadTagSize;
    }
  }
  return done;
}

ConcatBlobReader::ConcatBlobReader(std::string root, const crypto::MasterKey* master_key,
                                   std::vector<BlobRef> parts, uint64_t offset, uint64_t length)
    : root_(std::move(root)),
      master_key_(master_key),
      parts_(std::move(parts)),
      pos_(offset),
      end_(offset + length) {}

absl::Status ConcatBlobReader::OpenCurrentPart() {
  // Skip parts that end at or before pos_ (including empty ones).
  while (part_index_ < parts_.size() && pos_ - part_start_ >= parts_[part_index_].size) {
    part_start_ += parts_[part_index_].size;
    ++part_index_;
  }
  if (part_index_ >= parts_.size()) return absl::InternalError("read past the last part");
  const BlobRef& part = parts_[part_index_];
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader,
                   BlobReader::Open(root_, part.id, master_key_));
  if (reader->size() != part.size) {
    return absl::DataLossError(StrCat("blob ", part.id, " holds ", reader->size(), " bytes but ",
                                      part.size, " were recorded"));
  }
  const uint64_t part_end = std::min(part_start_ + part.size, end_);
  RETURN_IF_ERROR(reader->SetRange(pos_ - part_start_, part_end - pos_));
  current_ = std::move(reader);
  return absl::OkStatus();
}

absl::StatusOr<size_t> ConcatBlobReader::Read(char* buf, size_t n) {
  if (!error_.ok()) return error_;
  if (n == 0 || pos_ >= end_) return 0;
  if (current_ == nullptr) {
    error_ = OpenCurrentPart();
    if (!error_.ok()) return error_;
  }
  absl::StatusOr<size_t> got = current_->Read(buf, n);
  if (!got.ok()) {
    error_ = got.status();
    return error_;
  }
  if (*got == 0) {
    error_ = absl::InternalError("blob part ended before its range");
    return error_;
  }
  pos_ += *got;
  if (pos_ - part_start_ >= parts_[part_index_].size || pos_ >= end_) {
    current_.reset();  // This part is done; the next Read opens the following one.
  }
  return *got;
}

}  // namespace cleanroom::s3
