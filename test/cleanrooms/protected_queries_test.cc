// StartProtectedQuery, GetProtectedQuery, ListProtectedQueries and UpdateProtectedQuery, and
// the lifecycle of a query, with a fake runner behind the ProtectedQueryRunner seam.
#include <map>
#include <set>
#include <utility>
#include <variant>

#include "cleanrooms/cleanrooms_test_env.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::cleanrooms::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The collaboration every test starts from:
//  - A (querier) creates it with CAN_QUERY and CAN_RECEIVE_RESULTS, and associates "orders"
//    (CUSTOM rule, no collaboration rule);
//  - B (data owner, no abilities) associates "customers" (CUSTOM rule allowing A to query;
//    collaboration rule letting A and C receive results);
//  - C can receive results and has a default result configuration;
//  - E can receive results but has no default result configuration;
//  - D is not a member.
class ProtectedQueriesTest : public CleanRoomsTestEnv {
 protected:
  void SetUp() override {
    CleanRoomsTestEnv::SetUp();
    c_ = NewAccount("receiver");
    d_ = NewAccount("outsider");
    e_ = NewAccount("receiver2");
    StartService(&runner_);
    Reply r = Call(a_, "POST", "/collaborations",
                   {{"name", "pq"},
                    {"description", "protected queries"},
                    {"creatorMemberAbilities", {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}},
                    {"creatorDisplayName", "A"},
                    {"queryLogStatus", "DISABLED"},
                    {"members", Json::array({Member(b_, "B", Json::array()),
                                             Member(c_, "C", {"CAN_RECEIVE_RESULTS"}),
                                             Member(e_, "E", {"CAN_RECEIVE_RESULTS"})})}});
    ASSERT_TRUE(r.ok()) << r;
    collab_ = r.body["collaboration"]["id"];
    a_ms_ = Join(a_, collab_);
    b_ms_ = Join(b_, collab_);
    c_ms_ = Join(
        c_, collab_,
        {{"outputConfiguration",
          {{"s3",
            {{"resultFormat", "PARQUET"}, {"bucket", "c-results"}, {"keyPrefix", "from-a/"}}}}},
         {"roleArn", StrCat("arn:aws:iam::", c_, ":role/results")}});
    e_ms_ = Join(e_, collab_);
    customers_ = Associate(b_, b_ms_, "customers", Json::array({a_, c_}));
    orders_ = Associate(a_, a_ms_, "orders", Json());
  }

  static Json Member(const std::string& account, const std::string& name, Json abilities) {
    return {{"accountId", account}, {"memberAbilities", abilities}, {"displayName", name}};
  }

  std::string Join(const std::string& account, const std::string& collaboration,
                   Json default_result = Json()) {
    Json body = {{"collaborationIdentifier", collaboration}, {"queryLogStatus", "DISABLED"}};
    if (!default_result.is_null()) body["defaultResultConfiguration"] = default_result;
    Reply r = Call(account, "POST", "/memberships", body);
    EXPECT_TRUE(r.ok()) << r;
    return r.body["membership"].value("id", "");
  }

  // Associates a Glue table `name` of `account` (CUSTOM rule letting A run any query), with a
  // collaboration rule naming `receivers` unless null. Returns the association id.
  std::string Associate(const std::string& account, const std::string& membership,
                        const std::string& name, const Json& receivers) {
    MustCreateGlueTable(account, "db", name);
    std::string role = MustCreateReadRole(account, StrCat("read-", name));
    Reply table =
        Call(account, "POST", "/configuredTables",
             {{"name", name},
              {"tableReference", {{"glue", {{"tableName", name}, {"databaseName", "db"}}}}},
              {"allowedColumns", {"id", "region"}},
              {"analysisMethod", "DIRECT_QUERY"}});
    EXPECT_TRUE(table.ok()) << table;
    std::string table_id = table.body["configuredTable"].value("id", "");
    Reply rule =
        Call(account, "POST", StrCat("/configuredTables/", table_id, "/analysisRule"),
             {{"analysisRuleType", "CUSTOM"},
              {"analysisRulePolicy",
               {{"v1",
                 {{"custom",
                   {{"allowedAnalyses", {"ANY_QUERY"}}, {"allowedAnalysisProviders", {a_}}}}}}}}});
    EXPECT_TRUE(rule.ok()) << rule;
    Reply assoc =
        Call(account, "POST", StrCat("/memberships/", membership, "/configuredTableAssociations"),
             {{"name", name}, {"configuredTableIdentifier", table_id}, {"roleArn", role}});
    EXPECT_TRUE(assoc.ok()) << assoc;
    std::string id = assoc.body["configuredTableAssociation"].value("id", "");
    if (!receivers.is_null()) {
      Reply cta_rule = Call(
          account, "POST",
          StrCat("/memberships/", membership, "/configuredTableAssociations/", id, "/analysisRule"),
          {{"analysisRuleType", "CUSTOM"},
           {"analysisRulePolicy",
            {{"v1", {{"custom", {{"allowedResultReceivers", receivers}}}}}}}});
      EXPECT_TRUE(cta_rule.ok()) << cta_rule;
    }
    return id;
  }

