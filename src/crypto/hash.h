// Message digests, MACs and checksums used by SigV4, S3 ETags and S3 checksum headers.
#ifndef CLEANROOM_CRYPTO_HASH_H_
#define CLEANROOM_CRYPTO_HASH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cleanroom::crypto {

// Incremental digest. Not thread-safe; one instance per stream.
class Digest {
 public:
  enum class Algorithm { kMd5, kSha1, kSha256 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(std::string_view data);
  // Returns the raw digest bytes; the object must not be used afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot digests returning raw bytes.
std::string Sha256(std::string_view data);
std::string Sha1(std::string_view data);
std::string Md5(std::string_view data);
// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);
// Raw HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Incremental CRC-32 (zlib/IEEE polynomial) and CRC-32C (Castagnoli). `value()` is the CRC of
// everything passed to Update so far (0 for no data). Not thread-safe; one instance per stream.
// Crc32c uses the SSE4.2 crc32 instruction when the CPU has it (checked at run time).
class Crc32 {
 public:
  void Update(std::string_view data);
  uint32_t value() const { return crc_; }

 private:
  uint32_t crc_ = 0;
};
class Crc32c {
 public:
  void Update(std::string_view data);
  uint32_t value() const { return crc_; }

 private:
  uint32_t crc_ = 0;
};

// CRC-32C of `data` continuing from `crc` (0 to start) with the portable table code only,
// bypassing the hardware path. Lets tests check both implementations agree.
uint32_t Crc32cPortableForTest(uint32_t crc, std::string_view data);

// base64 of the big-endian 4 bytes of `crc`, as in x-amz-checksum-crc32 / -crc32c.
std::string ChecksumHeaderValue(uint32_t crc);

// Compares two byte strings in time independent of their contents (lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cleanroom::crypto

#endif  // CLEANROOM_CRYPTO_HASH_H_
