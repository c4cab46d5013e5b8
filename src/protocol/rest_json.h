// restJson1: operations bound to HTTP method + path template ("/collaborations/{id}"), JSON
// request and response bodies, errors in X-Amzn-ErrorType. One declarative route table per
// service; path labels are matched on the raw path split at '/', then percent-decoded, so a
// label may contain an encoded '/' (ARNs).
#ifndef CLEANROOM_PROTOCOL_REST_JSON_H_
#define CLEANROOM_PROTOCOL_REST_JSON_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "protocol/service.h"

namespace cleanroom::protocol {

struct RestJsonInput {
  std::map<std::string, std::string> labels;       // path labels, decoded
  std::multimap<std::string, std::string> query;   // query parameters, decoded
  nlohmann::json body = nlohmann::json::object();  // {} when the request has no body

  // The first value of query parameter `name`.
  std::optional<std::string> Query(const std::string& name) const;
};

using RestJsonOperation =
    std::function<absl::StatusOr<nlohmann::json>(CallContext& ctx, const RestJsonInput& input)>;

struct RestJsonRoute {
  std::string method;
  std::string path_template;
  std::string operation;
  int success_status = 200;  // 204 responses carry no body
  RestJsonOperation fn;
};

class RestJsonService : public Service {
 public:
  explicit RestJsonService(std::string signing_name) : signing_name_(std::move(signing_name)) {}

  std::string_view signing_name() const override { return signing_name_; }
  Protocol protocol() const override { return Protocol::kRestJson; }
  http::Response Handle(CallContext& ctx) override;

 protected:
  void Register(RestJsonRoute route);

 private:
  struct CompiledRoute {
    RestJsonRoute route;
    std::vector<std::string> segments;  // "{name}" marks a label
  };
  std::string signing_name_;
  std::vector<CompiledRoute> routes_;
};

}  // namespace cleanroom::protocol

#endif  // CLEANROOM_PROTOCOL_REST_JSON_H_
