// Tests of Engine::AnalyzeDp (the shape of the final SELECT of a differentially private query)
// and Engine::ExecuteDp (user-level rows, contribution bounding, and the released rows), with a
// fake DpMechanism that chooses fixed bounds and releases the true bounded statistics, so that
// the bounding can be checked exactly.
#include "engine/dp_query.h"

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/strings.h"
#include "engine/engine.h"
#include "engine/string_object.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Row = std::vector<std::optional<std::string>>;

// Chooses fixed exponents, records what it was given, and releases the true statistics (sums
// converted from grid units) of the groups `withhold` does not withhold.
class FakeMechanism final : public DpMechanism {
 public:
  int row_exponent = kDpMaxRowExponent;
  int group_exponent = 0;
  std::vector<int> value_exponents;  // per DpQuery::values; missing ones are kDpMaxValueExponent
  std::function<bool(const DpGroup&)> withhold = [](const DpGroup&) { return false; };
  std::function<double(double)> adjust = [](double v) { return v; };  // applied to released values
  DpQuery query;  // set by the fixture before the run

  // What the engine passed.
  std::vector<int64_t> users_by_rows;
  std::optional<std::vector<int64_t>> users_by_groups;
  std::map<int, std::vector<int64_t>> users_by_magnitude;
  std::vector<DpGroup> groups;

  absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>& histogram) override {
    users_by_rows = histogram;
    return row_exponent;
  }
  absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>& histogram) override {
    users_by_groups = histogram;
    return group_exponent;
  }
  absl::StatusOr<int> ChooseValueExponent(int value,
                                          const std::vector<int64_t>& histogram) override {
    users_by_magnitude[value] = histogram;
    return ValueExponent(value);
  }
  absl::StatusOr<std::vector<std::optional<std::vector<std::optional<double>>>>> Release(
      const std::vector<DpGroup>& truths) override {
    groups = truths;
    std::vector<std::optional<std::vector<std::optional<double>>>> out;
    for (const DpGroup& g : truths) {
      if (withhold(g)) {
        out.emplace_back(std::nullopt);
        continue;
      }
      std::vector<std::optional<double>> values;
      for (size_t i = 0; i < query.aggregates.size(); ++i) {
        const DpAggregate& a = query.aggregates[i];
        const DpAggregateTruth& t = g.aggregates[i];
        const auto n = static_cast<double>(t.count);
        if (a.value < 0) {
          values.push_back(n);
          continue;
        }
        const double unit = std::ldexp(1.0, ValueExponent(a.value) - kDpGridBits);
        const double sum = static_cast<double>(t.sum) * unit;
        const double squares = static_cast<double>(t.sum_squares) * unit * unit;
        switch (a.kind) {
          case DpAggregateKind::kSum:
            values.push_back(sum);
            break;
          case DpAggregateKind::kAvg:
            values.push_back(n > 0 ? std::optional<double>(sum / n) : std::nullopt);
            break;
          case DpAggregateKind::kStddevPop:
          case DpAggregateKind::kStddevSamp: {
            const bool pop = a.kind == DpAggregateKind::kStddevPop;
            if (n < (pop ? 1 : 2)) {
              values.push_back(std::nullopt);
              break;
            }
            const double variance = (squares - sum * sum / n) / (pop ? n : n - 1);
            values.push_back(std::sqrt(variance));
            break;
          }
          default:
            values.push_back(std::nullopt);
        }
      }
      for (std::optional<double>& v : values) {
        if (v.has_value()) v = adjust(*v);
      }
      out.emplace_back(std::move(values));
    }
    return out;
  }

 private:
  int ValueExponent(int value) const {
    return value < static_cast<int>(value_exponents.size()) ? value_exponents[value]
                                                            : kDpMaxValueExponent;
  }
};

// events and purchases protect their users (user_id); segments does not.
std::vector<TableSchema> Schemas() {
  return {
      {"events",
       {{"user_id", "VARCHAR"},
        {"kind", "VARCHAR"},
        {"amount", "INTEGER"},
        {"code", "VARCHAR"},
        {"score", "DOUBLE"}}},
      {"purchases", {{"user_id", "VARCHAR"}, {"item", "VARCHAR"}, {"price", "INTEGER"}}},
      {"segments", {{"user_id", "VARCHAR"}, {"segment", "VARCHAR"}}},
  };
}

std::vector<DpTable> DpTables() { return {{"events", "user_id"}, {"purchases", "user_id"}}; }

class DpQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = Engine::Open(EngineOptions{}).value().release();
    EngineOptions statements;
    statements.dp_in_memory = false;
    statements_engine_ = Engine::Open(statements).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete statements_engine_;
    statements_engine_ = nullptr;
  }

  // The engine ExecuteDp runs on.
  virtual Engine* engine() { return engine_; }

  static absl::StatusOr<DpQuery> Analyze(const std::string& sql,
                                         const std::vector<SqlParameter>& parameters = {}) {
    return engine_->AnalyzeDp(sql, Schemas(), parameters, DpTables());
  }

  // The refusal of `sql`, which must be kInvalidArgument.
  static std::string Refusal(const std::string& sql) {
    absl::StatusOr<DpQuery> q = Analyze(sql);
    EXPECT_FALSE(q.ok()) << sql;
    if (q.ok()) return "";
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << q.status();
    return std::string(q.status().message());
  }

  // The request running `sql` over the CSV rows (with a header) of each table.
  ExecuteRequest Request(const std::string& sql) {
    std::map<std::string, GrantedObject> objects;
    for (const TableSchema& t : Schemas()) {
      std::string& csv = csv_[t.name];
      if (csv.empty()) {
        for (size_t i = 0; i < t.columns.size(); ++i) csv += (i ? "," : "") + t.columns[i].name;
        csv += "\n";
      }
      objects[t.name + ".csv"] = StringGrantedObject(&csv);
    }
    grant_ = engine()->Grant(std::move(objects)).value();
    ExecuteRequest request;
    request.sql = sql;
    for (const TableSchema& t : Schemas()) {
      TableSource source;
      source.schema = t;
      source.file_columns = t.columns;
      source.urls = {grant_->Url(t.name + ".csv")};
      request.tables.push_back(std::move(source));
    }
    return request;
  }

  absl::StatusOr<DpRun> Run(const std::string& sql, FakeMechanism& mechanism) {
    absl::StatusOr<DpQuery> q = Analyze(sql);
    if (!q.ok()) return q.status();
    mechanism.query = *q;
    return engine()->ExecuteDp(Request(sql), DpTables(), mechanism);
  }

  // The released rows of `sql`, which must succeed.
  std::vector<Row> Rows(const std::string& sql, FakeMechanism& mechanism) {
    absl::StatusOr<DpRun> run = Run(sql, mechanism);
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return {};
    EXPECT_TRUE(run->rows.has_value());
    if (!run->rows.has_value()) return {};
    EXPECT_EQ(run->row_count, static_cast<int64_t>(run->rows->rows.size()));
    return run->rows->rows;
  }

  static Engine* engine_;
  static Engine* statements_engine_;        // EngineOptions::dp_in_memory false
  std::map<std::string, std::string> csv_;  // table -> CSV text, header first
  std::unique_ptr<ObjectGrant> grant_;
};

Engine* DpQueryTest::engine_ = nullptr;
Engine* DpQueryTest::statements_engine_ = nullptr;

// ExecuteDp, once bounding contributions in memory where the rows allow it (dp_bounding.h) and
// once with SQL statements only: both must give the same results.
class DpExecuteTest : public DpQueryTest, public ::testing::WithParamInterface<bool> {
 protected:
  Engine* engine() override { return GetParam() != other_ ? engine_ : statements_engine_; }
  bool other_ = false;  // run on the other engine
};

// ---------------------------------------------------------------------------------------------
// AnalyzeDp: refusals.

TEST_F(DpQueryTest, RefusesHaving) {
  EXPECT_EQ(
      Refusal("SELECT kind, COUNT(*) FROM events GROUP BY kind HAVING COUNT(*) > 1"),
      "differential privacy: HAVING is not supported: groups are released by the noise mechanism, "
      "which drops those with too few users (line 1, column 65)");
}

TEST_F(DpQueryTest, RefusesOtherAggregatesAndExpressionsInTheFinalSelect) {
  const std::string allowed =
      " is neither a GROUP BY key nor one of the aggregates differential privacy allows in the "
      "final "
      "SELECT: COUNT, COUNT(DISTINCT ...), SUM, AVG and STDDEV, each directly over a column or "
      "expression";
  EXPECT_EQ(Refusal("SELECT kind, MAX(amount) FROM events GROUP BY kind"),
            "differential privacy: output column max(amount)" + allowed + " (line 1, column 14)");
  EXPECT_EQ(Refusal("SELECT MEDIAN(amount) AS m FROM events"),
            "differential privacy: output column m" + allowed + " (line 1, column 8)");
  EXPECT_EQ(Refusal("SELECT SUM(amount) / COUNT(*) AS mean FROM events"),
            "differential privacy: output column mean" + allowed + " (line 1, column 20)");
  EXPECT_EQ(Refusal("SELECT COUNT(*) + 1 AS n FROM events"),
            "differential privacy: output column n" + allowed + " (line 1, column 17)");
  // An expression over a key is not the key.
  EXPECT_EQ(Refusal("SELECT kind, amount + 1 AS next, COUNT(*) FROM events GROUP BY kind, amount"),
            "differential privacy: output column next" + allowed + " (line 1, column 21)");
}

TEST_F(DpQueryTest, RefusesACteThatAggregatesAwayTheUserIdentifier) {
  EXPECT_EQ(Refusal("WITH t AS (SELECT kind, COUNT(*) AS n FROM events GROUP BY kind) "
                    "SELECT kind, SUM(n) FROM t GROUP BY kind"),
            "differential privacy: the final SELECT must aggregate user-level rows: its FROM must "
            "keep the "
            "user identifier column of the protected tables \"events\" (user_id), \"purchases\" "
            "(user_id), so "
            "select that column in every CTE and subquery it reads");
  // Renamed, it is no longer the user identifier either.
  EXPECT_THAT(Refusal("SELECT COUNT(*) FROM (SELECT user_id AS uid FROM events) t"),
              HasSubstr("the final SELECT must aggregate user-level rows"));
  // Nor is a table without differential privacy.
  EXPECT_THAT(Refusal("SELECT COUNT(*) FROM segments"),
              HasSubstr("the final SELECT must aggregate user-level rows"));
}

TEST_F(DpQueryTest, RefusesSubqueryExpressions) {
  const std::string message =
      "differential privacy: subqueries in expressions (IN (SELECT ...), EXISTS, scalar "
      "subqueries) are not supported, whether or not they read a protected table; join a CTE or "
      "a derived table instead";
  EXPECT_EQ(Refusal("SELECT COUNT(*) FROM events WHERE user_id IN (SELECT user_id FROM purchases)"),
            message);
  EXPECT_EQ(
      Refusal(
          "SELECT COUNT(*) FROM events e WHERE EXISTS (SELECT 1 FROM segments s WHERE s.user_id = "
          "e.user_id)"),
      message);
  EXPECT_EQ(Refusal("SELECT COUNT(*) FROM events WHERE amount > (SELECT 1)"), message);
}

