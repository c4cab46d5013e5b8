// The front door of every request: authenticates it with SigV4, resolves the caller's account
// and dispatches it to the service named by the credential scope. Errors found here are
// rendered in the target service's protocol.
#ifndef CLEANROOM_SERVER_FRONTEND_H_
#define CLEANROOM_SERVER_FRONTEND_H_

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "http/message.h"
#include "iam/identity_store.h"
#include "protocol/service.h"

namespace cleanroom::server {

// Thread-safe once all services are added.
class Frontend {
 public:
  // Bodies of non-S3 requests are read whole (their signature covers them) up to this size.
  static constexpr size_t kMaxRpcBodyBytes = 16 * 1024 * 1024;

  // Neither pointer is owned.
  Frontend(iam::IdentityStore* identities, const Clock* clock)
      : identities_(identities), clock_(clock) {}

  void AddService(std::unique_ptr<protocol::Service> service);

  // Answers one request (the http::Handler).
  http::Response Handle(http::Request& req);

  // Renders a transport-level failure (http::ErrorRenderer) in the protocol the request
  // appears to use.
  http::Response RenderTransportError(const http::Request& partial, int status,
                                      std::string_view code, std::string_view message);

 private:
  protocol::Protocol GuessProtocol(const http::Request& req) const;

  iam::IdentityStore* identities_;
  const Clock* clock_;
  std::map<std::string, std::unique_ptr<protocol::Service>, std::less<>> services_;
};

}  // namespace cleanroom::server

#endif  // CLEANROOM_SERVER_FRONTEND_H_
