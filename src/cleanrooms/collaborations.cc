// Collaborations, their members, and memberships.
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::cleanrooms {
namespace {

void CopyIfPresent(const Json& from, Json& to, std::string_view member) {
  auto it = from.find(member);
  if (it != from.end()) to[std::string(member)] = *it;
}

// The collaboration as `view`'s caller sees it (Collaboration or CollaborationSummary).
Json RenderCollaboration(const CollaborationView& view, bool summary) {
  const Resource& c = view.collaboration;
  const Resource& m = view.member;
  std::string region = RegionOf(c);
  Json out = {{"id", c.id},
              {"arn", CollaborationArn(region, c.account_id, c.id)},
              {"name", c.name},
              {"creatorAccountId", c.account_id},
              {"creatorDisplayName", Str(c.doc, "creatorDisplayName")},
              {"createTime", Seconds(c.create_time_ms)},
              {"updateTime", Seconds(c.update_time_ms)},
              {"memberStatus", m.status}};
  if (!m.membership_id.empty()) {
    out["membershipId"] = m.membership_id;
    out["membershipArn"] = MembershipArn(region, m.account_id, m.membership_id);
  }
  CopyIfPresent(c.doc, out, "analyticsEngine");
  if (summary) return out;
  CopyIfPresent(c.doc, out, "description");
  CopyIfPresent(c.doc, out, "dataEncryptionMetadata");
  CopyIfPresent(c.doc, out, "queryLogStatus");
  CopyIfPresent(c.doc, out, "jobLogStatus");
  CopyIfPresent(c.doc, out, "autoApprovedChangeTypes");
  CopyIfPresent(c.doc, out, "allowedResultRegions");
  CopyIfPresent(c.doc, out, "isMetricsEnabled");
  return out;
}

Json RenderMember(const Resource& collab, const Resource& m) {
  Json out = {{"accountId", m.account_id},
              {"status", m.status},
              {"displayName", Str(m.doc, "displayName")},
              {"abilities", m.doc.value("abilities", Json::array())},
              {"createTime", Seconds(m.create_time_ms)},
              {"updateTime", Seconds(m.update_time_ms)},
              {"paymentConfiguration", m.doc.value("paymentConfiguration", Json::object())}};
  CopyIfPresent(m.doc, out, "mlAbilities");
  if (!m.membership_id.empty()) {
    out["membershipId"] = m.membership_id;
    out["membershipArn"] = MembershipArn(RegionOf(collab), m.account_id, m.membership_id);
  }
  return out;
}

// Membership or MembershipSummary. `collab` may be a deleted collaboration (its name and
// creator are still shown, as AWS shows them for COLLABORATION_DELETED memberships).
Json RenderMembership(const Resource& ms, const Resource& collab, bool summary) {
  std::string region = RegionOf(collab);
  Json out = {{"id", ms.id},
              {"arn", MembershipArn(region, ms.account_id, ms.id)},
              {"collaborationArn", CollaborationArn(region, collab.account_id, collab.id)},
              {"collaborationId", collab.id},
              {"collaborationCreatorAccountId", collab.account_id},
              {"collaborationCreatorDisplayName", Str(collab.doc, "creatorDisplayName")},
              {"collaborationName", collab.name},
              {"createTime", Seconds(ms.create_time_ms)},
              {"updateTime", Seconds(ms.update_time_ms)},
              {"status", ms.status},
              {"memberAbilities", ms.doc.value("memberAbilities", Json::array())},
              {"paymentConfiguration", ms.doc.value("paymentConfiguration", Json::object())}};
  CopyIfPresent(ms.doc, out, "mlMemberAbilities");
  if (summary) return out;
  CopyIfPresent(ms.doc, out, "queryLogStatus");
  CopyIfPresent(ms.doc, out, "jobLogStatus");
  CopyIfPresent(ms.doc, out, "defaultResultConfiguration");
  CopyIfPresent(ms.doc, out, "defaultJobResultConfiguration");
  CopyIfPresent(ms.doc, out, "isMetricsEnabled");
  return out;
}

Json PaymentOrDefault(const Json& given, bool responsible) {
  if (given.is_object()) return given;
  return {{"queryCompute", {{"isResponsible", responsible}}}};
}

// AWS: result configurations must name a bucket and role of the member itself; only a member
// that can receive results has one.
absl::Status CheckResultConfiguration(const Json& config, const std::string& account,
                                      const Json& abilities, std::string_view field) {
  if (config.is_null()) return absl::OkStatus();
  bool can_receive = false;
  for (const Json& a : abilities) can_receive |= a == "CAN_RECEIVE_RESULTS";
  if (!can_receive) {
    return Invalid(StrCat("Account ", account,
                          " cannot receive results in this collaboration (no CAN_RECEIVE_RESULTS "
                          "ability), so it cannot have a default result configuration"),
                   field);
  }
  std::string role = Str(config, "roleArn");
  if (!role.empty() && !StartsWith(role, StrCat("arn:aws:iam::", account, ":role/"))) {
    return Invalid(StrCat("roleArn ", role, " is not a role of account ", account), field);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::CreateCollaboration(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  // Members: unique accounts, never the creator; at most one member can query.
  std::vector<std::string> accounts{me};
  int can_query = 0;
  for (const Json& a : in["creatorMemberAbilities"]) can_query += a == "CAN_QUERY";
  const Json& members = in["members"];
  for (size_t i = 0; i < members.size(); ++i) {
    std::string account = Str(members[i], "accountId");
    std::string field = StrCat("members.", i + 1, ".member.accountId");
    if (account == me) {
      return Invalid(StrCat("Account ", account,
                            " is the creator; give its abilities in creatorMemberAbilities"),
                     field);
    }
    if (Contains(accounts, account)) {
      return Invalid(StrCat("Account ", account, " is listed more than once"), field);
    }
    accounts.push_back(account);
    for (const Json& a : members[i]["memberAbilities"]) can_query += a == "CAN_QUERY";
  }
  if (can_query > 1) {
    return Invalid("Only one member of a collaboration can have the CAN_QUERY ability",
                   "memberAbilities");
  }
  Resource collab{.kind = std::string(kCollaboration),
                  .id = NewUuid(),
                  .account_id = me,
                  .name = in["name"],
                  .status = "ACTIVE",
                  .create_time_ms = now,
                  .update_time_ms = now};
  collab.collaboration_id = collab.id;
  collab.doc = {{"region", RequestRegion(ctx)},
                {"description", in["description"]},
                {"creatorDisplayName", in["creatorDisplayName"]},
                {"queryLogStatus", in["queryLogStatus"]}};
  for (const char* m : {"jobLogStatus", "dataEncryptionMetadata", "analyticsEngine",
                        "allowedResultRegions", "isMetricsEnabled"}) {
    CopyIfPresent(in, collab.doc, m);
  }
  if (in.contains("autoApprovedChangeRequestTypes")) {
    collab.doc["autoApprovedChangeTypes"] = in["autoApprovedChangeRequestTypes"];
  }
  std::vector<Resource> rows;
  Resource creator{.kind = std::string(kMember),
                   .id = MemberId(collab.id, me),
                   .account_id = me,
                   .collaboration_id = collab.id,
                   .status = "INVITED",
                   .create_time_ms = now,
                   .update_time_ms = now};
  creator.doc = {{"displayName", in["creatorDisplayName"]},
                 {"abilities", in["creatorMemberAbilities"]},
                 {"paymentConfiguration",
                  PaymentOrDefault(in.value("creatorPaymentConfiguration", Json()), true)}};
  if (in.contains("creatorMLMemberAbilities")) {
    creator.doc["mlAbilities"] = in["creatorMLMemberAbilities"];
  }
  rows.push_back(creator);
  for (const Json& spec : members) {
    Resource m{.kind = std::string(kMember),
               .id = MemberId(collab.id, Str(spec, "accountId")),
               .account_id = Str(spec, "accountId"),
               .collaboration_id = collab.id,
               .status = "INVITED",
               .create_time_ms = now,
               .update_time_ms = now};
    m.doc = {{"displayName", spec["displayName"]},
             {"abilities", spec["memberAbilities"]},
             {"paymentConfiguration",
              PaymentOrDefault(spec.value("paymentConfiguration", Json()), false)}};
    if (spec.contains("mlMemberAbilities")) m.doc["mlAbilities"] = spec["mlMemberAbilities"];
    rows.push_back(std::move(m));
  }
  std::string arn = CollaborationArn(Str(collab.doc, "region"), me, collab.id);
  auto tags = TagsOf(in);
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Put(collab));
    for (const Resource& r : rows) RETURN_IF_ERROR(tx.Put(r));
    RETURN_IF_ERROR(tx.SetTags(arn, tags));
    Json details = {{"name", collab.name}, {"members", Json::array()}};
    for (const Resource& r : rows) {
      details["members"].push_back(
          {{"accountId", r.account_id}, {"abilities", r.doc["abilities"]}});
    }
    return tx.Record(MakeEvent(now, me, collab.id, true, "CreateCollaboration", "COLLABORATION",
                               collab.id, details));
  }));
  return Json{
      {"collaboration", RenderCollaboration(CollaborationView{collab, creator, true}, false)}};
}