TEST_F(DpQueryTest, RefusesGroupByAllAndGroupingSets) {
  EXPECT_EQ(Refusal("SELECT kind, COUNT(*) FROM events GROUP BY ALL"),
            "differential privacy: GROUP BY ALL is not supported: list the GROUP BY columns");
  const std::string sets =
      "differential privacy: GROUPING SETS, ROLLUP and CUBE are not supported: use one GROUP BY";
  EXPECT_EQ(Refusal("SELECT kind, code, COUNT(*) FROM events GROUP BY ROLLUP (kind, code)"), sets);
  EXPECT_EQ(Refusal("SELECT kind, code, COUNT(*) FROM events GROUP BY CUBE (kind, code)"), sets);
  EXPECT_EQ(Refusal("SELECT kind, COUNT(*) FROM events GROUP BY GROUPING SETS ((kind), ())"), sets);
}

TEST_F(DpQueryTest, RefusesDistinctStarAndOtherShapes) {
  EXPECT_EQ(Refusal("SELECT DISTINCT kind, COUNT(*) FROM events GROUP BY kind"),
            "differential privacy: SELECT DISTINCT is not supported in the final SELECT");
  EXPECT_EQ(Refusal("SELECT * FROM events"),
            "differential privacy: `*` is not supported in the final SELECT: name its columns");
  EXPECT_EQ(Refusal("SELECT COUNT(*) FROM events UNION ALL SELECT COUNT(*) FROM purchases"),
            "differential privacy: the query must end in one SELECT that aggregates; set "
            "operations (UNION, "
            "EXCEPT, INTERSECT) may be used only inside CTEs");
  EXPECT_EQ(Refusal("SELECT kind FROM events GROUP BY kind"),
            "differential privacy: the final SELECT must aggregate (COUNT, COUNT(DISTINCT ...), "
            "SUM, AVG or "
            "STDDEV): rows of protected tables are never listed");
  EXPECT_EQ(Refusal("SELECT SUM(DISTINCT amount) FROM events"),
            "differential privacy: sum(DISTINCT ...) is not supported; only COUNT may be DISTINCT "
            "(line 1, "
            "column 8)");
  EXPECT_EQ(Refusal("SELECT COUNT(*) FILTER (WHERE amount > 1) AS n FROM events"),
            "differential privacy: FILTER and ORDER BY inside count_star are not supported (line "
            "1, column 8)");
  EXPECT_EQ(
      Refusal("SELECT kind, COUNT(*) FROM events GROUP BY kind QUALIFY kind > 'a'"),
      "differential privacy: QUALIFY is not supported in the final SELECT (line 1, column 62)");
  EXPECT_EQ(Refusal("SELECT COUNT(*) FROM events LIMIT 10 % 3"),
            "differential privacy: LIMIT and OFFSET must be numbers (line 1, column 38)");
}

TEST_F(DpQueryTest, RefusesOrderByWhatIsNotOutput) {
  const std::string message =
      "differential privacy: ORDER BY must name output columns (by name, position or the same "
      "expression)";
  EXPECT_EQ(Refusal("SELECT kind, COUNT(*) FROM events GROUP BY kind ORDER BY SUM(amount)"),
            message + " (line 1, column 58)");
  EXPECT_EQ(Refusal("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind, code ORDER BY code"),
            message + " (line 1, column 69)");
}

// ---------------------------------------------------------------------------------------------
// AnalyzeDp: accepted queries.

TEST_F(DpQueryTest, DescribesOutputsKeysAndAggregates) {
  absl::StatusOr<DpQuery> q = Analyze(
      "SELECT kind, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, COUNT(code) AS codes, "
      "COUNT(DISTINCT code) AS distinct_codes, SUM(amount) AS total, AVG(amount) AS mean, "
      "STDDEV(amount) AS sd, "
      "STDDEV_POP(amount) AS sd_pop, SUM(amount * 2) AS twice FROM events GROUP BY kind");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->key_count, 1);
  ASSERT_EQ(q->outputs.size(), 10u);
  EXPECT_EQ(q->outputs[0].name, "kind");
  EXPECT_TRUE(q->outputs[0].is_key);
  EXPECT_EQ(q->outputs[0].index, 0);
  std::vector<std::string> names;
  for (size_t i = 1; i < q->outputs.size(); ++i) {
    EXPECT_FALSE(q->outputs[i].is_key);
    EXPECT_EQ(q->outputs[i].index, static_cast<int>(i - 1));
    names.push_back(q->outputs[i].name);
  }
  EXPECT_THAT(names, ElementsAre("n", "users", "codes", "distinct_codes", "total", "mean", "sd",
                                 "sd_pop", "twice"));
  ASSERT_EQ(q->aggregates.size(), 9u);
  using K = DpAggregateKind;
  const std::vector<K> kinds = {K::kCount,         K::kCountDistinct, K::kCount,
                                K::kCountDistinct, K::kSum,           K::kAvg,
                                K::kStddevSamp,    K::kStddevPop,     K::kSum};
  for (size_t i = 0; i < kinds.size(); ++i)
    EXPECT_EQ(q->aggregates[i].kind, kinds[i]) << "aggregate " << i;
  EXPECT_TRUE(q->aggregates[0].counts_rows);
  EXPECT_FALSE(q->aggregates[0].counts_users);
  EXPECT_TRUE(q->aggregates[1].counts_users);
  EXPECT_FALSE(q->aggregates[1].counts_rows);
  EXPECT_FALSE(q->aggregates[2].counts_rows);
  EXPECT_FALSE(q->aggregates[3].counts_users);  // distinct values, not users
  EXPECT_EQ(q->aggregates[1].expression, "count(DISTINCT user_id)");
  // SUM, AVG and STDDEV of amount share one value; amount * 2 is another.
  EXPECT_THAT(q->values, ElementsAre("amount", "(amount * 2)"));
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(q->aggregates[i].value, -1) << "aggregate " << i;
  for (size_t i = 4; i < 8; ++i) EXPECT_EQ(q->aggregates[i].value, 0) << "aggregate " << i;
  EXPECT_EQ(q->aggregates[8].value, 1);
  EXPECT_EQ(q->user_id, "events.user_id");
  // The rows: the final FROM selecting the user identifier, the keys, the values and the
  // arguments of the counts.
  ASSERT_EQ(q->rows.scans.size(), 1u);
  EXPECT_EQ(q->rows.scans[0].table, "events");
  std::vector<std::string> rows;
  for (const OutputColumn& c : q->rows.outputs) rows.push_back(ToString(c.expr, q->rows.scans));
  EXPECT_THAT(rows,
              ElementsAre("events.user_id", "events.kind", "events.amount", "*(events.amount, 2)",
                          "events.user_id", "events.code", "events.code"));
}

