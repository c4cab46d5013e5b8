#include "s3/blob_writer.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/buffer_pool.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "crypto/aead.h"
#include "s3/blob_format.h"

namespace cleanroom::s3 {
namespace {

// Size of the output buffer (a MiBBufferPool buffer): data reaches the file in writes of about
// this size.
constexpr size_t kOutBufferSize = size_t{1} << 20;
// Once this many bytes were written since the last hint, the writer asks the kernel to start
// writing them back, so that the fdatasync in Commit() does not have to write a large blob
// all at once after the last byte arrived.
constexpr uint64_t kWritebackStep = uint64_t{8} << 20;
static_assert(kOutBufferSize >= kBlobChunkSize + crypto::kAeadTagSize);
static_assert(kOutBufferSize >= kBlobHeaderFixedSize + kBlobMaxWrappedKeySize);

}  // namespace

void BlobWriteState::Started(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  in_progress_.insert(id);
}

void BlobWriteState::Finished(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  in_progress_.erase(id);
}

bool BlobWriteState::InProgress(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return in_progress_.count(id) != 0;
}

BlobWriter::BlobWriter(std::string root, std::string id, ScopedFd fd, std::string header,
                       std::string data_key, bool compute_md5,
                       std::shared_ptr<BlobWriteState> state,
                       std::shared_future<absl::Status> dir_synced)
    : root_(std::move(root)),
      id_(std::move(id)),
      path_(BlobPath(root_, id_)),
      fd_(std::move(fd)),
      write_state_(std::move(state)),
      dir_synced_(std::move(dir_synced)),
      encrypted_(!data_key.empty()),
      data_key_(std::move(data_key)),
      md5_(compute_md5 ? std::make_unique<crypto::Digest>(crypto::Digest::Algorithm::kMd5)
                       : nullptr),
      out_(MiBBufferPool().Get()) {
  std::memcpy(out_.get(), header.data(), header.size());
  out_len_ = header.size();
  if (encrypted_) chunk_ = std::make_unique_for_overwrite<char[]>(kBlobChunkSize);
}

BlobWriter::~BlobWriter() {
  if (state_ == State::kOpen) Abort();
  explicit_bzero(data_key_.data(), data_key_.size());
}

absl::Status BlobWriter::Append(std::string_view data) {
  if (state_ == State::kFailed) return failure_;
  if (state_ != State::kOpen) {
    return absl::FailedPreconditionError("blob writer already committed or aborted");
  }
  if (data.size() > kBlobMaxPlaintextSize - size_) {
    return Fail(absl::OutOfRangeError("blob too large"));
  }
  if (md5_) md5_->Update(data);
  size_ += data.size();
  absl::Status status = encrypted_ ? AppendEncrypted(data) : AppendPlain(data);
  if (!status.ok()) return Fail(std::move(status));
  return absl::OkStatus();
}

absl::Status BlobWriter::AppendPlain(std::string_view data) {
  if (data.size() < kOutBufferSize - out_len_) {
    std::memcpy(out_.get() + out_len_, data.data(), data.size());
    out_len_ += data.size();
    return absl::OkStatus();
  }
  // Enough for a large write: send what is buffered (at first, the header) and `data` in one
  // call, without copying `data`.
  RETURN_IF_ERROR(WritevFull(fd_.get(), std::string_view(out_.get(), out_len_), data));
  Written(out_len_ + data.size());
  out_len_ = 0;
  return absl::OkStatus();
}

void BlobWriter::Written(uint64_t n) {
  file_size_ += n;
  if (file_size_ - writeback_from_ >= kWritebackStep) {
    StartWriteback(fd_.get(), writeback_from_, file_size_ - writeback_from_);
    writeback_from_ = file_size_;
  }
}

absl::Status BlobWriter::AppendEncrypted(std::string_view data) {
  while (!data.empty()) {
    if (chunk_len_ == kBlobChunkSize) {
      // More data follows, so the buffered chunk is not the last one.
      RETURN_IF_ERROR(SealChunk(std::string_view(chunk_.get(), chunk_len_), /*last=*/false));
      chunk_len_ = 0;
    }
    if (chunk_len_ == 0 && data.size() > kBlobChunkSize) {
      // A whole chunk with more data after it: seal straight from the caller's bytes.
      RETURN_IF_ERROR(SealChunk(data.substr(0, kBlobChunkSize), /*last=*/false));
      data.remove_prefix(kBlobChunkSize);
      continue;
    }
    const size_t take = std::min(kBlobChunkSize - chunk_len_, data.size());
    std::memcpy(chunk_.get() + chunk_len_, data.data(), take);
    chunk_len_ += take;
    data.remove_prefix(take);
  }
  return absl::OkStatus();
}

absl::Status BlobWriter::SealChunk(std::string_view plaintext, bool last) {
  RETURN_IF_ERROR(Reserve(plaintext.size() + crypto::kAeadTagSize));
  const auto nonce = BlobChunkNonce(chunk_index_);
  const auto aad = BlobChunkAad(id_, chunk_index_, last);
  absl::Status sealed =
      crypto::AeadSealInto(data_key_, std::string_view(nonce.data(), nonce.size()), plaintext,
                           std::string_view(aad.data(), aad.size()), out_.get() + out_len_);
  if (!sealed.ok()) {
    return absl::InternalError(StrCat("sealing blob chunk: ", std::string(sealed.message())));
  }
  out_len_ += plaintext.size() + crypto::kAeadTagSize;
  ++chunk_index_;
  return absl::OkStatus();
}

absl::Status BlobWriter::Reserve(size_t n) {
  if (kOutBufferSize - out_len_ < n) return Flush();
  return absl::OkStatus();
}

absl::Status BlobWriter::Flush() {
  RETURN_IF_ERROR(WriteFull(fd_.get(), std::string_view(out_.get(), out_len_)));
  Written(out_len_);
  out_len_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<BlobInfo> BlobWriter::Commit() {
  if (state_ == State::kFailed) return failure_;
  if (state_ != State::kOpen) {
    return absl::FailedPreconditionError("blob writer already committed or aborted");
  }
  absl::Status status = Finish();
  if (!status.ok()) return Fail(std::move(status));
  state_ = State::kCommitted;
  write_state_->Finished(id_);
  BlobInfo info;
  info.id = id_;
  info.size = size_;
  if (md5_) info.md5 = md5_->Finish();
  info.encrypted = encrypted_;
  return info;
}

absl::Status BlobWriter::Finish() {
  if (encrypted_) {
    RETURN_IF_ERROR(SealChunk(std::string_view(chunk_.get(), chunk_len_), /*last=*/true));
    chunk_len_ = 0;
  }
  RETURN_IF_ERROR(Flush());

  char size_field[8];
  for (int i = 0; i < 8; ++i) size_field[i] = static_cast<char>(size_ >> (56 - 8 * i));
  RETURN_IF_ERROR(PwriteFull(fd_.get(), std::string_view(size_field, 8), kBlobPlaintextSizeOffset));
  // The file's data and the size and block map needed to read it back: fdatasync covers both
  // (the timestamps fsync would add are not needed).
  RETURN_IF_ERROR(SyncFileData(fd_.get()));
  RETURN_IF_ERROR(fd_.Close());
  // The file's directory entry: its fsync was requested when the file was created and has
  // normally finished by now.
  return dir_synced_.get();
}

absl::Status BlobWriter::Fail(absl::Status status) {
  state_ = State::kFailed;
  failure_ = status;
  RemoveFile();
  return status;
}

void BlobWriter::Abort() {
  if (state_ != State::kOpen) return;
  state_ = State::kAborted;
  RemoveFile();
}

void BlobWriter::RemoveFile() {
  fd_.Reset();
  ::unlink(path_.c_str());  // Best effort: a leftover file is collected as garbage.
  write_state_->Finished(id_);
}

}  // namespace cleanroom::s3
