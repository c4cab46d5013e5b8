#include "server/frontend.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/signed_request.h"
#include "store/schema.h"

namespace cleanroom::server {
namespace {

namespace fs = std::filesystem;

using protocol::Protocol;
using test_support::MakeRequest;
using test_support::OwnedRequest;
using test_support::Sign;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1764000000;  // 2025-11-24T16:00:00Z

// What a FakeService saw of the last request it was handed.
struct SeenCall {
  int calls = 0;
  protocol::Caller caller;
  std::string body;
  std::string payload_hash;
  std::string region;
};

class FakeService final : public protocol::Service {
 public:
  FakeService(std::string name, Protocol protocol, SeenCall* seen)
      : name_(std::move(name)), protocol_(protocol), seen_(seen) {}
  std::string_view signing_name() const override { return name_; }
  Protocol protocol() const override { return protocol_; }
  http::Response Handle(protocol::CallContext& ctx) override {
    ++seen_->calls;
    seen_->caller = ctx.caller;
    seen_->body = ctx.body;
    seen_->payload_hash = ctx.payload_hash;
    seen_->region = ctx.region;
    ctx.operation = "FakeOperation";
    http::Response resp;
    resp.body = "handled by " + name_;
    return resp;
  }

 private:
  std::string name_;
  Protocol protocol_;
  SeenCall* seen_;
};

class FrontendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/frontend_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    master_key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'm'));
    identities_ = std::make_unique<iam::IdentityStore>(db_.get(), master_key_.get());

    absl::StatusOr<iam::Account> user = identities_->CreateAccount("user", false);
    ASSERT_TRUE(user.ok()) << user.status();
    user_ = *user;
    absl::StatusOr<iam::NewAccessKey> user_key = identities_->CreateAccessKey(user_.account_id);
    ASSERT_TRUE(user_key.ok()) << user_key.status();
    user_key_ = *user_key;
    absl::StatusOr<iam::Account> admin = identities_->CreateAccount("admin", true);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = *admin;
    absl::StatusOr<iam::NewAccessKey> admin_key = identities_->CreateAccessKey(admin_.account_id);
    ASSERT_TRUE(admin_key.ok()) << admin_key.status();
    admin_key_ = *admin_key;

    frontend_ = std::make_unique<Frontend>(identities_.get(), &clock_);
    frontend_->AddService(std::make_unique<FakeService>("s3", Protocol::kRestXml, &seen_["s3"]));
    frontend_->AddService(std::make_unique<FakeService>("sts", Protocol::kQuery, &seen_["sts"]));
    frontend_->AddService(std::make_unique<FakeService>("secretsmanager", Protocol::kJson11,
                                                        &seen_["secretsmanager"]));
    frontend_->AddService(
        std::make_unique<FakeService>("cleanroom", Protocol::kRestJson, &seen_["cleanroom"]));
  }
  void TearDown() override {
    frontend_.reset();
    identities_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  int TotalCalls() const {
    int total = 0;
    for (const auto& [name, seen] : seen_) total += seen.calls;
    return total;
  }

  // One request per protocol family, unsigned.
  static std::unique_ptr<OwnedRequest> JsonRequest() {
    return MakeRequest("POST", "/",
                       {{"Content-Type", "application/x-amz-json-1.1"},
                        {"X-Amz-Target", "secretsmanager.GetRandomPassword"}},
                       R"({"PasswordLength": 12})");
  }
  static std::unique_ptr<OwnedRequest> QueryRequest() {
    return MakeRequest("POST", "/",
                       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                       "Action=GetCallerIdentity&Version=2011-06-15");
  }
  static std::unique_ptr<OwnedRequest> S3Request() {
    return MakeRequest("PUT", "/bucket/key.txt", {{"Content-Type", "text/plain"}}, "file body");
  }
  static std::unique_ptr<OwnedRequest> RestJsonRequest() {
    return MakeRequest("GET", "/admin/accounts", {{"Content-Type", "application/json"}});
  }

  http::Response Handle(OwnedRequest& r) { return frontend_->Handle(r.request); }

  static std::string JsonType(const http::Response& resp) {
    nlohmann::json body = nlohmann::json::parse(resp.body, nullptr, false);
    if (!body.is_object() || !body.contains("__type")) return "<none>";
    return body["__type"].get<std::string>();
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<crypto::MasterKey> master_key_;
  std::unique_ptr<iam::IdentityStore> identities_;
  FakeClock clock_{kNow * 1000000};
  iam::Account user_;
  iam::NewAccessKey user_key_;
  iam::Account admin_;
  iam::NewAccessKey admin_key_;
  std::map<std::string, SeenCall> seen_;
  std::unique_ptr<Frontend> frontend_;
};

TEST_F(FrontendTest, SignedRequestReachesTheServiceWithTheCaller) {
  auto r = JsonRequest();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "secretsmanager", kNow,
       "eu-central-1");
  http::Response resp = Handle(*r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.body, "handled by secretsmanager");
  const SeenCall& seen = seen_["secretsmanager"];
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.caller.account_id, user_.account_id);
  EXPECT_EQ(seen.caller.access_key_id, user_key_.key.access_key_id);
  EXPECT_EQ(seen.caller.arn, "arn:aws:iam::" + user_.account_id + ":root");
  EXPECT_FALSE(seen.caller.is_admin);
  EXPECT_EQ(seen.region, "eu-central-1");
  EXPECT_EQ(seen.body, R"({"PasswordLength": 12})");  // read whole for signed-body protocols
  EXPECT_EQ(resp.log_account, user_.account_id);
  EXPECT_EQ(resp.log_service, "secretsmanager");
  EXPECT_EQ(resp.log_operation, "FakeOperation");
  EXPECT_EQ(TotalCalls(), 1);
}

