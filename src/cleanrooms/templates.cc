// Analysis templates, tags, and the audit trail.
#include <algorithm>
#include <cctype>

#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "cleanrooms/sql_parameters.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::cleanrooms {
namespace {

std::string Arn(const Resource& t) {
  return AnalysisTemplateArn(RegionOf(t), t.account_id, t.membership_id, t.id);
}

Json RenderTemplate(const Resource& t, const Resource& collab, bool collaboration_view,
                    bool summary) {
  std::string collab_region = Str(collab.doc, "region");
  Json out = {
      {"id", t.id},
      {"arn", Arn(t)},
      {"collaborationId", collab.id},
      {"collaborationArn", CollaborationArn(collab_region.empty() ? "us-east-1" : collab_region,
                                            collab.account_id, collab.id)},
      {"name", t.name},
      {"createTime", Seconds(t.create_time_ms)},
      {"updateTime", Seconds(t.update_time_ms)}};
  if (collaboration_view) {
    out["creatorAccountId"] = t.account_id;
  } else {
    out["membershipId"] = t.membership_id;
    out["membershipArn"] = MembershipArn(RegionOf(t), t.account_id, t.membership_id);
  }
  if (t.doc.contains("description")) out["description"] = t.doc["description"];
  if (summary) return out;
  out["schema"] = t.doc.value("schema", Json{{"referencedTables", Json::array()}});
  out["format"] = t.doc["format"];
  out["source"] = t.doc["source"];
  for (const char* m : {"analysisParameters", "errorMessageConfiguration"}) {
    if (t.doc.contains(m)) out[m] = t.doc[m];
  }
  return out;
}

absl::StatusOr<Resource> OwnTemplate(ResourceStore::Tx& tx, const Resource& membership,
                                     std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kAnalysisTemplate, id));
  if (!t || t->membership_id != membership.id) {
    return NotFound("MEMBERSHIP", id, "Analysis template");
  }
  return std::move(*t);
}

// The schema names (association names) of the collaboration's active members.
absl::StatusOr<std::vector<std::string>> SchemaNames(ResourceStore::Tx& tx,
                                                     const std::string& collaboration_id) {
  ASSIGN_OR_RETURN(std::vector<Resource> active, ActiveAssociations(tx, collaboration_id));
  std::vector<std::string> names;
  for (const Resource& a : active) names.push_back(a.name);
  return names;
}

