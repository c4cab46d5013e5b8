// Helpers shared by log_store.cc (groups, streams, writes) and log_store_events.cc (event
// reads). Not part of the module's interface.
#ifndef CLEANROOM_LOGS_LOG_STORE_INTERNAL_H_
#define CLEANROOM_LOGS_LOG_STORE_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace cleanroom::logs::internal {

// A paging token: base64 of "<kind>:<field>:<field>...". Fields must not contain ':' (no log
// group or stream name can).
std::string EncodeToken(std::string_view kind, const std::vector<std::string>& fields);
// The `field_count` fields of a token made by EncodeToken with `kind`; InvalidParameter for
// anything else.
absl::StatusOr<std::vector<std::string>> DecodeToken(std::string_view kind, std::string_view token,
                                                     size_t field_count);
// A signed decimal integer; InvalidParameter (bad token) otherwise.
absl::StatusOr<int64_t> TokenInt(std::string_view field);
absl::Status BadToken();

// The id of `account_id`'s group `name`; NotFound if there is none.
absl::StatusOr<int64_t> FindGroupId(store::Connection& c, const std::string& account_id,
                                    const std::string& name);
// The id of stream `name` in group `group_id`; NotFound if there is none.
absl::StatusOr<int64_t> FindStreamId(store::Connection& c, int64_t group_id,
                                     const std::string& name);

}  // namespace cleanroom::logs::internal

#endif  // CLEANROOM_LOGS_LOG_STORE_INTERNAL_H_
