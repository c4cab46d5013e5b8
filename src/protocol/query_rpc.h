// The AWS query protocol (STS, IAM): POST / with a form-encoded body carrying Action, Version
// and parameters; the response is <ActionResponse><ActionResult>...</ActionResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
#ifndef CLEANROOM_PROTOCOL_QUERY_RPC_H_
#define CLEANROOM_PROTOCOL_QUERY_RPC_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "protocol/service.h"

namespace cleanroom::protocol {

using QueryParams = std::map<std::string, std::string>;
// Returns the XML inside <ActionResult> (already escaped).
using QueryOperation =
    std::function<absl::StatusOr<std::string>(CallContext& ctx, const QueryParams& params)>;

// Decodes an application/x-www-form-urlencoded body. kInvalidArgument on a malformed escape.
absl::StatusOr<QueryParams> ParseForm(std::string_view body);

class QueryRpcService : public Service {
 public:
  QueryRpcService(std::string signing_name, std::string xml_namespace)
      : signing_name_(std::move(signing_name)), xml_namespace_(std::move(xml_namespace)) {}

  std::string_view signing_name() const override { return signing_name_; }
  Protocol protocol() const override { return Protocol::kQuery; }
  http::Response Handle(CallContext& ctx) override;

 protected:
  void Register(std::string action, QueryOperation fn) {
    actions_[std::move(action)] = std::move(fn);
  }

 private:
  std::string signing_name_;
  std::string xml_namespace_;
  std::map<std::string, QueryOperation> actions_;
};

}  // namespace cleanroom::protocol

#endif  // CLEANROOM_PROTOCOL_QUERY_RPC_H_
