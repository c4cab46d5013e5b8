#include "glue/catalog.h"

#include <string>
#include <vector>

#include "common/aws_error.h"
#include "glue/crawler_definition.h"
#include "glue_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::kAccountA;
using testing::kAccountB;

std::string Code(const absl::Status& s) { return GetAwsCode(s).value_or("(none)"); }

json TableInput(std::string name, std::string location = "s3://bucket/data/") {
  return {{"Name", std::move(name)},
          {"TableType", "EXTERNAL_TABLE"},
          {"StorageDescriptor",
           {{"Columns",
             {{{"Name", "id"}, {"Type", "bigint"}}, {{"Name", "region"}, {"Type", "string"}}}},
            {"Location", std::move(location)},
            {"SerdeInfo", {{"SerializationLibrary", "LazySimpleSerDe"}}}}},
          {"PartitionKeys",
           {{{"Name", "year"}, {"Type", "int"}}, {{"Name", "month"}, {"Type", "string"}}}},
          {"Parameters", {{"classification", "csv"}}}};
}

json PartitionInput(std::string year, std::string month) {
  return {
      {"Values", {year, month}},
      {"StorageDescriptor", {{"Location", "s3://bucket/data/year=" + year + "/month=" + month}}}};
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        catalog().CreateDatabase(kAccountA, {{"Name", "Org_A_DB"}, {"Description", "d"}}).ok());
  }
  Catalog& catalog() { return temp_.catalog(); }
  testing::TempCatalog temp_;
};

TEST_F(CatalogTest, DatabaseNamesAreFoldedToLowerCase) {
  absl::StatusOr<Database> db = catalog().GetDatabase(kAccountA, "org_a_db");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(db->name, "org_a_db");
  EXPECT_EQ(db->input["Name"], "org_a_db");
  EXPECT_EQ(db->input["Description"], "d");
  EXPECT_EQ(db->create_time, temp_.clock().NowMicros());
  EXPECT_TRUE(catalog().GetDatabase(kAccountA, "ORG_A_DB").ok());
}

TEST_F(CatalogTest, DuplicateAndMissingDatabases) {
  absl::Status dup = catalog().CreateDatabase(kAccountA, {{"Name", "org_a_db"}});
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Code(dup), "AlreadyExistsException");
  EXPECT_EQ(dup.message(), "Database already exists.");

  absl::StatusOr<Database> missing = catalog().GetDatabase(kAccountA, "nope");
  EXPECT_EQ(Code(missing.status()), "EntityNotFoundException");
  EXPECT_EQ(missing.status().message(), "Database nope not found.");
  EXPECT_EQ(Code(catalog().DeleteDatabase(kAccountA, "nope")), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().UpdateDatabase(kAccountA, "nope", {{"Name", "nope"}})),
            "EntityNotFoundException");
}

TEST_F(CatalogTest, BadNamesAreInvalidInput) {
  EXPECT_EQ(Code(catalog().CreateDatabase(kAccountA, {{"Name", std::string(256, 'a')}})),
            "InvalidInputException");
  EXPECT_EQ(Code(catalog().CreateDatabase(kAccountA, {{"Name", "two\nlines"}})),
            "InvalidInputException");
  EXPECT_EQ(Code(catalog().CreateDatabase(kAccountA, {{"Name", ""}})), "InvalidInputException");
  EXPECT_EQ(Code(catalog().CreateDatabase(kAccountA, json::object())), "InvalidInputException");
  EXPECT_EQ(
      Code(catalog().CreateTable(kAccountA, "org_a_db", TableInput(std::string(300, 't')), "")),
      "InvalidInputException");
  EXPECT_EQ(Code(catalog().GetTable(kAccountA, "org_a_db", "").status()), "InvalidInputException");
  // Glue itself accepts punctuation the Athena guidelines advise against.
  EXPECT_TRUE(catalog().CreateDatabase(kAccountA, {{"Name", "tempdb-test$21.x||#"}}).ok());
}

TEST_F(CatalogTest, UpdateReplacesTheDefinitionButNotTheName) {
  ASSERT_TRUE(
      catalog()
          .UpdateDatabase(kAccountA, "org_a_db", {{"Name", "ORG_A_DB"}, {"LocationUri", "s3://x/"}})
          .ok());
  absl::StatusOr<Database> db = catalog().GetDatabase(kAccountA, "org_a_db");
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE(db->input.contains("Description"));
  EXPECT_EQ(db->input["LocationUri"], "s3://x/");
  EXPECT_EQ(Code(catalog().UpdateDatabase(kAccountA, "org_a_db", {{"Name", "other"}})),
            "InvalidInputException");
}

