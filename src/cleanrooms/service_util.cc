#include "cleanrooms/service_util.h"

#include <algorithm>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "rules/differential_privacy_validation.h"

namespace cleanroom::cleanrooms {

absl::Status NotFound(std::string_view resource_type, std::string_view id, std::string_view what) {
  absl::Status s = AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                            StrCat(what, " ", id, " not found"), 404);
  s = WithAwsField(s, "resourceId", id);
  return WithAwsField(s, "resourceType", resource_type);
}

absl::Status Conflict(std::string_view reason, std::string_view resource_type, std::string_view id,
                      std::string_view message) {
  absl::Status s =
      AwsError(absl::StatusCode::kFailedPrecondition, "ConflictException", message, 409);
  s = WithAwsField(s, "reason", reason);
  if (!resource_type.empty()) s = WithAwsField(s, "resourceType", resource_type);
  if (!id.empty()) s = WithAwsField(s, "resourceId", id);
  return s;
}

absl::Status AccessDenied(std::string_view message) {
  return WithAwsField(
      AwsError(absl::StatusCode::kPermissionDenied, "AccessDeniedException", message, 403),
      "reason", "INSUFFICIENT_PERMISSIONS");
}

absl::Status Invalid(std::string_view message, std::string_view field, std::string_view reason) {
  absl::Status s =
      AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message, 400);
  s = WithAwsField(s, "reason", reason);
  if (!field.empty()) {
    Json list = Json::array({{{"name", field}, {"message", message}}});
    s = WithAwsJsonField(s, "fieldList", list.dump());
  }
  return s;
}

absl::StatusOr<rules::RuleType> RuleTypeOf(std::string_view name) {
  std::optional<rules::RuleType> type = rules::ParseRuleType(name);
  if (!type) {
    return Invalid(StrCat("'", name, "' is not an analysis rule type (AGGREGATION, LIST, CUSTOM)"),
                   "analysisRuleType");
  }
  return *type;
}

std::string RegionOf(const Resource& resource) {
  std::string region = Str(resource.doc, "region");
  return region.empty() ? "us-east-1" : region;
}

Json Seconds(int64_t ms) {
  if (ms % 1000 == 0) return Json(ms / 1000);
  return Json(static_cast<double>(ms) / 1000.0);
}

namespace {
std::string Arn(std::string_view region, std::string_view account, std::string_view path) {
  return StrCat("arn:aws:cleanrooms:", region, ":", account, ":", path);
}
}  // namespace

std::string CollaborationArn(std::string_view region, std::string_view account,
                             std::string_view id) {
  return Arn(region, account, StrCat("collaboration/", id));
}
std::string MembershipArn(std::string_view region, std::string_view account, std::string_view id) {
  return Arn(region, account, StrCat("membership/", id));
}
std::string ConfiguredTableArn(std::string_view region, std::string_view account,
                               std::string_view id) {
  return Arn(region, account, StrCat("configuredtable/", id));
}
std::string AssociationArn(std::string_view region, std::string_view account,
                           std::string_view membership_id, std::string_view id) {
  return Arn(region, account,
             StrCat("membership/", membership_id, "/configuredtableassociation/", id));
}
std::string AnalysisTemplateArn(std::string_view region, std::string_view account,
                                std::string_view membership_id, std::string_view id) {
  return Arn(region, account, StrCat("membership/", membership_id, "/analysistemplate/", id));
}

std::optional<ParsedArn> ParseCleanRoomsArn(std::string_view arn) {
  std::vector<std::string_view> parts = Split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "cleanrooms") {
    return std::nullopt;
  }
  ParsedArn out;
  out.region = std::string(parts[3]);
  out.account = std::string(parts[4]);
  for (std::string_view p : Split(parts[5], '/')) out.path.emplace_back(p);
  if (out.path.empty()) return std::nullopt;
  return out;
}

