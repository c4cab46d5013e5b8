// Crawls end to end below the HTTP layer: the catalog's state machine and how a finished crawl
// is applied (Catalog::BeginCrawl / FinishCrawl, deterministic), then the same through
// CrawlerController's threads with a fake runner.
#include <string>
#include <vector>

#include "common/aws_error.h"
#include "glue/catalog.h"
#include "glue/crawler_controller.h"
#include "glue/crawler_definition.h"
#include "glue/names.h"
#include "glue_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;
using ::testing::Contains;
using testing::CsvTable;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kAccountA;
using testing::kAccountB;
using testing::Outcome;

std::string Code(const absl::Status& s) { return GetAwsCode(s).value_or("(none)"); }

constexpr char kDb[] = "org_a_db";

class CrawlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(catalog().CreateDatabase(kAccountA, {{"Name", kDb}}).ok()); }

  Catalog& catalog() { return temp_.catalog(); }

  void CreateCrawler(const std::string& name, json extra = json::object()) {
    json request = {{"Role", "arn:aws:iam::111111111111:role/GlueCleanRoomsRole"},
                    {"DatabaseName", kDb},
                    {"Targets", {{"S3Targets", {{{"Path", "s3://bucket/" + name + "/"}}}}}}};
    for (auto& [k, v] : extra.items()) request[k] = v;
    absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(request, kAccountA);
    ASSERT_TRUE(def.ok()) << def.status();
    ASSERT_TRUE(catalog().CreateCrawler(kAccountA, name, *def, {}).ok());
  }

  // One whole crawl: starts it, lets `seconds` pass, ends it with `outcome`.
  CrawlRun Crawl(const std::string& name, absl::StatusOr<CrawlOutcome> outcome, int seconds = 10) {
    std::string run_id = "run-" + std::to_string(++runs_);
    absl::StatusOr<Crawler> started = catalog().BeginCrawl(kAccountA, name, run_id);
    EXPECT_TRUE(started.ok()) << started.status();
    temp_.clock().SetMicros(temp_.clock().NowMicros() + seconds * 1000000LL);
    absl::StatusOr<CrawlRun> run =
        catalog().FinishCrawl(kAccountA, name, run_id, CrawlEnd{std::move(outcome)});
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(CrawlRun{});
  }

  std::vector<std::string> TableNames() {
    std::vector<std::string> names;
    absl::StatusOr<Page<Table>> page = catalog().ListTables(kAccountA, kDb, "", "", 100);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const Table& t : page->items) names.push_back(t.name);
    }
    return names;
  }

  Crawler Get(const std::string& name) {
    absl::StatusOr<Crawler> c = catalog().GetCrawler(kAccountA, name);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.value_or(Crawler{});
  }

  testing::TempCatalog temp_;
  int runs_ = 0;
};

TEST_F(CrawlTest, ASuccessfulCrawlCatalogsTheTableAsGlueDoes) {
  CreateCrawler("crawler-a");
  CrawlRun run = Crawl("crawler-a", Outcome({CsvTable("data", "s3://bucket/crawler-a/")},
                                            {"Skipped s3://bucket/crawler-a/bad.bin"}));
  EXPECT_EQ(run.status, "SUCCEEDED");
  EXPECT_EQ(run.tables_created, 1);
  EXPECT_THAT(run.messages, Contains("Skipped s3://bucket/crawler-a/bad.bin"));

  absl::StatusOr<Table> t = catalog().GetTable(kAccountA, kDb, "data");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->table_type, "EXTERNAL_TABLE");
  EXPECT_EQ(t->location, "s3://bucket/crawler-a/");
  EXPECT_EQ(t->crawler_name, "crawler-a");
  EXPECT_EQ(t->created_by, "arn:aws:iam::111111111111:role/GlueCleanRoomsRole");
  EXPECT_EQ(t->parameters.at("classification"), "csv");
  EXPECT_EQ(t->parameters.at("UPDATED_BY_CRAWLER"), "crawler-a");
  EXPECT_EQ(t->parameters.at("CrawlerSchemaSerializerVersion"), "1.0");
  EXPECT_EQ(t->parameters.at("CrawlerSchemaDeserializerVersion"), "1.0");
  EXPECT_EQ(t->parameters.at("recordCount"), "10");
  EXPECT_EQ(t->input["StorageDescriptor"]["NumberOfBuckets"], -1);
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].name, "customer_id");

  Crawler c = Get("crawler-a");
  EXPECT_EQ(c.state, CrawlerState::kReady);
  ASSERT_TRUE(c.last_crawl.has_value());
  EXPECT_EQ(c.last_crawl->status, "SUCCEEDED");
  EXPECT_EQ(c.last_crawl->error_message, "");
  EXPECT_EQ(c.last_crawl->log_group, "/aws-glue/crawlers");
  EXPECT_EQ(c.last_crawl->log_stream, "crawler-a");
  EXPECT_EQ(c.last_crawl->message_prefix, "run-1");
  EXPECT_EQ(c.run_id, "");

  absl::StatusOr<std::vector<CrawlRun>> runs = catalog().ListCrawlRuns(kAccountA, "crawler-a");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_THAT((*runs)[0].messages, Contains(HasSubstr("Created table data")));
}

