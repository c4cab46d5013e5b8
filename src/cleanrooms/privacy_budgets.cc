// Privacy budget templates, privacy budgets and PreviewPrivacyImpact (differential privacy).
//
// A collaboration has at most one template (kPrivacyBudgetTemplate), owned by the membership
// that created it: the membership operations (Get/List/Update/DeletePrivacyBudgetTemplate) see
// only the caller's own, the collaboration operations show it to every ACTIVE member. Only a
// member that neither queries nor receives results may create it. Its document holds the region,
// autoRefresh, epsilon, usersNoisePerQuery and budgetId (the id of the privacy budget it sets
// up). Budgets are computed from the template and the ledger (budget_ledger.h) when listed.
#include <algorithm>
#include <utility>
#include <vector>

#include "cleanrooms/budget_ledger.h"
#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "dp/accounting.h"

namespace cleanroom::cleanrooms {
namespace {

constexpr std::string_view kDifferentialPrivacy = "DIFFERENTIAL_PRIVACY";

std::string TemplateArn(const Resource& t) {
  return StrCat("arn:aws:cleanrooms:", RegionOf(t), ":", t.account_id, ":privacybudgettemplate/",
                t.id);
}

std::string CollaborationArnOf(const Resource& collab) {
  return CollaborationArn(RegionOf(collab), collab.account_id, collab.id);
}

// Only differential-privacy budgets are offered; `type` is the request's privacyBudgetType.
absl::Status CheckBudgetType(std::string_view type, std::string_view field) {
  if (type == kDifferentialPrivacy) return absl::OkStatus();
  return Invalid(StrCat("privacyBudgetType ", type,
                        " is not offered by this server: access budgets are not supported; "
                        "the only privacy budget type is DIFFERENTIAL_PRIVACY"),
                 field);
}

// The differentialPrivacy member of a parameters union (whose other member, accessBudget, is
// not offered).
absl::StatusOr<Json> DifferentialPrivacyParameters(const Json& parameters) {
  if (parameters.contains("accessBudget")) {
    return Invalid(
        "parameters.accessBudget is not offered by this server: access budgets are not "
        "supported; give parameters.differentialPrivacy",
        "parameters.accessBudget");
  }
  if (!parameters.contains("differentialPrivacy")) {
    return Invalid("parameters must set differentialPrivacy", "parameters");
  }
  return parameters["differentialPrivacy"];
}

bool HasAbility(const Resource& membership, std::string_view ability) {
  return Contains(StrList(membership.doc, "memberAbilities"), ability);
}

// PrivacyBudgetTemplate / CollaborationPrivacyBudgetTemplate, or their summaries.
Json RenderTemplate(const Resource& t, const Resource& collab, bool collaboration_view,
                    bool summary) {
  Json out = {{"id", t.id},
              {"arn", TemplateArn(t)},
              {"collaborationId", collab.id},
              {"collaborationArn", CollaborationArnOf(collab)},
              {"privacyBudgetType", kDifferentialPrivacy},
              {"createTime", Seconds(t.create_time_ms)},
              {"updateTime", Seconds(t.update_time_ms)}};
  if (collaboration_view) {
    out["creatorAccountId"] = t.account_id;
  } else {
    out["membershipId"] = t.membership_id;
    out["membershipArn"] = MembershipArn(RegionOf(t), t.account_id, t.membership_id);
  }
  if (summary) return out;
  PrivacyBudgetParameters p = ParametersOf(t);
  out["autoRefresh"] = p.auto_refresh;
  out["parameters"] = {{"differentialPrivacy",
                        {{"epsilon", p.epsilon}, {"usersNoisePerQuery", p.users_noise_per_query}}}};
  return out;
}

// DifferentialPrivacyPreviewAggregation list: maxCount per type for (epsilon, noise).
absl::StatusOr<Json> PreviewAggregations(int epsilon, int noise) {
  Json out = Json::array();
  for (const AggregationTypeName& t : kAggregationTypes) {
    ASSIGN_OR_RETURN(int64_t max_count, dp::MaxCount(epsilon, noise, t.type));
    out.push_back({{"type", t.name}, {"maxCount", max_count}});
  }
  return out;
}

// PrivacyBudgetSummary (membership view) or CollaborationPrivacyBudgetSummary of the budget
// that template `t` sets up, now.
absl::StatusOr<Json> RenderBudget(ResourceStore::Tx& tx, const Resource& t, const Resource& collab,
                                  bool collaboration_view, int64_t now_ms) {
  PrivacyBudgetParameters p = ParametersOf(t);
  ASSIGN_OR_RETURN(BudgetState state, CurrentBudget(tx, t, now_ms));
  Json aggregations = Json::array();
  for (const AggregationTypeName& type : kAggregationTypes) {
    int64_t cost = dp::CostUnits(type.type);
    aggregations.push_back({{"type", type.name},
                            {"maxCount", state.total_units / cost},
                            {"remainingCount", state.remaining_units / cost}});
  }
  Json out = {{"id", Str(t.doc, "budgetId")},
              {"privacyBudgetTemplateId", t.id},
              {"privacyBudgetTemplateArn", TemplateArn(t)},
              {"collaborationId", collab.id},
              {"collaborationArn", CollaborationArnOf(collab)},
              {"type", kDifferentialPrivacy},
              {"createTime", Seconds(t.create_time_ms)},
              {"updateTime", Seconds(std::max(t.update_time_ms, state.update_time_ms))},
              {"budget",
               {{"differentialPrivacy",
                 {{"epsilon", p.epsilon}, {"aggregations", std::move(aggregations)}}}}}};
  if (collaboration_view) {
    out["creatorAccountId"] = t.account_id;
  } else {
    out["membershipId"] = t.membership_id;
    out["membershipArn"] = MembershipArn(RegionOf(t), t.account_id, t.membership_id);
  }
  return out;
}

// The template `id` of the caller's `membership`; anything else is ResourceNotFoundException.
absl::StatusOr<Resource> OwnTemplate(ResourceStore::Tx& tx, const Resource& membership,
                                     std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kPrivacyBudgetTemplate, id));
  if (!t || t->membership_id != membership.id) {
    return NotFound("MEMBERSHIP", id, "Privacy budget template");
  }
  return std::move(*t);
}

