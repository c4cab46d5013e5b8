#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ResolveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = Engine::Open(EngineOptions{}).value().release();
  }
  static void TearDownTestSuite() { delete engine_; }

  std::vector<TableSchema> Tables() const {
    return {{"sales", {{"customer_id", "VARCHAR"}, {"region", "VARCHAR"}, {"amount", "DOUBLE"}}},
            {"crm", {{"customer_id", "VARCHAR"}, {"segment", "VARCHAR"}}}};
  }

  ResolvedQuery Resolve(const std::string& sql, const std::vector<SqlParameter>& params = {}) {
    auto r = engine_->Resolve(sql, Tables(), params);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ResolvedQuery{};
  }

  std::string Error(const std::string& sql, const std::vector<SqlParameter>& params = {}) {
    auto r = engine_->Resolve(sql, Tables(), params);
    EXPECT_FALSE(r.ok()) << sql;
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    return std::string(r.status().message());
  }

  static std::vector<std::string> Outputs(const ResolvedQuery& q) {
    std::vector<std::string> out;
    for (const auto& o : q.outputs) out.push_back(o.name + "=" + ToString(o.expr, q.scans));
    return out;
  }

  static Engine* engine_;
};

Engine* ResolveTest::engine_ = nullptr;

TEST_F(ResolveTest, AggregateResolvesToBaseColumns) {
  ResolvedQuery q = Resolve("SELECT region, SUM(amount) AS total FROM sales GROUP BY region");
  EXPECT_THAT(Outputs(q), ElementsAre("region=sales.region", "total=sum(sales.amount)"));
  ASSERT_EQ(q.group_keys.size(), 1u);
  EXPECT_EQ(ToString(q.group_keys[0], q.scans), "sales.region");
  EXPECT_EQ(q.aggregations, 1);
  EXPECT_EQ(q.syntax.select_nodes, 1);
}

TEST_F(ResolveTest, AliasesThroughCtesAndDerivedTablesAreInlined) {
  ResolvedQuery q = Resolve(
      "WITH x AS (SELECT customer_id AS c FROM sales) "
      "SELECT y.k FROM (SELECT c AS k FROM x) y");
  EXPECT_THAT(Outputs(q), ElementsAre("k=sales.customer_id"));
  EXPECT_EQ(q.syntax.ctes, 1);
  EXPECT_EQ(q.syntax.derived_tables, 1);
  EXPECT_EQ(q.syntax.select_nodes, 3);
}

TEST_F(ResolveTest, StarExpandsToTheTableColumns) {
  ResolvedQuery q = Resolve("SELECT * FROM crm");
  EXPECT_THAT(Outputs(q), ElementsAre("customer_id=crm.customer_id", "segment=crm.segment"));
  EXPECT_EQ(q.syntax.stars.size(), 1u);
}

TEST_F(ResolveTest, ExpressionsKeepTheirInputs) {
  ResolvedQuery q = Resolve("SELECT upper(region) || 'x' AS r, amount * 2 FROM sales");
  ASSERT_EQ(q.outputs.size(), 2u);
  EXPECT_EQ(ToString(q.outputs[0].expr, q.scans), "||(upper(sales.region), 'x')");
  EXPECT_THAT(ToString(q.outputs[1].expr, q.scans), HasSubstr("sales.amount"));
  ASSERT_EQ(q.syntax.functions.size(), 3u);
  EXPECT_EQ(q.syntax.functions[1].name, "upper");
}

TEST_F(ResolveTest, JoinUsingBecomesAnEqualityCondition) {
  ResolvedQuery q = Resolve("SELECT segment FROM sales JOIN crm USING (customer_id)");
  ASSERT_EQ(q.joins.size(), 1u);
  EXPECT_EQ(q.joins[0].type, "INNER");
  ASSERT_EQ(q.joins[0].conditions.size(), 1u);
  EXPECT_EQ(ToString(q.joins[0].conditions[0], q.scans), "(sales.customer_id = crm.customer_id)");
}

TEST_F(ResolveTest, ImplicitJoinIsACrossProductWithAFilter) {
  ResolvedQuery q = Resolve("SELECT segment FROM sales s, crm c WHERE s.customer_id = c.customer_id");
  ASSERT_EQ(q.joins.size(), 1u);
  EXPECT_EQ(q.joins[0].type, "CROSS");
  ASSERT_EQ(q.filters.size(), 1u);
  EXPECT_EQ(ToString(q.filters[0], q.scans), "(sales.customer_id = crm.customer_id)");
}