  // A template of B's with parameters min_id (INTEGER, default 10) and region (VARCHAR, no
  // default). Returns its ARN.
  std::string CreateTemplate() {
    Reply r = Call(b_, "POST", StrCat("/memberships/", b_ms_, "/analysistemplates"),
                   {{"name", "by_region"},
                    {"format", "SQL"},
                    {"source",
                     {{"text",
                       "SELECT region, COUNT(*) FROM customers WHERE id > :min_id AND region = "
                       ":region GROUP BY region"}}},
                    {"analysisParameters",
                     {{{"name", "min_id"}, {"type", "INTEGER"}, {"defaultValue", "10"}},
                      {{"name", "region"}, {"type", "VARCHAR"}}}}});
    EXPECT_TRUE(r.ok()) << r;
    return r.body["analysisTemplate"].value("arn", "");
  }

  static Json S3Output(const std::string& bucket, const std::string& prefix = "out/") {
    return {{"outputConfiguration",
             {{"s3", {{"resultFormat", "CSV"}, {"bucket", bucket}, {"keyPrefix", prefix}}}}}};
  }

  static Json Sql(const std::string& text = "SELECT COUNT(*) FROM customers") {
    return {{"queryString", text}};
  }

  // StartProtectedQuery as `account` in `membership` (A's by default).
  Reply Start(const Json& sql_parameters, const Json& result_configuration = Json(),
              const std::string& account = "", const std::string& membership = "") {
    Json body = {{"type", "SQL"}, {"sqlParameters", sql_parameters}};
    if (!result_configuration.is_null()) body["resultConfiguration"] = result_configuration;
    return Call(
        account.empty() ? a_ : account, "POST",
        StrCat("/memberships/", membership.empty() ? a_ms_ : membership, "/protectedQueries"),
        body);
  }

  // Starts a query of A's writing to A's bucket; its id.
  std::string MustStart(const Json& sql_parameters = Sql()) {
    Reply r = Start(sql_parameters, S3Output("a-results"));
    EXPECT_TRUE(r.ok()) << r;
    return r.body["protectedQuery"].value("id", "");
  }

  // With a single worker kept busy: a running query, and one waiting for the worker.
  std::pair<std::string, std::string> RunningAndWaiting() {
    StartService(&runner_, {.workers = 1});
    runner_.Hold(true);
    std::string running = MustStart();
    EXPECT_TRUE(runner_.WaitForRuns(1));
    return {running, MustStart()};
  }

  Reply Get(const std::string& id, const std::string& account = "",
            const std::string& membership = "") {
    return Call(
        account.empty() ? a_ : account, "GET",
        StrCat("/memberships/", membership.empty() ? a_ms_ : membership, "/protectedQueries/", id));
  }

  Reply Cancel(const std::string& id) {
    return Call(a_, "PATCH", StrCat("/memberships/", a_ms_, "/protectedQueries/", id),
                {{"targetStatus", "CANCELLED"}});
  }

  // The query once every query has ended.
  Json Ended(const std::string& id) {
    service_->WaitForQueriesForTest();
    Reply r = Get(id);
    EXPECT_TRUE(r.ok()) << r;
    return r.body["protectedQuery"];
  }

  std::string StatusOf(const std::string& id) { return Get(id).body["protectedQuery"]["status"]; }

  Reply List(const std::string& query = "") {
    return Call(a_, "GET", StrCat("/memberships/", a_ms_, "/protectedQueries", query));
  }

  FakeQueryRunner runner_;
  std::string c_, d_, e_;  // a_ (querier) and b_ (data owner) come from IamTestEnv
  std::string collab_, a_ms_, b_ms_, c_ms_, e_ms_;
  std::string customers_, orders_;
};

