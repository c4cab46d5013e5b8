// Accounts and their access keys. Secret access keys are stored only wrapped under the master
// key (crypto::MasterKey), bound to their access key ID.
#ifndef CLEANROOM_IAM_IDENTITY_STORE_H_
#define CLEANROOM_IAM_IDENTITY_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/master_key.h"
#include "store/database.h"

namespace cleanroom::iam {

struct Account {
  std::string account_id;  // 12 digits
  std::string name;
  bool is_admin = false;
  int64_t created_at = 0;  // epoch seconds
};

struct AccessKey {
  std::string access_key_id;
  std::string account_id;
  std::string status;  // "Active" or "Inactive"
  int64_t created_at = 0;
};

struct NewAccessKey {
  AccessKey key;
  std::string secret_access_key;  // returned once, never stored in the clear
};

// What authentication needs to know about an access key.
struct KeyIdentity {
  Account account;
  std::string access_key_id;
  std::string secret_access_key;
};

// Thread-safe (the database serializes access).
class IdentityStore {
 public:
  // Neither pointer is owned; both must outlive the store.
  IdentityStore(store::Database* db, const crypto::MasterKey* master_key)
      : db_(db), master_key_(master_key) {}

  // Creates an account with a fresh 12-digit ID. kInvalidArgument if `name` is empty or longer
  // than 64 characters.
  absl::StatusOr<Account> CreateAccount(const std::string& name, bool is_admin);
  absl::StatusOr<std::vector<Account>> ListAccounts();
  // kNotFound if there is no such account.
  absl::StatusOr<Account> GetAccount(const std::string& account_id);

  // Creates an active key for `account_id` (kNotFound if the account does not exist).
  absl::StatusOr<NewAccessKey> CreateAccessKey(const std::string& account_id);
  // Keys of one account, or of all accounts when `account_id` is empty. Never secrets.
  absl::StatusOr<std::vector<AccessKey>> ListAccessKeys(const std::string& account_id);
  // Sets "Active"/"Inactive". kNotFound for an unknown key, kInvalidArgument for another value.
  absl::Status SetAccessKeyStatus(const std::string& access_key_id, const std::string& status);
  // kNotFound for an unknown key.
  absl::Status DeleteAccessKey(const std::string& access_key_id);

  // Resolves an active key for authentication. kNotFound if the key is unknown or inactive;
  // kDataLoss if its stored secret fails to decrypt (wrong master key or tampering).
  absl::StatusOr<KeyIdentity> LookupActiveKey(const std::string& access_key_id);

  // True if any administrator account exists.
  absl::StatusOr<bool> HasAdmin();

 private:
  store::Database* db_;
  const crypto::MasterKey* master_key_;
};

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_IDENTITY_STORE_H_
