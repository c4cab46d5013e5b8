// Timestamp formats of the AWS protocols.
#ifndef CLEANROOM_COMMON_TIME_FORMAT_H_
#define CLEANROOM_COMMON_TIME_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cleanroom {

// "2026-11-24T01:37:28.000Z" (S3 XML, query protocols).
std::string FormatIso8601Millis(int64_t micros);
// "Tue, 24 Nov 2026 01:37:28 GMT" (HTTP Last-Modified).
std::string FormatHttpDate(int64_t micros);
// "20261124T013728Z" (SigV4 X-Amz-Date).
std::string FormatAmzDate(int64_t seconds);
// Parses "yyyymmddTHHMMSSZ" into epoch seconds; nullopt if malformed.
std::optional<int64_t> ParseAmzDate(std::string_view text);
// Parses an RFC 1123 HTTP date ("Tue, 24 Nov 2026 01:37:28 GMT") into epoch seconds.
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_TIME_FORMAT_H_