// --- Lifecycle ---------------------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, StartAnswersSubmittedAndTheQueryEndsSuccess) {
  Reply r = Start(Sql(), S3Output("a-results"));
  ASSERT_TRUE(r.ok()) << r;
  const Json& q = r.body["protectedQuery"];
  EXPECT_EQ(q["status"], "SUBMITTED");
  EXPECT_EQ(q["membershipId"], a_ms_);
  EXPECT_EQ(q["membershipArn"], StrCat("arn:aws:cleanrooms:us-east-1:", a_, ":membership/", a_ms_));
  EXPECT_EQ(q["sqlParameters"], Sql());
  EXPECT_EQ(q["resultConfiguration"], S3Output("a-results"));
  EXPECT_EQ(q["createTime"], 1700000000);
  EXPECT_FALSE(q.contains("result"));
  std::string id = q["id"];
  EXPECT_TRUE(IsUuid(id));

  Json ended = Ended(id);
  EXPECT_EQ(ended["status"], "SUCCESS");
  EXPECT_EQ(ended["result"]["output"]["s3"]["location"],
            StrCat("s3://a-results/out/", id, "/result/part-0.csv"));
  EXPECT_GE(ended["statistics"]["totalDurationInMillis"].get<int64_t>(), 0);
  EXPECT_GE(ended["statistics"]["billedResourceUtilization"]["units"].get<double>(), 0.0);
  EXPECT_FALSE(ended.contains("error"));
  ASSERT_EQ(runner_.ran().size(), 1u);
  EXPECT_EQ(runner_.ran()[0].query_id, id);
}

TEST_F(ProtectedQueriesTest, QueryIsStartedWhileTheRunnerRuns) {
  runner_.Hold(true);
  std::string id = MustStart();
  ASSERT_TRUE(runner_.WaitForRuns(1));
  EXPECT_EQ(StatusOf(id), "STARTED");
  runner_.Release();
  EXPECT_EQ(Ended(id)["status"], "SUCCESS");
}

TEST_F(ProtectedQueriesTest, RunnerFailureEndsFailedWithItsMessage) {
  runner_.AddResult(absl::PermissionDeniedError("Role read-customers cannot read s3://data/x"));
  Json ended = Ended(MustStart());
  EXPECT_EQ(ended["status"], "FAILED");
  EXPECT_EQ(ended["error"]["code"], "ACCESS_DENIED");
  EXPECT_EQ(ended["error"]["message"], "Role read-customers cannot read s3://data/x");
  EXPECT_FALSE(ended.contains("result"));
}

TEST_F(ProtectedQueriesTest, RefusedCheckIsInvalidQueryAndStoresNothing) {
  runner_.FailCheck(absl::InvalidArgumentError(
      "Column 'id' of table customers cannot be selected (CUSTOM rule), at 1:8"));
  Reply r = Start(Sql("SELECT id FROM customers"), S3Output("a-results"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "ValidationException");
  EXPECT_EQ(r.body["reason"], "INVALID_QUERY");
  EXPECT_EQ(r.body["message"],
            "Column 'id' of table customers cannot be selected (CUSTOM rule), at 1:8");
  EXPECT_EQ(List().body["protectedQueries"], Json::array());
  EXPECT_TRUE(runner_.ran().empty());
}

TEST_F(ProtectedQueriesTest, WithoutARunnerStartIsNotImplemented) {
  StartService(nullptr);
  Reply r = Start(Sql(), S3Output("a-results"));
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.error_type, "NotImplementedException");
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("no"));
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("query engine"));
  EXPECT_EQ(List().body["protectedQueries"], Json::array());
  // The request is still checked first.
  EXPECT_EQ(Start(Sql()).status, 400);
}

TEST_F(ProtectedQueriesTest, CancellingARunningQuery) {
  runner_.Hold(true);
  runner_.IgnoreCancel(true);  // keeps running until released, as a slow engine would
  std::string id = MustStart();
  ASSERT_TRUE(runner_.WaitForRuns(1));
  Reply r = Cancel(id);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["protectedQuery"]["status"], "CANCELLING");
  ASSERT_TRUE(runner_.WaitForCancels(1));
  EXPECT_EQ(StatusOf(id), "CANCELLING");
  runner_.Release();
  Json ended = Ended(id);
  EXPECT_EQ(ended["status"], "CANCELLED");
  EXPECT_FALSE(ended.contains("error"));
  EXPECT_FALSE(ended.contains("result"));
}

