// Privacy budget templates, privacy budgets and PreviewPrivacyImpact, and the differential
// privacy checks made when tables are associated and their rules written.
#include <string>

#include "cleanrooms/budget_ledger.h"
#include "cleanrooms/cleanrooms_test_env.h"
#include "dp/accounting.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::cleanrooms::testing {
namespace {

using ::testing::HasSubstr;

// The collaboration every test starts from:
//  - A creates it and can query and receive results;
//  - B and C contribute data (no abilities);
//  - E is invited but has not joined; D is not a member.
class PrivacyBudgetsTest : public CleanRoomsTestEnv {
 protected:
  void SetUp() override {
    CleanRoomsTestEnv::SetUp();
    c_ = NewAccount("provider2");
    d_ = NewAccount("outsider");
    e_ = NewAccount("invited");
    StartService(nullptr);
    Reply r = Call(a_, "POST", "/collaborations",
                   {{"name", "dp"},
                    {"description", "differential privacy"},
                    {"creatorMemberAbilities", {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}},
                    {"creatorDisplayName", "A"},
                    {"queryLogStatus", "DISABLED"},
                    {"members", Json::array({Member(b_, "B"), Member(c_, "C"), Member(e_, "E")})}});
    ASSERT_TRUE(r.ok()) << r;
    collab_ = r.body["collaboration"]["id"];
    a_ms_ = Join(a_);
    b_ms_ = Join(b_);
    c_ms_ = Join(c_);
  }

  static Json Member(const std::string& account, const std::string& name) {
    return {{"accountId", account}, {"memberAbilities", Json::array()}, {"displayName", name}};
  }

  std::string Join(const std::string& account) {
    Reply r = Call(account, "POST", "/memberships",
                   {{"collaborationIdentifier", collab_}, {"queryLogStatus", "DISABLED"}});
    EXPECT_TRUE(r.ok()) << r;
    return r.body["membership"].value("id", "");
  }

  static Json DpParameters(int epsilon, int noise) {
    return {{"differentialPrivacy", {{"epsilon", epsilon}, {"usersNoisePerQuery", noise}}}};
  }

  Reply CreateTemplate(const std::string& account, const std::string& membership, int epsilon,
                       int noise, Json extra = Json::object()) {
    Json body = {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"},
                 {"parameters", DpParameters(epsilon, noise)}};
    body.update(extra);
    return Call(account, "POST", StrCat("/memberships/", membership, "/privacybudgettemplates"),
                body);
  }

  std::string MustCreateTemplate(int epsilon = 2, int noise = 10, Json extra = Json::object()) {
    Reply r = CreateTemplate(b_, b_ms_, epsilon, noise, std::move(extra));
    EXPECT_TRUE(r.ok()) << r;
    return r.body["privacyBudgetTemplate"].value("id", "");
  }

  std::string TemplatePath(const std::string& membership, const std::string& id = "") {
    std::string path = StrCat("/memberships/", membership, "/privacybudgettemplates");
    return id.empty() ? path : StrCat(path, "/", id);
  }

  Reply ListBudgets(const std::string& account, const std::string& membership,
                    const std::string& query = "privacyBudgetType=DIFFERENTIAL_PRIVACY") {
    return Call(account, "GET", StrCat("/memberships/", membership, "/privacybudgets?", query));
  }

  Reply ListCollaborationBudgets(const std::string& account) {
    return Call(account, "GET",
                StrCat("/collaborations/", collab_,
                       "/privacybudgets?privacyBudgetType=DIFFERENTIAL_PRIVACY"));
  }

  Reply Preview(const std::string& account, const std::string& membership, int epsilon, int noise) {
    return Call(account, "POST", StrCat("/memberships/", membership, "/previewprivacyimpact"),
                {{"parameters", DpParameters(epsilon, noise)}});
  }

  // {type: {maxCount, remainingCount}} of a budget's aggregations.
  static std::map<std::string, std::pair<int64_t, int64_t>> Counts(const Json& budget) {
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    for (const Json& a : budget["budget"]["differentialPrivacy"]["aggregations"]) {
      out[a["type"]] = {a["maxCount"], a.value("remainingCount", int64_t{-1})};
    }
    return out;
  }

