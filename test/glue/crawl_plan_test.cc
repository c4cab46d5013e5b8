#include "glue/crawl_plan.h"

#include <string>
#include <vector>

#include "glue/names.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

DiscoveredTable Discovered(std::string name_hint, std::string location) {
  DiscoveredTable t;
  t.name_hint = std::move(name_hint);
  t.location = std::move(location);
  t.classification = "csv";
  t.columns = {{"customer_id", "bigint"}, {"region", "string"}};
  t.input_format = "org.apache.hadoop.mapred.TextInputFormat";
  t.output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
  t.serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
  t.serde_parameters = {{"field.delim", ","}};
  t.parameters = {{"recordCount", "10"}, {"sizeKey", "512"}, {"delimiter", ","}};
  return t;
}

CrawlPolicy Policy(std::string crawler = "crawler-a") {
  CrawlPolicy p;
  p.crawler_name = std::move(crawler);
  return p;
}

TEST(CrawlPlanTest, NewTablesAreNamedAfterTheirFolderWithThePrefix) {
  CrawlPolicy policy = Policy();
  policy.table_prefix = "Org_A_";
  absl::StatusOr<CrawlPlan> plan =
      PlanCrawl(policy, {}, {Discovered("data", "s3://bucket-a/data/")});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->tables.size(), 1u);
  EXPECT_EQ(plan->tables[0].name, "org_a_data");
  EXPECT_FALSE(plan->tables[0].exists);
  EXPECT_TRUE(plan->vanished.empty());
}

TEST(CrawlPlanTest, TwoCrawlersOfTheSameFolderNameGetAHashSuffix) {
  // The recipe: crawler A already cataloged s3://bucket-a/data/ as "data".
  std::vector<ExistingTable> existing = {{"data", "s3://bucket-a/data/", "crawler-a", false}};
  absl::StatusOr<CrawlPlan> plan =
      PlanCrawl(Policy("crawler-b"), existing, {Discovered("data", "s3://bucket-b/data/")});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->tables.size(), 1u);
  EXPECT_EQ(plan->tables[0].name, "data" + LocationSuffix("s3://bucket-b/data/"));
  EXPECT_EQ(plan->tables[0].name.size(), 4u + 9u);
  EXPECT_FALSE(plan->tables[0].exists);
  EXPECT_FALSE(plan->messages.empty());
  // Crawler A's table is not crawler B's business.
  EXPECT_TRUE(plan->vanished.empty());
}

TEST(CrawlPlanTest, TheSuffixIsTheSameOnEveryRunAndServer) {
  std::vector<ExistingTable> existing = {{"data", "s3://bucket-a/data/", "", false}};
  auto name = [&]() {
    return PlanCrawl(Policy("b"), existing, {Discovered("data", "s3://bucket-b/data")})
        ->tables[0]
        .name;
  };
  EXPECT_EQ(name(), name());
  EXPECT_EQ(name(), "data" + LocationSuffix("s3://bucket-b/data/"));
}

TEST(CrawlPlanTest, ATableOfTheSameLocationIsUpdatedWhateverItsName) {
  std::vector<ExistingTable> existing = {{"renamed_by_hand", "s3://bucket-a/data", "", false},
                                         {"data", "s3://elsewhere/", "", false}};
  absl::StatusOr<CrawlPlan> plan =
      PlanCrawl(Policy(), existing, {Discovered("data", "s3://bucket-a/data/")});
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->tables.size(), 1u);
  EXPECT_EQ(plan->tables[0].name, "renamed_by_hand");
  EXPECT_TRUE(plan->tables[0].exists);
}

TEST(CrawlPlanTest, TablesOfOneCrawlDoNotCollide) {
  absl::StatusOr<CrawlPlan> plan = PlanCrawl(
      Policy(), {},
      {Discovered("data", "s3://bucket-a/data/"), Discovered("data", "s3://bucket-b/data/"),
       Discovered("data", "s3://bucket-a/data")});  // same place again: skipped
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->tables.size(), 2u);
  EXPECT_EQ(plan->tables[0].name, "data");
  EXPECT_EQ(plan->tables[1].name, "data" + LocationSuffix("s3://bucket-b/data/"));
  EXPECT_EQ(plan->messages.size(), 2u);  // the suffix and the skipped duplicate
}

TEST(CrawlPlanTest, LongerSuffixesWhenTheShortOneIsTaken) {
  std::string location = "s3://bucket-b/data/";
  std::vector<ExistingTable> existing = {
      {"data", "s3://bucket-a/data/", "", false},
      {"data" + LocationSuffix(location), "s3://somewhere-else/", "", false}};
  absl::StatusOr<CrawlPlan> plan = PlanCrawl(Policy(), existing, {Discovered("data", location)});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tables[0].name, "data" + LocationSuffix(location, 16));
}

TEST(CrawlPlanTest, LongNamesAreCutToFitTheSuffix) {
  std::string hint(300, 'x');
  absl::StatusOr<CrawlPlan> plan = PlanCrawl(Policy(), {}, {Discovered(hint, "s3://b/x/")});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->tables[0].name, std::string(255, 'x'));

  std::vector<ExistingTable> existing = {{std::string(255, 'x'), "s3://b/other/", "", false}};
  plan = PlanCrawl(Policy(), existing, {Discovered(hint, "s3://b/x/")});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->tables[0].name.size(), 255u);
  EXPECT_EQ(plan->tables[0].name.substr(246), LocationSuffix("s3://b/x/"));
}