TEST_F(CatalogTest, AnotherAccountSeesAndChangesNothing) {
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("customers"), "arn").ok());
  EXPECT_EQ(Code(catalog().GetDatabase(kAccountB, "org_a_db").status()), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().GetTable(kAccountB, "org_a_db", "customers").status()),
            "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().ListTables(kAccountB, "org_a_db", "", "", 100).status()),
            "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().DeleteTable(kAccountB, "org_a_db", "customers")),
            "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().DeleteDatabase(kAccountB, "org_a_db")), "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().UpdateTable(kAccountB, "org_a_db", TableInput("customers"))),
            "EntityNotFoundException");
  EXPECT_EQ(Code(catalog().CreateTable(kAccountB, "org_a_db", TableInput("sneaky"), "arn")),
            "EntityNotFoundException");
  absl::StatusOr<Page<Database>> listed = catalog().ListDatabases(kAccountB, "", 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->items.empty());
  // B may use the same names for its own catalog.
  ASSERT_TRUE(catalog().CreateDatabase(kAccountB, {{"Name", "org_a_db"}}).ok());
  ASSERT_TRUE(
      catalog().CreateTable(kAccountB, "org_a_db", TableInput("customers", "s3://b/"), "arn").ok());
  EXPECT_EQ(catalog().GetTable(kAccountA, "org_a_db", "customers")->location, "s3://bucket/data/");
  EXPECT_EQ(catalog().GetTable(kAccountB, "org_a_db", "customers")->location, "s3://b/");
}

TEST_F(CatalogTest, GetTableReturnsColumnsKeysLocationAndParameters) {
  temp_.clock().SetMicros(temp_.clock().NowMicros() + 5000000);
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("Customers"), "arn:x").ok());
  absl::StatusOr<Table> t = catalog().GetTable(kAccountA, "ORG_A_DB", "CUSTOMERS");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->name, "customers");
  EXPECT_EQ(t->database_name, "org_a_db");
  EXPECT_EQ(t->account_id, kAccountA);
  EXPECT_EQ(t->table_type, "EXTERNAL_TABLE");
  EXPECT_EQ(t->location, "s3://bucket/data/");
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].name, "id");
  EXPECT_EQ(t->columns[0].type, "bigint");
  ASSERT_EQ(t->partition_keys.size(), 2u);
  EXPECT_EQ(t->partition_keys[1].name, "month");
  EXPECT_EQ(t->parameters.at("classification"), "csv");
  EXPECT_EQ(t->serde_library, "LazySimpleSerDe");
  EXPECT_EQ(t->created_by, "arn:x");
  EXPECT_EQ(t->version, 0);
  EXPECT_EQ(t->create_time, temp_.clock().NowMicros());

  EXPECT_EQ(Code(catalog().CreateTable(kAccountA, "org_a_db", TableInput("customers"), "")),
            "AlreadyExistsException");
  EXPECT_EQ(catalog().GetTable(kAccountA, "org_a_db", "nope").status().message(),
            "Table nope not found.");
  EXPECT_EQ(catalog().GetTable(kAccountA, "nodb", "customers").status().message(),
            "Database nodb not found.");
}

TEST_F(CatalogTest, UpdateTableBumpsTheVersionAndChecksIt) {
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("t"), "arn").ok());
  temp_.clock().SetMicros(temp_.clock().NowMicros() + 1000000);
  json input = TableInput("T", "s3://bucket/moved/");
  ASSERT_TRUE(catalog().UpdateTable(kAccountA, "org_a_db", input, std::string("0")).ok());
  absl::StatusOr<Table> t = catalog().GetTable(kAccountA, "org_a_db", "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->version, 1);
  EXPECT_EQ(t->location, "s3://bucket/moved/");
  EXPECT_GT(t->update_time, t->create_time);
  absl::Status stale = catalog().UpdateTable(kAccountA, "org_a_db", input, std::string("0"));
  EXPECT_EQ(Code(stale), "ConcurrentModificationException");
  EXPECT_EQ(Code(catalog().UpdateTable(kAccountA, "org_a_db", TableInput("missing"))),
            "EntityNotFoundException");
}

