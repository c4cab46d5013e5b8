#include "glue/names.h"

#include <cstdint>

#include "common/aws_error.h"
#include "common/strings.h"
#include "crypto/hash.h"

namespace cleanroom::glue {
namespace {

// Decodes one UTF-8 code point at `i`, advancing `i`. Returns -1 (advancing one byte) for an
// invalid sequence, including overlong forms and surrogates.
int32_t NextCodePoint(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int extra;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return -1;
  }
  if (i + static_cast<size_t>(extra) >= s.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char b = byte(i + static_cast<size_t>(k));
    if ((b & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

bool AllowedInPattern(int32_t cp, bool multi_line) {
  if (cp == '\t') return true;
  if (multi_line && (cp == '\r' || cp == '\n')) return true;
  return (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool IsRoleNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

// "name" or "path/.../name": IAM role names are 1..64 characters of [\w+=,.@-]; each path
// segment follows the same character rule.
bool IsValidRoleNameWithPath(std::string_view text) {
  if (text.empty() || text.size() > 512) return false;
  std::vector<std::string_view> parts = Split(text, '/');
  for (std::string_view part : parts) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!IsRoleNameChar(c)) return false;
    }
  }
  return parts.back().size() <= 64;
}

}  // namespace

bool MatchesTextPattern(std::string_view text, bool multi_line) {
  size_t i = 0;
  while (i < text.size()) {
    int32_t cp = NextCodePoint(text, i);
    if (cp < 0 || !AllowedInPattern(cp, multi_line)) return false;
  }
  return true;
}

size_t AwsLength(std::string_view text) {
  size_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    int32_t cp = NextCodePoint(text, i);
    n += cp >= 0x10000 ? 2 : 1;
  }
  return n;
}

std::string FoldName(std::string_view name) { return ToLower(name); }

std::string ConstraintViolation(const std::string* value, std::string_view path,
                                std::string_view constraint) {
  constexpr size_t kMaxShown = 256;
  std::string shown;
  if (value == nullptr) {
    shown = "null";
  } else if (value->size() > kMaxShown) {
    shown = StrCat("'", value->substr(0, kMaxShown), "...'");
  } else {
    shown = StrCat("'", *value, "'");
  }
  return StrCat("Value ", shown, " at '", path, "' failed to satisfy constraint: ", constraint);
}

std::string ValidationErrorsMessage(const std::vector<std::string>& violations) {
  std::string out =
      StrCat(violations.size(), violations.size() == 1 ? " validation error" : " validation errors",
             " detected: ");
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) out += "; ";
    out += violations[i];
  }
  return out;
}

absl::Status InvalidInput(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidInputException", message, 400);
}

absl::Status EntityNotFound(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "EntityNotFoundException", message, 400);
}

absl::Status AlreadyExists(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "AlreadyExistsException", message, 400);
}

std::string CheckName(std::string_view name, std::string_view path) {
  std::string value(name);
  size_t length = AwsLength(name);
  if (length < 1) {
    return ConstraintViolation(&value, path, "Member must have length greater than or equal to 1");
  }
  if (length > kMaxNameLength) {
    return ConstraintViolation(&value, path, "Member must have length less than or equal to 255");
  }
  if (!MatchesTextPattern(name)) {
    return ConstraintViolation(
        &value, path,
        StrCat("Member must satisfy regular expression pattern: ", kSingleLinePattern));
  }
  return "";
}

absl::Status ValidateName(std::string_view name, std::string_view path) {
  std::string violation = CheckName(name, path);
  if (violation.empty()) return absl::OkStatus();
  return InvalidInput(ValidationErrorsMessage({violation}));
}

absl::StatusOr<std::string> ResolveRoleArn(std::string_view role, std::string_view account_id) {
  auto invalid = [&]() {
    return InvalidInput(StrCat("Role '", role,
                               "' is neither an IAM role name nor an IAM role ARN "
                               "(arn:aws:iam::<account>:role/<name>)"));
  };
  if (StartsWith(role, "arn:")) {
    // arn:<partition>:iam::<account>:role/<path/><name>
    std::vector<std::string_view> parts = Split(role, ':');
    if (parts.size() != 6 || parts[2] != "iam" || !parts[3].empty()) return invalid();
    if (parts[1] != "aws" && parts[1] != "aws-cn" && parts[1] != "aws-us-gov") return invalid();
    bool twelve_digits = parts[4].size() == 12;
    for (char c : parts[4]) twelve_digits = twelve_digits && c >= '0' && c <= '9';
    if (!twelve_digits) return invalid();
    if (!StartsWith(parts[5], "role/")) return invalid();
    if (!IsValidRoleNameWithPath(parts[5].substr(5))) return invalid();
    return std::string(role);
  }
  if (!IsValidRoleNameWithPath(role)) return invalid();
  return StrCat("arn:aws:iam::", account_id, ":role/", role);
}

absl::StatusOr<S3Path> ParseS3Path(std::string_view path) {
  constexpr std::string_view kScheme = "s3://";
  if (!StartsWith(path, kScheme)) {
    return InvalidInput(StrCat("S3 target path '", path, "' must start with s3://"));
  }
  std::string_view rest = path.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Path out;
  out.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.prefix = std::string(rest.substr(slash + 1));
  if (out.bucket.empty()) {
    return InvalidInput(StrCat("S3 target path '", path, "' does not name a bucket"));
  }
  if (!MatchesTextPattern(path)) {
    return InvalidInput(StrCat("S3 target path '", path, "' contains control characters"));
  }
  return out;
}

bool SplitPartitionFolder(std::string_view folder, std::string* key, std::string* value) {
  size_t eq = folder.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  *key = std::string(folder.substr(0, eq));
  *value = std::string(folder.substr(eq + 1));
  return true;
}

std::string NormalizeLocation(std::string_view location) {
  std::string out(location);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  return out;
}

std::string LocationSuffix(std::string_view location, size_t hex_digits) {
  std::string hex = crypto::Sha256Hex(NormalizeLocation(location));
  if (hex_digits > hex.size()) hex_digits = hex.size();
  return StrCat("_", hex.substr(0, hex_digits));
}

}  // namespace cleanroom::glue
