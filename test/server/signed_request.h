// Test helpers shared by the front-end and admin tests: requests as the HTTP server hands
// them to Frontend::Handle, signed the way the AWS SDKs sign them.
#ifndef CLEANROOM_TEST_SERVER_SIGNED_REQUEST_H_
#define CLEANROOM_TEST_SERVER_SIGNED_REQUEST_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "crypto/hash.h"
#include "http/message.h"

namespace cleanroom::server::test_support {

// A request together with the body stream it reads from.
struct OwnedRequest {
  http::Request request;
  std::string body_text;
  std::unique_ptr<http::StringReader> body;
};

// Builds `method target` with `headers` (plus Host) and `body`.
inline std::unique_ptr<OwnedRequest> MakeRequest(
    std::string method, std::string target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string body = "") {
  auto out = std::make_unique<OwnedRequest>();
  http::Request& req = out->request;
  req.method = std::move(method);
  req.target = std::move(target);
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.Add("Host", "127.0.0.1:8080");
  for (const auto& [name, value] : headers) req.headers.Add(name, value);
  req.content_length = body.size();
  out->body_text = body;
  out->body = std::make_unique<http::StringReader>(std::move(body));
  req.body = out->body.get();
  req.remote_address = "127.0.0.1:50000";
  return out;
}

// Signs `r` with SigV4 for `service` at `now_seconds` (S3 rules when `service` is "s3").
inline void Sign(OwnedRequest& r, const std::string& access_key_id, const std::string& secret,
                 const std::string& service, int64_t now_seconds,
                 const std::string& region = "us-east-1") {
  auth::SignRequest(r.request, crypto::Sha256Hex(r.body_text),
                    auth::SigV4Scope{access_key_id, "", region, service}, secret, now_seconds,
                    /*s3=*/service == "s3");
}

}  // namespace cleanroom::server::test_support

#endif  // CLEANROOM_TEST_SERVER_SIGNED_REQUEST_H_
