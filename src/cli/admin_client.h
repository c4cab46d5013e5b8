// A client of cleanroomd's JSON APIs: signs each request with SigV4 (service "cleanroom", the
// administration API, unless another signing name is given, e.g. "cleanrooms") and turns error
// responses into Status values carrying the server's message.
#ifndef CLEANROOM_CLI_ADMIN_CLIENT_H_
#define CLEANROOM_CLI_ADMIN_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "http/client.h"
#include "nlohmann/json.hpp"

namespace cleanroom::cli {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Reads the [default] profile of an AWS credentials file, or, if `path` is empty, the
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables. kNotFound if neither
// provides both values.
absl::StatusOr<Credentials> LoadCredentials(const std::string& path);

class AdminClient {
 public:
  static absl::StatusOr<AdminClient> Create(const std::string& endpoint, Credentials credentials,
                                            std::string service = "cleanroom");

  // Sends `method path` with `body` (null = no body) and returns the parsed response ({} for an
  // empty one). Errors: the server's error message, with its code, as kFailedPrecondition;
  // kUnavailable when the server cannot be reached.
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body);

 private:
  AdminClient(http::Endpoint endpoint, Credentials credentials, std::string service)
      : endpoint_(std::move(endpoint)),
        credentials_(std::move(credentials)),
        service_(std::move(service)) {}
  http::Endpoint endpoint_;
  Credentials credentials_;
  std::string service_;
};

}  // namespace cleanroom::cli

#endif  // CLEANROOM_CLI_ADMIN_CLIENT_H_
