#include "glue/crawler_definition.h"

#include <string>

#include "common/aws_error.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

constexpr char kAccount[] = "123456789012";

json Request() {
  return {{"Name", "org-a-crawler"},
          {"Role", "GlueCrawlerRole"},
          {"DatabaseName", "org_a_db"},
          {"Targets", {{"S3Targets", {{{"Path", "s3://org-a-data/data/"}}}}}}};
}

std::string Code(const absl::Status& s) { return GetAwsCode(s).value_or("(none)"); }

TEST(CrawlerDefinitionTest, FillsGlueDefaultsAndResolvesTheRole) {
  absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(Request(), kAccount);
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_EQ(def->role_arn, "arn:aws:iam::123456789012:role/GlueCrawlerRole");
  const json& m = def->members;
  EXPECT_EQ(m["Role"], "GlueCrawlerRole") << "Role is reported as given";
  EXPECT_FALSE(m.contains("Name"));
  EXPECT_EQ(m["SchemaChangePolicy"], json({{"UpdateBehavior", "UPDATE_IN_DATABASE"},
                                           {"DeleteBehavior", "DEPRECATE_IN_DATABASE"}}));
  EXPECT_EQ(m["RecrawlPolicy"]["RecrawlBehavior"], "CRAWL_EVERYTHING");
  EXPECT_EQ(m["LineageConfiguration"]["CrawlerLineageSettings"], "DISABLE");
  EXPECT_EQ(m["LakeFormationConfiguration"]["UseLakeFormationCredentials"], false);

  json partial = Request();
  partial["SchemaChangePolicy"] = {{"DeleteBehavior", "LOG"}};
  def = MakeCrawlerDefinition(partial, kAccount);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->members["SchemaChangePolicy"],
            json({{"UpdateBehavior", "UPDATE_IN_DATABASE"}, {"DeleteBehavior", "LOG"}}));
}

TEST(CrawlerDefinitionTest, ViewsGiveTheCrawlTheTargets) {
  json request = Request();
  request["TablePrefix"] = "org_a_";
  request["Targets"]["S3Targets"].push_back(
      {{"Path", "s3://bucket-only"}, {"Exclusions", {"**.tmp"}}, {"SampleSize", 3}});
  absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(request, kAccount);
  ASSERT_TRUE(def.ok()) << def.status();
  Crawler c;
  c.definition = *def;
  FillCrawlerViews(c);
  EXPECT_EQ(c.database_name, "org_a_db");
  EXPECT_EQ(c.table_prefix, "org_a_");
  EXPECT_EQ(c.update_behavior, "UPDATE_IN_DATABASE");
  EXPECT_EQ(c.delete_behavior, "DEPRECATE_IN_DATABASE");
  ASSERT_EQ(c.s3_targets.size(), 2u);
  EXPECT_EQ(c.s3_targets[0].path, "s3://org-a-data/data/");
  EXPECT_EQ(c.s3_targets[0].sample_size, 0);
  EXPECT_EQ(c.s3_targets[1].path, "s3://bucket-only/");
  EXPECT_EQ(c.s3_targets[1].exclusions, std::vector<std::string>{"**.tmp"});
  EXPECT_EQ(c.s3_targets[1].sample_size, 3);
}

TEST(CrawlerDefinitionTest, RejectsWhatThisServerCannotCrawl) {
  auto expect_invalid = [](json request, const char* why) {
    absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(request, kAccount);
    EXPECT_EQ(Code(def.status()), "InvalidInputException") << why;
  };
  json r = Request();
  r["Role"] = "arn:aws:iam::123456789012:user/bob";
  expect_invalid(r, "not a role ARN");
  r = Request();
  r["Targets"] = json::object();
  expect_invalid(r, "no targets");
  r = Request();
  r["Targets"]["JdbcTargets"] = {{{"ConnectionName", "c"}, {"Path", "db/%"}}};
  expect_invalid(r, "JDBC target");
  r = Request();
  r["Targets"]["S3Targets"] = {{{"Path", "http://bucket/"}}};
  expect_invalid(r, "not s3://");
  r = Request();
  r["Targets"]["S3Targets"] = {{{"Exclusions", {"x"}}}};
  expect_invalid(r, "no Path");
  r = Request();
  r["Targets"]["S3Targets"][0]["SampleSize"] = 250;
  expect_invalid(r, "SampleSize");
  r = Request();
  r["Schedule"] = "every day";
  expect_invalid(r, "Schedule");
  r = Request();
  r["Configuration"] = "{not json";
  expect_invalid(r, "Configuration");
  r = Request();
  r["RecrawlPolicy"] = {{"RecrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY"}};
  expect_invalid(r, "new folders only needs LOG/LOG");
  r["SchemaChangePolicy"] = {{"UpdateBehavior", "LOG"}, {"DeleteBehavior", "LOG"}};
  EXPECT_TRUE(MakeCrawlerDefinition(r, kAccount).ok());
  r = Request();
  r["LakeFormationConfiguration"] = {{"UseLakeFormationCredentials", true}};
  expect_invalid(r, "Lake Formation credentials");
}

TEST(CrawlerDefinitionTest, UpdateReplacesGivenMembersAndRemovesEmptyOnes) {
  json request = Request();
  request["Description"] = "first";
  request["TablePrefix"] = "p_";
  absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(request, kAccount);
  ASSERT_TRUE(def.ok());
  absl::StatusOr<CrawlerDefinition> updated =
      UpdateCrawlerDefinition(*def,
                              {{"Name", "org-a-crawler"},
                               {"Description", ""},
                               {"Role", "arn:aws:iam::123456789012:role/Other"},
                               {"SchemaChangePolicy", {{"UpdateBehavior", "LOG"}}}},
                              kAccount);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->members.contains("Description"));
  EXPECT_EQ(updated->members["TablePrefix"], "p_");
  EXPECT_EQ(updated->role_arn, "arn:aws:iam::123456789012:role/Other");
  EXPECT_EQ(updated->members["SchemaChangePolicy"]["UpdateBehavior"], "LOG");
  EXPECT_EQ(updated->members["SchemaChangePolicy"]["DeleteBehavior"], "DEPRECATE_IN_DATABASE");
  EXPECT_EQ(updated->members["Targets"], def->members["Targets"]);
  EXPECT_EQ(
      Code(UpdateCrawlerDefinition(*def, {{"Targets", {{"S3Targets", json::array()}}}}, kAccount)
               .status()),
      "InvalidInputException");
}

}  // namespace
}  // namespace cleanroom::glue
