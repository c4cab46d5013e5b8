// Wires the whole server: data dir, master key, metadata database, identities (with the
// bootstrap administrator), object storage, every service, and the HTTP listener.
#ifndef CLEANROOM_SERVER_CLEANROOM_SERVER_H_
#define CLEANROOM_SERVER_CLEANROOM_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cleanrooms/query_executor.h"
#include "cleanrooms/query_runner.h"
#include "http/server.h"

namespace cleanroom::logs {
class LogStore;
}  // namespace cleanroom::logs

namespace cleanroom::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string data_dir = "./data";
  http::ServerOptions http;  // host/port are taken from `listen`
  // The engine that checks and runs Clean Rooms protected queries (not owned; must outlive the
  // server). Without one the server runs its own (protectedquery::ProtectedQueryEngine on a
  // DuckDB engine of its own, spilling to <data_dir>/query-spill).
  cleanrooms::ProtectedQueryRunner* query_runner = nullptr;
  // Memory limit and threads of the protected-query engine (DuckDB settings; an empty limit is
  // half of the machine's physical memory; 0 threads = one per core).
  std::string query_memory_limit;
  int query_threads = 0;
  // How many protected queries run at once, how many may wait, how long one may run.
  cleanrooms::QueryExecutorOptions protected_queries;
};

class CleanroomServer {
 public:
  // Starts serving. On first start creates the data dir (0700), the master key and the
  // bootstrap admin account, whose credentials are written to <data_dir>/admin-credentials
  // (0600) and printed once on stdout. Writes <data_dir>/endpoint once listening.
  static absl::StatusOr<std::unique_ptr<CleanroomServer>> Start(const ServerConfig& config);
  ~CleanroomServer();

  uint16_t port() const;
  // The server's CloudWatch Logs store (owned by the server, valid until it is destroyed).
  // Server features that write logs for an account, such as Clean Rooms protected query logs,
  // call LogStore::Append on it; what they write is then readable through the Logs API.
  logs::LogStore* log_store() const;
  // Graceful stop (see http::Server::Shutdown).
  void Shutdown();

 private:
  struct State;
  explicit CleanroomServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cleanroom::server

#endif  // CLEANROOM_SERVER_CLEANROOM_SERVER_H_
