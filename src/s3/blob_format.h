// The on-disk format of a blob: one file holding the bytes of one object (or one part of a
// multipart object), at `<root>/blobs/<first two hex chars of id>/<id>`.
//
// Every blob file starts with a header (all integers big-endian):
//
//   offset  size  field
//        0     8  magic "CRBLOB\0\1"
//        8     2  format version (1)
//       10     2  flags: bit 0 = encrypted; other bits must be zero
//       12     4  header size in bytes = offset of the data = 30 + wrapped key length
//       16     4  chunk size (plaintext bytes per chunk) if encrypted, else 0
//       20     8  plaintext size in bytes
//       28     2  wrapped key length (0 if not encrypted)
//       30     n  wrapped data key: MasterKey::Wrap(data_key, "blob:" + id)
//
// Unencrypted data follows the header as-is. Encrypted data is a sequence of
// max(1, ceil(size / chunk_size)) chunks; chunk i holds plaintext bytes
// [i * chunk_size, min(size, (i + 1) * chunk_size)) sealed with AES-256-GCM under the blob's
// data key, stored as ciphertext || 16-byte tag, with
//   nonce = 4 zero bytes || big-endian uint64 i
//   AAD   = blob id (32 ASCII bytes) || big-endian uint64 i || 1 if i is the last chunk else 0.
// The data key is fresh for every blob, so a (key, nonce) pair is never reused. Binding the
// index and the last-chunk flag means chunks cannot be reordered, moved between blobs, or
// dropped from the end without detection; an empty blob has one empty final chunk.
#ifndef CLEANROOM_S3_BLOB_FORMAT_H_
#define CLEANROOM_S3_BLOB_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/random.h"
#include "crypto/aead.h"
#include "s3/blob_io.h"

namespace cleanroom::s3 {

inline constexpr size_t kBlobIdLength = 32;
inline constexpr uint16_t kBlobFormatVersion = 1;
inline constexpr uint16_t kBlobFlagEncrypted = 1;
inline constexpr size_t kBlobHeaderFixedSize = 30;
inline constexpr size_t kBlobPlaintextSizeOffset = 20;
// Plaintext bytes per encrypted chunk written by this version.
inline constexpr uint32_t kBlobChunkSize = 64 * 1024;
// Limits a reader accepts, so that a corrupt header cannot demand huge buffers.
inline constexpr uint32_t kBlobMaxChunkSize = 16 * 1024 * 1024;
inline constexpr size_t kBlobMaxWrappedKeySize = 1024;
inline constexpr uint64_t kBlobMaxPlaintextSize = uint64_t{1} << 50;

inline constexpr size_t kBlobAadSize = kBlobIdLength + 8 + 1;

// True if `id` is exactly 32 lower-case hex characters.
bool IsValidBlobId(std::string_view id);
// OK if IsValidBlobId(id), else kInvalidArgument.
absl::Status ValidateBlobId(std::string_view id);
// A fresh blob id in shard `shard` (its first two hex characters), the other 120 bits from
// `random`.
std::string NewBlobId(Random& random, uint8_t shard);

// `<root>/blobs/<id[0,2)>/<id>` and `<root>/blobs/<id[0,2)>`. `id` must be valid.
std::string BlobPath(const std::string& root, std::string_view id);
std::string BlobShardDir(const std::string& root, std::string_view id);

// The MasterKey::Wrap context that binds a data key to blob `id`.
std::string BlobKeyContext(std::string_view id);

// The decoded header of a blob file.
struct BlobHeader {
  bool encrypted = false;
  uint32_t chunk_size = 0;  // 0 unless encrypted
  uint64_t plaintext_size = 0;
  std::string wrapped_key;  // empty unless encrypted

  // Offset of the first data byte.
  uint64_t header_size() const { return kBlobHeaderFixedSize + wrapped_key.size(); }
  // Number of encrypted chunks (at least 1); meaningless when not encrypted.
  uint64_t chunk_count() const;
  // Plaintext bytes in chunk `index` (< chunk_count()).
  uint32_t chunk_plaintext_size(uint64_t index) const;
  // Byte offset of chunk `index` in the file.
  uint64_t chunk_offset(uint64_t index) const;
  // The total file size this header implies.
  uint64_t file_size() const;
};

// Serializes `header` (header_size() bytes).
std::string EncodeBlobHeader(const BlobHeader& header);

// Reads and validates the header of the open blob file `fd` whose size is `file_size`.
// Returns kDataLoss if the header is malformed, of an unknown version, or inconsistent with the
// file size (e.g. a truncated file).
absl::StatusOr<BlobHeader> ReadBlobHeader(int fd, uint64_t file_size);

// A blob file opened for reading, with its validated header.
struct OpenedBlobFile {
  ScopedFd fd;
  BlobHeader header;
};

// Opens the file of blob `id` under `root` read-only and reads its header. `id` must be valid.
// Returns kNotFound if there is no such blob; kDataLoss if it is not a regular file or its
// header is malformed or inconsistent with the file size (see ReadBlobHeader).
absl::StatusOr<OpenedBlobFile> OpenBlobFile(const std::string& root, std::string_view id);

// OK if the byte range [offset, offset + length) lies within `size` bytes; otherwise
// kOutOfRange naming the range and `what` holds them ("blob", "object").
absl::Status CheckByteRange(uint64_t offset, uint64_t length, uint64_t size, std::string_view what);

// The GCM nonce and AAD of chunk `index` of blob `id`.
std::array<char, crypto::kAeadNonceSize> BlobChunkNonce(uint64_t index);
std::array<char, kBlobAadSize> BlobChunkAad(std::string_view id, uint64_t index, bool last);

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BLOB_FORMAT_H_
