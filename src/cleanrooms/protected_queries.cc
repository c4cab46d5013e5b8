// Protected queries: StartProtectedQuery, GetProtectedQuery, ListProtectedQueries,
// UpdateProtectedQuery, and the lifecycle the QueryExecutor drives (STARTED, then SUCCESS,
// FAILED, CANCELLED or TIMED_OUT).
//
// A query row (kProtectedQuery) is private to the querier's account; its document holds the
// region, sqlParameters as given, the resolved resultConfiguration, computeConfiguration, the
// receiving accounts, what the check learned (tables, ruleType) and, once ended, result and
// statistics or error.
#include <algorithm>
#include <utility>

#include "cleanrooms/budget_ledger.h"
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "cleanrooms/sql_parameters.h"
#include "common/aws_error.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/analysis_rule.h"

namespace cleanroom::cleanrooms {
namespace {

constexpr int64_t kMillisPerHour = 3600 * 1000;
// Compute size assumed when a query gives no computeConfiguration.
constexpr int64_t kDefaultWorkers = 16;

bool IsFinal(std::string_view status) {
  return status == "SUCCESS" || status == "FAILED" || status == "CANCELLED" ||
         status == "TIMED_OUT";
}

bool HasAbility(const Json& abilities, std::string_view ability) {
  if (!abilities.is_array()) return false;
  return std::any_of(abilities.begin(), abilities.end(),
                     [&](const Json& a) { return a.is_string() && a == ability; });
}

// The querier's membership `id`: its own, ACTIVE, in an ACTIVE collaboration, with the
// CAN_QUERY ability. Sets `collaboration` when given.
absl::StatusOr<Resource> QueryingMembership(ResourceStore::Tx& tx, const std::string& account,
                                            const std::string& id,
                                            Resource* collaboration = nullptr) {
  ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, account, id));
  if (ms.status != "ACTIVE") {
    return AccessDenied(StrCat("Membership ", id, " is ", ms.status,
                               ": only an ACTIVE membership can start protected queries"));
  }
  ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, ms.collaboration_id));
  if (!collab || collab->status != "ACTIVE") {
    return AccessDenied(
        StrCat("Collaboration ", ms.collaboration_id, " is not active, so no query can run in it"));
  }
  if (!HasAbility(ms.doc["memberAbilities"], "CAN_QUERY")) {
    return AccessDenied(StrCat("Account ", account, " cannot run queries in collaboration ",
                               ms.collaboration_id,
                               ": its membership does not have the CAN_QUERY ability"));
  }
  if (collaboration != nullptr) *collaboration = std::move(*collab);
  return ms;
}

// The protected query `query_id` of the caller's membership `membership_id`; another
// account's query is ResourceNotFoundException, as an unknown id is.
absl::StatusOr<Resource> OwnQuery(ResourceStore::Tx& tx, const std::string& account,
                                  const std::string& membership_id, const std::string& query_id) {
  ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, account, membership_id));
  ASSIGN_OR_RETURN(std::optional<Resource> q, tx.Get(kProtectedQuery, query_id));
  if (!q || q->membership_id != ms.id) return NotFound("MEMBERSHIP", query_id, "Protected query");
  return std::move(*q);
}

Json RenderQuery(const Resource& q) {
  Json out = {{"id", q.id},
              {"membershipId", q.membership_id},
              {"membershipArn", MembershipArn(RegionOf(q), q.account_id, q.membership_id)},
              {"createTime", Seconds(q.create_time_ms)},
              {"status", q.status}};
  for (const char* m : {"sqlParameters", "resultConfiguration", "computeConfiguration",
                        "statistics", "result", "error", "differentialPrivacy"}) {
    if (q.doc.contains(m)) out[m] = q.doc[m];
  }
  return out;
}

Json RenderSummary(const Resource& q) {
  Json receivers = q.doc.value("receivers", Json::array());
  return {{"id", q.id},
          {"membershipId", q.membership_id},
          {"membershipArn", MembershipArn(RegionOf(q), q.account_id, q.membership_id)},
          {"createTime", Seconds(q.create_time_ms)},
          {"status", q.status},
          {"receiverConfigurations", Json::array({{{"analysisType", "DIRECT_ANALYSIS"},
                                                   {"configurationDetails",
                                                    {{"directAnalysisConfigurationDetails",
                                                      {{"receiverAccountIds", receivers}}}}}}})}};
}

