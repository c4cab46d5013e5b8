#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/encoding.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cleanroom::crypto {
namespace {

// Failures of OpenSSL on valid arguments (allocation failure, a missing default provider) are
// environment breakage, not input errors; there is nothing sensible to return.
[[noreturn]] void OpenSslFatal(const char* what) {
  std::fprintf(stderr, "cleanroom: OpenSSL failure in %s\n", what);
  std::abort();
}

// Fetching an algorithm is comparatively expensive in OpenSSL 3, so each is fetched once.
const EVP_MD* FetchedMd(Digest::Algorithm algorithm) {
  static const EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* const kSha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = nullptr;
  switch (algorithm) {
    case Digest::Algorithm::kMd5:
      md = kMd5;
      break;
    case Digest::Algorithm::kSha1:
      md = kSha1;
      break;
    case Digest::Algorithm::kSha256:
      md = kSha256;
      break;
  }
  if (md == nullptr) OpenSslFatal("EVP_MD_fetch");
  return md;
}

std::string OneShot(Digest::Algorithm algorithm, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, FetchedMd(algorithm), nullptr) != 1) {
    OpenSslFatal("EVP_Digest");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

// ---- CRC-32C (Castagnoli), reflected polynomial 0x82F63B78 ----

constexpr uint32_t kCrc32cPolynomial = 0x82F63B78u;

// Slice-by-8 tables: kCrc32cTables[0] is the classic byte table; table k advances a byte
// through k further zero bytes.
struct Crc32cTables {
  uint32_t t[8][256];
};

constexpr Crc32cTables MakeCrc32cTables() {
  Crc32cTables tables{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kCrc32cPolynomial : 0u);
    tables.t[0][i] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t prev = tables.t[k - 1][i];
      tables.t[k][i] = (prev >> 8) ^ tables.t[0][prev & 0xffu];
    }
  }
  return tables;
}

constexpr Crc32cTables kCrc32cTables = MakeCrc32cTables();

inline uint32_t LoadLe32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// Operates on the raw (non-inverted) register value.
uint32_t Crc32cPortableRaw(uint32_t crc, const unsigned char* p, size_t n) {
  const auto& t = kCrc32cTables.t;
  while (n >= 8) {
    uint32_t lo = crc ^ LoadLe32(p);
    uint32_t hi = LoadLe32(p + 4);
    crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^
          t[3][hi & 0xffu] ^ t[2][(hi >> 8) & 0xffu] ^ t[1][(hi >> 16) & 0xffu] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xffu];
    ++p;
    --n;
  }
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42Raw(uint32_t crc, const unsigned char* p,
                                                          size_t n) {
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0) {
    crc = _mm_crc32_u8(crc, *p);
    ++p;
    --n;
  }
  uint64_t crc64 = crc;
  while (n >= 32) {
    uint64_t w[4];
    std::memcpy(w, p, sizeof(w));
    crc64 = _mm_crc32_u64(crc64, w[0]);
    crc64 = _mm_crc32_u64(crc64, w[1]);
    crc64 = _mm_crc32_u64(crc64, w[2]);
    crc64 = _mm_crc32_u64(crc64, w[3]);
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, sizeof(w));
    crc64 = _mm_crc32_u64(crc64, w);
    p += 8;
    n -= 8;
  }
  crc = static_cast<uint32_t>(crc64);
  while (n > 0) {
    crc = _mm_crc32_u8(crc, *p);
    ++p;
    --n;
  }
  return crc;
}

bool HasSse42() {
  static const bool kHas = __builtin_cpu_supports("sse4.2");
  return kHas;
}
#endif

uint32_t Crc32cRaw(uint32_t crc, const unsigned char* p, size_t n) {
#if defined(__x86_64__)
  if (HasSse42()) return Crc32cSse42Raw(crc, p, n);
#endif
  return Crc32cPortableRaw(crc, p, n);
}

}  // namespace

struct Digest::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Digest::Digest(Algorithm algorithm) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, FetchedMd(algorithm), nullptr) != 1) {
    OpenSslFatal("EVP_DigestInit_ex");
  }
}

Digest::~Digest() = default;

void Digest::Update(std::string_view data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) {
    OpenSslFatal("EVP_DigestUpdate");
  }
}

std::string Digest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, out, &len) != 1) OpenSslFatal("EVP_DigestFinal_ex");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Sha256(std::string_view data) { return OneShot(Digest::Algorithm::kSha256, data); }

std::string Sha1(std::string_view data) { return OneShot(Digest::Algorithm::kSha1, data); }

std::string Md5(std::string_view data) { return OneShot(Digest::Algorithm::kMd5, data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() rejects a null key pointer even with length 0.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  if (HMAC(FetchedMd(Digest::Algorithm::kSha256), key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &len) == nullptr) {
    OpenSslFatal("HMAC");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

void Crc32::Update(std::string_view data) {
  // crc32_z takes a size_t length, so buffers above 4 GiB need no splitting.
  crc_ = static_cast<uint32_t>(crc32_z(crc_, reinterpret_cast<const Bytef*>(data.data()),
                                       static_cast<z_size_t>(data.size())));
}

void Crc32c::Update(std::string_view data) {
  crc_ = ~Crc32cRaw(~crc_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

uint32_t Crc32cPortableForTest(uint32_t crc, std::string_view data) {
  return ~Crc32cPortableRaw(~crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string ChecksumHeaderValue(uint32_t crc) {
  const char bytes[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                         static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return Base64Encode(std::string_view(bytes, sizeof(bytes)));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cleanroom::crypto