TEST_F(DpQueryTest, TheRowsShowWhatFeedsKeysAndValues) {
  // A window function that only feeds an aggregated value or a key is in the rows policies
  // check, not only what the user identifier depends on.
  absl::StatusOr<DpQuery> q = Analyze(
      "WITH r AS (SELECT user_id, kind, COUNT(*) OVER (PARTITION BY kind) AS n FROM events) "
      "SELECT kind, SUM(n) FROM r GROUP BY kind");
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->rows.outputs.size(), 3u);
  EXPECT_EQ(ToString(q->rows.outputs[0].expr, q->rows.scans), "events.user_id");
  EXPECT_EQ(q->rows.outputs[2].expr.kind, Expr::Kind::kWindow);
  q = Analyze(
      "WITH r AS (SELECT user_id, RANK() OVER (ORDER BY amount) AS rk FROM events) "
      "SELECT rk, COUNT(*) FROM r GROUP BY rk");
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->rows.outputs.size(), 2u);
  EXPECT_EQ(q->rows.outputs[1].expr.kind, Expr::Kind::kWindow);
}

TEST_F(DpQueryTest, KeysByPositionAliasAndExpression) {
  absl::StatusOr<DpQuery> q = Analyze(
      "SELECT COUNT(*) AS n, upper(kind) AS k, code FROM events e GROUP BY k, 3 ORDER BY k, 1 DESC "
      "LIMIT 5");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->key_count, 2);
  ASSERT_EQ(q->outputs.size(), 3u);
  EXPECT_FALSE(q->outputs[0].is_key);
  EXPECT_TRUE(q->outputs[1].is_key);
  EXPECT_EQ(q->outputs[1].index, 0);
  EXPECT_TRUE(q->outputs[2].is_key);
  EXPECT_EQ(q->outputs[2].index, 1);
  EXPECT_EQ(q->user_id, "e.user_id");
  // Without GROUP BY: no keys.
  q = Analyze("SELECT COUNT(DISTINCT user_id) AS users FROM events");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->key_count, 0);
  EXPECT_TRUE(q->aggregates[0].counts_users);
}

TEST_F(DpQueryTest, UserIdentifierThroughCtesDerivedTablesJoinsAndUnions) {
  struct Case {
    std::string sql;
    std::vector<std::string> scans;
  };
  const std::vector<Case> cases = {
      {"WITH t AS (SELECT user_id, amount FROM events WHERE kind = 'click') SELECT COUNT(*), "
       "SUM(amount) FROM t",
       {"events"}},
      {"SELECT COUNT(DISTINCT user_id) FROM (SELECT user_id, kind FROM events) d", {"events"}},
      {"WITH t AS (SELECT user_id, SUM(amount) AS total FROM events GROUP BY user_id) SELECT "
       "AVG(total) FROM t",
       {"events"}},
      {"WITH u AS (SELECT user_id, amount FROM events UNION ALL SELECT user_id, price FROM "
       "purchases) "
       "SELECT COUNT(*), SUM(amount) FROM u",
       {"events", "purchases"}},
      {"SELECT s.segment, COUNT(DISTINCT e.user_id) FROM events e JOIN segments s ON s.user_id = "
       "e.user_id "
       "GROUP BY s.segment",
       {"events", "segments"}},
      {"SELECT COUNT(*) FROM events e JOIN purchases p ON e.user_id = p.user_id",
       {"events", "purchases"}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DpQuery> q = Analyze(c.sql);
    ASSERT_TRUE(q.ok()) << c.sql << ": " << q.status();
    std::vector<std::string> scans;
    for (const Scan& s : q->rows.scans) scans.push_back(s.table);
    EXPECT_EQ(scans, c.scans) << c.sql;
  }
  // COUNT(DISTINCT user_id) through a CTE counts users.
  absl::StatusOr<DpQuery> q = Analyze(
      "WITH t AS (SELECT user_id, kind FROM events) SELECT kind, COUNT(DISTINCT user_id) FROM t "
      "GROUP BY kind");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->aggregates[0].counts_users);
  EXPECT_EQ(q->user_id, "t.user_id");
}

