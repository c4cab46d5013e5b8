#include "engine/engine.h"

#include <exception>

#include "common/strings.h"
#include "duckdb.hpp"

namespace cleanroom::engine {

struct Engine::Impl {
  std::unique_ptr<duckdb::DuckDB> db;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::string Engine::Version() { return duckdb::DuckDB::LibraryVersion(); }

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  try {
    duckdb::DBConfig config;
    config.SetOptionByName("threads", duckdb::Value::BIGINT(options.threads));
    config.SetOptionByName("memory_limit", duckdb::Value(options.memory_limit));
    config.SetOptionByName("autoinstall_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("autoload_known_extensions", duckdb::Value::BOOLEAN(false));
    config.SetOptionByName("enable_external_access",
                           duckdb::Value::BOOLEAN(options.allow_external_access));
    config.SetOptionByName("lock_configuration", duckdb::Value::BOOLEAN(true));
    auto impl = std::make_unique<Impl>();
    impl->db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::InternalError(StrCat("cannot open DuckDB: ", e.what()));
  }
}

absl::StatusOr<QueryResult> Engine::Query(const std::string& sql) {
  try {
    duckdb::Connection conn(*impl_->db);
    std::unique_ptr<duckdb::MaterializedQueryResult> result = conn.Query(sql);
    if (result->HasError()) return absl::InvalidArgumentError(result->GetError());
    QueryResult out;
    out.column_names = result->names;
    for (duckdb::idx_t r = 0; r < result->RowCount(); ++r) {
      std::vector<std::optional<std::string>> row;
      for (duckdb::idx_t c = 0; c < result->ColumnCount(); ++c) {
        duckdb::Value v = result->GetValue(c, r);
        if (v.IsNull()) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(v.ToString());
        }
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

}  // namespace cleanroom::engine
