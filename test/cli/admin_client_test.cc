#include "cli/admin_client.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "admin/admin_service.h"
#include "common/clock.h"
#include "common/strings.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "server/frontend.h"
#include "store/schema.h"

namespace cleanroom::cli {
namespace {

namespace fs = std::filesystem;

// Sets (or unsets) an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class LoadCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cli_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFile(const std::string& text) {
    std::string path = (dir_ / "credentials").string();
    std::ofstream out(path, std::ios::trunc);
    out << text;
    return path;
  }

  fs::path dir_;
};

TEST_F(LoadCredentialsTest, ReadsTheDefaultProfile) {
  std::string path = WriteFile(
      "[default]\n"
      "aws_access_key_id = AKIADEFAULT\n"
      "aws_secret_access_key = secret/with+chars=\n");
  absl::StatusOr<Credentials> creds = LoadCredentials(path);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(creds->secret_access_key, "secret/with+chars=");
}

TEST_F(LoadCredentialsTest, IgnoresOtherProfilesCommentsAndWhitespace) {
  std::string path = WriteFile(
      "# written by cleanroomd\n"
      "; another comment style\n"
      "[other]\n"
      "aws_access_key_id = AKIAOTHER\n"
      "aws_secret_access_key = othersecret\n"
      "\n"
      "   [default]   \n"
      "\taws_access_key_id\t=\tAKIADEFAULT  \n"
      "   # aws_secret_access_key = commented-out\n"
      "region = us-east-1\n"
      "no equals sign here\n"
      "aws_secret_access_key=defaultsecret\n"
      "[later]\n"
      "aws_access_key_id = AKIALATER\n");
  absl::StatusOr<Credentials> creds = LoadCredentials(path);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(creds->secret_access_key, "defaultsecret");
}

TEST_F(LoadCredentialsTest, HandlesCrLfLineEndings) {
  std::string path = WriteFile(
      "[default]\r\naws_access_key_id = AKIADEFAULT\r\naws_secret_access_key = s3cret\r\n");
  absl::StatusOr<Credentials> creds = LoadCredentials(path);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(creds->secret_access_key, "s3cret");
}

