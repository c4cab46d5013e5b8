#include "server/cleanroom_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "admin/admin_service.h"
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/resource_store.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "crawler/s3_crawl_runner.h"
#include "crypto/master_key.h"
#include "engine/engine.h"
#include "glue/catalog.h"
#include "glue/crawl_runner.h"
#include "glue/glue_service.h"
#include "iam/iam_service.h"
#include "iam/iam_store.h"
#include "iam/identity_store.h"
#include "iam/role_authorizer.h"
#include "logs/log_store.h"
#include "protectedquery/protected_query_engine.h"
#include "logs/logs_service.h"
#include "s3/blob_store.h"
#include "s3/s3_metadata.h"
#include "s3/s3_service.h"
#include "secretsmanager/secrets_manager_service.h"
#include "server/frontend.h"
#include "store/database.h"
#include "store/schema.h"
#include "sts/sts_service.h"

namespace cleanroom::server {

struct CleanroomServer::State {
  std::unique_ptr<crypto::MasterKey> master_key;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<iam::IdentityStore> identities;
  std::unique_ptr<iam::IamStore> iam;
  std::unique_ptr<s3::BlobStore> blobs;
  std::unique_ptr<s3::S3Metadata> s3_metadata;
  std::unique_ptr<glue::Catalog> glue_catalog;
  std::unique_ptr<iam::RoleAuthorizer> role_authorizer;
  // The SQL engine (crawler schema inference; no files of its own, only granted objects).
  std::unique_ptr<engine::Engine> engine;
  // The crawler engine behind glue::CrawlRunner. Must outlive `frontend` (the Glue service
  // joins running crawls when it is destroyed).
  std::unique_ptr<glue::CrawlRunner> crawl_runner;
  std::unique_ptr<cleanrooms::ResourceStore> cleanrooms_store;
  // CloudWatch Logs data: read through the Logs API, written by the API and by the server's
  // own features (Clean Rooms query logs go through LogStore::Append). Created before the
  // services so any of them may be handed this pointer.
  std::unique_ptr<logs::LogStore> log_store;
  // The protected-query engine and runner, when the config supplies none. Must outlive
  // `frontend` (the Clean Rooms service joins running queries when it is destroyed).
  std::unique_ptr<engine::Engine> query_engine;
  std::unique_ptr<cleanrooms::ProtectedQueryRunner> query_runner;
  std::unique_ptr<Frontend> frontend;
  std::unique_ptr<http::Server> http;
};

namespace {

// Half of the machine's physical memory, in DuckDB's syntax (e.g. "12000MB"); "2GB" if unknown.
std::string HalfOfPhysicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return "2GB";
  uint64_t bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) / 2;
  return std::to_string(std::max<uint64_t>(bytes / 1000000, 256)) + "MB";
}

// Writes `contents` to `path` atomically (temp file, fsync, rename) with `mode`.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(StrCat("cannot write ", tmp));
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError(StrCat("cannot write ", tmp));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(StrCat("cannot persist ", path));
  }
  return absl::OkStatus();
}