TEST_F(ProtectedQueriesTest, CancellingAWaitingQueryEndsItAtOnce) {
  auto [running, waiting] = RunningAndWaiting();
  EXPECT_EQ(StatusOf(waiting), "SUBMITTED");
  Reply r = Cancel(waiting);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["protectedQuery"]["status"], "CANCELLED");
  runner_.Release();
  EXPECT_EQ(Ended(running)["status"], "SUCCESS");
  EXPECT_EQ(Ended(waiting)["status"], "CANCELLED");
  EXPECT_EQ(runner_.ran().size(), 1u);  // the cancelled query never ran
}

TEST_F(ProtectedQueriesTest, CancelIsIdempotentAndAnEndedQueryCannotBeCancelled) {
  std::string done = MustStart();
  EXPECT_EQ(Ended(done)["status"], "SUCCESS");
  Reply conflict = Cancel(done);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.error_type, "ConflictException");
  EXPECT_EQ(conflict.body["reason"], "INVALID_STATE");
  EXPECT_THAT(conflict.body["message"].get<std::string>(), HasSubstr("SUCCESS"));

  runner_.Hold(true);
  std::string id = MustStart();
  ASSERT_TRUE(runner_.WaitForRuns(2));
  ASSERT_TRUE(Cancel(id).ok());
  EXPECT_EQ(Ended(id)["status"], "CANCELLED");
  Reply again = Cancel(id);
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(again.body["protectedQuery"]["status"], "CANCELLED");
}

TEST_F(ProtectedQueriesTest, AQueryRunningPastTheTimeoutEndsTimedOut) {
  StartService(&runner_, {.timeout = std::chrono::milliseconds(30)});
  runner_.Hold(true);  // runs until cancelled
  Json ended = Ended(MustStart());
  EXPECT_EQ(ended["status"], "TIMED_OUT");
  EXPECT_EQ(ended["error"]["code"], "QUERY_TIMED_OUT");
  EXPECT_THAT(ended["error"]["message"].get<std::string>(), HasSubstr("30 ms"));
  EXPECT_EQ(runner_.WaitForCancels(1), true);
}

TEST_F(ProtectedQueriesTest, ShutdownEndsRunningAndWaitingQueries) {
  auto [running, waiting] = RunningAndWaiting();
  service_->Shutdown();
  Json r = Get(running).body["protectedQuery"];
  EXPECT_EQ(r["status"], "FAILED");
  EXPECT_EQ(r["error"]["code"], "SERVER_SHUTDOWN");
  EXPECT_THAT(r["error"]["message"].get<std::string>(), HasSubstr("while the query was running"));
  Json w = Get(waiting).body["protectedQuery"];
  EXPECT_EQ(w["status"], "FAILED");
  EXPECT_THAT(w["error"]["message"].get<std::string>(), HasSubstr("before the query started"));
  EXPECT_FALSE(Start(Sql(), S3Output("a-results")).ok());
}

