// An HTTP/1.1 server: keep-alive, Expect: 100-continue, streamed request bodies (chunked or
// Content-Length), streamed responses, limits on header and body size, per-connection I/O
// timeouts and a graceful shutdown.
//
// Each connection is served by its own thread (bounded by `max_connections`), so handlers may
// block on disk or database work without stalling other clients.
#ifndef CLEANROOM_HTTP_SERVER_H_
#define CLEANROOM_HTTP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace cleanroom::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  size_t max_header_bytes = 64 * 1024;
  // Upper bound for any request body; handlers apply tighter limits of their own.
  uint64_t max_body_bytes = uint64_t{5} * 1024 * 1024 * 1024;
  int max_connections = 512;
  // A connection that sends or accepts nothing for this long is closed.
  int io_timeout_ms = 60 * 1000;
  // How long Shutdown() waits for in-flight requests.
  int shutdown_grace_ms = 30 * 1000;
};

// Answers a request. Must not throw (the server turns an escaped exception into a 500).
using Handler = std::function<Response(Request&)>;

// Renders an error found before a handler could run (malformed request, header or body over
// the limit). `partial` is the request as far as it was parsed (headers may be missing).
using ErrorRenderer = std::function<Response(const Request& partial, int status,
                                             std::string_view code, std::string_view message)>;

// Thread-safe.
class Server {
 public:
  // Binds and starts accepting. kUnavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       Handler handler, ErrorRenderer errors);
  ~Server();

  // The bound port (useful with port 0).
  uint16_t port() const { return port_; }
  // Stops accepting, closes idle connections, lets in-flight requests finish (up to the grace
  // period, after which their sockets are shut down) and returns once every connection thread
  // is done. Idempotent.
  void Shutdown();

 private:
  Server(const ServerOptions& options, Handler handler, ErrorRenderer errors);
  void AcceptLoop();
  void ServeConnection(int fd, std::string remote);

  ServerOptions options_;
  Handler handler_;
  ErrorRenderer errors_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd, readable once shutdown begins
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  int active_connections_ = 0;  // guarded by mu_
  std::set<int> active_fds_;    // guarded by mu_
};

}  // namespace cleanroom::http

#endif  // CLEANROOM_HTTP_SERVER_H_
