#include "iam/iam_store.h"

#include <algorithm>

#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_names.h"
#include "nlohmann/json.hpp"
#include "policy/policy_document.h"

namespace cleanroom::iam {
namespace {

absl::Status NoSuchEntity(std::string_view message) {
  return AwsError(absl::StatusCode::kNotFound, "NoSuchEntity", message, 404);
}
absl::Status EntityAlreadyExists(std::string_view message) {
  return AwsError(absl::StatusCode::kAlreadyExists, "EntityAlreadyExists", message, 409);
}
absl::Status DeleteConflict(std::string_view message) {
  return AwsError(absl::StatusCode::kFailedPrecondition, "DeleteConflict", message, 409);
}
absl::Status LimitExceeded(std::string_view message) {
  return AwsError(absl::StatusCode::kResourceExhausted, "LimitExceeded", message, 409);
}
absl::Status InvalidInput(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidInput", message, 400);
}

std::string RoleNotFound(const std::string& name) {
  return StrCat("The role with name ", name, " cannot be found.");
}

std::string TagsToJson(const std::vector<Tag>& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const Tag& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out.dump();
}

std::vector<Tag> TagsFromJson(const std::string& text) {
  std::vector<Tag> out;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return out;
  for (const nlohmann::json& t : doc) {
    if (t.is_object() && t.contains("Key") && t.contains("Value") && t["Key"].is_string() &&
        t["Value"].is_string()) {
      out.push_back(Tag{t["Key"].get<std::string>(), t["Value"].get<std::string>()});
    }
  }
  return out;
}

constexpr char kRoleColumns[] =
    "role_id, account_id, name, path, trust_policy, description, max_session_duration, tags, "
    "created_at";

Role RoleFromRow(const store::Statement& s) {
  Role r;
  r.role_id = s.ColumnText(0);
  r.account_id = s.ColumnText(1);
  r.name = s.ColumnText(2);
  r.path = s.ColumnText(3);
  r.arn = RoleArn(r.account_id, r.path, r.name);
  r.trust_policy = s.ColumnText(4);
  r.description = s.ColumnOptionalText(5);
  r.max_session_duration = static_cast<int>(s.ColumnInt(6));
  r.tags = TagsFromJson(s.ColumnText(7));
  r.created_at = s.ColumnInt(8);
  return r;
}

// The role `name` (case-insensitive) of `account_id`, or NoSuchEntity.
absl::StatusOr<Role> FindRole(store::Connection& c, const std::string& account_id,
                              const std::string& name) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c.Prepare(StrCat("SELECT ", kRoleColumns,
                                    " FROM iam_roles WHERE account_id = ? AND name_key = ?")));
  s.Bind(1, account_id).Bind(2, ToLower(name));
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NoSuchEntity(RoleNotFound(name));
  return RoleFromRow(s);
}

