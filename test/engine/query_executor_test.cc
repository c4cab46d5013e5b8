#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StringReader final : public ObjectReader {
 public:
  explicit StringReader(std::shared_ptr<const std::string> data) : data_(std::move(data)) {}
  absl::Status ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset > data_->size() || n > data_->size() - offset)
      return absl::OutOfRangeError("past end");
    std::memcpy(buf, data_->data() + offset, n);
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<const std::string> data_;
};

GrantedObject Object(std::string text) {
  auto data = std::make_shared<const std::string>(std::move(text));
  GrantedObject o;
  o.size = data->size();
  o.open = [data]() -> absl::StatusOr<std::unique_ptr<ObjectReader>> {
    return std::make_unique<StringReader>(data);
  };
  return o;
}

class ExecuteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As the server runs it: external access off, spilling allowed.
    EngineOptions options;
    options.temp_directory = ::testing::TempDir() + "/execute_spill";
    engine_ = Engine::Open(options).value();
    std::string sales = "customer_id,region,amount,secret\n";
    // east: 3 customers; west: 1 customer with two purchases.
    sales += "c1,east,10,s\nc2,east,20,s\nc3,east,30,s\nc4,west,5,s\nc4,west,7,s\n";
    std::map<std::string, GrantedObject> objects;
    objects["sales.csv"] = Object(sales);
    dir_ = ::testing::TempDir() + "/exec" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::map<std::string, std::string> outputs;
    outputs["result.csv"] = dir_ + ".csv";
    outputs["result.parquet"] = dir_ + ".parquet";
    grant_ = engine_->Grant(std::move(objects), outputs).value();
  }

  TableSource Sales() const {
    TableSource t;
    t.schema = {"sales",
                {{"customer_id", "VARCHAR"}, {"region", "VARCHAR"}, {"amount", "INTEGER"}}};
    t.file_columns = {{"customer_id", "VARCHAR"},
                      {"region", "VARCHAR"},
                      {"amount", "VARCHAR"},
                      {"secret", "VARCHAR"}};
    t.urls = {grant_->Url("sales.csv")};
    return t;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ObjectGrant> grant_;
  std::string dir_;
};

TEST_F(ExecuteTest, RunsOverGrantedObjectsAndReturnsRows) {
  ExecuteRequest r;
  r.sql = "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region";
  r.tables = {Sales()};
  auto result = engine_->Execute(r);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->rows.has_value());
  EXPECT_THAT(result->rows->column_names, ElementsAre("region", "total"));
  ASSERT_EQ(result->rows->rows.size(), 2u);
  EXPECT_EQ(result->rows->rows[0][1], "60");
  EXPECT_EQ(result->rows->rows[1][1], "12");
}

TEST_F(ExecuteTest, OnlyTheSchemaColumnsAreVisible) {
  ExecuteRequest r;
  r.sql = "SELECT secret FROM sales";
  r.tables = {Sales()};
  auto result = engine_->Execute(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecuteTest, ThresholdsDropGroupsWithTooFewDistinctValues) {
  ExecuteRequest r;
  r.sql = "SELECT region, COUNT(*) AS n FROM sales s GROUP BY region ORDER BY region LIMIT 1";
  r.tables = {Sales()};
  r.thresholds = {{"sales", "customer_id", 2}};
  auto result = engine_->Execute(r);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows->rows.size(), 1u);
  EXPECT_EQ(result->rows->rows[0][0], "east");
  // The whole table is one group: 4 distinct customers.
  r.sql = "SELECT COUNT(*) FROM sales";
  r.thresholds = {{"sales", "customer_id", 5}};
  result = engine_->Execute(r);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows->rows.size(), 0u);
}

TEST_F(ExecuteTest, WritesCsvAndParquetToGrantedOutputs) {
  ExecuteRequest r;
  r.sql = "SELECT region, COUNT(*) AS n FROM sales GROUP BY region ORDER BY region";
  r.tables = {Sales()};
  r.output_url = grant_->Url("result.csv");
  auto result = engine_->Execute(r);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->row_count, 2);
  EXPECT_EQ(ReadFile(dir_ + ".csv"), "region,n\neast,3\nwest,2\n");

  r.output_url = grant_->Url("result.parquet");
  r.output_format = "PARQUET";
  result = engine_->Execute(r);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadFile(dir_ + ".parquet").substr(0, 4), "PAR1");
}

TEST_F(ExecuteTest, ObjectsCannotBeWrittenNorOutputsRead) {
  ExecuteRequest r;
  r.sql = "SELECT region FROM sales";
  r.tables = {Sales()};
  r.output_url = grant_->Url("sales.csv");
  auto result = engine_->Execute(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("Permission"));
}

TEST_F(ExecuteTest, RuntimeErrorsRevealNoValues) {
  ExecuteRequest r;
  r.sql = "SELECT CAST(region AS INTEGER) FROM sales";
  r.tables = {Sales()};
  auto result = engine_->Execute(r);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("conversion error"));
  EXPECT_THAT(result.status().message(), ::testing::Not(HasSubstr("east")));
}

TEST_F(ExecuteTest, InterruptCancelsARunningQuery) {
  ExecuteRequest r;
  // 5^14 (about 6 * 10^9) combinations, each one summed: seconds of work at the very least, so
  // the query is still running when the interrupt comes 100 ms after the start (5^11 without
  // the sum sometimes finished first).
  std::string from, sum;
  for (char t = 'a'; t < 'a' + 14; ++t) {
    from += std::string(from.empty() ? "" : ", ") + "sales " + t;
    sum += std::string(sum.empty() ? "" : " + ") + t + ".amount";
  }
  r.sql = "SELECT count(*) FROM " + from + " WHERE " + sum + " > 0";
  r.tables = {Sales()};
  std::function<void()> interrupt;
  std::atomic<bool> started{false};
  std::thread canceller([&] {
    while (!started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    interrupt();
  });
  auto result = engine_->Execute(r, [&](std::function<void()> fn) {
    interrupt = std::move(fn);
    started = true;
  });
  canceller.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ExecuteTest, AnInterruptBeforeTheStartCancels) {
  ExecuteRequest r;
  r.sql = "SELECT region FROM sales";
  r.tables = {Sales()};
  auto result = engine_->Execute(r, [](std::function<void()> fn) { fn(); });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace cleanroom::engine