TEST_F(FrontendTest, AdminCallerIsMarkedAsAdmin) {
  auto r = RestJsonRequest();
  Sign(*r, admin_key_.key.access_key_id, admin_key_.secret_access_key, "cleanroom", kNow);
  http::Response resp = Handle(*r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  const SeenCall& seen = seen_["cleanroom"];
  EXPECT_EQ(seen.caller.account_id, admin_.account_id);
  EXPECT_EQ(seen.caller.arn, "arn:aws:iam::" + admin_.account_id + ":root");
  EXPECT_TRUE(seen.caller.is_admin);
}

TEST_F(FrontendTest, S3RequestKeepsItsBodyStreamAndPayloadHash) {
  auto r = S3Request();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "s3", kNow);
  http::Response resp = Handle(*r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  const SeenCall& seen = seen_["s3"];
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.caller.account_id, user_.account_id);
  EXPECT_EQ(seen.body, "");  // S3 streams the body itself
  EXPECT_EQ(seen.payload_hash, crypto::Sha256Hex("file body"));
  absl::StatusOr<std::string> unread = http::ReadAll(*r->request.body, 1024);
  ASSERT_TRUE(unread.ok());
  EXPECT_EQ(*unread, "file body");
}

TEST_F(FrontendTest, S3RequestWithoutContentSha256IsRejected) {
  auto r = S3Request();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "s3", kNow);
  r->request.headers.Remove("x-amz-content-sha256");
  http::Response resp = Handle(*r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_THAT(resp.body, HasSubstr("<Code>InvalidRequest</Code>"));
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, UnknownAccessKeyIsInvalidAccessKeyIdInEachProtocol) {
  const std::string unknown = "AKIAUNKNOWNUNKNOWN00";
  const std::string secret = user_key_.secret_access_key;

  auto s3 = S3Request();
  Sign(*s3, unknown, secret, "s3", kNow);
  http::Response s3_resp = Handle(*s3);
  EXPECT_EQ(s3_resp.status, 403);
  EXPECT_THAT(s3_resp.body, HasSubstr("<Code>InvalidAccessKeyId</Code>"));

  auto query = QueryRequest();
  Sign(*query, unknown, secret, "sts", kNow);
  http::Response query_resp = Handle(*query);
  EXPECT_EQ(query_resp.status, 403);
  EXPECT_THAT(query_resp.body, HasSubstr("<Code>InvalidClientTokenId</Code>"));

  auto json = JsonRequest();
  Sign(*json, unknown, secret, "secretsmanager", kNow);
  http::Response json_resp = Handle(*json);
  EXPECT_EQ(json_resp.status, 403);
  EXPECT_EQ(JsonType(json_resp), "UnrecognizedClientException");

  auto rest = RestJsonRequest();
  Sign(*rest, unknown, secret, "cleanroom", kNow);
  http::Response rest_resp = Handle(*rest);
  EXPECT_EQ(rest_resp.status, 403);
  EXPECT_EQ(rest_resp.headers.Get("x-amzn-errortype"), "UnrecognizedClientException");

  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, InactiveKeyIsInvalidAccessKeyId) {
  ASSERT_TRUE(identities_->SetAccessKeyStatus(user_key_.key.access_key_id, "Inactive").ok());
  auto r = S3Request();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "s3", kNow);
  http::Response resp = Handle(*r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_THAT(resp.body, HasSubstr("<Code>InvalidAccessKeyId</Code>"));
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, WrongSecretIsSignatureDoesNotMatch) {
  auto s3 = S3Request();
  Sign(*s3, user_key_.key.access_key_id, admin_key_.secret_access_key, "s3", kNow);
  http::Response s3_resp = Handle(*s3);
  EXPECT_EQ(s3_resp.status, 403);
  EXPECT_THAT(s3_resp.body, HasSubstr("<Code>SignatureDoesNotMatch</Code>"));

  auto json = JsonRequest();
  Sign(*json, user_key_.key.access_key_id, "not the secret", "secretsmanager", kNow);
  http::Response json_resp = Handle(*json);
  EXPECT_EQ(json_resp.status, 403);
  EXPECT_EQ(JsonType(json_resp), "InvalidSignatureException");
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, BodyChangedAfterSigningIsSignatureDoesNotMatch) {
  auto r = JsonRequest();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "secretsmanager", kNow);
  r->body = std::make_unique<http::StringReader>(R"({"PasswordLength": 13})");
  r->request.body = r->body.get();
  http::Response resp = Handle(*r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(JsonType(resp), "InvalidSignatureException");
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, SkewedClockIsRequestTimeTooSkewed) {
  auto s3 = S3Request();
  Sign(*s3, user_key_.key.access_key_id, user_key_.secret_access_key, "s3", kNow - 20 * 60);
  http::Response s3_resp = Handle(*s3);
  EXPECT_EQ(s3_resp.status, 403);
  EXPECT_THAT(s3_resp.body, HasSubstr("<Code>RequestTimeTooSkewed</Code>"));

  auto query = QueryRequest();
  Sign(*query, user_key_.key.access_key_id, user_key_.secret_access_key, "sts", kNow + 20 * 60);
  http::Response query_resp = Handle(*query);
  EXPECT_EQ(query_resp.status, 403);
  EXPECT_THAT(query_resp.body, HasSubstr("<Code>SignatureDoesNotMatch</Code>"));
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, SmallClockSkewIsAccepted) {
  auto r = S3Request();
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "s3", kNow - 10 * 60);
  EXPECT_EQ(Handle(*r).status, 200);
  EXPECT_EQ(seen_["s3"].calls, 1);
}