TEST_F(DpQueryTest, ParametersAreValues) {
  absl::StatusOr<DpQuery> q =
      Analyze("SELECT COUNT(*) FROM events WHERE amount > :min", {{"min", "INTEGER", "3"}});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->aggregates.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// ExecuteDp.

TEST_P(DpExecuteTest, RowsPerUserAreCappedAndRowsWithoutAUserDropped) {
  // u1 has 10 rows, u2 1, u3 3; two rows have no user.
  std::string& csv = csv_["events"];
  csv = "user_id,kind,amount,code,score\n";
  for (int i = 0; i < 10; ++i) csv += "u1,click,1,7,0\n";
  csv += "u2,click,1,7,0\nu3,view,1,7,0\nu3,view,1,7,0\nu3,view,1,7,0\n,view,1,7,0\n,view,1,7,0\n";
  FakeMechanism m;
  m.row_exponent = 1;  // at most 2 rows per user
  absl::StatusOr<DpRun> run =
      Run("SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM events", m);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->rows.has_value());
  EXPECT_THAT(run->rows->column_names, ElementsAre("n", "users"));
  // 2 + 1 + 2 rows; the rows without a user count for nothing.
  EXPECT_THAT(run->rows->rows, ElementsAre(Row{"5", "3"}));
  EXPECT_EQ(run->row_count, 1);
  EXPECT_EQ(run->row_exponent, 1);
  EXPECT_EQ(run->group_exponent, 0);
  EXPECT_TRUE(run->value_exponents.empty());
  // Users by ceil(log2(rows)): 1 row -> 0, 3 -> 2, 10 -> 4.
  EXPECT_EQ(m.users_by_rows, (std::vector<int64_t>{1, 0, 1, 0, 1, 0, 0, 0, 0}));
  EXPECT_FALSE(m.users_by_groups.has_value());  // no GROUP BY
  ASSERT_EQ(m.groups.size(), 1u);
  EXPECT_EQ(m.groups[0].users, 3);

  // With the largest limit every row counts.
  FakeMechanism all;
  EXPECT_THAT(Rows("SELECT COUNT(*) AS n FROM events", all), ElementsAre(Row{"14"}));
  // A user with more than 2^8 rows is in the last bin.
  csv = "user_id,kind,amount,code,score\n";
  for (int i = 0; i < 300; ++i) csv += "u1,click,1,7,0\n";
  FakeMechanism many;
  EXPECT_THAT(Rows("SELECT COUNT(*) AS n FROM events", many), ElementsAre(Row{"256"}));
  EXPECT_EQ(many.users_by_rows, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST_P(DpExecuteTest, GroupsPerUserAreCapped) {
  // u1 is in 3 groups (one row each), u2 and u3 in one.
  csv_["events"] =
      "user_id,kind,amount,code,score\n"
      "u1,click,1,7,0\nu1,view,1,7,0\nu1,buy,1,7,0\nu2,click,1,7,0\nu3,click,1,7,0\nu3,click,1,7,"
      "0\n";
  FakeMechanism m;
  m.group_exponent = 0;  // one group per user
  std::vector<Row> rows = Rows(
      "SELECT kind, COUNT(DISTINCT user_id) AS users, COUNT(*) AS n FROM events GROUP BY kind", m);
  // Users by ceil(log2(groups)): 1 group -> 0 (u2, u3), 3 -> 2 (u1).
  ASSERT_TRUE(m.users_by_groups.has_value());
  EXPECT_EQ(*m.users_by_groups, (std::vector<int64_t>{2, 0, 1, 0, 0, 0, 0, 0, 0}));
  // u1 kept one of its groups, chosen at random: 3 users and 4 rows in all.
  int64_t users = 0;
  int64_t n = 0;
  for (const DpGroup& g : m.groups) users += g.users;
  for (const Row& r : rows) n += std::stoll(*r[2]);
  EXPECT_EQ(users, 3);
  EXPECT_EQ(n, 4);
  EXPECT_EQ(m.groups.size(), rows.size());
  // click always has u2 and u3 (2 rows).
  bool found_click = false;
  for (const Row& r : rows) {
    if (r[0] == "click") {
      found_click = true;
      EXPECT_GE(std::stoll(*r[1]), 2);
      EXPECT_GE(std::stoll(*r[2]), 3);
    }
  }
  EXPECT_TRUE(found_click);

  // With 2 groups per user, u1 keeps two of its three: 4 users and 5 rows in all.
  FakeMechanism two;
  two.row_exponent = 2;
  two.group_exponent = 1;
  users = 0;
  n = 0;
  for (const Row& r : Rows(
           "SELECT kind, COUNT(DISTINCT user_id) AS users, COUNT(*) AS n FROM events GROUP BY kind",
           two)) {
    users += std::stoll(*r[1]);
    n += std::stoll(*r[2]);
  }
  EXPECT_EQ(users, 4);
  EXPECT_EQ(n, 5);

  // With 2^2 groups per user, u1 keeps all three.
  FakeMechanism wide;
  wide.row_exponent = 2;
  wide.group_exponent = 2;
  EXPECT_THAT(
      Rows("SELECT kind, COUNT(DISTINCT user_id) AS users FROM events GROUP BY kind ORDER BY kind",
           wide),
      ElementsAre(Row{"buy", "1"}, Row{"click", "3"}, Row{"view", "1"}));
}

TEST_P(DpExecuteTest, ValuesAreClampedToTheChosenBound) {
  // 1000 and -500 are beyond 2^3 = 8; 2 and 6 are within.
  csv_["events"] =
      "user_id,kind,amount,code,score\n"
      "u1,click,1000,7,0\nu2,click,2,7,0\nu3,click,-500,7,0\nu4,click,6,7,0\n";
  FakeMechanism m;
  m.row_exponent = 0;  // one row's worth per user: a user's sum is clamped to [-8, 8]
  m.value_exponents = {3};
  absl::StatusOr<DpRun> run =
      Run("SELECT SUM(amount) AS total, AVG(amount) AS mean, COUNT(amount) AS n FROM events", m);
  ASSERT_TRUE(run.ok()) << run.status();
  // 8 + 2 - 8 + 6, not 508.
  EXPECT_THAT(run->rows->rows, ElementsAre(Row{"8.0", "2.0", "4"}));
  EXPECT_EQ(run->value_exponents, (std::vector<int>{3}));
  ASSERT_EQ(m.groups.size(), 1u);
  // In grid units of 2^(3 - 12): 8 is 2^12.
  EXPECT_EQ(m.groups[0].aggregates[0].sum, 8 * 512);
  EXPECT_EQ(m.groups[0].aggregates[0].count, 4);
  // Users by ceil(log2(largest |value|)), from 2^-16: 2 -> 1, 6 -> 3, 500 -> 9, 1000 -> 10.
  std::vector<int64_t> expected(kDpMaxValueExponent - kDpMinValueExponent + 1, 0);
  for (int e : {1, 3, 9, 10}) expected[e - kDpMinValueExponent] = 1;
  EXPECT_EQ(m.users_by_magnitude[0], expected);

  // A user's largest |value| decides its bin; zero is in the first.
  csv_["events"] = "user_id,kind,amount,code,score\nu1,a,3,7,0\nu1,a,-9,7,0\nu2,a,0,7,0\n";
  FakeMechanism bins;
  bins.value_exponents = {4};
  EXPECT_THAT(Rows("SELECT SUM(amount) AS s FROM events", bins), ElementsAre(Row{"-6.0"}));
  std::vector<int64_t> expected_bins(expected.size(), 0);
  expected_bins[4 - kDpMinValueExponent] = 1;  // 9 -> 4
  expected_bins[0] = 1;                        // 0
  EXPECT_EQ(bins.users_by_magnitude[0], expected_bins);
}

TEST_P(DpExecuteTest, ValuesAreRoundedToTheGrid) {
  csv_["events"] = "user_id,kind,amount,code,score\nu1,a,1,7,1.3\nu2,a,1,7,-0.1\n";
  FakeMechanism m;
  m.row_exponent = 0;
  m.value_exponents = {1};  // B = 2, grid unit 2^-11
  std::vector<Row> rows = Rows("SELECT SUM(score) AS s, STDDEV_POP(score) AS d FROM events", m);
  ASSERT_EQ(m.groups.size(), 1u);
  // round(1.3 * 2^11) = round(2662.4) = 2662, round(-0.1 * 2^11) = round(-204.8) = -205.
  EXPECT_EQ(m.groups[0].aggregates[0].sum, 2662 - 205);
  EXPECT_EQ(m.groups[0].aggregates[1].sum, 2662 - 205);
  // Squares on the squared grid, for STDDEV only: round(1.69 * 2^22) = round(7088373.76) =
  // 7088374, round(0.01 * 2^22) = round(41943.04) = 41943.
  EXPECT_EQ(m.groups[0].aggregates[1].sum_squares, absl::int128{7088374} + 41943);
  EXPECT_EQ(m.groups[0].aggregates[0].sum_squares, 0);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::stod(*rows[0][0]), (2662 - 205) / 2048.0);

  // With B = 1, 1.3 is clamped to 1 first.
  FakeMechanism clamped;
  clamped.row_exponent = 0;
  clamped.value_exponents = {0};
  Rows("SELECT SUM(score) AS s FROM events", clamped);
  ASSERT_EQ(clamped.groups.size(), 1u);
  EXPECT_EQ(clamped.groups[0].aggregates[0].sum, 4096 - 410);
}

TEST_P(DpExecuteTest, AUsersSumIsScaledToItsRowLimitThenClamped) {
  // u1 has four rows in the group (sum 40); with 2 rows' worth it counts 2 rows and 20.
  csv_["events"] =
      "user_id,kind,amount,code,score\nu1,a,10,7,0\nu1,a,10,7,0\nu1,a,10,7,0\nu1,a,10,7,0\n"
      "u2,a,3,7,0\n";
  FakeMechanism m;
  m.row_exponent = 1;
  m.value_exponents = {4};  // B = 16: u1's scaled sum 20 is within 2 * 16
  std::vector<Row> rows =
      Rows("SELECT COUNT(*) AS n, SUM(amount) AS s, AVG(amount) AS a FROM events", m);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "3");
  EXPECT_EQ(rows[0][1], "23.0");
  EXPECT_DOUBLE_EQ(std::stod(*rows[0][2]), 23.0 / 3);
}