absl::StatusOr<Page> Paginate(std::vector<PageItem> items, const Json& input) {
  size_t max_results = 100;
  if (input.contains("maxResults")) {
    max_results = std::clamp<int64_t>(input["maxResults"].get<int64_t>(), 1, 100);
  }
  size_t start = 0;
  std::string token = Str(input, "nextToken");
  if (!token.empty()) {
    // "v1:<create time ms>:<id>" (see below).
    std::optional<std::string> raw = Base64Decode(token);
    std::vector<std::string_view> parts;
    if (raw) parts = Split(*raw, ':');
    uint64_t ms = 0;
    if (parts.size() != 3 || parts[0] != "v1" || !ParseUint64(parts[1], &ms) || parts[2].empty()) {
      return Invalid("The nextToken is not valid: pass the nextToken of a previous response",
                     "nextToken");
    }
    std::string id(parts[2]);
    // The first item strictly after (ms, id) in (create time desc, id desc) order.
    while (start < items.size()) {
      const PageItem& it = items[start];
      int64_t t = static_cast<int64_t>(ms);
      if (it.create_time_ms < t || (it.create_time_ms == t && it.id < id)) break;
      ++start;
    }
  }
  Page page;
  size_t end = std::min(items.size(), start + max_results);
  for (size_t i = start; i < end; ++i) page.items.push_back(std::move(items[i].value));
  if (end < items.size()) {
    const PageItem& last = items[end - 1];
    page.next_token = Base64Encode(StrCat("v1:", last.create_time_ms, ":", last.id));
  }
  return page;
}

Json PageJson(const Page& page, std::string_view list_member) {
  Json out = Json::object();
  out[std::string(list_member)] = page.items;
  if (page.next_token) out["nextToken"] = *page.next_token;
  return out;
}

std::map<std::string, std::string> TagsOf(const Json& in) {
  std::map<std::string, std::string> tags;
  auto it = in.find("tags");
  if (it != in.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (value.is_string()) tags[key] = value.get<std::string>();
    }
  }
  return tags;
}

std::string RequestRegion(const protocol::CallContext& ctx) {
  return ctx.region.empty() ? "us-east-1" : ctx.region;
}

