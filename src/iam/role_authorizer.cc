#include "iam/role_authorizer.h"

#include "common/status_macros.h"
#include "common/strings.h"
#include "iam/iam_names.h"
#include "policy/evaluator.h"

namespace cleanroom::iam {
namespace {

absl::Status UnableToAssume(const std::string& service, const std::string& role_arn,
                            std::string_view why) {
  return absl::PermissionDeniedError(ToAbsl(
      StrCat("Service ", service, " is unable to assume provided role ", role_arn, ": ", why)));
}

}  // namespace

std::string AssumedRole::session_arn() const {
  return StrCat("arn:aws:sts::", account_id_, ":assumed-role/", role_name_, "/", session_name_);
}

absl::Status AssumedRole::Authorize(const std::string& action, const std::string& resource_arn,
                                    const std::string& resource_owner_account,
                                    const std::map<std::string, std::string>& context) const {
  const std::string denied =
      StrCat("User: ", session_arn(), " is not authorized to perform: ", action,
             " on resource: ", resource_arn);
  if (resource_owner_account != account_id_) {
    return absl::PermissionDeniedError(
        ToAbsl(StrCat(denied, " because no resource-based policy allows the ", action,
                      " action (the resource belongs to another account)")));
  }
  policy::Request request;
  request.action = action;
  request.resource = resource_arn;
  request.context = context;
  bool has_source_account = false;
  for (const auto& [key, value] : context) {
    if (EqualsIgnoreCase(key, "aws:SourceAccount")) has_source_account = true;
  }
  if (!has_source_account) request.context["aws:SourceAccount"] = account_id_;
  std::vector<policy::NamedPolicy> named;
  if (policies_) {
    for (const auto& [label, document] : policies_->documents) named.push_back({label, &document});
  }
  policy::EvaluationResult result = policy::Evaluate(named, request);
  switch (result.decision) {
    case policy::Decision::kAllow:
      return absl::OkStatus();
    case policy::Decision::kExplicitDeny:
      return absl::PermissionDeniedError(ToAbsl(
          StrCat(denied, " with an explicit deny in an identity-based policy: ", result.policy_name,
                 result.sid.empty() ? "" : StrCat(" (statement ", result.sid, ")"))));
    case policy::Decision::kImplicitDeny:
    default:
      return absl::PermissionDeniedError(ToAbsl(
          StrCat(denied, " because no identity-based policy allows the ", action, " action")));
  }
}

absl::StatusOr<AssumedRole> RoleAuthorizer::AssumeForService(
    const std::string& caller_account_id, const std::string& role,
    const std::string& service_principal, const std::string& session_name) const {
  std::string role_name;
  std::string wanted_path;  // empty: any path (a bare name)
  if (StartsWith(role, "arn:")) {
    std::optional<IamArn> arn = ParseIamArn(role);
    if (!arn || arn->type != "role") {
      return absl::InvalidArgumentError(ToAbsl(StrCat(role, " is not a valid IAM role ARN")));
    }
    if (arn->account_id != caller_account_id) {
      return UnableToAssume(service_principal, role,
                            StrCat("the role belongs to account ", arn->account_id,
                                   ", and a role can only be passed by its own account (the "
                                   "caller is account ",
                                   caller_account_id, ")"));
    }
    role_name = arn->name;
    wanted_path = arn->path;
  } else {
    if (role.empty() || role.size() > 64 || !IsValidEntityName(role)) {
      return absl::InvalidArgumentError(
          ToAbsl(StrCat("'", role, "' is neither a role ARN nor a valid role name")));
    }
    role_name = role;
  }
  const std::string shown_arn =
      StartsWith(role, "arn:") ? role : RoleArn(caller_account_id, "/", role_name);

  absl::StatusOr<RolePermissions> loaded = store_.LoadRolePermissions(caller_account_id, role_name);
  if (!loaded.ok()) {
    if (loaded.status().code() == absl::StatusCode::kNotFound) {
      return UnableToAssume(service_principal, shown_arn, "the role does not exist");
    }
    return loaded.status();
  }
  const Role& r = loaded->role;
  if (!wanted_path.empty() && wanted_path != r.path) {
    return UnableToAssume(service_principal, shown_arn, "the role does not exist");
  }

  absl::StatusOr<policy::PolicyDocument> trust =
      policy::ParsePolicy(r.trust_policy, policy::PolicyKind::kTrust);
  if (!trust.ok()) {
    return absl::InternalError(ToAbsl(
        StrCat("stored trust policy of ", r.arn, " does not parse: ", trust.status().message())));
  }
  policy::EvaluationResult trusted =
      policy::TrustsService(*trust, service_principal, {{"aws:SourceAccount", caller_account_id}});
  if (!trusted.allowed()) {
    return UnableToAssume(
        service_principal, r.arn,
        trusted.decision == policy::Decision::kExplicitDeny
            ? StrCat("its trust policy explicitly denies ", service_principal, " sts:AssumeRole")
            : StrCat("its trust policy does not allow ", service_principal,
                     " to perform sts:AssumeRole"));
  }

  auto policies = std::make_shared<AssumedRole::Policies>();
  for (const auto& [arn, text] : loaded->managed) {
    absl::StatusOr<policy::PolicyDocument> doc =
        policy::ParsePolicy(text, policy::PolicyKind::kIdentity);
    if (!doc.ok()) {
      return absl::InternalError(
          ToAbsl(StrCat("stored policy ", arn, " does not parse: ", doc.status().message())));
    }
    policies->documents.emplace_back(arn, std::move(*doc));
  }
  for (const InlinePolicy& p : loaded->inline_policies) {
    absl::StatusOr<policy::PolicyDocument> doc =
        policy::ParsePolicy(p.document, policy::PolicyKind::kIdentity);
    if (!doc.ok()) {
      return absl::InternalError(ToAbsl(StrCat("stored inline policy ", p.name, " of ", r.arn,
                                               " does not parse: ", doc.status().message())));
    }
    policies->documents.emplace_back(StrCat(r.name, "/", p.name), std::move(*doc));
  }

  AssumedRole assumed;
  assumed.role_arn_ = r.arn;
  assumed.account_id_ = r.account_id;
  assumed.role_name_ = r.name;
  assumed.session_name_ = session_name;
  assumed.policies_ = std::move(policies);
  return assumed;
}

}  // namespace cleanroom::iam
