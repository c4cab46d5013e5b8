#include "s3/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/random.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "s3/blob_format.h"
#include "s3/blob_io.h"

namespace cleanroom::s3 {
namespace {

// New blobs go to the same shard directory this many at a time.
constexpr uint64_t kBlobsPerShardTurn = 16;

// Owns a DIR* opened with opendir.
class ScopedDir {
 public:
  explicit ScopedDir(DIR* dir) : dir_(dir) {}
  ~ScopedDir() {
    if (dir_ != nullptr) ::closedir(dir_);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  DIR* get() const { return dir_; }

 private:
  DIR* dir_;
};

// Calls `fn(name)` for each entry of directory `path` except "." and "..". Stops at the first
// error `fn` returns.
template <typename Fn>
absl::Status ForEachEntry(const std::string& path, Fn fn) {
  ScopedDir dir(::opendir(path.c_str()));
  if (dir.get() == nullptr) return ErrnoError(errno, StrCat("opendir ", path));
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoError(errno, StrCat("readdir ", path));
      return absl::OkStatus();
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    RETURN_IF_ERROR(fn(std::string(name)));
  }
}

bool IsShardName(std::string_view name) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

// Removes the non-directory `path`, adding its size to `*bytes`. Returns whether it removed
// anything (false for a directory or a file that is already gone).
absl::StatusOr<bool> RemoveFile(const std::string& path, uint64_t* bytes) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return ErrnoError(errno, StrCat("stat ", path));
  }
  if (S_ISDIR(st.st_mode)) return false;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return ErrnoError(errno, StrCat("unlink ", path));
  }
  *bytes += static_cast<uint64_t>(st.st_size);
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& root_dir,
                                                           const crypto::MasterKey* master_key) {
  if (root_dir.empty()) return absl::InvalidArgumentError("empty blob store root");
  std::string root = root_dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();

  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return absl::ErrnoToStatus(ec.value(), StrCat("create ", root, ": ", ec.message()));
  }
  bool created_blobs = false;
  bool created_tmp = false;
  const std::string blobs_dir = StrCat(root, "/blobs");
  RETURN_IF_ERROR(EnsureDirectory(blobs_dir, &created_blobs));
  RETURN_IF_ERROR(EnsureDirectory(StrCat(root, "/tmp"), &created_tmp));
  if (created_blobs || created_tmp) RETURN_IF_ERROR(FsyncDirectory(root));
  // Every shard directory exists from the start, so committing a blob never has to create one
  // (and make its parent durable) on the write path.
  bool created_shard = false;
  for (int shard = 0; shard < 256; ++shard) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char name[2] = {kHex[shard >> 4], kHex[shard & 15]};
    bool created = false;
    RETURN_IF_ERROR(EnsureDirectory(StrCat(blobs_dir, "/", std::string_view(name, 2)), &created));
    created_shard = created_shard || created;
  }
  if (created_shard) RETURN_IF_ERROR(FsyncDirectory(blobs_dir));
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(root), master_key));
}

BlobStore::BlobStore(std::string root, const crypto::MasterKey* master_key)
    : root_(std::move(root)),
      master_key_(master_key),
      write_state_(std::make_shared<BlobWriteState>()),
      next_blob_(SystemRandom().Uniform(256) * kBlobsPerShardTurn) {}

uint8_t BlobStore::NextShard() {
  return static_cast<uint8_t>((next_blob_.fetch_add(1) / kBlobsPerShardTurn) % 256);
}

