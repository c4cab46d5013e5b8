#include "common/aws_error.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cleanroom {
namespace {

constexpr std::string_view kCodeUrl = "cleanroom/aws-code";
constexpr std::string_view kHttpUrl = "cleanroom/aws-http";
constexpr std::string_view kFieldPrefix = "cleanroom/aws-field/";
constexpr std::string_view kJsonFieldPrefix = "cleanroom/aws-json/";

std::map<std::string, std::string> FieldsWithPrefix(const absl::Status& status,
                                                    std::string_view prefix) {
  std::map<std::string, std::string> out;
  status.ForEachPayload([&](std::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, prefix)) {
      out[std::string(url.substr(prefix.size()))] = std::string(value);
    }
  });
  return out;
}

}  // namespace

absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message,
                      int http_status) {
  absl::Status status(code, message);
  status.SetPayload(kCodeUrl, absl::Cord(aws_code));
  if (http_status > 0) status.SetPayload(kHttpUrl, absl::Cord(absl::StrCat(http_status)));
  return status;
}

absl::Status WithAwsField(absl::Status status, std::string_view name, std::string_view value) {
  status.SetPayload(absl::StrCat(kFieldPrefix, name), absl::Cord(value));
  return status;
}

absl::Status WithAwsJsonField(absl::Status status, std::string_view name, std::string_view json) {
  status.SetPayload(absl::StrCat(kJsonFieldPrefix, name), absl::Cord(json));
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
