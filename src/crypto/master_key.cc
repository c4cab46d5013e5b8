#include "crypto/master_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/encoding.h"
#include "common/random.h"
#include "crypto/aead.h"

namespace cleanroom::crypto {
namespace {

constexpr size_t kKeySize = kAeadKeySize;

absl::Status ErrnoError(const char* op, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat("master key: ", op, " ", path, ": ", std::strerror(err)));
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the result (close can surface delayed write errors).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status FsyncDir(const std::string& path) {
  const std::string dir = DirName(path);
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync directory", dir, errno);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

// Creates `path` exclusively (mode 0600) and writes and fsyncs `key` into it. On failure the
// file is removed again. Returns kAlreadyExists if `path` already exists.
absl::Status CreateExclusive(const std::string& path, const std::string& key) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(path);
    return ErrnoError("create", path, errno);
  }
  absl::Status status = WriteAll(fd.get(), key.data(), key.size(), path);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoError("fsync", path, errno);
  if (status.ok() && fd.Close() != 0) status = ErrnoError("close", path, errno);
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

// Writes a new key under a temporary name, then links it to `path`, so that `path` appears
// complete or not at all. Returns kAlreadyExists if `path` appeared meanwhile.
absl::Status CreateKeyFile(const std::string& path) {
  std::string key = SystemRandom().Bytes(kKeySize);
  const std::string tmp = absl::StrCat(path, ".tmp-", HexEncode(SystemRandom().Bytes(8)));
  absl::Status status = CreateExclusive(tmp, key);
  OPENSSL_cleanse(key.data(), key.size());
  if (!status.ok()) return status;
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return absl::AlreadyExistsError(path);
    if (err != EPERM && err != EOPNOTSUPP && err != ENOSYS) return ErrnoError("link", path, err);
    // The file system has no hard links: create the key in place instead.
    key = SystemRandom().Bytes(kKeySize);
    status = CreateExclusive(path, key);
    OPENSSL_cleanse(key.data(), key.size());
    if (!status.ok()) return status;
  } else {
    ::unlink(tmp.c_str());
  }
  return FsyncDir(path);
}

// Reads the key at `path`. Returns kNotFound if it does not exist.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(path);
    return ErrnoError("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key ", path, " is not a regular file"));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return absl::FailedPreconditionError(
        absl::StrCat("master key ", path, " has mode ", mode,
                     "; it must not be accessible to group or others "
                     "(chmod 600)"));
  }
  if (st.st_size != static_cast<off_t>(kKeySize)) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key ", path, " has ", st.st_size, " bytes; expected ", kKeySize));
  }
  std::string key(kKeySize, '\0');
  size_t got = 0;
  while (got < kKeySize) {
    ssize_t r = ::read(fd.get(), key.data() + got, kKeySize - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      OPENSSL_cleanse(key.data(), key.size());
      return ErrnoError("read", path, err);
    }
    if (r == 0) {
      OPENSSL_cleanse(key.data(), key.size());
      return absl::FailedPreconditionError(absl::StrCat("master key ", path, " is truncated"));
    }
    got += static_cast<size_t>(r);
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MasterKey>> MasterKey::LoadOrCreate(const std::string& path) {
  // A concurrent creator can make the file appear between our read and create attempts;
  // retrying once more then finds it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<std::string> key = ReadKeyFile(path);
    if (key.ok()) return std::unique_ptr<MasterKey>(new MasterKey(std::move(*key)));
    if (!absl::IsNotFound(key.status())) return key.status();
    absl::Status created = CreateKeyFile(path);
    if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  }
  return absl::InternalError(absl::StrCat("master key ", path, " keeps disappearing"));
}

std::unique_ptr<MasterKey> MasterKey::FromBytesForTest(std::string_view key) {
  if (key.size() != kKeySize) {
    std::fprintf(stderr, "MasterKey::FromBytesForTest: key must be %zu bytes\n", kKeySize);
    std::abort();
  }
  return std::unique_ptr<MasterKey>(new MasterKey(std::string(key)));
}

MasterKey::~MasterKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string MasterKey::Wrap(std::string_view secret, std::string_view context) const {
  std::string out = SystemRandom().Bytes(kAeadNonceSize);
  out.resize(kAeadNonceSize + secret.size() + kAeadTagSize);
  absl::Status status = AeadSealInto(key_, std::string_view(out.data(), kAeadNonceSize), secret,
                                     context, out.data() + kAeadNonceSize);
  if (!status.ok()) {
    // Only possible if OpenSSL itself is broken: the key and nonce sizes are fixed.
    std::fprintf(stderr, "MasterKey::Wrap: %s\n", std::string(status.message()).c_str());
    std::abort();
  }
  return out;
}

absl::StatusOr<std::string> MasterKey::Unwrap(std::string_view wrapped,
                                              std::string_view context) const {
  if (wrapped.size() < kAeadNonceSize + kAeadTagSize) {
    return absl::DataLossError("wrapped secret is truncated");
  }
  return AeadOpen(key_, wrapped.substr(0, kAeadNonceSize), wrapped.substr(kAeadNonceSize), context);
}

}  // namespace cleanroom::crypto