TEST_F(CrawlTest, TheRecipesTwoCrawlersIntoOneDatabase) {
  CreateCrawler("crawler-org-a",
                {{"Targets", {{"S3Targets", {{{"Path", "s3://bucket-a/data/"}}}}}}});
  CreateCrawler("crawler-org-b",
                {{"Targets", {{"S3Targets", {{{"Path", "s3://bucket-b/data/"}}}}}}});
  Crawl("crawler-org-a", Outcome({CsvTable("data", "s3://bucket-a/data/")}));
  Crawl("crawler-org-b", Outcome({CsvTable("data", "s3://bucket-b/data/")}));
  const std::string suffixed = "data" + LocationSuffix("s3://bucket-b/data/");
  EXPECT_THAT(TableNames(), ElementsAre("data", suffixed));
  EXPECT_EQ(catalog().GetTable(kAccountA, kDb, suffixed)->location, "s3://bucket-b/data/");

  // Crawling again changes nothing: each crawler finds its own table by location.
  CrawlRun again_b = Crawl("crawler-org-b", Outcome({CsvTable("data", "s3://bucket-b/data/")}));
  CrawlRun again_a = Crawl("crawler-org-a", Outcome({CsvTable("data", "s3://bucket-a/data/")}));
  EXPECT_EQ(again_a.tables_created + again_a.tables_updated + again_a.tables_deleted, 0);
  EXPECT_EQ(again_b.tables_created + again_b.tables_updated + again_b.tables_deleted, 0);
  EXPECT_THAT(TableNames(), ElementsAre("data", suffixed));
}

TEST_F(CrawlTest, TablePrefixIsPrepended) {
  CreateCrawler("c", {{"TablePrefix", "Org_A_"}});
  Crawl("c", Outcome({CsvTable("customers", "s3://bucket/c/customers/")}));
  EXPECT_THAT(TableNames(), ElementsAre("org_a_customers"));
}

TEST_F(CrawlTest, UpdateInDatabaseAppliesSchemaChanges) {
  CreateCrawler("c");
  Crawl("c", Outcome({CsvTable("data", "s3://bucket/c/")}));
  ASSERT_TRUE(catalog()
                  .UpdateTable(kAccountA, kDb,
                               [&] {
                                 json input = catalog().GetTable(kAccountA, kDb, "data")->input;
                                 input["Description"] = "curated by hand";
                                 return input;
                               }())
                  .ok());
  CrawlRun run = Crawl(
      "c",
      Outcome({CsvTable("data", "s3://bucket/c/",
                        {{"customer_id", "bigint"}, {"region", "string"}, {"amount", "double"}})}));
  EXPECT_EQ(run.tables_updated, 1);
  absl::StatusOr<Table> t = catalog().GetTable(kAccountA, kDb, "data");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->columns.size(), 3u);
  EXPECT_EQ(t->input["Description"], "curated by hand");
  EXPECT_EQ(t->version, 2);
  EXPECT_EQ(catalog().GetCrawlerMetrics(kAccountA, {"c"}, "", 10)->items[0].tables_updated, 1);
}