  // A Glue table `name` of `account`, configured with a CUSTOM rule letting A query, with
  // differential privacy on `dp_column` unless empty. Returns the configured table id.
  std::string ConfiguredTable(const std::string& account, const std::string& name,
                              const std::string& dp_column) {
    MustCreateGlueTable(account, "db", name);
    Reply table =
        Call(account, "POST", "/configuredTables",
             {{"name", name},
              {"tableReference", {{"glue", {{"tableName", name}, {"databaseName", "db"}}}}},
              {"allowedColumns", {"id", "region"}},
              {"analysisMethod", "DIRECT_QUERY"}});
    EXPECT_TRUE(table.ok()) << table;
    std::string id = table.body["configuredTable"].value("id", "");
    Reply rule =
        Call(account, "POST", StrCat("/configuredTables/", id, "/analysisRule"),
             {{"analysisRuleType", "CUSTOM"}, {"analysisRulePolicy", CustomPolicy(dp_column)}});
    EXPECT_TRUE(rule.ok()) << rule;
    return id;
  }

  Json CustomPolicy(const std::string& dp_column) {
    Json custom = {{"allowedAnalyses", {"ANY_QUERY"}}, {"allowedAnalysisProviders", {a_}}};
    if (!dp_column.empty()) {
      custom["differentialPrivacy"] = {{"columns", {{{"name", dp_column}}}}};
    }
    return {{"v1", {{"custom", custom}}}};
  }

  Reply Associate(const std::string& account, const std::string& membership,
                  const std::string& name, const std::string& table_id) {
    std::string role = MustCreateReadRole(account, StrCat("read-", name));
    return Call(account, "POST",
                StrCat("/memberships/", membership, "/configuredTableAssociations"),
                {{"name", name}, {"configuredTableIdentifier", table_id}, {"roleArn", role}});
  }

  static void ExpectValidation(const Reply& r, const std::string& field,
                               const std::string& message_part) {
    EXPECT_EQ(r.status, 400) << r;
    EXPECT_EQ(r.error_type, "ValidationException") << r;
    EXPECT_THAT(r.body.value("message", ""), HasSubstr(message_part)) << r;
    ASSERT_TRUE(r.body.contains("fieldList")) << r;
    EXPECT_THAT(r.body["fieldList"][0].value("name", ""), HasSubstr(field)) << r;
  }

  static std::string Encode(const std::string& arn) {
    std::string out;
    for (char ch : arn) {
      if (ch == ':') {
        out += "%3A";
      } else if (ch == '/') {
        out += "%2F";
      } else {
        out += ch;
      }
    }
    return out;
  }

  std::string c_, d_, e_;
  std::string collab_, a_ms_, b_ms_, c_ms_;
};

TEST_F(PrivacyBudgetsTest, CreateGetListUpdateAndDelete) {
  Reply created = CreateTemplate(b_, b_ms_, 2, 10,
                                 {{"autoRefresh", "CALENDAR_MONTH"}, {"tags", {{"team", "dp"}}}});
  ASSERT_TRUE(created.ok()) << created;
  Json t = created.body["privacyBudgetTemplate"];
  std::string id = t["id"];
  EXPECT_EQ(t["arn"], StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":privacybudgettemplate/", id));
  EXPECT_EQ(t["membershipId"], b_ms_);
  EXPECT_EQ(t["membershipArn"], StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":membership/", b_ms_));
  EXPECT_EQ(t["collaborationId"], collab_);
  EXPECT_EQ(t["privacyBudgetType"], "DIFFERENTIAL_PRIVACY");
  EXPECT_EQ(t["autoRefresh"], "CALENDAR_MONTH");
  EXPECT_EQ(t["parameters"], DpParameters(2, 10));

  Reply got = Call(b_, "GET", TemplatePath(b_ms_, id));
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.body["privacyBudgetTemplate"], t);
  Reply listed = Call(b_, "GET", TemplatePath(b_ms_));
  ASSERT_TRUE(listed.ok()) << listed;
  ASSERT_EQ(listed.body["privacyBudgetTemplateSummaries"].size(), 1u);
  EXPECT_EQ(listed.body["privacyBudgetTemplateSummaries"][0]["id"], id);
  EXPECT_FALSE(listed.body["privacyBudgetTemplateSummaries"][0].contains("parameters"));

  Reply tags = Call(b_, "GET", StrCat("/tags/", Encode(t["arn"])));
  ASSERT_TRUE(tags.ok()) << tags;
  EXPECT_EQ(tags.body["tags"], Json({{"team", "dp"}}));

  clock_.SetMicros(clock_.NowMicros() + 5000000);
  Reply updated = Call(b_, "PATCH", TemplatePath(b_ms_, id),
                       {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"},
                        {"parameters", {{"differentialPrivacy", {{"epsilon", 5}}}}}});
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.body["privacyBudgetTemplate"]["parameters"], DpParameters(5, 10));
  EXPECT_EQ(updated.body["privacyBudgetTemplate"]["autoRefresh"], "CALENDAR_MONTH");
  EXPECT_GT(updated.body["privacyBudgetTemplate"]["updateTime"].get<double>(),
            updated.body["privacyBudgetTemplate"]["createTime"].get<double>());

  Reply deleted = Call(b_, "DELETE", TemplatePath(b_ms_, id));
  EXPECT_EQ(deleted.status, 204) << deleted;
  Reply gone = Call(b_, "GET", TemplatePath(b_ms_, id));
  EXPECT_EQ(gone.error_type, "ResourceNotFoundException") << gone;
  EXPECT_EQ(Call(b_, "GET", TemplatePath(b_ms_)).body["privacyBudgetTemplateSummaries"].size(), 0u);
  EXPECT_EQ(Call(b_, "DELETE", TemplatePath(b_ms_, id)).error_type, "ResourceNotFoundException");

  // Every change is in the collaboration's audit trail, which A reads too.
  Reply events = Call(a_, "GET", StrCat("/collaborations/", collab_, "/events"));
  ASSERT_TRUE(events.ok()) << events;
  std::vector<std::string> operations;
  for (const Json& e : events.body["events"]) {
    if (e["resourceType"] == "PRIVACY_BUDGET_TEMPLATE") operations.push_back(e["operation"]);
  }
  EXPECT_EQ(operations,
            (std::vector<std::string>{"CreatePrivacyBudgetTemplate", "UpdatePrivacyBudgetTemplate",
                                      "DeletePrivacyBudgetTemplate"}));
}