TEST_F(ResolveTest, SubqueriesAreFlattenedIntoJoins) {
  ResolvedQuery q = Resolve(
      "SELECT region, (SELECT max(segment) FROM crm WHERE crm.customer_id = sales.customer_id) AS s "
      "FROM sales WHERE customer_id IN (SELECT customer_id FROM crm)");
  EXPECT_EQ(q.syntax.subquery_expressions, 2);
  ASSERT_EQ(q.outputs.size(), 2u);
  EXPECT_THAT(ToString(q.outputs[1].expr, q.scans), HasSubstr("max(crm.segment)"));
  bool mark = false;
  for (const Join& j : q.joins) mark |= j.type == "MARK";
  EXPECT_TRUE(mark);
}

TEST_F(ResolveTest, SetOperationColumnsCarryEveryInput) {
  ResolvedQuery q = Resolve("SELECT region FROM sales UNION SELECT segment FROM crm");
  ASSERT_EQ(q.outputs.size(), 1u);
  EXPECT_EQ(ToString(q.outputs[0].expr, q.scans), "UNION(sales.region, crm.segment)");
}

TEST_F(ResolveTest, WindowFunctionsAreVisible) {
  ResolvedQuery q = Resolve("SELECT row_number() OVER (PARTITION BY region ORDER BY amount) FROM sales");
  EXPECT_EQ(q.windows, 1);
  ASSERT_EQ(q.outputs.size(), 1u);
  EXPECT_EQ(q.outputs[0].expr.kind, Expr::Kind::kWindow);
  EXPECT_EQ(ToString(q.outputs[0].expr, q.scans), "row_number( | sales.region, sales.amount)");
}

TEST_F(ResolveTest, ParametersBecomeTypedConstants) {
  ResolvedQuery q = Resolve("SELECT region FROM sales WHERE amount > :min AND region = :r",
                            {{"min", "DOUBLE", "10.5"}, {"r", "VARCHAR", "it's"}});
  ASSERT_FALSE(q.filters.empty());
  std::string filters;
  for (const Expr& f : q.filters) filters += ToString(f, q.scans);
  EXPECT_THAT(filters, HasSubstr("10.5"));
  EXPECT_THAT(filters, HasSubstr("'it''s'"));
}

TEST_F(ResolveTest, PositionsPointIntoTheText) {
  std::string sql = "SELECT region,\n  customer_id FROM sales";
  ResolvedQuery q = Resolve(sql);
  ASSERT_EQ(q.outputs.size(), 2u);
  ASSERT_TRUE(q.outputs[1].expr.position.has_value());
  EXPECT_EQ(*q.outputs[1].expr.position, sql.find("customer_id"));
}

TEST_F(ResolveTest, RefusesWhatNoQueryMayDo) {
  EXPECT_THAT(Error("SELECT 1; SELECT 2"), HasSubstr("exactly one SELECT statement"));
  EXPECT_THAT(Error("INSERT INTO sales VALUES ('a', 'b', 1)"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("COPY sales TO 'x.csv'"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("ATTACH 'x.db'"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("SET threads = 1"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("PRAGMA version"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("INSTALL httpfs"), HasSubstr("only SELECT"));
  EXPECT_THAT(Error("SELECT * FROM read_csv('/etc/passwd')"), HasSubstr("table function read_csv"));
  EXPECT_THAT(Error("SELECT * FROM '/etc/passwd'"), HasSubstr("is not a table of this collaboration"));
  EXPECT_THAT(Error("SELECT * FROM main.sales"), HasSubstr("may not be qualified"));
  EXPECT_THAT(Error("SELECT * FROM duckdb_tables"), HasSubstr("not a table of this collaboration"));
  EXPECT_THAT(Error("SELECT current_setting('threads')"), HasSubstr("current_setting is not allowed"));
  EXPECT_THAT(Error("SELECT error('x') FROM sales"), HasSubstr("error is not allowed"));
  EXPECT_THAT(Error("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"),
              HasSubstr("recursive"));
  EXPECT_THAT(Error("SELECT region FROM sales WHERE amount > :min"), HasSubstr("parameter min has no value"));
  EXPECT_THAT(Error("SELECT nope FROM sales"), HasSubstr("cannot be bound"));
  EXPECT_THAT(Error("SELECT rowid FROM sales"), HasSubstr("rowid"));
  EXPECT_THAT(Error("SELEC region FROM sales"), HasSubstr("cannot be parsed"));
}

TEST_F(ResolveTest, ErrorsGiveLineAndColumn) {
  EXPECT_THAT(Error("SELECT region\nFROM read_parquet('x')"), HasSubstr("line 2, column 6"));
}

TEST_F(ResolveTest, ABadParameterValueIsRefused) {
  EXPECT_THAT(Error("SELECT region FROM sales WHERE amount > :min", {{"min", "INTEGER", "abc"}}),
              HasSubstr("parameter min is not a valid INTEGER value"));
}

TEST_F(ResolveTest, ResolvingLeavesNoTablesBehind) {
  Resolve("SELECT region FROM sales");
  auto r = engine_->Query("SELECT count(*) FROM duckdb_tables()");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows[0][0], "0");
}

}  // namespace
}  // namespace cleanroom::engine