TEST(CrawlPlanTest, VanishedTablesAreOnlyThisCrawlersOwn) {
  std::vector<ExistingTable> existing = {
      {"kept", "s3://b/kept/", "crawler-a", false},
      {"gone", "s3://b/gone/", "crawler-a", false},
      {"by_hand", "s3://b/by-hand/", "", false},
      {"other_crawler", "s3://b/other/", "crawler-z", false},
      {"already_deprecated", "s3://b/old/", "crawler-a", true},
  };
  absl::StatusOr<CrawlPlan> plan =
      PlanCrawl(Policy(), existing, {Discovered("kept", "s3://b/kept/")});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->vanished, std::vector<std::string>{"gone"});

  CrawlPolicy deleting = Policy();
  deleting.delete_behavior = kDeleteFromDatabase;
  plan = PlanCrawl(deleting, existing, {Discovered("kept", "s3://b/kept/")});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->vanished, (std::vector<std::string>{"gone", "already_deprecated"}));
}

TEST(CrawlPlanTest, UnusableTablesFailThePlan) {
  EXPECT_FALSE(PlanCrawl(Policy(), {}, {Discovered("data", "")}).ok());
  EXPECT_FALSE(PlanCrawl(Policy(), {}, {Discovered("", "s3://b/")}).ok());
  EXPECT_FALSE(PlanCrawl(Policy(), {}, {Discovered("bad\nname", "s3://b/x/")}).ok());
}

TEST(CrawlPlanTest, CrawledTableInputHasTheShapeGlueWrites) {
  DiscoveredTable d = Discovered("data", "s3://bucket-a/data/");
  d.partition_keys = {{"year", "string"}};
  d.parameters["compressionType"] = "gzip";
  json t = CrawledTableInput(d, "data", "crawler-a", "run-1");
  EXPECT_EQ(t["Name"], "data");
  EXPECT_EQ(t["TableType"], "EXTERNAL_TABLE");
  EXPECT_EQ(t["Parameters"]["classification"], "csv");
  EXPECT_EQ(t["Parameters"]["UPDATED_BY_CRAWLER"], "crawler-a");
  EXPECT_EQ(t["Parameters"]["CrawlerSchemaSerializerVersion"], "1.0");
  EXPECT_EQ(t["Parameters"]["CrawlerSchemaDeserializerVersion"], "1.0");
  EXPECT_EQ(t["Parameters"]["recordCount"], "10");
  const json& sd = t["StorageDescriptor"];
  EXPECT_EQ(sd["Location"], "s3://bucket-a/data/");
  EXPECT_EQ(sd["NumberOfBuckets"], -1);
  EXPECT_EQ(sd["Compressed"], true);
  EXPECT_EQ(sd["Columns"], json::parse(R"([{"Name":"customer_id","Type":"bigint"},
                                           {"Name":"region","Type":"string"}])"));
  EXPECT_EQ(sd["SerdeInfo"]["SerializationLibrary"],
            "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(sd["SerdeInfo"]["Parameters"]["field.delim"], ",");
  EXPECT_EQ(sd["Parameters"], t["Parameters"]);
  EXPECT_EQ(t["PartitionKeys"], json::parse(R"([{"Name":"year","Type":"string"}])"));
}

TEST(CrawlPlanTest, MergeKeepsUserFieldsAndDropsTheDeprecationMark) {
  json old = CrawledTableInput(Discovered("data", "s3://b/data/"), "data", "c", "run-1");
  old["Description"] = "kept";
  old["Parameters"]["team"] = "analytics";
  old["Parameters"]["DEPRECATED_BY_CRAWLER"] = "123";
  DiscoveredTable d = Discovered("data", "s3://b/data/");
  d.columns.push_back({"amount", "double"});
  json crawled = CrawledTableInput(d, "data", "c", "run-2");
  json merged = MergeCrawledTable(old, crawled);
  EXPECT_EQ(merged["Description"], "kept");
  EXPECT_EQ(merged["Parameters"]["team"], "analytics");
  EXPECT_FALSE(merged["Parameters"].contains("DEPRECATED_BY_CRAWLER"));
  EXPECT_EQ(merged["StorageDescriptor"]["Columns"].size(), 3u);
  EXPECT_TRUE(SchemaDiffers(old, merged));
  // New statistics alone are not a schema change.
  DiscoveredTable more_rows = Discovered("data", "s3://b/data/");
  more_rows.parameters["recordCount"] = "99";
  EXPECT_FALSE(SchemaDiffers(old, CrawledTableInput(more_rows, "data", "c", "run-3")));
}

TEST(CrawlPlanTest, PartitionInputsCopyTheTableStorageDescriptor) {
  json table = CrawledTableInput(Discovered("data", "s3://b/data/"), "data", "c", "r");
  DiscoveredPartition p{{"2024", "01"}, "s3://b/data/year=2024/month=01/", {{"recordCount", "5"}}};
  json input = CrawledPartitionInput(table, p);
  EXPECT_EQ(input["Values"], json::parse(R"(["2024","01"])"));
  EXPECT_EQ(input["StorageDescriptor"]["Location"], "s3://b/data/year=2024/month=01/");
  EXPECT_EQ(input["StorageDescriptor"]["Columns"], table["StorageDescriptor"]["Columns"]);
  EXPECT_EQ(input["Parameters"]["recordCount"], "5");
}

}  // namespace
}  // namespace cleanroom::glue
