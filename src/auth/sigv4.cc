#include "auth/sigv4.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "crypto/hash.h"

namespace cleanroom::auth {
namespace {

constexpr std::string_view kMalformedHeader = "AuthorizationHeaderMalformed";
constexpr std::string_view kQueryError = "AuthorizationQueryParametersError";

absl::Status HeaderMalformed(std::string_view why) {
  return AwsError(absl::StatusCode::kInvalidArgument, kMalformedHeader,
                  StrCat("The authorization header is malformed; ", why), 400);
}

absl::Status QueryError(std::string_view why) {
  return AwsError(absl::StatusCode::kInvalidArgument, kQueryError, why, 400);
}

absl::Status UnsupportedAlgorithm() {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                  "The authorization mechanism you have provided is not supported; only "
                  "AWS4-HMAC-SHA256 is supported.",
                  400);
}

// Whitespace as Python's str.split() sees it in ASCII (botocore collapses header values so).
bool IsSplitSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= '\x1c' && c <= '\x1f');
}

// Trims and collapses runs of whitespace to single spaces.
void AppendNormalizedHeaderValue(std::string_view value, std::string& out) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (IsSplitSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(c);
  }
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses "<akid>/<yyyymmdd>/<region>/<service>/aws4_request". Returns an error message.
std::optional<std::string> ParseCredential(std::string_view credential, SigV4Scope& scope) {
  std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5) {
    return StrCat("the Credential '", credential,
                  "' must have the form <AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request");
  }
  if (parts[0].empty()) return std::string("the Credential has an empty access key ID");
  if (parts[1].size() != 8 || !IsDigits(parts[1])) {
    return StrCat("invalid credential date '", parts[1], "'; it must be yyyymmdd");
  }
  if (parts[2].empty()) return std::string("the Credential has an empty region");
  if (parts[3].empty()) return std::string("the Credential has an empty service");
  if (parts[4] != kSigV4Terminator) {
    return StrCat("incorrect terminal '", parts[4], "'; this endpoint uses '", kSigV4Terminator,
                  "'");
  }
  scope.access_key_id = std::string(parts[0]);
  scope.date = std::string(parts[1]);
  scope.region = std::string(parts[2]);
  scope.service = std::string(parts[3]);
  return std::nullopt;
}

// Splits "a;b;c". Returns false if any name is empty.
bool ParseSignedHeaders(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  for (std::string_view name : Split(text, ';')) {
    if (name.empty()) return false;
    out.emplace_back(name);
  }
  return true;
}

std::optional<std::string_view> FirstHeader(const http::Headers& headers, std::string_view name) {
  std::optional<std::string_view> v = headers.Get(name);
  if (v.has_value()) return Trim(*v);
  return std::nullopt;
}

absl::StatusOr<SigV4Auth> ParseAuthorizationHeader(const http::Request& req,
                                                   std::string_view header) {
  std::string_view text = Trim(header);
  if (!StartsWith(text, kSigV4Algorithm) ||
      (text.size() > kSigV4Algorithm.size() && !IsSplitSpace(text[kSigV4Algorithm.size()]))) {
    return UnsupportedAlgorithm();
  }
  text = Trim(text.substr(kSigV4Algorithm.size()));

  std::optional<std::string_view> credential, signed_headers, signature;
  if (!text.empty()) {
    for (std::string_view part : Split(text, ',')) {
      part = Trim(part);
      if (part.empty()) continue;
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        return HeaderMalformed(StrCat("the component '", part, "' is not of the form key=value"));
      }
      std::string_view key = part.substr(0, eq);
      std::string_view value = part.substr(eq + 1);
      std::optional<std::string_view>* slot = nullptr;
      if (key == "Credential") {
        slot = &credential;
      } else if (key == "SignedHeaders") {
        slot = &signed_headers;
      } else if (key == "Signature") {
        slot = &signature;
      } else {
        continue;  // unknown components are ignored, as AWS does
      }
      if (slot->has_value()) return HeaderMalformed(StrCat("'", key, "' appears twice"));
      *slot = value;
    }
  }
  if (!credential || !signed_headers || !signature) {
    std::string message;
    if (!credential) message += "Authorization header requires 'Credential' parameter. ";
    if (!signed_headers) message += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!signature) message += "Authorization header requires 'Signature' parameter. ";
    message += "Authorization=";
    message += header;
    return AwsError(absl::StatusCode::kInvalidArgument, "IncompleteSignature", message, 400);
  }

  SigV4Auth auth;
  if (std::optional<std::string> error = ParseCredential(*credential, auth.scope)) {
    return HeaderMalformed(*error);
  }
  if (!ParseSignedHeaders(*signed_headers, auth.signed_headers)) {
    return HeaderMalformed("SignedHeaders must be a ';'-separated list of header names");
  }
  if (signature->empty()) return HeaderMalformed("the Signature is empty");
  auth.signature = std::string(*signature);

  if (std::optional<std::string_view> amz_date = FirstHeader(req.headers, "x-amz-date")) {
    auth.amz_date = std::string(*amz_date);
  } else if (std::optional<std::string_view> date = FirstHeader(req.headers, "date")) {
    std::optional<int64_t> seconds = ParseHttpDate(*date);
    auth.amz_date = seconds ? FormatAmzDate(*seconds) : std::string(*date);
  }
  return auth;
}