// --- Resolving a StartProtectedQuery request ---------------------------------------------------

// Sets request.sql (and, for a template, analysis_template_arn and parameters) from
// `sql_parameters`: exactly one of queryString and analysisTemplateArn; parameters only for a
// template, only declared ones, each with a value (given or default) of its declared type.
absl::Status ResolveSql(ResourceStore::Tx& tx, const std::string& collaboration_id,
                        const Json& sql_parameters, ProtectedQueryRequest& request) {
  bool has_text = sql_parameters.contains("queryString");
  bool has_template = sql_parameters.contains("analysisTemplateArn");
  if (has_text == has_template) {
    return Invalid("sqlParameters must have exactly one of queryString and analysisTemplateArn",
                   "sqlParameters");
  }
  Json given = sql_parameters.value("parameters", Json::object());
  if (has_text) {
    if (!given.empty()) {
      return Invalid(
          "parameters can only be given with an analysisTemplateArn: a queryString has no "
          "declared parameters",
          "sqlParameters.parameters");
    }
    request.sql = Str(sql_parameters, "queryString");
    if (Trim(request.sql).empty()) {
      return Invalid("queryString is empty", "sqlParameters.queryString");
    }
    return absl::OkStatus();
  }
  std::string arn = Str(sql_parameters, "analysisTemplateArn");
  ASSIGN_OR_RETURN(std::optional<Resource> t, TemplateByArn(tx, collaboration_id, arn));
  if (!t) return NotFound("COLLABORATION", arn, "Analysis template");
  std::string format = Str(t->doc, "format");
  if (format != "SQL") {
    return Invalid(StrCat("Analysis template ", t->name, " is a ", format,
                          " template; a protected query runs SQL templates only"),
                   "sqlParameters.analysisTemplateArn");
  }
  Json declared = t->doc.value("analysisParameters", Json::array());
  std::vector<std::string> names;
  for (const Json& p : declared) names.push_back(Str(p, "name"));
  for (const auto& [name, value] : given.items()) {
    if (!Contains(names, name)) {
      return Invalid(StrCat("Analysis template ", t->name, " declares no parameter '", name, "'"),
                     "sqlParameters.parameters");
    }
  }
  for (const Json& p : declared) {
    QueryParameter param{Str(p, "name"), Str(p, "type"), ""};
    if (given.contains(param.name)) {
      param.value = Str(given, param.name);
    } else if (p.contains("defaultValue")) {
      param.value = Str(p, "defaultValue");
    } else {
      return Invalid(StrCat("Parameter '", param.name, "' of analysis template ", t->name,
                            " has no default value: give it in sqlParameters.parameters"),
                     "sqlParameters.parameters");
    }
    absl::Status typed = CheckParameterValue(param.type, param.value);
    if (!typed.ok()) {
      return Invalid(StrCat("The value of parameter '", param.name, "' ", typed.message()),
                     "sqlParameters.parameters");
    }
    request.parameters.push_back(std::move(param));
  }
  request.sql = Str(t->doc["source"], "text");
  request.analysis_template_arn = arn;
  return absl::OkStatus();
}

// A copy of the results in `account`'s bucket, as an s3 output configuration describes it.
ResultDestination S3Destination(const std::string& account, const Json& s3,
                                const std::string& role_arn) {
  ResultDestination d;
  d.account_id = account;
  d.bucket = Str(s3, "bucket");
  d.key_prefix = Str(s3, "keyPrefix");
  d.format = Str(s3, "resultFormat");
  d.single_file = s3.value("singleFileOutput", false);
  d.role_arn = role_arn;
  return d;
}