absl::Status EnsureBootstrapAdmin(iam::IdentityStore& identities, const std::string& data_dir) {
  ASSIGN_OR_RETURN(bool has_admin, identities.HasAdmin());
  if (has_admin) return absl::OkStatus();
  ASSIGN_OR_RETURN(iam::Account account, identities.CreateAccount("admin", /*is_admin=*/true));
  ASSIGN_OR_RETURN(iam::NewAccessKey key, identities.CreateAccessKey(account.account_id));
  std::string credentials =
      StrCat("# cleanroom bootstrap administrator\n# account_id = ", account.account_id,
             "\n[default]\naws_access_key_id = ", key.key.access_key_id,
             "\naws_secret_access_key = ", key.secret_access_key, "\n");
  RETURN_IF_ERROR(WriteFileAtomically(data_dir + "/admin-credentials", credentials, 0600));
  std::printf(
      "Created the bootstrap administrator account %s.\n"
      "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n"
      "These credentials are shown once; they are also in %s/admin-credentials (mode 0600).\n",
      account.account_id.c_str(), key.key.access_key_id.c_str(), key.secret_access_key.c_str(),
      data_dir.c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

absl::Status ParseListen(const std::string& listen, http::ServerOptions& options) {
  size_t colon = listen.rfind(':');
  uint64_t port;
  if (colon == std::string::npos || !ParseUint64(listen.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(StrCat("--listen must be host:port, got '", listen, "'"));
  }
  options.host = listen.substr(0, colon);
  options.port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

}  // namespace

CleanroomServer::CleanroomServer(std::unique_ptr<State> state) : state_(std::move(state)) {}
CleanroomServer::~CleanroomServer() { Shutdown(); }

uint16_t CleanroomServer::port() const { return state_->http->port(); }

logs::LogStore* CleanroomServer::log_store() const { return state_->log_store.get(); }

void CleanroomServer::Shutdown() {
  if (state_ && state_->http) state_->http->Shutdown();
}

absl::StatusOr<std::unique_ptr<CleanroomServer>> CleanroomServer::Start(
    const ServerConfig& config) {
  http::ServerOptions options = config.http;
  RETURN_IF_ERROR(ParseListen(config.listen, options));
  const std::string& dir = config.data_dir;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(StrCat("cannot create data dir ", dir));
  }
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(state->master_key, crypto::MasterKey::LoadOrCreate(dir + "/master.key"));
  ASSIGN_OR_RETURN(state->db,
                   store::Database::Open(dir + "/metadata.db", store::SchemaMigrations()));
  ::chmod((dir + "/metadata.db").c_str(), 0600);
  state->identities =
      std::make_unique<iam::IdentityStore>(state->db.get(), state->master_key.get());
  RETURN_IF_ERROR(EnsureBootstrapAdmin(*state->identities, dir));

  ASSIGN_OR_RETURN(state->blobs, s3::BlobStore::Open(dir + "/objects", state->master_key.get()));
  state->s3_metadata = std::make_unique<s3::S3Metadata>(state->db.get());
  ASSIGN_OR_RETURN(std::vector<std::string> referenced, state->s3_metadata->AllBlobIds());
  std::set<std::string> live(referenced.begin(), referenced.end());
  ASSIGN_OR_RETURN(s3::GcStats gc, state->blobs->CollectGarbage(
                                       [&](const std::string& id) { return live.count(id) > 0; }));
  if (gc.temp_files_removed + gc.blobs_removed > 0) {
    Log(LogLevel::kInfo, "removed unreferenced object data",
        {{"temp_files", gc.temp_files_removed}, {"blobs", gc.blobs_removed}});
  }

  state->glue_catalog = std::make_unique<glue::Catalog>(state->db.get(), &SystemClock());
  ASSIGN_OR_RETURN(int interrupted, state->glue_catalog->RecoverInterruptedCrawls());
  if (interrupted > 0) {
    Log(LogLevel::kWarning, "crawls interrupted by the previous shutdown were marked FAILED",
        {{"crawlers", interrupted}});
  }

  state->role_authorizer = std::make_unique<iam::RoleAuthorizer>(state->db.get());
  ASSIGN_OR_RETURN(state->engine, engine::Engine::Open(engine::EngineOptions{}));
  state->crawl_runner =
      std::make_unique<crawler::S3CrawlRunner>(state->s3_metadata.get(), state->blobs.get(),
                                               state->engine.get(), state->role_authorizer.get());

  state->log_store = std::make_unique<logs::LogStore>(state->db.get(), &SystemClock());

  state->frontend = std::make_unique<Frontend>(state->identities.get(), &SystemClock());
  state->frontend->AddService(std::make_unique<sts::StsService>());
  state->iam = std::make_unique<iam::IamStore>(state->db.get());
  state->frontend->AddService(std::make_unique<iam::IamService>(state->iam.get()));
  state->frontend->AddService(std::make_unique<secretsmanager::SecretsManagerService>());
  state->frontend->AddService(std::make_unique<admin::AdminService>(state->identities.get()));
  state->frontend->AddService(
      std::make_unique<s3::S3Service>(state->s3_metadata.get(), state->blobs.get()));
  state->frontend->AddService(std::make_unique<glue::GlueService>(
      state->glue_catalog.get(), state->crawl_runner.get(), &SystemClock()));
  state->frontend->AddService(std::make_unique<logs::LogsService>(state->log_store.get()));
  state->cleanrooms_store = std::make_unique<cleanrooms::ResourceStore>(state->db.get());
  cleanrooms::ProtectedQueryRunner* query_runner = config.query_runner;
  if (query_runner == nullptr) {
    std::string spill = StrCat(config.data_dir, "/query-spill");
    std::string spool = StrCat(config.data_dir, "/query-results");
    // Whatever a previous process left there is of no use: spill files and unsent results.
    std::error_code ignored;
    std::filesystem::remove_all(spill, ignored);
    std::filesystem::remove_all(spool, ignored);
    engine::EngineOptions options;
    options.memory_limit = config.query_memory_limit.empty() ? HalfOfPhysicalMemory()
                                                             : config.query_memory_limit;
    options.threads = config.query_threads > 0
                          ? config.query_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    options.temp_directory = spill;
    ASSIGN_OR_RETURN(state->query_engine, engine::Engine::Open(options));
    state->query_runner = std::make_unique<protectedquery::ProtectedQueryEngine>(
        state->query_engine.get(), state->glue_catalog.get(), state->role_authorizer.get(),
        state->s3_metadata.get(), state->blobs.get(), spool);
    query_runner = state->query_runner.get();
  }
  auto cleanrooms_service = std::make_unique<cleanrooms::CleanRoomsService>(
      state->cleanrooms_store.get(), state->glue_catalog.get(), state->role_authorizer.get(),
      &SystemClock(), query_runner, config.protected_queries, state->log_store.get());
  ASSIGN_OR_RETURN(int unfinished, cleanrooms_service->RecoverInterruptedQueries());
  if (unfinished > 0) {
    Log(LogLevel::kWarning,
        "protected queries left unfinished by the previous shutdown were ended (FAILED, or "
        "CANCELLED if they were being cancelled)",
        {{"queries", unfinished}});
  }
  state->frontend->AddService(std::move(cleanrooms_service));

  Frontend* frontend = state->frontend.get();
  ASSIGN_OR_RETURN(state->http,
                   http::Server::Start(
                       options, [frontend](http::Request& req) { return frontend->Handle(req); },
                       [frontend](const http::Request& req, int status, std::string_view code,
                                  std::string_view message) {
                         return frontend->RenderTransportError(req, status, code, message);
                       }));
  std::string endpoint = StrCat("http://", options.host, ":", state->http->port(), "\n");
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/endpoint", endpoint, 0644));
  Log(LogLevel::kInfo, "listening",
      {{"address", StrCat(options.host, ":", state->http->port())}, {"data_dir", dir}});
  return std::unique_ptr<CleanroomServer>(new CleanroomServer(std::move(state)));
}

}  // namespace cleanroom::server
