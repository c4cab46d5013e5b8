// IAM roles and managed policies of each account, persisted in the metadata database:
// roles (with their trust policy), customer managed policies with versions, attachments of
// managed policies (customer or AWS) to roles, and inline role policies.
//
// Every call is scoped to one account: an account never sees or changes another account's
// roles or policies (another account's customer managed policy is reported as not existing).
// AWS managed policies (aws_managed_policies.h) are visible to all and read-only.
//
// Errors carry IAM's AWS error codes and messages (common/aws_error.h):
//   NoSuchEntity 404 (kNotFound), EntityAlreadyExists 409 (kAlreadyExists),
//   DeleteConflict 409 (kFailedPrecondition), MalformedPolicyDocument 400 (kInvalidArgument),
//   LimitExceeded 409 (kResourceExhausted), InvalidInput 400 (kInvalidArgument),
//   AccessDenied 403 (kPermissionDenied: changing an AWS managed policy).
// Names, paths and tags must already satisfy the API model (iam_names.h); the store checks
// policy documents (policy::ParsePolicy), quotas, existence and conflicts.
//
// Thread-safe: the database serializes access, and each call is one transaction.
#ifndef CLEANROOM_IAM_IAM_STORE_H_
#define CLEANROOM_IAM_IAM_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/random.h"
#include "store/database.h"

namespace cleanroom::iam {

// IAM quotas (AWS defaults).
inline constexpr int kMaxRolesPerAccount = 1000;
inline constexpr int kMaxPoliciesPerAccount = 1500;
inline constexpr int kMaxManagedPoliciesPerRole = 10;
inline constexpr size_t kMaxTrustPolicySize = 2048;           // ACLSizePerRole
inline constexpr size_t kMaxManagedPolicySize = 6144;         // PolicySize
inline constexpr size_t kMaxInlinePolicySizePerRole = 10240;  // all inline policies of a role
inline constexpr int kDefaultMaxSessionDuration = 3600;

struct Tag {
  std::string key;
  std::string value;
};

struct Role {
  std::string account_id;
  std::string name;
  std::string role_id;  // "AROA…"
  std::string path;
  std::string arn;
  std::string trust_policy;  // the AssumeRolePolicyDocument as submitted
  std::optional<std::string> description;
  int max_session_duration = kDefaultMaxSessionDuration;
  std::vector<Tag> tags;
  int64_t created_at = 0;  // epoch seconds
};

struct NewRole {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string trust_policy;
  std::optional<std::string> description;
  int max_session_duration = kDefaultMaxSessionDuration;
  std::vector<Tag> tags;
};

struct ManagedPolicy {
  std::string account_id;  // "aws" for AWS managed policies
  std::string name;
  std::string policy_id;  // "ANPA…"
  std::string path;
  std::string arn;
  std::optional<std::string> description;
  std::string default_version_id;  // "v1"
  int64_t attachment_count = 0;    // attachments to roles of the *calling* account
  bool is_attachable = true;
  std::vector<Tag> tags;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct NewPolicy {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string document;
  std::optional<std::string> description;
  std::vector<Tag> tags;
};

struct PolicyVersion {
  std::string document;
  std::string version_id;  // "v1"
  bool is_default = true;
  int64_t created_at = 0;
};

enum class PolicyScope { kAll, kAws, kLocal };

struct AttachedPolicy {
  std::string name;
  std::string arn;
  std::string path;
  std::string owner;  // account ID or "aws"
};

struct InlinePolicy {
  std::string name;
  std::string document;
};

// Everything that decides what a role may do, read in one transaction.
struct RolePermissions {
  Role role;
  // (policy ARN, default version document) of each attached managed policy.
  std::vector<std::pair<std::string, std::string>> managed;
  std::vector<InlinePolicy> inline_policies;
};

class IamStore {
 public:
  // `db` (with SchemaMigrations applied), `clock` and `random` are not owned and must outlive
  // the store.
  explicit IamStore(store::Database* db, const Clock* clock = &SystemClock(),
                    Random* random = &SystemRandom())
      : db_(db), clock_(clock), random_(random) {}