absl::StatusOr<int64_t> CountRows(store::Connection& c, std::string_view sql,
                                  const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(store::Statement s, c.Prepare(sql));
  for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

// A managed policy as found by ARN: its metadata, and for a customer policy its ID.
struct ResolvedPolicy {
  ManagedPolicy meta;
  const AwsManagedPolicy* aws = nullptr;  // set for AWS managed policies
};

constexpr char kPolicyColumns[] =
    "policy_id, account_id, name, path, description, default_version, tags, created_at, "
    "updated_at";

ManagedPolicy PolicyFromRow(const store::Statement& s) {
  ManagedPolicy p;
  p.policy_id = s.ColumnText(0);
  p.account_id = s.ColumnText(1);
  p.name = s.ColumnText(2);
  p.path = s.ColumnText(3);
  p.arn = PolicyArn(p.account_id, p.path, p.name);
  p.description = s.ColumnOptionalText(4);
  p.default_version_id = StrCat("v", s.ColumnInt(5));
  p.tags = TagsFromJson(s.ColumnText(6));
  p.created_at = s.ColumnInt(7);
  p.updated_at = s.ColumnInt(8);
  return p;
}

ManagedPolicy PolicyFromAws(const AwsManagedPolicy& a) {
  ManagedPolicy p;
  p.account_id = kAwsAccount;
  p.name = a.name;
  p.policy_id = a.policy_id;
  p.path = a.path;
  p.arn = a.arn;
  p.description = a.description;
  p.default_version_id = "v1";
  p.created_at = a.created_at;
  p.updated_at = a.created_at;
  return p;
}

// How many of `account_id`'s roles have the policy attached.
absl::StatusOr<int64_t> AttachmentCount(store::Connection& c, const std::string& account_id,
                                        const ManagedPolicy& p) {
  if (p.account_id == kAwsAccount) {
    return CountRows(c,
                     "SELECT COUNT(*) FROM iam_role_attachments a JOIN iam_roles r "
                     "ON a.role_id = r.role_id WHERE a.policy_arn = ? AND r.account_id = ?",
                     {p.arn, account_id});
  }
  return CountRows(c, "SELECT COUNT(*) FROM iam_role_attachments WHERE policy_id = ?",
                   {p.policy_id});
}

// Finds the policy `arn` as `account_id` sees it. `not_found` is the NoSuchEntity message.
absl::StatusOr<ResolvedPolicy> ResolvePolicy(store::Connection& c, const std::string& account_id,
                                             const std::string& arn, const std::string& not_found) {
  std::optional<IamArn> parsed = ParseIamArn(arn);
  if (!parsed || parsed->type != "policy")
    return InvalidInput(StrCat("ARN ", arn, " is not valid."));
  ResolvedPolicy out;
  if (parsed->account_id == kAwsAccount) {
    out.aws = FindAwsManagedPolicy(arn);
    if (out.aws == nullptr) return NoSuchEntity(not_found);
    out.meta = PolicyFromAws(*out.aws);
  } else {
    // Another account's customer managed policy is indistinguishable from a missing one.
    if (parsed->account_id != account_id) return NoSuchEntity(not_found);
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare(StrCat("SELECT ", kPolicyColumns,
                                      " FROM iam_policies WHERE account_id = ? AND name_key = ?")));
    s.Bind(1, account_id).Bind(2, ToLower(parsed->name));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NoSuchEntity(not_found);
    out.meta = PolicyFromRow(s);
    if (out.meta.path != parsed->path) return NoSuchEntity(not_found);
  }
  ASSIGN_OR_RETURN(out.meta.attachment_count, AttachmentCount(c, account_id, out.meta));
  return out;
}

// The default version's document of a resolved policy.
absl::StatusOr<std::string> DefaultDocument(store::Connection& c, const ResolvedPolicy& p) {
  if (p.aws != nullptr) return p.aws->document;
  ASSIGN_OR_RETURN(store::Statement s,
                   c.Prepare("SELECT v.document FROM iam_policy_versions v JOIN iam_policies p "
                             "ON v.policy_id = p.policy_id AND v.version = p.default_version "
                             "WHERE p.policy_id = ?"));
  s.Bind(1, p.meta.policy_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::InternalError(StrCat("policy ", p.meta.arn, " has no default version"));
  return s.ColumnText(0);
}

bool NameOrder(const std::string& a_name, const std::string& a_owner, const std::string& b_name,
               const std::string& b_owner) {
  std::string a = ToLower(a_name), b = ToLower(b_name);
  if (a != b) return a < b;
  return a_owner < b_owner;
}

// A fresh ID with `prefix` that `table`.`column` does not hold yet.
absl::StatusOr<std::string> UnusedId(store::Connection& c, Random& random, std::string_view prefix,
                                     std::string_view table, std::string_view column) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string id = NewIamId(prefix, random);
    ASSIGN_OR_RETURN(
        int64_t n,
        CountRows(c, StrCat("SELECT COUNT(*) FROM ", table, " WHERE ", column, " = ?"), {id}));
    if (n == 0) return id;
  }
  return absl::InternalError("could not allocate a unique IAM ID");
}

}  // namespace

// ----- Roles ------------------------------------------------------------------------------

