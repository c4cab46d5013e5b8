// ValidateDifferentialPrivacyInCollaboration and DifferentialPrivacyColumn.
#include "rules/differential_privacy_validation.h"

#include "gtest/gtest.h"
#include "rules_test_util.h"

namespace cleanroom::rules {
namespace {

using testing::IsFieldError;
using testing::kOwner;
using testing::kPartner;
using testing::kThird;
using testing::Member;

constexpr char kPath[] = "configuredTableIdentifier";
constexpr char kCollaboration[] = "c0ffee00-0000-4000-8000-000000000000";

CollaborationContext Collaboration(std::string owner_status = "ACTIVE") {
  CollaborationContext c;
  c.members = {Member(kOwner, {}, owner_status), Member(kPartner, {}),
               Member(kThird, {"CAN_QUERY", "CAN_RECEIVE_RESULTS"})};
  return c;
}

TEST(DifferentialPrivacyColumnTest, OnlyCustomRulesWithDifferentialPrivacyHaveOne) {
  CustomRule custom;
  custom.allowed_analyses = {"ANY_QUERY"};
  EXPECT_EQ(DifferentialPrivacyColumn(TableRule(custom)), std::nullopt);
  custom.differential_privacy_column = "user_id";
  EXPECT_EQ(DifferentialPrivacyColumn(TableRule(custom)), "user_id");
  EXPECT_EQ(DifferentialPrivacyColumn(TableRule(testing::SeedAggregationRule())), std::nullopt);
}

TEST(DifferentialPrivacyValidationTest, AcceptsTheSameColumnEverywhere) {
  DifferentialPrivacyTable table{"visits", kOwner, "user_id"};
  EXPECT_TRUE(
      ValidateDifferentialPrivacyInCollaboration(kPath, kCollaboration, table, Collaboration(), {})
          .ok());
  EXPECT_TRUE(ValidateDifferentialPrivacyInCollaboration(
                  kPath, kCollaboration, table, Collaboration(),
                  {{"users", kPartner, "user_id"}, {"more", kOwner, "user_id"}})
                  .ok());
}

TEST(DifferentialPrivacyValidationTest, RefusesAnotherUserIdentifierColumn) {
  DifferentialPrivacyTable table{"visits", kOwner, "customer_id"};
  EXPECT_TRUE(IsFieldError(
      ValidateDifferentialPrivacyInCollaboration(
          kPath, kCollaboration, table, Collaboration(),
          {{"users", kPartner, "customer_id"}, {"events", kPartner, "user_id"}}),
      kPath,
      "Table 'events' of collaboration c0ffee00-0000-4000-8000-000000000000 already turns on "
      "differential privacy with user identifier column 'user_id', but this table's analysis "
      "rule names 'customer_id'; every table with differential privacy in a collaboration must "
      "use the same user identifier column"));
}

TEST(DifferentialPrivacyValidationTest, RefusesTheMemberWhoReceivesResults) {
  DifferentialPrivacyTable table{"orders", kThird, "user_id"};
  EXPECT_TRUE(IsFieldError(
      ValidateDifferentialPrivacyInCollaboration(kPath, kCollaboration, table, Collaboration(),
                                                 {{"users", kPartner, "customer_id"}}),
      kPath,
      "Account 333333333333 can receive results in collaboration "
      "c0ffee00-0000-4000-8000-000000000000, and the member who can receive results cannot turn "
      "on differential privacy for its own tables; its CUSTOM analysis rule must leave "
      "differentialPrivacy out"));
}

}  // namespace
}  // namespace cleanroom::rules