  // --- Roles -----------------------------------------------------------------------------
  // MalformedPolicyDocument if the trust policy is invalid, LimitExceeded if it is over
  // kMaxTrustPolicySize or the account has kMaxRolesPerAccount roles, EntityAlreadyExists if
  // the name is taken (case-insensitively).
  absl::StatusOr<Role> CreateRole(const NewRole& role);
  // Case-insensitive name. NoSuchEntity if absent.
  absl::StatusOr<Role> GetRole(const std::string& account_id, const std::string& name);
  // Roles whose path starts with `path_prefix`, ordered by lower-case name.
  absl::StatusOr<std::vector<Role>> ListRoles(const std::string& account_id,
                                              const std::string& path_prefix);
  // NoSuchEntity; DeleteConflict while managed policies are attached or inline policies exist.
  absl::Status DeleteRole(const std::string& account_id, const std::string& name);

  // --- Managed policies --------------------------------------------------------------------
  // MalformedPolicyDocument, LimitExceeded (size, kMaxPoliciesPerAccount),
  // EntityAlreadyExists (name taken case-insensitively, whatever the path).
  absl::StatusOr<ManagedPolicy> CreatePolicy(const NewPolicy& policy);
  // A customer managed policy of `account_id` or an AWS managed policy. InvalidInput if `arn`
  // is not a policy ARN; NoSuchEntity if there is no such policy visible to the account.
  absl::StatusOr<ManagedPolicy> GetPolicy(const std::string& account_id, const std::string& arn);
  // NoSuchEntity if the policy or the version does not exist.
  absl::StatusOr<PolicyVersion> GetPolicyVersion(const std::string& account_id,
                                                 const std::string& arn,
                                                 const std::string& version_id);
  // Policies visible to the account, ordered by lower-case name then owner.
  absl::StatusOr<std::vector<ManagedPolicy>> ListPolicies(const std::string& account_id,
                                                          PolicyScope scope, bool only_attached,
                                                          const std::string& path_prefix);
  // NoSuchEntity; DeleteConflict while attached; AccessDenied for an AWS managed policy.
  absl::Status DeletePolicy(const std::string& account_id, const std::string& arn);

  // --- Attachments -------------------------------------------------------------------------
  // Idempotent. NoSuchEntity for an unknown role or policy (including another account's
  // policy); LimitExceeded past kMaxManagedPoliciesPerRole.
  absl::Status AttachRolePolicy(const std::string& account_id, const std::string& role_name,
                                const std::string& policy_arn);
  // NoSuchEntity for an unknown role or a policy that is not attached.
  absl::Status DetachRolePolicy(const std::string& account_id, const std::string& role_name,
                                const std::string& policy_arn);
  // Ordered by lower-case name then owner; `path_prefix` filters on the policy's path.
  absl::StatusOr<std::vector<AttachedPolicy>> ListAttachedRolePolicies(
      const std::string& account_id, const std::string& role_name, const std::string& path_prefix);

  // --- Inline role policies ----------------------------------------------------------------
  // Creates or replaces. NoSuchEntity (role), MalformedPolicyDocument, LimitExceeded when the
  // role's inline policies would exceed kMaxInlinePolicySizePerRole.
  absl::Status PutRolePolicy(const std::string& account_id, const std::string& role_name,
                             const std::string& policy_name, const std::string& document);
  // NoSuchEntity for an unknown role or policy name (names are case-insensitive).
  absl::StatusOr<InlinePolicy> GetRolePolicy(const std::string& account_id,
                                             const std::string& role_name,
                                             const std::string& policy_name);
  absl::Status DeleteRolePolicy(const std::string& account_id, const std::string& role_name,
                                const std::string& policy_name);
  // Names ordered case-insensitively.
  absl::StatusOr<std::vector<std::string>> ListRolePolicies(const std::string& account_id,
                                                            const std::string& role_name);

  // --- For authorization --------------------------------------------------------------------
  // The role, the default-version documents of its attached managed policies (AWS managed
  // ones from code) and its inline policies, as one consistent snapshot. NoSuchEntity.
  absl::StatusOr<RolePermissions> LoadRolePermissions(const std::string& account_id,
                                                      const std::string& role_name);

 private:
  store::Database* db_;
  const Clock* clock_;
  Random* random_;
};

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_IAM_STORE_H_
