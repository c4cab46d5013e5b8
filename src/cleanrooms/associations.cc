// Configured table associations, their collaboration analysis rules, and schemas (what the
// members of a collaboration see of each association).
#include "cleanrooms/budget_ledger.h"
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/analysis_rule.h"
#include "rules/association_rule_validation.h"
#include "rules/consolidated_policy.h"
#include "rules/context.h"
#include "rules/schema_status.h"

namespace cleanroom::cleanrooms {
namespace {

std::string Arn(const Resource& cta) {
  return AssociationArn(RegionOf(cta), cta.account_id, cta.membership_id, cta.id);
}

absl::StatusOr<Resource> OwnAssociation(ResourceStore::Tx& tx, const Resource& membership,
                                        std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> a, tx.Get(kAssociation, id));
  if (!a || a->membership_id != membership.id) {
    return NotFound("CONFIGURED_TABLE_ASSOCIATION", id, "Configured table association");
  }
  return std::move(*a);
}

// The association named by `in`'s membershipIdentifier and
// configuredTableAssociationIdentifier, in a membership of `account` (ACTIVE if `active`).
absl::StatusOr<Resource> AssociationIn(ResourceStore::Tx& tx, const std::string& account,
                                       const Json& in, bool active) {
  std::string membership_id = Str(in, "membershipIdentifier");
  ASSIGN_OR_RETURN(Resource ms, active ? ActiveOwnMembership(tx, account, membership_id)
                                       : OwnMembership(tx, account, membership_id));
  return OwnAssociation(tx, ms, Str(in, "configuredTableAssociationIdentifier"));
}

// The `type` collaboration rule of association `a`, or ResourceNotFoundException.
absl::StatusOr<Resource> AssociationRuleOf(ResourceStore::Tx& tx, const Resource& a,
                                           const std::string& type) {
  ASSIGN_OR_RETURN(std::optional<Resource> rule, tx.Get(kAssociationRule, StrCat(a.id, "/", type)));
  if (!rule) {
    return NotFound("CONFIGURED_TABLE_ASSOCIATION", a.id,
                    StrCat("The ", type, " analysis rule of configured table association"));
  }
  return std::move(*rule);
}

absl::StatusOr<std::vector<Resource>> AssociationRules(ResourceStore::Tx& tx, std::string_view id) {
  return tx.List(kAssociationRule, Filter{.parent_id = std::string(id)});
}

Json RuleTypes(const std::vector<Resource>& rules) {
  Json types = Json::array();
  for (const Resource& r : rules) types.push_back(r.name);
  return types;
}

Json RenderAssociation(const Resource& a, const std::vector<Resource>& rules, bool summary) {
  Json out = {{"arn", Arn(a)},
              {"id", a.id},
              {"configuredTableId", a.parent_id},
              {"membershipId", a.membership_id},
              {"membershipArn", MembershipArn(RegionOf(a), a.account_id, a.membership_id)},
              {"name", a.name},
              {"createTime", Seconds(a.create_time_ms)},
              {"updateTime", Seconds(a.update_time_ms)}};
  if (!rules.empty()) out["analysisRuleTypes"] = RuleTypes(rules);
  if (summary) return out;
  out["configuredTableArn"] = ConfiguredTableArn(RegionOf(a), a.account_id, a.parent_id);
  out["roleArn"] = a.doc["roleArn"];
  if (a.doc.contains("description")) out["description"] = a.doc["description"];
  return out;
}

Json RenderAssociationRule(const Resource& a, const Resource& rule) {
  return {{"membershipIdentifier", a.membership_id},
          {"configuredTableAssociationId", a.id},
          {"configuredTableAssociationArn", Arn(a)},
          {"policy", rule.doc["policy"]},
          {"type", rule.name},
          {"createTime", Seconds(rule.create_time_ms)},
          {"updateTime", Seconds(rule.update_time_ms)}};
}

// The table rule of the association's configured table, if any.
absl::StatusOr<std::optional<Resource>> TableRuleOf(ResourceStore::Tx& tx,
                                                    const Resource& association) {
  ASSIGN_OR_RETURN(std::vector<Resource> rules,
                   tx.List(kTableRule, Filter{.parent_id = association.parent_id}));
  if (rules.empty()) return std::optional<Resource>();
  return std::optional<Resource>(rules.front());
}

// Checks that the association's role lets Clean Rooms read the configured table: the role
// trusts cleanrooms.amazonaws.com, and allows reading the table's Glue metadata and its S3
// data. AccessDeniedException naming what is missing otherwise.
absl::Status CheckRole(iam::RoleAuthorizer& authorizer, glue::Catalog& catalog,
                       const std::string& account, const std::string& region,
                       const std::string& role_arn, const Resource& table) {
  if (!StartsWith(role_arn, StrCat("arn:aws:iam::", account, ":role/"))) {
    return AccessDenied(StrCat("Role ", role_arn, " is not a role of account ", account,
                               "; an association's role must belong to the table's owner"));
  }
  absl::StatusOr<iam::AssumedRole> role = authorizer.AssumeForService(
      account, role_arn, "cleanrooms.amazonaws.com", "cleanrooms-association-check");
  if (!role.ok()) return AccessDenied(std::string(role.status().message()));
  const Json& glue_ref = table.doc["tableReference"]["glue"];
  std::string database = Str(glue_ref, "databaseName");
  std::string name = Str(glue_ref, "tableName");
  std::string prefix = StrCat("arn:aws:glue:", region, ":", account, ":");
  struct Need {
    std::string action;
    std::string resource;
  };
  std::vector<Need> needs = {
      {"glue:GetDatabase", StrCat(prefix, "database/", ToLower(database))},
      {"glue:GetTable", StrCat(prefix, "table/", ToLower(database), "/", ToLower(name))},
  };
  absl::StatusOr<glue::Table> glue_table = catalog.GetTable(account, database, name);
  if (!glue_table.ok()) {
    return Invalid(StrCat("Glue table ", database, ".", name, " of configured table ", table.id,
                          " no longer exists"),
                   "configuredTableIdentifier", "INVALID_CONFIGURATION");
  }
  std::string location = glue_table->location;
  if (StartsWith(location, "s3://")) {
    std::string rest = location.substr(5);
    size_t slash = rest.find('/');
    std::string bucket = rest.substr(0, slash);
    std::string key_prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    needs.push_back({"s3:ListBucket", StrCat("arn:aws:s3:::", bucket)});
    needs.push_back({"s3:GetObject", StrCat("arn:aws:s3:::", bucket, "/", key_prefix, "*")});
  }
  for (const Need& need : needs) {
    absl::Status s = role->Authorize(need.action, need.resource, account);
    if (!s.ok()) {
      return AccessDenied(StrCat("Role ", role_arn, " cannot be used to read configured table ",
                                 table.id, ": it needs ", need.action, " on ", need.resource, ". ",
                                 s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::CreateConfiguredTableAssociation(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string role_arn = Str(in, "roleArn");
  std::string table_id = Str(in, "configuredTableIdentifier");
  // The role check reads IAM and the catalog; it runs before the write transaction, on the
  // table as it is now (the transaction re-checks that the table still exists).
  Resource table;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kConfiguredTable, table_id));
    if (!t || t->account_id != me) {
      return NotFound("CONFIGURED_TABLE", table_id, "Configured table");
    }
    table = std::move(*t);
    return absl::OkStatus();
  }));
  std::string region = RequestRegion(ctx);
  RETURN_IF_ERROR(CheckRole(*authorizer_, *catalog_, me, region, role_arn, table));
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kConfiguredTable, table_id));
    if (!t || t->account_id != me) {
      return NotFound("CONFIGURED_TABLE", table_id, "Configured table");
    }
    std::string name = Str(in, "name");
    ASSIGN_OR_RETURN(
        std::vector<Resource> same_name,
        tx.List(kAssociation, Filter{.collaboration_id = ms.collaboration_id, .name = name}));
    if (!same_name.empty()) {
      return Conflict(
          "ALREADY_EXISTS", "CONFIGURED_TABLE_ASSOCIATION", same_name[0].id,
          StrCat("Collaboration ", ms.collaboration_id, " already has a table named '", name, "'"));
    }
    ASSIGN_OR_RETURN(std::vector<Resource> same_table,
                     tx.List(kAssociation, Filter{.membership_id = ms.id, .parent_id = t->id}));
    if (!same_table.empty()) {
      return Conflict("ALREADY_EXISTS", "CONFIGURED_TABLE_ASSOCIATION", same_table[0].id,
                      StrCat("Configured table ", t->id,
                             " is already associated with this "
                             "collaboration as '",
                             same_table[0].name, "'"));
    }
    // A table with differential privacy must fit the collaboration's other such tables.
    ASSIGN_OR_RETURN(std::vector<Resource> table_rules,
                     tx.List(kTableRule, Filter{.parent_id = t->id}));
    if (!table_rules.empty()) {
      ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(table_rules.front().name));
      ASSIGN_OR_RETURN(rules::TableRule rule,
                       rules::ParseTableRule(type, table_rules.front().doc["policy"]));
      RETURN_IF_ERROR(CheckDifferentialPrivacyPlacement(tx, "configuredTableIdentifier",
                                                        ms.collaboration_id, "", name, me, rule));
    }
    Resource a{.kind = std::string(kAssociation),
               .id = NewUuid(),
               .account_id = me,
               .collaboration_id = ms.collaboration_id,
               .membership_id = ms.id,
               .parent_id = t->id,
               .name = name,
               .create_time_ms = now,
               .update_time_ms = now};
    a.doc = {{"region", region}, {"roleArn", role_arn}};
    if (in.contains("description")) a.doc["description"] = in["description"];
    RETURN_IF_ERROR(tx.Put(a));
    std::map<std::string, std::string> tags = TagsOf(in);
    RETURN_IF_ERROR(tx.SetTags(Arn(a), tags));
    RETURN_IF_ERROR(
        tx.Record(MakeEvent(now, me, ms.collaboration_id, true, "CreateConfiguredTableAssociation",
                            "CONFIGURED_TABLE_ASSOCIATION", a.id, {{"name", a.name}})));
    out = {{"configuredTableAssociation", RenderAssociation(a, {}, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetConfiguredTableAssociation(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, ctx.caller.account_id, in, false));
    ASSIGN_OR_RETURN(std::vector<Resource> rules, AssociationRules(tx, a.id));
    out = {{"configuredTableAssociation", RenderAssociation(a, rules, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListConfiguredTableAssociations(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> rows,
                     tx.List(kAssociation, Filter{.membership_id = ms.id}));
    for (const Resource& a : rows) {
      ASSIGN_OR_RETURN(std::vector<Resource> rules, AssociationRules(tx, a.id));
      items.push_back({a.create_time_ms, a.id, RenderAssociation(a, rules, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "configuredTableAssociationSummaries");
}

absl::StatusOr<Json> CleanRoomsService::UpdateConfiguredTableAssociation(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  if (in.contains("roleArn")) {
    Resource table;
    RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, me, Str(in, "membershipIdentifier")));
      ASSIGN_OR_RETURN(Resource a,
                       OwnAssociation(tx, ms, Str(in, "configuredTableAssociationIdentifier")));
      ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kConfiguredTable, a.parent_id));
      if (!t) return NotFound("CONFIGURED_TABLE", a.parent_id, "Configured table");
      table = std::move(*t);
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(
        CheckRole(*authorizer_, *catalog_, me, RequestRegion(ctx), Str(in, "roleArn"), table));
  }
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, me, in, true));
    for (const char* m : {"description", "roleArn"}) {
      if (in.contains(m)) a.doc[m] = in[m];
    }
    a.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(a));
    RETURN_IF_ERROR(
        tx.Record(MakeEvent(now, me, a.collaboration_id, true, "UpdateConfiguredTableAssociation",
                            "CONFIGURED_TABLE_ASSOCIATION", a.id, {{"name", a.name}})));
    ASSIGN_OR_RETURN(std::vector<Resource> rules, AssociationRules(tx, a.id));
    out = {{"configuredTableAssociation", RenderAssociation(a, rules, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteConfiguredTableAssociation(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, me, in, false));
    ASSIGN_OR_RETURN(std::vector<Resource> rules, AssociationRules(tx, a.id));
    for (const Resource& r : rules) RETURN_IF_ERROR(tx.Delete(kAssociationRule, r.id));
    RETURN_IF_ERROR(tx.Delete(kAssociation, a.id));
    RETURN_IF_ERROR(tx.RemoveAllTags(Arn(a)));
    return tx.Record(MakeEvent(now, me, a.collaboration_id, true,
                               "DeleteConfiguredTableAssociation", "CONFIGURED_TABLE_ASSOCIATION",
                               a.id, {{"name", a.name}}));
  }));
  return Json::object();
}

