// Streaming readers of blob plaintext: a byte range of one blob, or of the concatenation of
// several blobs (the parts of a multipart object). See blob_format.h for the file layout.
#ifndef CLEANROOM_S3_BLOB_READER_H_
#define CLEANROOM_S3_BLOB_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/master_key.h"
#include "http/message.h"
#include "s3/blob_format.h"
#include "s3/blob_io.h"

namespace cleanroom::s3 {

// One blob of a multi-blob object, with the plaintext size recorded when it was written.
struct BlobRef {
  std::string id;
  uint64_t size = 0;
};

// Reads the plaintext range [offset, offset + length) of one blob. Encrypted chunks are read
// with large preads, each chunk is authenticated and decrypted once, straight into the
// caller's buffer when the caller wants the whole chunk. Read() returns kDataLoss if a chunk
// fails authentication or the file turns out shorter than its header says; errors are sticky.
//
// Not thread-safe. Obtained from BlobStore::OpenReader.
class BlobReader final : public http::BodyReader {
 public:
  // Opens blob `id` under `root` and reads its header; the range is the whole blob until
  // SetRange is called. `id` must be valid (see ValidateBlobId). `master_key` (may be null if
  // no encrypted blob is read) must outlive the reader. Returns kNotFound if there is no such
  // blob; kDataLoss if its header is corrupt or its data key cannot be unwrapped (wrong master
  // key, altered header, or the file was moved to another id); kFailedPrecondition for an
  // encrypted blob when `master_key` is null.
  static absl::StatusOr<std::unique_ptr<BlobReader>> Open(const std::string& root,
                                                          std::string_view id,
                                                          const crypto::MasterKey* master_key);
  ~BlobReader() override;

  // The blob's plaintext size.
  uint64_t size() const { return header_.plaintext_size; }
  bool encrypted() const { return header_.encrypted; }

  // Restricts reading to [offset, offset + length). Must be called before the first Read().
  // Returns kOutOfRange if the range extends past the end of the blob.
  absl::Status SetRange(uint64_t offset, uint64_t length);

  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  BlobReader(std::string id, ScopedFd fd, BlobHeader header, std::string data_key);

  absl::StatusOr<size_t> ReadPlain(char* buf, size_t n);
  absl::StatusOr<size_t> ReadEncrypted(char* buf, size_t n);

  const std::string id_;
  ScopedFd fd_;
  const BlobHeader header_;
  std::string data_key_;
  uint64_t pos_ = 0;  // next plaintext offset to return
  uint64_t end_ = 0;  // end of the range
  absl::Status error_;

  // Encrypted blobs: sealed chunks as read from the file.
  std::unique_ptr<char[]> sealed_;
  size_t sealed_capacity_ = 0;
  // Encrypted blobs: the plaintext of the last chunk decrypted into our own buffer;
  // [plain_begin_, plain_end_) are the bytes at pos_ not yet returned.
  std::unique_ptr<char[]> plain_;
  size_t plain_begin_ = 0;
  size_t plain_end_ = 0;
};

// Reads a range of the concatenation of `parts`, opening each part only when the range
// reaches it. Read() returns kNotFound if a part is missing, kDataLoss if a part is corrupt or
// its actual size differs from the recorded one, and whatever BlobReader::Read returns.
//
// Not thread-safe. Obtained from BlobStore::OpenConcatReader.
class ConcatBlobReader final : public http::BodyReader {
 public:
  // Parts must have valid ids and [offset, offset + length) must lie within the sum of their
  // sizes (checked by BlobStore::OpenConcatReader). `master_key` must outlive the reader.
  ConcatBlobReader(std::string root, const crypto::MasterKey* master_key,
                   std::vector<BlobRef> parts, uint64_t offset, uint64_t length);

  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  // Opens the part that holds pos_.
  absl::Status OpenCurrentPart();

  const std::string root_;
  const crypto::MasterKey* const master_key_;
  const std::vector<BlobRef> parts_;
  size_t part_index_ = 0;    // part holding pos_
  uint64_t part_start_ = 0;  // offset of parts_[part_index_] in the concatenation
  uint64_t pos_;
  uint64_t end_;
  std::unique_ptr<BlobReader> current_;
  absl::Status error_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BLOB_READER_H_