// Results for member `account`: an ACTIVE member that can receive results, delivered where its
// membership's default result configuration says.
absl::StatusOr<ResultDestination> MemberDestination(ResourceStore::Tx& tx,
                                                    const std::string& collaboration_id,
                                                    const std::string& account) {
  constexpr std::string_view kField = "resultConfiguration.outputConfiguration.member.accountId";
  ASSIGN_OR_RETURN(std::optional<Resource> member,
                   tx.Get(kMember, MemberId(collaboration_id, account)));
  if (!member || member->status != "ACTIVE") {
    return Invalid(StrCat("Account ", account, " is not an active member of collaboration ",
                          collaboration_id, ", so it cannot receive results"),
                   kField);
  }
  if (!HasAbility(member->doc["abilities"], "CAN_RECEIVE_RESULTS")) {
    return Invalid(StrCat("Member ", account,
                          " cannot receive results: it does not have the CAN_RECEIVE_RESULTS "
                          "ability"),
                   kField);
  }
  ASSIGN_OR_RETURN(std::optional<Resource> ms, tx.Get(kMembership, member->membership_id));
  Json config = ms ? ms->doc.value("defaultResultConfiguration", Json()) : Json();
  if (!config.is_object() || !config["outputConfiguration"].contains("s3")) {
    return Invalid(StrCat("Member ", account,
                          " has no default result configuration with an S3 output, so results "
                          "cannot be delivered to it; it must set one on its membership "
                          "(update-membership --default-result-configuration)"),
                   kField);
  }
  return S3Destination(account, config["outputConfiguration"]["s3"], Str(config, "roleArn"));
}

// Where the results go: the request's resultConfiguration, else the membership's default.
// Appends the destinations and returns the resultConfiguration recorded with the query.
absl::StatusOr<Json> ResolveResults(ResourceStore::Tx& tx, const Resource& membership,
                                    const Json& in, std::vector<ResultDestination>& destinations) {
  Json own_default = membership.doc.value("defaultResultConfiguration", Json());
  Json config;
  if (in.contains("resultConfiguration")) {
    config = in["resultConfiguration"];
  } else if (own_default.is_object()) {
    config = {{"outputConfiguration", own_default["outputConfiguration"]}};
  } else {
    return Invalid(StrCat("No result configuration: pass --result-configuration, or set a default "
                          "result configuration on membership ",
                          membership.id, " (update-membership --default-result-configuration)"),
                   "resultConfiguration");
  }
  Json& output = config["outputConfiguration"];
  if (output.contains("s3")) {
    if (!HasAbility(membership.doc.value("memberAbilities", Json::array()),
                    "CAN_RECEIVE_RESULTS")) {
      return AccessDenied(StrCat(
          "Account ", membership.account_id, " cannot receive results in collaboration ",
          membership.collaboration_id,
          " (its membership does not have the CAN_RECEIVE_RESULTS ability), so results cannot be "
          "written to its bucket; deliver them to a member that can receive results with a "
          "member output configuration"));
    }
    destinations.push_back(
        S3Destination(membership.account_id, output["s3"], Str(own_default, "roleArn")));
  } else if (output.contains("member")) {
    ASSIGN_OR_RETURN(ResultDestination d, MemberDestination(tx, membership.collaboration_id,
                                                            Str(output["member"], "accountId")));
    destinations.push_back(std::move(d));
  } else {
    return Invalid(
        "The distribute output configuration is for Spark analyses; a protected query delivers "
        "its results with an s3 or member output configuration",
        "resultConfiguration.outputConfiguration.distribute");
  }
  return config;
}

