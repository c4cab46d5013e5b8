#include "iam/identity_store.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::iam {
namespace {

std::string KeyContext(const std::string& access_key_id) {
  return StrCat("access-key:", access_key_id);
}

Account AccountFromRow(const store::Statement& s) {
  return Account{s.ColumnText(0), s.ColumnText(1), s.ColumnInt(2) != 0, s.ColumnInt(3)};
}

}  // namespace

absl::StatusOr<Account> IdentityStore::CreateAccount(const std::string& name, bool is_admin) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("account name must be 1 to 64 characters");
  }
  Account account{"", name, is_admin, SystemClock().NowSeconds()};
  // Draw until unused: collisions among 9*10^11 IDs are rare but must not overwrite.
  for (int attempt = 0; attempt < 8; ++attempt) {
    account.account_id = NewAccountId();
    absl::Status st = db_->Write([&](store::Connection& c) {
      ASSIGN_OR_RETURN(store::Statement s,
                       c.Prepare("INSERT INTO accounts (account_id, name, is_admin, created_at) "
                                 "VALUES (?, ?, ?, ?)"));
      return s.Bind(1, account.account_id)
          .Bind(2, name)
          .Bind(3, int64_t{is_admin ? 1 : 0})
          .Bind(4, account.created_at)
          .Run();
    });
    if (st.ok()) return account;
    if (st.code() != absl::StatusCode::kAlreadyExists) return st;
  }
  return absl::InternalError("could not allocate a unique account ID");
}

absl::StatusOr<std::vector<Account>> IdentityStore::ListAccounts() {
  std::vector<Account> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT account_id, name, is_admin, created_at FROM accounts "
                               "ORDER BY created_at, account_id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      out.push_back(AccountFromRow(s));
    }
  }));
  return out;
}

absl::StatusOr<Account> IdentityStore::GetAccount(const std::string& account_id) {
  std::optional<Account> found;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT account_id, name, is_admin, created_at FROM accounts "
                               "WHERE account_id = ?"));
    s.Bind(1, account_id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) found = AccountFromRow(s);
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError(StrCat("no account ", account_id));
  return *found;
}

absl::StatusOr<NewAccessKey> IdentityStore::CreateAccessKey(const std::string& account_id) {
  RETURN_IF_ERROR(GetAccount(account_id).status());
  NewAccessKey out;
  out.key.account_id = account_id;
  out.key.status = "Active";
  out.key.created_at = SystemClock().NowSeconds();
  out.secret_access_key = NewSecretAccessKey();
  for (int attempt = 0; attempt < 8; ++attempt) {
    out.key.access_key_id = NewAccessKeyId();
    std::string wrapped =
        master_key_->Wrap(out.secret_access_key, KeyContext(out.key.access_key_id));
    absl::Status st = db_->Write([&](store::Connection& c) {
      ASSIGN_OR_RETURN(store::Statement s,
                       c.Prepare("INSERT INTO access_keys (access_key_id, account_id, "
                                 "wrapped_secret, status, created_at) VALUES (?, ?, ?, ?, ?)"));
      return s.Bind(1, out.key.access_key_id)
          .Bind(2, account_id)
          .BindBlob(3, wrapped)
          .Bind(4, out.key.status)
          .Bind(5, out.key.created_at)
          .Run();
    });
    if (st.ok()) return out;
    if (st.code() != absl::StatusCode::kAlreadyExists) return st;
  }
  return absl::InternalError("could not allocate a unique access key ID");
}

absl::StatusOr<std::vector<AccessKey>> IdentityStore::ListAccessKeys(
    const std::string& account_id) {
  std::vector<AccessKey> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT access_key_id, account_id, status, created_at FROM "
                               "access_keys WHERE (?1 = '' OR account_id = ?1) "
                               "ORDER BY created_at, access_key_id"));
    s.Bind(1, account_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      out.push_back(AccessKey{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2), s.ColumnInt(3)});
    }
  }));
  return out;
}

absl::Status IdentityStore::SetAccessKeyStatus(const std::string& access_key_id,
                                               const std::string& status) {
  if (status != "Active" && status != "Inactive") {
    return absl::InvalidArgumentError("status must be Active or Inactive");
  }
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("UPDATE access_keys SET status = ? WHERE access_key_id = ?"));
    RETURN_IF_ERROR(s.Bind(1, status).Bind(2, access_key_id).Run());
    if (c.Changes() == 0) return absl::NotFoundError(StrCat("no access key ", access_key_id));
    return absl::OkStatus();
  });
}

absl::Status IdentityStore::DeleteAccessKey(const std::string& access_key_id) {
  return db_->Write([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("DELETE FROM access_keys WHERE access_key_id = ?"));
    RETURN_IF_ERROR(s.Bind(1, access_key_id).Run());
    if (c.Changes() == 0) return absl::NotFoundError(StrCat("no access key ", access_key_id));
    return absl::OkStatus();
  });
}

absl::StatusOr<KeyIdentity> IdentityStore::LookupActiveKey(const std::string& access_key_id) {
  std::optional<KeyIdentity> found;
  std::string wrapped;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) {
    ASSIGN_OR_RETURN(
        store::Statement s,
        c.Prepare("SELECT a.account_id, a.name, a.is_admin, a.created_at, k.wrapped_secret "
                  "FROM access_keys k JOIN accounts a ON a.account_id = k.account_id "
                  "WHERE k.access_key_id = ? AND k.status = 'Active'"));
    s.Bind(1, access_key_id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) {
      found = KeyIdentity{AccountFromRow(s), access_key_id, ""};
      wrapped = s.ColumnBlob(4);
    }
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("unknown or inactive access key");
  ASSIGN_OR_RETURN(found->secret_access_key,
                   master_key_->Unwrap(wrapped, KeyContext(access_key_id)));
  return *found;
}

absl::StatusOr<bool> IdentityStore::HasAdmin() {
  bool has = false;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c.Prepare("SELECT 1 FROM accounts WHERE is_admin = 1 LIMIT 1"));
    ASSIGN_OR_RETURN(has, s.Step());
    return absl::OkStatus();
  }));
  return has;
}

}  // namespace cleanroom::iam