TEST_F(FrontendTest, UnsignedRequestIsDeniedInTheGuessedProtocol) {
  auto s3 = S3Request();
  http::Response s3_resp = Handle(*s3);
  EXPECT_EQ(s3_resp.status, 403);
  EXPECT_THAT(s3_resp.body, HasSubstr("<Code>AccessDenied</Code>"));

  auto json = JsonRequest();
  http::Response json_resp = Handle(*json);
  EXPECT_EQ(json_resp.status, 403);
  EXPECT_EQ(JsonType(json_resp), "MissingAuthenticationTokenException");

  auto query = QueryRequest();
  http::Response query_resp = Handle(*query);
  EXPECT_EQ(query_resp.status, 403);
  EXPECT_THAT(query_resp.body, HasSubstr("<Code>MissingAuthenticationToken</Code>"));
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, UnknownServiceInTheScopeIs400) {
  auto r = MakeRequest(
      "POST", "/",
      {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSGlue.GetDatabases"}},
      "{}");
  Sign(*r, user_key_.key.access_key_id, user_key_.secret_access_key, "glue", kNow);
  http::Response resp = Handle(*r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(JsonType(resp), "InvalidRequest");
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, HealthzAnswersWithoutAuthentication) {
  auto get = MakeRequest("GET", "/healthz", {});
  http::Response resp = Handle(*get);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "ok\n");
  auto head = MakeRequest("HEAD", "/healthz", {});
  EXPECT_EQ(Handle(*head).status, 200);
  // Other methods on that path still need a signature.
  auto post = MakeRequest("POST", "/healthz", {});
  EXPECT_EQ(Handle(*post).status, 403);
  EXPECT_EQ(TotalCalls(), 0);
}

TEST_F(FrontendTest, TransportErrorsAreRenderedInTheGuessedProtocol) {
  auto json = JsonRequest();
  http::Response resp =
      frontend_->RenderTransportError(json->request, 413, "EntityTooLarge", "too big");
  EXPECT_EQ(resp.status, 413);
  EXPECT_EQ(JsonType(resp), "EntityTooLarge");

  http::Request empty;  // nothing parsed: S3's XML form
  http::Response xml = frontend_->RenderTransportError(empty, 431, "RequestHeaderSectionTooLarge",
                                                       "headers too large");
  EXPECT_EQ(xml.status, 431);
  EXPECT_THAT(xml.body, HasSubstr("<Code>RequestHeaderSectionTooLarge</Code>"));
}

}  // namespace
}  // namespace cleanroom::server
