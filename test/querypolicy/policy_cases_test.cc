// Runs every case of test/policy_cases/*.json as its own test (format: README.md there): the
// query is resolved by the engine, checked by querypolicy::CheckQuery against the tables' rules
// and, if allowed, executed over the case's rows with the decision's output constraints. A query
// that reads a table with differential privacy is also checked by Engine::AnalyzeDp and
// querypolicy::CheckDifferentialPrivacy, and runs with Engine::ExecuteDp.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/strings.h"
#include "engine/engine.h"
#include "engine/string_object.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "querypolicy/policy_case.h"
#include "querypolicy/query_policy.h"

#ifndef CLEANROOM_POLICY_CASES_DIR
#error "CLEANROOM_POLICY_CASES_DIR must name the directory of the case files"
#endif

namespace cleanroom::querypolicy::testing {
namespace {

using ::testing::HasSubstr;

// What running a case produced: a refusal or failure, or the decision and the rows.
struct Outcome {
  absl::Status status;
  // Where `status` came from: resolve, policy, differential privacy (AnalyzeDp and
  // CheckDifferentialPrivacy), grant or execute.
  std::string stage;
  PolicyDecision decision;
  std::optional<engine::DpQuery> dp;  // queries that run with differential privacy
  engine::QueryResult result;
};

// AWS's name of the aggregation type of `a` (the privacy budget's names).
std::string AggregationName(const engine::DpAggregate& a) {
  switch (a.kind) {
    case engine::DpAggregateKind::kCount:
      return "COUNT";
    case engine::DpAggregateKind::kCountDistinct:
      return "COUNT_DISTINCT";
    case engine::DpAggregateKind::kSum:
      return "SUM";
    case engine::DpAggregateKind::kAvg:
      return "AVG";
    case engine::DpAggregateKind::kStddevSamp:
    case engine::DpAggregateKind::kStddevPop:
      return "STDDEV";
  }
  return "?";
}

// Stands in for the noise mechanism (dp::QueryMechanism) when a case runs with differential
// privacy: the largest row and group limits, value bounds just above the largest value, every
// group released with its true bounded statistics. The cases check that such queries are
// accepted and run, never their values, which the real mechanism makes noisy.
class NoiselessMechanism final : public engine::DpMechanism {
 public:
  explicit NoiselessMechanism(const engine::DpQuery& query)
      : query_(query), value_exponents_(query.values.size(), engine::kDpMinValueExponent) {}

  absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>&) override {
    return engine::kDpMaxRowExponent;
  }
  absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>&) override {
    return engine::kDpMaxRowExponent;
  }
  absl::StatusOr<int> ChooseValueExponent(int value, const std::vector<int64_t>& users) override {
    int bin = 0;
    for (size_t b = 0; b < users.size(); ++b) {
      if (users[b] > 0) bin = static_cast<int>(b);
    }
    value_exponents_[value] = engine::kDpMinValueExponent + bin;
    return value_exponents_[value];
  }
  absl::StatusOr<std::vector<std::optional<std::vector<std::optional<double>>>>> Release(
      const std::vector<engine::DpGroup>& groups) override {
    std::vector<std::optional<std::vector<std::optional<double>>>> out;
    for (const engine::DpGroup& g : groups) {
      std::vector<std::optional<double>> values;
      for (size_t i = 0; i < query_.aggregates.size(); ++i) {
        const engine::DpAggregate& a = query_.aggregates[i];
        const auto n = static_cast<double>(g.aggregates[i].count);
        if (a.value < 0) {
          values.push_back(n);
          continue;
        }
        const double unit = std::ldexp(1.0, value_exponents_[a.value] - engine::kDpGridBits);
        const double sum = static_cast<double>(g.aggregates[i].sum) * unit;
        if (a.kind == engine::DpAggregateKind::kSum) {
          values.push_back(sum);
        } else if (a.kind == engine::DpAggregateKind::kAvg && n > 0) {
          values.push_back(sum / n);
        } else {
          values.push_back(std::nullopt);  // STDDEV: not needed to show that the query runs
        }
      }
      out.emplace_back(std::move(values));
    }
    return out;
  }

 private:
  const engine::DpQuery& query_;
  std::vector<int> value_exponents_;
};

std::string Render(const std::vector<Row>& rows) {
  std::ostringstream out;
  for (const Row& row : rows) {
    out << "\n  [";
    for (size_t i = 0; i < row.size(); ++i) {
      out << (i ? ", " : "") << (row[i] ? StrCat("\"", *row[i], "\"") : "null");
    }
    out << "]";
  }
  return rows.empty() ? " (no rows)" : out.str();
}