TEST_F(CrawlTest, UpdateBehaviorLogLeavesTheTableAlone) {
  CreateCrawler("c", {{"SchemaChangePolicy", {{"UpdateBehavior", "LOG"}}}});
  Crawl("c", Outcome({CsvTable("data", "s3://bucket/c/")}));
  CrawlRun run =
      Crawl("c", Outcome({CsvTable("data", "s3://bucket/c/", {{"customer_id", "string"}})}));
  EXPECT_EQ(run.status, "SUCCEEDED");
  EXPECT_EQ(run.tables_updated, 0);
  EXPECT_THAT(run.messages, Contains(HasSubstr("UpdateBehavior LOG")));
  absl::StatusOr<Table> t = catalog().GetTable(kAccountA, kDb, "data");
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].type, "bigint");
  EXPECT_EQ(t->version, 0);
}

TEST_F(CrawlTest, DeleteBehaviorDeprecateMarksVanishedTables) {
  CreateCrawler("c");
  ASSERT_TRUE(catalog()
                  .CreateTable(kAccountA, kDb,
                               {{"Name", "by_hand"},
                                {"StorageDescriptor", {{"Location", "s3://bucket/c/old/"}}}},
                               "arn")
                  .ok());
  Crawl("c",
        Outcome({CsvTable("old", "s3://bucket/c/gone/"), CsvTable("kept", "s3://bucket/c/kept/")}));
  CrawlRun run = Crawl("c", Outcome({CsvTable("kept", "s3://bucket/c/kept/")}));
  EXPECT_EQ(run.tables_deleted, 1);
  absl::StatusOr<Table> old = catalog().GetTable(kAccountA, kDb, "old");
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(old->parameters.count("DEPRECATED_BY_CRAWLER"));
  EXPECT_EQ(old->parameters.at("DEPRECATED_BY_CRAWLER"),
            std::to_string(temp_.clock().NowMicros() / 1000));
  EXPECT_FALSE(
      catalog().GetTable(kAccountA, kDb, "kept")->parameters.count("DEPRECATED_BY_CRAWLER"));
  EXPECT_FALSE(
      catalog().GetTable(kAccountA, kDb, "by_hand")->parameters.count("DEPRECATED_BY_CRAWLER"))
      << "tables the crawler did not write are not its to deprecate";
  // Deprecated once is enough; when the location comes back the mark goes.
  EXPECT_EQ(Crawl("c", Outcome({CsvTable("kept", "s3://bucket/c/kept/")})).tables_deleted, 0);
  Crawl("c",
        Outcome({CsvTable("kept", "s3://bucket/c/kept/"), CsvTable("old", "s3://bucket/c/gone/")}));
  EXPECT_FALSE(
      catalog().GetTable(kAccountA, kDb, "old")->parameters.count("DEPRECATED_BY_CRAWLER"));
}

TEST_F(CrawlTest, DeleteBehaviorDeleteAndLog) {
  CreateCrawler("deleter", {{"SchemaChangePolicy", {{"DeleteBehavior", "DELETE_FROM_DATABASE"}}}});
  CreateCrawler("logger", {{"SchemaChangePolicy", {{"DeleteBehavior", "LOG"}}}});
  Crawl("deleter", Outcome({CsvTable("d", "s3://bucket/deleter/d/")}));
  Crawl("logger", Outcome({CsvTable("l", "s3://bucket/logger/l/")}));
  EXPECT_EQ(Crawl("deleter", Outcome({})).tables_deleted, 1);
  CrawlRun logged = Crawl("logger", Outcome({}));
  EXPECT_EQ(logged.tables_deleted, 0);
  EXPECT_THAT(logged.messages, Contains(HasSubstr("DeleteBehavior LOG")));
  EXPECT_THAT(TableNames(), ElementsAre("l"));
  EXPECT_FALSE(catalog().GetTable(kAccountA, kDb, "l")->parameters.count("DEPRECATED_BY_CRAWLER"));
}

