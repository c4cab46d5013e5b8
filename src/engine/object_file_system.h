// Internal to the engine module: the DuckDB file system that serves granted objects under
// "cleanroom://<token>/<name>" and nothing else. Not part of the engine's public API.
#ifndef CLEANROOM_ENGINE_OBJECT_FILE_SYSTEM_H_
#define CLEANROOM_ENGINE_OBJECT_FILE_SYSTEM_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "duckdb.hpp"
#include "engine/engine.h"

namespace cleanroom::engine {

inline constexpr char kObjectUrlScheme[] = "cleanroom://";

// The objects of one grant and what has been read of them.
struct GrantState {
  std::map<std::string, GrantedObject> objects;
  // Outputs: names a query may create and write (COPY ... TO), each a local file path.
  std::map<std::string, std::string> outputs;
  std::atomic<uint64_t> bytes_read{0};
};

// Live grants by token. Thread-safe.
class GrantRegistry {
 public:
  void Add(const std::string& token, std::shared_ptr<GrantState> state);
  void Remove(const std::string& token);
  // The grant and object named by `url`, or nullptr/nullptr if there is none.
  std::shared_ptr<GrantState> Find(const std::string& url, const GrantedObject** object) const;
  // The local path of the output named by `url`, or "" if there is none.
  std::string FindOutput(const std::string& url) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<GrantState>> grants_;
};

// DuckDB file system over GrantRegistry: granted objects are read-only, granted outputs
// write-only. Every failure is a duckdb exception
// (IOException, PermissionException) carrying a message fit for the query's error.
class ObjectFileSystem final : public duckdb::FileSystem {
 public:
  explicit ObjectFileSystem(std::shared_ptr<GrantRegistry> registry)
      : registry_(std::move(registry)) {}

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(
      const std::string& path, duckdb::FileOpenFlags flags,
      duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
            duckdb::idx_t location) override;
  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  void Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
             duckdb::idx_t location) override;
  int64_t Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  void FileSync(duckdb::FileHandle& handle) override;
  void Truncate(duckdb::FileHandle& handle, int64_t new_size) override;
  void RemoveFile(const std::string& filename,
                  duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  int64_t GetFileSize(duckdb::FileHandle& handle) override;
  duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle& handle) override;
  duckdb::FileType GetFileType(duckdb::FileHandle& handle) override;
  bool FileExists(const std::string& filename,
                  duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool DirectoryExists(const std::string& directory,
                       duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path,
                                            duckdb::FileOpener* opener) override;
  void Seek(duckdb::FileHandle& handle, duckdb::idx_t location) override;
  duckdb::idx_t SeekPosition(duckdb::FileHandle& handle) override;
  bool CanSeek() override { return true; }
  bool OnDiskFile(duckdb::FileHandle&) override { return false; }
  bool CanHandleFile(const std::string& path) override;
  std::string GetName() const override { return "CleanroomObjectFileSystem"; }

 private:
  std::shared_ptr<GrantRegistry> registry_;
};

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_OBJECT_FILE_SYSTEM_H_
