// cleanroomd: the cleanroom server.
#include <signal.h>

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
  CLI11_PARSE(app, argc, argv);
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
