#include "crawler/schema_inference.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/string_object.h"
#include "gtest/gtest.h"

namespace cleanroom::crawler {
namespace {

using Columns = std::vector<std::pair<std::string, std::string>>;

class SchemaInferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = engine::Engine::Open(engine::EngineOptions{});
    ASSERT_TRUE(engine.ok());
    engine_ = std::move(*engine);
  }

  // Detects and infers `data` as an object named `name`.
  absl::StatusOr<FileSchema> Infer(const std::string& data, const std::string& name = "o.csv") {
    data_ = data;
    auto grant = engine_->Grant({{name, engine::StringGrantedObject(&data_)}});
    if (!grant.ok()) return grant.status();
    std::string_view head = std::string_view(data_).substr(0, kHeadBytes);
    std::string_view last4 =
        data_.size() >= 4 ? std::string_view(data_).substr(data_.size() - 4) : "";
    Format format = DetectFormat(head, last4);
    auto schema = InferSchema(*engine_, (*grant)->Url(name), format, head, data_.size());
    bytes_read_ = (*grant)->bytes_read();
    return schema;
  }

  static Columns ColumnsOf(const FileSchema& schema) {
    Columns out;
    for (const auto& c : schema.columns) out.emplace_back(c.name, c.type);
    return out;
  }

  std::unique_ptr<engine::Engine> engine_;
  std::string data_;
  uint64_t bytes_read_ = 0;
};

