#include "protocol/json_rpc.h"

#include "common/aws_error.h"
#include "common/strings.h"
#include "protocol/errors.h"

namespace cleanroom::protocol {
namespace {

absl::Status TypeError(const std::string& name, std::string_view expected) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                  StrCat("Member '", name, "' must be ", expected), 400);
}

}  // namespace

http::Response JsonRpcService::Handle(CallContext& ctx) {
  std::string_view target = ctx.request.headers.Get("x-amz-target").value_or("");
  std::string prefix = target_prefix_ + ".";
  if (!StartsWith(target, prefix)) {
    return RenderError(Protocol::kJson11,
                       AwsError(absl::StatusCode::kInvalidArgument, "UnknownOperationException",
                                StrCat("Missing or foreign X-Amz-Target: '", target, "'"), 400),
                       ctx.request_id);
  }
  std::string op(target.substr(prefix.size()));
  ctx.operation = op;
  auto it = operations_.find(op);
  if (it == operations_.end()) {
    return RenderError(Protocol::kJson11,
                       AwsError(absl::StatusCode::kInvalidArgument, "UnknownOperationException",
                                StrCat("Unknown operation ", op), 400),
                       ctx.request_id);
  }
  nlohmann::json input = ctx.body.empty()
                             ? nlohmann::json::object()
                             : nlohmann::json::parse(ctx.body, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded() || !input.is_object()) {
    return RenderError(Protocol::kJson11,
                       AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                                "The request body is not a valid JSON object", 400),
                       ctx.request_id);
  }
  absl::StatusOr<nlohmann::json> output = it->second(ctx, input);
  if (!output.ok()) return RenderError(Protocol::kJson11, output.status(), ctx.request_id);
  http::Response resp;
  resp.headers.Set("content-type", "application/x-amz-json-1.1");
  resp.headers.Set("x-amzn-requestid", ctx.request_id);
  resp.body = output->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return resp;
}

absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& input,
                                                          const std::string& name) {
  auto it = input.find(name);
  if (it == input.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return TypeError(name, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::string> RequiredString(const nlohmann::json& input, const std::string& name) {
  auto it = input.find(name);
  if (it == input.end() || it->is_null()) {
    return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                    StrCat("Member '", name, "' is required"), 400);
  }
  if (!it->is_string()) return TypeError(name, "a string");
  return it->get<std::string>();
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const nlohmann::json& input,
                                                   const std::string& name) {
  auto it = input.find(name);
  if (it == input.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return TypeError(name, "an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& input,
                                                 const std::string& name) {
  auto it = input.find(name);
  if (it == input.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return TypeError(name, "a boolean");
  return std::optional<bool>(it->get<bool>());
}

}  // namespace cleanroom::protocol
