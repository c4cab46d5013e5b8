// AWS IAM (query protocol, signing name "iam", API version 2010-05-08): roles, customer and
// AWS managed policies, role attachments and inline role policies.
//
// Operations: CreateRole, GetRole, ListRoles, DeleteRole, CreatePolicy, GetPolicy,
// GetPolicyVersion, ListPolicies, DeletePolicy, AttachRolePolicy, DetachRolePolicy,
// ListAttachedRolePolicies, PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies.
// Everything is scoped to the caller's account (IamStore). Parameters are checked against the
// API model first (ValidationError, iam_params.h). Policy documents are returned URL-encoded,
// as IAM returns them; botocore decodes them back into JSON.
#ifndef CLEANROOM_IAM_IAM_SERVICE_H_
#define CLEANROOM_IAM_IAM_SERVICE_H_

#include "iam/iam_store.h"
#include "protocol/query_rpc.h"

namespace cleanroom::iam {

// Thread-safe.
class IamService final : public protocol::QueryRpcService {
 public:
  // `store` is not owned and must outlive the service.
  explicit IamService(IamStore* store);

 private:
  IamStore* store_;
};

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_IAM_SERVICE_H_