TEST_F(ProtectedQueriesTest, ARestartEndsWhatThePreviousProcessLeftUnfinished) {
  std::string done = MustStart();
  ASSERT_EQ(Ended(done)["status"], "SUCCESS");
  // What a crash would leave behind: queries recorded SUBMITTED, STARTED and CANCELLING.
  std::map<std::string, std::string> left;  // id -> status
  ASSERT_TRUE(resources_
                  ->Write([&](ResourceStore::Tx& tx) -> absl::Status {
                    ASSIGN_OR_RETURN(std::optional<Resource> q, tx.Get(kProtectedQuery, done));
                    for (const char* status : {"SUBMITTED", "STARTED", "CANCELLING"}) {
                      Resource copy = *q;
                      copy.id = NewUuid();
                      copy.status = status;
                      copy.doc.erase("result");
                      copy.doc.erase("statistics");
                      left[copy.id] = status;
                      RETURN_IF_ERROR(tx.Put(copy));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  StartService(&runner_);
  EXPECT_EQ(recovered_, 3);
  for (const auto& [id, before] : left) {
    Json q = Get(id).body["protectedQuery"];
    if (before == "CANCELLING") {
      EXPECT_EQ(q["status"], "CANCELLED");
      EXPECT_FALSE(q.contains("error"));
    } else {
      EXPECT_EQ(q["status"], "FAILED") << before;
      EXPECT_EQ(q["error"]["code"], "SERVER_RESTARTED");
      EXPECT_THAT(q["error"]["message"].get<std::string>(), HasSubstr(before));
    }
  }
  EXPECT_EQ(StatusOf(done), "SUCCESS");
  EXPECT_TRUE(runner_.ran().size() == 1u);  // nothing was run again
}

TEST_F(ProtectedQueriesTest, TooManyQueriesInFlightIsServiceQuotaExceeded) {
  StartService(&runner_, {.workers = 1, .max_in_flight = 1});
  runner_.Hold(true);
  std::string first = MustStart();
  Reply r = Start(Sql(), S3Output("a-results"));
  EXPECT_EQ(r.status, 402);
  EXPECT_EQ(r.error_type, "ServiceQuotaExceededException");
  EXPECT_EQ(r.body["quotaValue"], 1);
  EXPECT_EQ(List().body["protectedQueries"].size(), 1u);
  runner_.Release();
  EXPECT_EQ(Ended(first)["status"], "SUCCESS");
}

// --- What the runner is given ------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, TheRunnerGetsEveryTableWithItsRulesAndTheDestinations) {
  std::string id = MustStart(Sql("SELECT COUNT(*) FROM customers JOIN orders ON true"));
  std::vector<ProtectedQueryRequest> checked = runner_.checked();
  ASSERT_EQ(checked.size(), 1u);
  const ProtectedQueryRequest& req = checked[0];
  EXPECT_EQ(req.query_id, id);
  EXPECT_EQ(req.collaboration_id, collab_);
  EXPECT_EQ(req.membership_id, a_ms_);
  EXPECT_EQ(req.querier_account_id, a_);
  EXPECT_EQ(req.region, "us-east-1");
  EXPECT_EQ(req.sql, "SELECT COUNT(*) FROM customers JOIN orders ON true");
  EXPECT_FALSE(req.analysis_template_arn.has_value());
  EXPECT_TRUE(req.parameters.empty());

  ASSERT_EQ(req.tables.size(), 2u);
  const QueryTable& customers = req.tables[0];
  EXPECT_EQ(customers.name, "customers");
  EXPECT_EQ(customers.association_id, customers_);
  EXPECT_EQ(customers.association_arn, StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":membership/",
                                              b_ms_, "/configuredtableassociation/", customers_));
  EXPECT_EQ(customers.owner_account_id, b_);
  EXPECT_EQ(customers.role_arn, StrCat("arn:aws:iam::", b_, ":role/read-customers"));
  EXPECT_EQ(customers.region, "us-east-1");
  EXPECT_EQ(customers.glue_database, "db");
  EXPECT_EQ(customers.glue_table, "customers");
  EXPECT_THAT(customers.allowed_columns, ElementsAre("id", "region"));
  ASSERT_EQ(customers.table_rules.size(), 1u);
  const auto* custom = std::get_if<rules::CustomRule>(&customers.table_rules[0]);
  ASSERT_NE(custom, nullptr);
  EXPECT_TRUE(custom->AllowsAnyQuery());
  EXPECT_TRUE(custom->IsAnalysisProvider(a_));
  ASSERT_EQ(customers.association_rules.size(), 1u);
  EXPECT_EQ(customers.association_rules[0].type, rules::RuleType::kCustom);
  EXPECT_THAT(customers.association_rules[0].ResultReceivers(), ElementsAre(a_, c_));

  const QueryTable& orders = req.tables[1];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_EQ(orders.owner_account_id, a_);
  EXPECT_EQ(orders.table_rules.size(), 1u);
  EXPECT_TRUE(orders.association_rules.empty());

  ASSERT_EQ(req.destinations.size(), 1u);
  const ResultDestination& d = req.destinations[0];
  EXPECT_EQ(d.account_id, a_);
  EXPECT_EQ(d.bucket, "a-results");
  EXPECT_EQ(d.key_prefix, "out/");
  EXPECT_EQ(d.format, "CSV");
  EXPECT_FALSE(d.single_file);
  EXPECT_EQ(d.role_arn, "");  // A's membership has no default result configuration

  // What ran is what was checked.
  service_->WaitForQueriesForTest();
  ASSERT_EQ(runner_.ran().size(), 1u);
  EXPECT_EQ(runner_.ran()[0].tables.size(), 2u);
  EXPECT_EQ(runner_.ran()[0].sql, req.sql);
}

TEST_F(ProtectedQueriesTest, TablesOfMembersNoLongerActiveAreNotOffered) {
  ASSERT_TRUE(Call(a_, "DELETE", StrCat("/collaborations/", collab_, "/member/", b_)).ok());
  MustStart();
  ASSERT_EQ(runner_.checked().size(), 1u);
  ASSERT_EQ(runner_.checked()[0].tables.size(), 1u);
  EXPECT_EQ(runner_.checked()[0].tables[0].name, "orders");
}

// --- Analysis templates ------------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, ATemplateRunsWithGivenValuesAndDefaults) {
  std::string arn = CreateTemplate();
  Json sql = {{"analysisTemplateArn", arn}, {"parameters", {{"region", "west"}}}};
  Reply r = Start(sql, S3Output("a-results"));
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["protectedQuery"]["sqlParameters"], sql);  // as given
  ASSERT_EQ(runner_.checked().size(), 1u);
  std::vector<ProtectedQueryRequest> checked = runner_.checked();
  const ProtectedQueryRequest& req = checked[0];
  EXPECT_EQ(req.analysis_template_arn, arn);
  EXPECT_THAT(req.sql, HasSubstr("WHERE id > :min_id AND region = :region"));
  ASSERT_EQ(req.parameters.size(), 2u);
  EXPECT_EQ(req.parameters[0].name, "min_id");
  EXPECT_EQ(req.parameters[0].type, "INTEGER");
  EXPECT_EQ(req.parameters[0].value, "10");  // the default
  EXPECT_EQ(req.parameters[1].name, "region");
  EXPECT_EQ(req.parameters[1].type, "VARCHAR");
  EXPECT_EQ(req.parameters[1].value, "west");

  ASSERT_TRUE(
      Start({{"analysisTemplateArn", arn}, {"parameters", {{"region", "east"}, {"min_id", "99"}}}},
            S3Output("a-results"))
          .ok());
  EXPECT_EQ(runner_.checked()[1].parameters[0].value, "99");
}

