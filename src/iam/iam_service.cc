#include "iam/iam_service.h"

#include <ctime>
#include <functional>
#include <set>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "iam/iam_params.h"
#include "protocol/errors.h"

namespace cleanroom::iam {
namespace {

using protocol::CallContext;
using protocol::QueryParams;

constexpr int64_t kDefaultMaxItems = 100;

absl::Status InvalidInput(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidInput", message, 400);
}

std::string El(std::string_view name, std::string_view text) {
  return StrCat("<", name, ">", protocol::XmlEscape(text), "</", name, ">");
}

std::string Bool(bool b) { return b ? "true" : "false"; }

// "2024-05-01T12:34:56Z", IAM's timestamp format.
std::string IsoDate(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Policy documents travel URL-encoded in IAM responses (RFC 3986, spaces as %20).
std::string EncodedDocument(std::string_view document) { return UriEncode(document); }

std::string TagsXml(const std::vector<Tag>& tags) {
  std::string out = "<Tags>";
  for (const Tag& t : tags)
    out += StrCat("<member>", El("Key", t.key), El("Value", t.value), "</member>");
  return out + "</Tags>";
}

enum class RoleView { kCreate, kGet, kList };

std::string RoleXml(const Role& r, RoleView view) {
  std::string out =
      StrCat("<Role>", El("Path", r.path), El("RoleName", r.name), El("RoleId", r.role_id),
             El("Arn", r.arn), El("CreateDate", IsoDate(r.created_at)),
             El("AssumeRolePolicyDocument", EncodedDocument(r.trust_policy)));
  if (r.description) out += El("Description", *r.description);
  out += El("MaxSessionDuration", std::to_string(r.max_session_duration));
  if (view != RoleView::kList && !r.tags.empty()) out += TagsXml(r.tags);
  if (view == RoleView::kGet) out += "<RoleLastUsed/>";
  return out + "</Role>";
}

enum class PolicyView { kFull, kList };

// The body of a Policy shape (without the enclosing element, which is <Policy> or <member>).
std::string PolicyFields(const ManagedPolicy& p, PolicyView view) {
  std::string out =
      StrCat(El("PolicyName", p.name), El("PolicyId", p.policy_id), El("Arn", p.arn),
             El("Path", p.path), El("DefaultVersionId", p.default_version_id),
             El("AttachmentCount", std::to_string(p.attachment_count)),
             El("PermissionsBoundaryUsageCount", "0"), El("IsAttachable", Bool(p.is_attachable)));
  if (view == PolicyView::kFull && p.description) out += El("Description", *p.description);
  out += StrCat(El("CreateDate", IsoDate(p.created_at)), El("UpdateDate", IsoDate(p.updated_at)));
  if (view == PolicyView::kFull && !p.tags.empty()) out += TagsXml(p.tags);
  return out;
}

// ----- Paging: Marker is the opaque (base64) sort key of the last item returned. ----------

struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<std::string> next_marker;
};

template <typename T>
absl::StatusOr<Page> Paginate(const std::vector<T>& items,
                              const std::function<std::string(const T&)>& key,
                              const std::optional<std::string>& marker,
                              const std::optional<int64_t>& max_items) {
  Page page;
  if (marker) {
    std::optional<std::string> after = Base64Decode(*marker);
    if (!after || after->empty()) return InvalidInput(StrCat("Invalid Marker: ", *marker));
    while (page.begin < items.size() && key(items[page.begin]) <= *after) ++page.begin;
  }
  size_t limit = static_cast<size_t>(max_items.value_or(kDefaultMaxItems));
  page.end = std::min(items.size(), page.begin + limit);
  if (page.end < items.size()) page.next_marker = Base64Encode(key(items[page.end - 1]));
  return page;
}

std::string PagingXml(const Page& page) {
  std::string out = El("IsTruncated", Bool(page.next_marker.has_value()));
  if (page.next_marker) out += El("Marker", *page.next_marker);
  return out;
}

// The order of roles (IamStore::ListRoles) and of policies and attachments (by lower-case name,
// then owner; '\0' keeps "ab" before "abc").
std::string RoleKey(const Role& r) { return ToLower(r.name); }
std::string PolicyKey(const ManagedPolicy& p) {
  return StrCat(ToLower(p.name), '\0', p.account_id);
}
std::string AttachedKey(const AttachedPolicy& a) { return StrCat(ToLower(a.name), '\0', a.owner); }
std::string NameKey(const std::string& name) { return ToLower(name); }

absl::Status CheckTags(const std::vector<Tag>& tags) {
  std::set<std::string> keys;
  for (const Tag& t : tags) {
    if (!keys.insert(ToLower(t.key)).second) {
      return InvalidInput(
          "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
    if (StartsWith(ToLower(t.key), "aws:")) {
      return InvalidInput(
          StrCat("Tag key ", t.key, " is not allowed: keys starting with aws: are reserved"));
    }
  }
  return absl::OkStatus();
}

using Operation = std::function<absl::StatusOr<std::string>(IamStore&, const std::string& account,
                                                            const QueryParams&)>;

// ----- Roles ------------------------------------------------------------------------------

absl::StatusOr<std::string> CreateRole(IamStore& store, const std::string& account,
                                       const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> name = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> document =
      p.String("AssumeRolePolicyDocument", "assumeRolePolicyDocument", PolicyDocumentRule(), true);
  std::optional<std::string> path = p.String("Path", "path", RolePathRule(), false);
  std::optional<std::string> description =
      p.String("Description", "description", RoleDescriptionRule(), false);
  std::optional<int64_t> max_session =
      p.Int("MaxSessionDuration", "maxSessionDuration", 3600, 43200);
  std::optional<std::string> boundary =
      p.String("PermissionsBoundary", "permissionsBoundary", ArnRule(), false);
  std::vector<Tag> tags = p.Tags();
  RETURN_IF_ERROR(p.Check());
  if (boundary) return InvalidInput("Permissions boundaries are not supported by this server.");
  RETURN_IF_ERROR(CheckTags(tags));
  NewRole role;
  role.account_id = account;
  role.name = *name;
  role.path = path.value_or("/");
  role.trust_policy = *document;
  role.description = description;
  role.max_session_duration = static_cast<int>(max_session.value_or(kDefaultMaxSessionDuration));
  role.tags = std::move(tags);
  ASSIGN_OR_RETURN(Role created, store.CreateRole(role));
  return RoleXml(created, RoleView::kCreate);
}

absl::StatusOr<std::string> GetRole(IamStore& store, const std::string& account,
                                    const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> name = p.String("RoleName", "roleName", RoleNameRule(), true);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(Role role, store.GetRole(account, *name));
  return RoleXml(role, RoleView::kGet);
}

absl::StatusOr<std::string> ListRoles(IamStore& store, const std::string& account,
                                      const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> prefix =
      p.String("PathPrefix", "pathPrefix", RolePathPrefixRule(), false);
  std::optional<std::string> marker = p.String("Marker", "marker", MarkerRule(), false);
  std::optional<int64_t> max_items = p.Int("MaxItems", "maxItems", 1, 1000);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(std::vector<Role> roles, store.ListRoles(account, prefix.value_or("/")));
  ASSIGN_OR_RETURN(Page page, Paginate<Role>(roles, RoleKey, marker, max_items));
  std::string out = "<Roles>";
  for (size_t i = page.begin; i < page.end; ++i) {
    std::string role = RoleXml(roles[i], RoleView::kList);
    // <Role>…</Role> becomes <member>…</member> inside a list.
    out += StrCat("<member>", role.substr(6, role.size() - 6 - 7), "</member>");
  }
  return out + "</Roles>" + PagingXml(page);
}

absl::StatusOr<std::string> DeleteRole(IamStore& store, const std::string& account,
                                       const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> name = p.String("RoleName", "roleName", RoleNameRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.DeleteRole(account, *name));
  return std::string();
}

// ----- Managed policies -------------------------------------------------------------------

absl::StatusOr<std::string> CreatePolicy(IamStore& store, const std::string& account,
                                         const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> name = p.String("PolicyName", "policyName", PolicyNameRule(), true);
  std::optional<std::string> document =
      p.String("PolicyDocument", "policyDocument", PolicyDocumentRule(), true);
  std::optional<std::string> path = p.String("Path", "path", PolicyPathRule(), false);
  std::optional<std::string> description =
      p.String("Description", "description", PolicyDescriptionRule(), false);
  std::vector<Tag> tags = p.Tags();
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(CheckTags(tags));
  NewPolicy policy;
  policy.account_id = account;
  policy.name = *name;
  policy.path = path.value_or("/");
  policy.document = *document;
  policy.description = description;
  policy.tags = std::move(tags);
  ASSIGN_OR_RETURN(ManagedPolicy created, store.CreatePolicy(policy));
  return StrCat("<Policy>", PolicyFields(created, PolicyView::kFull), "</Policy>");
}

absl::StatusOr<std::string> GetPolicy(IamStore& store, const std::string& account,
                                      const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> arn = p.String("PolicyArn", "policyArn", ArnRule(), true);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(ManagedPolicy policy, store.GetPolicy(account, *arn));
  return StrCat("<Policy>", PolicyFields(policy, PolicyView::kFull), "</Policy>");
}

absl::StatusOr<std::string> GetPolicyVersion(IamStore& store, const std::string& account,
                                             const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> arn = p.String("PolicyArn", "policyArn", ArnRule(), true);
  std::optional<std::string> version =
      p.String("VersionId", "versionId", PolicyVersionIdRule(), true);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(PolicyVersion v, store.GetPolicyVersion(account, *arn, *version));
  return StrCat("<PolicyVersion>", El("Document", EncodedDocument(v.document)),
                El("VersionId", v.version_id), El("IsDefaultVersion", Bool(v.is_default)),
                El("CreateDate", IsoDate(v.created_at)), "</PolicyVersion>");
}

absl::StatusOr<std::string> ListPolicies(IamStore& store, const std::string& account,
                                         const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> scope = p.Enum("Scope", "scope", {"All", "AWS", "Local"});
  std::optional<bool> only_attached = p.Bool("OnlyAttached", "onlyAttached");
  std::optional<std::string> prefix = p.String("PathPrefix", "pathPrefix", PolicyPathRule(), false);
  std::optional<std::string> usage = p.Enum("PolicyUsageFilter", "policyUsageFilter",
                                            {"PermissionsPolicy", "PermissionsBoundary"});
  std::optional<std::string> marker = p.String("Marker", "marker", MarkerRule(), false);
  std::optional<int64_t> max_items = p.Int("MaxItems", "maxItems", 1, 1000);
  RETURN_IF_ERROR(p.Check());
  PolicyScope s = scope == "AWS"     ? PolicyScope::kAws
                  : scope == "Local" ? PolicyScope::kLocal
                                     : PolicyScope::kAll;
  std::vector<ManagedPolicy> policies;
  // No policy is ever used as a permissions boundary here.
  if (usage != "PermissionsBoundary") {
    ASSIGN_OR_RETURN(policies, store.ListPolicies(account, s, only_attached.value_or(false),
                                                  prefix.value_or("/")));
  }
  ASSIGN_OR_RETURN(Page page, Paginate<ManagedPolicy>(policies, PolicyKey, marker, max_items));
  std::string out = "<Policies>";
  for (size_t i = page.begin; i < page.end; ++i) {
    out += StrCat("<member>", PolicyFields(policies[i], PolicyView::kList), "</member>");
  }
  return out + "</Policies>" + PagingXml(page);
}

absl::StatusOr<std::string> DeletePolicy(IamStore& store, const std::string& account,
                                         const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> arn = p.String("PolicyArn", "policyArn", ArnRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.DeletePolicy(account, *arn));
  return std::string();
}

// ----- Attachments ------------------------------------------------------------------------

absl::StatusOr<std::string> AttachRolePolicy(IamStore& store, const std::string& account,
                                             const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> arn = p.String("PolicyArn", "policyArn", ArnRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.AttachRolePolicy(account, *role, *arn));
  return std::string();
}

absl::StatusOr<std::string> DetachRolePolicy(IamStore& store, const std::string& account,
                                             const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> arn = p.String("PolicyArn", "policyArn", ArnRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.DetachRolePolicy(account, *role, *arn));
  return std::string();
}

absl::StatusOr<std::string> ListAttachedRolePolicies(IamStore& store, const std::string& account,
                                                     const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> prefix = p.String("PathPrefix", "pathPrefix", PolicyPathRule(), false);
  std::optional<std::string> marker = p.String("Marker", "marker", MarkerRule(), false);
  std::optional<int64_t> max_items = p.Int("MaxItems", "maxItems", 1, 1000);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(std::vector<AttachedPolicy> attached,
                   store.ListAttachedRolePolicies(account, *role, prefix.value_or("/")));
  ASSIGN_OR_RETURN(Page page, Paginate<AttachedPolicy>(attached, AttachedKey, marker, max_items));
  std::string out = "<AttachedPolicies>";
  for (size_t i = page.begin; i < page.end; ++i) {
    out += StrCat("<member>", El("PolicyName", attached[i].name), El("PolicyArn", attached[i].arn),
                  "</member>");
  }
  return out + "</AttachedPolicies>" + PagingXml(page);
}

// ----- Inline role policies ---------------------------------------------------------------

absl::StatusOr<std::string> PutRolePolicy(IamStore& store, const std::string& account,
                                          const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> name = p.String("PolicyName", "policyName", PolicyNameRule(), true);
  std::optional<std::string> document =
      p.String("PolicyDocument", "policyDocument", PolicyDocumentRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.PutRolePolicy(account, *role, *name, *document));
  return std::string();
}

absl::StatusOr<std::string> GetRolePolicy(IamStore& store, const std::string& account,
                                          const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> name = p.String("PolicyName", "policyName", PolicyNameRule(), true);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(Role r, store.GetRole(account, *role));
  ASSIGN_OR_RETURN(InlinePolicy policy, store.GetRolePolicy(account, *role, *name));
  return StrCat(El("RoleName", r.name), El("PolicyName", policy.name),
                El("PolicyDocument", EncodedDocument(policy.document)));
}

absl::StatusOr<std::string> DeleteRolePolicy(IamStore& store, const std::string& account,
                                             const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> name = p.String("PolicyName", "policyName", PolicyNameRule(), true);
  RETURN_IF_ERROR(p.Check());
  RETURN_IF_ERROR(store.DeleteRolePolicy(account, *role, *name));
  return std::string();
}

absl::StatusOr<std::string> ListRolePolicies(IamStore& store, const std::string& account,
                                             const QueryParams& params) {
  IamParams p(params);
  std::optional<std::string> role = p.String("RoleName", "roleName", RoleNameRule(), true);
  std::optional<std::string> marker = p.String("Marker", "marker", MarkerRule(), false);
  std::optional<int64_t> max_items = p.Int("MaxItems", "maxItems", 1, 1000);
  RETURN_IF_ERROR(p.Check());
  ASSIGN_OR_RETURN(std::vector<std::string> names, store.ListRolePolicies(account, *role));
  ASSIGN_OR_RETURN(Page page, Paginate<std::string>(names, NameKey, marker, max_items));
  std::string out = "<PolicyNames>";
  for (size_t i = page.begin; i < page.end; ++i) out += El("member", names[i]);
  return out + "</PolicyNames>" + PagingXml(page);
}

}  // namespace

IamService::IamService(IamStore* store)
    : QueryRpcService("iam", "https://iam.amazonaws.com/doc/2010-05-08/"), store_(store) {
  const std::pair<const char*, Operation> operations[] = {
      {"CreateRole", CreateRole},
      {"GetRole", GetRole},
      {"ListRoles", ListRoles},
      {"DeleteRole", DeleteRole},
      {"CreatePolicy", CreatePolicy},
      {"GetPolicy", GetPolicy},
      {"GetPolicyVersion", GetPolicyVersion},
      {"ListPolicies", ListPolicies},
      {"DeletePolicy", DeletePolicy},
      {"AttachRolePolicy", AttachRolePolicy},
      {"DetachRolePolicy", DetachRolePolicy},
      {"ListAttachedRolePolicies", ListAttachedRolePolicies},
      {"PutRolePolicy", PutRolePolicy},
      {"GetRolePolicy", GetRolePolicy},
      {"DeleteRolePolicy", DeleteRolePolicy},
      {"ListRolePolicies", ListRolePolicies},
  };
  for (const auto& [name, op] : operations) {
    Register(name, [this, op = op](CallContext& ctx, const QueryParams& params) {
      return op(*store_, ctx.caller.account_id, params);
    });
  }
}

}  // namespace cleanroom::iam