TEST_F(CrawlTest, PartitionsAreWrittenAddedAndWithDeleteRemoved) {
  CreateCrawler("c", {{"SchemaChangePolicy", {{"DeleteBehavior", "DELETE_FROM_DATABASE"}}}});
  DiscoveredTable t = CsvTable("events", "s3://bucket/c/events/");
  t.partition_keys = {{"year", "string"}, {"month", "string"}};
  t.partitions = {
      {{"2024", "01"}, "s3://bucket/c/events/year=2024/month=01/", {{"recordCount", "3"}}},
      {{"2024", "02"}, "s3://bucket/c/events/year=2024/month=02/", {}}};
  CrawlRun first = Crawl("c", Outcome({t}));
  EXPECT_EQ(first.partitions_created, 2);
  absl::StatusOr<Partition> p = catalog().GetPartition(kAccountA, kDb, "events", {"2024", "01"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->location, "s3://bucket/c/events/year=2024/month=01/");
  EXPECT_EQ(p->input["Parameters"]["recordCount"], "3");
  EXPECT_EQ(p->input["StorageDescriptor"]["Columns"].size(), 2u);

  t.partitions = {{{"2024", "02"}, "s3://bucket/c/events/year=2024/month=02/", {}},
                  {{"2024", "03"}, "s3://bucket/c/events/year=2024/month=03/", {}},
                  {{"only-one-value"}, "s3://bucket/c/events/odd/", {}}};
  CrawlRun second = Crawl("c", Outcome({t}));
  EXPECT_EQ(second.partitions_created, 1);
  EXPECT_EQ(second.partitions_deleted, 1);
  EXPECT_THAT(second.messages, Contains(HasSubstr("Skipped partition")));
  absl::StatusOr<Page<Partition>> all =
      catalog().ListPartitions(kAccountA, kDb, "events", "", "", 100);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> months;
  for (const Partition& x : all->items) months.push_back(x.values[1]);
  EXPECT_THAT(months, ElementsAre("02", "03"));
}

TEST_F(CrawlTest, AFailedCrawlLeavesTheCatalogUntouched) {
  CreateCrawler("c");
  Crawl("c", Outcome({CsvTable("data", "s3://bucket/c/")}));
  std::string denied =
      "AccessDenied: arn:aws:iam::111111111111:role/GlueCleanRoomsRole is not authorized to "
      "perform s3:ListBucket on arn:aws:s3:::bucket";
  CrawlRun run = Crawl("c", absl::PermissionDeniedError(denied));
  EXPECT_EQ(run.status, "FAILED");
  EXPECT_EQ(run.error_message, denied);
  Crawler c = Get("c");
  EXPECT_EQ(c.state, CrawlerState::kReady);
  EXPECT_EQ(c.last_crawl->status, "FAILED");
  EXPECT_EQ(c.last_crawl->error_message, denied);
  EXPECT_THAT(TableNames(), ElementsAre("data"));
  EXPECT_FALSE(
      catalog().GetTable(kAccountA, kDb, "data")->parameters.count("DEPRECATED_BY_CRAWLER"));
}

TEST(CrawlApplyTest, AnOutcomeThatCannotBeAppliedIsRolledBackWhole) {
  CatalogLimits limits;
  limits.partitions_per_table = 1;
  testing::TempCatalog temp(limits);
  Catalog& catalog = temp.catalog();
  ASSERT_TRUE(catalog.CreateDatabase(kAccountA, {{"Name", kDb}}).ok());
  json request = {{"Role", "r"},
                  {"DatabaseName", kDb},
                  {"Targets", {{"S3Targets", {{{"Path", "s3://bucket/"}}}}}}};
  ASSERT_TRUE(
      catalog.CreateCrawler(kAccountA, "c", *MakeCrawlerDefinition(request, kAccountA), {}).ok());
  DiscoveredTable t = CsvTable("events", "s3://bucket/events/");
  t.partition_keys = {{"year", "string"}};
  t.partitions = {{{"2023"}, "s3://bucket/events/year=2023/", {}},
                  {{"2024"}, "s3://bucket/events/year=2024/", {}}};
  ASSERT_TRUE(catalog.BeginCrawl(kAccountA, "c", "r1").ok());
  // The first table is written before the second partition hits the limit.
  absl::StatusOr<CrawlRun> run = catalog.FinishCrawl(
      kAccountA, "c", "r1", CrawlEnd{Outcome({CsvTable("plain", "s3://bucket/plain/"), t})});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, "FAILED");
  EXPECT_THAT(run->error_message, HasSubstr("partitions"));
  EXPECT_TRUE(catalog.ListTables(kAccountA, kDb, "", "", 100)->items.empty());
  absl::StatusOr<Crawler> c = catalog.GetCrawler(kAccountA, "c");
  EXPECT_EQ(c->state, CrawlerState::kReady);
  EXPECT_EQ(c->last_crawl->status, "FAILED");
}