absl::StatusOr<Resource> CollaborationOf(ResourceStore::Tx& tx, const Resource& r) {
  ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, r.collaboration_id));
  if (!collab) return absl::InternalError("privacy budget template without collaboration");
  return std::move(*collab);
}

// The caller's membership `id`, which must be ACTIVE to see the collaboration's budgets
// (AccessDeniedException otherwise: these operations model no ConflictException).
absl::StatusOr<Resource> ActiveMembershipForRead(ResourceStore::Tx& tx, const std::string& account,
                                                 std::string_view id) {
  ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, account, id));
  if (ms.status != "ACTIVE") {
    return AccessDenied(StrCat("Membership ", ms.id, " is ", ms.status,
                               ": only ACTIVE members see the collaboration's privacy budgets"));
  }
  return ms;
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::CreatePrivacyBudgetTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(CheckBudgetType(Str(in, "privacyBudgetType"), "privacyBudgetType"));
  ASSIGN_OR_RETURN(Json dp_params, DifferentialPrivacyParameters(in["parameters"]));
  std::string auto_refresh = Str(in, "autoRefresh");
  if (auto_refresh.empty()) auto_refresh = "NONE";
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource collab, CollaborationOf(tx, ms));
    for (std::string_view ability : {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}) {
      if (HasAbility(ms, ability)) {
        return AccessDenied(StrCat(
            "Account ", me, " has the ", ability, " ability in collaboration ", collab.id,
            ", so it cannot set the privacy budget that limits the collaboration's queries; the "
            "privacy budget template is created by a member that contributes data and neither "
            "queries nor receives results"));
      }
    }
    ASSIGN_OR_RETURN(std::optional<Resource> existing, PrivacyBudgetTemplateOf(tx, collab.id));
    if (existing) {
      return Conflict(
          "ALREADY_EXISTS", "COLLABORATION", collab.id,
          StrCat("Collaboration ", collab.id, " already has privacy budget template ", existing->id,
                 "; a collaboration has only one, change it with "
                 "UpdatePrivacyBudgetTemplate"));
    }
    Resource t{.kind = std::string(kPrivacyBudgetTemplate),
               .id = NewUuid(),
               .account_id = me,
               .collaboration_id = collab.id,
               .membership_id = ms.id,
               .create_time_ms = now,
               .update_time_ms = now};
    t.doc = {{"region", RequestRegion(ctx)},
             {"autoRefresh", auto_refresh},
             {"epsilon", dp_params["epsilon"]},
             {"usersNoisePerQuery", dp_params["usersNoisePerQuery"]},
             {"budgetId", NewUuid()}};
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(tx.SetTags(TemplateArn(t), TagsOf(in)));
    RETURN_IF_ERROR(tx.Record(MakeEvent(now, me, collab.id, true, "CreatePrivacyBudgetTemplate",
                                        "PRIVACY_BUDGET_TEMPLATE", t.id,
                                        {{"autoRefresh", auto_refresh},
                                         {"epsilon", t.doc["epsilon"]},
                                         {"usersNoisePerQuery", t.doc["usersNoisePerQuery"]}})));
    out = {{"privacyBudgetTemplate", RenderTemplate(t, collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::GetPrivacyBudgetTemplate(Ctx& ctx, const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "privacyBudgetTemplateIdentifier")));
    ASSIGN_OR_RETURN(Resource collab, CollaborationOf(tx, t));
    out = {{"privacyBudgetTemplate", RenderTemplate(t, collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListPrivacyBudgetTemplates(Ctx& ctx, const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms,
                     OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::vector<Resource> rows,
                     tx.List(kPrivacyBudgetTemplate, Filter{.membership_id = ms.id}));
    for (const Resource& t : rows) {
      ASSIGN_OR_RETURN(Resource collab, CollaborationOf(tx, t));
      items.push_back({t.create_time_ms, t.id, RenderTemplate(t, collab, false, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "privacyBudgetTemplateSummaries");
}

absl::StatusOr<Json> CleanRoomsService::UpdatePrivacyBudgetTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(CheckBudgetType(Str(in, "privacyBudgetType"), "privacyBudgetType"));
  Json dp_params = Json::object();
  if (in.contains("parameters")) {
    ASSIGN_OR_RETURN(dp_params, DifferentialPrivacyParameters(in["parameters"]));
  }
  Json out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveOwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "privacyBudgetTemplateIdentifier")));
    ASSIGN_OR_RETURN(Resource collab, CollaborationOf(tx, t));
    Json changed = Json::object();
    for (const char* m : {"epsilon", "usersNoisePerQuery"}) {
      if (dp_params.contains(m) && dp_params[m] != t.doc[m]) {
        changed[m] = {{"from", t.doc[m]}, {"to", dp_params[m]}};
        t.doc[m] = dp_params[m];
      }
    }
    t.update_time_ms = now;
    RETURN_IF_ERROR(tx.Put(t));
    RETURN_IF_ERROR(
        tx.Record(MakeEvent(now, me, t.collaboration_id, true, "UpdatePrivacyBudgetTemplate",
                            "PRIVACY_BUDGET_TEMPLATE", t.id, changed)));
    out = {{"privacyBudgetTemplate", RenderTemplate(t, collab, false, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::DeletePrivacyBudgetTemplate(Ctx& ctx, const Json& in) {
  const std::string& me = ctx.caller.account_id;
  int64_t now = clock_->NowMicros() / 1000;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, OwnMembership(tx, me, Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(Resource t, OwnTemplate(tx, ms, Str(in, "privacyBudgetTemplateIdentifier")));
    RETURN_IF_ERROR(tx.Delete(kPrivacyBudgetTemplate, t.id));
    RETURN_IF_ERROR(tx.RemoveAllTags(TemplateArn(t)));
    return tx.Record(MakeEvent(now, me, t.collaboration_id, true, "DeletePrivacyBudgetTemplate",
                               "PRIVACY_BUDGET_TEMPLATE", t.id));
  }));
  return Json::object();
}

absl::StatusOr<Json> CleanRoomsService::GetCollaborationPrivacyBudgetTemplate(Ctx& ctx,
                                                                              const Json& in) {
  Json out;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    std::string id = Str(in, "privacyBudgetTemplateIdentifier");
    ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kPrivacyBudgetTemplate, id));
    if (!t || t->collaboration_id != v.collaboration.id) {
      return NotFound("COLLABORATION", id, "Privacy budget template");
    }
    out = {
        {"collaborationPrivacyBudgetTemplate", RenderTemplate(*t, v.collaboration, true, false)}};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Json> CleanRoomsService::ListCollaborationPrivacyBudgetTemplates(Ctx& ctx,
                                                                                const Json& in) {
  std::vector<PageItem> items;
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> t, PrivacyBudgetTemplateOf(tx, v.collaboration.id));
    if (t) {
      items.push_back({t->create_time_ms, t->id, RenderTemplate(*t, v.collaboration, true, true)});
    }
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "collaborationPrivacyBudgetTemplateSummaries");
}

namespace {

// The budget filter of a List*PrivacyBudgets request.
absl::Status CheckBudgetFilter(const Json& in) {
  RETURN_IF_ERROR(CheckBudgetType(Str(in, "privacyBudgetType"), "privacyBudgetType"));
  if (in.contains("accessBudgetResourceArn")) {
    return Invalid(
        "accessBudgetResourceArn selects access budgets, which this server does not offer; "
        "leave it out to list the DIFFERENTIAL_PRIVACY budget",
        "accessBudgetResourceArn");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> CleanRoomsService::ListPrivacyBudgets(Ctx& ctx, const Json& in) {
  int64_t now = clock_->NowMicros() / 1000;
  std::vector<PageItem> items;
  RETURN_IF_ERROR(CheckBudgetFilter(in));
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Resource ms, ActiveMembershipForRead(tx, ctx.caller.account_id,
                                                          Str(in, "membershipIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> t, PrivacyBudgetTemplateOf(tx, ms.collaboration_id));
    if (!t) return absl::OkStatus();
    ASSIGN_OR_RETURN(Resource collab, CollaborationOf(tx, *t));
    ASSIGN_OR_RETURN(Json budget, RenderBudget(tx, *t, collab, false, now));
    items.push_back({t->create_time_ms, t->id, std::move(budget)});
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "privacyBudgetSummaries");
}

absl::StatusOr<Json> CleanRoomsService::ListCollaborationPrivacyBudgets(Ctx& ctx, const Json& in) {
  int64_t now = clock_->NowMicros() / 1000;
  std::vector<PageItem> items;
  RETURN_IF_ERROR(CheckBudgetFilter(in));
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(CollaborationView v, ViewAsActiveMember(tx, ctx.caller.account_id,
                                                             Str(in, "collaborationIdentifier")));
    ASSIGN_OR_RETURN(std::optional<Resource> t, PrivacyBudgetTemplateOf(tx, v.collaboration.id));
    if (!t) return absl::OkStatus();
    ASSIGN_OR_RETURN(Json budget, RenderBudget(tx, *t, v.collaboration, true, now));
    items.push_back({t->create_time_ms, t->id, std::move(budget)});
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(Page page, Paginate(std::move(items), in));
  return PageJson(page, "collaborationPrivacyBudgetSummaries");
}

absl::StatusOr<Json> CleanRoomsService::PreviewPrivacyImpact(Ctx& ctx, const Json& in) {
  RETURN_IF_ERROR(store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    return OwnMembership(tx, ctx.caller.account_id, Str(in, "membershipIdentifier")).status();
  }));
  const Json& params = in["parameters"]["differentialPrivacy"];
  ASSIGN_OR_RETURN(Json aggregations, PreviewAggregations(params.value("epsilon", 0),
                                                          params.value("usersNoisePerQuery", 0)));
  return Json{
      {"privacyImpact", {{"differentialPrivacy", {{"aggregations", std::move(aggregations)}}}}}};
}

}  // namespace cleanroom::cleanrooms