struct QueryParam {
  std::string key;
  std::string value;
};

std::vector<QueryParam> DecodeQuery(std::string_view raw_query) {
  std::vector<QueryParam> out;
  if (raw_query.empty()) return out;
  for (std::string_view piece : Split(raw_query, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view key = piece.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::optional<std::string> k = UriDecode(key);
    std::optional<std::string> v = UriDecode(value);
    out.push_back({k ? std::move(*k) : std::string(key), v ? std::move(*v) : std::string(value)});
  }
  return out;
}

constexpr std::string_view kPresignParams[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                               "X-Amz-Date",          "X-Amz-Expires",
                                               "X-Amz-SignedHeaders", "X-Amz-Signature"};

absl::StatusOr<SigV4Auth> ParsePresigned(const std::vector<QueryParam>& params) {
  std::optional<std::string_view> values[std::size(kPresignParams)];
  for (const QueryParam& p : params) {
    for (size_t i = 0; i < std::size(kPresignParams); ++i) {
      if (p.key != kPresignParams[i]) continue;
      if (values[i].has_value()) {
        return QueryError(StrCat("The query parameter ", p.key, " appears more than once."));
      }
      values[i] = p.value;
    }
  }
  const auto& [algorithm, credential, amz_date, expires, signed_headers, signature] = values;
  if (algorithm.has_value() && *algorithm != kSigV4Algorithm) {
    return QueryError(StrCat("X-Amz-Algorithm only supports \"", kSigV4Algorithm, "\""));
  }
  for (const auto& v : values) {
    if (!v.has_value()) {
      return QueryError(
          "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
          "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    }
  }
  SigV4Auth auth;
  auth.presigned = true;
  if (std::optional<std::string> error = ParseCredential(*credential, auth.scope)) {
    return QueryError(StrCat("Error parsing the X-Amz-Credential parameter; ", *error));
  }
  if (!ParseSignedHeaders(*signed_headers, auth.signed_headers)) {
    return QueryError("X-Amz-SignedHeaders must be a ';'-separated list of header names");
  }
  uint64_t expires_value = 0;
  if (expires->size() > 12 || !ParseUint64(*expires, &expires_value)) {
    return QueryError("X-Amz-Expires should be a number");
  }
  if (signature->empty()) return QueryError("X-Amz-Signature is empty");
  auth.expires_seconds = static_cast<int64_t>(expires_value);
  auth.amz_date = std::string(*amz_date);
  auth.signature = std::string(*signature);
  return auth;
}

bool IsUnsignedHeader(std::string_view lower_name) {
  static constexpr std::string_view kNeverSigned[] = {
      "authorization", "connection",        "expect",  "keep-alive", "te",
      "trailer",       "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};
  if (StartsWith(lower_name, "proxy-")) return true;
  return std::find(std::begin(kNeverSigned), std::end(kNeverSigned), lower_name) !=
         std::end(kNeverSigned);
}

std::string JoinSignedHeaders(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

// The scope with its date replaced by that of `amz_date`.
SigV4Scope ScopeOn(const SigV4Scope& scope, std::string_view amz_date) {
  SigV4Scope out = scope;
  out.date = std::string(amz_date.substr(0, 8));
  return out;
}

std::string Sign(const http::Request& req, const std::vector<std::string>& signed_headers,
                 std::string_view payload_hash, bool s3, bool presigned, std::string_view amz_date,
                 const SigV4Scope& scope, std::string_view secret) {
  const std::string canonical = CanonicalRequest(req, signed_headers, payload_hash, s3, presigned);
  const std::string string_to_sign = StringToSign(amz_date, scope, canonical);
  return ComputeSignature(SigningKey(secret, scope.date, scope.region, scope.service),
                          string_to_sign);
}

}  // namespace

std::string SigV4Scope::ScopeString() const {
  return StrCat(date, "/", region, "/", service, "/", kSigV4Terminator);
}

absl::StatusOr<std::optional<SigV4Auth>> ParseSigV4(const http::Request& req) {
  std::vector<std::string_view> authorization = req.headers.GetAll("authorization");
  std::vector<QueryParam> params = DecodeQuery(req.query);
  bool presign = false;
  bool sigv2_presign_key = false, sigv2_presign_signature = false;
  for (const QueryParam& p : params) {
    if (p.key == "X-Amz-Algorithm" || p.key == "X-Amz-Credential" || p.key == "X-Amz-Signature" ||
        p.key == "X-Amz-SignedHeaders") {
      presign = true;
    }
    if (p.key == "AWSAccessKeyId") sigv2_presign_key = true;
    if (p.key == "Signature") sigv2_presign_signature = true;
  }
  if (!authorization.empty() && presign) {
    return AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or "
                    "the Authorization header should be specified",
                    400);
  }
  absl::StatusOr<SigV4Auth> auth;
  if (!authorization.empty()) {
    if (authorization.size() > 1) return HeaderMalformed("more than one Authorization header");
    auth = ParseAuthorizationHeader(req, authorization.front());
  } else if (presign) {
    auth = ParsePresigned(params);
  } else if (sigv2_presign_key && sigv2_presign_signature) {
    return UnsupportedAlgorithm();
  } else {
    return std::optional<SigV4Auth>();
  }
  if (!auth.ok()) return auth.status();
  if (std::optional<std::string_view> hash = FirstHeader(req.headers, "x-amz-content-sha256")) {
    auth->payload_hash_header = std::string(*hash);
  }
  return std::optional<SigV4Auth>(std::move(*auth));
}

std::string CanonicalUri(std::string_view raw_path, bool s3) {
  if (raw_path.empty()) return "/";
  if (s3) return std::string(raw_path);
  std::vector<std::string_view> kept;
  for (std::string_view segment : Split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(segment);
  }
  std::string normalized;
  if (raw_path.front() == '/') normalized.push_back('/');
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized += kept[i];
  }
  if (raw_path.back() == '/' && !kept.empty()) normalized.push_back('/');
  if (normalized.empty()) normalized = "/";
  return UriEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (QueryParam& p : DecodeQuery(raw_query)) {
    if (drop_signature && p.key == "X-Amz-Signature") continue;
    pairs.emplace_back(UriEncode(p.key), UriEncode(p.value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const http::Headers& headers,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    for (std::string_view value : headers.GetAll(name)) {
      if (!first) out.push_back(',');
      first = false;
      AppendNormalizedHeaderValue(value, out);
    }
    out.push_back('\n');
  }
  return out;
}

std::string CanonicalRequest(const http::Request& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool s3, bool presigned) {
  return StrCat(req.method, "\n", CanonicalUri(req.path, s3), "\n",
                CanonicalQuery(req.query, presigned), "\n",
                CanonicalHeaders(req.headers, signed_headers), "\n",
                JoinSignedHeaders(signed_headers), "\n", payload_hash);
}

std::string StringToSign(std::string_view amz_date, const SigV4Scope& scope,
                         std::string_view canonical_request) {
  return StrCat(kSigV4Algorithm, "\n", amz_date, "\n", scope.ScopeString(), "\n",
                crypto::Sha256Hex(canonical_request));
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string key = StrCat("AWS4", secret_access_key);
  std::string k_date = crypto::HmacSha256(key, date);
  std::string k_region = crypto::HmacSha256(k_date, region);
  std::string k_service = crypto::HmacSha256(k_region, service);
  return crypto::HmacSha256(k_service, kSigV4Terminator);
}

std::string ComputeSignature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(crypto::HmacSha256(signing_key, string_to_sign));
}

absl::Status VerifySigV4(const http::Request& req, const SigV4Auth& auth,
                         std::string_view secret_access_key, std::string_view payload_hash,
                         int64_t now_seconds) {
  auto malformed = [&](std::string_view why) {
    return auth.presigned ? QueryError(why) : HeaderMalformed(why);
  };
  std::optional<int64_t> signed_at = ParseAmzDate(auth.amz_date);
  if (!signed_at.has_value()) {
    return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied",
                    auth.presigned ? "X-Amz-Date must be in the ISO8601 Long Format "
                                     "\"yyyyMMdd'T'HHmmss'Z'\""
                                   : "AWS authentication requires a valid Date or x-amz-date "
                                     "header",
                    403);
  }
  if (std::string_view(auth.amz_date).substr(0, 8) != auth.scope.date) {
    return malformed(StrCat("Invalid credential date \"", auth.scope.date,
                            "\". This date is not the same as X-Amz-Date: \"",
                            auth.amz_date.substr(0, 8), "\"."));
  }
  if (auth.presigned) {
    if (auth.expires_seconds < 1 || auth.expires_seconds > kMaxPresignExpiresSeconds) {
      return QueryError(auth.expires_seconds < 1
                            ? "X-Amz-Expires must be at least 1 second"
                            : "X-Amz-Expires must be less than a week (in seconds) that is "
                              "604800");
    }
    if (*signed_at - now_seconds > kMaxClockSkewSeconds) {
      return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied",
                      "Request is not valid yet", 403);
    }
    if (now_seconds > *signed_at + auth.expires_seconds) {
      return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied", "Request has expired",
                      403);
    }
  } else if (*signed_at - now_seconds > kMaxClockSkewSeconds ||
             now_seconds - *signed_at > kMaxClockSkewSeconds) {
    return AwsError(absl::StatusCode::kPermissionDenied, "RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.",
                    403);
  }
  const bool host_signed =
      std::any_of(auth.signed_headers.begin(), auth.signed_headers.end(),
                  [](const std::string& name) { return EqualsIgnoreCase(name, "host"); });
  if (!host_signed) return malformed("the host header must be signed");

  const std::string expected =
      Sign(req, auth.signed_headers, payload_hash, auth.scope.service == "s3", auth.presigned,
           auth.amz_date, auth.scope, secret_access_key);
  if (!crypto::ConstantTimeEquals(expected, auth.signature)) {
    return AwsError(absl::StatusCode::kPermissionDenied, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    403);
  }
  return absl::OkStatus();
}

