// CloudWatch Logs errors and the model's constraints on names, shared by the store and the
// service. Every error is HTTP 400 with CloudWatch Logs' code, as AWS answers them:
//   kInvalidArgument  InvalidParameterException
//   kNotFound         ResourceNotFoundException
//   kAlreadyExists    ResourceAlreadyExistsException
#ifndef CLEANROOM_LOGS_VALIDATION_H_
#define CLEANROOM_LOGS_VALIDATION_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace cleanroom::logs {

// Model limits (CloudWatch Logs 2014-03-28).
inline constexpr size_t kMaxNameLength = 512;         // LogGroupName, LogStreamName
inline constexpr int64_t kMaxEventsPerBatch = 10000;  // InputLogEvents
inline constexpr int64_t kEventOverheadBytes = 26;    // counted per event in a batch's size
inline constexpr int64_t kMaxBatchBytes = 1048576;    // messages + 26 bytes per event
inline constexpr int64_t kMaxEventBytes = 1048576;    // one message + 26 bytes

absl::Status InvalidParameter(std::string_view message);
absl::Status ResourceNotFound(std::string_view message);
absl::Status ResourceAlreadyExists(std::string_view message);
absl::Status LogGroupNotFound();   // "The specified log group does not exist."
absl::Status LogStreamNotFound();  // "The specified log stream does not exist."

// InvalidParameterException in AWS's validation wording: "1 validation error detected: Value
// '<value>' at '<member>' failed to satisfy constraint: Member must <constraint>".
absl::Status ConstraintViolation(std::string_view member, std::string_view value,
                                 std::string_view constraint);

// InvalidParameter unless 1 <= value <= max, worded for the request member `member`.
absl::Status CheckLimit(std::string_view member, int64_t value, int64_t max);

// Checks a log group name: 1..512 characters of [.-_/#A-Za-z0-9]. `member` names the request
// member in the error.
absl::Status ValidateLogGroupName(std::string_view name, std::string_view member = "logGroupName");
// Checks a log stream name: 1..512 characters of valid UTF-8, none of them ':' or '*'.
absl::Status ValidateLogStreamName(std::string_view name,
                                   std::string_view member = "logStreamName");
// Checks a logGroupNamePattern: 0..512 characters of [.-_/#A-Za-z0-9].
absl::Status ValidateLogGroupNamePattern(std::string_view pattern, std::string_view member);

}  // namespace cleanroom::logs

#endif  // CLEANROOM_LOGS_VALIDATION_H_