absl::StatusOr<Role> IamStore::CreateRole(const NewRole& in) {
  RETURN_IF_ERROR(policy::ParsePolicy(in.trust_policy, policy::PolicyKind::kTrust).status());
  if (policy::QuotaSize(in.trust_policy) > kMaxTrustPolicySize) {
    return LimitExceeded(StrCat("Cannot exceed quota for ACLSizePerRole: ", kMaxTrustPolicySize));
  }
  Role role;
  role.account_id = in.account_id;
  role.name = in.name;
  role.path = in.path;
  role.arn = RoleArn(in.account_id, in.path, in.name);
  role.trust_policy = in.trust_policy;
  role.description = in.description;
  role.max_session_duration = in.max_session_duration;
  role.tags = in.tags;
  role.created_at = clock_->NowSeconds();
  RETURN_IF_ERROR(db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t same, CountRows(c,
                                             "SELECT COUNT(*) FROM iam_roles WHERE account_id = ? "
                                             "AND name_key = ?",
                                             {in.account_id, ToLower(in.name)}));
    if (same > 0)
      return EntityAlreadyExists(StrCat("Role with name ", in.name, " already exists."));
    ASSIGN_OR_RETURN(
        int64_t count,
        CountRows(c, "SELECT COUNT(*) FROM iam_roles WHERE account_id = ?", {in.account_id}));
    if (count >= kMaxRolesPerAccount) {
      return LimitExceeded(
          StrCat("Cannot exceed quota for RolesPerAccount: ", kMaxRolesPerAccount));
    }
    ASSIGN_OR_RETURN(role.role_id, UnusedId(c, *random_, "AROA", "iam_roles", "role_id"));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("INSERT INTO iam_roles (role_id, account_id, name, name_key, path, "
                               "trust_policy, description, max_session_duration, tags, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    return s.Bind(1, role.role_id)
        .Bind(2, role.account_id)
        .Bind(3, role.name)
        .Bind(4, ToLower(role.name))
        .Bind(5, role.path)
        .Bind(6, role.trust_policy)
        .Bind(7, role.description)
        .Bind(8, int64_t{role.max_session_duration})
        .Bind(9, TagsToJson(role.tags))
        .Bind(10, role.created_at)
        .Run();
  }));
  return role;
}

absl::StatusOr<Role> IamStore::GetRole(const std::string& account_id, const std::string& name) {
  std::optional<Role> role;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(role, FindRole(c, account_id, name));
    return absl::OkStatus();
  }));
  return *role;
}

absl::StatusOr<std::vector<Role>> IamStore::ListRoles(const std::string& account_id,
                                                      const std::string& path_prefix) {
  std::vector<Role> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare(StrCat("SELECT ", kRoleColumns,
                                      " FROM iam_roles WHERE account_id = ? ORDER BY name_key")));
    s.Bind(1, account_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      Role r = RoleFromRow(s);
      if (StartsWith(r.path, path_prefix)) out.push_back(std::move(r));
    }
  }));
  return out;
}

absl::Status IamStore::DeleteRole(const std::string& account_id, const std::string& name) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, name));
    ASSIGN_OR_RETURN(int64_t attached,
                     CountRows(c, "SELECT COUNT(*) FROM iam_role_attachments WHERE role_id = ?",
                               {role.role_id}));
    if (attached > 0)
      return DeleteConflict("Cannot delete entity, must detach all policies first.");
    ASSIGN_OR_RETURN(int64_t inline_count,
                     CountRows(c, "SELECT COUNT(*) FROM iam_role_inline_policies WHERE role_id = ?",
                               {role.role_id}));
    if (inline_count > 0)
      return DeleteConflict("Cannot delete entity, must delete policies first.");
    ASSIGN_OR_RETURN(store::Statement s, c.Prepare("DELETE FROM iam_roles WHERE role_id = ?"));
    return s.Bind(1, role.role_id).Run();
  });
}

// ----- Managed policies -------------------------------------------------------------------

absl::StatusOr<ManagedPolicy> IamStore::CreatePolicy(const NewPolicy& in) {
  RETURN_IF_ERROR(policy::ParsePolicy(in.document, policy::PolicyKind::kIdentity).status());
  if (policy::QuotaSize(in.document) > kMaxManagedPolicySize) {
    return LimitExceeded(StrCat("Cannot exceed quota for PolicySize: ", kMaxManagedPolicySize));
  }
  ManagedPolicy p;
  p.account_id = in.account_id;
  p.name = in.name;
  p.path = in.path;
  p.arn = PolicyArn(in.account_id, in.path, in.name);
  p.description = in.description;
  p.default_version_id = "v1";
  p.tags = in.tags;
  p.created_at = p.updated_at = clock_->NowSeconds();
  RETURN_IF_ERROR(db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t same,
                     CountRows(c,
                               "SELECT COUNT(*) FROM iam_policies WHERE account_id = ? AND "
                               "name_key = ?",
                               {in.account_id, ToLower(in.name)}));
    if (same > 0) {
      return EntityAlreadyExists(
          StrCat("A policy called ", in.name, " already exists. Duplicate names are not allowed."));
    }
    ASSIGN_OR_RETURN(
        int64_t count,
        CountRows(c, "SELECT COUNT(*) FROM iam_policies WHERE account_id = ?", {in.account_id}));
    if (count >= kMaxPoliciesPerAccount) {
      return LimitExceeded(
          StrCat("Cannot exceed quota for PoliciesPerAccount: ", kMaxPoliciesPerAccount));
    }
    ASSIGN_OR_RETURN(p.policy_id, UnusedId(c, *random_, "ANPA", "iam_policies", "policy_id"));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("INSERT INTO iam_policies (policy_id, account_id, name, name_key, "
                               "path, description, default_version, tags, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"));
    RETURN_IF_ERROR(s.Bind(1, p.policy_id)
                        .Bind(2, p.account_id)
                        .Bind(3, p.name)
                        .Bind(4, ToLower(p.name))
                        .Bind(5, p.path)
                        .Bind(6, p.description)
                        .Bind(7, TagsToJson(p.tags))
                        .Bind(8, p.created_at)
                        .Bind(9, p.updated_at)
                        .Run());
    ASSIGN_OR_RETURN(store::Statement v,
                     c.Prepare("INSERT INTO iam_policy_versions (policy_id, version, document, "
                               "created_at) VALUES (?, 1, ?, ?)"));
    return v.Bind(1, p.policy_id).Bind(2, in.document).Bind(3, p.created_at).Run();
  }));
  return p;
}

