// Helpers shared by the catalog's source files (catalog*.cc). Not for other modules.
#ifndef CLEANROOM_GLUE_CATALOG_INTERNAL_H_
#define CLEANROOM_GLUE_CATALOG_INTERNAL_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "glue/types.h"
#include "nlohmann/json.hpp"
#include "store/database.h"

namespace cleanroom::glue::internal {

// `value` as JSON text for storage. Invalid UTF-8 (which only a crawl could bring) becomes
// U+FFFD instead of an exception.
std::string JsonText(const nlohmann::json& value);

// Opaque page tokens: base64 of "<kind>:<last key returned>". kInvalidArgument
// (InvalidInputException) if `token` is not a token of `kind`.
std::string EncodePageToken(std::string_view kind, std::string_view last_key);
absl::StatusOr<std::string> DecodePageToken(std::string_view kind, std::string_view token);

absl::Status DatabaseNotFound(std::string_view name);
absl::Status TableNotFound(std::string_view name);
absl::Status CrawlerNotFound(std::string_view name);
absl::Status LimitExceeded(std::string_view message);
absl::Status CrawlerRunning(std::string_view name);

std::map<std::string, std::string> StringMap(const nlohmann::json& object);
std::vector<Column> Columns(const nlohmann::json& list);

// A stored TableInput with the catalog's bookkeeping, as a Table.
Table MakeTable(const std::string& account_id, const std::string& database, nlohmann::json input,
                int64_t create_time, int64_t update_time, int64_t version, std::string created_by,
                std::string crawler_name);

// Row access inside a transaction.
absl::StatusOr<bool> DatabaseExists(store::Connection& c, const std::string& account_id,
                                    const std::string& name);
absl::StatusOr<std::optional<Table>> LoadTable(store::Connection& c, const std::string& account_id,
                                               const std::string& database,
                                               const std::string& name);
// Every table of the database, by name.
absl::StatusOr<std::vector<Table>> LoadTables(store::Connection& c, const std::string& account_id,
                                              const std::string& database);
absl::Status InsertTable(store::Connection& c, const Table& table);
// Rewrites input, location, update_time, version and crawler_name of an existing table.
absl::Status RewriteTable(store::Connection& c, const Table& table);
absl::Status DeleteTableRow(store::Connection& c, const std::string& account_id,
                            const std::string& database, const std::string& name);
absl::StatusOr<int64_t> CountTables(store::Connection& c, const std::string& account_id,
                                    const std::string& database);

// The stored key of a partition: its values as a JSON array.
std::string PartitionKey(const std::vector<std::string>& values);
// A partition from a row of (partition_values, input, create_time).
absl::StatusOr<Partition> PartitionFromRow(const store::Statement& s, const std::string& account_id,
                                           const std::string& database, const std::string& table);
absl::StatusOr<std::optional<Partition>> LoadPartition(store::Connection& c,
                                                       const std::string& account_id,
                                                       const std::string& database,
                                                       const std::string& table,
                                                       const std::vector<std::string>& values);
// Inserts a partition (kAlreadyExists with Glue's message if its values exist) or, with
// `replace`, inserts or replaces it.
absl::Status WritePartition(store::Connection& c, const std::string& account_id,
                            const std::string& database, const std::string& table,
                            const nlohmann::json& input, int64_t now, bool replace);
absl::StatusOr<int64_t> CountPartitions(store::Connection& c, const std::string& account_id,
                                        const std::string& database, const std::string& table);

}  // namespace cleanroom::glue::internal

#endif  // CLEANROOM_GLUE_CATALOG_INTERNAL_H_
