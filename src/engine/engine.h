// The SQL engine: embedded DuckDB (pinned 1.4.4). This is the only module that includes or
// links DuckDB; everything else sees these types and absl::Status.
#ifndef CLEANROOM_ENGINE_ENGINE_H_
#define CLEANROOM_ENGINE_ENGINE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cleanroom::engine {

struct EngineOptions {
  int threads = 2;
  std::string memory_limit = "1GB";
  // When false, the engine can read no files, URLs or extensions (the setting is locked).
  bool allow_external_access = false;
};

// A fully materialized result with values rendered as text (NULL = nullopt).
struct QueryResult {
  std::vector<std::string> column_names;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// An in-memory DuckDB database. Thread-safe: each Query uses its own connection.
class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs `sql` and returns its result. kInvalidArgument with DuckDB's message on any error.
  absl::StatusOr<QueryResult> Query(const std::string& sql);

  // The engine's version string, e.g. "v1.4.4".
  static std::string Version();

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_ENGINE_H_
