// Configured tables (account-private) and their analysis rules.
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/analysis_rule.h"
#include "rules/context.h"
#include "rules/table_rule_validation.h"

namespace cleanroom::cleanrooms {
namespace {

absl::StatusOr<Resource> OwnConfiguredTable(ResourceStore::Tx& tx, std::string_view account,
                                            std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kConfiguredTable, id));
  if (!t || t->account_id != account) {
    return NotFound("CONFIGURED_TABLE", id, "Configured table");
  }
  return std::move(*t);
}

// The `type` rule of configured table `table`, or ResourceNotFoundException.
absl::StatusOr<Resource> RuleOf(ResourceStore::Tx& tx, const Resource& table,
                                const std::string& type) {
  ASSIGN_OR_RETURN(std::optional<Resource> rule, tx.Get(kTableRule, StrCat(table.id, "/", type)));
  if (!rule) {
    return NotFound("CONFIGURED_TABLE", table.id,
                    StrCat("The ", type, " analysis rule of configured table"));
  }
  return std::move(*rule);
}

absl::StatusOr<std::vector<Resource>> TableRules(ResourceStore::Tx& tx, std::string_view id) {
  return tx.List(kTableRule, Filter{.parent_id = std::string(id)});
}

Json RenderConfiguredTable(const Resource& t, const std::vector<Resource>& rules, bool summary) {
  Json types = Json::array();
  for (const Resource& r : rules) types.push_back(r.name);
  Json out = {{"id", t.id},
              {"arn", ConfiguredTableArn(RegionOf(t), t.account_id, t.id)},
              {"name", t.name},
              {"createTime", Seconds(t.create_time_ms)},
              {"updateTime", Seconds(t.update_time_ms)},
              {"analysisRuleTypes", types},
              {"analysisMethod", t.doc["analysisMethod"]}};
  if (t.doc.contains("selectedAnalysisMethods")) {
    out["selectedAnalysisMethods"] = t.doc["selectedAnalysisMethods"];
  }
  if (summary) return out;
  if (t.doc.contains("description")) out["description"] = t.doc["description"];
  out["tableReference"] = t.doc["tableReference"];
  out["allowedColumns"] = t.doc["allowedColumns"];
  return out;
}

Json RenderRule(const Resource& table, const Resource& rule) {
  return {{"configuredTableId", table.id},
          {"configuredTableArn", ConfiguredTableArn(RegionOf(table), table.account_id, table.id)},
          {"policy", rule.doc["policy"]},
          {"type", rule.name},
          {"createTime", Seconds(rule.create_time_ms)},
          {"updateTime", Seconds(rule.update_time_ms)}};
}

rules::TableContext ContextOf(const Json& doc) {
  rules::TableContext c;
  c.allowed_columns = StrList(doc, "allowedColumns");
  c.analysis_method = Str(doc, "analysisMethod");
  c.selected_analysis_methods = StrList(doc, "selectedAnalysisMethods");
  if (doc.contains("tableReference") && doc["tableReference"].is_object() &&
      !doc["tableReference"].empty()) {
    c.table_reference_type = doc["tableReference"].begin().key();
  }
  return c;
}

// Parses `policy` as a rule of `type` and validates it against the table described by `doc`;
// returns the rule as stored (normalized JSON).
absl::StatusOr<Json> CheckRule(std::string_view type_name, const Json& policy, const Json& doc) {
  ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(type_name));
  ASSIGN_OR_RETURN(rules::TableRule rule, rules::ParseTableRule(type, policy));
  RETURN_IF_ERROR(rules::ValidateTableRule(rule, ContextOf(doc)));
  return rules::ToJson(rule);
}