TEST_P(DpExecuteTest, StddevStatistics) {
  csv_["events"] =
      "user_id,kind,amount,code,score\nu1,a,1,7,0\nu2,a,3,7,0\nu3,a,5,7,0\nu4,a,7,7,0\n";
  FakeMechanism m;
  m.value_exponents = {3};
  std::vector<Row> rows =
      Rows("SELECT STDDEV_POP(amount) AS p, STDDEV_SAMP(amount) AS s FROM events", m);
  ASSERT_EQ(m.groups.size(), 1u);
  const absl::int128 unit = 512;  // 1 in grid units of 2^(3 - 12)
  EXPECT_EQ(m.groups[0].aggregates[0].count, 4);
  EXPECT_EQ(m.groups[0].aggregates[0].sum, 16 * unit);
  EXPECT_EQ(m.groups[0].aggregates[0].sum_squares, (1 + 9 + 25 + 49) * unit * unit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(std::stod(*rows[0][0]), std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(std::stod(*rows[0][1]), std::sqrt(20.0 / 3));
}

TEST_P(DpExecuteTest, ConversionErrorsBecomeNull) {
  // 'x' is not an integer: the query fails when run without differential privacy.
  csv_["events"] = "user_id,kind,amount,code,score\nu1,a,1,7,0\nu2,a,1,x,0\nu3,a,1,5,0\n";
  ExecuteRequest plain = Request("SELECT SUM(CAST(code AS INTEGER)) AS s FROM events");
  absl::StatusOr<ExecuteResult> failed = engine()->Execute(plain);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("conversion error"));

  FakeMechanism m;
  m.value_exponents = {4};
  EXPECT_THAT(
      Rows("SELECT SUM(CAST(code AS INTEGER)) AS s, COUNT(CAST(code AS INTEGER)) AS n FROM events",
           m),
      ElementsAre(Row{"12.0", "2"}));
  // In a CTE, a WHERE clause and a GROUP BY key of the final SELECT too.
  FakeMechanism cte;
  cte.value_exponents = {4};
  EXPECT_THAT(Rows("WITH t AS (SELECT user_id, CAST(code AS INTEGER) AS c FROM events) "
                   "SELECT SUM(c) AS s, COUNT(c) AS n, COUNT(*) AS rows FROM t",
                   cte),
              ElementsAre(Row{"12.0", "2", "3"}));
  FakeMechanism where;
  EXPECT_THAT(Rows("SELECT COUNT(*) AS n FROM events WHERE CAST(code AS INTEGER) > 0", where),
              ElementsAre(Row{"2"}));
  FakeMechanism key;
  EXPECT_THAT(Rows("SELECT CAST(code AS INTEGER) AS c, COUNT(*) AS n FROM events GROUP BY c ORDER "
                   "BY c NULLS LAST",
                   key),
              ElementsAre(Row{"5", "1"}, Row{"7", "1"}, Row{std::nullopt, "1"}));
}

TEST_P(DpExecuteTest, OrderByAndLimitApplyToTheReleasedRows) {
  csv_["events"] =
      "user_id,kind,amount,code,score\n"
      "u1,a,1,7,0\nu2,b,1,7,0\nu3,b,1,7,0\nu4,c,1,7,0\nu5,c,1,7,0\nu6,c,1,7,0\nu7,d,1,7,0\n";
  FakeMechanism by_count;
  EXPECT_THAT(
      Rows("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind LIMIT 3",
           by_count),
      ElementsAre(Row{"c", "3"}, Row{"b", "2"}, Row{"a", "1"}));
  FakeMechanism by_position;
  EXPECT_THAT(
      Rows("SELECT COUNT(*) AS n, kind FROM events GROUP BY kind ORDER BY 2 DESC LIMIT 2 OFFSET 1",
           by_position),
      ElementsAre(Row{"3", "c"}, Row{"2", "b"}));
  FakeMechanism by_expression;
  EXPECT_THAT(Rows("SELECT kind, COUNT(*) FROM events GROUP BY kind ORDER BY COUNT(*), kind DESC",
                   by_expression),
              ElementsAre(Row{"d", "1"}, Row{"a", "1"}, Row{"b", "2"}, Row{"c", "3"}));
  // Ordered by the released values, not the true ones: here every count is released as 10 - n.
  FakeMechanism adjusted;
  adjusted.adjust = [](double v) { return 10 - v; };
  EXPECT_THAT(
      Rows("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind LIMIT 2",
           adjusted),
      ElementsAre(Row{"a", "9"}, Row{"d", "9"}));
  // Withheld groups are not in the result.
  FakeMechanism withheld;
  withheld.withhold = [](const DpGroup& g) { return g.users < 2; };
  absl::StatusOr<DpRun> run =
      Run("SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY kind", withheld);
  ASSERT_TRUE(run.ok()) << run.status();
  // a and d (one user each) are withheld.
  EXPECT_THAT(run->rows->rows, ElementsAre(Row{"b", "2"}, Row{"c", "3"}));
  EXPECT_EQ(run->row_count, 2);
  EXPECT_EQ(withheld.groups.size(), 4u);
}

TEST_P(DpExecuteTest, JoinsAndCtesRunOverUserLevelRows) {
  csv_["events"] = "user_id,kind,amount,code,score\nu1,a,10,7,0\nu2,a,20,7,0\nu3,b,30,7,0\n";
  csv_["purchases"] = "user_id,item,price\nu1,x,5\nu1,y,6\nu3,z,7\n";
  csv_["segments"] = "user_id,segment\nu1,gold\nu2,gold\nu3,silver\n";
  FakeMechanism joined;
  joined.value_exponents = {5};
  EXPECT_THAT(Rows("SELECT s.segment, COUNT(*) AS n, SUM(e.amount) AS total FROM events e "
                   "JOIN segments s ON s.user_id = e.user_id GROUP BY s.segment ORDER BY s.segment",
                   joined),
              ElementsAre(Row{"gold", "2", "30.0"}, Row{"silver", "1", "30.0"}));
  FakeMechanism both;
  EXPECT_THAT(Rows("SELECT COUNT(*) AS n, COUNT(DISTINCT e.user_id) AS users FROM events e "
                   "JOIN purchases p ON e.user_id = p.user_id",
                   both),
              ElementsAre(Row{"3", "2"}));
  FakeMechanism unioned;
  unioned.value_exponents = {5};
  EXPECT_THAT(Rows("WITH u AS (SELECT user_id, amount AS v FROM events UNION ALL SELECT user_id, "
                   "price FROM purchases) "
                   "SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, SUM(v) AS total FROM u",
                   unioned),
              ElementsAre(Row{"6", "3", "78.0"}));
  // u1 has 3 rows in the union: the user-level histogram sees them together.
  EXPECT_EQ(unioned.users_by_rows, (std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0, 0}));
}

