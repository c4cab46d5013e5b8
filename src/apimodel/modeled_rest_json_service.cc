#include "apimodel/modeled_rest_json_service.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "apimodel/validator.h"
#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "protocol/errors.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;
using protocol::Protocol;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response ErrorResponse(const protocol::CallContext& ctx, const absl::Status& status) {
  return protocol::RenderError(Protocol::kRestJson, status, ctx.request_id);
}

absl::Status BadRequest(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message, 400);
}

// A scalar output value as header text.
std::string HeaderText(const json& value, const Member& member) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_array()) {
    std::string out;
    for (const json& element : value) {
      if (!out.empty()) out += ", ";
      out += element.is_string() ? element.get<std::string>() : Dump(element);
    }
    return out;
  }
  if (value.is_number() && member.shape->type == ShapeType::kTimestamp) {
    std::string_view format =
        !member.timestamp_format.empty() ? member.timestamp_format : member.shape->timestamp_format;
    if (format != "epoch-seconds") {
      auto micros = static_cast<int64_t>(value.get<double>() * 1e6);
      return format == "iso8601" ? FormatIso8601Millis(micros) : FormatHttpDate(micros);
    }
  }
  return Dump(value);
}

// Parses the request body into what BindRestJsonInput expects, or a 400.
absl::StatusOr<json> RequestBody(const Operation& operation, const std::string& body) {
  const Member* payload = nullptr;
  if (operation.input != nullptr && !operation.input->payload.empty()) {
    payload = operation.input->FindMember(operation.input->payload);
  }
  if (payload != nullptr && payload->shape->type == ShapeType::kString) {
    return body.empty() ? json::object() : json(body);
  }
  if (payload != nullptr && payload->shape->type == ShapeType::kBlob) {
    return body.empty() ? json::object() : json(Base64Encode(body));
  }
  if (Trim(body).empty()) return json::object();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  bool any_json = payload != nullptr && payload->shape->type == ShapeType::kDocument;
  if (parsed.is_discarded() || (!any_json && !parsed.is_object())) {
    return BadRequest("The request body is not valid JSON: expected a JSON object");
  }
  return parsed;
}

}  // namespace

ModeledRestJsonService::ModeledRestJsonService(const ServiceModel& model) : model_(model) {
  CLEANROOM_CHECK(model.protocol() == Protocol::kRestJson);
  for (const Operation& operation : model.operations()) routes_.push_back({&operation, nullptr});
}

void ModeledRestJsonService::Bind(std::string_view operation, Handler handler) {
  for (Route& route : routes_) {
    if (route.operation->name == operation) {
      route.handler = std::move(handler);
      return;
    }
  }
  std::fprintf(stderr, "ModeledRestJsonService::Bind: the %s model has no operation %s\n",
               model_.signing_name().c_str(), std::string(operation).c_str());
  std::abort();
}

void ModeledRestJsonService::BindExtension(std::string_view method, std::string_view request_uri,
                                           std::string operation, Handler handler) {
  absl::StatusOr<RequestUri> uri = RequestUri::Parse(request_uri);
  if (!uri.ok()) {
    std::fprintf(stderr, "ModeledRestJsonService::BindExtension: bad request URI %s\n",
                 std::string(request_uri).c_str());
    std::abort();
  }
  extensions_.push_back(
      {std::string(method), std::move(*uri), std::move(operation), std::move(handler)});
}

std::optional<http::Response> ModeledRestJsonService::HandleExtension(
    protocol::CallContext& ctx, const std::vector<std::string>& segments,
    const std::multimap<std::string, std::string>& query) {
  for (const Extension& extension : extensions_) {
    std::map<std::string, std::string> labels;
    if (extension.method != ctx.request.method || !extension.uri.MatchPath(segments, &labels) ||
        !extension.uri.MatchQuery(query)) {
      continue;
    }
    ctx.operation = extension.operation;
    json input = json::object();
    for (const auto& [name, value] : query) {
      if (!input.contains(name)) input[name] = value;
    }
    for (const auto& [name, value] : labels) input[name] = value;
    absl::StatusOr<json> output;
    try {
      output = extension.handler(ctx, input);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "handler threw",
          {{"operation", extension.operation}, {"request_id", ctx.request_id}, {"what", e.what()}});
      output = AwsError(absl::StatusCode::kInternal, "InternalServerException",
                        "The server failed to process the request", 500);
    }
    if (!output.ok()) return ErrorResponse(ctx, output.status());
    http::Response resp;
    resp.status = 200;
    resp.headers.Set("x-amzn-requestid", ctx.request_id);
    resp.headers.Set("content-type", "application/json");
    resp.body = Dump(*output);
    return resp;
  }
  return std::nullopt;
}

bool ModeledRestJsonService::IsBound(std::string_view operation) const {
  for (const Route& route : routes_) {
    if (route.operation->name == operation) return static_cast<bool>(route.handler);
  }
  return false;
}

