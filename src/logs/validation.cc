#include "logs/validation.h"

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/strings.h"

namespace cleanroom::logs {
namespace {

constexpr std::string_view kGroupNameRegex = "[\\.\\-_/#A-Za-z0-9]+";
constexpr std::string_view kGroupNamePatternRegex = "[\\.\\-_/#A-Za-z0-9]*";
constexpr std::string_view kStreamNameRegex = "[^:*]*";

bool IsGroupNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '/' || c == '#';
}

// Characters (code points) of valid UTF-8 text.
size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::Status CheckLength(std::string_view member, std::string_view value, size_t length,
                         size_t min) {
  if (length < min) {
    return ConstraintViolation(member, value, StrCat("have length greater than or equal to ", min));
  }
  if (length > kMaxNameLength) {
    return ConstraintViolation(member, value,
                               StrCat("have length less than or equal to ", kMaxNameLength));
  }
  return absl::OkStatus();
}

absl::Status CheckGroupChars(std::string_view member, std::string_view value,
                             std::string_view regex) {
  for (char c : value) {
    if (!IsGroupNameChar(c)) {
      return ConstraintViolation(member, value,
                                 StrCat("satisfy regular expression pattern: ", regex));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InvalidParameter(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterException", message, 400);
}

absl::Status ResourceNotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", message, 400);
}

absl::Status ResourceAlreadyExists(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "ResourceAlreadyExistsException", message, 400);
}

absl::Status LogGroupNotFound() {
  return ResourceNotFound("The specified log group does not exist.");
}

absl::Status LogStreamNotFound() {
  return ResourceNotFound("The specified log stream does not exist.");
}

absl::Status ConstraintViolation(std::string_view member, std::string_view value,
                                 std::string_view constraint) {
  return InvalidParameter(StrCat("1 validation error detected: Value '", value, "' at '", member,
                                 "' failed to satisfy constraint: Member must ", constraint));
}

absl::Status CheckLimit(std::string_view member, int64_t value, int64_t max) {
  if (value < 1) {
    return ConstraintViolation(member, std::to_string(value),
                               "have value greater than or equal to 1");
  }
  if (value > max) {
    return ConstraintViolation(member, std::to_string(value),
                               StrCat("have value less than or equal to ", max));
  }
  return absl::OkStatus();
}

absl::Status ValidateLogGroupName(std::string_view name, std::string_view member) {
  if (absl::Status s = CheckLength(member, name, name.size(), 1); !s.ok()) return s;
  return CheckGroupChars(member, name, kGroupNameRegex);
}

absl::Status ValidateLogGroupNamePattern(std::string_view pattern, std::string_view member) {
  if (absl::Status s = CheckLength(member, pattern, pattern.size(), 0); !s.ok()) return s;
  return CheckGroupChars(member, pattern, kGroupNamePatternRegex);
}

absl::Status ValidateLogStreamName(std::string_view name, std::string_view member) {
  if (!IsValidUtf8(name)) {
    return ConstraintViolation(member, "", "be valid UTF-8");
  }
  if (absl::Status s = CheckLength(member, name, CodePoints(name), 1); !s.ok()) return s;
  if (name.find_first_of(":*") != std::string_view::npos) {
    return ConstraintViolation(member, name,
                               StrCat("satisfy regular expression pattern: ", kStreamNameRegex));
  }
  return absl::OkStatus();
}

}  // namespace cleanroom::logs