TEST_F(CrawlTest, WhatTheCatalogCannotHoldIsSkippedWithAMessage) {
  CreateCrawler("c");
  DiscoveredTable bad_column =
      CsvTable("bad", "s3://bucket/c/bad/", {{"ok", "string"}, {"two\nlines", "string"}});
  DiscoveredTable bad_utf8 = CsvTable("utf8", "s3://bucket/c/utf8/", {{"caf\xC3", "string"}});
  DiscoveredTable good = CsvTable("good", "s3://bucket/c/good/");
  good.partition_keys = {{"year", "string"}};
  good.partitions = {{{""}, "s3://bucket/c/good/year=/", {}},
                     {{"2024"}, "s3://bucket/c/good/year=2024/", {{"note", "\xFF"}}}};
  CrawlRun run = Crawl("c", Outcome({bad_column, bad_utf8, good}, {"odd bytes: \xFE"}));
  EXPECT_EQ(run.status, "SUCCEEDED") << run.error_message;
  EXPECT_THAT(TableNames(), ElementsAre("good"));
  EXPECT_THAT(run.messages, Contains(HasSubstr("Skipped table bad")));
  EXPECT_THAT(run.messages, Contains(HasSubstr("Skipped table utf8")));
  EXPECT_THAT(run.messages, Contains(HasSubstr("Skipped partition s3://bucket/c/good/year=/")));
  EXPECT_EQ(run.partitions_created, 1);
  // Stored text is valid UTF-8: the bad byte became U+FFFD.
  absl::StatusOr<Partition> p = catalog().GetPartition(kAccountA, kDb, "good", {"2024"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->input["Parameters"]["note"], "\xEF\xBF\xBD");
  absl::StatusOr<std::vector<CrawlRun>> runs = catalog().ListCrawlRuns(kAccountA, "c");
  ASSERT_TRUE(runs.ok());
  EXPECT_THAT(runs->back().messages, Contains("odd bytes: \xEF\xBF\xBD"));
}

TEST_F(CrawlTest, AMissingDatabaseFailsTheCrawl) {
  CreateCrawler("c", {{"DatabaseName", "nope"}});
  CrawlRun run = Crawl("c", Outcome({CsvTable("data", "s3://bucket/c/")}));
  EXPECT_EQ(run.status, "FAILED");
  EXPECT_THAT(run.error_message, HasSubstr("Database nope not found."));
}

TEST_F(CrawlTest, TheStateMachineRefusesWhatGlueRefuses) {
  CreateCrawler("c");
  EXPECT_EQ(Code(catalog().RequestStop(kAccountA, "c")), "CrawlerNotRunningException");
  ASSERT_TRUE(catalog().BeginCrawl(kAccountA, "c", "r1").ok());
  EXPECT_EQ(Get("c").state, CrawlerState::kRunning);
  absl::Status again = catalog().BeginCrawl(kAccountA, "c", "r2").status();
  EXPECT_EQ(Code(again), "CrawlerRunningException");
  EXPECT_EQ(again.message(), "Crawler with name c has already started");
  EXPECT_EQ(Code(catalog().DeleteCrawler(kAccountA, "c")), "CrawlerRunningException");
  EXPECT_EQ(Code(catalog().UpdateCrawler(kAccountA, "c",
                                         [](const Crawler& cr) { return cr.definition; })),
            "CrawlerRunningException");
  ASSERT_TRUE(catalog().RequestStop(kAccountA, "c").ok());
  EXPECT_EQ(Get("c").state, CrawlerState::kStopping);
  EXPECT_EQ(Code(catalog().RequestStop(kAccountA, "c")), "CrawlerStoppingException");
  EXPECT_EQ(Code(catalog().BeginCrawl(kAccountA, "c", "r3").status()), "CrawlerRunningException");
  // Stopped: even a successful outcome is discarded.
  absl::StatusOr<CrawlRun> run = catalog().FinishCrawl(
      kAccountA, "c", "r1", CrawlEnd{Outcome({CsvTable("data", "s3://bucket/c/")})});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, "CANCELLED");
  EXPECT_TRUE(TableNames().empty());
  Crawler c = Get("c");
  EXPECT_EQ(c.state, CrawlerState::kReady);
  EXPECT_EQ(c.last_crawl->status, "CANCELLED");
  EXPECT_EQ(c.last_crawl->error_message, "");
  // A stale end of an old run is refused.
  EXPECT_EQ(catalog().FinishCrawl(kAccountA, "c", "r1", CrawlEnd{Outcome({})}).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(catalog()
                  .UpdateCrawler(kAccountA, "c", [](const Crawler& cr) { return cr.definition; })
                  .ok());
  EXPECT_EQ(Get("c").version, 2);
  ASSERT_TRUE(catalog().DeleteCrawler(kAccountA, "c").ok());
  EXPECT_EQ(Code(catalog().GetCrawler(kAccountA, "c").status()), "EntityNotFoundException");
  EXPECT_EQ(catalog().GetCrawler(kAccountA, "c").status().message(),
            "Crawler entry with name c does not exist");
}

TEST_F(CrawlTest, CrawlersAreInvisibleToOtherAccounts) {
  CreateCrawler("c");
  EXPECT_EQ(Code(catalog().GetCrawler(kAccountB, "c").status()), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().BeginCrawl(kAccountB, "c", "r").status()), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().RequestStop(kAccountB, "c")), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().DeleteCrawler(kAccountB, "c")), "EntityNotFoundException");
  EXPECT_TRUE(catalog().ListCrawlers(kAccountB, "", 100)->items.empty());
  EXPECT_TRUE(catalog().GetCrawlerMetrics(kAccountB, {"c"}, "", 100)->items.empty());
  EXPECT_EQ(Get("c").state, CrawlerState::kReady);
}

