// Crawler definitions: the CreateCrawler / UpdateCrawler members checked beyond the model's
// shapes, with Glue's defaults filled in, and the typed views the crawl needs.
#ifndef CLEANROOM_GLUE_CRAWLER_DEFINITION_H_
#define CLEANROOM_GLUE_CRAWLER_DEFINITION_H_

#include <string>

#include "absl/status/statusor.h"
#include "glue/types.h"
#include "nlohmann/json.hpp"

namespace cleanroom::glue {

// Builds a definition from a CreateCrawler request already checked against its shape (Name and
// Tags are ignored here). Defaults: SchemaChangePolicy UPDATE_IN_DATABASE /
// DEPRECATE_IN_DATABASE, RecrawlPolicy CRAWL_EVERYTHING, LineageConfiguration DISABLE,
// LakeFormationConfiguration {false, ""}. Role is resolved to an ARN in `account_id`.
// kInvalidArgument (InvalidInputException) for: a Role that is neither a role name nor an IAM
// role ARN; no S3 target; JDBC, MongoDB, DynamoDB, Catalog, Delta, Iceberg or Hudi targets (this
// server crawls S3 only); an S3 target without an s3:// Path naming a bucket; SampleSize outside
// 1..249; a Schedule that is not cron(...); a Configuration that is not a JSON object;
// RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY with a SchemaChangePolicy other than LOG/LOG, or
// CRAWL_EVENT_MODE (not supported); UseLakeFormationCredentials true (not supported).
absl::StatusOr<CrawlerDefinition> MakeCrawlerDefinition(const nlohmann::json& request,
                                                        const std::string& account_id);

// UpdateCrawler: the members present in `request` replace those of `current` (an empty
// Description, Schedule, TablePrefix or Configuration removes it), then the result is checked
// as MakeCrawlerDefinition checks a new one.
absl::StatusOr<CrawlerDefinition> UpdateCrawlerDefinition(const CrawlerDefinition& current,
                                                          const nlohmann::json& request,
                                                          const std::string& account_id);

// Fills the crawler's typed views (database_name, table_prefix, behaviors, s3_targets) from
// its definition. A bare-bucket path "s3://b" becomes "s3://b/".
void FillCrawlerViews(Crawler& crawler);

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_CRAWLER_DEFINITION_H_