TEST_F(ProtectedQueriesTest, TemplateParametersAreChecked) {
  std::string arn = CreateTemplate();
  struct Case {
    Json parameters;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {Json::object(), "Parameter 'region' of analysis template by_region has no default"},
           {{{"region", "w"}, {"bogus", "1"}}, "declares no parameter 'bogus'"},
           {{{"region", "w"}, {"min_id", "ten"}},
            "The value of parameter 'min_id' is not a valid INTEGER"}}) {
    Reply r =
        Start({{"analysisTemplateArn", arn}, {"parameters", c.parameters}}, S3Output("a-results"));
    EXPECT_EQ(r.status, 400) << c.parameters;
    EXPECT_EQ(r.error_type, "ValidationException");
    EXPECT_EQ(r.body["reason"], "FIELD_VALIDATION_FAILED");
    EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr(c.message));
  }
  EXPECT_TRUE(runner_.checked().empty());
  EXPECT_EQ(List().body["protectedQueries"], Json::array());
}

TEST_F(ProtectedQueriesTest, SqlParametersNeedExactlyOneOfQueryStringAndTemplate) {
  std::string arn = CreateTemplate();
  for (const Json& sql :
       {Json::object(), Json{{"queryString", "SELECT 1"}, {"analysisTemplateArn", arn}},
        Json{{"queryString", "SELECT 1"}, {"parameters", {{"x", "1"}}}},
        Json{{"queryString", "  "}}}) {
    Reply r = Start(sql, S3Output("a-results"));
    EXPECT_EQ(r.status, 400) << sql;
    EXPECT_EQ(r.error_type, "ValidationException") << sql;
  }
  EXPECT_TRUE(runner_.checked().empty());
}

TEST_F(ProtectedQueriesTest, ATemplateOfAnotherCollaborationIsNotFound) {
  std::string arn = CreateTemplate();
  std::string other = arn.substr(0, arn.rfind('/') + 1) + NewUuid();
  Reply r = Start({{"analysisTemplateArn", other}, {"parameters", {{"region", "w"}}}},
                  S3Output("a-results"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_type, "ResourceNotFoundException");
}

// --- Result configuration ----------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, WithoutAResultConfigurationOrADefaultStartIsRefused) {
  Reply r = Start(Sql());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "ValidationException");
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("--result-configuration"));
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("default result configuration"));
}

