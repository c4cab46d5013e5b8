#include "admin/admin_service.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/frontend.h"
#include "server/signed_request.h"
#include "store/schema.h"

namespace cleanroom::admin {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;
using server::test_support::MakeRequest;
using server::test_support::Sign;

constexpr int64_t kNow = 1764000000;

// The admin API behind the real front end, so that requests are authenticated as in
// production and the caller (and whether it is an administrator) comes from the signature.
class AdminServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/admin_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    master_key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'a'));
    identities_ = std::make_unique<iam::IdentityStore>(db_.get(), master_key_.get());

    admin_ = MustCreateAccountWithKey("admin", true, &admin_key_);
    user_ = MustCreateAccountWithKey("user", false, &user_key_);

    frontend_ = std::make_unique<server::Frontend>(identities_.get(), &clock_);
    frontend_->AddService(std::make_unique<AdminService>(identities_.get()));
  }
  void TearDown() override {
    frontend_.reset();
    identities_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  iam::Account MustCreateAccountWithKey(const std::string& name, bool admin,
                                        iam::NewAccessKey* key) {
    absl::StatusOr<iam::Account> account = identities_->CreateAccount(name, admin);
    EXPECT_TRUE(account.ok()) << account.status();
    absl::StatusOr<iam::NewAccessKey> k = identities_->CreateAccessKey(account->account_id);
    EXPECT_TRUE(k.ok()) << k.status();
    *key = *k;
    return *account;
  }

  // Sends `method target` with a JSON `body` signed with `key`.
  http::Response Call(const iam::NewAccessKey& key, const std::string& method,
                      const std::string& target, const std::string& body = "") {
    auto r = MakeRequest(method, target, {{"Content-Type", "application/json"}}, body);
    Sign(*r, key.key.access_key_id, key.secret_access_key, "cleanroom", kNow);
    return frontend_->Handle(r->request);
  }

  static json Body(const http::Response& resp) {
    return resp.body.empty() ? json::object() : json::parse(resp.body, nullptr, false);
  }

  static std::string ErrorType(const http::Response& resp) {
    return std::string(resp.headers.Get("x-amzn-errortype").value_or("<none>"));
  }

  size_t AccountCount() {
    absl::StatusOr<std::vector<iam::Account>> accounts = identities_->ListAccounts();
    EXPECT_TRUE(accounts.ok());
    return accounts.ok() ? accounts->size() : 0;
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::MasterKey> master_key_;
  std::unique_ptr<iam::IdentityStore> identities_;
  FakeClock clock_{kNow * 1000000};
  iam::Account admin_;
  iam::NewAccessKey admin_key_;
  iam::Account user_;
  iam::NewAccessKey user_key_;
  std::unique_ptr<server::Frontend> frontend_;
};

TEST_F(AdminServiceTest, NonAdminIsDenied) {
  http::Response list = Call(user_key_, "GET", "/admin/accounts");
  EXPECT_EQ(list.status, 403);
  EXPECT_EQ(ErrorType(list), "AccessDeniedException");

  http::Response create = Call(user_key_, "POST", "/admin/accounts", R"({"Name": "sneaky"})");
  EXPECT_EQ(create.status, 403);
  EXPECT_EQ(ErrorType(create), "AccessDeniedException");
  EXPECT_EQ(AccountCount(), 2u);

  http::Response disable =
      Call(user_key_, "PATCH", "/admin/access-keys/" + admin_key_.key.access_key_id,
           R"({"Status": "Inactive"})");
  EXPECT_EQ(disable.status, 403);
  EXPECT_TRUE(identities_->LookupActiveKey(admin_key_.key.access_key_id).ok());
}

TEST_F(AdminServiceTest, AdminCreatesAnAccountWithAWorkingKey) {
  http::Response resp = Call(admin_key_, "POST", "/admin/accounts", R"({"Name": "team-a"})");
  ASSERT_EQ(resp.status, 200) << resp.body;
  json body = Body(resp);
  std::string account_id = body.value("AccountId", "");
  EXPECT_TRUE(IsAccountId(account_id)) << account_id;
  EXPECT_EQ(body["Name"], "team-a");
  EXPECT_EQ(body["Admin"], false);
  std::string key_id = body.value("AccessKeyId", "");
  std::string secret = body.value("SecretAccessKey", "");
  ASSERT_FALSE(key_id.empty());
  ASSERT_FALSE(secret.empty());

  absl::StatusOr<iam::KeyIdentity> identity = identities_->LookupActiveKey(key_id);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->secret_access_key, secret);
  EXPECT_EQ(identity->account.account_id, account_id);
  EXPECT_FALSE(identity->account.is_admin);

  // The new key authenticates (as a non-administrator).
  iam::NewAccessKey new_key;
  new_key.key.access_key_id = key_id;
  new_key.secret_access_key = secret;
  EXPECT_EQ(ErrorType(Call(new_key, "GET", "/admin/accounts")), "AccessDeniedException");
}

TEST_F(AdminServiceTest, AdminCanCreateAnotherAdministrator) {
  http::Response resp =
      Call(admin_key_, "POST", "/admin/accounts", R"({"Name": "ops", "Admin": true})");
  ASSERT_EQ(resp.status, 200) << resp.body;
  iam::NewAccessKey ops;
  ops.key.access_key_id = Body(resp).value("AccessKeyId", "");
  ops.secret_access_key = Body(resp).value("SecretAccessKey", "");
  EXPECT_EQ(Call(ops, "GET", "/admin/accounts").status, 200);
}