TEST_F(CrawlTest, ARestartEndsInterruptedCrawls) {
  CreateCrawler("running");
  CreateCrawler("stopping");
  CreateCrawler("idle");
  ASSERT_TRUE(catalog().BeginCrawl(kAccountA, "running", "r1").ok());
  ASSERT_TRUE(catalog().BeginCrawl(kAccountA, "stopping", "r2").ok());
  ASSERT_TRUE(catalog().RequestStop(kAccountA, "stopping").ok());
  temp_.Reopen();  // the process died; the database is all that is left
  absl::StatusOr<int> recovered = catalog().RecoverInterruptedCrawls();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(*recovered, 2);
  Crawler running = Get("running");
  EXPECT_EQ(running.state, CrawlerState::kReady);
  EXPECT_EQ(running.last_crawl->status, "FAILED");
  EXPECT_THAT(running.last_crawl->error_message, HasSubstr("interrupted"));
  EXPECT_EQ(running.last_crawl->message_prefix, "r1");
  Crawler stopping = Get("stopping");
  EXPECT_EQ(stopping.state, CrawlerState::kReady);
  EXPECT_EQ(stopping.last_crawl->status, "CANCELLED");
  EXPECT_FALSE(Get("idle").last_crawl.has_value());
  EXPECT_EQ(*catalog().RecoverInterruptedCrawls(), 0);
  // The crawler can run again.
  EXPECT_EQ(Crawl("running", Outcome({})).status, "SUCCEEDED");
}

