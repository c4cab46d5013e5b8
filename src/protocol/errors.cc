#include "protocol/errors.h"

#include "common/aws_error.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace cleanroom::protocol {
namespace {

ResolvedError DefaultFor(Protocol protocol, absl::StatusCode code) {
  const bool json = protocol == Protocol::kJson11 || protocol == Protocol::kRestJson;
  const bool s3 = protocol == Protocol::kRestXml;
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return {400, json ? "ValidationException" : s3 ? "InvalidArgument" : "ValidationError"};
    case absl::StatusCode::kUnauthenticated:
      return {403, json ? "UnrecognizedClientException"
                   : s3 ? "AccessDenied"
                        : "InvalidClientTokenId"};
    case absl::StatusCode::kPermissionDenied:
      return {403, json ? "AccessDeniedException" : "AccessDenied"};
    case absl::StatusCode::kNotFound:
      return {404, json ? "ResourceNotFoundException" : s3 ? "NotFound" : "NoSuchEntity"};
    case absl::StatusCode::kAlreadyExists:
      return {409, json ? "ConflictException" : s3 ? "Conflict" : "EntityAlreadyExists"};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return {409, json ? "ConflictException" : s3 ? "InvalidRequest" : "DeleteConflict"};
    case absl::StatusCode::kResourceExhausted:
      return {json ? 402 : 400, json ? "ServiceQuotaExceededException"
                                : s3 ? "TooManyBuckets"
                                     : "LimitExceeded"};
    case absl::StatusCode::kUnimplemented:
      return {s3 ? 501 : 400, s3     ? "NotImplemented"
                              : json ? "UnknownOperationException"
                                     : "InvalidAction"};
    case absl::StatusCode::kDeadlineExceeded:
      return {400, s3 ? "RequestTimeout" : json ? "ValidationException" : "RequestExpired"};
    case absl::StatusCode::kDataLoss:
      return {400, s3 ? "BadDigest" : json ? "ValidationException" : "ValidationError"};
    case absl::StatusCode::kUnavailable:
      return {503, s3     ? "ServiceUnavailable"
                   : json ? "ServiceUnavailableException"
                          : "ServiceUnavailable"};
    default:
      return {500, json ? "InternalServerException" : s3 ? "InternalError" : "InternalFailure"};
  }
}

// Translates the S3-style authentication codes that the auth layer produces.
std::string TranslateAuthCode(Protocol protocol, const std::string& code) {
  if (protocol == Protocol::kRestXml) return code;
  const bool json = protocol == Protocol::kJson11 || protocol == Protocol::kRestJson;
  if (code == "SignatureDoesNotMatch") return json ? "InvalidSignatureException" : code;
  if (code == "InvalidAccessKeyId")
    return json ? "UnrecognizedClientException" : "InvalidClientTokenId";
  if (code == "RequestTimeTooSkewed")
    return json ? "InvalidSignatureException" : "SignatureDoesNotMatch";
  if (code == "AuthorizationHeaderMalformed" || code == "AuthorizationQueryParametersError") {
    return json ? "IncompleteSignatureException" : "IncompleteSignature";
  }
  if (code == "IncompleteSignature") return json ? "IncompleteSignatureException" : code;
  if (code == "MissingAuthenticationToken" || code == "AccessDenied") {
    return json ? (code == "AccessDenied" ? "AccessDeniedException"
                                          : "MissingAuthenticationTokenException")
                : code;
  }
  return code;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

ResolvedError ResolveError(Protocol protocol, const absl::Status& status) {
  ResolvedError resolved = DefaultFor(protocol, status.code());
  if (auto code = GetAwsCode(status)) resolved.code = TranslateAuthCode(protocol, *code);
  if (auto http_status = GetAwsHttpStatus(status)) resolved.http_status = *http_status;
  return resolved;
}

http::Response RenderError(Protocol protocol, const absl::Status& status,
                           std::string_view request_id) {
  ResolvedError resolved = ResolveError(protocol, status);
  std::string message(status.message());
  http::Response resp;
  resp.status = resolved.http_status;
  switch (protocol) {
    case Protocol::kRestXml: {
      std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
      body += XmlEscape(resolved.code);
      body += "</Code><Message>" + XmlEscape(message) + "</Message>";
      for (const auto& [name, value] : GetAwsFields(status)) {
        body += StrCat("<", name, ">", XmlEscape(value), "</", name, ">");
      }
      body += StrCat("<RequestId>", request_id, "</RequestId></Error>");
      resp.headers.Set("content-type", "application/xml");
      resp.headers.Set("x-amz-request-id", request_id);
      resp.body = std::move(body);
      break;
    }
    case Protocol::kQuery: {
      const char* type = resolved.http_status >= 500 ? "Receiver" : "Sender";
      resp.body = StrCat(
          "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>", type,
          "</Type><Code>", XmlEscape(resolved.code), "</Code><Message>", XmlEscape(message),
          "</Message></Error><RequestId>", request_id, "</RequestId></ErrorResponse>");
      resp.headers.Set("content-type", "text/xml");
      resp.headers.Set("x-amzn-requestid", request_id);
      break;
    }
    case Protocol::kJson11:
    case Protocol::kRestJson: {
      nlohmann::json body = nlohmann::json::object();
      if (protocol == Protocol::kJson11) {
        body["__type"] = resolved.code;
        body["Message"] = message;
      } else {
        body["message"] = message;
        resp.headers.Set("x-amzn-errortype", resolved.code);
      }
      for (const auto& [name, value] : GetAwsFields(status)) body[name] = value;
      for (const auto& [name, value] : GetAwsJsonFields(status)) {
        body[name] = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      }
      resp.headers.Set("content-type", protocol == Protocol::kJson11 ? "application/x-amz-json-1.1"
                                                                     : "application/json");
      resp.headers.Set("x-amzn-requestid", request_id);
      resp.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    }
  }
  return resp;
}

}  // namespace cleanroom::protocol
