#include "protocol/query_rpc.h"

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "protocol/errors.h"

namespace cleanroom::protocol {

absl::StatusOr<QueryParams> ParseForm(std::string_view body) {
  QueryParams params;
  if (body.empty()) return params;
  for (std::string_view pair : Split(body, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    auto key = UriDecode(raw_key, /*plus_as_space=*/true);
    auto value = UriDecode(raw_value, /*plus_as_space=*/true);
    if (!key || !value) {
      return AwsError(absl::StatusCode::kInvalidArgument, "MalformedQueryString",
                      "The request body is not valid form encoding", 400);
    }
    params[*key] = *value;
  }
  return params;
}

http::Response QueryRpcService::Handle(CallContext& ctx) {
  absl::StatusOr<QueryParams> params = ParseForm(ctx.body);
  if (params.ok() && !ctx.request.query.empty() && ctx.body.empty()) {
    params = ParseForm(ctx.request.query);  // GET-style query requests
  }
  if (!params.ok()) return RenderError(Protocol::kQuery, params.status(), ctx.request_id);
  auto action_it = params->find("Action");
  if (action_it == params->end()) {
    return RenderError(Protocol::kQuery,
                       AwsError(absl::StatusCode::kInvalidArgument, "MissingAction",
                                "The request must contain the parameter Action", 400),
                       ctx.request_id);
  }
  const std::string& action = action_it->second;
  ctx.operation = action;
  auto it = actions_.find(action);
  if (it == actions_.end()) {
    return RenderError(
        Protocol::kQuery,
        AwsError(absl::StatusCode::kInvalidArgument, "InvalidAction",
                 StrCat("Could not find operation ", action, " for this service"), 400),
        ctx.request_id);
  }
  absl::StatusOr<std::string> result = it->second(ctx, *params);
  if (!result.ok()) return RenderError(Protocol::kQuery, result.status(), ctx.request_id);
  http::Response resp;
  resp.headers.Set("content-type", "text/xml");
  resp.headers.Set("x-amzn-requestid", ctx.request_id);
  resp.body = StrCat("<", action, "Response xmlns=\"", xml_namespace_, "\"><", action, "Result>",
                     *result, "</", action, "Result><ResponseMetadata><RequestId>", ctx.request_id,
                     "</RequestId></ResponseMetadata></", action, "Response>");
  return resp;
}

}  // namespace cleanroom::protocol