// Checks that the rule `policy` of `type` fits every collaboration `table` is associated with
// through an ACTIVE membership (differential privacy: see CheckDifferentialPrivacyPlacement).
absl::Status CheckAssociatedCollaborations(ResourceStore::Tx& tx, const Resource& table,
                                           std::string_view type_name, const Json& policy) {
  ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(type_name));
  ASSIGN_OR_RETURN(rules::TableRule rule, rules::ParseTableRule(type, policy));
  ASSIGN_OR_RETURN(std::vector<Resource> associations,
                   tx.List(kAssociation, Filter{.parent_id = table.id}));
  for (const Resource& a : associations) {
    ASSIGN_OR_RETURN(std::optional<Resource> ms, tx.Get(kMembership, a.membership_id));
    if (!ms || ms->status != "ACTIVE") continue;
    RETURN_IF_ERROR(CheckDifferentialPrivacyPlacement(
        tx, "analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name", a.collaboration_id,
        a.id, a.name, table.account_id, rule));
  }
  return absl::OkStatus();
}

}  // namespace

// Checks the table reference and columns of a configured table against the caller's Glue
// catalog, and the analysis method fields. `doc` holds the merged (new) configuration.
static absl::Status CheckTableDefinition(glue::Catalog& catalog, const std::string& account,
                                         const Json& doc) {
  const Json& ref = doc["tableReference"];
  if (!ref.contains("glue")) {
    return Invalid(
        "Only AWS Glue table references are supported by this server (tableReference."
        "glue); Snowflake and Athena tables are not",
        "tableReference");
  }
  std::string database = Str(ref["glue"], "databaseName");
  std::string name = Str(ref["glue"], "tableName");
  absl::StatusOr<glue::Table> table = catalog.GetTable(account, database, name);
  if (!table.ok()) {
    if (table.status().code() == absl::StatusCode::kNotFound) {
      return Invalid(StrCat("Glue table ", database, ".", name,
                            " does not exist in the Data Catalog of account ", account),
                     "tableReference.glue.tableName");
    }
    return table.status();
  }
  std::vector<std::string> columns;
  for (const glue::Column& c : table->columns) columns.push_back(ToLower(c.name));
  for (const glue::Column& c : table->partition_keys) columns.push_back(ToLower(c.name));
  std::vector<std::string> seen;
  for (const std::string& c : StrList(doc, "allowedColumns")) {
    if (!Contains(columns, c)) {
      return Invalid(StrCat(
                         "Column '", c, "' in allowedColumns is not a column of Glue table ",
                         database, ".", name, " (its columns: ",
                         [&] {
                           std::string all;
                           for (const std::string& x : columns) {
                             all += all.empty() ? x : StrCat(", ", x);
                           }
                           return all;
                         }(),
                         ")"),
                     "allowedColumns");
    }
    if (Contains(seen, c)) {
      return Invalid(StrCat("Column '", c, "' appears more than once in allowedColumns"),
                     "allowedColumns");
    }
    seen.push_back(c);
  }
  std::string method = Str(doc, "analysisMethod");
  std::vector<std::string> selected = StrList(doc, "selectedAnalysisMethods");
  if (method == "MULTIPLE" && selected.size() < 2) {
    return Invalid(
        "analysisMethod MULTIPLE needs selectedAnalysisMethods with both "
        "DIRECT_QUERY and DIRECT_JOB",
        "selectedAnalysisMethods");
  }
  if (method != "MULTIPLE" && !selected.empty() &&
      (selected.size() != 1 || selected[0] != method)) {
    return Invalid(StrCat("selectedAnalysisMethods must be [", method,
                          "] or absent when "
                          "analysisMethod is ",
                          method),
                   "selectedAnalysisMethods");
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> CleanRoomsService::CreateConfiguredTable(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Resource t{.kind = std::string(kConfiguredTable),
             .id = NewUuid(),
             .account_id = me,
             .name = in["name"],
             .create_time_ms = now,
             .update_time_ms = now};
  t.doc = {{"region", RequestRegion(ctx)},
           {"tableReference", in["tableReference"]},
           {"allowedColumns", in["allowedColumns"]},
           {"analysisMethod", in["analysisMethod"]}};
  for (const char* m : {"description", "selectedAnalysisMethods"}) {
    if (in.contains(m)) t.doc[m] = in[m];
  }
  RETURN_IF_ERROR(CheckTableDefinition(*catalog_, me, t.doc));
  std::map<std::string, std::string> tags = TagsOf(in);
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(tx.SetTags(ConfiguredTableArn(RegionOf(t), me, t.id), tags));
    return tx.Record(MakeEvent(now, me, "", false, "CreateConfiguredTable", "CONFIGURED_TABLE",
                               t.id,
                               {{"name", t.name},
                                {"tableReference", t.doc["tableReference"]},
                                {"allowedColumns", t.doc["allowedColumns"]}}));
  }));
  return Json{{"configuredTable", RenderConfiguredTable(t, {}, false)}};
}

