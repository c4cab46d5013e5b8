#include "glue/glue_service.h"

#include <string>

#include "glue_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;
using testing::CsvTable;
using ::testing::HasSubstr;
using testing::kAccountA;
using testing::kAccountB;
using testing::Outcome;

struct Reply {
  int status;
  json body;
};

class GlueServiceTest : public ::testing::Test {
 protected:
  GlueServiceTest() : service_(&temp_.catalog(), &runner_, &temp_.clock()) {}

  Reply Call(const std::string& operation, const json& input,
             const std::string& account = kAccountA) {
    http::Request req;
    req.method = "POST";
    req.path = "/";
    req.headers.Set("x-amz-target", "AWSGlue." + operation);
    protocol::CallContext ctx{req, "rid", "us-east-1", {}, input.dump(), "", std::nullopt, ""};
    ctx.caller.account_id = account;
    ctx.caller.arn = "arn:aws:iam::" + account + ":root";
    http::Response resp = service_.Handle(ctx);
    EXPECT_EQ(resp.headers.Get("content-type").value_or(""), "application/x-amz-json-1.1");
    return Reply{resp.status, json::parse(resp.body, nullptr, false)};
  }

  json Ok(const std::string& operation, const json& input, const std::string& account = kAccountA) {
    Reply r = Call(operation, input, account);
    EXPECT_EQ(r.status, 200) << operation << ": " << r.body.dump();
    return r.body;
  }

  // Asserts a Glue error: HTTP 400 and {"__type": code, "Message": ...}.
  std::string Error(const std::string& operation, const json& input, const std::string& code,
                    const std::string& account = kAccountA) {
    Reply r = Call(operation, input, account);
    EXPECT_EQ(r.status, 400) << operation << ": " << r.body.dump();
    EXPECT_EQ(r.body.value("__type", ""), code) << operation << ": " << r.body.dump();
    EXPECT_TRUE(r.body.contains("Message")) << r.body.dump();
    return r.body.value("Message", "");
  }

  void CreateDatabase(const std::string& name = "org_a_db") {
    Ok("CreateDatabase", {{"DatabaseInput", {{"Name", name}, {"Description", "Org A data"}}}});
  }

  testing::TempCatalog temp_;
  testing::FakeCrawlRunner runner_;
  GlueService service_;
};

TEST_F(GlueServiceTest, DatabasesRoundTripInGlueShape) {
  EXPECT_EQ(Ok("CreateDatabase",
               {{"DatabaseInput", {{"Name", "Org_A_DB"}, {"Description", "Org A data"}}}}),
            json::object());
  json db = Ok("GetDatabase", {{"Name", "org_a_db"}})["Database"];
  EXPECT_EQ(db["Name"], "org_a_db");
  EXPECT_EQ(db["Description"], "Org A data");
  EXPECT_EQ(db["CatalogId"], kAccountA);
  EXPECT_TRUE(db["CreateTime"].is_number());
  EXPECT_DOUBLE_EQ(db["CreateTime"].get<double>(), 1700000000.0);
  EXPECT_EQ(db["Parameters"], json::object());
  EXPECT_EQ(db["CreateTableDefaultPermissions"][0]["Principal"]["DataLakePrincipalIdentifier"],
            "IAM_ALLOWED_PRINCIPALS");

  json list = Ok("GetDatabases", json::object());
  ASSERT_EQ(list["DatabaseList"].size(), 1u);
  EXPECT_FALSE(list.contains("NextToken"));
  EXPECT_EQ(Ok("GetDatabases", {{"AttributesToGet", {"NAME"}}})["DatabaseList"][0],
            json({{"Name", "org_a_db"}, {"CatalogId", kAccountA}}));
  EXPECT_EQ(Ok("GetDatabases", {{"ResourceShareType", "FOREIGN"}})["DatabaseList"], json::array());

  Ok("UpdateDatabase",
     {{"Name", "org_a_db"}, {"DatabaseInput", {{"Name", "org_a_db"}, {"Description", "new"}}}});
  EXPECT_EQ(Ok("GetDatabase", {{"Name", "org_a_db"}})["Database"]["Description"], "new");
  Ok("DeleteDatabase", {{"Name", "org_a_db"}});
  EXPECT_EQ(Error("GetDatabase", {{"Name", "org_a_db"}}, "EntityNotFoundException"),
            "Database org_a_db not found.");
}