absl::Status BlobStore::CheckCommitted(const std::string& id) {
  if (write_state_->InProgress(id)) return absl::NotFoundError(StrCat("no such blob: ", id));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BlobWriter>> BlobStore::NewWriter(bool encrypt, bool compute_md5) {
  if (encrypt && master_key_ == nullptr) {
    return absl::FailedPreconditionError("cannot encrypt: no master key is configured");
  }
  std::string id = NewBlobId(SystemRandom(), NextShard());
  BlobHeader header;
  std::string data_key;
  if (encrypt) {
    data_key = SystemRandom().Bytes(crypto::kAeadKeySize);
    header.encrypted = true;
    header.chunk_size = kBlobChunkSize;
    header.wrapped_key = master_key_->Wrap(data_key, BlobKeyContext(id));
    if (header.wrapped_key.empty() || header.wrapped_key.size() > kBlobMaxWrappedKeySize) {
      explicit_bzero(data_key.data(), data_key.size());
      return absl::InternalError("wrapped data key has an unexpected size");
    }
  }
  const std::string path = BlobPath(root_, id);
  const std::string shard_dir = BlobShardDir(root_, id);
  auto create = [&] {
    return ScopedFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  };
  ScopedFd fd = create();
  if (!fd.valid() && errno == ENOENT) {
    // Open() creates every shard directory; recreate one that has gone missing.
    bool created = false;
    absl::Status ensured = EnsureDirectory(shard_dir, &created);
    if (ensured.ok() && created) ensured = FsyncDirectory(StrCat(root_, "/blobs"));
    if (!ensured.ok()) {
      explicit_bzero(data_key.data(), data_key.size());
      return ensured;
    }
    fd = create();
  }
  if (!fd.valid()) {
    const int error = errno;
    explicit_bzero(data_key.data(), data_key.size());
    return ErrnoError(error, "create blob file");
  }
  write_state_->Started(id);
  std::shared_future<absl::Status> dir_synced = write_state_->syncer().Request(shard_dir);
  return std::unique_ptr<BlobWriter>(
      new BlobWriter(root_, std::move(id), std::move(fd), EncodeBlobHeader(header),
                     std::move(data_key), compute_md5, write_state_, std::move(dir_synced)));
}

absl::StatusOr<std::unique_ptr<http::BodyReader>> BlobStore::OpenReader(const std::string& id,
                                                                        uint64_t offset,
                                                                        uint64_t length) {
  RETURN_IF_ERROR(ValidateBlobId(id));
  RETURN_IF_ERROR(CheckCommitted(id));
  ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, BlobReader::Open(root_, id, master_key_));
  RETURN_IF_ERROR(reader->SetRange(offset, length));
  return std::unique_ptr<http::BodyReader>(std::move(reader));
}

absl::StatusOr<std::unique_ptr<http::BodyReader>> BlobStore::OpenConcatReader(
    const std::vector<BlobRef>& parts, uint64_t offset, uint64_t length) {
  uint64_t total = 0;
  for (const BlobRef& part : parts) {
    RETURN_IF_ERROR(ValidateBlobId(part.id));
    RETURN_IF_ERROR(CheckCommitted(part.id));
    if (part.size > kBlobMaxPlaintextSize - total) {
      return absl::OutOfRangeError("parts too large");
    }
    total += part.size;
  }
  RETURN_IF_ERROR(CheckByteRange(offset, length, total, "object"));
  return std::unique_ptr<http::BodyReader>(
      std::make_unique<ConcatBlobReader>(root_, master_key_, parts, offset, length));
}

absl::StatusOr<uint64_t> BlobStore::Size(const std::string& id) {
  RETURN_IF_ERROR(ValidateBlobId(id));
  RETURN_IF_ERROR(CheckCommitted(id));
  ASSIGN_OR_RETURN(OpenedBlobFile file, OpenBlobFile(root_, id));
  return file.header.plaintext_size;
}

absl::Status BlobStore::Delete(const std::string& id) {
  RETURN_IF_ERROR(ValidateBlobId(id));
  const std::string path = BlobPath(root_, id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, StrCat("delete blob ", id));
  }
  return absl::OkStatus();
}

absl::StatusOr<GcStats> BlobStore::CollectGarbage(
    const std::function<bool(const std::string& id)>& is_referenced) {
  GcStats stats;
  const std::string tmp_dir = StrCat(root_, "/tmp");
  RETURN_IF_ERROR(ForEachEntry(tmp_dir, [&](const std::string& name) -> absl::Status {
    ASSIGN_OR_RETURN(bool removed, RemoveFile(StrCat(tmp_dir, "/", name), &stats.bytes_freed));
    if (removed) ++stats.temp_files_removed;
    return absl::OkStatus();
  }));

  const std::string blobs_dir = StrCat(root_, "/blobs");
  RETURN_IF_ERROR(ForEachEntry(blobs_dir, [&](const std::string& shard) -> absl::Status {
    if (!IsShardName(shard)) return absl::OkStatus();
    const std::string shard_dir = StrCat(blobs_dir, "/", shard);
    struct stat st;
    if (::lstat(shard_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return absl::OkStatus();
    return ForEachEntry(shard_dir, [&](const std::string& id) -> absl::Status {
      if (!IsValidBlobId(id) || id.compare(0, 2, shard) != 0) return absl::OkStatus();
      if (is_referenced(id)) {
        ++stats.blobs_kept;
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(bool removed, RemoveFile(StrCat(shard_dir, "/", id), &stats.bytes_freed));
      if (removed) ++stats.blobs_removed;
      return absl::OkStatus();
    });
  }));
  return stats;
}

}  // namespace cleanroom::s3
