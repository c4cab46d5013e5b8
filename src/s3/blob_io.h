// Thin POSIX file helpers for the blob store: an owning file descriptor, full-length reads and
// writes that retry on EINTR and short transfers, and directory fsync. Errors are absl::Status
// values built from errno (kNotFound for ENOENT, kResourceExhausted for ENOSPC, ...).
#ifndef CLEANROOM_S3_BLOB_IO_H_
#define CLEANROOM_S3_BLOB_IO_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cleanroom::s3 {

// Owns a file descriptor and closes it on destruction. Movable, not copyable.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int Release();
  // Closes the descriptor (if any), ignoring errors.
  void Reset();
  // Closes the descriptor and reports a close(2) failure (which can signal a lost write).
  absl::Status Close();

 private:
  int fd_ = -1;
};

// A Status for the current `errno`-style `error_number`, prefixed with `what`.
absl::Status ErrnoError(int error_number, std::string_view what);

// Reads up to `n` bytes at `offset`, retrying until `n` bytes were read or end of file.
// Returns the number of bytes read (less than `n` only at end of file).
absl::StatusOr<size_t> PreadFull(int fd, char* buf, size_t n, uint64_t offset);

// Writes all of `data` at the current file position.
absl::Status WriteFull(int fd, std::string_view data);

// Writes all of `first` then all of `second` at the current file position, with as few
// system calls as possible and without copying either into a common buffer.
absl::Status WritevFull(int fd, std::string_view first, std::string_view second);

// Writes all of `data` at `offset`.
absl::Status PwriteFull(int fd, std::string_view data, uint64_t offset);

// fdatasync(2): makes the file's data and the metadata needed to read it back (size, block
// map) durable; unlike fsync it skips timestamps.
absl::Status SyncFileData(int fd);

// Asks the kernel to start writing back the dirty pages of [offset, offset + length) now,
// without waiting for the I/O (sync_file_range with SYNC_FILE_RANGE_WRITE). A hint only: it
// makes nothing durable, but lets a later SyncFileData find less to write. Errors are ignored.
void StartWriteback(int fd, uint64_t offset, uint64_t length);

// fsyncs the directory at `path` so that entries created or renamed in it are durable.
absl::Status FsyncDirectory(const std::string& path);

// Creates directory `path` (mode 0700) if absent. Sets `*created` (when non-null) to whether
// it was created by this call. Returns kFailedPrecondition if `path` exists but is not a
// directory.
absl::Status EnsureDirectory(const std::string& path, bool* created = nullptr);

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BLOB_IO_H_
