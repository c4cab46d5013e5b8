#include "engine/engine.h"

#include <exception>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/random.h"
#include "common/strings.h"
#include "duckdb.hpp"
#include "engine/engine_internal.h"
#include "engine/object_file_system.h"

namespace cleanroom::engine {

namespace {

class ObjectGrantImpl final : public ObjectGrant {
 public:
  ObjectGrantImpl(std::shared_ptr<GrantRegistry> registry, std::string token,
                  std::shared_ptr<GrantState> state)
      : registry_(std::move(registry)), token_(std::move(token)), state_(std::move(state)) {
    registry_->Add(token_, state_);
  }
  ~ObjectGrantImpl() override { registry_->Remove(token_); }

  std::string Url(const std::string& name) const override {
    return StrCat(kObjectUrlScheme, token_, "/", name);
  }
  uint64_t bytes_read() const override {
    return state_->bytes_read.load(std::memory_order_relaxed);
  }

 private:
  std::shared_ptr<GrantRegistry> registry_;
  std::string token_;
  std::shared_ptr<GrantState> state_;
};

bool IsValidBaseName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A folder PartitionedObjectName makes: <kPartitionFolderPrefix><i>=x<hex>.
bool IsPartitionFolder(std::string_view folder) {
  if (folder.substr(0, kPartitionFolderPrefix.size()) != kPartitionFolderPrefix) return false;
  folder.remove_prefix(kPartitionFolderPrefix.size());
  size_t digits = 0;
  while (digits < folder.size() && folder[digits] >= '0' && folder[digits] <= '9') ++digits;
  if (digits == 0 || folder.substr(digits, 2) != "=x") return false;
  for (char c : folder.substr(digits + 2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// A base name (letters, digits, '.', '_', '-'), optionally below partition folders.
bool IsValidObjectName(const std::string& name) {
  if (name.size() > 65536) return false;
  std::string_view rest(name);
  for (size_t slash = rest.find('/'); slash != std::string_view::npos; slash = rest.find('/')) {
    if (!IsPartitionFolder(rest.substr(0, slash))) return false;
    rest.remove_prefix(slash + 1);
  }
  return IsValidBaseName(rest);
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::string Engine::Version() { return duckdb::DuckDB::LibraryVersion(); }

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  try {
    duckdb::DBConfig config;
    config.SetOptionByName("threads", duckdb::Value::BIGINT(options.threads));
    try {
      config.SetOptionByName("memory_limit", duckdb::Value(options.memory_limit));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(StrCat("invalid memory limit '", options.memory_limit,
                                               "': ", duckdb::ErrorData(e).RawMessage()));
    }
    config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("allow_community_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("allow_persistent_secrets", duckdb::Value::BOOLEAN(false));
    // Every grant has URLs of its own, so cached ranges of granted objects could never be read
    // again; they would only hold (decrypted) table data in memory after the grant ends.
    config.SetOptionByName("enable_external_file_cache", duckdb::Value::BOOLEAN(false));
    // External access stays enabled so that granted objects can be scanned, but the local file
    // system (the only other one compiled in) is disabled below: files, database files,
    // extensions and secrets on disk are all out of reach.
    config.SetOptionByName("enable_external_access", duckdb::Value::BOOLEAN(true));
    if (!options.temp_directory.empty()) {
      if (options.temp_directory.find('\'') != std::string::npos) {
        return absl::InvalidArgumentError("the spill directory may not contain a quote");
      }
      config.SetOptionByName("temp_directory", duckdb::Value(options.temp_directory));
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    impl->db->instance->GetFileSystem().RegisterSubSystem(
        duckdb::make_uniq<ObjectFileSystem>(impl->grants));
    duckdb::Connection conn(*impl->db);
    std::vector<std::string> setup;
    if (!options.allow_external_access && options.temp_directory.empty()) {
      setup.push_back("SET disabled_filesystems = 'LocalFileSystem'");
    } else if (!options.allow_external_access) {
      // DuckDB writes spill files through the local file system, so it cannot be disabled;
      // external access is turned off instead, allowing only the spill directory and granted
      // objects (queries cannot name either: they pass the checks of Resolve).
      std::string dir = options.temp_directory;
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      setup.push_back(StrCat("SET allowed_directories = ['", dir, "/', '", kObjectUrlScheme, "']"));
      setup.push_back("SET enable_external_access = false");
    }
    setup.push_back("SET lock_configuration = true");
    for (const std::string& sql : setup) {
      auto result = conn.Query(sql);
      if (result->HasError()) {
        return absl::InternalError(StrCat("cannot configure DuckDB: ", result->GetError()));
      }
    }
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("cannot open DuckDB: ", duckdb::ErrorData(e).RawMessage()));
  }
}

QueryResult ToQueryResult(duckdb::MaterializedQueryResult& result) {
  QueryResult out;
  out.column_names = result.names;
  for (duckdb::idx_t r = 0; r < result.RowCount(); ++r) {
    std::vector<std::optional<std::string>> row;
    for (duckdb::idx_t c = 0; c < result.ColumnCount(); ++c) {
      duckdb::Value v = result.GetValue(c, r);
      if (v.IsNull()) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(v.ToString());
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<QueryResult> Engine::Query(const std::string& sql) {
  try {
    duckdb::Connection conn(*impl_->db);
    std::unique_ptr<duckdb::MaterializedQueryResult> result = conn.Query(sql);
    if (result->HasError()) return absl::InvalidArgumentError(result->GetError());
    return ToQueryResult(*result);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

absl::StatusOr<std::unique_ptr<ObjectGrant>> Engine::Grant(
    std::map<std::string, GrantedObject> objects, std::map<std::string, std::string> outputs) {
  for (const auto& [name, path] : outputs) {
    if (!IsValidObjectName(name) || objects.count(name)) {
      return absl::InvalidArgumentError(StrCat("invalid output name '", name, "'"));
    }
    if (path.empty()) return absl::InvalidArgumentError(StrCat("output '", name, "' has no path"));
  }
  for (const auto& [name, object] : objects) {
    if (!IsValidObjectName(name)) {
      return absl::InvalidArgumentError(StrCat("invalid object name '", name, "'"));
    }
    if (!object.open)
      return absl::InvalidArgumentError(StrCat("object '", name, "' has no opener"));
  }
  auto state = std::make_shared<GrantState>();
  state->objects = std::move(objects);
  state->outputs = std::move(outputs);
  std::string token = HexEncode(SystemRandom().Bytes(16));
  return std::unique_ptr<ObjectGrant>(
      new ObjectGrantImpl(impl_->grants, std::move(token), std::move(state)));
}

}  // namespace cleanroom::engine