// --- Collaboration (association) analysis rules ---------------------------------------------

namespace {

// Parses and validates an association rule of `type` against the collaboration and the
// configured table's own rule; returns it as stored.
absl::StatusOr<Json> CheckAssociationRule(ResourceStore::Tx& tx, const Resource& association,
                                          std::string_view type_name, const Json& policy) {
  ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(type_name));
  ASSIGN_OR_RETURN(rules::AssociationRule rule, rules::ParseAssociationRule(type, policy));
  ASSIGN_OR_RETURN(std::vector<Resource> members, Members(tx, association.collaboration_id));
  RETURN_IF_ERROR(rules::ValidateAssociationRule(rule, CollaborationContextOf(members)));
  ASSIGN_OR_RETURN(std::optional<Resource> table_rule, TableRuleOf(tx, association));
  if (table_rule) {
    ASSIGN_OR_RETURN(rules::RuleType table_type, RuleTypeOf(table_rule->name));
    ASSIGN_OR_RETURN(rules::TableRule parsed,
                     rules::ParseTableRule(table_type, table_rule->doc["policy"]));
    RETURN_IF_ERROR(rules::ValidateAssociationRuleForTableRule(rule, parsed));
  }
  return rules::ToJson(rule);
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::CreateAssociationRule(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, me, in, true));
    ASSIGN_OR_RETURN(std::vector<Resource> existing, AssociationRules(tx, a.id));
    if (!existing.empty()) {
      return Conflict("ALREADY_EXISTS", "CONFIGURED_TABLE_ASSOCIATION", a.id,
                      StrCat("Configured table association ", a.id, " already has a ",
                             existing[0].name, " analysis rule"));
    }
    ASSIGN_OR_RETURN(Json policy, CheckAssociationRule(tx, a, type, in["analysisRulePolicy"]));
    Resource rule{.kind = std::string(kAssociationRule),
                  .id = StrCat(a.id, "/", type),
                  .account_id = me,
                  .collaboration_id = a.collaboration_id,
                  .membership_id = a.membership_id,
                  .parent_id = a.id,
                  .name = type,
                  .create_time_ms = now,
                  .update_time_ms = now};
    rule.doc = {{"policy", policy}};
    RETURN_IF_ERROR(tx.Put(rule));
    RETURN_IF_ERROR(tx.Record(
        MakeEvent(now, me, a.collaboration_id, true, "CreateConfiguredTableAssociationAnalysisRule",
                  "SCHEMA_ANALYSIS_RULE", a.name, {{"type", type}, {"policy", policy}})));
    out = {{"analysisRule", RenderAssociationRule(a, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetAssociationRule(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, ctx.caller.account_id, in, false));
    std::string type = Str(in, "analysisRuleType");
    ASSIGN_OR_RETURN(Resource rule, AssociationRuleOf(tx, a, type));
    out = {{"analysisRule", RenderAssociationRule(a, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::UpdateAssociationRule(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, me, in, true));
    ASSIGN_OR_RETURN(Resource rule, AssociationRuleOf(tx, a, type));
    ASSIGN_OR_RETURN(Json policy, CheckAssociationRule(tx, a, type, in["analysisRulePolicy"]));
    rule.doc["policy"] = policy;
    rule.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(rule));
    RETURN_IF_ERROR(tx.Record(
        MakeEvent(now, me, a.collaboration_id, true, "UpdateConfiguredTableAssociationAnalysisRule",
                  "SCHEMA_ANALYSIS_RULE", a.name, {{"type", type}, {"policy", policy}})));
    out = {{"analysisRule", RenderAssociationRule(a, rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteAssociationRule(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  std::string type = Str(in, "analysisRuleType");
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource a, AssociationIn(tx, me, in, false));
    ASSIGN_OR_RETURN(Resource rule, AssociationRuleOf(tx, a, type));
    RETURN_IF_ERROR(tx.Delete(kAssociationRule, rule.id));
    return tx.Record(MakeEvent(now, me, a.collaboration_id, true,
                               "DeleteConfiguredTableAssociationAnalysisRule",
                               "SCHEMA_ANALYSIS_RULE", a.name, {{"type", type}}));
  }));
  return Json::object();
}

// --- Schemas -----------------------------------------------------------------------------------

namespace {

absl::StatusOr<std::optional<Resource>> SchemaByName(ResourceStore::Tx& tx,
                                                     const std::string& collaboration_id,
                                                     const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<Resource> all, ActiveAssociations(tx, collaboration_id));
  for (Resource& a : all) {
    if (a.name == name) return std::optional<Resource>(std::move(a));
  }
  return std::optional<Resource>();
}

// AnalysisRule (the schema-level view of a table rule of `type`), or NotFound.
absl::StatusOr<Json> SchemaRule(ResourceStore::Tx& tx, const Resource& association,
                                std::string_view type) {
  ASSIGN_OR_RETURN(std::optional<Resource> table_rule, TableRuleOf(tx, association));
  if (!table_rule || table_rule->name != type) {
    return NotFound("CONFIGURED_TABLE_ASSOCIATION", association.name,
                    StrCat("The ", type, " analysis rule of schema"));
  }
  ASSIGN_OR_RETURN(std::optional<Resource> cta_rule,
                   tx.Get(kAssociationRule, StrCat(association.id, "/", type)));
  Json out = {{"collaborationId", association.collaboration_id},
              {"type", type},
              {"name", association.name},
              {"createTime", Seconds(table_rule->create_time_ms)},
              {"updateTime", Seconds(std::max(table_rule->update_time_ms,
                                              cta_rule ? cta_rule->update_time_ms : 0))},
              {"policy", table_rule->doc["policy"]}};
  ASSIGN_OR_RETURN(rules::RuleType rule_type, RuleTypeOf(type));
  ASSIGN_OR_RETURN(rules::TableRule parsed,
                   rules::ParseTableRule(rule_type, table_rule->doc["policy"]));
  std::optional<rules::AssociationRule> parsed_cta;
  if (cta_rule) {
    out["collaborationPolicy"] = cta_rule->doc["policy"];
    ASSIGN_OR_RETURN(parsed_cta, rules::ParseAssociationRule(rule_type, cta_rule->doc["policy"]));
  }
  out["consolidatedPolicy"] = rules::ConsolidatedPolicy(parsed, parsed_cta);
  return out;
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::SchemaFor(ResourceStore::Tx& tx, const Resource& a,
                                                  const Resource& collab,
                                                  ColumnSource* columns_out) {
  ASSIGN_OR_RETURN(std::optional<Resource> table, tx.Get(kConfiguredTable, a.parent_id));
  if (!table) return absl::InternalError("association without configured table");
  ASSIGN_OR_RETURN(std::optional<Resource> table_rule, TableRuleOf(tx, a));
  Json types = Json::array();
  if (table_rule) types.push_back(table_rule->name);
  std::string collab_region = Str(collab.doc, "region");
  Json out = {
      {"name", a.name},
      {"type", "TABLE"},
      {"creatorAccountId", a.account_id},
      {"createTime", Seconds(a.create_time_ms)},
      {"updateTime", Seconds(std::max(a.update_time_ms, table->update_time_ms))},
      {"collaborationId", collab.id},
      {"collaborationArn", CollaborationArn(collab_region.empty() ? "us-east-1" : collab_region,
                                            collab.account_id, collab.id)},
      {"analysisRuleTypes", types},
      {"analysisMethod", table->doc["analysisMethod"]},
      {"resourceArn", Arn(a)}};
  if (table->doc.contains("selectedAnalysisMethods")) {
    out["selectedAnalysisMethods"] = table->doc["selectedAnalysisMethods"];
  }
  if (columns_out == nullptr) return out;
  const Json& glue_ref = table->doc["tableReference"]["glue"];
  *columns_out = ColumnSource{a.account_id, Str(glue_ref, "databaseName"),
                              Str(glue_ref, "tableName"), StrList(table->doc, "allowedColumns")};
  out["columns"] = Json::array();
  out["partitionKeys"] = Json::array();
  out["description"] = Str(a.doc, "description");
  // Status: computed from the table rule, the collaboration rule and the members.
  std::optional<rules::TableRule> parsed_rule;
  std::optional<rules::AssociationRule> parsed_cta;
  if (table_rule) {
    ASSIGN_OR_RETURN(rules::RuleType type, RuleTypeOf(table_rule->name));
    ASSIGN_OR_RETURN(parsed_rule, rules::ParseTableRule(type, table_rule->doc["policy"]));
    ASSIGN_OR_RETURN(std::optional<Resource> cta_rule,
                     tx.Get(kAssociationRule, StrCat(a.id, "/", table_rule->name)));
    if (cta_rule) {
      ASSIGN_OR_RETURN(parsed_cta, rules::ParseAssociationRule(type, cta_rule->doc["policy"]));
    }
  }
  ASSIGN_OR_RETURN(std::vector<Resource> members, Members(tx, collab.id));
  rules::SchemaContext context;
  context.owner_account_id = a.account_id;
  context.collaboration = CollaborationContextOf(members);
  ASSIGN_OR_RETURN(std::optional<Resource> budget_template, PrivacyBudgetTemplateOf(tx, collab.id));
  context.has_differential_privacy_budget_template = budget_template.has_value();
  out["schemaStatusDetails"] = rules::SchemaStatusDetailsToJson(
      rules::ComputeSchemaStatus(parsed_rule, parsed_cta, context));
  return out;
}

void CleanRoomsService::FillColumns(Json& schema, const ColumnSource& source) const {
  absl::StatusOr<glue::Table> glue_table =
      catalog_->GetTable(source.account, source.database, source.table);
  Json columns = Json::array();
  Json partition_keys = Json::array();
  if (glue_table.ok()) {
    for (const glue::Column& c : glue_table->columns) {
      if (Contains(source.allowed, ToLower(c.name))) {
        columns.push_back({{"name", ToLower(c.name)}, {"type", c.type}});
      }
    }
    for (const glue::Column& c : glue_table->partition_keys) {
      if (Contains(source.allowed, ToLower(c.name))) {
        Json col = {{"name", ToLower(c.name)}, {"type", c.type}};
        columns.push_back(col);
        partition_keys.push_back(col);
      }
    }
  }
  schema["columns"] = std::move(columns);
  schema["partitionKeys"] = std::move(partition_keys);
}

absl::StatusOr<Json> CleanRoomsService::ListSchemas(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  std::string want = Str(in, "schemaType");
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    if (!want.empty() && want != "TABLE") return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<Resource> associations,
                     ActiveAssociations(tx, v.collaboration.id));
    for (const Resource& a : associations) {
      ASSIGN_OR_RETURN(Json summary, SchemaFor(tx, a, v.collaboration, nullptr));
      items.push_back({a.create_time_ms, a.id, std::move(summary)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "schemaSummaries");
}

absl::StatusOr<Json> CleanRoomsService::GetSchema(Ctx& ctx, const Json& in) {
  Json out;
  ColumnSource columns;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    std::string name = Str(in, "name");
    ASSIGN_OR_RETURN(std::optional<Resource> a, SchemaByName(tx, v.collaboration.id, name));
    if (!a) {
      return NotFound("CONFIGURED_TABLE_ASSOCIATION", name,
                      StrCat("Schema in collaboration ", v.collaboration.id, " named"));
    }
    ASSIGN_OR_RETURN(Json schema, SchemaFor(tx, *a, v.collaboration, &columns));
    out = {{"schema", std::move(schema)}};
    return absl::OkStatus();
  }));
  FillColumns(out["schema"], columns);
  return out;
}

absl::StatusOr<Json> CleanRoomsService::BatchGetSchema(Ctx& ctx, const Json& in) {
  Json out = {{"schemas", Json::array()}, {"errors", Json::array()}};
  std::vector<ColumnSource> sources;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    for (const std::string& name : StrList(in, "names")) {
      ASSIGN_OR_RETURN(std::optional<Resource> a, SchemaByName(tx, v.collaboration.id, name));
      if (!a) {
        out["errors"].push_back({{"name", name},
                                 {"code", "ResourceNotFoundException"},
                                 {"message", StrCat("Schema ", name, " not found")}});
        continue;
      }
      ColumnSource columns;
      ASSIGN_OR_RETURN(Json schema, SchemaFor(tx, *a, v.collaboration, &columns));
      out["schemas"].push_back(std::move(schema));
      sources.push_back(std::move(columns));
    }
    return absl::OkStatus();
  }));
  for (size_t i = 0; i < sources.size(); ++i) FillColumns(out["schemas"][i], sources[i]);
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetSchemaAnalysisRule(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    std::string name = Str(in, "name");
    ASSIGN_OR_RETURN(std::optional<Resource> a, SchemaByName(tx, v.collaboration.id, name));
    if (!a) {
      return NotFound("CONFIGURED_TABLE_ASSOCIATION", name,
                      StrCat("Schema in collaboration ", v.collaboration.id, " named"));
    }
    ASSIGN_OR_RETURN(Json rule, SchemaRule(tx, *a, Str(in, "type")));
    out = {{"analysisRule", std::move(rule)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::BatchGetSchemaAnalysisRule(Ctx& ctx, const Json& in) {
  Json out = {{"analysisRules", Json::array()}, {"errors", Json::array()}};
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    for (const Json& request : in["schemaAnalysisRuleRequests"]) {
      std::string name = Str(request, "name");
      std::string type = Str(request, "type");
      ASSIGN_OR_RETURN(std::optional<Resource> a, SchemaByName(tx, v.collaboration.id, name));
      absl::StatusOr<Json> rule =
          a ? SchemaRule(tx, *a, type)
            : absl::StatusOr<Json>(NotFound("CONFIGURED_TABLE_ASSOCIATION", name, "Schema"));
      if (!rule.ok()) {
        if (rule.status().code() != absl::StatusCode::kNotFound) return rule.status();
        out["errors"].push_back({{"name", name},
                                 {"type", type},
                                 {"code", "ResourceNotFoundException"},
                                 {"message", std::string(rule.status().message())}});
        continue;
      }
      out["analysisRules"].push_back(std::move(*rule));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace cleanroom::cleanrooms