TEST_F(ProtectedQueriesTest, TheMembershipDefaultIsUsedAndItsRoleAlways) {
  Json output = S3Output("a-default", "d/")["outputConfiguration"];
  std::string role = StrCat("arn:aws:iam::", a_, ":role/results");
  ASSERT_TRUE(
      Call(a_, "PATCH", StrCat("/memberships/", a_ms_),
           {{"defaultResultConfiguration", {{"outputConfiguration", output}, {"roleArn", role}}}})
          .ok());
  Reply r = Start(Sql());
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["protectedQuery"]["resultConfiguration"],
            Json({{"outputConfiguration", output}}));
  ASSERT_TRUE(Start(Sql(), S3Output("a-other")).ok());
  std::vector<ProtectedQueryRequest> checked = runner_.checked();
  ASSERT_EQ(checked.size(), 2u);
  EXPECT_EQ(checked[0].destinations[0].bucket, "a-default");
  EXPECT_EQ(checked[0].destinations[0].key_prefix, "d/");
  EXPECT_EQ(checked[0].destinations[0].role_arn, role);
  EXPECT_EQ(checked[1].destinations[0].bucket, "a-other");  // the request wins
  EXPECT_EQ(checked[1].destinations[0].role_arn, role);
  std::string id = r.body["protectedQuery"]["id"];
  EXPECT_EQ(Ended(id)["result"]["output"]["s3"]["location"],
            StrCat("s3://a-default/d/", id, "/result/part-0.csv"));
}

TEST_F(ProtectedQueriesTest, MemberOutputGoesWhereTheReceiverSaid) {
  Json member = {{"outputConfiguration", {{"member", {{"accountId", c_}}}}}};
  Reply r = Start(Sql(), member);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["protectedQuery"]["resultConfiguration"], member);
  std::vector<ProtectedQueryRequest> checked = runner_.checked();
  ASSERT_EQ(checked.size(), 1u);
  ASSERT_EQ(checked[0].destinations.size(), 1u);
  const ResultDestination& d = checked[0].destinations[0];
  EXPECT_EQ(d.account_id, c_);
  EXPECT_EQ(d.bucket, "c-results");
  EXPECT_EQ(d.key_prefix, "from-a/");
  EXPECT_EQ(d.format, "PARQUET");
  EXPECT_EQ(d.role_arn, StrCat("arn:aws:iam::", c_, ":role/results"));
  std::string id = r.body["protectedQuery"]["id"];
  Json receiver = {{"accountId", c_}};
  EXPECT_EQ(Ended(id)["result"]["output"], Json({{"memberList", Json::array({receiver})}}));
  Json summary = List().body["protectedQueries"][0];
  EXPECT_EQ(summary["receiverConfigurations"],
            Json::parse(StrCat(R"([{"analysisType": "DIRECT_ANALYSIS", "configurationDetails":
                {"directAnalysisConfigurationDetails": {"receiverAccountIds": [")",
                               c_, R"("]}}}])")));
}

TEST_F(ProtectedQueriesTest, MemberOutputNeedsAnActiveReceiverWithADefault) {
  struct Case {
    std::string account;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{{b_, "CAN_RECEIVE_RESULTS"},
                                         {d_, "not an active member"},
                                         {e_, "no default result configuration"}}) {
    Reply r = Start(Sql(), {{"outputConfiguration", {{"member", {{"accountId", c.account}}}}}});
    EXPECT_EQ(r.status, 400) << c.message;
    EXPECT_EQ(r.error_type, "ValidationException");
    EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr(c.message));
    EXPECT_EQ(r.body["fieldList"][0]["name"],
              "resultConfiguration.outputConfiguration.member.accountId");
  }
  EXPECT_TRUE(runner_.checked().empty());
}

TEST_F(ProtectedQueriesTest, DistributeOutputIsRefused) {
  Json location = {{"member", {{"accountId", c_}}}};
  Reply r = Start(
      Sql(), {{"outputConfiguration", {{"distribute", {{"locations", Json::array({location})}}}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_type, "ValidationException");
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("distribute"));
}

// --- Abilities and visibility ------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, OnlyAMemberThatCanQueryStartsQueries) {
  Reply r = Start(Sql(), S3Output("b-results"), b_, b_ms_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_type, "AccessDeniedException");
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("CAN_QUERY"));
  // Another account's membership does not exist for the caller.
  EXPECT_EQ(Start(Sql(), S3Output("d-results"), d_, a_ms_).status, 404);
}

