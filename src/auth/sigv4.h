// AWS Signature Version 4 (AWS4-HMAC-SHA256), byte-for-byte as botocore computes it: parsing
// the Authorization header or presigned query parameters, building the canonical request,
// verifying a request on the server and signing one on the client.
//
// Every function here is thread-safe (no shared mutable state).
//
// Errors are absl::Status values built with AwsError (common/aws_error.h), so each protocol
// can render them; the AWS code is named in each function's comment.
#ifndef CLEANROOM_AUTH_SIGV4_H_
#define CLEANROOM_AUTH_SIGV4_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/message.h"

namespace cleanroom::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kSigV4Terminator = "aws4_request";
// Hex SHA-256 of the empty string.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Largest difference between X-Amz-Date and the server clock that is accepted.
inline constexpr int64_t kMaxClockSkewSeconds = 15 * 60;
// Largest X-Amz-Expires of a presigned URL (7 days).
inline constexpr int64_t kMaxPresignExpiresSeconds = 604800;

// The credential scope "<access_key_id>/<date>/<region>/<service>/aws4_request".
struct SigV4Scope {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;

  // "<date>/<region>/<service>/aws4_request" (the scope line of the string to sign).
  std::string ScopeString() const;
};

// The signature claims of a request, as parsed by ParseSigV4.
struct SigV4Auth {
  SigV4Scope scope;
  // Header names exactly as the client listed them (botocore: lower-case and sorted).
  std::vector<std::string> signed_headers;
  std::string signature;  // hex, as sent
  // X-Amz-Date as sent ("yyyymmddTHHMMSSZ"); for a header-signed request without X-Amz-Date,
  // the Date header converted to that form (or its raw text if it does not parse).
  std::string amz_date;
  bool presigned = false;
  int64_t expires_seconds = 0;      // X-Amz-Expires (presigned only)
  std::string payload_hash_header;  // x-amz-content-sha256 value if present
};

// Extracts the SigV4 claims from the Authorization header or from presigned query parameters
// (X-Amz-Algorithm, X-Amz-Credential (percent-decoded), X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature). Returns nullopt if the request carries neither.
// Does not check the time, the expiry or the signature (see VerifySigV4).
// Errors (all kInvalidArgument, HTTP 400):
//   "InvalidRequest": another scheme (SigV2 "AWS AKID:sig", SigV4a, Bearer, presigned SigV2);
//   "InvalidArgument": both an Authorization header and presigned parameters;
//   "IncompleteSignature": a Credential, SignedHeaders or Signature part is missing;
//   "AuthorizationHeaderMalformed": the header is otherwise malformed (bad credential, bad
//       scope terminator, empty signed headers);
//   "AuthorizationQueryParametersError": presigned parameters are missing or malformed.
absl::StatusOr<std::optional<SigV4Auth>> ParseSigV4(const http::Request& req);

// The canonical URI. Non-S3 (`s3` false): the raw, already percent-encoded path with "." and
// ".." segments removed and "//" collapsed, then percent-encoded again leaving only
// A-Za-z0-9-_.~/ (every '%' becomes "%25"). S3: the raw path verbatim. An empty path is "/".
std::string CanonicalUri(std::string_view raw_path, bool s3);

// The canonical query string: the raw query split on '&' and each pair on its first '=',
// %XX-decoded ('+' stays a literal plus), re-encoded RFC 3986 style, a key without '=' given
// an empty value, sorted by key then value, joined with '&'. With `drop_signature` the
// X-Amz-Signature parameter (presigned URLs) is left out. Empty pieces ("a&&b") are skipped.
std::string CanonicalQuery(std::string_view raw_query, bool drop_signature);

// The canonical headers block: "name:value\n" for each of `signed_headers` in the given order,
// the value being every field of that name (looked up case-insensitively) trimmed, with
// internal whitespace runs collapsed to one space, joined with ','. A signed header the request
// lacks gives "name:\n".
std::string CanonicalHeaders(const http::Headers& headers,
                             const std::vector<std::string>& signed_headers);

// The canonical request of `req` (method, path, query and headers as received):
//   METHOD \n CanonicalUri \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n payload_hash
// `s3` selects the S3 URI rules; `presigned` drops X-Amz-Signature from the query.
std::string CanonicalRequest(const http::Request& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool s3, bool presigned);

// "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope.ScopeString() + "\n" +
// hex(SHA-256(canonical_request)).
std::string StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                         std::string_view canonical_request);

// The raw 32-byte signing key HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
// "aws4_request").
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);

// Lower-case hex HMAC-SHA256 of `string_to_sign` under the raw `signing_key`.
std::string ComputeSignature(std::string_view signing_key, std::string_view string_to_sign);

// Verifies `auth` (from ParseSigV4(req)) against `req` with the caller's secret key.
// `payload_hash` is the last line of the canonical request: for S3 the x-amz-content-sha256
// header value verbatim, for other services the hex SHA-256 of the body, for presigned S3
// "UNSIGNED-PAYLOAD". The S3 URI rules apply when auth.scope.service is "s3".
// Errors:
//   kPermissionDenied "AccessDenied" (403): no valid X-Amz-Date/Date; a presigned URL expired
//       ("Request has expired") or dated in the future beyond the allowed skew;
//   kPermissionDenied "RequestTimeTooSkewed" (403): X-Amz-Date more than 15 minutes from
//       `now_seconds`;
//   kInvalidArgument "AuthorizationHeaderMalformed" / "AuthorizationQueryParametersError"
//       (400): the X-Amz-Date day differs from the scope date, `host` is not signed, or
//       X-Amz-Expires is outside 1..604800;
//   kPermissionDenied "SignatureDoesNotMatch" (403): the signature is wrong (compared in
//       constant time).
absl::Status VerifySigV4(const http::Request& req, const SigV4Auth& auth,
                         std::string_view secret_access_key, std::string_view payload_hash,
                         int64_t now_seconds);

// Client side: signs `req` in place the way botocore does. `req` must have method, path (the
// raw percent-encoded path as it will be sent), query (raw) and headers set, including Host.
// Sets X-Amz-Date (and, when `s3`, x-amz-content-sha256 = `body_hash_hex`), replaces any
// Authorization header, and signs every header present except those botocore never signs
// (connection, expect, keep-alive, proxy-*, te, trailer, transfer-encoding, upgrade,
// user-agent, x-amzn-trace-id, authorization). `body_hash_hex` is also the canonical payload
// hash (pass "UNSIGNED-PAYLOAD" or a STREAMING-* value when appropriate). The scope's date is
// ignored: the date of `now_seconds` is used.
void SignRequest(http::Request& req, std::string_view body_hash_hex, const SigV4Scope& scope,
                 std::string_view secret_access_key, int64_t now_seconds, bool s3);

// Client side: turns `req` into a presigned request by appending X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders=host and X-Amz-Signature to
// its query (and updating `target`). Only the Host header is signed. `payload_hash` is the
// canonical payload hash ("UNSIGNED-PAYLOAD" for S3). The scope's date is ignored: the date of
// `now_seconds` is used.
void PresignRequest(http::Request& req, const SigV4Scope& scope, std::string_view secret_access_key,
                    int64_t now_seconds, int64_t expires_seconds, std::string_view payload_hash,
                    bool s3);

}  // namespace cleanroom::auth

#endif  // CLEANROOM_AUTH_SIGV4_H_