absl::StatusOr<ManagedPolicy> IamStore::GetPolicy(const std::string& account_id,
                                                  const std::string& arn) {
  std::optional<ResolvedPolicy> found;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(found,
                     ResolvePolicy(c, account_id, arn, StrCat("Policy ", arn, " was not found.")));
    return absl::OkStatus();
  }));
  return found->meta;
}

absl::StatusOr<PolicyVersion> IamStore::GetPolicyVersion(const std::string& account_id,
                                                         const std::string& arn,
                                                         const std::string& version_id) {
  PolicyVersion out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(ResolvedPolicy p,
                     ResolvePolicy(c, account_id, arn, StrCat("Policy ", arn, " was not found.")));
    const std::string missing =
        StrCat("Policy ", arn, " version ", version_id, " does not exist or is not attachable.");
    uint64_t number = 0;
    if (version_id.size() < 2 || version_id[0] != 'v' ||
        !ParseUint64(std::string_view(version_id).substr(1), &number)) {
      return NoSuchEntity(missing);
    }
    if (p.aws != nullptr) {
      if (number != 1) return NoSuchEntity(missing);
      out = PolicyVersion{p.aws->document, "v1", true, p.aws->created_at};
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT v.document, v.created_at, p.default_version FROM "
                               "iam_policy_versions v JOIN iam_policies p ON v.policy_id = "
                               "p.policy_id WHERE v.policy_id = ? AND v.version = ?"));
    s.Bind(1, p.meta.policy_id).Bind(2, static_cast<int64_t>(number));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NoSuchEntity(missing);
    out = PolicyVersion{s.ColumnText(0), StrCat("v", number),
                        s.ColumnInt(2) == static_cast<int64_t>(number), s.ColumnInt(1)};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ManagedPolicy>> IamStore::ListPolicies(const std::string& account_id,
                                                                  PolicyScope scope,
                                                                  bool only_attached,
                                                                  const std::string& path_prefix) {
  std::vector<ManagedPolicy> all;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    if (scope != PolicyScope::kLocal) {
      for (const AwsManagedPolicy& a : AwsManagedPolicies()) all.push_back(PolicyFromAws(a));
    }
    if (scope != PolicyScope::kAws) {
      ASSIGN_OR_RETURN(
          store::Statement s,
          c.Prepare(StrCat("SELECT ", kPolicyColumns, " FROM iam_policies WHERE account_id = ?")));
      s.Bind(1, account_id);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        all.push_back(PolicyFromRow(s));
      }
    }
    for (ManagedPolicy& p : all) {
      ASSIGN_OR_RETURN(p.attachment_count, AttachmentCount(c, account_id, p));
    }
    return absl::OkStatus();
  }));
  std::vector<ManagedPolicy> out;
  for (ManagedPolicy& p : all) {
    if (only_attached && p.attachment_count == 0) continue;
    if (!StartsWith(p.path, path_prefix)) continue;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const ManagedPolicy& a, const ManagedPolicy& b) {
    return NameOrder(a.name, a.account_id, b.name, b.account_id);
  });
  return out;
}

