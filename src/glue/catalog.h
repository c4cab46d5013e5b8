// The Glue Data Catalog in SQLite: databases, tables, partitions and crawlers, each owned by
// one account. Every call names the account; another account's entries are invisible (they
// answer EntityNotFoundException as if they did not exist) and cannot be changed.
//
// Names: database and table names are folded to lower case on the way in (create, lookup,
// delete), as Glue does for Hive compatibility, and must be 1..255 characters of the model's
// single-line pattern. Crawler names are kept as given.
//
// Errors carry Glue's codes (common/aws_error.h), all HTTP 400 as Glue answers them:
//   kInvalidArgument    InvalidInputException (bad names, inputs, tokens, expressions)
//   kNotFound           EntityNotFoundException ("Database x not found.", ...)
//   kAlreadyExists      AlreadyExistsException
//   kResourceExhausted  ResourceNumberLimitExceededException (CatalogLimits)
//   kFailedPrecondition CrawlerRunningException / CrawlerNotRunningException /
//                       CrawlerStoppingException / ConcurrentModificationException
// kInternal / kUnavailable come from SQLite.
//
// Thread-safe: every call is one SQLite transaction (store::Database serializes them).
#ifndef CLEANROOM_GLUE_CATALOG_H_
#define CLEANROOM_GLUE_CATALOG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "glue/crawl_runner.h"
#include "glue/types.h"
#include "nlohmann/json.hpp"
#include "store/database.h"

namespace cleanroom::glue {

// Glue's default service quotas.
struct CatalogLimits {
  int64_t databases_per_account = 10000;
  int64_t tables_per_database = 200000;
  int64_t partitions_per_table = 10000000;
  int64_t crawlers_per_account = 1000;
  // Finished crawls remembered per crawler name (for metrics and the crawl log).
  int64_t crawl_runs_kept = 100;
};

// How a crawl ended, as reported by the crawl's thread to Catalog::FinishCrawl.
struct CrawlEnd {
  absl::StatusOr<CrawlOutcome> outcome;
  // The server is shutting down and asked the runner to stop: the crawl failed, it was not
  // cancelled by the user.
  bool interrupted_by_shutdown = false;
};

class Catalog {
 public:
  // Neither pointer is owned; both must outlive the catalog.
  Catalog(store::Database* db, const Clock* clock, CatalogLimits limits = {});

  // ---- Databases --------------------------------------------------------------------------

  // `database_input` is a DatabaseInput (checked against the model here). AlreadyExists if the
  // account has a database of that (folded) name.
  absl::Status CreateDatabase(const std::string& account_id, const nlohmann::json& database_input);
  absl::StatusOr<Database> GetDatabase(const std::string& account_id, const std::string& name);
  // Databases by name. `next_token` is "" or a token from the previous page; `max_results` in
  // 1..1000.
  absl::StatusOr<Page<Database>> ListDatabases(const std::string& account_id,
                                               const std::string& next_token, int max_results);
  // Replaces the definition (CreateTime is kept). The name cannot change: InvalidInput if
  // `database_input`'s Name differs from `name` (after folding).
  absl::Status UpdateDatabase(const std::string& account_id, const std::string& name,
                              const nlohmann::json& database_input);
  // Deletes the database with its tables and their partitions.
  absl::Status DeleteDatabase(const std::string& account_id, const std::string& name);

  // ---- Tables -----------------------------------------------------------------------------

  // `table_input` is a TableInput. `created_by` is the creating principal's ARN.
  absl::Status CreateTable(const std::string& account_id, const std::string& database,
                           const nlohmann::json& table_input, const std::string& created_by);
  absl::StatusOr<Table> GetTable(const std::string& account_id, const std::string& database,
                                 const std::string& name);
  // Tables by name whose names match `expression` (TableNameFilter; "" for all).
  absl::StatusOr<Page<Table>> ListTables(const std::string& account_id, const std::string& database,
                                         const std::string& expression,
                                         const std::string& next_token, int max_results);
  // Replaces the table named by `table_input`'s Name. With `expected_version`, fails with
  // ConcurrentModificationException unless it is the table's current VersionId.
  absl::Status UpdateTable(const std::string& account_id, const std::string& database,
                           const nlohmann::json& table_input,
                           const std::optional<std::string>& expected_version = std::nullopt);
  // Deletes the table and its partitions.
  absl::Status DeleteTable(const std::string& account_id, const std::string& database,
                           const std::string& name);
  // Deletes each named table; a name that cannot be deleted becomes a BatchError (code and
  // message as DeleteTable would give them) and the others are still deleted. NotFound if the
  // database does not exist.
  absl::StatusOr<std::vector<BatchError>> BatchDeleteTables(const std::string& account_id,
                                                            const std::string& database,
                                                            const std::vector<std::string>& names);