TEST_F(LoadCredentialsTest, MissingValuesAreNotFound) {
  EXPECT_EQ(LoadCredentials(WriteFile("[default]\naws_access_key_id = AKIA\n")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadCredentials(WriteFile("[default]\naws_secret_access_key = s\n")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadCredentials(WriteFile("[default]\naws_access_key_id =\n"
                                      "aws_secret_access_key = s\n"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadCredentials(WriteFile("[other]\naws_access_key_id = AKIA\n"
                                      "aws_secret_access_key = s\n"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadCredentials(WriteFile("")).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LoadCredentialsTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadCredentials((dir_ / "absent").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(LoadCredentialsTest, FileTakesPrecedenceOverTheEnvironment) {
  ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIAENV");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "envsecret");
  std::string path =
      WriteFile("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n");
  absl::StatusOr<Credentials> creds = LoadCredentials(path);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->access_key_id, "AKIAFILE");
}

TEST(LoadCredentialsEnvTest, FallsBackToTheEnvironmentWithoutAPath) {
  ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIAENV");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "envsecret");
  absl::StatusOr<Credentials> creds = LoadCredentials("");
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->access_key_id, "AKIAENV");
  EXPECT_EQ(creds->secret_access_key, "envsecret");
}

TEST(LoadCredentialsEnvTest, EnvironmentNeedsBothVariables) {
  {
    ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIAENV");
    ScopedEnv secret("AWS_SECRET_ACCESS_KEY", nullptr);
    EXPECT_EQ(LoadCredentials("").status().code(), absl::StatusCode::kNotFound);
  }
  {
    ScopedEnv id("AWS_ACCESS_KEY_ID", nullptr);
    ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "envsecret");
    EXPECT_EQ(LoadCredentials("").status().code(), absl::StatusCode::kNotFound);
  }
}

// ---- AdminClient against a real server ----

class AdminClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cli_client_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    master_key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'c'));
    identities_ = std::make_unique<iam::IdentityStore>(db_.get(), master_key_.get());
    admin_ = MustCreateKey("admin", true);
    user_ = MustCreateKey("user", false);

    frontend_ = std::make_unique<server::Frontend>(identities_.get(), &SystemClock());
    frontend_->AddService(std::make_unique<admin::AdminService>(identities_.get()));
    http::ServerOptions options;
    options.port = 0;
    absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
        options, [this](http::Request& req) { return frontend_->Handle(req); },
        [this](const http::Request& partial, int status, std::string_view code,
               std::string_view message) {
          return frontend_->RenderTransportError(partial, status, code, message);
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    endpoint_ = StrCat("http://127.0.0.1:", server_->port());
  }
  void TearDown() override {
    server_.reset();
    frontend_.reset();
    identities_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  Credentials MustCreateKey(const std::string& name, bool admin) {
    absl::StatusOr<iam::Account> account = identities_->CreateAccount(name, admin);
    EXPECT_TRUE(account.ok()) << account.status();
    absl::StatusOr<iam::NewAccessKey> key = identities_->CreateAccessKey(account->account_id);
    EXPECT_TRUE(key.ok()) << key.status();
    return Credentials{key->key.access_key_id, key->secret_access_key};
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::MasterKey> master_key_;
  std::unique_ptr<iam::IdentityStore> identities_;
  Credentials admin_;
  Credentials user_;
  std::unique_ptr<server::Frontend> frontend_;
  std::unique_ptr<http::Server> server_;
  std::string endpoint_;
};

TEST_F(AdminClientTest, CreateRejectsABadEndpoint) {
  EXPECT_EQ(AdminClient::Create("https://127.0.0.1:1", admin_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminClientTest, SignedCallsReachTheAdminApi) {
  absl::StatusOr<AdminClient> client = AdminClient::Create(endpoint_, admin_);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<nlohmann::json> created =
      client->Call("POST", "/admin/accounts", nlohmann::json{{"Name", "team"}});
  ASSERT_TRUE(created.ok()) << created.status();
  std::string key_id = (*created)["AccessKeyId"].get<std::string>();
  EXPECT_TRUE(identities_->LookupActiveKey(key_id).ok());

  absl::StatusOr<nlohmann::json> keys = client->Call(
      "GET", "/admin/access-keys?accountId=" + (*created)["AccountId"].get<std::string>(), nullptr);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ((*keys)["AccessKeys"].size(), 1u);
  EXPECT_EQ((*keys)["AccessKeys"][0]["AccessKeyId"], key_id);

  // A 204 without a body is an empty object.
  absl::StatusOr<nlohmann::json> deleted =
      client->Call("DELETE", "/admin/access-keys/" + key_id, nullptr);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, nlohmann::json::object());
}

TEST_F(AdminClientTest, ServerErrorsCarryTheCodeAndMessage) {
  absl::StatusOr<AdminClient> client = AdminClient::Create(endpoint_, user_);
  ASSERT_TRUE(client.ok());
  absl::StatusOr<nlohmann::json> denied = client->Call("GET", "/admin/accounts", nullptr);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kFailedPrecondition);
  std::string message(denied.status().message());
  EXPECT_TRUE(StartsWith(message, "AccessDeniedException: ")) << message;
  EXPECT_NE(message.find("administrator"), std::string::npos) << message;
}

TEST_F(AdminClientTest, WrongSecretIsReportedAsASignatureError) {
  Credentials wrong = admin_;
  wrong.secret_access_key = "not-the-secret";
  absl::StatusOr<AdminClient> client = AdminClient::Create(endpoint_, wrong);
  ASSERT_TRUE(client.ok());
  absl::StatusOr<nlohmann::json> resp = client->Call("GET", "/admin/accounts", nullptr);
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kFailedPrecondition);
  std::string message(resp.status().message());
  EXPECT_TRUE(StartsWith(message, "InvalidSignatureException: ")) << message;
}

TEST_F(AdminClientTest, UnreachableServerIsUnavailable) {
  std::string endpoint = endpoint_;
  server_.reset();
  absl::StatusOr<AdminClient> client = AdminClient::Create(endpoint, admin_);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->Call("GET", "/admin/accounts", nullptr).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cleanroom::cli
