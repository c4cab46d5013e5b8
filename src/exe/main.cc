// cleanroomd: the cleanroom server.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "CLI/CLI.hpp"
#include "common/logging.h"
#include "server/cleanroom_server.h"

int main(int argc, char** argv) {
  CLI::App app{"cleanroomd: a self-hosted data clean room speaking the AWS APIs"};
  cleanroom::server::ServerConfig config;
  std::string log_level = "info";
  app.add_option("--listen", config.listen,
                 "Address to listen on (host:port; port 0 = any free port)")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "Directory for metadata, keys and object data")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warning or error")->capture_default_str();
  app.add_option("--query-memory-limit", config.query_memory_limit,
                 "Memory for protected queries before they spill to <data-dir>/query-spill "
                 "(DuckDB syntax, e.g. 8GB, 512MB; default: half of this machine's memory)");
  app.add_option("--query-threads", config.query_threads,
                 "Threads each protected query uses (0 = one per core)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app.add_option("--max-concurrent-queries", config.protected_queries.workers,
                 "Protected queries that run at once; later ones wait in line")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  int64_t query_timeout_s = std::chrono::duration_cast<std::chrono::seconds>(
                                config.protected_queries.timeout)
                                .count();
  app.add_option("--query-timeout", query_timeout_s,
                 "Seconds a protected query may run before it ends TIMED_OUT")
      ->check(CLI::Range(int64_t{1}, int64_t{7} * 24 * 3600))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  config.protected_queries.timeout = std::chrono::seconds(query_timeout_s);
  if (log_level == "debug") cleanroom::SetMinLogLevel(cleanroom::LogLevel::kDebug);
  if (log_level == "warning") cleanroom::SetMinLogLevel(cleanroom::LogLevel::kWarning);
  if (log_level == "error") cleanroom::SetMinLogLevel(cleanroom::LogLevel::kError);

  // Block the shutdown signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = cleanroom::server::CleanroomServer::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "cleanroomd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  cleanroom::Log(cleanroom::LogLevel::kInfo, "shutting down", {{"signal", sig}});
  (*server)->Shutdown();
  server->reset();
  cleanroom::Log(cleanroom::LogLevel::kInfo, "stopped");
  return 0;
}
