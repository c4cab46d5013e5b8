#include "http/client.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "http/server.h"

namespace cleanroom::http {
namespace {

TEST(ParseEndpointTest, ParsesHostAndPort) {
  absl::StatusOr<Endpoint> ep = ParseEndpoint("http://127.0.0.1:9000");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 9000);
  EXPECT_EQ(ep->HostHeader(), "127.0.0.1:9000");
}

TEST(ParseEndpointTest, DefaultsToPort80AndIgnoresTrailingSlashes) {
  absl::StatusOr<Endpoint> ep = ParseEndpoint("http://localhost//");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 80);
  EXPECT_EQ(ep->HostHeader(), "localhost:80");
}

TEST(ParseEndpointTest, RejectsOtherSchemes) {
  EXPECT_EQ(ParseEndpoint("https://example.com").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("example.com:80").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseEndpointTest, RejectsBadPorts) {
  EXPECT_EQ(ParseEndpoint("http://h:0").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("http://h:65536").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("http://h:abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("http://h:").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseEndpoint("http://h:65535").ok());
}

TEST(ParseEndpointTest, RejectsAMissingHost) {
  EXPECT_EQ(ParseEndpoint("http://").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpoint("http://:8080").status().code(), absl::StatusCode::kInvalidArgument);
}

// A real server on a free loopback port; its handler echoes what it received.
class SendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        options,
        [this](Request& req) {
          Response resp;
          if (req.path == "/slow") {
            release_.wait_for(std::chrono::seconds(10));
            return resp;
          }
          absl::StatusOr<std::string> body = ReadAll(*req.body, 1 << 20);
          resp.headers.Set("x-method", req.method);
          resp.headers.Set("x-target", req.target);
          resp.headers.Set("x-custom", req.headers.Get("x-custom").value_or("<absent>"));
          resp.headers.Set("x-host", req.headers.Get("host").value_or("<absent>"));
          resp.status = req.path == "/missing" ? 404 : 200;
          resp.body = body.ok() ? StrCat("got:", *body) : "error";
          return resp;
        },
        [](const Request&, int status, std::string_view, std::string_view) {
          Response resp;
          resp.status = status;
          return resp;
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    endpoint_.host = "127.0.0.1";
    endpoint_.port = server_->port();
  }
  void TearDown() override {
    release_promise_.set_value();
    server_.reset();
  }

  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
  std::unique_ptr<Server> server_;
  Endpoint endpoint_;
};

TEST_F(SendTest, SendsMethodTargetHeadersAndBody) {
  Headers headers;
  headers.Add("X-Custom", "v1");
  absl::StatusOr<ClientResponse> resp = Send(endpoint_, "POST", "/path?a=1", headers, "payload");
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "got:payload");
  EXPECT_EQ(resp->headers.Get("x-method"), "POST");
  EXPECT_EQ(resp->headers.Get("x-target"), "/path?a=1");
  EXPECT_EQ(resp->headers.Get("x-custom"), "v1");
  EXPECT_EQ(resp->headers.Get("x-host"), endpoint_.HostHeader());
}

TEST_F(SendTest, KeepsAnExplicitHostHeader) {
  Headers headers;
  headers.Add("Host", "example.test:1");
  absl::StatusOr<ClientResponse> resp = Send(endpoint_, "GET", "/", headers, "");
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->headers.Get("x-host"), "example.test:1");
}

TEST_F(SendTest, ReturnsErrorStatusesAsResponses) {
  absl::StatusOr<ClientResponse> resp = Send(endpoint_, "GET", "/missing", Headers(), "");
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 404);
}

TEST_F(SendTest, HeadResponseHasNoBody) {
  absl::StatusOr<ClientResponse> resp = Send(endpoint_, "HEAD", "/", Headers(), "");
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "");
  EXPECT_EQ(resp->headers.Get("content-length"), "4");  // the length of "got:"
}

TEST_F(SendTest, TimesOutWithDeadlineExceeded) {
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ClientResponse> resp = Send(endpoint_, "GET", "/slow", Headers(), "", 200);
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kDeadlineExceeded) << resp.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SendTest, ReturnsUnavailableWhenNothingListens) {
  Endpoint gone = endpoint_;
  server_.reset();  // the port is closed now
  absl::StatusOr<ClientResponse> resp = Send(gone, "GET", "/", Headers(), "");
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable) << resp.status();
}

}  // namespace
}  // namespace cleanroom::http
