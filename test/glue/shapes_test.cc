#include "glue/shapes.h"

#include <string>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

absl::StatusOr<json> Check(std::string_view operation, const json& request) {
  const Shape* shape = RequestShape(operation);
  EXPECT_NE(shape, nullptr) << operation;
  if (shape == nullptr) return absl::InternalError("no shape");
  return ValidateShape(request, *shape);
}

TEST(ShapesTest, EveryImplementedOperationHasAShape) {
  for (const char* op :
       {"CreateDatabase",  "GetDatabase",          "GetDatabases",     "UpdateDatabase",
        "DeleteDatabase",  "CreateTable",          "GetTable",         "GetTables",
        "UpdateTable",     "DeleteTable",          "BatchDeleteTable", "GetPartitions",
        "CreatePartition", "BatchCreatePartition", "GetPartition",     "CreateCrawler",
        "GetCrawler",      "GetCrawlers",          "ListCrawlers",     "UpdateCrawler",
        "StartCrawler",    "StopCrawler",          "DeleteCrawler",    "GetCrawlerMetrics"}) {
    EXPECT_NE(RequestShape(op), nullptr) << op;
  }
  EXPECT_EQ(RequestShape("CreateJob"), nullptr);
}

TEST(ShapesTest, AcceptsTheRecipeRequestsAndDropsUnknownMembers) {
  absl::StatusOr<json> db = Check(
      "CreateDatabase",
      {{"DatabaseInput", {{"Name", "org_a_db"}, {"Description", "Org A data"}}}, {"Bogus", 1}});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*db, json({{"DatabaseInput", {{"Name", "org_a_db"}, {"Description", "Org A data"}}}}));

  absl::StatusOr<json> crawler =
      Check("CreateCrawler", {{"Name", "org-a-crawler"},
                              {"Role", "arn:aws:iam::123456789012:role/GlueCrawlerRole"},
                              {"DatabaseName", "org_a_db"},
                              {"Targets", {{"S3Targets", {{{"Path", "s3://org-a-data/data/"}}}}}}});
  ASSERT_TRUE(crawler.ok()) << crawler.status();
  EXPECT_EQ((*crawler)["Targets"]["S3Targets"][0]["Path"], "s3://org-a-data/data/");
}

TEST(ShapesTest, MissingRequiredMembersAreListed) {
  absl::StatusOr<json> r = Check("CreateCrawler", {{"Name", "c"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetAwsCode(r.status()).value_or(""), "InvalidInputException");
  EXPECT_EQ(Message(r.status()),
            "2 validation errors detected: Value null at 'role' failed to satisfy constraint: "
            "Member must not be null; Value null at 'targets' failed to satisfy constraint: "
            "Member must not be null");

  absl::StatusOr<json> nested = Check("CreateDatabase", {{"DatabaseInput", json::object()}});
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(Message(nested.status()).find("Value null at 'databaseInput.name'"), std::string::npos)
      << nested.status();
}

TEST(ShapesTest, LengthsRangesPatternsAndEnumsUseAwsWording) {
  absl::StatusOr<json> r =
      Check("GetTables", {{"DatabaseName", std::string(300, 'd')}, {"MaxResults", 0}});
  ASSERT_FALSE(r.ok());
  std::string m = Message(r.status());
  EXPECT_NE(m.find("2 validation errors detected"), std::string::npos) << m;
  EXPECT_NE(m.find("at 'databaseName' failed to satisfy constraint: Member must have length less "
                   "than or equal to 255"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Value '0' at 'maxResults' failed to satisfy constraint: Member must have "
                   "value greater than or equal to 1"),
            std::string::npos)
      << m;

  absl::StatusOr<json> policy =
      Check("CreateCrawler", {{"Name", "c"},
                              {"Role", "r"},
                              {"Targets", json::object()},
                              {"SchemaChangePolicy", {{"UpdateBehavior", "SOMETIMES"}}}});
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(Message(policy.status())
                .find("Value 'SOMETIMES' at 'schemaChangePolicy.updateBehavior' failed to satisfy "
                      "constraint: Member must satisfy enum value set: [LOG, UPDATE_IN_DATABASE]"),
            std::string::npos)
      << policy.status();

  absl::StatusOr<json> column =
      Check("CreateTable",
            {{"DatabaseName", "db"},
             {"TableInput",
              {{"Name", "t"}, {"StorageDescriptor", {{"Columns", {{{"Name", "bad\nname"}}}}}}}}});
  ASSERT_FALSE(column.ok());
  EXPECT_NE(Message(column.status())
                .find("at 'tableInput.storageDescriptor.columns.1.member.name' failed to satisfy "
                      "constraint: Member must satisfy regular expression pattern"),
            std::string::npos)
      << column.status();
}

TEST(ShapesTest, WrongJsonTypesAreSerializationExceptions) {
  absl::StatusOr<json> r = Check("GetDatabase", {{"Name", 42}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetAwsCode(r.status()).value_or(""), "SerializationException");
  EXPECT_EQ(GetAwsHttpStatus(r.status()).value_or(0), 400);

  EXPECT_EQ(GetAwsCode(Check("GetTables", {{"DatabaseName", "d"}, {"MaxResults", "10"}}).status())
                .value_or(""),
            "SerializationException");
  EXPECT_EQ(GetAwsCode(Check("GetTables", {{"DatabaseName", "d"}, {"MaxResults", 1.5}}).status())
                .value_or(""),
            "SerializationException");
  EXPECT_EQ(GetAwsCode(Check("CreateDatabase",
                             {{"DatabaseInput", {{"Name", "d"}, {"Parameters", {{"k", 1}}}}}})
                           .status())
                .value_or(""),
            "SerializationException");
}

TEST(ShapesTest, IntegersParsedFromTheWireAreAccepted) {
  // nlohmann parses non-negative numbers as unsigned; they are integers all the same.
  json parsed = json::parse(R"({"DatabaseName": "d", "MaxResults": 100})");
  ASSERT_TRUE(parsed["MaxResults"].is_number_unsigned());
  EXPECT_TRUE(Check("GetTables", parsed).ok());
  EXPECT_EQ(GetAwsCode(Check("GetTables",
                             json::parse(R"({"DatabaseName": "d", "MaxResults": 4294967296})"))
                           .status())
                .value_or(""),
            "SerializationException");
}

TEST(ShapesTest, NullMembersCountAsAbsent) {
  absl::StatusOr<json> r = Check("GetTables", {{"DatabaseName", "d"}, {"Expression", nullptr}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->contains("Expression"));
  EXPECT_FALSE(Check("GetDatabase", {{"Name", nullptr}}).ok());
}

TEST(ShapesTest, ListLimitsAreChecked) {
  json names = json::array();
  for (int i = 0; i < 101; ++i) names.push_back("t" + std::to_string(i));
  absl::StatusOr<json> r =
      Check("BatchDeleteTable", {{"DatabaseName", "d"}, {"TablesToDelete", names}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(Message(r.status()).find("Member must have length less than or equal to 100"),
            std::string::npos);
}

}  // namespace
}  // namespace cleanroom::glue
