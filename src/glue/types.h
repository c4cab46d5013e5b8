// The Data Catalog's value types as the rest of the server sees them: databases, tables,
// partitions and crawlers of one account (the catalog ID is the account ID). Each keeps the
// input document it was defined with (DatabaseInput, TableInput, PartitionInput, the
// CreateCrawler members) and exposes the parts other modules read as plain fields.
#ifndef CLEANROOM_GLUE_TYPES_H_
#define CLEANROOM_GLUE_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "glue/crawl_runner.h"
#include "nlohmann/json.hpp"

namespace cleanroom::glue {

// Times are microseconds since the Unix epoch (rendered as epoch seconds on the wire).

struct Column {
  std::string name;
  std::string type;  // Hive type: "string", "bigint", "decimal(10,2)", ...
  std::string comment;
  std::map<std::string, std::string> parameters;
};

struct Database {
  std::string account_id;
  std::string name;      // lower-case
  nlohmann::json input;  // DatabaseInput as stored (Name lower-cased)
  int64_t create_time = 0;
};

struct Table {
  std::string account_id;
  std::string database_name;
  std::string name;      // lower-case
  nlohmann::json input;  // TableInput as stored (Name lower-cased)
  // Read from `input`:
  std::string table_type;                         // "EXTERNAL_TABLE", ... ("" if not set)
  std::string location;                           // StorageDescriptor.Location ("" if not set)
  std::vector<Column> columns;                    // StorageDescriptor.Columns
  std::vector<Column> partition_keys;             // PartitionKeys
  std::map<std::string, std::string> parameters;  // table Parameters
  std::string input_format;
  std::string output_format;
  std::string serde_library;
  std::map<std::string, std::string> serde_parameters;
  // Kept by the catalog:
  int64_t create_time = 0;
  int64_t update_time = 0;
  int64_t version = 0;       // VersionId: 0 when created, +1 per change
  std::string created_by;    // ARN of the principal (or crawler role) that created it
  std::string crawler_name;  // the crawler that last wrote it; "" if none
};

struct Partition {
  std::string account_id;
  std::string database_name;
  std::string table_name;
  std::vector<std::string> values;  // one per partition key
  nlohmann::json input;             // PartitionInput as stored
  std::string location;             // StorageDescriptor.Location ("" if not set)
  int64_t create_time = 0;
};

// One page of a listing; `next_token` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;
};

enum class CrawlerState { kReady, kRunning, kStopping };
// "READY", "RUNNING", "STOPPING".
std::string_view CrawlerStateName(CrawlerState state);

// LastCrawlInfo.
struct LastCrawl {
  std::string status;          // "SUCCEEDED", "CANCELLED" or "FAILED"
  std::string error_message;   // set for FAILED only
  std::string log_group;       // "/aws-glue/crawlers"
  std::string log_stream;      // the crawler's name
  std::string message_prefix;  // the run's ID
  int64_t start_time = 0;
};

// A crawler's definition: the CreateCrawler members (without Name and Tags) as stored, with
// defaults filled in (SchemaChangePolicy UPDATE_IN_DATABASE / DEPRECATE_IN_DATABASE,
// RecrawlPolicy CRAWL_EVERYTHING, LineageConfiguration DISABLE) and Role as the caller gave it,
// plus the role resolved to an ARN for the crawl runner.
struct CrawlerDefinition {
  nlohmann::json members;
  std::string role_arn;
};

struct Crawler {
  std::string account_id;
  std::string name;
  CrawlerDefinition definition;
  std::map<std::string, std::string> tags;
  CrawlerState state = CrawlerState::kReady;
  int64_t version = 1;  // +1 per UpdateCrawler
  int64_t creation_time = 0;
  int64_t last_updated = 0;
  // Set while RUNNING or STOPPING.
  std::string run_id;
  int64_t run_start_time = 0;
  std::optional<LastCrawl> last_crawl;
  // Read from the definition:
  std::string database_name;
  std::string table_prefix;
  std::string update_behavior;  // UPDATE_IN_DATABASE or LOG
  std::string delete_behavior;  // DEPRECATE_IN_DATABASE, DELETE_FROM_DATABASE or LOG
  std::vector<CrawlS3Target> s3_targets;
};

// The record of one finished crawl, kept for GetCrawlerMetrics and for the crawler's log.
struct CrawlRun {
  std::string account_id;
  std::string crawler_name;
  std::string run_id;
  int64_t start_time = 0;
  int64_t end_time = 0;
  std::string status;  // as LastCrawl::status
  std::string error_message;
  std::vector<std::string> messages;  // the log summary: runner notes and catalog changes
  int64_t tables_created = 0;
  int64_t tables_updated = 0;
  int64_t tables_deleted = 0;
  int64_t partitions_created = 0;
  int64_t partitions_updated = 0;
  int64_t partitions_deleted = 0;
  int64_t files_read = 0;
  int64_t bytes_read = 0;
};

struct CrawlerMetrics {
  std::string crawler_name;
  double time_left_seconds = 0;
  bool still_estimating = false;
  double last_runtime_seconds = 0;
  double median_runtime_seconds = 0;
  int64_t tables_created = 0;  // by the last finished crawl
  int64_t tables_updated = 0;
  int64_t tables_deleted = 0;
};

// Per-entry failure of a batch operation (TableError, PartitionError).
struct BatchError {
  std::string table_name;           // BatchDeleteTable
  std::vector<std::string> values;  // BatchCreatePartition
  std::string code;                 // "EntityNotFoundException", ...
  std::string message;
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_TYPES_H_
