#include "crawler/table_builder.h"

#include "gtest/gtest.h"

namespace cleanroom::crawler {
namespace {

FileSchema Csv(std::vector<glue::DiscoveredColumn> columns, int64_t records, bool quoted = false) {
  FileSchema s;
  s.format = Format::kCsv;
  s.columns = std::move(columns);
  s.csv.delimiter = ",";
  s.csv.quote = quoted ? "\"" : "";
  s.record_count = records;
  return s;
}

TEST(TableBuilderTest, CsvTableWithGlueStorageAndEstimates) {
  Dataset d;
  d.root = "data/";
  d.name_hint = "data";
  d.partitions[{}] = {{"data/a.csv", 1000}, {"data/b.csv", 1000}, {"data/c.csv", 2000}};
  std::vector<FileResult> files = {
      {{"data/a.csv", 1000}, {}, Csv({{"id", "bigint"}, {"v", "double"}}, 50)},
      {{"data/b.csv", 1000}, {}, Csv({{"id", "bigint"}, {"v", "double"}}, 50)},
  };
  std::vector<std::string> messages;
  auto t = BuildTable("b", d, files, &messages);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->location, "s3://b/data/");
  EXPECT_EQ(t->serde_library, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe");
  EXPECT_EQ(t->serde_parameters.at("field.delim"), ",");
  EXPECT_EQ(t->input_format, "org.apache.hadoop.mapred.TextInputFormat");
  EXPECT_EQ(t->parameters.at("sizeKey"), "4000");
  EXPECT_EQ(t->parameters.at("objectCount"), "3");
  // 100 records in the 2000 bytes read, scaled to the 4000 bytes of the dataset.
  EXPECT_EQ(t->parameters.at("recordCount"), "200");
  EXPECT_EQ(t->parameters.at("averageRecordSize"), "20");
  EXPECT_TRUE(messages.empty());
}

TEST(TableBuilderTest, QuotedCsvUsesOpenCsvSerde) {
  Dataset d;
  d.root = "";
  d.name_hint = "b";
  d.partitions[{}] = {{"a.csv", 10}};
  auto t = BuildTable("b", d, {{{"a.csv", 10}, {}, Csv({{"a", "string"}}, 1, true)}}, nullptr);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->serde_library, "org.apache.hadoop.hive.serde2.OpenCSVSerde");
  EXPECT_EQ(t->serde_parameters.at("quoteChar"), "\"");
}

TEST(TableBuilderTest, MismatchedFilesAreLeftOut) {
  Dataset d;
  d.root = "t/";
  d.name_hint = "t";
  d.partitions[{}] = {{"t/a.csv", 10}, {"t/b.csv", 10}, {"t/c.json", 10}};
  FileSchema json;
  json.format = Format::kJson;
  json.columns = {{"x", "bigint"}};
  std::vector<std::string> messages;
  auto t = BuildTable("b", d,
                      {{{"t/a.csv", 10}, {}, Csv({{"a", "bigint"}}, 1)},
                       {{"t/b.csv", 10}, {}, Csv({{"other", "bigint"}}, 1)},
                       {{"t/c.json", 10}, {}, json}},
                      &messages);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->columns.size(), 1u);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].find("s3://b/t/b.csv"), std::string::npos);
  EXPECT_NE(messages[1].find("s3://b/t/c.json"), std::string::npos);
}

TEST(TableBuilderTest, ParquetColumnsAreMergedAcrossFilesAndPartitions) {
  Dataset d;
  d.root = "s/";
  d.name_hint = "s";
  d.partition_keys = {"year"};
  d.partitions[{"2023"}] = {{"s/Year=2023/a.parquet", 100}};
  d.partitions[{"2024"}] = {{"s/Year=2024/b.parquet", 300}};
  FileSchema a, b;
  a.format = b.format = Format::kParquet;
  a.columns = {{"id", "int"}, {"v", "bigint"}};
  b.columns = {{"id", "bigint"}, {"w", "string"}};
  a.record_count = 10;
  b.record_count = 30;
  std::vector<std::string> messages;
  auto t = BuildTable("bk", d,
                      {{{"s/Year=2023/a.parquet", 100}, {"2023"}, a},
                       {{"s/Year=2024/b.parquet", 300}, {"2024"}, b}},
                      &messages);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->columns.size(), 3u);
  EXPECT_EQ(t->columns[0].type, "bigint");
  EXPECT_EQ(t->columns[2].name, "w");
  EXPECT_EQ(t->serde_library, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
  ASSERT_EQ(t->partitions.size(), 2u);
  EXPECT_EQ(t->partitions[1].values, std::vector<std::string>{"2024"});
  EXPECT_EQ(t->partitions[1].location, "s3://bk/s/Year=2024/");
  EXPECT_EQ(t->partitions[1].parameters.at("recordCount"), "30");
  EXPECT_EQ(t->parameters.at("recordCount"), "40");
}

TEST(TableBuilderTest, NoFilesNoTable) {
  Dataset d;
  std::vector<std::string> messages;
  EXPECT_FALSE(BuildTable("b", d, {}, &messages).has_value());
}

}  // namespace
}  // namespace cleanroom::crawler