TEST_F(CrawlTest, MetricsReportTheLastCrawlAndTheMedianRuntime) {
  CreateCrawler("c");
  CreateCrawler("never");
  Crawl("c", Outcome({CsvTable("a", "s3://bucket/c/a/")}), 10);
  Crawl("c", Outcome({CsvTable("a", "s3://bucket/c/a/"), CsvTable("b", "s3://bucket/c/b/")}), 30);
  Crawl("c", Outcome({CsvTable("a", "s3://bucket/c/a/"), CsvTable("b", "s3://bucket/c/b/")}), 20);
  absl::StatusOr<Page<CrawlerMetrics>> m = catalog().GetCrawlerMetrics(kAccountA, {}, "", 100);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->items.size(), 2u);
  const CrawlerMetrics& c = m->items[0];
  EXPECT_EQ(c.crawler_name, "c");
  EXPECT_DOUBLE_EQ(c.last_runtime_seconds, 20);
  EXPECT_DOUBLE_EQ(c.median_runtime_seconds, 20);
  EXPECT_EQ(c.tables_created, 0);
  EXPECT_FALSE(c.still_estimating);
  EXPECT_EQ(m->items[1].crawler_name, "never");
  EXPECT_DOUBLE_EQ(m->items[1].last_runtime_seconds, 0);

  ASSERT_TRUE(catalog().BeginCrawl(kAccountA, "c", "r-live").ok());
  temp_.clock().SetMicros(temp_.clock().NowMicros() + 5 * 1000000LL);
  m = catalog().GetCrawlerMetrics(kAccountA, {"c", "unknown"}, "", 100);
  ASSERT_EQ(m->items.size(), 1u);
  EXPECT_TRUE(m->items[0].still_estimating);
  EXPECT_DOUBLE_EQ(m->items[0].time_left_seconds, 15);

  absl::StatusOr<Page<CrawlerMetrics>> first = catalog().GetCrawlerMetrics(kAccountA, {}, "", 1);
  ASSERT_EQ(first->items.size(), 1u);
  ASSERT_FALSE(first->next_token.empty());
  absl::StatusOr<Page<CrawlerMetrics>> second =
      catalog().GetCrawlerMetrics(kAccountA, {}, first->next_token, 1);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].crawler_name, "never");
  EXPECT_TRUE(second->next_token.empty());
}

// ---- Through CrawlerController's threads ---------------------------------------------------

class ControllerTest : public CrawlTest {
 protected:
  void Wait() { controller_->WaitIdleForTest(); }
  std::unique_ptr<CrawlerController> MakeController(CrawlRunner* runner) {
    return std::make_unique<CrawlerController>(&catalog(), runner);
  }
  testing::FakeCrawlRunner runner_;
  std::unique_ptr<CrawlerController> controller_;
};

TEST_F(ControllerTest, WithoutARunnerEveryCrawlFailsClearly) {
  CreateCrawler("c");
  controller_ = MakeController(nullptr);
  ASSERT_TRUE(controller_->Start(kAccountA, "c").ok());
  Wait();
  Crawler c = Get("c");
  EXPECT_EQ(c.state, CrawlerState::kReady);
  EXPECT_EQ(c.last_crawl->status, "FAILED");
  EXPECT_THAT(c.last_crawl->error_message, HasSubstr("No crawler engine is configured"));
}

TEST_F(ControllerTest, ARunHandsTheRunnerTheSpecAndAppliesTheOutcome) {
  CreateCrawler(
      "c",
      {{"Role", "GlueCleanRoomsRole"},
       {"Targets",
        {{"S3Targets",
          {{{"Path", "s3://bucket-a/data/"}, {"Exclusions", {"*.tmp"}}, {"SampleSize", 5}}}}}}});
  runner_.AddResult(Outcome({CsvTable("data", "s3://bucket-a/data/")}));
  controller_ = MakeController(&runner_);
  ASSERT_TRUE(controller_->Start(kAccountA, "c").ok());
  Wait();
  std::vector<CrawlSpec> specs = runner_.specs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].account_id, kAccountA);
  EXPECT_EQ(specs[0].role_arn, "arn:aws:iam::111111111111:role/GlueCleanRoomsRole");
  ASSERT_EQ(specs[0].s3_targets.size(), 1u);
  EXPECT_EQ(specs[0].s3_targets[0].path, "s3://bucket-a/data/");
  EXPECT_EQ(specs[0].s3_targets[0].exclusions, std::vector<std::string>{"*.tmp"});
  EXPECT_EQ(specs[0].s3_targets[0].sample_size, 5);
  EXPECT_THAT(TableNames(), ElementsAre("data"));
  EXPECT_EQ(Get("c").last_crawl->status, "SUCCEEDED");
}

