// The administration API (restJson1, signing name "cleanroom"), used by `cleanroom admin`:
//   POST   /admin/accounts                 {"Name"}      -> account + its first access key
//   GET    /admin/accounts                               -> {"Accounts": [...]}
//   POST   /admin/access-keys              {"AccountId"} -> new key (the secret, once)
//   GET    /admin/access-keys[?accountId=]               -> {"AccessKeys": [...]}
//   PATCH  /admin/access-keys/{accessKeyId} {"Status"}   -> {}
//   DELETE /admin/access-keys/{accessKeyId}              -> 204
// Only administrator accounts may call it (AccessDeniedException otherwise).
#ifndef CLEANROOM_ADMIN_ADMIN_SERVICE_H_
#define CLEANROOM_ADMIN_ADMIN_SERVICE_H_

#include "iam/identity_store.h"
#include "protocol/rest_json.h"

namespace cleanroom::admin {

class AdminService final : public protocol::RestJsonService {
 public:
  // `identities` is not owned and must outlive the service.
  explicit AdminService(iam::IdentityStore* identities);

 private:
  iam::IdentityStore* identities_;
};

}  // namespace cleanroom::admin

#endif  // CLEANROOM_ADMIN_ADMIN_SERVICE_H_