TEST_F(CatalogTest, ListTablesPagesInNameOrderAndFilters) {
  for (const char* name : {"sales_2023", "sales_2024", "customers", "Orders", "sales_archive"}) {
    ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput(name), "arn").ok());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<Page<Table>> page = catalog().ListTables(kAccountA, "org_a_db", "", token, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->items.size(), 2u);
    for (const Table& t : page->items) seen.push_back(t.name);
    token = page->next_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen,
              ElementsAre("customers", "orders", "sales_2023", "sales_2024", "sales_archive"));

  absl::StatusOr<Page<Table>> filtered =
      catalog().ListTables(kAccountA, "org_a_db", "sales_20*", "", 1);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->items.size(), 1u);
  EXPECT_EQ(filtered->items[0].name, "sales_2023");
  ASSERT_FALSE(filtered->next_token.empty());
  filtered = catalog().ListTables(kAccountA, "org_a_db", "sales_20*", filtered->next_token, 1);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->items.size(), 1u);
  EXPECT_EQ(filtered->items[0].name, "sales_2024");
  EXPECT_TRUE(filtered->next_token.empty()) << "no third match, so no third page";

  EXPECT_EQ(Code(catalog().ListTables(kAccountA, "org_a_db", "(", "", 10).status()),
            "InvalidInputException");
  EXPECT_EQ(Code(catalog().ListTables(kAccountA, "org_a_db", "", "garbage!", 10).status()),
            "InvalidInputException");
  // A token of one listing is not accepted by another kind of listing.
  absl::StatusOr<Page<Database>> dbs = catalog().ListDatabases(kAccountA, "", 1);
  ASSERT_TRUE(catalog().CreateDatabase(kAccountA, {{"Name", "zz"}}).ok());
  dbs = catalog().ListDatabases(kAccountA, "", 1);
  ASSERT_FALSE(dbs->next_token.empty());
  EXPECT_EQ(Code(catalog().ListTables(kAccountA, "org_a_db", "", dbs->next_token, 10).status()),
            "InvalidInputException");
}

TEST_F(CatalogTest, DeleteDatabaseTakesItsTablesAndPartitions) {
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("t"), "arn").ok());
  ASSERT_TRUE(
      catalog().CreatePartition(kAccountA, "org_a_db", "t", PartitionInput("2024", "01")).ok());
  ASSERT_TRUE(catalog().DeleteDatabase(kAccountA, "ORG_A_DB").ok());
  EXPECT_EQ(Code(catalog().GetDatabase(kAccountA, "org_a_db").status()), "EntityNotFoundException");
  // Recreated, it is empty: nothing of the old tables or partitions survives.
  ASSERT_TRUE(catalog().CreateDatabase(kAccountA, {{"Name", "org_a_db"}}).ok());
  EXPECT_TRUE(catalog().ListTables(kAccountA, "org_a_db", "", "", 100)->items.empty());
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("t"), "arn").ok());
  EXPECT_TRUE(catalog().ListPartitions(kAccountA, "org_a_db", "t", "", "", 100)->items.empty());
}

TEST_F(CatalogTest, BatchDeleteTableReportsEachFailure) {
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("a"), "arn").ok());
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("b"), "arn").ok());
  absl::StatusOr<std::vector<BatchError>> errors =
      catalog().BatchDeleteTables(kAccountA, "org_a_db", {"A", "missing", "b"});
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].table_name, "missing");
  EXPECT_EQ((*errors)[0].code, "EntityNotFoundException");
  EXPECT_EQ((*errors)[0].message, "Table missing not found.");
  EXPECT_TRUE(catalog().ListTables(kAccountA, "org_a_db", "", "", 100)->items.empty());
  EXPECT_EQ(Code(catalog().BatchDeleteTables(kAccountA, "nodb", {"a"}).status()),
            "EntityNotFoundException");
}

