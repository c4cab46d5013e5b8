// awsJson1_1: POST / with X-Amz-Target "<prefix>.<Operation>" and a JSON body. Services
// register one function per operation; this class parses, dispatches and renders.
#ifndef CLEANROOM_PROTOCOL_JSON_RPC_H_
#define CLEANROOM_PROTOCOL_JSON_RPC_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "protocol/service.h"

namespace cleanroom::protocol {

using JsonOperation =
    std::function<absl::StatusOr<nlohmann::json>(CallContext& ctx, const nlohmann::json& input)>;

class JsonRpcService : public Service {
 public:
  // `target_prefix` is the part of X-Amz-Target before the dot (e.g. "secretsmanager").
  JsonRpcService(std::string signing_name, std::string target_prefix)
      : signing_name_(std::move(signing_name)), target_prefix_(std::move(target_prefix)) {}

  std::string_view signing_name() const override { return signing_name_; }
  Protocol protocol() const override { return Protocol::kJson11; }
  http::Response Handle(CallContext& ctx) override;

 protected:
  void Register(std::string operation, JsonOperation fn) {
    operations_[std::move(operation)] = std::move(fn);
  }

 private:
  std::string signing_name_;
  std::string target_prefix_;
  std::map<std::string, JsonOperation> operations_;
};

// Input helpers for JSON operations. Each returns a ValidationException-style Status naming
// the member when the value has the wrong type.
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& input,
                                                          const std::string& name);
absl::StatusOr<std::string> RequiredString(const nlohmann::json& input, const std::string& name);
absl::StatusOr<std::optional<int64_t>> OptionalInt(const nlohmann::json& input,
                                                   const std::string& name);
absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& input,
                                                 const std::string& name);

}  // namespace cleanroom::protocol

#endif  // CLEANROOM_PROTOCOL_JSON_RPC_H_