TEST_F(PrivacyBudgetsTest, AutoRefreshDefaultsToNone) {
  Reply r = CreateTemplate(b_, b_ms_, 1, 10);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.body["privacyBudgetTemplate"]["autoRefresh"], "NONE");
}

TEST_F(PrivacyBudgetsTest, OnlyAMemberThatNeitherQueriesNorReceivesResultsCreatesIt) {
  Reply r = CreateTemplate(a_, a_ms_, 2, 10);
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(r.error_type, "AccessDeniedException");
  EXPECT_THAT(r.body.value("message", ""), HasSubstr("CAN_QUERY"));
  // Another account's membership does not exist for the caller.
  Reply other = CreateTemplate(d_, b_ms_, 2, 10);
  EXPECT_EQ(other.error_type, "ResourceNotFoundException") << other;
}

TEST_F(PrivacyBudgetsTest, ACollaborationHasOneTemplate) {
  std::string id = MustCreateTemplate();
  for (const auto& [account, membership] : {std::pair{b_, b_ms_}, {c_, c_ms_}}) {
    Reply second = CreateTemplate(account, membership, 3, 20);
    EXPECT_EQ(second.status, 409) << second;
    EXPECT_EQ(second.error_type, "ConflictException");
    EXPECT_EQ(second.body.value("reason", ""), "ALREADY_EXISTS");
    EXPECT_THAT(second.body.value("message", ""), HasSubstr(id));
    EXPECT_THAT(second.body.value("message", ""), HasSubstr("UpdatePrivacyBudgetTemplate"));
  }
}

