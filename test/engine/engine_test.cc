#include "engine/engine.h"

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

TEST(EngineTest, ReportsSqlErrors) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  auto result = (*engine)->Query("SELEC 1");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EngineTest, ExternalAccessIsDisabledAndLocked) {
  auto engine = Engine::Open(EngineOptions{});
  ASSERT_TRUE(engine.ok());
  auto read = (*engine)->Query("SELECT * FROM read_csv('/etc/passwd')");
  EXPECT_FALSE(read.ok());
  auto unlock = (*engine)->Query("SET enable_external_access = true");
  EXPECT_FALSE(unlock.ok());
}

}  // namespace
}  // namespace cleanroom::engine