  // ---- Partitions -------------------------------------------------------------------------

  // `partition_input` is a PartitionInput whose Values has one value per partition key.
  absl::Status CreatePartition(const std::string& account_id, const std::string& database,
                               const std::string& table, const nlohmann::json& partition_input);
  // Creates each partition; failures become BatchErrors and the others are still created.
  absl::StatusOr<std::vector<BatchError>> BatchCreatePartitions(
      const std::string& account_id, const std::string& database, const std::string& table,
      const std::vector<nlohmann::json>& partition_inputs);
  absl::StatusOr<Partition> GetPartition(const std::string& account_id, const std::string& database,
                                         const std::string& table,
                                         const std::vector<std::string>& values);
  // Partitions matching `expression` (PartitionFilter; "" for all), ordered by their values.
  // With `total_segments` > 1, only the partitions of segment `segment` (a stable hash of the
  // values) are listed.
  absl::StatusOr<Page<Partition>> ListPartitions(const std::string& account_id,
                                                 const std::string& database,
                                                 const std::string& table,
                                                 const std::string& expression,
                                                 const std::string& next_token, int max_results,
                                                 int segment = 0, int total_segments = 1);

  // ---- Crawlers ---------------------------------------------------------------------------

  // The crawler starts READY, Version 1. AlreadyExists if the name is taken in the account.
  absl::Status CreateCrawler(const std::string& account_id, const std::string& name,
                             const CrawlerDefinition& definition,
                             const std::map<std::string, std::string>& tags);
  absl::StatusOr<Crawler> GetCrawler(const std::string& account_id, const std::string& name);
  // Crawlers by name; with `tags`, only those carrying every tag.
  absl::StatusOr<Page<Crawler>> ListCrawlers(const std::string& account_id,
                                             const std::string& next_token, int max_results,
                                             const std::map<std::string, std::string>& tags = {});
  // Replaces the definition with `update(current)` and bumps Version. CrawlerRunningException
  // unless the crawler is READY; `update`'s error is returned as is.
  absl::Status UpdateCrawler(
      const std::string& account_id, const std::string& name,
      const std::function<absl::StatusOr<CrawlerDefinition>(const Crawler&)>& update);
  // CrawlerRunningException unless READY. The crawl log (CrawlRuns) is kept.
  absl::Status DeleteCrawler(const std::string& account_id, const std::string& name);
  // Metrics of the named crawlers (all of the account's if `names` is empty), by name;
  // unknown names are skipped.
  absl::StatusOr<Page<CrawlerMetrics>> GetCrawlerMetrics(const std::string& account_id,
                                                         const std::vector<std::string>& names,
                                                         const std::string& next_token,
                                                         int max_results);
  // The account's recorded crawls of `crawler_name`, oldest first (also for deleted crawlers).
  absl::StatusOr<std::vector<CrawlRun>> ListCrawlRuns(const std::string& account_id,
                                                      const std::string& crawler_name);

  // ---- The crawl state machine (used by CrawlerController) ---------------------------------

  // READY -> RUNNING under `run_id`. Returns the crawler as it was started.
  // CrawlerRunningException if it is RUNNING or STOPPING.
  absl::StatusOr<Crawler> BeginCrawl(const std::string& account_id, const std::string& name,
                                     const std::string& run_id);
  // RUNNING -> STOPPING. CrawlerNotRunningException if READY, CrawlerStoppingException if
  // already STOPPING.
  absl::Status RequestStop(const std::string& account_id, const std::string& name);
  // Ends run `run_id` of the crawler, in one transaction: applies a successful outcome to the
  // catalog (CrawlPlan, SchemaChangePolicy, partitions) together with the crawler's return to
  // READY, LastCrawl and the CrawlRun record. A failed outcome or a crawl stopped by the user
  // (STOPPING: CANCELLED, outcome discarded) leaves the catalog untouched. An outcome that cannot
  // be applied (no such database, no usable table name, a quota, an SQLite error) is rolled back
  // whole and the crawl recorded FAILED. Tables and partitions the model cannot hold (e.g. a
  // column name with a line break) are skipped and noted in the run's messages. Returns the
  // CrawlRun recorded; kNotFound if the crawler has no run `run_id` in flight (a stale run).
  absl::StatusOr<CrawlRun> FinishCrawl(const std::string& account_id, const std::string& name,
                                       const std::string& run_id, const CrawlEnd& end);
  // At start-up: every crawler left RUNNING by a previous process becomes READY with LastCrawl
  // FAILED ("interrupted"), every one left STOPPING becomes READY with LastCrawl CANCELLED.
  // Returns how many crawlers were recovered.
  absl::StatusOr<int> RecoverInterruptedCrawls();

 private:
  store::Database* db_;
  const Clock* clock_;
  CatalogLimits limits_;
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_CATALOG_H_