TEST_F(SchemaInferenceTest, TheRecipesCsv) {
  auto schema = Infer(
      "customer_id,age_group,region,purchase_amount,product_category,registration_date\n"
      "1001,25-34,east,250.00,electronics,2023-01-15\n"
      "1002,35-44,west,180.50,clothing,2023-02-20\n"
      "1003,45-54,central,320.75,home,2023-01-10\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->format, Format::kCsv);
  EXPECT_EQ(ColumnsOf(*schema), (Columns{{"customer_id", "bigint"},
                                         {"age_group", "string"},
                                         {"region", "string"},
                                         {"purchase_amount", "double"},
                                         {"product_category", "string"},
                                         {"registration_date", "date"}}));
  EXPECT_EQ(schema->csv.delimiter, ",");
  EXPECT_TRUE(schema->csv.has_header);
  EXPECT_EQ(schema->record_count, 3);
}

TEST_F(SchemaInferenceTest, QuotedDelimitersAndEmbeddedNewlines) {
  auto schema = Infer(
      "id,comment,score\n"
      "1,\"hello, world\",3\n"
      "2,\"two\nlines, and a comma\",4\n"
      "3,plain,5\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(ColumnsOf(*schema),
            (Columns{{"id", "bigint"}, {"comment", "string"}, {"score", "bigint"}}));
  EXPECT_EQ(schema->csv.quote, "\"");
}

TEST_F(SchemaInferenceTest, EmptyFieldsAreNullsNotStrings) {
  auto schema = Infer(
      "id,amount,note\n"
      "1,,\"\"\n"
      "2,5,x\n"
      "3,,\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(ColumnsOf(*schema),
            (Columns{{"id", "bigint"}, {"amount", "bigint"}, {"note", "string"}}));
}

TEST_F(SchemaInferenceTest, LeadingZerosStayStrings) {
  auto schema = Infer(
      "zip,count\n"
      "02134,7\n"
      "00501,8\n"
      "10001,9\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(ColumnsOf(*schema), (Columns{{"zip", "string"}, {"count", "bigint"}}));
}

TEST_F(SchemaInferenceTest, DatesInSeveralFormats) {
  auto iso = Infer("d,ts\n2023-01-15,2023-01-15 10:30:00\n2023-02-20,2023-02-20 11:00:00\n");
  ASSERT_TRUE(iso.ok()) << iso.status();
  EXPECT_EQ(ColumnsOf(*iso), (Columns{{"d", "date"}, {"ts", "timestamp"}}));

  auto us = Infer("d,n\n01/15/2023,1\n02/20/2023,2\n12/31/2023,3\n");
  ASSERT_TRUE(us.ok()) << us.status();
  EXPECT_EQ(ColumnsOf(*us), (Columns{{"d", "date"}, {"n", "bigint"}}));
  EXPECT_EQ(us->csv.date_format, "%m/%d/%Y");

  auto mixed = Infer("d,n\n2023-01-15,1\n01/16/2023,2\n");
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(ColumnsOf(*mixed), (Columns{{"d", "string"}, {"n", "bigint"}}));
}

TEST_F(SchemaInferenceTest, MixedValuesWiden) {
  auto schema = Infer(
      "a,b,c,d\n"
      "1,1,true,x\n"
      "2,2.5,false,2\n"
      "abc,3,true,3\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(ColumnsOf(*schema),
            (Columns{{"a", "string"}, {"b", "double"}, {"c", "boolean"}, {"d", "string"}}));
}

TEST_F(SchemaInferenceTest, OtherDelimiters) {
  for (const std::string delim : {";", "|", "\t"}) {
    auto schema = Infer("a" + delim + "b\n1" + delim + "x\n2" + delim + "y\n");
    ASSERT_TRUE(schema.ok()) << schema.status();
    EXPECT_EQ(schema->csv.delimiter, delim);
    EXPECT_EQ(ColumnsOf(*schema), (Columns{{"a", "bigint"}, {"b", "string"}}));
  }
}

TEST_F(SchemaInferenceTest, HeaderlessFilesGetGeneratedNames) {
  auto schema = Infer("1,x,2.5\n2,y,3.5\n3,z,4.5\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_FALSE(schema->csv.has_header);
  EXPECT_EQ(ColumnsOf(*schema),
            (Columns{{"col0", "bigint"}, {"col1", "string"}, {"col2", "double"}}));
  EXPECT_EQ(schema->record_count, 3);
}

TEST_F(SchemaInferenceTest, NamesAreLowerCasedAndUnique) {
  auto schema = Infer("Customer ID,Region,region,\n1,a,b,c\n2,d,e,f\n");
  ASSERT_TRUE(schema.ok()) << schema.status();
  ASSERT_EQ(schema->columns.size(), 4u);
  EXPECT_EQ(schema->columns[0].name, "customer id");
  EXPECT_EQ(schema->columns[1].name, "region");
  EXPECT_EQ(schema->columns[2].name, "region_1");
  EXPECT_FALSE(schema->columns[3].name.empty());
}

TEST_F(SchemaInferenceTest, JsonLines) {
  auto schema = Infer(
      "{\"id\": 1, \"name\": \"a\", \"score\": 1.5, \"tags\": [\"x\"], \"geo\": {\"lat\": 1.0}}\n"
      "{\"id\": 2, \"name\": \"b\", \"score\": null, \"tags\": [], \"geo\": {\"lat\": 2.0}}\n",
      "o.json");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->format, Format::kJson);
  EXPECT_EQ(ColumnsOf(*schema), (Columns{{"id", "bigint"},
                                         {"name", "string"},
                                         {"score", "double"},
                                         {"tags", "array<string>"},
                                         {"geo", "struct<lat:double>"}}));
  EXPECT_EQ(schema->record_count, 2);
}

TEST_F(SchemaInferenceTest, Parquet) {
  // Write a Parquet file with an engine that may touch local files (tests only).
  engine::EngineOptions options;
  options.allow_external_access = true;
  auto writer = engine::Engine::Open(options);
  ASSERT_TRUE(writer.ok());
  std::string path = ::testing::TempDir() + "/inference_" + std::to_string(::getpid()) + ".parquet";
  auto copy = (*writer)->Query(
      "COPY (SELECT i::INTEGER AS id, i::BIGINT * 10 AS big, (i / 4)::DECIMAL(10,2) AS amount, "
      "'n' || i AS Name, DATE '2024-01-01' + i::INTEGER AS day, i % 2 = 0 AS even "
      "FROM range(1000) t(i)) TO '" +
      path + "' (FORMAT parquet)");
  ASSERT_TRUE(copy.ok()) << copy.status();
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  ::unlink(path.c_str());
  auto schema = Infer(bytes.str(), "o.parquet");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->format, Format::kParquet);
  EXPECT_EQ(ColumnsOf(*schema), (Columns{{"id", "int"},
                                         {"big", "bigint"},
                                         {"amount", "decimal(10,2)"},
                                         {"name", "string"},
                                         {"day", "date"},
                                         {"even", "boolean"}}));
  EXPECT_EQ(schema->record_count, 1000);
}

TEST_F(SchemaInferenceTest, CorruptParquetIsAnError) {
  std::string bytes = "PAR1" + std::string(100, 'x') + "PAR1";
  auto schema = Infer(bytes, "o.parquet");
  EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SchemaInferenceTest, BinaryIsUnknown) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0", 11);
  EXPECT_EQ(DetectFormat(bytes, bytes.substr(bytes.size() - 4)), Format::kUnknown);
  EXPECT_EQ(Infer(bytes, "o.bin").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SchemaInferenceTest, LargeCsvIsEstimatedFromItsHead) {
  std::string data = "id,v\n";
  while (data.size() < (64u << 20)) data += "1234567,abcdefgh\n";  // 17 bytes a record
  auto schema = Infer(data);
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_LT(bytes_read_, data.size() / 2);
  EXPECT_EQ(schema->average_record_size, 17);
  int64_t exact = static_cast<int64_t>((data.size() - 5) / 17);
  EXPECT_NEAR(schema->record_count, exact, exact / 100);
}

TEST_F(SchemaInferenceTest, AValuePastTheSnifferSampleDemotesTheType) {
  std::string data = "id,code\n";
  for (int i = 0; i < 30000; ++i) data += std::to_string(i) + "," + std::to_string(i % 7) + "\n";
  data += "30000,N/A\n";
  while (data.size() < 2 * kHeadBytes) data += "1,2\n";
  auto schema = Infer(data);
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(ColumnsOf(*schema), (Columns{{"id", "bigint"}, {"code", "string"}}));
}

}  // namespace
}  // namespace cleanroom::crawler
