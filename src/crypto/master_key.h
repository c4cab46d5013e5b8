// The server's master key: a 32-byte secret in a 0600 file in the data dir. It encrypts secret
// access keys at rest and wraps the per-object data keys of SSE-S3 objects.
#ifndef CLEANROOM_CRYPTO_MASTER_KEY_H_
#define CLEANROOM_CRYPTO_MASTER_KEY_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace cleanroom::crypto {

// Thread-safe after construction (immutable).
class MasterKey {
 public:
  // Loads the key from `path`, creating it (32 random bytes, mode 0600, fsynced) if absent.
  // Creation is atomic: the key is written and fsynced under a temporary name in the same
  // directory, then linked into place, so `path` never holds a partial key even after a crash;
  // if another process creates `path` first, its key is loaded. The directory must exist.
  // Returns kFailedPrecondition if the file exists but is not a regular file, has the wrong
  // size, or has permissions granting group or others any access (read, write or execute);
  // kInternal on I/O failure.
  static absl::StatusOr<std::unique_ptr<MasterKey>> LoadOrCreate(const std::string& path);
  // A key held in memory only (tests, benchmarks). `key` must be 32 bytes (aborts otherwise).
  static std::unique_ptr<MasterKey> FromBytesForTest(std::string_view key);

  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;
  // Wipes the key from memory.
  ~MasterKey();

  // Encrypts `secret` bound to `context` (e.g. "access-key:AKIA..."): returns
  // nonce || ciphertext || tag (12 + secret.size() + 16 bytes) with a fresh random nonce from
  // the OS CSPRNG. The same context must be given to Unwrap.
  std::string Wrap(std::string_view secret, std::string_view context) const;
  // Reverses Wrap. kDataLoss if the blob was altered or the context differs.
  absl::StatusOr<std::string> Unwrap(std::string_view wrapped, std::string_view context) const;

 private:
  explicit MasterKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace cleanroom::crypto

#endif  // CLEANROOM_CRYPTO_MASTER_KEY_H_
