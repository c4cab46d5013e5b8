// absl::Status values that carry an AWS error code, so that each protocol can render the
// error in its own form (XML for S3 and query services, JSON for the JSON services).
//
// The code travels as a Status payload; the canonical StatusCode still says what kind of
// failure it is, and protocols fall back to a default AWS code per StatusCode when no explicit
// code is attached.
#ifndef CLEANROOM_COMMON_AWS_ERROR_H_
#define CLEANROOM_COMMON_AWS_ERROR_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cleanroom {

// A Status with canonical `code`, message `message`, AWS error code `aws_code` (e.g.
// "NoSuchBucket") and, if `http_status` > 0, the HTTP status to answer with.
absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message,
                      int http_status = 0);

// Adds an extra member to the error body (S3: an XML element such as BucketName; JSON
// services: a top-level string member such as resourceType).
absl::Status WithAwsField(absl::Status status, std::string_view name, std::string_view value);
// Adds an extra JSON-valued member (already serialized JSON text), e.g. "fieldList".
absl::Status WithAwsJsonField(absl::Status status, std::string_view name, std::string_view json);

std::optional<std::string> GetAwsCode(const absl::Status& status);
std::optional<int> GetAwsHttpStatus(const absl::Status& status);
// Extra string members, by name.
std::map<std::string, std::string> GetAwsFields(const absl::Status& status);
// Extra JSON-valued members, by name (values are JSON text).
std::map<std::string, std::string> GetAwsJsonFields(const absl::Status& status);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_AWS_ERROR_H_
