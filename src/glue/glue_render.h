// The Glue wire shapes of catalog values (Database, Table, Partition, Crawler, CrawlerMetrics),
// as botocore's glue/2017-03-31 model names them. Timestamps are epoch seconds as JSON numbers.
#ifndef CLEANROOM_GLUE_GLUE_RENDER_H_
#define CLEANROOM_GLUE_GLUE_RENDER_H_

#include <cstdint>

#include "glue/types.h"
#include "nlohmann/json.hpp"

namespace cleanroom::glue {

// Microseconds since the epoch as epoch seconds (millisecond precision).
double EpochSeconds(int64_t micros);

nlohmann::json RenderDatabase(const Database& database);
// GetDatabases with AttributesToGet [NAME]: only Name and CatalogId.
nlohmann::json RenderDatabaseName(const Database& database);
nlohmann::json RenderTable(const Table& table);
nlohmann::json RenderPartition(const Partition& partition, bool exclude_column_schema = false);
// `now` (micros) gives CrawlElapsedTime while the crawler runs.
nlohmann::json RenderCrawler(const Crawler& crawler, int64_t now);
nlohmann::json RenderCrawlerMetrics(const CrawlerMetrics& metrics);
// {"TableName"| "PartitionValues", "ErrorDetail": {"ErrorCode", "ErrorMessage"}}
nlohmann::json RenderTableError(const BatchError& error);
nlohmann::json RenderPartitionError(const BatchError& error);

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_GLUE_RENDER_H_