TEST_F(PrivacyBudgetsTest, RangesAndTypesAreChecked) {
  for (auto [epsilon, noise, field] : {std::tuple{0, 10, "epsilon"},
                                       {21, 10, "epsilon"},
                                       {5, 9, "usersNoisePerQuery"},
                                       {5, 101, "usersNoisePerQuery"}}) {
    Reply r = CreateTemplate(b_, b_ms_, epsilon, noise);
    EXPECT_EQ(r.error_type, "ValidationException") << r;
    EXPECT_THAT(r.body.dump(), HasSubstr(field)) << r;
  }
  Reply access =
      Call(b_, "POST", TemplatePath(b_ms_),
           {{"privacyBudgetType", "ACCESS_BUDGET"}, {"parameters", DpParameters(2, 10)}});
  ExpectValidation(access, "privacyBudgetType", "not offered");
  Reply access_params =
      Call(b_, "POST", TemplatePath(b_ms_),
           {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"},
            {"parameters",
             {{"accessBudget",
               {{"budgetParameters", {{{"type", "LIFETIME"}, {"budget", 10}}}},
                {"resourceArn", StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":membership/", b_ms_,
                                       "/configuredtableassociation/", b_ms_)}}}}}});
  ExpectValidation(access_params, "parameters.accessBudget", "not offered");
  Reply refresh = CreateTemplate(b_, b_ms_, 2, 10, {{"autoRefresh", "WEEKLY"}});
  EXPECT_EQ(refresh.error_type, "ValidationException") << refresh;
  // Nothing was created.
  EXPECT_EQ(Call(b_, "GET", TemplatePath(b_ms_)).body["privacyBudgetTemplateSummaries"].size(), 0u);

  std::string id = MustCreateTemplate();
  Reply too_big = Call(b_, "PATCH", TemplatePath(b_ms_, id),
                       {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"},
                        {"parameters", {{"differentialPrivacy", {{"epsilon", 25}}}}}});
  EXPECT_EQ(too_big.error_type, "ValidationException") << too_big;
  Reply wrong_type = Call(b_, "PATCH", TemplatePath(b_ms_, id),
                          {{"privacyBudgetType", "ACCESS_BUDGET"},
                           {"parameters", {{"differentialPrivacy", {{"epsilon", 3}}}}}});
  ExpectValidation(wrong_type, "privacyBudgetType", "not offered");
  EXPECT_EQ(Call(b_, "GET", TemplatePath(b_ms_, id)).body["privacyBudgetTemplate"]["parameters"],
            DpParameters(2, 10));
}