absl::Status IamStore::DeletePolicy(const std::string& account_id, const std::string& arn) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(ResolvedPolicy p,
                     ResolvePolicy(c, account_id, arn, StrCat("Policy ", arn, " was not found.")));
    if (p.aws != nullptr) {
      return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied",
                      StrCat("User: arn:aws:iam::", account_id,
                             ":root is not authorized to perform: iam:DeletePolicy on resource: "
                             "policy ",
                             arn, " because it is an AWS managed policy, which cannot be deleted"),
                      403);
    }
    if (p.meta.attachment_count > 0) {
      return DeleteConflict("Cannot delete a policy attached to entities.");
    }
    ASSIGN_OR_RETURN(store::Statement v,
                     c.Prepare("DELETE FROM iam_policy_versions WHERE policy_id = ?"));
    RETURN_IF_ERROR(v.Bind(1, p.meta.policy_id).Run());
    ASSIGN_OR_RETURN(store::Statement s, c.Prepare("DELETE FROM iam_policies WHERE policy_id = ?"));
    return s.Bind(1, p.meta.policy_id).Run();
  });
}

// ----- Attachments ------------------------------------------------------------------------

absl::Status IamStore::AttachRolePolicy(const std::string& account_id, const std::string& role_name,
                                        const std::string& policy_arn) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    ASSIGN_OR_RETURN(
        ResolvedPolicy p,
        ResolvePolicy(c, account_id, policy_arn,
                      StrCat("Policy ", policy_arn, " does not exist or is not attachable.")));
    ASSIGN_OR_RETURN(int64_t already,
                     CountRows(c,
                               "SELECT COUNT(*) FROM iam_role_attachments WHERE role_id = ? AND "
                               "policy_arn = ?",
                               {role.role_id, p.meta.arn}));
    if (already > 0) return absl::OkStatus();  // attaching twice is a no-op, as in IAM
    ASSIGN_OR_RETURN(int64_t count,
                     CountRows(c, "SELECT COUNT(*) FROM iam_role_attachments WHERE role_id = ?",
                               {role.role_id}));
    if (count >= kMaxManagedPoliciesPerRole) {
      return LimitExceeded(
          StrCat("Cannot exceed quota for PoliciesPerRole: ", kMaxManagedPoliciesPerRole));
    }
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("INSERT INTO iam_role_attachments (role_id, policy_arn, policy_id, "
                               "attached_at) VALUES (?, ?, ?, ?)"));
    s.Bind(1, role.role_id).Bind(2, p.meta.arn).Bind(4, clock_->NowSeconds());
    if (p.aws != nullptr) {
      s.BindNull(3);
    } else {
      s.Bind(3, p.meta.policy_id);
    }
    return s.Run();
  });
}

absl::Status IamStore::DetachRolePolicy(const std::string& account_id, const std::string& role_name,
                                        const std::string& policy_arn) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    const std::string not_found = StrCat("Policy ", policy_arn, " was not found.");
    ASSIGN_OR_RETURN(ResolvedPolicy p, ResolvePolicy(c, account_id, policy_arn, not_found));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("DELETE FROM iam_role_attachments WHERE role_id = ? AND "
                               "policy_arn = ?"));
    RETURN_IF_ERROR(s.Bind(1, role.role_id).Bind(2, p.meta.arn).Run());
    if (c.Changes() == 0) return NoSuchEntity(not_found);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AttachedPolicy>> IamStore::ListAttachedRolePolicies(
    const std::string& account_id, const std::string& role_name, const std::string& path_prefix) {
  std::vector<AttachedPolicy> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT a.policy_arn, p.account_id, p.name, p.path FROM "
                               "iam_role_attachments a LEFT JOIN iam_policies p ON a.policy_id = "
                               "p.policy_id WHERE a.role_id = ?"));
    s.Bind(1, role.role_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      AttachedPolicy a;
      a.arn = s.ColumnText(0);
      if (s.ColumnIsNull(1)) {
        const AwsManagedPolicy* aws = FindAwsManagedPolicy(a.arn);
        if (aws == nullptr) continue;  // an AWS policy this version no longer ships
        a.owner = kAwsAccount;
        a.name = aws->name;
        a.path = aws->path;
      } else {
        a.owner = s.ColumnText(1);
        a.name = s.ColumnText(2);
        a.path = s.ColumnText(3);
      }
      if (StartsWith(a.path, path_prefix)) out.push_back(std::move(a));
    }
    return absl::OkStatus();
  }));
  std::sort(out.begin(), out.end(), [](const AttachedPolicy& a, const AttachedPolicy& b) {
    return NameOrder(a.name, a.owner, b.name, b.owner);
  });
  return out;
}