class PolicyCaseTest : public ::testing::TestWithParam<PolicyCase> {
 protected:
  static void SetUpTestSuite() {
    engine_ = engine::Engine::Open(engine::EngineOptions{}).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  static Outcome Run(const PolicyCase& c) {
    Outcome out;
    std::vector<engine::TableSchema> schemas;
    PolicyRequest request;
    request.sql = c.sql;
    request.querier_account_id = c.querier;
    request.analysis_template_arn = c.analysis_template_arn;
    request.receiver_account_ids = c.receivers;
    for (const CaseTable& t : *c.tables) {
      schemas.push_back(t.schema);
      request.tables.push_back(t.policy);
    }
    auto resolved = engine_->Resolve(c.sql, schemas, c.parameters);
    if (!resolved.ok()) return Failed(std::move(out), "resolve", resolved.status());
    auto decision = CheckQuery(*resolved, request);
    if (!decision.ok()) return Failed(std::move(out), "policy", decision.status());
    out.decision = *std::move(decision);
    std::vector<engine::DpTable> dp_tables;
    if (!out.decision.differential_privacy.empty()) {
      // As the protected query engine checks a query with differential privacy.
      for (const DpColumn& c : out.decision.differential_privacy) {
        dp_tables.push_back({c.table, c.user_id_column});
      }
      auto dp = engine_->AnalyzeDp(c.sql, schemas, c.parameters, dp_tables);
      if (!dp.ok()) return Failed(std::move(out), "differential privacy", dp.status());
      absl::Status checked =
          CheckDifferentialPrivacy(dp->rows, out.decision.differential_privacy, c.sql);
      if (!checked.ok()) return Failed(std::move(out), "differential privacy", checked);
      out.dp = *std::move(dp);
    }

    std::map<std::string, engine::GrantedObject> objects;
    for (const CaseTable& t : *c.tables) {
      objects[StrCat(t.schema.name, ".csv")] = engine::StringGrantedObject(&t.csv);
    }
    auto grant = engine_->Grant(std::move(objects));
    if (!grant.ok()) return Failed(std::move(out), "grant", grant.status());
    engine::ExecuteRequest execute;
    execute.sql = c.sql;
    execute.parameters = c.parameters;
    for (const CaseTable& t : *c.tables) {
      engine::TableSource source;
      source.schema = t.schema;
      source.file_columns = t.file_columns;
      source.urls = {(*grant)->Url(StrCat(t.schema.name, ".csv"))};
      execute.tables.push_back(std::move(source));
    }
    for (const OutputConstraint& constraint : out.decision.output_constraints) {
      execute.thresholds.push_back({constraint.table, constraint.column, constraint.minimum});
    }
    if (out.dp) {
      NoiselessMechanism mechanism(*out.dp);
      auto run = engine_->ExecuteDp(execute, dp_tables, mechanism);
      if (!run.ok()) return Failed(std::move(out), "execute", run.status());
      out.result = *std::move(run->rows);
      return out;
    }
    auto executed = engine_->Execute(execute);
    if (!executed.ok()) return Failed(std::move(out), "execute", executed.status());
    out.result = *std::move(executed->rows);
    return out;
  }

  static Outcome Failed(Outcome out, const std::string& stage, const absl::Status& status) {
    out.stage = stage;
    out.status = status;
    return out;
  }

  static engine::Engine* engine_;
};

engine::Engine* PolicyCaseTest::engine_ = nullptr;

// The directory of the case files: $CLEANROOM_POLICY_CASES_DIR when set (to try cases out without
// rebuilding), otherwise test/policy_cases of the source tree.
std::string CasesDirectory() {
  const char* dir = std::getenv("CLEANROOM_POLICY_CASES_DIR");
  return dir != nullptr && *dir != '\0' ? dir : CLEANROOM_POLICY_CASES_DIR;
}

TEST_P(PolicyCaseTest, Verdict) {
  const PolicyCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  Outcome out = Run(c);
  if (c.error) {
    ASSERT_FALSE(out.status.ok()) << "the query was allowed ("
                                  << rules::RuleTypeName(out.decision.rule_type) << ") and returned"
                                  << Render(out.result.rows) << "\nbut a refusal containing \""
                                  << *c.error << "\" was expected";
    EXPECT_EQ(out.status.code(), absl::StatusCode::kInvalidArgument)
        << out.stage << ": " << out.status;
    EXPECT_THAT(std::string(out.status.message()), HasSubstr(*c.error))
        << "refused at " << out.stage;
    return;
  }
  ASSERT_TRUE(out.status.ok()) << "refused at " << out.stage << ": " << out.status;
  if (c.rule_type) {
    EXPECT_EQ(rules::RuleTypeName(out.decision.rule_type), rules::RuleTypeName(*c.rule_type));
  }
  if (c.columns) {
    EXPECT_EQ(out.result.column_names, *c.columns);
  }
  if (c.dp_aggregates) {
    ASSERT_TRUE(out.dp.has_value())
        << "the query ran without differential privacy and returned" << Render(out.result.rows)
        << "\nbut differential privacy was expected";
    std::vector<std::string> aggregates;
    for (const engine::DpAggregate& a : out.dp->aggregates)
      aggregates.push_back(AggregationName(a));
    EXPECT_EQ(aggregates, *c.dp_aggregates);
    return;
  }
  ASSERT_FALSE(out.dp.has_value())
      << "the query runs with differential privacy, so its results are noisy: expect "
         "{\"differential_privacy\": {\"aggregates\": [...]}} instead of rows";
  std::vector<Row> actual = out.result.rows;
  std::vector<Row> expected = c.rows;
  if (!c.ordered) {
    std::sort(actual.begin(), actual.end());
    std::sort(expected.begin(), expected.end());
  }
  EXPECT_EQ(actual, expected) << "rows returned:" << Render(out.result.rows)
                              << "\nrows expected:" << Render(c.rows)
                              << (c.ordered ? "" : "\n(compared as multisets)");
}

INSTANTIATE_TEST_SUITE_P(PolicyCases, PolicyCaseTest,
                         ::testing::ValuesIn(LoadPolicyCases(CasesDirectory())),
                         [](const ::testing::TestParamInfo<PolicyCase>& info) {
                           return TestName(info.param);
                         });

}  // namespace
}  // namespace cleanroom::querypolicy::testing
