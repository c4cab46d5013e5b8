// The seam between the Glue service (which owns crawler definitions, their state machine and
// the catalog) and the crawler engine (which lists S3 targets through the crawler's role,
// reads as little of each object as it needs and infers schemas). The Glue service calls
// CrawlRunner::Crawl on a background thread and applies the outcome to the catalog in one
// transaction: naming (TablePrefix, unique suffixes), SchemaChangePolicy and partitions are
// the catalog's business, not the runner's.
#ifndef CLEANROOM_GLUE_CRAWL_RUNNER_H_
#define CLEANROOM_GLUE_CRAWL_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cleanroom::glue {

struct CrawlS3Target {
  std::string path;                     // "s3://bucket/prefix/" (prefix may be empty)
  std::vector<std::string> exclusions;  // Glue glob patterns, relative to `path`
  int64_t sample_size = 0;              // files per leaf folder to read; 0 = all
};

struct CrawlSpec {
  std::string account_id;  // the crawler's owner
  std::string role_arn;    // the crawler's role, already resolved to a full ARN
  std::vector<CrawlS3Target> s3_targets;
};

struct DiscoveredColumn {
  std::string name;  // lower-case, as Glue writes it
  std::string type;  // Glue/Hive type: bigint, double, decimal(p,s), string, boolean, date, ...
};

struct DiscoveredPartition {
  std::vector<std::string> values;                // one per partition key, in key order
  std::string location;                           // "s3://bucket/prefix/k1=v1/k2=v2/"
  std::map<std::string, std::string> parameters;  // recordCount, sizeKey, objectCount, ...
};

// One dataset: the objects of a compatible schema under one folder.
struct DiscoveredTable {
  std::string name_hint;       // the folder's name, lower-cased and sanitized; no TablePrefix
  std::string location;        // "s3://bucket/prefix/" (the folder, with a trailing slash)
  std::string classification;  // "csv", "json" or "parquet"
  std::vector<DiscoveredColumn> columns;
  std::vector<DiscoveredColumn> partition_keys;  // Hive-style key=value folders, type string
  std::vector<DiscoveredPartition> partitions;
  std::string input_format;   // e.g. org.apache.hadoop.mapred.TextInputFormat
  std::string output_format;  // e.g. org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat
  std::string serde_library;  // e.g. org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe
  std::map<std::string, std::string> serde_parameters;  // field.delim, ...
  // Table parameters: classification, recordCount, averageRecordSize, sizeKey, objectCount,
  // compressionType, typeOfData, delimiter / skip.header.line.count for CSV, ...
  std::map<std::string, std::string> parameters;
};

struct CrawlOutcome {
  std::vector<DiscoveredTable> tables;
  // Human-readable notes for LastCrawl's log summary, e.g. files skipped as unreadable.
  std::vector<std::string> messages;
  int64_t files_read = 0;
  int64_t bytes_read = 0;
};

class CrawlRunner {
 public:
  virtual ~CrawlRunner() = default;
  // Crawls `spec`'s targets. Returns kPermissionDenied with an AccessDenied-style message
  // naming the role, the missing action and the resource when the role may not read a target
  // (nothing is returned to write); kCancelled if `stop` became true; kInvalidArgument for a
  // malformed target path. Unreadable or corrupt objects are skipped and reported in
  // `messages`, not failed. Thread-safe: crawls of different crawlers may run concurrently.
  virtual absl::StatusOr<CrawlOutcome> Crawl(const CrawlSpec& spec,
                                             const std::atomic<bool>& stop) = 0;
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_CRAWL_RUNNER_H_