std::string Str(const Json& in, std::string_view member) {
  auto it = in.find(member);
  if (it == in.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::vector<std::string> StrList(const Json& in, std::string_view member) {
  std::vector<std::string> out;
  auto it = in.find(member);
  if (it == in.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string MemberId(std::string_view collaboration_id, std::string_view account) {
  return StrCat(collaboration_id, "/", account);
}

absl::StatusOr<CollaborationView> ViewCollaboration(ResourceStore::Tx& tx, std::string_view account,
                                                    std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, id));
  if (!collab || collab->status == "DELETED") {
    return NotFound("COLLABORATION", id, "Collaboration");
  }
  ASSIGN_OR_RETURN(std::optional<Resource> member, tx.Get(kMember, MemberId(id, account)));
  bool is_creator = collab->account_id == account;
  if (!member || (!is_creator && member->status != "INVITED" && member->status != "ACTIVE")) {
    return NotFound("COLLABORATION", id, "Collaboration");
  }
  return CollaborationView{std::move(*collab), std::move(*member), is_creator};
}

absl::StatusOr<CollaborationView> ViewAsActiveMember(ResourceStore::Tx& tx,
                                                     std::string_view account,
                                                     std::string_view id) {
  ASSIGN_OR_RETURN(CollaborationView view, ViewCollaboration(tx, account, id));
  if (!view.active()) {
    return AccessDenied(StrCat("Account ", account, " is not an active member of collaboration ",
                               id, ": create a membership first"));
  }
  return view;
}

absl::StatusOr<Resource> OwnMembership(ResourceStore::Tx& tx, std::string_view account,
                                       std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Resource> m, tx.Get(kMembership, id));
  if (!m || m->account_id != account) return NotFound("MEMBERSHIP", id, "Membership");
  return std::move(*m);
}

absl::StatusOr<Resource> ActiveOwnMembership(ResourceStore::Tx& tx, std::string_view account,
                                             std::string_view id) {
  ASSIGN_OR_RETURN(Resource m, OwnMembership(tx, account, id));
  if (m.status != "ACTIVE") {
    return Conflict("INVALID_STATE", "MEMBERSHIP", id,
                    StrCat("Membership ", id, " is ", m.status, ", not ACTIVE"));
  }
  return m;
}

absl::StatusOr<std::vector<Resource>> Members(ResourceStore::Tx& tx,
                                              std::string_view collaboration_id) {
  return tx.List(kMember, Filter{.collaboration_id = std::string(collaboration_id)});
}

absl::StatusOr<std::vector<Resource>> ActiveAssociations(ResourceStore::Tx& tx,
                                                         std::string_view collaboration_id) {
  ASSIGN_OR_RETURN(
      std::vector<Resource> all,
      tx.List(kAssociation, Filter{.collaboration_id = std::string(collaboration_id)}));
  std::vector<Resource> out;
  for (Resource& a : all) {
    ASSIGN_OR_RETURN(std::optional<Resource> ms, tx.Get(kMembership, a.membership_id));
    if (ms && ms->status == "ACTIVE") out.push_back(std::move(a));
  }
  return out;
}

rules::CollaborationContext CollaborationContextOf(const std::vector<Resource>& members) {
  rules::CollaborationContext c;
  for (const Resource& m : members) {
    rules::CollaborationMember member;
    member.account_id = m.account_id;
    member.status = m.status;
    member.abilities = StrList(m.doc, "abilities");
    c.members.push_back(std::move(member));
  }
  return c;
}

absl::Status CheckDifferentialPrivacyPlacement(ResourceStore::Tx& tx, std::string_view path,
                                               std::string_view collaboration_id,
                                               std::string_view association_id,
                                               std::string_view association_name,
                                               std::string_view owner,
                                               const rules::TableRule& rule) {
  std::optional<std::string> column = rules::DifferentialPrivacyColumn(rule);
  if (!column) return absl::OkStatus();
  std::vector<rules::DifferentialPrivacyTable> others;
  ASSIGN_OR_RETURN(std::vector<Resource> associations, ActiveAssociations(tx, collaboration_id));
  // Oldest first, so that the message names the table that set the column first.
  std::reverse(associations.begin(), associations.end());
  for (const Resource& a : associations) {
    if (a.id == association_id) continue;
    ASSIGN_OR_RETURN(std::vector<Resource> table_rules,
                     tx.List(kTableRule, Filter{.parent_id = a.parent_id}));
    if (table_rules.empty()) continue;
    std::optional<rules::RuleType> type = rules::ParseRuleType(table_rules.front().name);
    if (!type) continue;
    absl::StatusOr<rules::TableRule> other =
        rules::ParseTableRule(*type, table_rules.front().doc["policy"]);
    if (!other.ok()) continue;
    std::optional<std::string> other_column = rules::DifferentialPrivacyColumn(*other);
    if (other_column) others.push_back({a.name, a.account_id, *other_column});
  }
  ASSIGN_OR_RETURN(std::vector<Resource> members, Members(tx, collaboration_id));
  return rules::ValidateDifferentialPrivacyInCollaboration(
      path, collaboration_id, {std::string(association_name), std::string(owner), *column},
      CollaborationContextOf(members), others);
}

absl::StatusOr<std::optional<Resource>> TemplateByArn(ResourceStore::Tx& tx,
                                                      std::string_view collaboration_id,
                                                      std::string_view arn) {
  std::optional<ParsedArn> parsed = ParseCleanRoomsArn(arn);
  if (!parsed || parsed->path.size() != 4 || parsed->path[0] != "membership" ||
      parsed->path[2] != "analysistemplate") {
    return std::optional<Resource>();
  }
  ASSIGN_OR_RETURN(std::optional<Resource> t, tx.Get(kAnalysisTemplate, parsed->path[3]));
  if (!t || t->collaboration_id != collaboration_id || t->membership_id != parsed->path[1] ||
      t->account_id != parsed->account) {
    return std::optional<Resource>();
  }
  return t;
}

Event MakeEvent(int64_t now_ms, std::string_view account, std::string_view collaboration_id,
                bool shared, std::string_view operation, std::string_view resource_type,
                std::string_view resource_id, Json details) {
  Event e;
  e.time_ms = now_ms;
  e.account_id = std::string(account);
  e.collaboration_id = std::string(collaboration_id);
  e.shared = shared;
  e.operation = std::string(operation);
  e.resource_type = std::string(resource_type);
  e.resource_id = std::string(resource_id);
  e.details = std::move(details);
  return e;
}

}  // namespace cleanroom::cleanrooms
