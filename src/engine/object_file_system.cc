#include "engine/object_file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace cleanroom::engine {
namespace {

// "cleanroom://<token>/<name>" -> token, name. False if `url` has another form.
bool SplitUrl(const std::string& url, std::string* token, std::string* name) {
  std::string_view rest(url);
  std::string_view scheme(kObjectUrlScheme);
  if (rest.substr(0, scheme.size()) != scheme) return false;
  rest.remove_prefix(scheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return false;
  *token = std::string(rest.substr(0, slash));
  *name = std::string(rest.substr(slash + 1));
  return true;
}

class ObjectFileHandle final : public duckdb::FileHandle {
 public:
  ObjectFileHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
                   std::shared_ptr<GrantState> grant, uint64_t size,
                   std::unique_ptr<ObjectReader> reader)
      : duckdb::FileHandle(fs, path, flags),
        grant_(std::move(grant)),
        size_(size),
        reader_(std::move(reader)) {}

  void Close() override {}

  // Reads [location, location + n) exactly; throws on failure.
  void ReadExactly(char* buf, uint64_t n, uint64_t location) {
    if (location > size_ || n > size_ - location) {
      throw duckdb::IOException("read past the end of object " + path);
    }
    if (n == 0) return;
    absl::Status status = reader_->ReadAt(location, buf, n);
    if (!status.ok()) {
      throw duckdb::IOException("cannot read object " + path + ": " +
                                std::string(status.message()));
    }
    grant_->bytes_read.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t size() const { return size_; }
  std::mutex& position_mu() { return position_mu_; }
  uint64_t position = 0;  // guarded by position_mu()

 private:
  std::shared_ptr<GrantState> grant_;  // keeps the object alive while the handle is open
  uint64_t size_;
  std::unique_ptr<ObjectReader> reader_;
  std::mutex position_mu_;
};

// A granted output: a local file written only through this handle.
class OutputFileHandle final : public duckdb::FileHandle {
 public:
  OutputFileHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
                   int fd)
      : duckdb::FileHandle(fs, path, flags), fd_(fd) {}
  ~OutputFileHandle() override { Close(); }

  void Close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void WriteAt(const char* buf, uint64_t n, uint64_t location) {
    while (n > 0) {
      ssize_t w = ::pwrite(fd_, buf, n, static_cast<off_t>(location));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw duckdb::IOException("cannot write the query result");
      buf += w;
      n -= static_cast<uint64_t>(w);
      location += static_cast<uint64_t>(w);
    }
  }

  int fd() const { return fd_; }
  std::mutex& position_mu() { return position_mu_; }
  uint64_t position = 0;  // guarded by position_mu()

 private:
  int fd_;
  std::mutex position_mu_;
};

bool IsOutput(duckdb::FileHandle& handle) {
  return dynamic_cast<OutputFileHandle*>(&handle) != nullptr;
}

ObjectFileHandle& AsObjectHandle(duckdb::FileHandle& handle) {
  auto* h = dynamic_cast<ObjectFileHandle*>(&handle);
  if (h == nullptr) throw duckdb::PermissionException("query outputs cannot be read: " + handle.path);
  return *h;
}

OutputFileHandle& AsOutputHandle(duckdb::FileHandle& handle) {
  auto* h = dynamic_cast<OutputFileHandle*>(&handle);
  if (h == nullptr) throw duckdb::PermissionException("objects are read-only: " + handle.path);
  return *h;
}

}  // namespace

void GrantRegistry::Add(const std::string& token, std::shared_ptr<GrantState> state) {
  std::lock_guard<std::mutex> lock(mu_);
  grants_[token] = std::move(state);
}

void GrantRegistry::Remove(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  grants_.erase(token);
}

std::shared_ptr<GrantState> GrantRegistry::Find(const std::string& url,
                                                const GrantedObject** object) const {
  *object = nullptr;
  std::string token, name;
  if (!SplitUrl(url, &token, &name)) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto grant = grants_.find(token);
  if (grant == grants_.end()) return nullptr;
  auto it = grant->second->objects.find(name);
  if (it == grant->second->objects.end()) return nullptr;
  *object = &it->second;
  return grant->second;
}

std::string GrantRegistry::FindOutput(const std::string& url) const {
  std::string token, name;
  if (!SplitUrl(url, &token, &name)) return "";
  std::lock_guard<std::mutex> lock(mu_);
  auto grant = grants_.find(token);
  if (grant == grants_.end()) return "";
  auto it = grant->second->outputs.find(name);
  return it == grant->second->outputs.end() ? "" : it->second;
}

bool ObjectFileSystem::CanHandleFile(const std::string& path) {
  return path.rfind(kObjectUrlScheme, 0) == 0;
}