// Checks a template's source, parameters and referenced tables.
absl::Status CheckTemplate(const Json& in, const std::vector<std::string>& schema_names) {
  std::string format = Str(in, "format");
  const Json& source = in["source"];
  if (format == "SQL" && !source.contains("text")) {
    return Invalid("A SQL analysis template needs source.text", "source");
  }
  if (format == "PYSPARK_1_0" && !source.contains("artifacts")) {
    return Invalid("A PYSPARK_1_0 analysis template needs source.artifacts", "source");
  }
  std::vector<std::string> declared;
  const Json params = in.value("analysisParameters", Json::array());
  for (size_t i = 0; i < params.size(); ++i) {
    std::string name = Str(params[i], "name");
    std::string field = StrCat("analysisParameters.", i + 1, ".member");
    if (Contains(declared, name)) {
      return Invalid(StrCat("Parameter '", name, "' is declared more than once"), field);
    }
    declared.push_back(name);
    if (params[i].contains("defaultValue")) {
      absl::Status typed =
          CheckParameterValue(Str(params[i], "type"), Str(params[i], "defaultValue"));
      if (!typed.ok()) {
        return Invalid(StrCat("The default value of parameter '", name, "' ", typed.message()),
                       StrCat(field, ".defaultValue"));
      }
    }
  }
  if (format == "SQL") {
    for (const std::string& used : ParameterReferences(Str(source, "text"))) {
      if (!Contains(declared, used)) {
        return Invalid(StrCat("The SQL uses parameter :", used,
                              ", which is not declared in analysisParameters"),
                       "analysisParameters");
      }
    }
  }
  if (in.contains("schema")) {
    for (const std::string& table : StrList(in["schema"], "referencedTables")) {
      if (!Contains(schema_names, table)) {
        return Invalid(StrCat("schema.referencedTables names '", table,
                              "', which is not a table of this collaboration"),
                       "schema.referencedTables");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::CreateAnalysisTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, ms.collaboration_id));
    if (!collab) return absl::InternalError("membership without collaboration");
    ASSIGN_OR_RETURN(std::vector<std::string> schema_names, SchemaNames(tx, ms.collaboration_id));
    RETURN_IF_ERROR(CheckTemplate(in, schema_names));
    Resource t{.kind = std::string(kAnalysisTemplate),
               .id = NewUuid(),
               .account_id = me,
               .collaboration_id = ms.collaboration_id,
               .membership_id = ms.id,
               .name = in["name"],
               .create_time_ms = now,
               .update_time_ms = now};
    t.doc = {{"region", RequestRegion(ctx)},
             {"format", in["format"]},
             {"source", in["source"]},
             {"schema", in.value("schema", Json{{"referencedTables", Json::array()}})}};
    if (!t.doc["schema"].contains("referencedTables")) {
      t.doc["schema"]["referencedTables"] = Json::array();
    }
    for (const char* m : {"description", "analysisParameters", "errorMessageConfiguration"}) {
      if (in.contains(m)) t.doc[m] = in[m];
    }
    RETURN_IF_ERROR(tx.Put(t));
    std::map<std::string, std::string> tags = TagsOf(in);
    RETURN_IF_ERROR(tx.SetTags(Arn(t), tags));
    RETURN_IF_ERROR(
        tx.Record(MakeEvent(now, me, ms.collaboration_id, true, "CreateAnalysisTemplate",
                            "ANALYSIS_TEMPLATE", t.id, {{"name", t.name}, {"arn", Arn(t)}})));
    out = {{"analysisTemplate", RenderTemplate(t, *collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetAnalysisTemplate(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "analysisTemplateIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, t.collaboration_id));
    if (!collab) return absl::InternalError("template without collaboration");
    out = {{"analysisTemplate", RenderTemplate(t, *collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListAnalysisTemplates(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, ms.collaboration_id));
    if (!collab) return absl::InternalError("membership without collaboration");
    ASSIGN_OR_RETURN(std::vector<Resource> rows,
                     tx.List(kAnalysisTemplate, Filter{.membership_id = ms.id}));
    for (const Resource& t : rows) {
      items.push_back({t.create_time_ms, t.id, RenderTemplate(t, *collab, false, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "analysisTemplateSummaries");
}

absl::StatusOr<Json> CleanRoomsService::UpdateAnalysisTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "analysisTemplateIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, t.collaboration_id));
    if (!collab) return absl::InternalError("template without collaboration");
    if (in.contains("description")) t.doc["description"] = in["description"];
    t.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, t.collaboration_id, true, "UpdateAnalysisTemplate",
                                        "ANALYSIS_TEMPLATE", t.id,
                                        {{"description", t.doc.value("description", "")}})));
    out = {{"analysisTemplate", RenderTemplate(t, *collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteAnalysisTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "analysisTemplateIdentifier")));
    RETURN_IF_ERROR(tx.Delete(kAnalysisTemplate, t.id));
    RETURN_IF_ERROR(tx.RemoveAllTags(Arn(t)));
    return tx.Record(MakeEvent(now, me, t.collaboration_id, true, "DeleteAnalysisTemplate",
                               "ANALYSIS_TEMPLATE", t.id, {{"name", t.name}}));
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::GetCollaborationAnalysisTemplate(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    std::string arn = Str(in, "analysisTemplateArn");
    ASSIGN_OR_RETURN(std::optional<Resource> t, TemplateByArn(tx, v.collaboration.id, arn));
    if (!t) return NotFound("COLLABORATION", arn, "Analysis template");
    out = {{"collaborationAnalysisTemplate", RenderTemplate(*t, v.collaboration, true, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListCollaborationAnalysisTemplates(Ctx& ctx,
                                                                           const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> rows,
                     tx.List(kAnalysisTemplate, Filter{.collaboration_id = v.collaboration.id}));
    for (const Resource& t : rows) {
      items.push_back({t.create_time_ms, t.id, RenderTemplate(t, v.collaboration, true, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "collaborationAnalysisTemplateSummaries");
}

absl::StatusOr<Json> CleanRoomsService::BatchGetCollaborationAnalysisTemplate(Ctx& ctx,
                                                                              const Json& in) {
  Json out = {{"collaborationAnalysisTemplates", Json::array()}, {"errors", Json::array()}};
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    for (const std::string& arn : StrList(in, "analysisTemplateArns")) {
      ASSIGN_OR_RETURN(std::optional<Resource> t, TemplateByArn(tx, v.collaboration.id, arn));
      if (!t) {
        out["errors"].push_back({{"arn", arn},
                                 {"code", "ResourceNotFoundException"},
                                 {"message", StrCat("Analysis template ", arn, " not found")}});
        continue;
      }
      out["collaborationAnalysisTemplates"].push_back(
          RenderTemplate(*t, v.collaboration, true, false));
    }
    return absl::OkStatus();
  }));
  return out;
}

// --- Tags --------------------------------------------------------------------------------------

namespace {

// OK if `arn` names a resource `account` owns (and that the tag API covers).
absl::Status CheckTaggable(ResourceStore::Tx& tx, const std::string& account,
                           const std::string& arn) {
  std::optional<ParsedArn> p = ParseCleanRoomsArn(arn);
  if (!p) return Invalid(StrCat(arn, " is not a Clean Rooms resource ARN"), "resourceArn");
  absl::Status denied = AccessDenied(
      StrCat("Resource ", arn, " does not exist or is not owned by account ", account));
  if (p->account != account) return denied;
  const std::vector<std::string>& path = p->path;
  std::optional<Resource> r;
  if (path.size() == 2 && path[0] == "collaboration") {
    ASSIGN_OR_RETURN(r, tx.Get(kCollaboration, path[1]));
    if (r && r->status == "DELETED") r.reset();
  } else if (path.size() == 2 && path[0] == "membership") {
    ASSIGN_OR_RETURN(r, tx.Get(kMembership, path[1]));
  } else if (path.size() == 2 && path[0] == "configuredtable") {
    ASSIGN_OR_RETURN(r, tx.Get(kConfiguredTable, path[1]));
  } else if (path.size() == 4 && path[0] == "membership" &&
             path[2] == "configuredtableassociation") {
    ASSIGN_OR_RETURN(r, tx.Get(kAssociation, path[3]));
    if (r && r->membership_id != path[1]) r.reset();
  } else if (path.size() == 4 && path[0] == "membership" && path[2] == "analysistemplate") {
    ASSIGN_OR_RETURN(r, tx.Get(kAnalysisTemplate, path[3]));
    if (r && r->membership_id != path[1]) r.reset();
  } else if (path.size() == 2 && path[0] == "privacybudgettemplate") {
    ASSIGN_OR_RETURN(r, tx.Get(kPrivacyBudgetTemplate, path[1]));
  }
  if (!r || r->account_id != account) return denied;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::TagResource(Ctx& ctx, const Json& in) {
  std::string arn = Str(in, "resourceArn");
  std::map<std::string, std::string> tags = TagsOf(in);
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckTaggable(tx, ctx.caller.account_id, arn));
    ASSIGN_OR_RETURN(auto existing, tx.Tags(arn));
    size_t total = existing.size();
    for (const auto& [k, v] : tags) total += existing.count(k) ? 0 : 1;
    if (total > 200) {
      return Invalid(StrCat("A resource can have at most 200 tags; this would make ", total),
                     "tags");
    }
    return tx.SetTags(arn, tags);
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::UntagResource(Ctx& ctx, const Json& in) {
  std::string arn = Str(in, "resourceArn");
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckTaggable(tx, ctx.caller.account_id, arn));
    return tx.RemoveTags(arn, StrList(in, "tagKeys"));
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::ListTagsForResource(Ctx& ctx, const Json& in) {
  std::string arn = Str(in, "resourceArn");
  Json out = {{"tags", Json::object()}};
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckTaggable(tx, ctx.caller.account_id, arn));
    ASSIGN_OR_RETURN(auto tags, tx.Tags(arn));
    for (const auto& [k, v] : tags) out["tags"][k] = v;
    return absl::OkStatus();
  }));
  return out;
}

// --- Audit trail -------------------------------------------------------------------------------

absl::StatusOr<Json> CleanRoomsService::ListEvents(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  std::string collaboration = Str(in, "collaborationIdentifier");
  int64_t after = 0;
  std::string token = Str(in, "nextToken");
  if (!token.empty()) {
    uint64_t v;
    if (!ParseUint64(token, &v)) return Invalid("The nextToken is not valid", "nextToken");
    after = static_cast<int64_t>(v);
  }
  int limit = 100;
  if (in.contains("maxResults")) {
    uint64_t v;
    std::string text = in["maxResults"].is_string() ? in["maxResults"].get<std::string>()
                                                    : in["maxResults"].dump();
    if (!ParseUint64(text, &v) || v < 1 || v > 1000) {
      return Invalid("maxResults must be between 1 and 1000", "maxResults");
    }
    limit = static_cast<int>(v);
  }
  Json out = {{"events", Json::array()}};
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    if (!collaboration.empty()) {
      RETURN_IF_ERROR(ViewCollaboration(tx, me, collaboration).status());
    }
    ASSIGN_OR_RETURN(std::vector<Event> events, tx.Events(me, collaboration, after, limit + 1));
    for (size_t i = 0; i < events.size() && i < static_cast<size_t>(limit); ++i) {
      const Event& e = events[i];
      Json j = {{"eventId", e.seq},
                {"eventTime", Seconds(e.time_ms)},
                {"accountId", e.account_id},
                {"operation", e.operation},
                {"resourceType", e.resource_type},
                {"resourceId", e.resource_id},
                {"details", e.details}};
      if (!e.collaboration_id.empty()) j["collaborationId"] = e.collaboration_id;
      out["events"].push_back(std::move(j));
    }
    if (events.size() > static_cast<size_t>(limit)) {
      out["nextToken"] = std::to_string(events[limit - 1].seq);
    }
    return absl::OkStatus();
  }));
  return out;
}

// --- Configured audience model associations (none exist) --------------------------------------

absl::StatusOr<Json> CleanRoomsService::GetCollaborationAudienceModelAssociation(Ctx& ctx,
                                                                                 const Json& in) {
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    return ViewAsActiveMember(tx, ctx.caller.account_id, Str(in, "collaborationIdentifier"))
        .status();
  }));
  return NotFound("COLLABORATION", Str(in, "configuredAudienceModelAssociationIdentifier"),
                  "Configured audience model association");
}

absl::StatusOr<Json> CleanRoomsService::ListCollaborationAudienceModelAssociations(Ctx& ctx,
                                                                                   const Json& in) {
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    return ViewAsActiveMember(tx, ctx.caller.account_id, Str(in, "collaborationIdentifier"))
        .status();
  }));
  return Json{{"collaborationConfiguredAudienceModelAssociationSummaries", Json::array()}};
}

absl::StatusOr<Json> CleanRoomsService::GetAudienceModelAssociation(Ctx& ctx, const Json& in) {
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    return OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")).status();
  }));
  return NotFound("MEMBERSHIP", Str(in, "configuredAudienceModelAssociationIdentifier"),
                  "Configured audience model association");
}

absl::StatusOr<Json> CleanRoomsService::ListAudienceModelAssociations(Ctx& ctx, const Json& in) {
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    return OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")).status();
  }));
  return Json{{"configuredAudienceModelAssociationSummaries", Json::array()}};
}

}  // namespace cleanroom::cleanrooms