absl::StatusOr<Json> CleanRoomsService::GetCollaboration(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewCollaboration(tx, ctx.caller.account_id,
                                                            Str(in, "collaborationIdentifier")));
    out = {{"collaboration", RenderCollaboration(v, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListCollaborations(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  std::string want = Str(in, "memberStatus");
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Resource> rows, tx.List(kMember, Filter{.account_id = me}));
    for (Resource& m : rows) {
      if (m.status != "INVITED" && m.status != "ACTIVE") continue;
      if (!want.empty() && m.status != want) continue;
      ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, m.collaboration_id));
      if (!c || c->status == "DELETED") continue;
      CollaborationView v{std::move(*c), std::move(m), false};
      v.is_creator = v.collaboration.account_id == me;
      items.push_back(
          {v.collaboration.create_time_ms, v.collaboration.id, RenderCollaboration(v, true)});
    }
    return absl::OkStatus();
  }));
  std::sort(items.begin(), items.end(), [](const PageItem& a, const PageItem& b) {
    return a.create_time_ms != b.create_time_ms ? a.create_time_ms > b.create_time_ms : a.id > b.id;
  });
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "collaborationList");
}

absl::StatusOr<Json> CleanRoomsService::UpdateCollaboration(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v,
                     ViewCollaboration(tx, me, Str(in, "collaborationIdentifier")));
    if (!v.is_creator) {
      return AccessDenied(StrCat("Only the creator of collaboration ", v.collaboration.id,
                                 " (account ", v.collaboration.account_id, ") can update it"));
    }
    Json changed = Json::object();
    if (in.contains("name")) {
      v.collaboration.name = in["name"];
      changed["name"] = in["name"];
    }
    for (const char* m : {"description", "analyticsEngine"}) {
      if (in.contains(m)) {
        v.collaboration.doc[m] = in[m];
        changed[m] = in[m];
      }
    }
    v.collaboration.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(v.collaboration));
    RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, v.collaboration.id, true, "UpdateCollaboration",
                                        "COLLABORATION", v.collaboration.id, changed)));
    out = {{"collaboration", RenderCollaboration(v, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteCollaboration(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v,
                     ViewCollaboration(tx, me, Str(in, "collaborationIdentifier")));
    if (!v.is_creator) {
      return AccessDenied(StrCat("Only the creator of collaboration ", v.collaboration.id,
                                 " (account ", v.collaboration.account_id, ") can delete it"));
    }
    // The collaboration row stays (as DELETED) so that the members' memberships can still
    // name it; every membership becomes COLLABORATION_DELETED.
    v.collaboration.status = "DELETED";
    v.collaboration.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(v.collaboration));
    ASSIGN_OR_RETURN(std::vector<Resource> memberships,
                     tx.List(kMembership, Filter{.collaboration_id = v.collaboration.id}));
    for (Resource& ms : memberships) {
      if (ms.status != "ACTIVE") continue;
      ms.status = "COLLABORATION_DELETED";
      ms.update_time_ms = now;
      RETURN_IF_ERROR(tx.Put(ms));
    }
    RETURN_IF_ERROR(
        tx.RemoveAllTags(CollaborationArn(RegionOf(v.collaboration), me, v.collaboration.id)));
    return tx.Record(MakeEvent(now, me, v.collaboration.id, true, "DeleteCollaboration",
                               "COLLABORATION", v.collaboration.id));
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::ListMembers(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewCollaboration(tx, ctx.caller.account_id,
                                                            Str(in, "collaborationIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> members, Members(tx, v.collaboration.id));
    for (const Resource& m : members) {
      items.push_back({m.create_time_ms, m.id, RenderMember(v.collaboration, m)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "memberSummaries");
}

absl::StatusOr<Json> CleanRoomsService::DeleteMember(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  std::string account = Str(in, "accountId");
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v,
                     ViewCollaboration(tx, me, Str(in, "collaborationIdentifier")));
    if (!v.is_creator) {
      return AccessDenied(StrCat("Only the creator of collaboration ", v.collaboration.id,
                                 " (account ", v.collaboration.account_id, ") can remove members"));
    }
    if (account == me) {
      return Invalid("The creator cannot remove itself; delete the collaboration instead",
                     "accountId");
    }
    ASSIGN_OR_RETURN(std::optional<Resource> m,
                     tx.Get(kMember, MemberId(v.collaboration.id, account)));
    if (!m || m->status == "REMOVED") {
      return Invalid(
          StrCat("Account ", account, " is not a member of collaboration ", v.collaboration.id),
          "accountId");
    }
    m->status = "REMOVED";
    m->update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(*m));
    if (!m->membership_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<Resource> ms, tx.Get(kMembership, m->membership_id));
      if (ms && ms->status == "ACTIVE") {
        ms->status = "REMOVED";
        ms->update_time_ms = now;
        RETURN_IF_ERROR(tx.Put(*ms));
      }
    }
    return tx.Record(
        MakeEvent(now, me, v.collaboration.id, true, "DeleteMember", "MEMBER", account));
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::CreateMembership(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v,
                     ViewCollaboration(tx, me, Str(in, "collaborationIdentifier")));
    if (v.member.status == "ACTIVE") {
      return Conflict("ALREADY_EXISTS", "MEMBERSHIP", v.member.membership_id,
                      StrCat("Account ", me, " already has membership ", v.member.membership_id,
                             " in collaboration ", v.collaboration.id));
    }
    if (v.member.status != "INVITED") {
      return Conflict("INVALID_STATE", "COLLABORATION", v.collaboration.id,
                      StrCat("Account ", me, " has ", v.member.status, " collaboration ",
                             v.collaboration.id, " and cannot rejoin it"));
    }
    if (Str(in, "queryLogStatus") == "ENABLED" &&
        Str(v.collaboration.doc, "queryLogStatus") != "ENABLED") {
      return Invalid(
          "queryLogStatus can be ENABLED only when the collaboration's query logging "
          "is ENABLED",
          "queryLogStatus");
    }
    const Json& abilities = v.member.doc["abilities"];
    RETURN_IF_ERROR(CheckResultConfiguration(in.value("defaultResultConfiguration", Json()), me,
                                             abilities, "defaultResultConfiguration"));
    Resource ms{.kind = std::string(kMembership),
                .id = NewUuid(),
                .account_id = me,
                .collaboration_id = v.collaboration.id,
                .status = "ACTIVE",
                .create_time_ms = now,
                .update_time_ms = now};
    ms.membership_id = ms.id;
    ms.doc = {{"memberAbilities", abilities},
              {"queryLogStatus", in["queryLogStatus"]},
              {"paymentConfiguration",
               in.contains("paymentConfiguration")
                   ? in["paymentConfiguration"]
                   : Json{{"queryCompute", v.member.doc["paymentConfiguration"]["queryCompute"]}}}};
    if (v.member.doc.contains("mlAbilities"))
      ms.doc["mlMemberAbilities"] = v.member.doc["mlAbilities"];
    for (const char* m : {"jobLogStatus", "defaultResultConfiguration",
                          "defaultJobResultConfiguration", "isMetricsEnabled"}) {
      CopyIfPresent(in, ms.doc, m);
    }
    v.member.status = "ACTIVE";
    v.member.membership_id = ms.id;
    v.member.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(ms));
    RETURN_IF_ERROR(tx.Put(v.member));
    RETURN_IF_ERROR(tx.SetTags(MembershipArn(RegionOf(v.collaboration), me, ms.id), TagsOf(in)));
    RETURN_IF_ERROR(tx.Record(
        MakeEvent(now, me, v.collaboration.id, true, "CreateMembership", "MEMBERSHIP", ms.id)));
    out = {{"membership", RenderMembership(ms, v.collaboration, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetMembership(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, ms.collaboration_id));
    if (!c) return absl::InternalError("membership without collaboration");
    out = {{"membership", RenderMembership(ms, *c, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListMemberships(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  std::string want = Str(in, "status");
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    Filter f{.account_id = ctx.caller.account_id};
    if (!want.empty()) f.status = want;
    ASSIGN_OR_RETURN(std::vector<Resource> rows, tx.List(kMembership, f));
    for (const Resource& ms : rows) {
      ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, ms.collaboration_id));
      if (!c) continue;
      items.push_back({ms.create_time_ms, ms.id, RenderMembership(ms, *c, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "membershipSummaries");
}

absl::StatusOr<Json> CleanRoomsService::UpdateMembership(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, ms.collaboration_id));
    if (!c) return absl::InternalError("membership without collaboration");
    if (Str(in, "queryLogStatus") == "ENABLED" && Str(c->doc, "queryLogStatus") != "ENABLED") {
      return Invalid(
          "queryLogStatus can be ENABLED only when the collaboration's query logging "
          "is ENABLED",
          "queryLogStatus");
    }
    RETURN_IF_ERROR(CheckResultConfiguration(in.value("defaultResultConfiguration", Json()), me,
                                             ms.doc["memberAbilities"],
                                             "defaultResultConfiguration"));
    Json changed = Json::object();
    for (const char* m : {"queryLogStatus", "jobLogStatus", "defaultResultConfiguration",
                          "defaultJobResultConfiguration"}) {
      if (in.contains(m)) {
        ms.doc[m] = in[m];
        changed[m] = in[m];
      }
    }
    ms.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(ms));
    // Result locations are the member's own business: the shared event only says what kind of
    // setting changed.
    Json shared = Json::object();
    for (auto& [k, v] : changed.items())
      shared[k] = k.find("Configuration") != std::string::npos ? Json("changed") : v;
    RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, ms.collaboration_id, true, "UpdateMembership",
                                        "MEMBERSHIP", ms.id, shared)));
    out = {{"membership", RenderMembership(ms, *c, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeleteMembership(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(int64_t associations, tx.Count(kAssociation, Filter{.membership_id = ms.id}));
    ASSIGN_OR_RETURN(int64_t templates,
                     tx.Count(kAnalysisTemplate, Filter{.membership_id = ms.id}));
    ASSIGN_OR_RETURN(int64_t budget_templates,
                     tx.Count(kPrivacyBudgetTemplate, Filter{.membership_id = ms.id}));
    if (associations + templates + budget_templates > 0) {
      return Conflict(
          "SUBRESOURCES_EXIST", "MEMBERSHIP", ms.id,
          StrCat("Membership ", ms.id, " still has ", associations,
                 " configured table association(s), ", templates, " analysis template(s) and ",
                 budget_templates, " privacy budget template(s); delete them first"));
    }
    ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, ms.collaboration_id));
    ASSIGN_OR_RETURN(std::optional<Resource> member,
                     tx.Get(kMember, MemberId(ms.collaboration_id, me)));
    if (member && member->status == "ACTIVE") {
      member->status = "LEFT";
      member->update_time_ms = now;
      RETURN_IF_ERROR(tx.Put(*member));
    }
    RETURN_IF_ERROR(tx.Delete(kMembership, ms.id));
    if (c) RETURN_IF_ERROR(tx.RemoveAllTags(MembershipArn(RegionOf(*c), me, ms.id)));
    return tx.Record(
        MakeEvent(now, me, ms.collaboration_id, true, "DeleteMembership", "MEMBERSHIP", ms.id));
  }));
  return Json::object();
}

}  // namespace cleanroom::cleanrooms