TEST_F(CatalogTest, PartitionsAreCheckedListedAndFiltered) {
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("t"), "arn").ok());
  std::vector<json> inputs;
  for (const char* year : {"2021", "2022", "2023"}) {
    for (const char* month : {"01", "02"}) inputs.push_back(PartitionInput(year, month));
  }
  inputs.push_back(PartitionInput("2021", "01"));  // duplicate
  inputs.push_back({{"Values", {"2021"}}});        // too few values
  absl::StatusOr<std::vector<BatchError>> errors =
      catalog().BatchCreatePartitions(kAccountA, "org_a_db", "t", inputs);
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_EQ((*errors)[0].code, "AlreadyExistsException");
  EXPECT_THAT((*errors)[0].values, ElementsAre("2021", "01"));
  EXPECT_EQ((*errors)[1].code, "InvalidInputException");

  EXPECT_EQ(
      Code(catalog().CreatePartition(kAccountA, "org_a_db", "t", PartitionInput("2021", "01"))),
      "AlreadyExistsException");
  absl::StatusOr<Partition> p = catalog().GetPartition(kAccountA, "org_a_db", "t", {"2022", "02"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->location, "s3://bucket/data/year=2022/month=02");
  EXPECT_EQ(Code(catalog().GetPartition(kAccountA, "org_a_db", "t", {"1999", "01"}).status()),
            "EntityNotFoundException");

  absl::StatusOr<Page<Partition>> all =
      catalog().ListPartitions(kAccountA, "org_a_db", "t", "", "", 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 6u);

  std::vector<std::string> years;
  std::string token;
  do {
    absl::StatusOr<Page<Partition>> page = catalog().ListPartitions(
        kAccountA, "org_a_db", "t", "year >= 2022 AND month = '01'", token, 1);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Partition& x : page->items) years.push_back(x.values[0] + "/" + x.values[1]);
    token = page->next_token;
  } while (!token.empty());
  EXPECT_THAT(years, ElementsAre("2022/01", "2023/01"));

  // Segments split the partitions without overlap.
  size_t total = 0;
  for (int segment = 0; segment < 3; ++segment) {
    total += catalog()
                 .ListPartitions(kAccountA, "org_a_db", "t", "", "", 1000, segment, 3)
                 ->items.size();
  }
  EXPECT_EQ(total, 6u);

  EXPECT_EQ(
      Code(catalog().ListPartitions(kAccountA, "org_a_db", "t", "colour = 'x'", "", 10).status()),
      "InvalidInputException");
  EXPECT_EQ(Code(catalog().ListPartitions(kAccountA, "org_a_db", "nope", "", "", 10).status()),
            "EntityNotFoundException");
  // Deleting the table takes its partitions.
  ASSERT_TRUE(catalog().DeleteTable(kAccountA, "org_a_db", "t").ok());
  ASSERT_TRUE(catalog().CreateTable(kAccountA, "org_a_db", TableInput("t"), "arn").ok());
  EXPECT_TRUE(catalog().ListPartitions(kAccountA, "org_a_db", "t", "", "", 10)->items.empty());
}

TEST(CatalogLimitsTest, LimitsAnswerResourceNumberLimitExceeded) {
  CatalogLimits limits;
  limits.databases_per_account = 2;
  limits.tables_per_database = 1;
  limits.partitions_per_table = 1;
  limits.crawlers_per_account = 1;
  testing::TempCatalog temp(limits);
  Catalog& c = temp.catalog();
  ASSERT_TRUE(c.CreateDatabase(kAccountA, {{"Name", "a"}}).ok());
  ASSERT_TRUE(c.CreateDatabase(kAccountA, {{"Name", "b"}}).ok());
  EXPECT_EQ(Code(c.CreateDatabase(kAccountA, {{"Name", "c"}})),
            "ResourceNumberLimitExceededException");
  EXPECT_TRUE(c.CreateDatabase(kAccountB, {{"Name", "c"}}).ok()) << "limits are per account";
  ASSERT_TRUE(c.CreateTable(kAccountA, "a", TableInput("t1"), "arn").ok());
  EXPECT_EQ(Code(c.CreateTable(kAccountA, "a", TableInput("t2"), "arn")),
            "ResourceNumberLimitExceededException");
  ASSERT_TRUE(c.CreatePartition(kAccountA, "a", "t1", PartitionInput("2020", "01")).ok());
  EXPECT_EQ(Code(c.CreatePartition(kAccountA, "a", "t1", PartitionInput("2020", "02"))),
            "ResourceNumberLimitExceededException");
  json request = {{"Role", "r"}, {"Targets", {{"S3Targets", {{{"Path", "s3://b/"}}}}}}};
  absl::StatusOr<CrawlerDefinition> def = MakeCrawlerDefinition(request, kAccountA);
  ASSERT_TRUE(def.ok());
  ASSERT_TRUE(c.CreateCrawler(kAccountA, "one", *def, {}).ok());
  EXPECT_EQ(Code(c.CreateCrawler(kAccountA, "two", *def, {})),
            "ResourceNumberLimitExceededException");
}

}  // namespace
}  // namespace cleanroom::glue