// Every table the query may name: the associations of the collaboration's ACTIVE members,
// with their configured tables' allowed columns, Glue references and rules, by name.
absl::StatusOr<std::vector<QueryTable>> QueryTables(ResourceStore::Tx& tx,
                                                    const std::string& collaboration_id) {
  ASSIGN_OR_RETURN(std::vector<Resource> associations, ActiveAssociations(tx, collaboration_id));
  std::vector<QueryTable> tables;
  for (Resource& a : associations) {
    ASSIGN_OR_RETURN(std::optional<Resource> configured, tx.Get(kConfiguredTable, a.parent_id));
    if (!configured) return absl::InternalError("association without configured table");
    Json glue =
        configured->doc.value("tableReference", Json::object()).value("glue", Json::object());
    QueryTable t;
    t.name = a.name;
    t.association_id = a.id;
    t.association_arn = AssociationArn(RegionOf(a), a.account_id, a.membership_id, a.id);
    t.owner_account_id = a.account_id;
    t.role_arn = Str(a.doc, "roleArn");
    t.region = RegionOf(a);
    t.glue_database = Str(glue, "databaseName");
    t.glue_table = Str(glue, "tableName");
    t.allowed_columns = StrList(configured->doc, "allowedColumns");
    ASSIGN_OR_RETURN(std::vector<Resource> table_rules,
                     tx.List(kTableRule, Filter{.parent_id = a.parent_id}));
    for (Resource& r : table_rules) {
      ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(r.name));
      ASSIGN_OR_RETURN(rules::TableRule rule, rules::ParseTableRule(type, r.doc["policy"]));
      t.table_rules.push_back(std::move(rule));
    }
    ASSIGN_OR_RETURN(std::vector<Resource> association_rules,
                     tx.List(kAssociationRule, Filter{.parent_id = a.id}));
    for (Resource& r : association_rules) {
      ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(r.name));
      ASSIGN_OR_RETURN(rules::AssociationRule rule,
                       rules::ParseAssociationRule(type, r.doc["policy"]));
      t.association_rules.push_back(std::move(rule));
    }
    tables.push_back(std::move(t));
  }
  std::sort(tables.begin(), tables.end(),
            [](const QueryTable& x, const QueryTable& y) { return x.name < y.name; });
  return tables;
}

// The row of a query that passed its check, SUBMITTED at `now_ms`: `in` is the
// StartProtectedQuery input, `result_configuration` where the results go.
Resource SubmittedQuery(const ProtectedQueryRequest& request, const QueryCheck& check,
                        const Json& in, const Json& result_configuration, int64_t now_ms) {
  std::vector<std::string> receivers;
  for (const ResultDestination& d : request.destinations) {
    if (!Contains(receivers, d.account_id)) receivers.push_back(d.account_id);
  }
  Resource q{.kind = std::string(kProtectedQuery),
             .id = request.query_id,
             .account_id = request.querier_account_id,
             .collaboration_id = request.collaboration_id,
             .membership_id = request.membership_id,
             .status = "SUBMITTED",
             .create_time_ms = now_ms,
             .update_time_ms = now_ms};
  q.doc = {{"region", request.region},
           {"sqlParameters", in["sqlParameters"]},
           {"resultConfiguration", result_configuration},
           {"receivers", receivers},
           {"tables", check.tables},
           {"ruleType", check.rule_type}};
  if (in.contains("computeConfiguration"))
    q.doc["computeConfiguration"] = in["computeConfiguration"];
  return q;
}

// The error an Admit refusal is answered with.
absl::Status AdmitError(const absl::Status& status, int limit) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return status;
  absl::Status s = AwsError(absl::StatusCode::kResourceExhausted, "ServiceQuotaExceededException",
                            std::string(status.message()), 402);
  s = WithAwsField(s, "quotaName", "Protected queries waiting or running");
  return WithAwsJsonField(s, "quotaValue", std::to_string(limit));
}

// --- Ending a query ----------------------------------------------------------------------------

void SetError(Resource& q, std::string_view status, std::string_view code,
              std::string_view message) {
  q.status = std::string(status);
  q.doc["error"] = {{"code", code}, {"message", message}};
}

// The ProtectedQueryError code of a runner failure.
std::string_view ErrorCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_QUERY";
    case absl::StatusCode::kPermissionDenied:
      return "ACCESS_DENIED";
    case absl::StatusCode::kNotFound:
      return "RESOURCE_NOT_FOUND";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    default:
      return "INTERNAL_ERROR";
  }
}

// ProtectedQueryStatistics for a query that ran `millis`: billed units are CRPU-hours, one CRPU
// per CR.1X worker and four per CR.4X worker.
Json Statistics(const Resource& q, int64_t millis) {
  Json worker = q.doc.value("computeConfiguration", Json::object()).value("worker", Json::object());
  int64_t workers = worker.value("number", kDefaultWorkers);
  int64_t crpus = workers * (Str(worker, "type") == "CR.4X" ? 4 : 1);
  double units = static_cast<double>(crpus * millis) / static_cast<double>(kMillisPerHour);
  return {{"totalDurationInMillis", millis}, {"billedResourceUtilization", {{"units", units}}}};
}

