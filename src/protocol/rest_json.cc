#include "protocol/rest_json.h"

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "protocol/errors.h"

namespace cleanroom::protocol {
namespace {

std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  return Split(path, '/');
}

}  // namespace

std::optional<std::string> RestJsonInput::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

void RestJsonService::Register(RestJsonRoute route) {
  CompiledRoute compiled;
  for (std::string_view s : PathSegments(route.path_template)) compiled.segments.emplace_back(s);
  compiled.route = std::move(route);
  routes_.push_back(std::move(compiled));
}

http::Response RestJsonService::Handle(CallContext& ctx) {
  std::vector<std::string_view> raw = PathSegments(ctx.request.path);
  std::vector<std::string> segments;
  for (std::string_view s : raw) {
    auto decoded = UriDecode(s);
    if (!decoded) {
      return RenderError(Protocol::kRestJson,
                         AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                                  "Malformed percent-encoding in the request path", 400),
                         ctx.request_id);
    }
    segments.push_back(std::move(*decoded));
  }
  const CompiledRoute* match = nullptr;
  bool path_matched = false;
  RestJsonInput input;
  for (const CompiledRoute& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> labels;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& t = route.segments[i];
      if (t.size() > 2 && t.front() == '{' && t.back() == '}') {
        if (segments[i].empty()) ok = false;
        labels[t.substr(1, t.size() - 2)] = segments[i];
      } else if (t != segments[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (route.route.method != ctx.request.method) continue;
    match = &route;
    input.labels = std::move(labels);
    break;
  }
  if (match == nullptr) {
    int status = path_matched ? 405 : 404;
    return RenderError(
        Protocol::kRestJson,
        AwsError(absl::StatusCode::kNotFound, "UnknownOperationException",
                 StrCat("No operation matches ", ctx.request.method, " ", ctx.request.path),
                 status),
        ctx.request_id);
  }
  ctx.operation = match->route.operation;
  if (!ctx.request.query.empty()) {
    for (std::string_view pair : Split(ctx.request.query, '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      auto key = UriDecode(pair.substr(0, eq), true);
      auto value = UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!key || !value) {
        return RenderError(Protocol::kRestJson,
                           AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                                    "Malformed query string", 400),
                           ctx.request_id);
      }
      input.query.emplace(*key, *value);
    }
  }
  if (!Trim(ctx.body).empty()) {
    input.body = nlohmann::json::parse(ctx.body, nullptr, /*allow_exceptions=*/false);
    if (input.body.is_discarded() || !input.body.is_object()) {
      return RenderError(Protocol::kRestJson,
                         AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                                  "The request body is not a valid JSON object", 400),
                         ctx.request_id);
    }
  }
  absl::StatusOr<nlohmann::json> output = match->route.fn(ctx, input);
  if (!output.ok()) return RenderError(Protocol::kRestJson, output.status(), ctx.request_id);
  http::Response resp;
  resp.status = match->route.success_status;
  resp.headers.Set("x-amzn-requestid", ctx.request_id);
  if (resp.status != 204) {
    resp.headers.Set("content-type", "application/json");
    resp.body = output->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return resp;
}

}  // namespace cleanroom::protocol