TEST_P(DpExecuteTest, BoundsInMemoryWhenTheRowsAllowIt) {
  csv_["events"] = "user_id,kind,amount,code,score\nu1,click,1,7,0.5\nu2,view,2,8,1.5\n";
  auto in_memory = [&](const std::string& sql) {
    FakeMechanism m;
    m.group_exponent = 2;
    absl::StatusOr<DpRun> run = Run(sql, m);
    EXPECT_TRUE(run.ok()) << sql << ": " << run.status();
    return run.ok() && run->bounded_in_memory;
  };
  EXPECT_EQ(in_memory("SELECT kind, COUNT(*) FROM events GROUP BY kind"), GetParam());
  EXPECT_EQ(in_memory("SELECT amount, kind, SUM(score), COUNT(code) FROM events GROUP BY 1, 2"),
            GetParam());
  EXPECT_EQ(in_memory("SELECT COUNT(DISTINCT user_id), AVG(amount) FROM events"), GetParam());
  // A DOUBLE key (where -0 = 0 though their bytes differ), and COUNT(DISTINCT) of another
  // column (which reads the rows twice), take the statements.
  EXPECT_FALSE(in_memory("SELECT score, COUNT(*) FROM events GROUP BY score"));
  // Times with time zones are equal across zones: 12:00+01 = 11:00+00.
  EXPECT_FALSE(in_memory(
      "SELECT CAST(kind || ':00:00+0' || code AS TIMETZ) AS t, COUNT(*) FROM events GROUP BY t"));
  EXPECT_FALSE(in_memory("SELECT kind, COUNT(DISTINCT code) FROM events GROUP BY kind"));
}

