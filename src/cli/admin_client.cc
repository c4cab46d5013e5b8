#include "cli/admin_client.h"

#include <cstdlib>
#include <fstream>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "crypto/hash.h"

namespace cleanroom::cli {

absl::StatusOr<Credentials> LoadCredentials(const std::string& path) {
  Credentials creds;
  if (path.empty()) {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    if (id && secret) return Credentials{id, secret};
    return absl::NotFoundError(
        "no administrator credentials: pass --data-dir, --credentials-file, or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("cannot read credentials file ", path));
  std::string line;
  bool in_default = false;
  while (std::getline(in, line)) {
    std::string_view l = Trim(line);
    if (l.empty() || l.front() == '#' || l.front() == ';') continue;
    if (l.front() == '[') {
      in_default = l == "[default]";
      continue;
    }
    if (!in_default) continue;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = Trim(l.substr(0, eq));
    std::string_view v = Trim(l.substr(eq + 1));
    if (k == "aws_access_key_id") creds.access_key_id = std::string(v);
    if (k == "aws_secret_access_key") creds.secret_access_key = std::string(v);
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return absl::NotFoundError(StrCat("no [default] access key in ", path));
  }
  return creds;
}

absl::StatusOr<AdminClient> AdminClient::Create(const std::string& endpoint,
                                                Credentials credentials, std::string service) {
  ASSIGN_OR_RETURN(http::Endpoint ep, http::ParseEndpoint(endpoint));
  return AdminClient(std::move(ep), std::move(credentials), std::move(service));
}

absl::StatusOr<nlohmann::json> AdminClient::Call(const std::string& method, const std::string& path,
                                                 const nlohmann::json& body) {
  std::string payload = body.is_null() ? "" : body.dump();
  http::Request req;
  req.method = method;
  size_t q = path.find('?');
  req.path = path.substr(0, q);
  req.query = q == std::string::npos ? "" : path.substr(q + 1);
  req.target = path;
  req.headers.Set("host", endpoint_.HostHeader());
  if (!payload.empty()) req.headers.Set("content-type", "application/json");
  auth::SigV4Scope scope{credentials_.access_key_id, "", "us-east-1", service_};
  auth::SignRequest(req, crypto::Sha256Hex(payload), scope, credentials_.secret_access_key,
                    SystemClock().NowSeconds(), /*s3=*/false);
  ASSIGN_OR_RETURN(http::ClientResponse resp,
                   http::Send(endpoint_, method, path, req.headers, payload));
  nlohmann::json parsed =
      resp.body.empty() ? nlohmann::json::object()
                        : nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (resp.status >= 300) {
    std::string code(resp.headers.Get("x-amzn-errortype").value_or(""));
    std::string message =
        parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()
            ? parsed["message"].get<std::string>()
            : resp.body;
    return absl::FailedPreconditionError(
        StrCat(code.empty() ? StrCat("HTTP ", resp.status) : code, ": ", message));
  }
  if (parsed.is_discarded())
    return absl::InternalError("the server sent a response that is not JSON");
  return parsed;
}

}  // namespace cleanroom::cli
