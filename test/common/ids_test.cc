#include "common/ids.h"

#include <set>

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace cleanroom {
namespace {

TEST(IdsTest, UuidIsLowercaseVersion4) {
  std::string id = NewUuid();
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  EXPECT_FALSE(IsUuid("AAAAAAAA-1111-2222-3333-444444444444"));
}

TEST(IdsTest, AccountIdsAreTwelveDigits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewAccountId();
    EXPECT_TRUE(IsAccountId(id));
    EXPECT_NE(id[0], '0');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(IdsTest, AccessKeysHaveAwsShape) {
  std::string id = NewAccessKeyId();
  ASSERT_EQ(id.size(), 20u);
  EXPECT_EQ(id.substr(0, 4), "AKIA");
  EXPECT_EQ(NewSecretAccessKey().size(), 40u);
  EXPECT_NE(NewSecretAccessKey(), NewSecretAccessKey());
}

TEST(TimeFormatTest, AmzDateRoundTrip) {
  auto t = ParseAmzDate("20261124T013728Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatAmzDate(*t), "20261124T013728Z");
  EXPECT_EQ(FormatIso8601Millis(*t * 1000000 + 123000), "2026-11-24T01:37:28.123Z");
  EXPECT_EQ(FormatHttpDate(*t * 1000000), "Tue, 24 Nov 2026 01:37:28 GMT");
  EXPECT_EQ(*ParseHttpDate("Tue, 24 Nov 2026 01:37:28 GMT"), *t);
  EXPECT_FALSE(ParseAmzDate("20261324T013728Z").has_value());
  EXPECT_FALSE(ParseAmzDate("2026-11-24").has_value());
}

}  // namespace
}  // namespace cleanroom
