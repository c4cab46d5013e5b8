#include "engine/engine.h"

#include <unistd.h>

#include <atomic>
#include <cstring>

#include "engine/string_object.h"
#include "gtest/gtest.h"

namespace cleanroom::engine {
namespace {

TEST(EngineTest, IsThePinnedDuckDb) { EXPECT_EQ(Engine::Version(), "v1.4.4"); }

TEST(EngineTest, RunsAQuery) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto result = (*engine)->Query("SELECT 40 + 2 AS answer, NULL AS nothing, 'x' || 'y' AS s");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->column_names, (std::vector<std::string>{"answer", "nothing", "s"}));
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0][0], "42");
  EXPECT_FALSE(result->rows[0][1].has_value());
  EXPECT_EQ(result->rows[0][2], "xy");
}

TEST(EngineTest, KeepsNoCacheOfObjectsItRead) {
  // Granted objects' ranges must not outlive their grant in DuckDB's external file cache.
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto result = (*engine)->Query("SELECT current_setting('enable_external_file_cache')");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0][0], "false");
}

TEST(EngineTest, RefusesAMemoryLimitItCannotRead) {
  EngineOptions options;
  options.memory_limit = "lots";
  auto engine = Engine::Open(options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(engine.status().message()).find("invalid memory limit 'lots'"), std::string::npos)
      << engine.status();
  options.memory_limit = "300MB";
  EXPECT_TRUE(Engine::Open(options).ok());
}

TEST(EngineTest, ReportsSqlErrors) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  auto result = (*engine)->Query("SELEC 1");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

// Both lock-downs: the local file system disabled, or (with a spill directory) external access
// off with only the spill directory and granted objects allowed.
class LockedEngineTest : public ::testing::TestWithParam<bool> {
 protected:
  EngineOptions Options() const {
    EngineOptions options;
    if (GetParam()) options.temp_directory = ::testing::TempDir() + "/engine_spill";
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Modes, LockedEngineTest, ::testing::Bool());

TEST_P(LockedEngineTest, ExternalAccessIsDisabledAndLocked) {
  auto engine = Engine::Open(Options());
  ASSERT_TRUE(engine.ok());
  auto read = (*engine)->Query("SELECT * FROM read_csv('/etc/passwd')");
  EXPECT_FALSE(read.ok());
  auto unlock = (*engine)->Query("SET enable_external_access = true");
  EXPECT_FALSE(unlock.ok());
}

GrantedObject Object(const std::string* data, std::atomic<int>* opens = nullptr) {
  return StringGrantedObject(data, opens);
}

TEST_P(LockedEngineTest, ReadsGrantedObjects) {
  auto engine = Engine::Open(Options());
  ASSERT_TRUE(engine.ok());
  std::string csv = "id,name\n1,\"a, b\"\n2,c\n";
  std::atomic<int> opens{0};
  auto grant = (*engine)->Grant({{"t.csv", Object(&csv, &opens)}});
  ASSERT_TRUE(grant.ok()) << grant.status();
  std::string url = (*grant)->Url("t.csv");
  EXPECT_EQ(url.rfind("cleanroom://", 0), 0u);
  auto result = (*engine)->Query("SELECT id, name FROM read_csv('" + url + "') ORDER BY id");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(result->rows[0][1], "a, b");
  EXPECT_EQ(result->rows[1][0], "2");
  EXPECT_GT(opens.load(), 0);
  EXPECT_EQ((*grant)->bytes_read() >= csv.size(), true);
}

TEST(EngineTest, RevokedAndUnknownObjectsAreUnreadable) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  std::string csv = "a\n1\n";
  std::string url;
  {
    auto grant = (*engine)->Grant({{"t.csv", Object(&csv)}});
    ASSERT_TRUE(grant.ok());
    url = (*grant)->Url("t.csv");
    ASSERT_TRUE((*engine)->Query("SELECT * FROM read_csv('" + url + "')").ok());
    std::string other = url.substr(0, url.rfind('/') + 1) + "other.csv";
    EXPECT_FALSE((*engine)->Query("SELECT * FROM read_csv('" + other + "')").ok());
    std::string pattern = url.substr(0, url.rfind('/') + 1) + "*.csv";
    EXPECT_FALSE((*engine)->Query("SELECT * FROM read_csv('" + pattern + "')").ok());
  }
  auto after = (*engine)->Query("SELECT * FROM read_csv('" + url + "')");
  EXPECT_FALSE(after.ok());
  EXPECT_FALSE((*engine)->Query("SELECT * FROM read_csv('cleanroom://guess/t.csv')").ok());
}

