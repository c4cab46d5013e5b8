// A small blocking HTTP/1.1 client (one request per connection), used by the `cleanroom` CLI
// and by tests to talk to a running server.
#ifndef CLEANROOM_HTTP_CLIENT_H_
#define CLEANROOM_HTTP_CLIENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace cleanroom::http {

struct Endpoint {
  std::string host;
  uint16_t port = 80;
  // "host:port" as it goes into the Host header.
  std::string HostHeader() const;
};

// Parses "http://host[:port]" (https is not supported: put TLS in front of the server).
absl::StatusOr<Endpoint> ParseEndpoint(std::string_view url);

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Sends `method path?query` with `headers` and `body` and reads the whole response.
// kUnavailable if the server cannot be reached; kDeadlineExceeded after `timeout_ms`.
absl::StatusOr<ClientResponse> Send(const Endpoint& endpoint, std::string_view method,
                                    std::string_view target, const Headers& headers,
                                    std::string_view body, int timeout_ms = 30000);

}  // namespace cleanroom::http

#endif  // CLEANROOM_HTTP_CLIENT_H_
