// The one engine every service uses when it acts on someone's data through a role (a Glue
// crawler reading S3, Clean Rooms reading the Glue catalog, ...).
//
//   iam::RoleAuthorizer authorizer(db);
//   ASSIGN_OR_RETURN(iam::AssumedRole role,
//                    authorizer.AssumeForService(caller.account_id, crawler.role,
//                                                "glue.amazonaws.com", crawler.name));
//   RETURN_IF_ERROR(role.Authorize("s3:GetObject", "arn:aws:s3:::bucket/key",
//                                  bucket.owner_account_id));
//
// AssumeForService checks that the role belongs to the caller's account and that its trust
// policy lets the service assume it; AssumedRole::Authorize then evaluates the role's
// permission policies (attached managed policies, AWS managed ones included, and inline
// policies) with IAM's rules: explicit Deny wins, then any Allow, else denied. There are no
// resource-based policies, so a resource of another account is always denied.
//
// Both return kPermissionDenied with an AWS-style message, which each protocol renders as its
// own access-denied error (AccessDenied in S3/query services, AccessDeniedException in JSON
// services).
#ifndef CLEANROOM_IAM_ROLE_AUTHORIZER_H_
#define CLEANROOM_IAM_ROLE_AUTHORIZER_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "iam/iam_store.h"
#include "policy/policy_document.h"
#include "store/database.h"

namespace cleanroom::iam {

// A role that a service has assumed on behalf of the role's account, with its policies loaded.
//
// The policies are a snapshot taken by AssumeForService: attaching, detaching or changing a
// policy afterwards does not affect an AssumedRole that already exists (as with temporary
// credentials, a new AssumeForService sees the change). Cheap to copy (the snapshot is
// shared); immutable, so safe to use from many threads.
class AssumedRole {
 public:
  // An assumed role with no policies: Authorize denies everything. Useful as a placeholder;
  // real ones come from RoleAuthorizer::AssumeForService.
  AssumedRole() = default;

  const std::string& role_arn() const { return role_arn_; }
  const std::string& account_id() const { return account_id_; }  // the role's (and caller's)
  const std::string& role_name() const { return role_name_; }
  const std::string& session_name() const { return session_name_; }
  // arn:aws:sts::<account>:assumed-role/<RoleName>/<session>, the principal in messages.
  std::string session_arn() const;

  // OK if the role's attached + inline policies allow `action` (e.g. "s3:GetObject") on
  // `resource_arn` (e.g. "arn:aws:s3:::bucket/key") and the resource belongs to the role's
  // account (`resource_owner_account`); there are no resource policies, so a resource of
  // another account is always denied. `context` holds condition keys (aws:SourceAccount is
  // added with the role's account unless given). Otherwise kPermissionDenied with a message
  // such as
  //   "User: arn:aws:sts::<acct>:assumed-role/<RoleName>/<session> is not authorized to
  //    perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy
  //    allows the s3:GetObject action"
  // ("... with an explicit deny in an identity-based policy: <policy>" for a Deny, and
  // "... because no resource-based policy allows ..." for another account's resource).
  absl::Status Authorize(const std::string& action, const std::string& resource_arn,
                         const std::string& resource_owner_account,
                         const std::map<std::string, std::string>& context = {}) const;

 private:
  friend class RoleAuthorizer;
  struct Policies {
    // (label, document): managed policies labelled by ARN, inline ones by
    // "<role name>/<policy name>".
    std::vector<std::pair<std::string, policy::PolicyDocument>> documents;
  };

  std::string role_arn_;
  std::string account_id_;
  std::string role_name_;
  std::string session_name_;
  std::shared_ptr<const Policies> policies_;
};

class RoleAuthorizer {
 public:
  // `db` (with SchemaMigrations applied) is not owned and must outlive the authorizer.
  // Thread-safe.
  explicit RoleAuthorizer(store::Database* db) : store_(db) {}

  // Has `service_principal` (e.g. "glue.amazonaws.com") assume `role` on behalf of
  // `caller_account_id`. `role` is a full role ARN or a bare role name (resolved in
  // `caller_account_id`, case-insensitively). Returns:
  //   kInvalidArgument  `role` is neither a role ARN nor a valid role name;
  //   kPermissionDenied the role is in another account ("a role can only be passed by its own
  //                     account"), does not exist, or its trust policy does not allow
  //                     `service_principal` to sts:AssumeRole with aws:SourceAccount = the
  //                     caller's account. Messages start "Service <principal> is unable to
  //                     assume provided role <role ARN>: ...".
  // `session_name` appears in the assumed-role ARN of denial messages.
  absl::StatusOr<AssumedRole> AssumeForService(const std::string& caller_account_id,
                                               const std::string& role,
                                               const std::string& service_principal,
                                               const std::string& session_name) const;

 private:
  mutable IamStore store_;
};

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_ROLE_AUTHORIZER_H_