std::string DurationText(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms % 60000 == 0) return StrCat(ms / 60000, " minute(s)");
  if (ms % 1000 == 0) return StrCat(ms / 1000, " second(s)");
  return StrCat(ms, " ms");
}

// Sets the final state of `q` (status, and result and statistics or error) from how it ended.
void SetFinalState(Resource& q, const QueryEnd& end, std::chrono::milliseconds timeout) {
  bool ran = end.outcome.has_value();
  if (ran && end.outcome->ok()) {
    const QueryOutcome& outcome = **end.outcome;
    Json output = q.doc["resultConfiguration"]["outputConfiguration"];
    if (output.contains("member")) {
      Json members = Json::array();
      for (const Json& account : q.doc["receivers"]) members.push_back({{"accountId", account}});
      q.doc["result"] = {{"output", {{"memberList", members}}}};
    } else if (!outcome.locations.empty()) {
      q.doc["result"] = {{"output", {{"s3", {{"location", outcome.locations.front()}}}}}};
    } else {
      SetError(q, "FAILED", "INTERNAL_ERROR", "The query engine reported no result location");
      return;
    }
    q.status = "SUCCESS";
    q.doc["statistics"] = Statistics(q, outcome.reported_millis.value_or(end.run_millis));
    if (!outcome.sensitivity.empty()) {
      Json parameters = Json::array();
      for (const SensitivityParameters& p : outcome.sensitivity) {
        Json one = {{"aggregationType", p.aggregation_type},
                    {"aggregationExpression", p.aggregation_expression},
                    {"userContributionLimit", p.user_contribution_limit}};
        if (p.min_column_value) one["minColumnValue"] = *p.min_column_value;
        if (p.max_column_value) one["maxColumnValue"] = *p.max_column_value;
        parameters.push_back(std::move(one));
      }
      q.doc["differentialPrivacy"] = {{"sensitivityParameters", parameters}};
    }
    return;
  }
  if (end.stop == StopReason::kTimedOut) {
    SetError(q, "TIMED_OUT", "QUERY_TIMED_OUT",
             StrCat("The query ran longer than ", DurationText(timeout),
                    ", this server's limit for protected queries, and was stopped"));
  } else if (end.stop == StopReason::kCancelled || q.status == "CANCELLING") {
    q.status = "CANCELLED";
  } else if (end.stop == StopReason::kShutdown) {
    SetError(q, "FAILED", "SERVER_SHUTDOWN",
             ran ? "The server shut down while the query was running; start it again"
                 : "The server shut down before the query started; start it again");
  } else if (ran) {
    SetError(q, "FAILED", ErrorCode(end.outcome->status()),
             std::string(end.outcome->status().message()));
  } else {
    SetError(q, "FAILED", "INTERNAL_ERROR", "The query could not be started");
  }
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::StartProtectedQuery(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  const std::string membership_id = Str(in, "membershipIdentifier");
  ProtectedQueryRequest request;
  Json result_configuration;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    Resource collab;
    ASSIGN_OR_RETURN(Resource ms, QueryingMembership(tx, me, membership_id, &collab));
    request.collaboration_id = collab.id;
    request.membership_id = ms.id;
    request.querier_account_id = me;
    request.region = RegionOf(collab);
    RETURN_IF_ERROR(ResolveSql(tx, collab.id, in["sqlParameters"], request));
    ASSIGN_OR_RETURN(result_configuration, ResolveResults(tx, ms, in, request.destinations));
    ASSIGN_OR_RETURN(request.tables, QueryTables(tx, collab.id));
    ASSIGN_OR_RETURN(std::optional<Resource> budget, PrivacyBudgetTemplateOf(tx, collab.id));
    if (budget) request.users_noise_per_query = ParametersOf(*budget).users_noise_per_query;
    return absl::OkStatus();
  }));
  if (runner_ == nullptr) {
    return AwsError(absl::StatusCode::kUnimplemented, "NotImplementedException",
                    "StartProtectedQuery needs a query engine, and none is configured on this "
                    "server; the query was not started",
                    501);
  }
  request.query_id = NewUuid();
  absl::StatusOr<QueryCheck> check = runner_->Check(request);
  if (!check.ok()) {
    if (check.status().code() == absl::StatusCode::kInvalidArgument) {
      return Invalid(std::string(check.status().message()), "", "INVALID_QUERY");
    }
    return check.status();
  }

  int64_t now = clock_->NowMicros() / 1000;
  Resource q = SubmittedQuery(request, *check, in, result_configuration, now);
  Json details = {{"tables", q.doc["tables"]}, {"receivers", q.doc["receivers"]}};
  if (request.analysis_template_arn)
    details["analysisTemplateArn"] = *request.analysis_template_arn;

  if (check->privacy_budget_units > 0) {
    // Spend is reserved, durably, before the query can read any data (budget_ledger.h).
    q.doc["privacyBudgetUnits"] = check->privacy_budget_units;
    absl::StatusOr<BudgetReservation> reserved = ledger_.ReserveBudget(
        request.collaboration_id, request.query_id, check->privacy_budget_units);
    if (!reserved.ok()) {
      if (reserved.status().code() == absl::StatusCode::kResourceExhausted ||
          reserved.status().code() == absl::StatusCode::kFailedPrecondition) {
        return Invalid(std::string(reserved.status().message()), "", "INVALID_QUERY");
      }
      return reserved.status();
    }
  }
  auto refund = [&](std::string_view why) {
    if (check->privacy_budget_units == 0) return;
    absl::Status s = ledger_.RefundCharge(request.query_id, why);
    if (!s.ok()) {
      Log(LogLevel::kError, "could not refund a privacy budget charge",
          {{"query", request.query_id}, {"error", s.ToString()}});
    }
  };
  absl::Status admitted = AdmitError(executor_->Admit(request), executor_->options().max_in_flight);
  if (!admitted.ok()) {
    refund("the server did not admit the query");
    return admitted;
  }
  absl::Status written = store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(QueryingMembership(tx, me, membership_id).status());
    RETURN_IF_ERROR(tx.Put(q));
    return tx.Record(MakeEvent(now, me, q.collaboration_id, /*shared=*/false, "StartProtectedQuery",
                               "PROTECTED_QUERY", q.id, details));
  });
  if (!written.ok()) {
    executor_->Abandon(q.id);
    refund("the query could not be recorded");
    return written;
  }
  executor_->Enqueue(q.id);
  return Json{{"protectedQuery", RenderQuery(q)}};
}

