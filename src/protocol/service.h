// The contract between the front end (authentication, dispatch) and each AWS-compatible
// service. A service speaks one protocol family; the families are implemented once in this
// module (errors.h, json_rpc.h, query_rpc.h, rest_json.h) and services plug into them.
#ifndef CLEANROOM_PROTOCOL_SERVICE_H_
#define CLEANROOM_PROTOCOL_SERVICE_H_

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace cleanroom::protocol {

enum class Protocol {
  kRestXml,   // S3
  kQuery,     // STS, IAM: form-encoded POST, XML responses
  kJson11,    // awsJson1_1: Glue, Secrets Manager, CloudWatch Logs (X-Amz-Target)
  kRestJson,  // restJson1: Clean Rooms, QuickSight, the admin API
};

// The authenticated principal of a request.
struct Caller {
  std::string account_id;
  std::string access_key_id;
  std::string arn;  // arn:aws:iam::<account>:root
  bool is_admin = false;
};

// For S3 payloads signed chunk by chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): what the
// chunk signatures are checked against.
struct StreamingSignature {
  std::string signing_key;     // raw SigV4 signing key of the request's scope
  std::string scope;           // "yyyymmdd/region/s3/aws4_request"
  std::string amz_date;        // the request's X-Amz-Date
  std::string seed_signature;  // the request's own signature
};

// Everything a service needs to answer one request. Owned by the front end for the duration
// of Service::Handle.
struct CallContext {
  http::Request& request;
  std::string request_id;
  std::string region;
  Caller caller;
  // The whole request body for protocols whose signature covers it (all but S3). S3 handlers
  // stream `request.body` instead and verify `payload_hash` themselves.
  std::string body;
  // S3: the x-amz-content-sha256 value the signature covered ("UNSIGNED-PAYLOAD",
  // "STREAMING-...", or 64 hex chars that the body must match).
  std::string payload_hash;
  // Set when `payload_hash` is a signed STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] value.
  std::optional<StreamingSignature> streaming_signature;
  // Set by the service for the request log.
  std::string operation;
};

class Service {
 public:
  virtual ~Service() = default;
  // The SigV4 signing name that routes to this service ("s3", "sts", ...).
  virtual std::string_view signing_name() const = 0;
  virtual Protocol protocol() const = 0;
  // Answers the request, rendering errors in the service's own protocol. Must not throw.
  virtual http::Response Handle(CallContext& ctx) = 0;
};

}  // namespace cleanroom::protocol

#endif  // CLEANROOM_PROTOCOL_SERVICE_H_
