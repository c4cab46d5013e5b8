// Authenticated encryption: AES-256-GCM with 12-byte nonces and 16-byte tags.
// All functions are thread-safe (no shared mutable state).
#ifndef CLEANROOM_CRYPTO_AEAD_H_
#define CLEANROOM_CRYPTO_AEAD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cleanroom::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;

// Returns ciphertext || tag (plaintext.size() + 16 bytes). `key` must be 32 bytes and `nonce`
// 12 bytes (kInvalidArgument otherwise). Never reuse a (key, nonce) pair.
absl::StatusOr<std::string> AeadSeal(std::string_view key, std::string_view nonce,
                                     std::string_view plaintext, std::string_view aad);
// Same, writing into `out` (which must hold plaintext.size() + 16 bytes); avoids allocation on
// hot paths. `out` may equal plaintext.data() (encryption in place) but must not otherwise
// overlap it.
absl::Status AeadSealInto(std::string_view key, std::string_view nonce, std::string_view plaintext,
                          std::string_view aad, char* out);

// Verifies and decrypts ciphertext || tag. Returns kDataLoss if authentication fails.
absl::StatusOr<std::string> AeadOpen(std::string_view key, std::string_view nonce,
                                     std::string_view sealed, std::string_view aad);
// Same, writing sealed.size() - 16 plaintext bytes into `out`. `out` may equal sealed.data()
// (decryption in place) but must not otherwise overlap it. On kDataLoss `out` is zeroed, so
// unauthenticated plaintext is never exposed. A `sealed` shorter than the tag is kDataLoss.
absl::Status AeadOpenInto(std::string_view key, std::string_view nonce, std::string_view sealed,
                          std::string_view aad, char* out);

}  // namespace cleanroom::crypto

#endif  // CLEANROOM_CRYPTO_AEAD_H_
