#include "rules/validation_error.h"

#include <string>

#include "common/aws_error.h"
#include "nlohmann/json.hpp"

namespace cleanroom::rules {

absl::Status FieldValidationError(std::string_view path, std::string_view message) {
  nlohmann::json field_list = nlohmann::json::array();
  field_list.push_back({{"name", std::string(path)}, {"message", std::string(message)}});
  absl::Status status =
      AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message, 400);
  status = WithAwsField(std::move(status), "reason", "FIELD_VALIDATION_FAILED");
  return WithAwsJsonField(std::move(status), "fieldList", field_list.dump());
}

}  // namespace cleanroom::rules
