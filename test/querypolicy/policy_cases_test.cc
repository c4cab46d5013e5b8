// Runs every case of test/policy_cases/*.json as its own test (format: README.md there): the
// query is resolved by the engine, checked by querypolicy::CheckQuery against the tables' rules
// and, if allowed, executed over the case's rows with the decision's output constraints.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
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
  std::string stage;  // where `status` came from: resolve, policy, grant or execute
  PolicyDecision decision;
  engine::QueryResult result;
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