TEST_P(LockedEngineTest, GrantedObjectsAreReadOnly) {
  auto engine = Engine::Open(Options());
  ASSERT_TRUE(engine.ok());
  std::string csv = "a\n1\n";
  auto grant = (*engine)->Grant({{"t.csv", Object(&csv)}});
  ASSERT_TRUE(grant.ok());
  auto copy = (*engine)->Query("COPY (SELECT 2 AS a) TO '" + (*grant)->Url("t.csv") + "'");
  EXPECT_FALSE(copy.ok());
  EXPECT_EQ(csv, "a\n1\n");
}

TEST(EngineTest, RejectsBadObjectNames) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  std::string csv = "a\n";
  for (const std::string& name :
       {std::string(""), std::string("a/b"), std::string("x'y"), std::string(201, 'a')}) {
    auto grant = (*engine)->Grant({{name, Object(&csv)}});
    EXPECT_EQ(grant.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
}

TEST(EngineTest, SniffingALargeObjectReadsOnlyItsHead) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  std::string csv = "id,code,amount\n";
  while (csv.size() < (96u << 20)) csv += "123456,007,12.50\n";
  auto grant = (*engine)->Grant({{"big.csv", Object(&csv)}});
  ASSERT_TRUE(grant.ok());
  auto sniff = (*engine)->Query("SELECT Delimiter, HasHeader FROM sniff_csv('" +
                                (*grant)->Url("big.csv") + "')");
  ASSERT_TRUE(sniff.ok()) << sniff.status();
  EXPECT_EQ(sniff->rows[0][0], ",");
  EXPECT_LT((*grant)->bytes_read(), csv.size() / 2);
}

// Everything outside the granted objects is out of reach, whatever a query tries.
TEST_P(LockedEngineTest, NoLocalFilesExtensionsOrSettings) {
  auto engine = Engine::Open(Options());
  ASSERT_TRUE(engine.ok());
  for (const char* sql : {
           "SELECT * FROM read_csv('/etc/passwd')",
           "SELECT * FROM read_text('/etc/hostname')",
           "SELECT * FROM read_blob('/proc/self/environ')",
           "SELECT * FROM glob('/etc/*')",
           "SELECT * FROM read_csv('/dev/stdin')",
           "SELECT * FROM read_parquet('file:///etc/passwd')",
           "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')",
           "COPY (SELECT 1) TO '/tmp/cleanroom_engine_escape.csv'",
           "ATTACH '/tmp/cleanroom_engine_escape.db' AS x",
           "INSTALL httpfs",
           "LOAD httpfs",
           "LOAD '/tmp/x.duckdb_extension'",
           "SET disabled_filesystems = ''",
           "SET enable_external_access = false",
           "SET lock_configuration = false",
           "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
       }) {
    EXPECT_FALSE((*engine)->Query(sql).ok()) << sql;
  }
  EXPECT_NE(::access("/tmp/cleanroom_engine_escape.csv", F_OK), 0);
  EXPECT_NE(::access("/tmp/cleanroom_engine_escape.db", F_OK), 0);
}

TEST(EngineTest, SpillsToTheTempDirectoryWhenMemoryRunsOut) {
  EngineOptions options;
  options.memory_limit = "64MB";
  options.temp_directory = ::testing::TempDir() + "/engine_spill_sort";
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto result = (*engine)->Query(
      "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS m FROM range(3000000) t(i) ORDER BY m)");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows[0][0], "3000000");
}

}  // namespace
}  // namespace cleanroom::engine
