// Test helpers for the rules module: the exact-error matcher, the seed recipe's AGGREGATION rule
// and configured tables to validate rules against.
#ifndef CLEANROOM_TEST_RULES_RULES_TEST_UTIL_H_
#define CLEANROOM_TEST_RULES_RULES_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/aws_error.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rules/analysis_rule.h"
#include "rules/context.h"

namespace cleanroom::rules::testing {

inline constexpr char kOwner[] = "111111111111";
inline constexpr char kPartner[] = "222222222222";
inline constexpr char kThird[] = "333333333333";
inline constexpr char kStranger[] = "999999999999";
inline constexpr char kTemplateArn[] =
    "arn:aws:cleanrooms:us-east-1:111111111111:membership/"
    "bbbbbbbb-1111-2222-3333-444444444444/analysistemplate/ffffffff-1111-2222-3333-444444444444";
inline constexpr char kOtherTemplateArn[] =
    "arn:aws:cleanrooms:us-east-1:222222222222:membership/"
    "cccccccc-1111-2222-3333-444444444444/analysistemplate/eeeeeeee-1111-2222-3333-444444444444";
inline constexpr char kModelArn[] =
    "arn:aws:cleanrooms-ml:us-east-1:222222222222:membership/"
    "cccccccc-1111-2222-3333-444444444444/configured-model-algorithm-association/abc";

// Succeeds if `status` is exactly the ValidationException FieldValidationError(path, message)
// renders: kInvalidArgument, AWS code ValidationException, HTTP 400, reason
// FIELD_VALIDATION_FAILED, message `message` and fieldList [{"name": path, "message": message}].
inline ::testing::AssertionResult IsFieldError(const absl::Status& status, const std::string& path,
                                               const std::string& message) {
  if (status.ok()) return ::testing::AssertionFailure() << "status is OK";
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure() << "code is " << status.code();
  }
  if (std::string(status.message()) != message) {
    return ::testing::AssertionFailure() << "message is \"" << std::string(status.message())
                                         << "\"\n          expected \"" << message << "\"";
  }
  if (GetAwsCode(status) != std::optional<std::string>("ValidationException")) {
    return ::testing::AssertionFailure() << "AWS code is not ValidationException";
  }
  if (GetAwsHttpStatus(status) != std::optional<int>(400)) {
    return ::testing::AssertionFailure() << "HTTP status is not 400";
  }
  auto fields = GetAwsFields(status);
  if (fields["reason"] != "FIELD_VALIDATION_FAILED") {
    return ::testing::AssertionFailure() << "reason is \"" << fields["reason"] << "\"";
  }
  auto json_fields = GetAwsJsonFields(status);
  nlohmann::json field_list = nlohmann::json::parse(json_fields["fieldList"], nullptr, false);
  nlohmann::json expected = nlohmann::json::array({{{"name", path}, {"message", message}}});
  if (field_list != expected) {
    return ::testing::AssertionFailure()
           << "fieldList is " << json_fields["fieldList"] << "\n  expected " << expected.dump();
  }
  return ::testing::AssertionSuccess();
}

// The analysisRulePolicy of the seed recipe's create-configured-table-analysis-rule
// (aws-api.md §4.1).
inline nlohmann::json SeedAggregationPolicy() {
  return nlohmann::json::parse(R"({"v1": {"aggregation": {
      "aggregateColumns": [{"columnNames": ["purchase_amount"], "function": "SUM"},
                           {"columnNames": ["customer_id"], "function": "COUNT_DISTINCT"}],
      "joinColumns": ["customer_id"],
      "joinRequired": "QUERY_RUNNER",
      "allowedJoinOperators": ["AND"],
      "dimensionColumns": ["age_group", "region", "product_category"],
      "scalarFunctions": ["ROUND", "TRUNC"],
      "outputConstraints": [{"columnName": "customer_id", "minimum": 100,
                             "type": "COUNT_DISTINCT"}]}}})");
}

inline AggregationRule SeedAggregationRule() {
  auto rule = ParseTableRule(RuleType::kAggregation, SeedAggregationPolicy());
  if (!rule.ok()) {
    ADD_FAILURE() << rule.status();
    return {};
  }
  return std::get<AggregationRule>(*rule);
}

// A Glue-backed DIRECT_QUERY table with the seed's columns plus customer_id and user_id.
inline TableContext CustomerTable() {
  TableContext table;
  table.allowed_columns = {"customer_id",      "age_group",       "region",
                           "product_category", "purchase_amount", "user_id"};
  table.analysis_method = "DIRECT_QUERY";
  table.table_reference_type = "glue";
  return table;
}

inline CollaborationMember Member(std::string account, std::vector<std::string> abilities,
                                  std::string status = "ACTIVE") {
  CollaborationMember member;
  member.account_id = std::move(account);
  member.abilities = std::move(abilities);
  member.status = std::move(status);
  return member;
}

}  // namespace cleanroom::rules::testing

#endif  // CLEANROOM_TEST_RULES_RULES_TEST_UTIL_H_
