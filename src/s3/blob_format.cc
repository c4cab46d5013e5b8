#include "s3/blob_format.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "s3/blob_io.h"

namespace cleanroom::s3 {
namespace {

constexpr char kMagic[8] = {'C', 'R', 'B', 'L', 'O', 'B', '\0', '\1'};

void PutBigEndian(uint64_t value, size_t width, char* out) {
  for (size_t i = 0; i < width; ++i) {
    out[width - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetBigEndian(const char* in, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<unsigned char>(in[i]);
  }
  return value;
}

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(StrCat("corrupt blob header: ", what));
}

}  // namespace

bool IsValidBlobId(std::string_view id) {
  if (id.size() != kBlobIdLength) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status ValidateBlobId(std::string_view id) {
  if (IsValidBlobId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError("invalid blob id: expected 32 lower-case hex characters");
}

std::string NewBlobId(Random& random, uint8_t shard) {
  return HexEncode(
      StrCat(std::string(1, static_cast<char>(shard)), random.Bytes(kBlobIdLength / 2 - 1)));
}

std::string BlobShardDir(const std::string& root, std::string_view id) {
  return StrCat(root, "/blobs/", id.substr(0, 2));
}

std::string BlobPath(const std::string& root, std::string_view id) {
  return StrCat(root, "/blobs/", id.substr(0, 2), "/", id);
}

std::string BlobKeyContext(std::string_view id) { return StrCat("blob:", id); }

uint64_t BlobHeader::chunk_count() const {
  if (chunk_size == 0 || plaintext_size == 0) return 1;
  return (plaintext_size + chunk_size - 1) / chunk_size;
}

uint32_t BlobHeader::chunk_plaintext_size(uint64_t index) const {
  const uint64_t start = index * chunk_size;
  if (start >= plaintext_size) return 0;
  const uint64_t left = plaintext_size - start;
  return left < chunk_size ? static_cast<uint32_t>(left) : chunk_size;
}

uint64_t BlobHeader::chunk_offset(uint64_t index) const {
  return header_size() + index * (uint64_t{chunk_size} + crypto::kAeadTagSize);
}

uint64_t BlobHeader::file_size() const {
  if (!encrypted) return header_size() + plaintext_size;
  return header_size() + plaintext_size + chunk_count() * crypto::kAeadTagSize;
}

std::string EncodeBlobHeader(const BlobHeader& header) {
  std::string out(header.header_size(), '\0');
  char* p = out.data();
  std::memcpy(p, kMagic, sizeof(kMagic));
  PutBigEndian(kBlobFormatVersion, 2, p + 8);
  PutBigEndian(header.encrypted ? kBlobFlagEncrypted : 0, 2, p + 10);
  PutBigEndian(header.header_size(), 4, p + 12);
  PutBigEndian(header.chunk_size, 4, p + 16);
  PutBigEndian(header.plaintext_size, 8, p + kBlobPlaintextSizeOffset);
  PutBigEndian(header.wrapped_key.size(), 2, p + 28);
  std::memcpy(p + kBlobHeaderFixedSize, header.wrapped_key.data(), header.wrapped_key.size());
  return out;
}

absl::StatusOr<BlobHeader> ReadBlobHeader(int fd, uint64_t file_size) {
  char fixed[kBlobHeaderFixedSize];
  absl::StatusOr<size_t> got = PreadFull(fd, fixed, sizeof(fixed), 0);
  if (!got.ok()) return got.status();
  if (*got != sizeof(fixed)) return Corrupt("file too short");
  if (std::memcmp(fixed, kMagic, sizeof(kMagic)) != 0) return Corrupt("bad magic");
  const uint64_t version = GetBigEndian(fixed + 8, 2);
  if (version != kBlobFormatVersion) {
    return Corrupt(StrCat("unsupported format version ", version));
  }
  const uint64_t flags = GetBigEndian(fixed + 10, 2);
  if ((flags & ~uint64_t{kBlobFlagEncrypted}) != 0) return Corrupt("unknown flags");

  BlobHeader header;
  header.encrypted = (flags & kBlobFlagEncrypted) != 0;
  const uint64_t header_size = GetBigEndian(fixed + 12, 4);
  header.chunk_size = static_cast<uint32_t>(GetBigEndian(fixed + 16, 4));
  header.plaintext_size = GetBigEndian(fixed + kBlobPlaintextSizeOffset, 8);
  const uint64_t wrapped_size = GetBigEndian(fixed + 28, 2);

  if (header.encrypted) {
    if (header.chunk_size == 0 || header.chunk_size > kBlobMaxChunkSize) {
      return Corrupt("bad chunk size");
    }
    if (wrapped_size == 0 || wrapped_size > kBlobMaxWrappedKeySize) {
      return Corrupt("bad wrapped key size");
    }
  } else if (header.chunk_size != 0 || wrapped_size != 0) {
    return Corrupt("chunk size or key in an unencrypted blob");
  }
  if (header_size != kBlobHeaderFixedSize + wrapped_size) return Corrupt("bad header size");
  if (header.plaintext_size > kBlobMaxPlaintextSize) return Corrupt("bad plaintext size");

  header.wrapped_key.resize(wrapped_size);
  got = PreadFull(fd, header.wrapped_key.data(), wrapped_size, kBlobHeaderFixedSize);
  if (!got.ok()) return got.status();
  if (*got != wrapped_size) return Corrupt("file too short");

  if (header.file_size() != file_size) {
    return absl::DataLossError(StrCat("blob file size ", file_size, " does not match the ",
                                      header.file_size(), " bytes its header implies"));
  }
  return header;
}

absl::StatusOr<OpenedBlobFile> OpenBlobFile(const std::string& root, std::string_view id) {
  const std::string path = BlobPath(root, id);
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return absl::NotFoundError(StrCat("no such blob: ", id));
    return ErrnoError(errno, StrCat("open blob ", id));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(errno, StrCat("stat blob ", id));
  if (!S_ISREG(st.st_mode)) return absl::DataLossError(StrCat("blob ", id, " is not a file"));
  ASSIGN_OR_RETURN(BlobHeader header, ReadBlobHeader(fd.get(), static_cast<uint64_t>(st.st_size)));
  return OpenedBlobFile{std::move(fd), std::move(header)};
}

absl::Status CheckByteRange(uint64_t offset, uint64_t length, uint64_t size,
                            std::string_view what) {
  if (offset > size || length > size - offset) {
    return absl::OutOfRangeError(
        StrCat("range [", offset, ", +", length, ") exceeds the ", what, "'s ", size, " bytes"));
  }
  return absl::OkStatus();
}

std::array<char, crypto::kAeadNonceSize> BlobChunkNonce(uint64_t index) {
  std::array<char, crypto::kAeadNonceSize> nonce{};
  PutBigEndian(index, 8, nonce.data() + 4);
  return nonce;
}

std::array<char, kBlobAadSize> BlobChunkAad(std::string_view id, uint64_t index, bool last) {
  std::array<char, kBlobAadSize> aad{};
  std::memcpy(aad.data(), id.data(), std::min(id.size(), kBlobIdLength));
  PutBigEndian(index, 8, aad.data() + kBlobIdLength);
  aad[kBlobIdLength + 8] = last ? 1 : 0;
  return aad;
}

}  // namespace cleanroom::s3