TEST_F(ProtectedQueriesTest, AQuerierThatCannotReceiveResultsCannotWriteThemToS3) {
  Reply created = Call(a_, "POST", "/collaborations",
                       {{"name", "no-results"},
                        {"description", "d"},
                        {"creatorMemberAbilities", {"CAN_QUERY"}},
                        {"creatorDisplayName", "A"},
                        {"queryLogStatus", "DISABLED"},
                        {"members", Json::array({Member(c_, "C", {"CAN_RECEIVE_RESULTS"})})}});
  ASSERT_TRUE(created.ok()) << created;
  std::string ms = Join(a_, created.body["collaboration"]["id"]);
  Reply r = Start(Sql(), S3Output("a-results"), a_, ms);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_type, "AccessDeniedException");
  EXPECT_THAT(r.body["message"].get<std::string>(), HasSubstr("CAN_RECEIVE_RESULTS"));
}

TEST_F(ProtectedQueriesTest, QueriesAreVisibleToTheQuerierOnly) {
  std::string id = MustStart();
  service_->WaitForQueriesForTest();
  for (const std::string& other : {b_, d_}) {
    EXPECT_EQ(Get(id, other).status, 404);  // A's membership is not theirs
    Reply r = Call(other, "GET", StrCat("/memberships/", a_ms_, "/protectedQueries"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(Call(other, "PATCH", StrCat("/memberships/", a_ms_, "/protectedQueries/", id),
                   {{"targetStatus", "CANCELLED"}})
                  .status,
              404);
  }
  Reply through_own = Get(id, b_, b_ms_);
  EXPECT_EQ(through_own.status, 404);
  EXPECT_EQ(through_own.error_type, "ResourceNotFoundException");
  EXPECT_EQ(through_own.body["resourceId"], id);
  EXPECT_EQ(Get(NewUuid()).status, 404);
  EXPECT_EQ(Call(b_, "GET", StrCat("/memberships/", b_ms_, "/protectedQueries")).body,
            Json({{"protectedQueries", Json::array()}}));
}

TEST_F(ProtectedQueriesTest, StartAndCancelAreInTheQueriersAuditTrailOnly) {
  runner_.Hold(true);
  std::string id = MustStart();
  ASSERT_TRUE(Cancel(id).ok());
  auto operations = [&](const std::string& account) {
    std::vector<std::string> ops;
    Reply r = Call(account, "GET", StrCat("/collaborations/", collab_, "/events"));
    EXPECT_TRUE(r.ok()) << r;
    for (const Json& e : r.body["events"]) {
      if (e["resourceType"] == "PROTECTED_QUERY") ops.push_back(e["operation"]);
    }
    return ops;
  };
  EXPECT_THAT(operations(a_), ElementsAre("StartProtectedQuery", "UpdateProtectedQuery"));
  EXPECT_TRUE(operations(b_).empty());
  runner_.Hold(false);
}

// --- Listing -----------------------------------------------------------------------------------

TEST_F(ProtectedQueriesTest, ListFiltersByStatusAndPages) {
  std::set<std::string> ids;
  runner_.AddResult(QueryOutcome{{"customers"}, {"s3://a-results/x"}, 1});
  runner_.AddResult(absl::InternalError("disk full"));
  for (int i = 0; i < 5; ++i) {
    ids.insert(MustStart());
    service_->WaitForQueriesForTest();  // ends in order, so the second one fails
  }
  Reply failed = List("?status=FAILED");
  ASSERT_TRUE(failed.ok()) << failed;
  ASSERT_EQ(failed.body["protectedQueries"].size(), 1u);
  EXPECT_EQ(failed.body["protectedQueries"][0]["status"], "FAILED");
  EXPECT_EQ(List("?status=SUCCESS").body["protectedQueries"].size(), 4u);
  EXPECT_EQ(List("?status=STARTED").body["protectedQueries"].size(), 0u);

  std::vector<std::string> seen;
  std::string query = "?maxResults=2";
  for (int pages = 0; pages < 10; ++pages) {
    Reply page = List(query);
    ASSERT_TRUE(page.ok()) << page;
    EXPECT_LE(page.body["protectedQueries"].size(), 2u);
    for (const Json& q : page.body["protectedQueries"]) {
      seen.push_back(q["id"]);
      EXPECT_EQ(q["receiverConfigurations"][0]["configurationDetails"]
                 ["directAnalysisConfigurationDetails"]["receiverAccountIds"],
                Json::array({a_}));
    }
    if (!page.body.contains("nextToken")) break;
    query =
        StrCat("?maxResults=2&nextToken=", UriEncode(page.body["nextToken"].get<std::string>()));
  }
  // Newest first; these share a creation time, so by id, descending.
  std::vector<std::string> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace cleanroom::cleanrooms::testing
