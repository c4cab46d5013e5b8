#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace cleanroom::crypto {
namespace {

// EVP lengths are ints; larger inputs are fed in slices of this size.
constexpr size_t kMaxSlice = size_t{1} << 30;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const EVP_CIPHER* Aes256Gcm() {
  // Fetched once: implicit fetches on every init are slow and contended in OpenSSL 3.
  static const EVP_CIPHER* const kCipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return kCipher;
}

absl::Status CheckSizes(std::string_view key, std::string_view nonce) {
  if (key.size() != kAeadKeySize) return absl::InvalidArgumentError("AEAD key must be 32 bytes");
  if (nonce.size() != kAeadNonceSize) {
    return absl::InvalidArgumentError("AEAD nonce must be 12 bytes");
  }
  return absl::OkStatus();
}

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Feeds `aad` (out == nullptr) or `in` -> `out` through an initialized context.
bool Feed(EVP_CIPHER_CTX* ctx, bool encrypt, const unsigned char* in, size_t n,
          unsigned char* out) {
  while (n > 0) {
    const int slice = static_cast<int>(std::min(n, kMaxSlice));
    int written = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, out, &written, in, slice)
                           : EVP_DecryptUpdate(ctx, out, &written, in, slice);
    if (ok != 1) return false;
    in += slice;
    n -= static_cast<size_t>(slice);
    if (out != nullptr) out += written;
  }
  return true;
}

}  // namespace

absl::Status AeadSealInto(std::string_view key, std::string_view nonce, std::string_view plaintext,
                          std::string_view aad, char* out) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  const EVP_CIPHER* cipher = Aes256Gcm();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (cipher == nullptr || ctx == nullptr) return absl::InternalError("AES-256-GCM unavailable");
  auto* dst = reinterpret_cast<unsigned char*>(out);
  int final_len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, U8(key), U8(nonce), nullptr) != 1 ||
      !Feed(ctx.get(), true, U8(aad), aad.size(), nullptr) ||
      !Feed(ctx.get(), true, U8(plaintext), plaintext.size(), dst) ||
      EVP_EncryptFinal_ex(ctx.get(), dst + plaintext.size(), &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagSize),
                          dst + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AeadSeal(std::string_view key, std::string_view nonce,
                                     std::string_view plaintext, std::string_view aad) {
  std::string out(plaintext.size() + kAeadTagSize, '\0');
  if (absl::Status s = AeadSealInto(key, nonce, plaintext, aad, out.data()); !s.ok()) return s;
  return out;
}

absl::Status AeadOpenInto(std::string_view key, std::string_view nonce, std::string_view sealed,
                          std::string_view aad, char* out) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  if (sealed.size() < kAeadTagSize) return absl::DataLossError("sealed data is truncated");
  const size_t text_len = sealed.size() - kAeadTagSize;
  const EVP_CIPHER* cipher = Aes256Gcm();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (cipher == nullptr || ctx == nullptr) return absl::InternalError("AES-256-GCM unavailable");
  // The tag is copied out first because `out` may alias `sealed`.
  unsigned char tag[kAeadTagSize];
  std::copy_n(U8(sealed) + text_len, kAeadTagSize, tag);
  auto* dst = reinterpret_cast<unsigned char*>(out);
  if (EVP_DecryptInit_ex2(ctx.get(), cipher, U8(key), U8(nonce), nullptr) != 1 ||
      !Feed(ctx.get(), false, U8(aad), aad.size(), nullptr) ||
      !Feed(ctx.get(), false, U8(sealed), text_len, dst) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagSize), tag) !=
          1) {
    return absl::InternalError("AES-256-GCM decryption failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), dst + text_len, &final_len) != 1) {
    // Never hand out unauthenticated plaintext.
    if (text_len > 0) OPENSSL_cleanse(dst, text_len);
    return absl::DataLossError("AEAD authentication failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AeadOpen(std::string_view key, std::string_view nonce,
                                     std::string_view sealed, std::string_view aad) {
  std::string out(sealed.size() >= kAeadTagSize ? sealed.size() - kAeadTagSize : 0, '\0');
  if (absl::Status s = AeadOpenInto(key, nonce, sealed, aad, out.data()); !s.ok()) return s;
  return out;
}

}  // namespace cleanroom::crypto
