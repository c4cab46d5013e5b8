#include "admin/admin_service.h"

#include "common/aws_error.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "protocol/json_rpc.h"

namespace cleanroom::admin {
namespace {

using nlohmann::json;
using protocol::CallContext;
using protocol::RestJsonInput;

absl::Status RequireAdmin(const CallContext& ctx) {
  if (ctx.caller.is_admin) return absl::OkStatus();
  return AwsError(absl::StatusCode::kPermissionDenied, "AccessDeniedException",
                  "Only administrator accounts may use the administration API", 403);
}

absl::Status Validation(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message, 400);
}

// Maps store errors to the API's error names.
absl::Status Translate(const absl::Status& st) {
  if (st.code() == absl::StatusCode::kNotFound) {
    return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                    std::string(st.message()), 404);
  }
  if (st.code() == absl::StatusCode::kInvalidArgument) return Validation(std::string(st.message()));
  return st;
}

json AccountJson(const iam::Account& a) {
  return {{"AccountId", a.account_id},
          {"Name", a.name},
          {"Admin", a.is_admin},
          {"CreatedAt", a.created_at}};
}

json KeyJson(const iam::AccessKey& k) {
  return {{"AccessKeyId", k.access_key_id},
          {"AccountId", k.account_id},
          {"Status", k.status},
          {"CreatedAt", k.created_at}};
}

}  // namespace

AdminService::AdminService(iam::IdentityStore* identities)
    : RestJsonService("cleanroom"), identities_(identities) {
  Register({"POST", "/admin/accounts", "CreateAccount", 200,
            [this](CallContext& ctx, const RestJsonInput& in) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              ASSIGN_OR_RETURN(std::string name, protocol::RequiredString(in.body, "Name"));
              ASSIGN_OR_RETURN(auto admin, protocol::OptionalBool(in.body, "Admin"));
              absl::StatusOr<iam::Account> account =
                  identities_->CreateAccount(name, admin.value_or(false));
              if (!account.ok()) return Translate(account.status());
              ASSIGN_OR_RETURN(iam::NewAccessKey key,
                               identities_->CreateAccessKey(account->account_id));
              json out = AccountJson(*account);
              out["AccessKeyId"] = key.key.access_key_id;
              out["SecretAccessKey"] = key.secret_access_key;
              return out;
            }});
  Register({"GET", "/admin/accounts", "ListAccounts", 200,
            [this](CallContext& ctx, const RestJsonInput&) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              ASSIGN_OR_RETURN(auto accounts, identities_->ListAccounts());
              json list = json::array();
              for (const auto& a : accounts) list.push_back(AccountJson(a));
              return json{{"Accounts", list}};
            }});
  Register({"POST", "/admin/access-keys", "CreateAccessKey", 200,
            [this](CallContext& ctx, const RestJsonInput& in) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              ASSIGN_OR_RETURN(std::string account_id,
                               protocol::RequiredString(in.body, "AccountId"));
              if (!IsAccountId(account_id)) return Validation("AccountId must be 12 digits");
              absl::StatusOr<iam::NewAccessKey> key = identities_->CreateAccessKey(account_id);
              if (!key.ok()) return Translate(key.status());
              json out = KeyJson(key->key);
              out["SecretAccessKey"] = key->secret_access_key;
              return out;
            }});
  Register({"GET", "/admin/access-keys", "ListAccessKeys", 200,
            [this](CallContext& ctx, const RestJsonInput& in) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              ASSIGN_OR_RETURN(auto keys,
                               identities_->ListAccessKeys(in.Query("accountId").value_or("")));
              json list = json::array();
              for (const auto& k : keys) list.push_back(KeyJson(k));
              return json{{"AccessKeys", list}};
            }});
  Register({"PATCH", "/admin/access-keys/{accessKeyId}", "UpdateAccessKey", 200,
            [this](CallContext& ctx, const RestJsonInput& in) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              ASSIGN_OR_RETURN(std::string status, protocol::RequiredString(in.body, "Status"));
              const std::string& id = in.labels.at("accessKeyId");
              if (id == ctx.caller.access_key_id && status != "Active") {
                return Validation("You cannot disable the access key that signed this request");
              }
              RETURN_IF_ERROR(Translate(identities_->SetAccessKeyStatus(id, status)));
              return json::object();
            }});
  Register({"DELETE", "/admin/access-keys/{accessKeyId}", "DeleteAccessKey", 204,
            [this](CallContext& ctx, const RestJsonInput& in) -> absl::StatusOr<json> {
              RETURN_IF_ERROR(RequireAdmin(ctx));
              const std::string& id = in.labels.at("accessKeyId");
              if (id == ctx.caller.access_key_id) {
                return Validation("You cannot delete the access key that signed this request");
              }
              RETURN_IF_ERROR(Translate(identities_->DeleteAccessKey(id)));
              return json::object();
            }});
}

}  // namespace cleanroom::admin