TEST_F(GlueServiceTest, ErrorsUseGlueCodes) {
  CreateDatabase();
  EXPECT_EQ(Error("CreateDatabase", {{"DatabaseInput", {{"Name", "org_a_db"}}}},
                  "AlreadyExistsException"),
            "Database already exists.");
  EXPECT_THAT(Error("CreateDatabase", {{"DatabaseInput", {{"Name", std::string(256, 'x')}}}},
                    "InvalidInputException"),
              HasSubstr("Member must have length less than or equal to 255"));
  EXPECT_THAT(
      Error("CreateDatabase", json::object(), "InvalidInputException"),
      HasSubstr(
          "Value null at 'databaseInput' failed to satisfy constraint: Member must not be null"));
  Error("CreateDatabase", {{"DatabaseInput", {{"Name", 7}}}}, "SerializationException");
  Error("GetTables", {{"DatabaseName", "org_a_db"}, {"MaxResults", 101}}, "InvalidInputException");
  Error("GetTables", {{"DatabaseName", "org_a_db"}, {"Expression", "("}}, "InvalidInputException");
  Error("GetTables", {{"DatabaseName", "org_a_db"}, {"NextToken", "bogus"}},
        "InvalidInputException");
  Error("CreateTable", {{"DatabaseName", "org_a_db"}}, "InvalidInputException");

  // Not a Glue operation this server implements.
  Reply r = Call("CreateJob", {{"Name", "j"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["__type"], "UnknownOperationException");
}

TEST_F(GlueServiceTest, AnotherAccountCannotSeeOrChangeTheCatalog) {
  CreateDatabase();
  Ok("CreateTable", {{"DatabaseName", "org_a_db"}, {"TableInput", {{"Name", "customers"}}}});
  Error("GetDatabase", {{"Name", "org_a_db"}}, "EntityNotFoundException", kAccountB);
  Error("GetTable", {{"DatabaseName", "org_a_db"}, {"Name", "customers"}},
        "EntityNotFoundException", kAccountB);
  Error("GetTables", {{"DatabaseName", "org_a_db"}}, "EntityNotFoundException", kAccountB);
  Error("DeleteDatabase", {{"Name", "org_a_db"}}, "EntityNotFoundException", kAccountB);
  Error("DeleteTable", {{"DatabaseName", "org_a_db"}, {"Name", "customers"}},
        "EntityNotFoundException", kAccountB);
  // Naming the owner's catalog explicitly does not help.
  Error("GetDatabase", {{"CatalogId", kAccountA}, {"Name", "org_a_db"}}, "EntityNotFoundException",
        kAccountB);
  Error("CreateTable",
        {{"CatalogId", kAccountA}, {"DatabaseName", "org_a_db"}, {"TableInput", {{"Name", "x"}}}},
        "EntityNotFoundException", kAccountB);
  EXPECT_EQ(Ok("GetDatabases", json::object(), kAccountB)["DatabaseList"], json::array());
  // The owner still sees everything, also with its own CatalogId.
  EXPECT_EQ(Ok("GetTable", {{"CatalogId", kAccountA},
                            {"DatabaseName", "org_a_db"},
                            {"Name", "customers"}})["Table"]["Name"],
            "customers");
}

TEST_F(GlueServiceTest, TablesRenderAndPage) {
  CreateDatabase();
  for (int i = 0; i < 5; ++i) {
    Ok("CreateTable",
       {{"DatabaseName", "org_a_db"},
        {"TableInput",
         {{"Name", "T" + std::to_string(i)},
          {"TableType", "EXTERNAL_TABLE"},
          {"StorageDescriptor",
           {{"Columns", {{{"Name", "id"}, {"Type", "bigint"}}}}, {"Location", "s3://b/t/"}}},
          {"Parameters", {{"classification", "csv"}}}}}});
  }
  json t = Ok("GetTable", {{"DatabaseName", "ORG_A_DB"}, {"Name", "t3"}})["Table"];
  EXPECT_EQ(t["Name"], "t3");
  EXPECT_EQ(t["DatabaseName"], "org_a_db");
  EXPECT_EQ(t["CatalogId"], kAccountA);
  EXPECT_TRUE(t["CreateTime"].is_number());
  EXPECT_TRUE(t["UpdateTime"].is_number());
  EXPECT_EQ(t["VersionId"], "0");
  EXPECT_EQ(t["CreatedBy"], std::string("arn:aws:iam::") + kAccountA + ":root");
  EXPECT_EQ(t["StorageDescriptor"]["Columns"][0]["Type"], "bigint");
  EXPECT_EQ(t["Retention"], 0);

  std::vector<std::string> names;
  json request = {{"DatabaseName", "org_a_db"}, {"MaxResults", 2}};
  for (int page = 0; page < 5; ++page) {
    json out = Ok("GetTables", request);
    for (const json& x : out["TableList"]) names.push_back(x["Name"]);
    if (!out.contains("NextToken")) break;
    request["NextToken"] = out["NextToken"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4"}));
  EXPECT_EQ(
      Ok("GetTables", {{"DatabaseName", "org_a_db"}, {"Expression", "t[13]"}})["TableList"].size(),
      2u);
  EXPECT_EQ(Ok("GetTables", {{"DatabaseName", "org_a_db"},
                             {"AttributesToGet", {"NAME", "TABLE_TYPE"}}})["TableList"][0],
            json({{"Name", "t0"}, {"TableType", "EXTERNAL_TABLE"}}));

  json errors =
      Ok("BatchDeleteTable", {{"DatabaseName", "org_a_db"}, {"TablesToDelete", {"t0", "zz"}}});
  ASSERT_EQ(errors["Errors"].size(), 1u);
  EXPECT_EQ(errors["Errors"][0], json({{"TableName", "zz"},
                                       {"ErrorDetail",
                                        {{"ErrorCode", "EntityNotFoundException"},
                                         {"ErrorMessage", "Table zz not found."}}}}));
  Ok("DeleteTable", {{"DatabaseName", "org_a_db"}, {"Name", "t1"}});
  Ok("UpdateTable",
     {{"DatabaseName", "org_a_db"}, {"TableInput", {{"Name", "t2"}, {"Description", "d"}}}});
  EXPECT_EQ(Ok("GetTable", {{"DatabaseName", "org_a_db"}, {"Name", "t2"}})["Table"]["VersionId"],
            "1");
  EXPECT_EQ(Ok("GetTables", {{"DatabaseName", "org_a_db"}})["TableList"].size(), 3u);
}

TEST_F(GlueServiceTest, PartitionsThroughTheApi) {
  CreateDatabase();
  Ok("CreateTable", {{"DatabaseName", "org_a_db"},
                     {"TableInput",
                      {{"Name", "events"},
                       {"StorageDescriptor", {{"Columns", {{{"Name", "id"}, {"Type", "int"}}}}}},
                       {"PartitionKeys", {{{"Name", "year"}, {"Type", "int"}}}}}}});
  json list = json::array();
  for (int year = 2020; year < 2025; ++year) {
    list.push_back({{"Values", {std::to_string(year)}},
                    {"StorageDescriptor",
                     {{"Location", "s3://b/events/year=" + std::to_string(year) + "/"}}}});
  }
  EXPECT_EQ(Ok("BatchCreatePartition", {{"DatabaseName", "org_a_db"},
                                        {"TableName", "events"},
                                        {"PartitionInputList", list}})["Errors"],
            json::array());
  Error("CreatePartition",
        {{"DatabaseName", "org_a_db"},
         {"TableName", "events"},
         {"PartitionInput", {{"Values", {"2020"}}}}},
        "AlreadyExistsException");
  json p = Ok("GetPartition", {{"DatabaseName", "org_a_db"},
                               {"TableName", "events"},
                               {"PartitionValues", {"2022"}}})["Partition"];
  EXPECT_EQ(p["Values"], json({"2022"}));
  EXPECT_EQ(p["TableName"], "events");
  EXPECT_TRUE(p["CreationTime"].is_number());
  json selected = Ok("GetPartitions", {{"DatabaseName", "org_a_db"},
                                       {"TableName", "events"},
                                       {"Expression", "year >= 2021 AND year < 2023"},
                                       {"ExcludeColumnSchema", true}});
  ASSERT_EQ(selected["Partitions"].size(), 2u);
  EXPECT_FALSE(selected["Partitions"][0]["StorageDescriptor"].contains("Columns"));
  Error("GetPartitions",
        {{"DatabaseName", "org_a_db"}, {"TableName", "events"}, {"Expression", "year >"}},
        "InvalidInputException");
  json first = Ok("GetPartitions",
                  {{"DatabaseName", "org_a_db"}, {"TableName", "events"}, {"MaxResults", 3}});
  EXPECT_EQ(first["Partitions"].size(), 3u);
  json rest = Ok(
      "GetPartitions",
      {{"DatabaseName", "org_a_db"}, {"TableName", "events"}, {"NextToken", first["NextToken"]}});
  EXPECT_EQ(rest["Partitions"].size(), 2u);
  EXPECT_FALSE(rest.contains("NextToken"));
}

TEST_F(GlueServiceTest, CrawlersInGlueShapeThroughARun) {
  CreateDatabase();
  Ok("CreateCrawler", {{"Name", "org-a-crawler"},
                       {"Role", "GlueCleanRoomsRole"},
                       {"DatabaseName", "org_a_db"},
                       {"Description", "Crawler for Organization A customer data"},
                       {"Targets", {{"S3Targets", {{{"Path", "s3://org-a-data/data/"}}}}}},
                       {"Schedule", "cron(0 12 * * ? *)"},
                       {"Tags", {{"team", "a"}}}});
  EXPECT_EQ(Error("CreateCrawler",
                  {{"Name", "org-a-crawler"},
                   {"Role", "r"},
                   {"Targets", {{"S3Targets", {{{"Path", "s3://x/"}}}}}}},
                  "AlreadyExistsException"),
            "Crawler with name org-a-crawler already exists");
  json c = Ok("GetCrawler", {{"Name", "org-a-crawler"}})["Crawler"];
  EXPECT_EQ(c["Name"], "org-a-crawler");
  EXPECT_EQ(c["Role"], "GlueCleanRoomsRole");
  EXPECT_EQ(c["State"], "READY");
  EXPECT_EQ(c["Version"], 1);
  EXPECT_EQ(c["CrawlElapsedTime"], 0);
  EXPECT_TRUE(c["CreationTime"].is_number());
  EXPECT_TRUE(c["LastUpdated"].is_number());
  EXPECT_FALSE(c.contains("LastCrawl"));
  EXPECT_EQ(c["Targets"]["S3Targets"][0],
            json({{"Path", "s3://org-a-data/data/"}, {"Exclusions", json::array()}}));
  EXPECT_EQ(c["Targets"]["JdbcTargets"], json::array());
  EXPECT_EQ(c["SchemaChangePolicy"]["UpdateBehavior"], "UPDATE_IN_DATABASE");
  EXPECT_EQ(c["SchemaChangePolicy"]["DeleteBehavior"], "DEPRECATE_IN_DATABASE");
  EXPECT_EQ(c["RecrawlPolicy"]["RecrawlBehavior"], "CRAWL_EVERYTHING");
  EXPECT_EQ(c["Schedule"],
            json({{"ScheduleExpression", "cron(0 12 * * ? *)"}, {"State", "NOT_SCHEDULED"}}));

  runner_.AddResult(Outcome({CsvTable("data", "s3://org-a-data/data/")}));
  Ok("StartCrawler", {{"Name", "org-a-crawler"}});
  service_.WaitForCrawlsForTest();
  c = Ok("GetCrawler", {{"Name", "org-a-crawler"}})["Crawler"];
  EXPECT_EQ(c["State"], "READY");
  EXPECT_EQ(c["LastCrawl"]["Status"], "SUCCEEDED");
  EXPECT_FALSE(c["LastCrawl"].contains("ErrorMessage"));
  EXPECT_EQ(c["LastCrawl"]["LogGroup"], "/aws-glue/crawlers");
  EXPECT_EQ(c["LastCrawl"]["LogStream"], "org-a-crawler");
  EXPECT_TRUE(c["LastCrawl"]["MessagePrefix"].is_string());
  EXPECT_TRUE(c["LastCrawl"]["StartTime"].is_number());
  EXPECT_EQ(Ok("GetTables", {{"DatabaseName", "org_a_db"}})["TableList"][0]["Name"], "data");

  json metrics = Ok("GetCrawlerMetrics", {{"CrawlerNameList", {"org-a-crawler"}}});
  ASSERT_EQ(metrics["CrawlerMetricsList"].size(), 1u);
  json m = metrics["CrawlerMetricsList"][0];
  for (const char* member :
       {"CrawlerName", "TimeLeftSeconds", "StillEstimating", "LastRuntimeSeconds",
        "MedianRuntimeSeconds", "TablesCreated", "TablesUpdated", "TablesDeleted"}) {
    EXPECT_TRUE(m.contains(member)) << member;
  }
  EXPECT_EQ(m["TablesCreated"], 1);

  EXPECT_EQ(Ok("ListCrawlers", json::object())["CrawlerNames"], json({"org-a-crawler"}));
  EXPECT_EQ(Ok("ListCrawlers", {{"Tags", {{"team", "b"}}}})["CrawlerNames"], json::array());
  EXPECT_EQ(Ok("GetCrawlers", json::object())["Crawlers"].size(), 1u);
  Error("StopCrawler", {{"Name", "org-a-crawler"}}, "CrawlerNotRunningException");
  Ok("UpdateCrawler", {{"Name", "org-a-crawler"}, {"TablePrefix", "a_"}});
  EXPECT_EQ(Ok("GetCrawler", {{"Name", "org-a-crawler"}})["Crawler"]["Version"], 2);
  Error("GetCrawler", {{"Name", "org-a-crawler"}}, "EntityNotFoundException", kAccountB);
  Error("StartCrawler", {{"Name", "org-a-crawler"}}, "EntityNotFoundException", kAccountB);
  Ok("DeleteCrawler", {{"Name", "org-a-crawler"}});
  EXPECT_EQ(Error("DeleteCrawler", {{"Name", "org-a-crawler"}}, "EntityNotFoundException"),
            "Crawler entry with name org-a-crawler does not exist");
}

TEST_F(GlueServiceTest, CrawlerRunningAndStopping) {
  CreateDatabase();
  Ok("CreateCrawler", {{"Name", "c"},
                       {"Role", "r"},
                       {"DatabaseName", "org_a_db"},
                       {"Targets", {{"S3Targets", {{{"Path", "s3://b/"}}}}}}});
  runner_.Hold(true);
  Ok("StartCrawler", {{"Name", "c"}});
  ASSERT_TRUE(runner_.WaitForCrawls(1));
  EXPECT_EQ(Ok("GetCrawler", {{"Name", "c"}})["Crawler"]["State"], "RUNNING");
  Error("StartCrawler", {{"Name", "c"}}, "CrawlerRunningException");
  Error("UpdateCrawler", {{"Name", "c"}, {"Description", "x"}}, "CrawlerRunningException");
  Error("DeleteCrawler", {{"Name", "c"}}, "CrawlerRunningException");
  EXPECT_TRUE(Ok("GetCrawlerMetrics", json::object())["CrawlerMetricsList"][0]["StillEstimating"]
                  .get<bool>());
  Ok("StopCrawler", {{"Name", "c"}});
  service_.WaitForCrawlsForTest();
  json c = Ok("GetCrawler", {{"Name", "c"}})["Crawler"];
  EXPECT_EQ(c["State"], "READY");
  EXPECT_EQ(c["LastCrawl"]["Status"], "CANCELLED");
}

TEST_F(GlueServiceTest, CrawlerInputIsChecked) {
  json base = {{"Name", "c"}, {"Role", "r"}, {"Targets", {{"S3Targets", {{{"Path", "s3://b/"}}}}}}};
  json bad = base;
  bad["Role"] = "arn:aws:iam::111111111111:group/admins";
  Error("CreateCrawler", bad, "InvalidInputException");
  bad = base;
  bad["Targets"] = {{"DynamoDBTargets", {{{"Path", "table"}}}}};
  Error("CreateCrawler", bad, "InvalidInputException");
  bad = base;
  bad.erase("Role");
  EXPECT_THAT(
      Error("CreateCrawler", bad, "InvalidInputException"),
      HasSubstr("Value null at 'role' failed to satisfy constraint: Member must not be null"));
  bad = base;
  bad["Name"] = "";
  Error("CreateCrawler", bad, "InvalidInputException");
  Error("StartCrawler", {{"Name", "nope"}}, "EntityNotFoundException");
}

}  // namespace
}  // namespace cleanroom::glue
