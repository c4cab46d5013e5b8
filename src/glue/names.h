// Glue's naming rules and the small string rules around them: the model's single-line and
// multi-line character patterns, lengths counted as AWS counts them, Hive-style lower-casing of
// database and table names, AWS-style validation messages, crawler role ARNs, S3 locations and
// the deterministic suffix that keeps crawled table names unique.
#ifndef CLEANROOM_GLUE_NAMES_H_
#define CLEANROOM_GLUE_NAMES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cleanroom::glue {

// Glue's NameString: 1..255 characters of the single-line pattern.
inline constexpr size_t kMaxNameLength = 255;

// The model's patterns, as AWS prints them in validation messages.
inline constexpr std::string_view kSingleLinePattern =
    "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*";
inline constexpr std::string_view kMultiLinePattern =
    "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*";

// True if every code point of the UTF-8 `text` is a tab or in U+0020..U+D7FF,
// U+E000..U+FFFD or U+10000..U+10FFFF (the model's single-line pattern). Invalid UTF-8 is
// never single-line. `multi_line` also admits CR and LF.
bool MatchesTextPattern(std::string_view text, bool multi_line = false);

// The length AWS checks: UTF-16 code units (a code point above U+FFFF counts 2). Invalid UTF-8
// bytes count 1 each.
size_t AwsLength(std::string_view text);

// Hive folds database and table names to lower case; so does Glue. Only ASCII letters are
// folded (this server has no Unicode case tables).
std::string FoldName(std::string_view name);

// One AWS validation failure, rendered as Coral renders it:
//   Value '<value>' at '<path>' failed to satisfy constraint: <constraint>
// (`value` nullopt renders "Value null at ..."). Long values are shortened.
std::string ConstraintViolation(const std::string* value, std::string_view path,
                                std::string_view constraint);
// "1 validation error detected: A" or "N validation errors detected: A; B; ...".
std::string ValidationErrorsMessage(const std::vector<std::string>& violations);

// InvalidInputException (HTTP 400), the error Glue gives for bad input on every operation this
// server implements (none of them models ValidationException).
absl::Status InvalidInput(std::string_view message);
// EntityNotFoundException / AlreadyExistsException (HTTP 400, as Glue answers them).
absl::Status EntityNotFound(std::string_view message);
absl::Status AlreadyExists(std::string_view message);

// Checks a database, table or column name against the model (NameString: 1..255 characters of
// the single-line pattern). Returns the violation text (for ValidationErrorsMessage) or "" if
// the name is valid. `path` is the member path AWS names, e.g. "databaseInput.name".
std::string CheckName(std::string_view name, std::string_view path);
// CheckName as a Status: InvalidInputException with AWS's message, or OK.
absl::Status ValidateName(std::string_view name, std::string_view path);

// Resolves a crawler's Role, which the API accepts as a bare role name (optionally with a
// path, "service-role/GlueRole") or as an IAM role ARN, to
// "arn:aws:iam::<account>:role/<path/><name>". kInvalidArgument (InvalidInputException) for
// anything else: an ARN that is not an IAM role ARN, a bad account ID, or a role name outside
// IAM's rules (1..64 characters of [A-Za-z0-9+=,.@_-]).
absl::StatusOr<std::string> ResolveRoleArn(std::string_view role, std::string_view account_id);

// Parsed "s3://bucket/prefix" paths. kInvalidArgument (InvalidInputException) unless `path`
// starts with "s3://" and names a bucket.
struct S3Path {
  std::string bucket;
  std::string prefix;  // may be empty; no leading slash
};
absl::StatusOr<S3Path> ParseS3Path(std::string_view path);

// A Hive-style partition folder name, "key=value": true with its key and value. False for a
// plain folder (no '=', or nothing before it), whose partition value is the folder name itself.
bool SplitPartitionFolder(std::string_view folder, std::string* key, std::string* value);

// The form locations are compared in: a trailing slash added to a folder-like location, so
// "s3://b/data" and "s3://b/data/" are the same place.
std::string NormalizeLocation(std::string_view location);

// The deterministic suffix for a crawled table whose name is taken by a table of another
// location: "_" followed by the first `hex_digits` (8 by default, at most 64) lower-case hex
// digits of SHA-256(NormalizeLocation(location)).
std::string LocationSuffix(std::string_view location, size_t hex_digits = 8);

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_NAMES_H_
