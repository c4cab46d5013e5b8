// What a finished crawl does to its database, decided without touching it: which discovered
// table becomes which catalog table (TablePrefix, matching by location, unique suffixes), which
// tables the crawler wrote before and no longer finds, and the TableInput / PartitionInput
// documents a crawler writes. Catalog::FinishCrawl applies the plan in one transaction.
//
// Naming, in order, for each discovered table:
//  1. A table of the database whose location is the discovered location (trailing slash
//     ignored) is that table, whatever its name: it is updated, never duplicated.
//  2. Otherwise the name is FoldName(TablePrefix + name_hint). If a table of another location
//     (or an earlier table of the same crawl) has it, LocationSuffix(location) is appended:
//     "_" + 8 hex digits of SHA-256 of the location, deterministic across runs and servers.
//     Should that be taken too, 16, 32, then 64 digits are tried.
//  3. Names longer than 255 characters are cut to leave room for the suffix.
#ifndef CLEANROOM_GLUE_CRAWL_PLAN_H_
#define CLEANROOM_GLUE_CRAWL_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "glue/crawl_runner.h"
#include "nlohmann/json.hpp"

namespace cleanroom::glue {

inline constexpr char kUpdateInDatabase[] = "UPDATE_IN_DATABASE";
inline constexpr char kLog[] = "LOG";
inline constexpr char kDeleteFromDatabase[] = "DELETE_FROM_DATABASE";
inline constexpr char kDeprecateInDatabase[] = "DEPRECATE_IN_DATABASE";

// Table parameters a crawler sets (besides the runner's own and "classification").
inline constexpr char kUpdatedByCrawler[] = "UPDATED_BY_CRAWLER";
inline constexpr char kDeprecatedByCrawler[] = "DEPRECATED_BY_CRAWLER";
inline constexpr char kCrawlRunId[] = "CRAWL_RUN_ID";

// A table already in the crawler's database.
struct ExistingTable {
  std::string name;
  std::string location;      // StorageDescriptor.Location as stored ("" if none)
  std::string crawler_name;  // the crawler that last wrote it; "" for tables made by the API
  bool deprecated = false;   // carries DEPRECATED_BY_CRAWLER
};

struct CrawlPolicy {
  std::string crawler_name;
  std::string table_prefix;
  std::string update_behavior = kUpdateInDatabase;     // or LOG
  std::string delete_behavior = kDeprecateInDatabase;  // or LOG, DELETE_FROM_DATABASE
};

struct PlannedTable {
  size_t discovered_index = 0;  // into the crawl's tables
  std::string name;             // final catalog name
  bool exists = false;          // matched an existing table by location
};

struct CrawlPlan {
  std::vector<PlannedTable> tables;
  // Tables `policy.crawler_name` wrote whose location the crawl did not find, for
  // DeleteBehavior. Already-deprecated tables are left out when DeleteBehavior deprecates.
  std::vector<std::string> vanished;
  // Notes for the crawl's log (skipped duplicates, suffixes used).
  std::vector<std::string> messages;
};

// Plans a crawl. kInvalidArgument (the crawl fails, nothing is written) if a discovered table
// has no location or yields no valid name, or if no free name is left for it.
absl::StatusOr<CrawlPlan> PlanCrawl(const CrawlPolicy& policy,
                                    const std::vector<ExistingTable>& existing,
                                    const std::vector<DiscoveredTable>& discovered);

// The TableInput a crawler writes for `table` under `name`: TableType EXTERNAL_TABLE, the
// runner's parameters plus classification, UPDATED_BY_CRAWLER, CRAWL_RUN_ID and the
// CrawlerSchema(De)SerializerVersion parameters (mirrored into StorageDescriptor.Parameters,
// as Glue does), StorageDescriptor{Columns, Location, InputFormat, OutputFormat, Compressed,
// NumberOfBuckets -1, SerdeInfo, BucketColumns, SortColumns, Parameters,
// StoredAsSubDirectories} and PartitionKeys.
nlohmann::json CrawledTableInput(const DiscoveredTable& table, const std::string& name,
                                 const std::string& crawler_name, const std::string& run_id);

// The table an UPDATE_IN_DATABASE crawl leaves: `crawled`'s schema, formats, location and
// parameters, keeping the old table's Description, Owner, Retention and any parameter the
// crawl does not set (DEPRECATED_BY_CRAWLER is dropped: the location is back).
nlohmann::json MergeCrawledTable(const nlohmann::json& old_input, const nlohmann::json& crawled);

// True if `a` and `b` differ in columns, partition keys, formats, SerDe or classification,
// i.e. the update counts in TablesUpdated. Statistics parameters alone do not count.
bool SchemaDiffers(const nlohmann::json& a, const nlohmann::json& b);

// The PartitionInput for `partition` of a table whose TableInput is `table_input`: the
// table's StorageDescriptor with the partition's location and parameters.
nlohmann::json CrawledPartitionInput(const nlohmann::json& table_input,
                                     const DiscoveredPartition& partition);

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_CRAWL_PLAN_H_