// ----- Inline role policies ---------------------------------------------------------------

absl::Status IamStore::PutRolePolicy(const std::string& account_id, const std::string& role_name,
                                     const std::string& policy_name, const std::string& document) {
  RETURN_IF_ERROR(policy::ParsePolicy(document, policy::PolicyKind::kIdentity).status());
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    size_t total = policy_name.size() + policy::QuotaSize(document);
    ASSIGN_OR_RETURN(store::Statement others,
                     c.Prepare("SELECT name, document FROM iam_role_inline_policies WHERE "
                               "role_id = ? AND name_key <> ?"));
    others.Bind(1, role.role_id).Bind(2, ToLower(policy_name));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, others.Step());
      if (!row) break;
      total += others.ColumnText(0).size() + policy::QuotaSize(others.ColumnText(1));
    }
    if (total > kMaxInlinePolicySizePerRole) {
      return LimitExceeded(StrCat("Maximum policy size of ", kMaxInlinePolicySizePerRole,
                                  " bytes exceeded for role ", role.name));
    }
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("INSERT INTO iam_role_inline_policies (role_id, name, name_key, "
                               "document) VALUES (?, ?, ?, ?) ON CONFLICT (role_id, name_key) DO "
                               "UPDATE SET name = excluded.name, document = excluded.document"));
    return s.Bind(1, role.role_id)
        .Bind(2, policy_name)
        .Bind(3, ToLower(policy_name))
        .Bind(4, document)
        .Run();
  });
}

absl::StatusOr<InlinePolicy> IamStore::GetRolePolicy(const std::string& account_id,
                                                     const std::string& role_name,
                                                     const std::string& policy_name) {
  InlinePolicy out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT name, document FROM iam_role_inline_policies WHERE "
                               "role_id = ? AND name_key = ?"));
    s.Bind(1, role.role_id).Bind(2, ToLower(policy_name));
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) {
      return NoSuchEntity(StrCat("The role policy with name ", policy_name, " cannot be found."));
    }
    out = InlinePolicy{s.ColumnText(0), s.ColumnText(1)};
    return absl::OkStatus();
  }));
  return out;
}

absl::Status IamStore::DeleteRolePolicy(const std::string& account_id, const std::string& role_name,
                                        const std::string& policy_name) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("DELETE FROM iam_role_inline_policies WHERE role_id = ? AND "
                               "name_key = ?"));
    RETURN_IF_ERROR(s.Bind(1, role.role_id).Bind(2, ToLower(policy_name)).Run());
    if (c.Changes() == 0) {
      return NoSuchEntity(StrCat("The role policy with name ", policy_name, " cannot be found."));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> IamStore::ListRolePolicies(const std::string& account_id,
                                                                    const std::string& role_name) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Role role, FindRole(c, account_id, role_name));
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT name FROM iam_role_inline_policies WHERE role_id = ? "
                               "ORDER BY name_key"));
    s.Bind(1, role.role_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      out.push_back(s.ColumnText(0));
    }
  }));
  return out;
}

absl::StatusOr<RolePermissions> IamStore::LoadRolePermissions(const std::string& account_id,
                                                              const std::string& role_name) {
  RolePermissions out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out.role, FindRole(c, account_id, role_name));
    std::vector<std::string> arns;
    {
      ASSIGN_OR_RETURN(store::Statement s,
                       c.Prepare("SELECT policy_arn FROM iam_role_attachments WHERE role_id = ? "
                                 "ORDER BY policy_arn"));
      s.Bind(1, out.role.role_id);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        arns.push_back(s.ColumnText(0));
      }
    }
    for (const std::string& arn : arns) {
      absl::StatusOr<ResolvedPolicy> p = ResolvePolicy(c, account_id, arn, "");
      if (!p.ok()) {
        if (p.status().code() == absl::StatusCode::kNotFound) continue;  // no longer shipped
        return p.status();
      }
      ASSIGN_OR_RETURN(std::string document, DefaultDocument(c, *p));
      out.managed.emplace_back(arn, std::move(document));
    }
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT name, document FROM iam_role_inline_policies WHERE "
                               "role_id = ? ORDER BY name_key"));
    s.Bind(1, out.role.role_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      out.inline_policies.push_back(InlinePolicy{s.ColumnText(0), s.ColumnText(1)});
    }
  }));
  return out;
}

}  // namespace cleanroom::iam