TEST_F(AdminServiceTest, CreateAccountValidatesItsInput) {
  http::Response missing = Call(admin_key_, "POST", "/admin/accounts", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ErrorType(missing), "ValidationException");
  http::Response too_long =
      Call(admin_key_, "POST", "/admin/accounts", json{{"Name", std::string(65, 'n')}}.dump());
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(ErrorType(too_long), "ValidationException");
  EXPECT_EQ(AccountCount(), 2u);
}

TEST_F(AdminServiceTest, ListAccountsReturnsEveryAccount) {
  http::Response resp = Call(admin_key_, "GET", "/admin/accounts");
  ASSERT_EQ(resp.status, 200) << resp.body;
  json accounts = Body(resp)["Accounts"];
  ASSERT_TRUE(accounts.is_array());
  ASSERT_EQ(accounts.size(), 2u);
  std::set<std::string> ids;
  for (const auto& a : accounts) ids.insert(a["AccountId"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{admin_.account_id, user_.account_id}));
}

TEST_F(AdminServiceTest, AdminCreatesAKeyForAnAccount) {
  http::Response resp =
      Call(admin_key_, "POST", "/admin/access-keys", json{{"AccountId", user_.account_id}}.dump());
  ASSERT_EQ(resp.status, 200) << resp.body;
  json body = Body(resp);
  EXPECT_EQ(body["AccountId"], user_.account_id);
  EXPECT_EQ(body["Status"], "Active");
  absl::StatusOr<iam::KeyIdentity> identity =
      identities_->LookupActiveKey(body.value("AccessKeyId", ""));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->secret_access_key, body.value("SecretAccessKey", ""));
  EXPECT_EQ(identity->account.account_id, user_.account_id);
}

TEST_F(AdminServiceTest, CreateKeyValidatesTheAccount) {
  http::Response malformed =
      Call(admin_key_, "POST", "/admin/access-keys", R"({"AccountId": "123"})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(ErrorType(malformed), "ValidationException");
  http::Response unknown =
      Call(admin_key_, "POST", "/admin/access-keys", R"({"AccountId": "999999999999"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorType(unknown), "ResourceNotFoundException");
}

TEST_F(AdminServiceTest, ListAccessKeysFiltersByAccountAndOmitsSecrets) {
  http::Response all = Call(admin_key_, "GET", "/admin/access-keys");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Body(all)["AccessKeys"].size(), 2u);

  http::Response of_user =
      Call(admin_key_, "GET", "/admin/access-keys?accountId=" + user_.account_id);
  ASSERT_EQ(of_user.status, 200) << of_user.body;
  json keys = Body(of_user)["AccessKeys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["AccessKeyId"], user_key_.key.access_key_id);
  EXPECT_EQ(keys[0]["Status"], "Active");
  EXPECT_FALSE(keys[0].contains("SecretAccessKey"));
  EXPECT_EQ(of_user.body.find(user_key_.secret_access_key), std::string::npos);
}

TEST_F(AdminServiceTest, DisablingTheCallersOwnKeyIsRefused) {
  http::Response resp =
      Call(admin_key_, "PATCH", "/admin/access-keys/" + admin_key_.key.access_key_id,
           R"({"Status": "Inactive"})");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(ErrorType(resp), "ValidationException");
  EXPECT_TRUE(identities_->LookupActiveKey(admin_key_.key.access_key_id).ok());

  http::Response del =
      Call(admin_key_, "DELETE", "/admin/access-keys/" + admin_key_.key.access_key_id);
  EXPECT_EQ(del.status, 400);
  EXPECT_EQ(ErrorType(del), "ValidationException");
  EXPECT_TRUE(identities_->LookupActiveKey(admin_key_.key.access_key_id).ok());
}

TEST_F(AdminServiceTest, AdminDisablesAndReenablesAnotherKey) {
  http::Response off =
      Call(admin_key_, "PATCH", "/admin/access-keys/" + user_key_.key.access_key_id,
           R"({"Status": "Inactive"})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(identities_->LookupActiveKey(user_key_.key.access_key_id).status().code(),
            absl::StatusCode::kNotFound);
  // The disabled key no longer authenticates.
  EXPECT_EQ(ErrorType(Call(user_key_, "GET", "/admin/accounts")), "UnrecognizedClientException");

  http::Response on = Call(admin_key_, "PATCH", "/admin/access-keys/" + user_key_.key.access_key_id,
                           R"({"Status": "Active"})");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_TRUE(identities_->LookupActiveKey(user_key_.key.access_key_id).ok());
}

TEST_F(AdminServiceTest, UpdateOfAnUnknownKeyOrStatusIsRejected) {
  http::Response unknown = Call(admin_key_, "PATCH", "/admin/access-keys/AKIAUNKNOWNUNKNOWN00",
                                R"({"Status": "Inactive"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorType(unknown), "ResourceNotFoundException");
  http::Response bad_status =
      Call(admin_key_, "PATCH", "/admin/access-keys/" + user_key_.key.access_key_id,
           R"({"Status": "Paused"})");
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_EQ(ErrorType(bad_status), "ValidationException");
}

TEST_F(AdminServiceTest, AdminDeletesAnotherKey) {
  http::Response resp =
      Call(admin_key_, "DELETE", "/admin/access-keys/" + user_key_.key.access_key_id);
  EXPECT_EQ(resp.status, 204);
  EXPECT_EQ(resp.body, "");
  EXPECT_EQ(identities_->LookupActiveKey(user_key_.key.access_key_id).status().code(),
            absl::StatusCode::kNotFound);
  http::Response again =
      Call(admin_key_, "DELETE", "/admin/access-keys/" + user_key_.key.access_key_id);
  EXPECT_EQ(again.status, 404);
}

}  // namespace
}  // namespace cleanroom::admin
