#include "engine/object_file_system.h"

#include <algorithm>

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

ObjectFileHandle& AsObjectHandle(duckdb::FileHandle& handle) {
  return handle.Cast<ObjectFileHandle>();
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

bool ObjectFileSystem::CanHandleFile(const std::string& path) {
  return path.rfind(kObjectUrlScheme, 0) == 0;
}

duckdb::unique_ptr<duckdb::FileHandle> ObjectFileSystem::OpenFile(
    const std::string& path, duckdb::FileOpenFlags flags,
    duckdb::optional_ptr<duckdb::FileOpener> /*opener*/) {
  if (flags.OpenForWriting() || flags.CreateFileIfNotExists() || flags.OverwriteExistingFile()) {
    throw duckdb::PermissionException("objects are read-only: " + path);
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

int64_t ObjectFileSystem::GetFileSize(duckdb::FileHandle& handle) {
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
  ObjectFileHandle& h = AsObjectHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  if (location > h.size()) throw duckdb::IOException("seek past the end of " + h.path);
  h.position = location;
}

duckdb::idx_t ObjectFileSystem::SeekPosition(duckdb::FileHandle& handle) {
  ObjectFileHandle& h = AsObjectHandle(handle);
  std::lock_guard<std::mutex> lock(h.position_mu());
  return h.position;
}

}  // namespace cleanroom::engine