duckdb::unique_ptr<duckdb::FileHandle> ObjectFileSystem::OpenFile(
    const std::string& path, duckdb::FileOpenFlags flags,
    duckdb::optional_ptr<duckdb::FileOpener> /*opener*/) {
  if (flags.OpenForWriting() || flags.CreateFileIfNotExists() || flags.OverwriteExistingFile()) {
    std::string local = registry_->FindOutput(path);
    if (local.empty()) throw duckdb::PermissionException("objects are read-only: " + path);
    int fd = ::open(local.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw duckdb::IOException("cannot create the query result");
    return duckdb::make_uniq<OutputFileHandle>(*this, path, flags, fd);
  }
  const GrantedObject* object = nullptr;
  std::shared_ptr<GrantState> grant = registry_->Find(path, &object);
  if (grant == nullptr) {
    if (flags.ReturnNullIfNotExists()) return nullptr;
    throw duckdb::IOException("no such object: " + path);
  }
  absl::StatusOr<std::unique_ptr<ObjectReader>> reader = object->open();
  if (!reader.ok()) {
    throw duckdb::IOException("cannot open object " + path + ": " +
                              std::string(reader.status().message()));
  }
  return duckdb::make_uniq<ObjectFileHandle>(*this, path, flags, std::move(grant), object->size,
                                             std::move(*reader));
}

void ObjectFileSystem::Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
                            duckdb::idx_t location) {
  if (nr_bytes < 0) throw duckdb::IOException("negative read size");
  AsObjectHandle(handle).ReadExactly(static_cast<char*>(buffer), static_cast<uint64_t>(nr_bytes),
                                     location);
}

int64_t ObjectFileSystem::Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) {
  if (nr_bytes < 0) throw duckdb::IOException("negative read size");
  ObjectFileHandle& h = AsObjectHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(nr_bytes), h.size() - h.position);
  h.ReadExactly(static_cast<char*>(buffer), n, h.position);
  h.position += n;
  return static_cast<int64_t>(n);
}

void ObjectFileSystem::Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
                             duckdb::idx_t location) {
  if (nr_bytes < 0) throw duckdb::IOException("negative write size");
  AsOutputHandle(handle).WriteAt(static_cast<const char*>(buffer), static_cast<uint64_t>(nr_bytes),
                                 location);
}

int64_t ObjectFileSystem::Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) {
  if (nr_bytes < 0) throw duckdb::IOException("negative write size");
  OutputFileHandle& h = AsOutputHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  h.WriteAt(static_cast<const char*>(buffer), static_cast<uint64_t>(nr_bytes), h.position);
  h.position += static_cast<uint64_t>(nr_bytes);
  return nr_bytes;
}

void ObjectFileSystem::FileSync(duckdb::FileHandle& handle) {
  // Results are synced by whoever stores them; nothing to do for the local spool file.
  AsOutputHandle(handle);
}

void ObjectFileSystem::Truncate(duckdb::FileHandle& handle, int64_t new_size) {
  OutputFileHandle& h = AsOutputHandle(handle);
  if (new_size < 0 || ::ftruncate(h.fd(), new_size) != 0) {
    throw duckdb::IOException("cannot truncate the query result");
  }
}

void ObjectFileSystem::RemoveFile(const std::string& filename,
                                  duckdb::optional_ptr<duckdb::FileOpener> /*opener*/) {
  std::string local = registry_->FindOutput(filename);
  if (local.empty()) throw duckdb::PermissionException("objects are read-only: " + filename);
  ::unlink(local.c_str());
}

int64_t ObjectFileSystem::GetFileSize(duckdb::FileHandle& handle) {
  if (IsOutput(handle)) {
    struct stat st;
    if (::fstat(AsOutputHandle(handle).fd(), &st) != 0) throw duckdb::IOException("cannot stat the query result");
    return static_cast<int64_t>(st.st_size);
  }
  return static_cast<int64_t>(AsObjectHandle(handle).size());
}

duckdb::timestamp_t ObjectFileSystem::GetLastModifiedTime(duckdb::FileHandle& /*handle*/) {
  return duckdb::timestamp_t(0);
}

duckdb::FileType ObjectFileSystem::GetFileType(duckdb::FileHandle& /*handle*/) {
  return duckdb::FileType::FILE_TYPE_REGULAR;
}

bool ObjectFileSystem::FileExists(const std::string& filename,
                                  duckdb::optional_ptr<duckdb::FileOpener> /*opener*/) {
  const GrantedObject* object = nullptr;
  return registry_->Find(filename, &object) != nullptr;
}

bool ObjectFileSystem::DirectoryExists(const std::string& /*directory*/,
                                       duckdb::optional_ptr<duckdb::FileOpener> /*opener*/) {
  return false;
}

duckdb::vector<duckdb::OpenFileInfo> ObjectFileSystem::Glob(const std::string& path,
                                                            duckdb::FileOpener* /*opener*/) {
  // Exact names only: a grant is a set of objects, never a pattern over them.
  duckdb::vector<duckdb::OpenFileInfo> out;
  const GrantedObject* object = nullptr;
  if (registry_->Find(path, &object) != nullptr) out.emplace_back(path);
  return out;
}

void ObjectFileSystem::Seek(duckdb::FileHandle& handle, duckdb::idx_t location) {
  if (IsOutput(handle)) {
    OutputFileHandle& out = AsOutputHandle(handle);
    std::lock_guard<std::mutex> lock(out.position_mu());
    out.position = location;
    return;
  }
  ObjectFileHandle& h = AsObjectHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  if (location > h.size()) throw duckdb::IOException("seek past the end of " + h.path);
  h.position = location;
}

duckdb::idx_t ObjectFileSystem::SeekPosition(duckdb::FileHandle& handle) {
  if (IsOutput(handle)) {
    OutputFileHandle& out = AsOutputHandle(handle);
    std::lock_guard<std::mutex> lock(out.position_mu());
    return out.position;
  }
  ObjectFileHandle& h = AsObjectHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  return h.position;
}

}  // namespace cleanroom::engine