absl::StatusOr<Json> CleanRoomsService::GetProtectedQuery(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource q,
                     OwnQuery(tx, ctx.caller.account_id, Str(in, "membershipIdentifier"),
                              Str(in, "protectedQueryIdentifier")));
    out = {{"protectedQuery", RenderQuery(q)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListProtectedQueries(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  std::string want = Str(in, "status");
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    Filter f{.membership_id = ms.id};
    if (!want.empty()) f.status = want;
    ASSIGN_OR_RETURN(std::vector<Resource> rows, tx.List(kProtectedQuery, f));
    for (const Resource& q : rows) items.push_back({q.create_time_ms, q.id, RenderSummary(q)});
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "protectedQueries");
}

absl::StatusOr<Json> CleanRoomsService::UpdateProtectedQuery(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  const std::string membership_id = Str(in, "membershipIdentifier");
  const std::string id = Str(in, "protectedQueryIdentifier");
  int64_t now = clock_->NowMicros() / 1000;
  bool cancelling = false;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    cancelling = false;
    ASSIGN_OR_RETURN(Resource q, OwnQuery(tx, me, membership_id, id));
    // Asking again for a cancellation already asked for (or done) changes nothing.
    if (q.status == "CANCELLING" || q.status == "CANCELLED") return absl::OkStatus();
    if (IsFinal(q.status)) {
      return Conflict("INVALID_STATE", "", q.id,
                      StrCat("Protected query ", q.id, " has already ended (", q.status,
                             ") and cannot be cancelled"));
    }
    q.status = "CANCELLING";
    q.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(q));
    cancelling = true;
    return tx.Record(MakeEvent(now, me, q.collaboration_id, /*shared=*/false,
                               "UpdateProtectedQuery", "PROTECTED_QUERY", q.id,
                               {{"targetStatus", Str(in, "targetStatus")}}));
  }));
  if (cancelling && !(executor_ && executor_->Cancel(id))) {
    // Nothing in this process runs the query (it ended meanwhile, or was left by an earlier
    // process): record the end here; OnQueryEnd leaves an already ended query as it is.
    OnQueryEnd(id, QueryEnd{.stop = StopReason::kCancelled});
  }
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource q, OwnQuery(tx, me, membership_id, id));
    out = {{"protectedQuery", RenderQuery(q)}};
    return absl::OkStatus();
  }));
  return out;
}

