#include "s3/blob_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "common/strings.h"

namespace cleanroom::s3 {
namespace {

// Largest single transfer handed to the kernel (Linux caps transfers just below 2 GiB anyway).
constexpr size_t kMaxTransfer = size_t{1} << 30;

}  // namespace

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int ScopedFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void ScopedFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status ScopedFd::Close() {
  if (fd_ < 0) return absl::OkStatus();
  int fd = Release();
  // On Linux the descriptor is released even when close() fails, so never retry.
  if (::close(fd) != 0 && errno != EINTR) return ErrnoError(errno, "close");
  return absl::OkStatus();
}

absl::Status ErrnoError(int error_number, std::string_view what) {
  char text[128];
  // GNU strerror_r: returns a pointer to the message, which may or may not be `text`.
  const char* message = strerror_r(error_number, text, sizeof(text));
  return absl::ErrnoToStatus(error_number, StrCat(what, ": ", message));
}

absl::StatusOr<size_t> PreadFull(int fd, char* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    const uint64_t at = offset + done;
    if (at > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
      return absl::OutOfRangeError("read offset too large");
    }
    const size_t want = std::min(n - done, kMaxTransfer);
    ssize_t got = ::pread(fd, buf + done, want, static_cast<off_t>(at));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "pread");
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

absl::Status WriteFull(int fd, std::string_view data) {
  while (!data.empty()) {
    const size_t want = std::min(data.size(), kMaxTransfer);
    ssize_t put = ::write(fd, data.data(), want);
    if (put < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write");
    }
    data.remove_prefix(static_cast<size_t>(put));
  }
  return absl::OkStatus();
}

absl::Status WritevFull(int fd, std::string_view first, std::string_view second) {
  while (!first.empty()) {
    const size_t first_len = std::min(first.size(), kMaxTransfer);
    const size_t second_len = std::min(second.size(), kMaxTransfer - first_len);
    iovec iov[2] = {{const_cast<char*>(first.data()), first_len},
                    {const_cast<char*>(second.data()), second_len}};
    ssize_t put = ::writev(fd, iov, second_len == 0 ? 1 : 2);
    if (put < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "writev");
    }
    size_t done = static_cast<size_t>(put);
    const size_t from_first = std::min(done, first.size());
    first.remove_prefix(from_first);
    second.remove_prefix(done - from_first);
  }
  return WriteFull(fd, second);
}

absl::Status PwriteFull(int fd, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    if (offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
      return absl::OutOfRangeError("write offset too large");
    }
    const size_t want = std::min(data.size(), kMaxTransfer);
    ssize_t put = ::pwrite(fd, data.data(), want, static_cast<off_t>(offset));
    if (put < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "pwrite");
    }
    data.remove_prefix(static_cast<size_t>(put));
    offset += static_cast<uint64_t>(put);
  }
  return absl::OkStatus();
}

absl::Status SyncFileData(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return ErrnoError(errno, "fdatasync");
  }
  return absl::OkStatus();
}

void StartWriteback(int fd, uint64_t offset, uint64_t length) {
  if (offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max()) ||
      length > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) {
    return;
  }
  (void)::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length),
                          SYNC_FILE_RANGE_WRITE);
}

absl::Status FsyncDirectory(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, StrCat("open directory ", path));
  while (::fsync(fd.get()) != 0) {
    if (errno != EINTR) return ErrnoError(errno, StrCat("fsync directory ", path));
  }
  return fd.Close();
}

absl::Status EnsureDirectory(const std::string& path, bool* created) {
  if (created != nullptr) *created = false;
  if (::mkdir(path.c_str(), 0700) == 0) {
    if (created != nullptr) *created = true;
    return absl::OkStatus();
  }
  if (errno != EEXIST) return ErrnoError(errno, StrCat("mkdir ", path));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, StrCat("stat ", path));
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(StrCat(path, " exists and is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace cleanroom::s3
