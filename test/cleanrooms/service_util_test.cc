#include "cleanrooms/service_util.h"

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::cleanrooms {
namespace {

std::vector<PageItem> Items(int n) {
  std::vector<PageItem> items;
  // Newest first, as the service orders them; two items share each timestamp.
  for (int i = n - 1; i >= 0; --i) {
    char id[8];
    std::snprintf(id, sizeof(id), "id%03d", i);
    items.push_back({1000 + i / 2, id, Json(i)});
  }
  return items;
}

TEST(PaginateTest, WalksEveryItemExactlyOnce) {
  std::vector<int> seen;
  Json input = {{"maxResults", 7}};
  for (int pages = 0; pages < 100; ++pages) {
    absl::StatusOr<Page> page = Paginate(Items(250), input);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->items.size(), 7u);
    for (const Json& v : page->items) seen.push_back(v.get<int>());
    if (!page->next_token) break;
    input["nextToken"] = *page->next_token;
  }
  ASSERT_EQ(seen.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(seen[i], 249 - i);
}

TEST(PaginateTest, TokenSurvivesInsertionsAndDeletions) {
  absl::StatusOr<Page> first = Paginate(Items(10), {{"maxResults", 3}});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_token);
  // A newer item appears and one already returned disappears: the next page continues after
  // the last item returned, without repeating or skipping.
  std::vector<PageItem> changed = Items(10);
  changed.erase(changed.begin());
  changed.insert(changed.begin(), PageItem{5000, "zzz", Json(99)});
  absl::StatusOr<Page> second =
      Paginate(std::move(changed), {{"maxResults", 3}, {"nextToken", *first->next_token}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items, Json({6, 5, 4}));
}

TEST(PaginateTest, DefaultPageIs100AndLastPageHasNoToken) {
  absl::StatusOr<Page> page = Paginate(Items(100), Json::object());
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 100u);
  EXPECT_FALSE(page->next_token);
}

TEST(PaginateTest, ForeignTokenIsValidationException) {
  for (const char* token : {"garbage", "djE6", "eDoxMjM6YQ=="}) {
    absl::StatusOr<Page> page = Paginate(Items(3), {{"nextToken", token}});
    ASSERT_FALSE(page.ok()) << token;
    EXPECT_EQ(GetAwsCode(page.status()), "ValidationException");
    EXPECT_EQ(GetAwsHttpStatus(page.status()), 400);
  }
}

TEST(ArnTest, BuildAndParse) {
  std::string arn = AssociationArn("us-east-1", "111111111111", "m-1", "a-1");
  EXPECT_EQ(arn,
            "arn:aws:cleanrooms:us-east-1:111111111111:membership/m-1/"
            "configuredtableassociation/a-1");
  std::optional<ParsedArn> parsed = ParseCleanRoomsArn(arn);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->account, "111111111111");
  EXPECT_EQ(parsed->path,
            (std::vector<std::string>{"membership", "m-1", "configuredtableassociation", "a-1"}));
  EXPECT_FALSE(ParseCleanRoomsArn("arn:aws:s3:::bucket"));
  EXPECT_FALSE(ParseCleanRoomsArn("not an arn"));
}

TEST(ErrorsTest, ModelShapes) {
  absl::Status nf = NotFound("COLLABORATION", "abc", "Collaboration");
  EXPECT_EQ(GetAwsCode(nf), "ResourceNotFoundException");
  EXPECT_EQ(GetAwsHttpStatus(nf), 404);
  EXPECT_EQ(GetAwsFields(nf)["resourceType"], "COLLABORATION");
  EXPECT_EQ(GetAwsFields(nf)["resourceId"], "abc");
  absl::Status c = Conflict("SUBRESOURCES_EXIST", "MEMBERSHIP", "m", "busy");
  EXPECT_EQ(GetAwsHttpStatus(c), 409);
  EXPECT_EQ(GetAwsFields(c)["reason"], "SUBRESOURCES_EXIST");
  absl::Status v = Invalid("bad column", "allowedColumns");
  EXPECT_EQ(GetAwsFields(v)["reason"], "FIELD_VALIDATION_FAILED");
  EXPECT_EQ(Json::parse(GetAwsJsonFields(v)["fieldList"]),
            Json::parse(R"([{"name":"allowedColumns","message":"bad column"}])"));
  EXPECT_EQ(Seconds(1717171717123), Json(1717171717.123));
  EXPECT_EQ(Seconds(1717171717000), Json(1717171717));
}

}  // namespace
}  // namespace cleanroom::cleanrooms
