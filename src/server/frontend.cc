#include "server/frontend.h"

#include <map>

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"
#include "common/aws_error.h"
#include "common/ids.h"
#include "common/strings.h"
#include "crypto/hash.h"
#include "protocol/errors.h"

namespace cleanroom::server {
namespace {

using protocol::Protocol;

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool IsAcceptedS3PayloadHash(std::string_view v) {
  return IsHex64(v) || v == "UNSIGNED-PAYLOAD" || v == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" ||
         v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" || v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
}

}  // namespace

void Frontend::AddService(std::unique_ptr<protocol::Service> service) {
  std::string name(service->signing_name());
  services_[name] = std::move(service);
}

Protocol Frontend::GuessProtocol(const http::Request& req) const {
  if (req.headers.Has("x-amz-target")) return Protocol::kJson11;
  std::string_view ct = req.headers.Get("content-type").value_or("");
  if (StartsWith(ct, "application/x-www-form-urlencoded")) return Protocol::kQuery;
  if (StartsWith(ct, "application/json")) return Protocol::kRestJson;
  return Protocol::kRestXml;
}

http::Response Frontend::RenderTransportError(const http::Request& partial, int status,
                                              std::string_view code, std::string_view message) {
  absl::StatusCode canonical =
      status >= 500 ? absl::StatusCode::kInternal : absl::StatusCode::kInvalidArgument;
  return protocol::RenderError(GuessProtocol(partial), AwsError(canonical, code, message, status),
                               NewUuid());
}

http::Response Frontend::Handle(http::Request& req) {
  if (req.path == "/healthz" && (req.method == "GET" || req.method == "HEAD")) {
    http::Response resp;
    resp.headers.Set("content-type", "text/plain");
    resp.body = "ok\n";
    return resp;
  }
  const std::string request_id = NewUuid();
  Protocol guessed = GuessProtocol(req);
  auto fail = [&](Protocol p, const absl::Status& st, std::string_view service = "") {
    http::Response resp = protocol::RenderError(p, st, request_id);
    resp.log_service = std::string(service);
    return resp;
  };

  absl::StatusOr<std::optional<auth::SigV4Auth>> parsed = auth::ParseSigV4(req);
  if (!parsed.ok()) return fail(guessed, parsed.status());
  if (!parsed->has_value()) {
    if (guessed == Protocol::kRestXml) {
      return fail(guessed, AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied",
                                    "Anonymous access is not allowed: sign requests with SigV4",
                                    403));
    }
    return fail(guessed, AwsError(absl::StatusCode::kUnauthenticated, "MissingAuthenticationToken",
                                  "Missing Authentication Token", 403));
  }
  const auth::SigV4Auth& auth = **parsed;
  auto it = services_.find(auth.scope.service);
  if (it == services_.end()) {
    // Answer in the protocol the named AWS service speaks, so its SDK can parse the error.
    static const std::map<std::string, Protocol, std::less<>> kKnownProtocols = {
        {"cleanrooms", Protocol::kRestJson}, {"cleanrooms-ml", Protocol::kRestJson},
        {"quicksight", Protocol::kRestJson}, {"glue", Protocol::kJson11},
        {"logs", Protocol::kJson11},         {"iam", Protocol::kQuery}};
    if (auto known = kKnownProtocols.find(auth.scope.service); known != kKnownProtocols.end()) {
      guessed = known->second;
    }
    return fail(guessed, AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                                  StrCat("This server does not implement the '",
                                         auth.scope.service, "' service"),
                                  400),
                auth.scope.service);
  }
  protocol::Service& service = *it->second;
  const Protocol proto = service.protocol();
  const bool s3 = proto == Protocol::kRestXml;

  absl::StatusOr<iam::KeyIdentity> identity = identities_->LookupActiveKey(auth.scope.access_key_id);
  if (!identity.ok()) {
    if (identity.status().code() != absl::StatusCode::kNotFound) {
      return fail(proto, absl::InternalError("credential lookup failed"), service.signing_name());
    }
    return fail(proto,
                AwsError(absl::StatusCode::kUnauthenticated, "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records.", 403),
                service.signing_name());
  }

  protocol::CallContext ctx{req, request_id, auth.scope.region, {}, {}, {}, {}, {}};
  std::string payload_hash;
  if (s3) {
    if (auth.presigned) {
      payload_hash = auth.payload_hash_header.empty() ? std::string(auth::kUnsignedPayload)
                                                      : auth.payload_hash_header;
    } else if (auth.payload_hash_header.empty()) {
      return fail(proto, AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                                  "Missing required header for this request: x-amz-content-sha256",
                                  400), "s3");
    } else {
      payload_hash = auth.payload_hash_header;
    }
    if (!IsAcceptedS3PayloadHash(payload_hash)) {
      return fail(proto, AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                                  "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                                  "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                                  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or a SHA-256 "
                                  "hex digest",
                                  400), "s3");
    }
    ctx.payload_hash = payload_hash;
    if (StartsWith(payload_hash, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) {
      auth::ChunkSigning signing = auth::MakeChunkSigning(auth, identity->secret_access_key);
      ctx.streaming_signature = protocol::StreamingSignature{signing.signing_key, signing.scope,
                                                             signing.amz_date, signing.seed_signature};
    }
  } else {
    absl::StatusOr<std::string> body = http::ReadAll(*req.body, kMaxRpcBodyBytes);
    if (!body.ok()) {
      if (body.status().code() == absl::StatusCode::kOutOfRange) {
        return fail(proto, AwsError(absl::StatusCode::kInvalidArgument, "RequestEntityTooLarge",
                                    "The request body is larger than 16 MiB", 413),
                    service.signing_name());
      }
      return fail(proto, AwsError(absl::StatusCode::kInvalidArgument, "IncompleteBody",
                                  StrCat("Could not read the request body: ", body.status().message()),
                                  400),
                  service.signing_name());
    }
    ctx.body = std::move(*body);
    payload_hash = crypto::Sha256Hex(ctx.body);
  }

  absl::Status verified =
      auth::VerifySigV4(req, auth, identity->secret_access_key, payload_hash, clock_->NowSeconds());
  if (!verified.ok()) return fail(proto, verified, service.signing_name());

  ctx.caller.account_id = identity->account.account_id;
  ctx.caller.access_key_id = identity->access_key_id;
  ctx.caller.arn = StrCat("arn:aws:iam::", identity->account.account_id, ":root");
  ctx.caller.is_admin = identity->account.is_admin;

  http::Response resp = service.Handle(ctx);
  resp.log_account = ctx.caller.account_id;
  resp.log_service = std::string(service.signing_name());
  resp.log_operation = ctx.operation;
  return resp;
}

}  // namespace cleanroom::server