absl::StatusOr<Json> CleanRoomsService::GetConfiguredTable(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, ctx.caller.account_id,
                                                    Str(in, "configuredTableIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> rules, TableRules(tx, t.id));
    out = {{"configuredTable", RenderConfiguredTable(t, rules, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListConfiguredTables(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Resource> rows,
                     tx.List(kConfiguredTable, Filter{.account_id = ctx.caller.account_id}));
    for (const Resource& t : rows) {
      ASSIGN_OR_RETURN(std::vector<Resource> rules, TableRules(tx, t.id));
      items.push_back({t.create_time_ms, t.id, RenderConfiguredTable(t, rules, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "configuredTableSummaries");
}

absl::StatusOr<Json> CleanRoomsService::UpdateConfiguredTable(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, me, Str(in, "configuredTableIdentifier")));
    Json changed = Json::object();
    if (in.contains("name")) {
      t.name = in["name"];
      changed["name"] = in["name"];
    }
    for (const char* m : {"description", "tableReference", "allowedColumns", "analysisMethod",
                          "selectedAnalysisMethods"}) {
      if (in.contains(m)) {
        t.doc[m] = in[m];
        changed[m] = in[m];
      }
    }
    RETURN_IF_ERROR(CheckTableDefinition(*catalog_, me, t.doc));
    ASSIGN_OR_RETURN(std::vector<Resource> rules, TableRules(tx, t.id));
    for (const Resource& r : rules) {
      absl::StatusOr<Json> still = CheckRule(r.name, r.doc["policy"], t.doc);
      if (!still.ok()) {
        return Invalid(StrCat("The change would break the table's ", r.name,
                              " analysis rule: ", still.status().message()),
                       "allowedColumns");
      }
    }
    t.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(tx.Record(
        MakeEvent(now, me, "", false, "UpdateConfiguredTable", "CONFIGURED_TABLE", t.id, changed)));
    out = {{"configuredTable", RenderConfiguredTable(t, rules, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteConfiguredTable(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, me, Str(in, "configuredTableIdentifier")));
    ASSIGN_OR_RETURN(int64_t associations, tx.Count(kAssociation, Filter{.parent_id = t.id}));
    if (associations > 0) {
      return Conflict("SUBRESOURCES_EXIST", "CONFIGURED_TABLE", t.id,
                      StrCat("Configured table ", t.id, " is still associated with ", associations,
                             " collaboration(s); delete its configured table associations "
                             "first"));
    }
    ASSIGN_OR_RETURN(std::vector<Resource> rules, TableRules(tx, t.id));
    for (const Resource& r : rules) RETURN_IF_ERROR(tx.Delete(kTableRule, r.id));
    RETURN_IF_ERROR(tx.Delete(kConfiguredTable, t.id));
    RETURN_IF_ERROR(tx.RemoveAllTags(ConfiguredTableArn(RegionOf(t), me, t.id)));
    return tx.Record(
        MakeEvent(now, me, "", false, "DeleteConfiguredTable", "CONFIGURED_TABLE", t.id));
  }));
  return Json::object();
}

// Records a rule change on every collaboration the table is associated with (their members
// see the rule through the schema API anyway), and privately for the owner.
static absl::Status RecordRuleChange(ResourceStore::Tx& tx, int64_t now, const std::string& me,
                                     const Resource& table, std::string_view operation,
                                     std::string_view type, const Json& policy) {
  Json details = {{"configuredTableId", table.id}, {"type", type}};
  if (!policy.is_null()) details["policy"] = policy;
  RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, "", false, operation,
                                      "CONFIGURED_TABLE_ANALYSIS_RULE", table.id, details)));
  ASSIGN_OR_RETURN(std::vector<Resource> associations,
                   tx.List(kAssociation, Filter{.parent_id = table.id}));
  for (const Resource& a : associations) {
    Json shared = {{"associationName", a.name}, {"type", type}};
    if (!policy.is_null()) shared["policy"] = policy;
    RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, a.collaboration_id, true, operation,
                                        "SCHEMA_ANALYSIS_RULE", a.name, shared)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> CleanRoomsService::CreateConfiguredTableAnalysisRule(Ctx& ctx,
                                                                          const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, me, Str(in, "configuredTableIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> existing, TableRules(tx, t.id));
    if (!existing.empty()) {
      return Conflict("ALREADY_EXISTS", "CONFIGURED_TABLE", t.id,
                      StrCat("Configured table ", t.id, " already has a ", existing[0].name,
                             " analysis rule; a configured table has at most one"));
    }
    ASSIGN_OR_RETURN(Json policy, CheckRule(type, in["analysisRulePolicy"], t.doc));
    RETURN_IF_ERROR(CheckAssociatedCollaborations(tx, t, type, policy));
    Resource rule{.kind = std::string(kTableRule),
                  .id = StrCat(t.id, "/", type),
                  .account_id = me,
                  .parent_id = t.id,
                  .name = type,
                  .create_time_ms = now,
                  .update_time_ms = now};
    rule.doc = {{"policy", policy}};
    RETURN_IF_ERROR(tx.Put(rule));
    t.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(
        RecordRuleChange(tx, now, me, t, "CreateConfiguredTableAnalysisRule", type, policy));
    out = {{"analysisRule", RenderRule(t, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetConfiguredTableAnalysisRule(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, ctx.caller.account_id,
                                                    Str(in, "configuredTableIdentifier")));
    std::string type = Str(in, "analysisRuleType");
    ASSIGN_OR_RETURN(Resource rule, RuleOf(tx, t, type));
    out = {{"analysisRule", RenderRule(t, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::UpdateConfiguredTableAnalysisRule(Ctx& ctx,
                                                                          const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, me, Str(in, "configuredTableIdentifier")));
    ASSIGN_OR_RETURN(Resource rule, RuleOf(tx, t, type));
    ASSIGN_OR_RETURN(Json policy, CheckRule(type, in["analysisRulePolicy"], t.doc));
    RETURN_IF_ERROR(CheckAssociatedCollaborations(tx, t, type, policy));
    rule.doc["policy"] = policy;
    rule.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(rule));
    RETURN_IF_ERROR(
        RecordRuleChange(tx, now, me, t, "UpdateConfiguredTableAnalysisRule", type, policy));
    out = {{"analysisRule", RenderRule(t, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteConfiguredTableAnalysisRule(Ctx& ctx,
                                                                          const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource t, OwnConfiguredTable(tx, me, Str(in, "configuredTableIdentifier")));
    ASSIGN_OR_RETURN(Resource rule, RuleOf(tx, t, type));
    RETURN_IF_ERROR(tx.Delete(kTableRule, rule.id));
    t.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(t));
    return RecordRuleChange(tx, now, me, t, "DeleteConfiguredTableAnalysisRule", type, Json());
  }));
  return Json::object();
}

}  // namespace cleanroom::cleanrooms