// --- Lifecycle ---------------------------------------------------------------------------------

bool CleanRoomsService::OnQueryStart(const std::string& query_id) {
  int64_t now = clock_->NowMicros() / 1000;
  bool started = false;
  absl::Status s = store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    started = false;
    ASSIGN_OR_RETURN(std::optional<Resource> q, tx.Get(kProtectedQuery, query_id));
    if (!q || q->status != "SUBMITTED") return absl::OkStatus();
    q->status = "STARTED";
    q->update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(*q));
    started = true;
    return absl::OkStatus();
  });
  if (!s.ok()) {
    Log(LogLevel::kError, "could not record the start of a protected query",
        {{"query", query_id}, {"error", s.ToString()}});
    return false;
  }
  return started;
}

void CleanRoomsService::OnQueryEnd(const std::string& query_id, const QueryEnd& end) {
  int64_t now = clock_->NowMicros() / 1000;
  std::chrono::milliseconds timeout =
      executor_ ? executor_->options().timeout : QueryExecutorOptions().timeout;
  std::optional<Resource> ended;
  absl::Status s = store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ended.reset();
    ASSIGN_OR_RETURN(std::optional<Resource> q, tx.Get(kProtectedQuery, query_id));
    if (!q || IsFinal(q->status)) return absl::OkStatus();
    SetFinalState(*q, end, timeout);
    q->update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(*q));
    ended = std::move(q);
    return absl::OkStatus();
  });
  if (!s.ok()) {
    // The query stays unfinished in the store until RecoverInterruptedQueries at the next start.
    Log(LogLevel::kError, "could not record the end of a protected query",
        {{"query", query_id}, {"error", s.ToString()}});
    return;
  }
  if (ended && ended->doc.value("privacyBudgetUnits", int64_t{0}) > 0) {
    // Spend stays spent once the query ran (it may have read data); a query that never ran
    // gets its reservation back.
    absl::Status settled = end.outcome.has_value()
                               ? ledger_.CommitCharge(query_id)
                               : ledger_.RefundCharge(query_id, "the query ended before it ran");
    if (!settled.ok()) {
      Log(LogLevel::kError, "could not settle a privacy budget charge",
          {{"query", query_id}, {"error", settled.ToString()}});
    }
  }
  if (ended) OnQueryFinished(*ended);
}

absl::StatusOr<int> CleanRoomsService::RecoverInterruptedQueries() {
  ASSIGN_OR_RETURN(int settled, ledger_.SettleInterruptedCharges());
  if (settled > 0) {
    Log(LogLevel::kWarning,
        "privacy budget charges left reserved by the previous shutdown stay spent",
        {{"charges", settled}});
  }
  int64_t now = clock_->NowMicros() / 1000;
  std::vector<Resource> ended;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ended.clear();
    for (const char* status : {"SUBMITTED", "STARTED", "CANCELLING"}) {
      ASSIGN_OR_RETURN(std::vector<Resource> rows,
                       tx.List(kProtectedQuery, Filter{.status = status}));
      for (Resource& q : rows) {
        if (q.status == "CANCELLING") {
          q.status = "CANCELLED";
        } else {
          SetError(q, "FAILED", "SERVER_RESTARTED",
                   StrCat("The server stopped while the query was ", q.status,
                          ", so it did not finish; start it again"));
        }
        q.update_time_ms = now;
        RETURN_IF_ERROR(tx.Put(q));
        ended.push_back(std::move(q));
      }
    }
    return absl::OkStatus();
  }));
  for (const Resource& q : ended) OnQueryFinished(q);
  return static_cast<int>(ended.size());
}

}  // namespace cleanroom::cleanrooms