TEST_P(DpExecuteTest, ManyUsersAndGroupsGiveWhatTheStatementsGive) {
  // 3,000 users in up to 6 (kind, code) groups each, 1 to 5 rows per group; some kinds, amounts
  // and scores are NULL, some scores beyond the bound. Scores are multiples of 1/4, so every
  // sum is exact in any order.
  std::mt19937 random(7);
  std::string csv = "user_id,kind,amount,code,score\n";
  const char* kinds[] = {"click", "view", "buy", ""};
  for (int u = 0; u < 3000; ++u) {
    int groups = 1 + static_cast<int>(random() % 6);
    for (int g = 0; g < groups; ++g) {
      std::string kind = kinds[random() % 4];
      std::string code = std::to_string(random() % 3);
      int rows = 1 + static_cast<int>(random() % 5);
      for (int r = 0; r < rows; ++r) {
        std::string amount = random() % 7 == 0 ? "" : std::to_string(random() % 100);
        std::string score = random() % 5 == 0 ? "" : std::to_string((random() % 200) / 4.0);
        csv += StrCat("u", u, ",", kind, ",", amount, ",", code, ",", score, "\n");
      }
    }
  }
  csv_["events"] = csv;
  const std::string sql =
      "SELECT kind, code, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, COUNT(amount) AS c, "
      "SUM(amount) AS s, AVG(score) AS a, STDDEV(score) AS sd FROM events GROUP BY kind, code "
      "ORDER BY kind NULLS FIRST, code";
  // L = 8 groups per user keeps every group, so nothing is random.
  auto run = [&](bool other) {
    other_ = other;
    FakeMechanism m;
    m.row_exponent = 2;
    m.group_exponent = 3;
    m.value_exponents = {6, 4};
    std::vector<Row> rows = Rows(sql, m);
    other_ = false;
    return std::make_pair(rows, m.users_by_rows);
  };
  auto [mine, mine_by_rows] = run(false);
  auto [theirs, theirs_by_rows] = run(true);
  EXPECT_EQ(mine.size(), 12u);  // 4 kinds (one NULL) by 3 codes
  EXPECT_EQ(mine, theirs);
  EXPECT_EQ(mine_by_rows, theirs_by_rows);
}

TEST_P(DpExecuteTest, ExecuteDpRefusesWhatAnalyzeDpRefusesAndBadMechanisms) {
  FakeMechanism m;
  ExecuteRequest request = Request("SELECT kind, MAX(amount) FROM events GROUP BY kind");
  absl::StatusOr<DpRun> run = engine()->ExecuteDp(request, DpTables(), m);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(run.status().message(),
              HasSubstr("output column max(amount) is neither a GROUP BY key"));

  csv_["events"] = "user_id,kind,amount,code,score\nu1,a,1,7,0\n";
  FakeMechanism rows;
  rows.row_exponent = kDpMaxRowExponent + 1;
  run = Run("SELECT COUNT(*) FROM events", rows);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(run.status().message(), HasSubstr("the mechanism chose a row limit out of range"));
  FakeMechanism groups;
  groups.group_exponent = kDpMaxGroupExponent + 1;
  run = Run("SELECT kind, COUNT(*) FROM events GROUP BY kind", groups);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(run.status().message(), HasSubstr("the mechanism chose a group limit out of range"));
  FakeMechanism values;
  values.value_exponents = {kDpMaxValueExponent + 1};
  run = Run("SELECT SUM(amount) FROM events", values);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(run.status().message(), HasSubstr("the mechanism chose a value bound out of range"));
}

INSTANTIATE_TEST_SUITE_P(Bounding, DpExecuteTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "InMemory" : "Statements";
                         });

}  // namespace
}  // namespace cleanroom::engine
