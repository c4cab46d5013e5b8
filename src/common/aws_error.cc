#include "common/aws_error.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cleanroom {
namespace {

// Debian's abseil is built with its own string_view type, so payload URLs are kept as
// absl::string_view constants and std::string_view arguments are converted explicitly.
constexpr absl::string_view kCodeUrl = "cleanroom/aws-code";
constexpr absl::string_view kHttpUrl = "cleanroom/aws-http";
constexpr absl::string_view kFieldPrefix = "cleanroom/aws-field/";
constexpr absl::string_view kJsonFieldPrefix = "cleanroom/aws-json/";

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::map<std::string, std::string> FieldsWithPrefix(const absl::Status& status,
                                                    absl::string_view prefix) {
  std::map<std::string, std::string> out;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, prefix)) {
      out[std::string(url.substr(prefix.size()))] = std::string(value);
    }
  });
  return out;
}

}  // namespace

absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message,
                      int http_status) {
  absl::Status status(code, Absl(message));
  status.SetPayload(kCodeUrl, absl::Cord(Absl(aws_code)));
  if (http_status > 0) status.SetPayload(kHttpUrl, absl::Cord(absl::StrCat(http_status)));
  return status;
}

absl::Status WithAwsField(absl::Status status, std::string_view name, std::string_view value) {
  status.SetPayload(absl::StrCat(kFieldPrefix, Absl(name)), absl::Cord(Absl(value)));
  return status;
}

absl::Status WithAwsJsonField(absl::Status status, std::string_view name, std::string_view json) {
  status.SetPayload(absl::StrCat(kJsonFieldPrefix, Absl(name)), absl::Cord(Absl(json)));
  return status;
}

std::optional<std::string> GetAwsCode(const absl::Status& status) {
  auto payload = status.GetPayload(kCodeUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

std::optional<int> GetAwsHttpStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kHttpUrl);
  int value;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &value)) return std::nullopt;
  return value;
}

std::map<std::string, std::string> GetAwsFields(const absl::Status& status) {
  return FieldsWithPrefix(status, kFieldPrefix);
}

std::map<std::string, std::string> GetAwsJsonFields(const absl::Status& status) {
  return FieldsWithPrefix(status, kJsonFieldPrefix);
}

}  // namespace cleanroom