TEST_F(ControllerTest, ARunnerErrorFailsTheCrawlWithItsMessage) {
  CreateCrawler("c");
  runner_.AddResult(absl::PermissionDeniedError("AccessDenied: no s3:GetObject"));
  controller_ = MakeController(&runner_);
  ASSERT_TRUE(controller_->Start(kAccountA, "c").ok());
  Wait();
  EXPECT_EQ(Get("c").last_crawl->error_message, "AccessDenied: no s3:GetObject");
  EXPECT_TRUE(TableNames().empty());
}

TEST_F(ControllerTest, StartTwiceIsCrawlerRunningAndStopCancels) {
  CreateCrawler("c");
  runner_.Hold(true);
  runner_.AddResult(Outcome({CsvTable("data", "s3://bucket/c/")}));
  controller_ = MakeController(&runner_);
  ASSERT_TRUE(controller_->Start(kAccountA, "c").ok());
  ASSERT_TRUE(runner_.WaitForCrawls(1));
  EXPECT_EQ(Get("c").state, CrawlerState::kRunning);
  EXPECT_EQ(Code(controller_->Start(kAccountA, "c")), "CrawlerRunningException");
  ASSERT_TRUE(controller_->Stop(kAccountA, "c").ok());
  Wait();
  Crawler c = Get("c");
  EXPECT_EQ(c.state, CrawlerState::kReady);
  EXPECT_EQ(c.last_crawl->status, "CANCELLED");
  EXPECT_TRUE(TableNames().empty());
  EXPECT_EQ(Code(controller_->Stop(kAccountA, "c")), "CrawlerNotRunningException");
  // And it runs again afterwards.
  runner_.Hold(false);
  ASSERT_TRUE(controller_->Start(kAccountA, "c").ok());
  Wait();
  EXPECT_EQ(Get("c").last_crawl->status, "SUCCEEDED");
  EXPECT_THAT(TableNames(), ElementsAre("data"));
}

TEST_F(ControllerTest, ShutdownStopsAndJoinsRunningCrawls) {
  CreateCrawler("a");
  CreateCrawler("b");
  runner_.Hold(true);
  controller_ = MakeController(&runner_);
  ASSERT_TRUE(controller_->Start(kAccountA, "a").ok());
  ASSERT_TRUE(controller_->Start(kAccountA, "b").ok());
  ASSERT_TRUE(runner_.WaitForCrawls(2));
  controller_->Shutdown();
  for (const char* name : {"a", "b"}) {
    Crawler c = Get(name);
    EXPECT_EQ(c.state, CrawlerState::kReady) << name;
    EXPECT_EQ(c.last_crawl->status, "FAILED") << name;
    EXPECT_THAT(c.last_crawl->error_message, HasSubstr("shut down")) << name;
  }
  EXPECT_EQ(controller_->Start(kAccountA, "a").code(), absl::StatusCode::kUnavailable);
  controller_.reset();  // a second Shutdown is harmless
}

TEST_F(ControllerTest, ManyCrawlersRunConcurrently) {
  controller_ = MakeController(&runner_);
  for (int i = 0; i < 8; ++i) {
    std::string name = "c" + std::to_string(i);
    CreateCrawler(name);
    runner_.AddResult(Outcome({CsvTable("t" + std::to_string(i), "s3://bucket/" + name + "/")}));
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8; ++i) {
      absl::Status s = controller_->Start(kAccountA, "c" + std::to_string(i));
      EXPECT_TRUE(s.ok() || Code(s) == "CrawlerRunningException") << s;
    }
  }
  Wait();
  EXPECT_EQ(TableNames().size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(Get("c" + std::to_string(i)).state, CrawlerState::kReady);
}

}  // namespace
}  // namespace cleanroom::glue