void SignRequest(http::Request& req, std::string_view body_hash_hex, const SigV4Scope& scope,
                 std::string_view secret_access_key, int64_t now_seconds, bool s3) {
  const std::string amz_date = FormatAmzDate(now_seconds);
  const SigV4Scope dated = ScopeOn(scope, amz_date);
  req.headers.Remove("authorization");
  req.headers.Set("x-amz-date", amz_date);
  if (s3) req.headers.Set("x-amz-content-sha256", body_hash_hex);

  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : req.headers.fields()) {
    std::string lower = ToLower(name);
    if (!IsUnsignedHeader(lower)) signed_headers.push_back(std::move(lower));
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  const std::string signature = Sign(req, signed_headers, body_hash_hex, s3, /*presigned=*/false,
                                     amz_date, dated, secret_access_key);
  req.headers.Set(
      "authorization",
      StrCat(kSigV4Algorithm, " Credential=", dated.access_key_id, "/", dated.ScopeString(),
             ", SignedHeaders=", JoinSignedHeaders(signed_headers), ", Signature=", signature));
}

void PresignRequest(http::Request& req, const SigV4Scope& scope, std::string_view secret_access_key,
                    int64_t now_seconds, int64_t expires_seconds, std::string_view payload_hash,
                    bool s3) {
  const std::string amz_date = FormatAmzDate(now_seconds);
  const SigV4Scope dated = ScopeOn(scope, amz_date);
  const std::vector<std::string> signed_headers = {"host"};
  std::string query = req.query;
  if (!query.empty()) query.push_back('&');
  query += StrCat(
      "X-Amz-Algorithm=", kSigV4Algorithm,
      "&X-Amz-Credential=", UriEncode(StrCat(dated.access_key_id, "/", dated.ScopeString())),
      "&X-Amz-Date=", amz_date, "&X-Amz-Expires=", expires_seconds, "&X-Amz-SignedHeaders=host");
  req.query = std::move(query);
  const std::string signature = Sign(req, signed_headers, payload_hash, s3, /*presigned=*/true,
                                     amz_date, dated, secret_access_key);
  req.query += StrCat("&X-Amz-Signature=", signature);
  req.target = StrCat(req.path, "?", req.query);
}

}  // namespace cleanroom::auth