TEST_F(PrivacyBudgetsTest, WhoSeesTheTemplate) {
  std::string id = MustCreateTemplate();
  // The membership operations show only the caller's own templates.
  EXPECT_EQ(Call(a_, "GET", TemplatePath(a_ms_)).body["privacyBudgetTemplateSummaries"].size(), 0u);
  EXPECT_EQ(Call(a_, "GET", TemplatePath(a_ms_, id)).error_type, "ResourceNotFoundException");
  EXPECT_EQ(Call(a_, "GET", TemplatePath(b_ms_, id)).error_type, "ResourceNotFoundException");
  EXPECT_EQ(Call(c_, "DELETE", TemplatePath(c_ms_, id)).error_type, "ResourceNotFoundException");
  Reply foreign_update =
      Call(c_, "PATCH", TemplatePath(c_ms_, id),
           {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"}, {"parameters", DpParameters(20, 100)}});
  EXPECT_EQ(foreign_update.error_type, "ResourceNotFoundException") << foreign_update;
  // Every ACTIVE member sees it through the collaboration.
  for (const std::string& account : {a_, b_, c_}) {
    Reply got =
        Call(account, "GET", StrCat("/collaborations/", collab_, "/privacybudgettemplates/", id));
    ASSERT_TRUE(got.ok()) << got;
    Json t = got.body["collaborationPrivacyBudgetTemplate"];
    EXPECT_EQ(t["creatorAccountId"], b_);
    EXPECT_EQ(t["parameters"], DpParameters(2, 10));
    EXPECT_FALSE(t.contains("membershipId"));
    Reply listed =
        Call(account, "GET", StrCat("/collaborations/", collab_, "/privacybudgettemplates"));
    ASSERT_TRUE(listed.ok()) << listed;
    ASSERT_EQ(listed.body["collaborationPrivacyBudgetTemplateSummaries"].size(), 1u);
    EXPECT_EQ(listed.body["collaborationPrivacyBudgetTemplateSummaries"][0]["id"], id);
  }
  // A non-member learns nothing, not even that the collaboration exists.
  for (const std::string& path :
       {StrCat("/collaborations/", collab_, "/privacybudgettemplates/", id),
        StrCat("/collaborations/", collab_, "/privacybudgettemplates"),
        StrCat("/collaborations/", collab_,
               "/privacybudgets?privacyBudgetType=DIFFERENTIAL_PRIVACY")}) {
    Reply r = Call(d_, "GET", path);
    EXPECT_EQ(r.status, 404) << path << " " << r;
    EXPECT_EQ(r.body.value("resourceType", ""), "COLLABORATION") << r;
  }
  EXPECT_EQ(ListBudgets(d_, b_ms_).body.value("resourceType", ""), "MEMBERSHIP");
  EXPECT_EQ(Preview(d_, b_ms_, 1, 10).body.value("resourceType", ""), "MEMBERSHIP");
  // An invited member must join first.
  EXPECT_EQ(
      Call(e_, "GET", StrCat("/collaborations/", collab_, "/privacybudgettemplates")).error_type,
      "AccessDeniedException");
  // Tags are the creator's business.
  std::string arn = StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":privacybudgettemplate/", id);
  EXPECT_EQ(Call(a_, "GET", StrCat("/tags/", Encode(arn))).error_type, "AccessDeniedException");
}

TEST_F(PrivacyBudgetsTest, BudgetsReportMaxAndRemainingCounts) {
  // No template, no budget.
  EXPECT_EQ(ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"].size(), 0u);
  EXPECT_EQ(ListCollaborationBudgets(a_).body["collaborationPrivacyBudgetSummaries"].size(), 0u);

  std::string id = MustCreateTemplate(2, 10);  // 17 units
  Reply preview = Preview(a_, a_ms_, 2, 10);
  ASSERT_TRUE(preview.ok()) << preview;
  Json aggregations = preview.body["privacyImpact"]["differentialPrivacy"]["aggregations"];
  ASSERT_EQ(aggregations.size(), 5u);
  std::vector<std::string> types;
  for (const Json& a : aggregations) types.push_back(a["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"AVG", "COUNT", "COUNT_DISTINCT", "SUM", "STDDEV"}));

  for (const std::string& account : {a_, b_, c_}) {
    Reply budgets = ListBudgets(account, account == a_ ? a_ms_ : account == b_ ? b_ms_ : c_ms_);
    ASSERT_TRUE(budgets.ok()) << budgets;
    ASSERT_EQ(budgets.body["privacyBudgetSummaries"].size(), 1u);
    Json b = budgets.body["privacyBudgetSummaries"][0];
    EXPECT_EQ(b["privacyBudgetTemplateId"], id);
    EXPECT_EQ(b["membershipId"], b_ms_);  // the member that created the template
    EXPECT_EQ(b["type"], "DIFFERENTIAL_PRIVACY");
    EXPECT_EQ(b["budget"]["differentialPrivacy"]["epsilon"], 2);
    for (const Json& a : aggregations) {
      EXPECT_EQ(Counts(b)[a["type"]],
                std::make_pair(a["maxCount"].get<int64_t>(), a["maxCount"].get<int64_t>()));
    }
  }
  std::map<std::string, std::pair<int64_t, int64_t>> full = {{"AVG", {8, 8}},
                                                             {"COUNT", {17, 17}},
                                                             {"COUNT_DISTINCT", {17, 17}},
                                                             {"SUM", {17, 17}},
                                                             {"STDDEV", {5, 5}}};
  Reply collab_budgets = ListCollaborationBudgets(c_);
  ASSERT_TRUE(collab_budgets.ok()) << collab_budgets;
  Json cb = collab_budgets.body["collaborationPrivacyBudgetSummaries"][0];
  EXPECT_EQ(cb["creatorAccountId"], b_);
  EXPECT_EQ(Counts(cb), full);

  // Spending 5 units leaves 12.
  ASSERT_TRUE(service_->budget_ledger().ReserveBudget(collab_, "q1", 5).ok());
  std::map<std::string, std::pair<int64_t, int64_t>> after = {{"AVG", {8, 6}},
                                                              {"COUNT", {17, 12}},
                                                              {"COUNT_DISTINCT", {17, 12}},
                                                              {"SUM", {17, 12}},
                                                              {"STDDEV", {5, 4}}};
  EXPECT_EQ(Counts(ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"][0]), after);
  // A preview changes nothing.
  ASSERT_TRUE(Preview(a_, a_ms_, 20, 100).ok());
  EXPECT_EQ(Counts(ListCollaborationBudgets(a_).body["collaborationPrivacyBudgetSummaries"][0]),
            after);

  // A smaller epsilon leaves max(0, total - spent).
  Reply smaller = Call(b_, "PATCH", TemplatePath(b_ms_, id),
                       {{"privacyBudgetType", "DIFFERENTIAL_PRIVACY"},
                        {"parameters", {{"differentialPrivacy", {{"epsilon", 1}}}}}});
  ASSERT_TRUE(smaller.ok()) << smaller;
  Json b = ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"][0];
  EXPECT_EQ(b["budget"]["differentialPrivacy"]["epsilon"], 1);
  EXPECT_EQ(Counts(b)["COUNT"], std::make_pair(int64_t{4}, int64_t{0}));

  // Deleting and re-creating the template gives no budget back.
  ASSERT_EQ(Call(b_, "DELETE", TemplatePath(b_ms_, id)).status, 204);
  EXPECT_EQ(ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"].size(), 0u);
  MustCreateTemplate(2, 10);
  EXPECT_EQ(Counts(ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"][0]), after);
}

TEST_F(PrivacyBudgetsTest, PreviewScalesWithNoiseAndEpsilon) {
  auto count = [&](int epsilon, int noise) {
    Reply r = Preview(a_, a_ms_, epsilon, noise);
    EXPECT_TRUE(r.ok()) << r;
    for (const Json& a : r.body["privacyImpact"]["differentialPrivacy"]["aggregations"]) {
      if (a["type"] == "COUNT") return a["maxCount"].get<int64_t>();
    }
    return int64_t{-1};
  };
  EXPECT_EQ(count(1, 10), 4);
  EXPECT_EQ(count(20, 100), 95787);
  for (int noise : {10, 25, 50}) {
    int64_t small = count(4, noise);
    int64_t large = count(4, 2 * noise);
    EXPECT_GE(large, 4 * small);
    EXPECT_LE(large, 4 * small + 3);
  }
  EXPECT_LT(count(1, 30), count(2, 30));
}

TEST_F(PrivacyBudgetsTest, ListPrivacyBudgetsOffersOnlyDifferentialPrivacy) {
  MustCreateTemplate();
  ExpectValidation(ListBudgets(a_, a_ms_, "privacyBudgetType=ACCESS_BUDGET"), "privacyBudgetType",
                   "not offered");
  std::string arn = StrCat("arn:aws:cleanrooms:us-east-1:", b_, ":membership/", b_ms_,
                           "/configuredtableassociation/", b_ms_);
  ExpectValidation(ListBudgets(a_, a_ms_,
                               StrCat("privacyBudgetType=DIFFERENTIAL_PRIVACY&"
                                      "accessBudgetResourceArn=",
                                      Encode(arn))),
                   "accessBudgetResourceArn", "access budgets");
  Reply missing = ListBudgets(a_, a_ms_, "");
  EXPECT_EQ(missing.error_type, "ValidationException") << missing;
}

TEST_F(PrivacyBudgetsTest, TheTemplateKeepsItsMembership) {
  std::string id = MustCreateTemplate();
  Reply r = Call(b_, "DELETE", StrCat("/memberships/", b_ms_));
  EXPECT_EQ(r.error_type, "ConflictException") << r;
  EXPECT_EQ(r.body.value("reason", ""), "SUBRESOURCES_EXIST");
  EXPECT_THAT(r.body.value("message", ""), HasSubstr("1 privacy budget template(s)"));
  ASSERT_EQ(Call(b_, "DELETE", TemplatePath(b_ms_, id)).status, 204);
  EXPECT_EQ(Call(b_, "DELETE", StrCat("/memberships/", b_ms_)).status, 204);
}

TEST_F(PrivacyBudgetsTest, SchemaStatusNeedsTheTemplateForDifferentialPrivacy) {
  std::string table = ConfiguredTable(b_, "users", "id");
  ASSERT_TRUE(Associate(b_, b_ms_, "users", table).ok());
  auto reasons = [&] {
    Reply schema = Call(a_, "GET", StrCat("/collaborations/", collab_, "/schemas/users"));
    EXPECT_TRUE(schema.ok()) << schema;
    std::vector<std::string> codes;
    for (const Json& d : schema.body["schema"]["schemaStatusDetails"]) {
      for (const Json& r : d["reasons"]) codes.push_back(r["code"]);
    }
    return codes;
  };
  EXPECT_THAT(reasons(), ::testing::Contains("DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED"));
  MustCreateTemplate();
  EXPECT_THAT(reasons(),
              ::testing::Not(::testing::Contains("DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED")));
}

TEST_F(PrivacyBudgetsTest, DifferentialPrivacyTablesShareTheirUserIdentifierColumn) {
  std::string users = ConfiguredTable(b_, "users", "id");
  ASSERT_TRUE(Associate(b_, b_ms_, "users", users).ok());
  // C's table names another column: refused when associated.
  std::string visits = ConfiguredTable(c_, "visits", "region");
  Reply r = Associate(c_, c_ms_, "visits", visits);
  ExpectValidation(r, "configuredTableIdentifier",
                   "Table 'users' of collaboration " + collab_ +
                       " already turns on differential privacy with user identifier column "
                       "'id', but this table's analysis rule names 'region'");
  // The same column is fine, as is a table without differential privacy.
  std::string clicks = ConfiguredTable(c_, "clicks", "id");
  ASSERT_TRUE(Associate(c_, c_ms_, "clicks", clicks).ok());
  std::string plain = ConfiguredTable(c_, "plain", "");
  ASSERT_TRUE(Associate(c_, c_ms_, "plain", plain).ok());

  // Changing an associated table's rule is checked against the collaboration as well.
  Reply update = Call(c_, "PATCH", StrCat("/configuredTables/", clicks, "/analysisRule/CUSTOM"),
                      {{"analysisRulePolicy", CustomPolicy("region")}});
  ExpectValidation(update, "analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name",
                   "Table 'users'");
  Reply turn_on = Call(c_, "PATCH", StrCat("/configuredTables/", plain, "/analysisRule/CUSTOM"),
                       {{"analysisRulePolicy", CustomPolicy("region")}});
  ExpectValidation(turn_on, "differentialPrivacy", "must use the same user identifier column");
  ASSERT_TRUE(Call(c_, "PATCH", StrCat("/configuredTables/", plain, "/analysisRule/CUSTOM"),
                   {{"analysisRulePolicy", CustomPolicy("id")}})
                  .ok());
}

TEST_F(PrivacyBudgetsTest, TheMemberWhoReceivesResultsCannotUseDifferentialPrivacy) {
  std::string table = ConfiguredTable(a_, "orders", "id");
  Reply r = Associate(a_, a_ms_, "orders", table);
  ExpectValidation(r, "configuredTableIdentifier", "can receive results in collaboration");
  std::string plain = ConfiguredTable(a_, "orders2", "");
  ASSERT_TRUE(Associate(a_, a_ms_, "orders2", plain).ok());
  Reply update = Call(a_, "PATCH", StrCat("/configuredTables/", plain, "/analysisRule/CUSTOM"),
                      {{"analysisRulePolicy", CustomPolicy("id")}});
  ExpectValidation(update, "differentialPrivacy", "cannot turn on differential privacy");
}

TEST_F(PrivacyBudgetsTest, TheDifferentialPrivacyColumnMustBeAnAllowedColumn) {
  MustCreateGlueTable(b_, "db", "t");
  Reply table = Call(b_, "POST", "/configuredTables",
                     {{"name", "t"},
                      {"tableReference", {{"glue", {{"tableName", "t"}, {"databaseName", "db"}}}}},
                      {"allowedColumns", {"region"}},
                      {"analysisMethod", "DIRECT_QUERY"}});
  ASSERT_TRUE(table.ok()) << table;
  std::string id = table.body["configuredTable"]["id"];
  Reply rule = Call(b_, "POST", StrCat("/configuredTables/", id, "/analysisRule"),
                    {{"analysisRuleType", "CUSTOM"}, {"analysisRulePolicy", CustomPolicy("id")}});
  ExpectValidation(rule, "differentialPrivacy.columns[0].name",
                   "Column 'id' is not an allowed column");
  Json two = CustomPolicy("region");
  two["v1"]["custom"]["differentialPrivacy"]["columns"].push_back({{"name", "region"}});
  Reply two_columns = Call(b_, "POST", StrCat("/configuredTables/", id, "/analysisRule"),
                           {{"analysisRuleType", "CUSTOM"}, {"analysisRulePolicy", two}});
  EXPECT_EQ(two_columns.error_type, "ValidationException") << two_columns;
  EXPECT_THAT(two_columns.body.dump(), HasSubstr("differentialPrivacy.columns")) << two_columns;
}

TEST_F(PrivacyBudgetsTest, RestartSettlesReservedCharges) {
  MustCreateTemplate(2, 10);
  ASSERT_TRUE(service_->budget_ledger().ReserveBudget(collab_, "q1", 4).ok());
  StartService(nullptr);  // as a restart does: RESERVED charges stay spent
  EXPECT_EQ(service_->budget_ledger().RefundCharge("q1", "late").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Counts(ListBudgets(a_, a_ms_).body["privacyBudgetSummaries"][0])["COUNT"],
            std::make_pair(int64_t{17}, int64_t{13}));
}

}  // namespace
}  // namespace cleanroom::cleanrooms::testing