http::Response ModeledRestJsonService::Handle(protocol::CallContext& ctx) {
  std::optional<std::vector<std::string>> segments = DecodePathSegments(ctx.request.path);
  if (!segments) {
    return ErrorResponse(ctx, BadRequest("Malformed percent-encoding in the request path"));
  }
  std::optional<std::multimap<std::string, std::string>> query = DecodeQuery(ctx.request.query);
  if (!query) return ErrorResponse(ctx, BadRequest("Malformed query string"));

  const Route* match = nullptr;
  std::map<std::string, std::string> labels;
  bool path_matched = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> found;
    const RequestUri& uri = route.operation->uri;
    if (!uri.MatchPath(*segments, &found) || !uri.MatchQuery(*query)) continue;
    path_matched = true;
    if (route.operation->method != ctx.request.method) continue;
    if (match == nullptr || uri.MoreSpecificThan(match->operation->uri)) {
      match = &route;
      labels = std::move(found);
    }
  }
  if (match == nullptr && !path_matched) {
    std::optional<http::Response> extension = HandleExtension(ctx, *segments, *query);
    if (extension) return std::move(*extension);
  }
  if (match == nullptr) {
    return ErrorResponse(
        ctx, AwsError(absl::StatusCode::kNotFound, "UnknownOperationException",
                      StrCat("No operation matches ", ctx.request.method, " ", ctx.request.path),
                      path_matched ? 405 : 404));
  }
  const Operation& operation = *match->operation;
  ctx.operation = operation.name;
  if (!match->handler) {
    return ErrorResponse(
        ctx, AwsError(absl::StatusCode::kUnimplemented, "NotImplementedException",
                      StrCat(operation.name, " is not supported by cleanroomd yet"), 501));
  }

  absl::StatusOr<json> body = RequestBody(operation, ctx.body);
  if (!body.ok()) return ErrorResponse(ctx, body.status());
  absl::StatusOr<json> input =
      BindRestJsonInput(model_, operation, labels, *query, ctx.request.headers, *body);
  if (!input.ok()) return ErrorResponse(ctx, input.status());

  absl::StatusOr<json> output;
  try {
    output = match->handler(ctx, *input);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "handler threw",
        {{"operation", operation.name}, {"request_id", ctx.request_id}, {"what", e.what()}});
    output = AwsError(absl::StatusCode::kInternal, "InternalServerException",
                      "The server failed to process the request", 500);
  }
  if (!output.ok()) return ErrorResponse(ctx, output.status());

#ifndef NDEBUG
  if (operation.output != nullptr) {
    std::vector<FieldViolation> violations = ValidateOutput(*operation.output, *output);
    if (!violations.empty()) {
      std::string message = StrCat("The response of ", operation.name, " does not match ",
                                   operation.output->name, ": ");
      for (size_t i = 0; i < violations.size(); ++i) {
        if (i > 0) message += "; ";
        const std::string& path = violations[i].path;
        message += StrCat("'", path.empty() ? "(output)" : path, "': ", violations[i].message);
      }
      Log(LogLevel::kError, "malformed response",
          {{"operation", operation.name}, {"message", message}});
      return ErrorResponse(
          ctx, AwsError(absl::StatusCode::kInternal, "InternalServerException", message, 500));
    }
  }
#endif
  return Render(ctx, operation, *output);
}

http::Response ModeledRestJsonService::Render(protocol::CallContext& ctx,
                                              const Operation& operation,
                                              const json& output) const {
  http::Response resp;
  resp.status = operation.response_code;
  resp.headers.Set("x-amzn-requestid", ctx.request_id);
  json body = json::object();
  const json* payload = nullptr;
  const Member* payload_member = nullptr;
  if (operation.output != nullptr && output.is_object()) {
    const Shape& shape = *operation.output;
    for (const auto& [name, value] : output.items()) {
      const Member* member = shape.FindMember(name);
      if (member == nullptr || value.is_null()) continue;  // not part of the response
      switch (member->location) {
        case Location::kHeader:
          resp.headers.Set(member->location_name, HeaderText(value, *member));
          break;
        case Location::kHeaders:
          if (value.is_object()) {
            for (const auto& [suffix, text] : value.items()) {
              resp.headers.Set(StrCat(member->location_name, suffix),
                               text.is_string() ? text.get<std::string>() : Dump(text));
            }
          }
          break;
        case Location::kStatusCode:
          if (value.is_number_integer() && value.get<int64_t>() >= 100 &&
              value.get<int64_t>() <= 599) {
            resp.status = value.get<int>();
          }
          break;
        case Location::kUri:
        case Location::kQuery:
          break;
        case Location::kBody:
          if (name == shape.payload) {
            payload = &value;
            payload_member = member;
          } else {
            body[name] = value;
          }
          break;
      }
    }
  }
  if (resp.status == 204 || resp.status == 304) return resp;
  if (payload != nullptr && payload_member->shape->type == ShapeType::kString) {
    resp.headers.Set("content-type", "text/plain");
    resp.body = payload->is_string() ? payload->get<std::string>() : Dump(*payload);
    return resp;
  }
  if (payload != nullptr && payload_member->shape->type == ShapeType::kBlob) {
    resp.headers.Set("content-type", "application/octet-stream");
    std::optional<std::string> bytes =
        payload->is_string() ? Base64Decode(payload->get<std::string>()) : std::nullopt;
    resp.body = bytes.value_or("");
    return resp;
  }
  resp.headers.Set("content-type", "application/json");
  resp.body = Dump(payload != nullptr ? *payload : body);
  return resp;
}

}  // namespace cleanroom::apimodel
