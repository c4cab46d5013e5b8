#include "s3/s3_service.h"

#include "common/aws_error.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "protocol/errors.h"
#include "s3/body_verifier.h"
#include "s3/s3_xml.h"

namespace cleanroom::s3 {
namespace {

using protocol::CallContext;

constexpr size_t kMaxXmlBody = 2 * 1024 * 1024;

bool IsIpv4(std::string_view s) {
  auto parts = Split(s, '.');
  if (parts.size() != 4) return false;
  for (auto p : parts) {
    uint64_t v;
    if (!ParseUint64(p, &v) || v > 255) return false;
  }
  return true;
}

absl::StatusOr<S3Service::Target> ParseTarget(const http::Request& req) {
  S3Service::Target t;
  std::string_view path = req.path;
  if (path.empty() || path.front() != '/') {
    return S3Err("InvalidURI", "Couldn't parse the specified URI.", 400);
  }
  path.remove_prefix(1);
  size_t slash = path.find('/');
  std::string_view raw_bucket = path.substr(0, slash);
  std::string_view raw_key = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  auto bucket = UriDecode(raw_bucket);
  auto key = UriDecode(raw_key);
  if (!bucket || !key) return S3Err("InvalidURI", "Couldn't parse the specified URI.", 400);
  t.bucket = std::move(*bucket);
  t.key = std::move(*key);
  if (!req.query.empty()) {
    for (std::string_view pair : Split(req.query, '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      auto k = UriDecode(pair.substr(0, eq), true);
      auto v = UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!k || !v) return S3Err("InvalidURI", "Couldn't parse the specified URI.", 400);
      // Presigned-URL authentication parameters are not part of the operation.
      if (StartsWith(*k, "X-Amz-") || StartsWith(*k, "x-amz-")) continue;
      t.query[*k] = *v;
    }
  }
  if (!IsValidUtf8(t.key)) {
    return S3Err("InvalidURI", "Object keys must be valid UTF-8.", 400);
  }
  if (t.key.size() > 1024) return S3Err("KeyTooLongError", "Your key is too long", 400);
  return t;
}

std::string BucketXml(const Bucket& b) {
  return StrCat("<Bucket>", XmlElement("Name", b.name),
                XmlElement("CreationDate", FormatIso8601Millis(b.created_at)), "</Bucket>");
}

// Keys in listing responses: percent-encoded when the client asked for encoding-type=url.
std::string ListKey(std::string_view key, bool url) {
  return url ? UriEncode(key, true) : std::string(key);
}

// The max-keys parameter: 1000 by default and at most.
absl::StatusOr<int> MaxKeys(const S3Service::Target& t) {
  if (!t.Has("max-keys")) return 1000;
  uint64_t v;
  if (!ParseUint64(t.Get("max-keys"), &v)) {
    return S3Err("InvalidArgument", "Provided max-keys not an integer or within integer range",
                 400);
  }
  return static_cast<int>(std::min<uint64_t>(v, 1000));
}

// The answer to a method or subresource this server does not implement: a 4xx (never a 5xx,
// which clients would retry) that names what was asked for.
absl::Status Unsupported(CallContext& ctx) {
  ctx.operation = "Unsupported";
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
  bool known_method = false;
  for (auto m : kMethods) known_method = known_method || ctx.request.method == m;
  if (!known_method) {
    return S3Err("MethodNotAllowed",
                 StrCat("The specified method ", ctx.request.method,
                        " is not allowed against this resource."),
                 405);
  }
  std::string what = ctx.request.query.empty()
                         ? ctx.request.method
                         : StrCat(ctx.request.method, " ?", ctx.request.query);
  return S3Err("NotImplemented",
               StrCat("This server does not implement the S3 operation requested by ", what), 400,
               absl::StatusCode::kUnimplemented);
}

}  // namespace

std::string BucketNameProblem(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return "Bucket names must be 3 to 63 characters long.";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return "Bucket names may contain only lower-case letters, digits, dots and hyphens.";
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) {
    return "Bucket names must begin and end with a letter or digit.";
  }
  if (name.find("..") != std::string_view::npos)
    return "Bucket names must not contain two adjacent dots.";
  if (name.find(".-") != std::string_view::npos || name.find("-.") != std::string_view::npos) {
    return "Bucket names must not contain a dot next to a hyphen.";
  }
  if (IsIpv4(name)) return "Bucket names must not be formatted as an IP address.";
  if (StartsWith(name, "xn--") || StartsWith(name, "sthree-") ||
      StartsWith(name, "amzn-s3-demo-")) {
    return "Bucket names must not start with a reserved prefix.";
  }
  if (EndsWith(name, "-s3alias") || EndsWith(name, "--ol-s3") || EndsWith(name, ".mrap") ||
      EndsWith(name, "--x-s3")) {
    return "Bucket names must not end with a reserved suffix.";
  }
  return "";
}

http::Response S3Service::Handle(CallContext& ctx) {
  absl::StatusOr<Target> target = ParseTarget(ctx.request);
  absl::StatusOr<http::Response> resp =
      target.ok() ? Dispatch(ctx, *target) : absl::StatusOr<http::Response>(target.status());
  if (!resp.ok()) {
    absl::Status st = resp.status();
    if (target.ok() && !target->bucket.empty() && GetAwsCode(st) &&
        (*GetAwsCode(st) == "NoSuchBucket" || *GetAwsCode(st) == "BucketNotEmpty" ||
         *GetAwsCode(st) == "BucketAlreadyExists" ||
         *GetAwsCode(st) == "BucketAlreadyOwnedByYou")) {
      st = WithAwsField(st, "BucketName", target->bucket);
    }
    if (target.ok() && !target->key.empty() && GetAwsCode(st) && *GetAwsCode(st) == "NoSuchKey") {
      st = WithAwsField(st, "Key", target->key);
    }
    http::Response err = protocol::RenderError(protocol::Protocol::kRestXml, st, ctx.request_id);
    if (ctx.request.method == "HEAD") err.body.clear();
    return err;
  }
  resp->headers.Set("x-amz-request-id", ctx.request_id);
  return std::move(*resp);
}

absl::StatusOr<Bucket> S3Service::OwnedBucket(const CallContext& ctx, const std::string& name) {
  ASSIGN_OR_RETURN(std::optional<Bucket> bucket, metadata_->GetBucket(name));
  if (!bucket) {
    return S3Err("NoSuchBucket", "The specified bucket does not exist", 404,
                 absl::StatusCode::kNotFound);
  }
  if (bucket->account_id != ctx.caller.account_id) {
    return S3Err("AccessDenied", "Access Denied", 403, absl::StatusCode::kPermissionDenied);
  }
  return *bucket;
}

absl::StatusOr<http::Response> S3Service::Dispatch(CallContext& ctx, const Target& t) {
  const std::string& m = ctx.request.method;
  auto op = [&](const char* name) { ctx.operation = name; };
  if (t.bucket.empty()) {
    if (m == "GET") {
      op("ListBuckets");
      return ListBuckets(ctx);
    }
    return Unsupported(ctx);
  }
  if (t.key.empty()) {
    if (m == "PUT") {
      if (t.Has("versioning")) return op("PutBucketVersioning"), PutBucketVersioning(ctx, t);
      if (t.Has("encryption")) return op("PutBucketEncryption"), PutBucketEncryption(ctx, t);
      if (t.query.empty()) return op("CreateBucket"), CreateBucket(ctx, t);
    } else if (m == "GET") {
      if (t.Has("versioning")) return op("GetBucketVersioning"), GetBucketVersioning(ctx, t);
      if (t.Has("encryption")) return op("GetBucketEncryption"), GetBucketEncryption(ctx, t);
      if (t.Has("location")) {
        op("GetBucketLocation");
        ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
        std::string region = b.region == "us-east-1" ? "" : b.region;
        return XmlResponse(StrCat("<LocationConstraint xmlns=\"", kS3Namespace, "\">",
                                  protocol::XmlEscape(region), "</LocationConstraint>"));
      }
      if (t.Has("versions")) return op("ListObjectVersions"), ListObjectVersions(ctx, t);
      if (t.Get("list-type") == "2") return op("ListObjectsV2"), ListObjects(ctx, t, true);
      static constexpr std::string_view kListParams[] = {"prefix", "delimiter", "marker",
                                                         "max-keys", "encoding-type"};
      bool plain_list = true;
      for (const auto& [k, v] : t.query) {
        bool known = false;
        for (auto p : kListParams) known = known || k == p;
        plain_list = plain_list && known;
      }
      if (plain_list) return op("ListObjects"), ListObjects(ctx, t, false);
    } else if (m == "HEAD") {
      op("HeadBucket");
      ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
      http::Response resp;
      resp.headers.Set("x-amz-bucket-region", b.region);
      return resp;
    } else if (m == "DELETE") {
      if (t.Has("encryption")) {
        op("DeleteBucketEncryption");
        RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
        RETURN_IF_ERROR(metadata_->SetEncryption(t.bucket, ""));
        http::Response resp;
        resp.status = 204;
        return resp;
      }
      if (t.query.empty()) return op("DeleteBucket"), DeleteBucket(ctx, t);
    } else if (m == "POST") {
      if (t.Has("delete")) return op("DeleteObjects"), DeleteObjects(ctx, t);
    }
    return Unsupported(ctx);
  }
  if (m == "PUT") {
    if (t.Has("uploadId") && t.Has("partNumber")) {
      if (ctx.request.headers.Has("x-amz-copy-source")) {
        ctx.operation = "UploadPartCopy";
        return S3Err("NotImplemented", "This server does not implement UploadPartCopy", 400,
                     absl::StatusCode::kUnimplemented);
      }
      return op("UploadPart"), UploadPart(ctx, t);
    }
    if (t.query.empty() || (t.query.size() == 1 && t.Has("x-id"))) {
      if (ctx.request.headers.Has("x-amz-copy-source")) return op("CopyObject"), CopyObject(ctx, t);
      return op("PutObject"), PutObject(ctx, t);
    }
  } else if (m == "GET") {
    if (t.Has("uploadId")) return op("ListParts"), ListParts(ctx, t);
    bool plain = true;
    for (const auto& [k, v] : t.query) {
      plain = plain &&
              (k == "versionId" || k == "partNumber" || k == "x-id" || StartsWith(k, "response-"));
    }
    if (plain) return op("GetObject"), GetObject(ctx, t, false);
  } else if (m == "HEAD") {
    return op("HeadObject"), GetObject(ctx, t, true);
  } else if (m == "DELETE") {
    if (t.Has("uploadId")) return op("AbortMultipartUpload"), AbortMultipartUpload(ctx, t);
    bool plain = true;
    for (const auto& [k, v] : t.query) plain = plain && (k == "versionId" || k == "x-id");
    if (plain) return op("DeleteObject"), DeleteObject(ctx, t);
  } else if (m == "POST") {
    if (t.Has("uploads")) return op("CreateMultipartUpload"), CreateMultipartUpload(ctx, t);
    if (t.Has("uploadId")) return op("CompleteMultipartUpload"), CompleteMultipartUpload(ctx, t);
  }
  return Unsupported(ctx);
}

absl::StatusOr<http::Response> S3Service::ListBuckets(CallContext& ctx) {
  ASSIGN_OR_RETURN(std::vector<Bucket> buckets, metadata_->ListBuckets(ctx.caller.account_id));
  std::string body = StrCat("<ListAllMyBucketsResult xmlns=\"", kS3Namespace, "\"><Owner>",
                            XmlElement("ID", ctx.caller.account_id),
                            XmlElement("DisplayName", ctx.caller.account_id), "</Owner><Buckets>");
  for (const auto& b : buckets) body += BucketXml(b);
  body += "</Buckets></ListAllMyBucketsResult>";
  return XmlResponse(std::move(body));
}

absl::StatusOr<http::Response> S3Service::CreateBucket(CallContext& ctx, const Target& t) {
  std::string problem = BucketNameProblem(t.bucket);
  if (!problem.empty()) return S3Err("InvalidBucketName", problem, 400);
  std::string region = "us-east-1";
  ASSIGN_OR_RETURN(auto verifier, BodyVerifier::Create(ctx));
  ASSIGN_OR_RETURN(std::string body, http::ReadAll(*verifier, kMaxXmlBody));
  if (!Trim(body).empty()) {
    http::StringReader reader(body);
    ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXmlBody(reader, kMaxXmlBody));
    std::string constraint = ChildText(doc.document_element(), "LocationConstraint");
    if (!constraint.empty()) region = constraint;
  }
  if (region.size() > 32 ||
      region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return S3Err("InvalidLocationConstraint", "The specified location-constraint is not valid",
                 400);
  }
  Bucket b{t.bucket, ctx.caller.account_id, region, SystemClock().NowMicros(), "", ""};
  absl::Status st = metadata_->CreateBucket(b);
  if (st.code() == absl::StatusCode::kAlreadyExists) {
    ASSIGN_OR_RETURN(std::optional<Bucket> existing, metadata_->GetBucket(t.bucket));
    if (existing && existing->account_id == ctx.caller.account_id) {
      return S3Err("BucketAlreadyOwnedByYou",
                   "Your previous request to create the named bucket succeeded and you already "
                   "own it.",
                   409, absl::StatusCode::kAlreadyExists);
    }
    return S3Err("BucketAlreadyExists",
                 "The requested bucket name is not available. The bucket namespace is shared by "
                 "all users of the system. Please select a different name and try again.",
                 409, absl::StatusCode::kAlreadyExists);
  }
  RETURN_IF_ERROR(st);
  http::Response resp;
  resp.headers.Set("location", StrCat("/", t.bucket));
  return resp;
}

absl::StatusOr<http::Response> S3Service::DeleteBucket(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  absl::StatusOr<std::vector<std::string>> freed = metadata_->DeleteBucket(t.bucket);
  if (freed.status().code() == absl::StatusCode::kFailedPrecondition) {
    return S3Err("BucketNotEmpty", "The bucket you tried to delete is not empty", 409,
                 absl::StatusCode::kFailedPrecondition);
  }
  if (freed.status().code() == absl::StatusCode::kNotFound) {
    return S3Err("NoSuchBucket", "The specified bucket does not exist", 404,
                 absl::StatusCode::kNotFound);
  }
  RETURN_IF_ERROR(freed.status());
  FreeBlobs(*freed);
  http::Response resp;
  resp.status = 204;
  return resp;
}

absl::StatusOr<http::Response> S3Service::PutBucketVersioning(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
  ASSIGN_OR_RETURN(auto verifier, BodyVerifier::Create(ctx));
  ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXmlBody(*verifier, kMaxXmlBody));
  std::string status = ChildText(doc.document_element(), "Status");
  if (std::string_view(doc.document_element().name()).find("VersioningConfiguration") ==
          std::string_view::npos ||
      (status != "Enabled" && status != "Suspended")) {
    return MalformedXml();
  }
  if (!ChildText(doc.document_element(), "MfaDelete").empty() &&
      ChildText(doc.document_element(), "MfaDelete") == "Enabled") {
    return S3Err("NotImplemented", "This server does not implement MFA Delete", 400,
                 absl::StatusCode::kUnimplemented);
  }
  // A bucket that never had versioning and is suspended stays unversioned in behaviour except
  // for reporting; S3 records the state as given.
  RETURN_IF_ERROR(metadata_->SetVersioning(b.name, status));
  return http::Response();
}

absl::StatusOr<http::Response> S3Service::GetBucketVersioning(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
  std::string body = StrCat("<VersioningConfiguration xmlns=\"", kS3Namespace, "\">");
  if (!b.versioning.empty()) body += XmlElement("Status", b.versioning);
  body += "</VersioningConfiguration>";
  return XmlResponse(std::move(body));
}

absl::StatusOr<http::Response> S3Service::PutBucketEncryption(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
  ASSIGN_OR_RETURN(auto verifier, BodyVerifier::Create(ctx));
  ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXmlBody(*verifier, kMaxXmlBody));
  pugi::xml_node root = doc.document_element();
  std::string algorithm;
  int rules = 0;
  for (pugi::xml_node rule : root.children()) {
    std::string_view name = rule.name();
    if (name.find("Rule") == std::string_view::npos) continue;
    ++rules;
    for (pugi::xml_node by_default : rule.children()) {
      if (std::string_view(by_default.name()).find("ApplyServerSideEncryptionByDefault") !=
          std::string_view::npos) {
        algorithm = ChildText(by_default, "SSEAlgorithm");
      }
    }
  }
  if (std::string_view(root.name()).find("ServerSideEncryptionConfiguration") ==
          std::string_view::npos ||
      rules != 1 || algorithm.empty()) {
    return MalformedXml();
  }
  if (algorithm != "AES256") {
    return S3Err("InvalidArgument",
                 StrCat("Server-side encryption algorithm '", algorithm,
                        "' is not supported; this server implements SSE-S3 (AES256)"),
                 400);
  }
  RETURN_IF_ERROR(metadata_->SetEncryption(b.name, algorithm));
  return http::Response();
}

absl::StatusOr<http::Response> S3Service::GetBucketEncryption(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket b, OwnedBucket(ctx, t.bucket));
  if (b.sse_algorithm.empty()) {
    return S3Err("ServerSideEncryptionConfigurationNotFoundError",
                 "The server side encryption configuration was not found", 404,
                 absl::StatusCode::kNotFound);
  }
  return XmlResponse(StrCat("<ServerSideEncryptionConfiguration xmlns=\"", kS3Namespace,
                            "\"><Rule><ApplyServerSideEncryptionByDefault>",
                            XmlElement("SSEAlgorithm", b.sse_algorithm),
                            "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</"
                            "BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"));
}

absl::StatusOr<http::Response> S3Service::ListObjects(CallContext& ctx, const Target& t, bool v2) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  const bool url = t.Get("encoding-type") == "url";
  if (t.Has("encoding-type") && !url) {
    return S3Err("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
  }
  ASSIGN_OR_RETURN(int max_keys, MaxKeys(t));
  std::string prefix = t.Get("prefix");
  std::string delimiter = t.Get("delimiter");
  std::string after;
  std::string token = t.Get("continuation-token");
  if (v2) {
    if (t.Has("continuation-token")) {
      auto decoded = Base64Decode(token);
      if (!decoded || !IsValidUtf8(*decoded)) {
        return S3Err("InvalidArgument", "The continuation token provided is incorrect", 400);
      }
      after = *decoded;
    } else {
      after = t.Get("start-after");
    }
  } else {
    after = t.Get("marker");
  }
  ASSIGN_OR_RETURN(ListPage page,
                   metadata_->ListObjects(t.bucket, prefix, delimiter, after, max_keys));
  std::string body =
      StrCat("<ListBucketResult xmlns=\"", kS3Namespace, "\">", XmlElement("Name", t.bucket),
             XmlElement("Prefix", ListKey(prefix, url)));
  if (!delimiter.empty()) body += XmlElement("Delimiter", ListKey(delimiter, url));
  body += XmlElement("MaxKeys", std::to_string(max_keys));
  if (url) body += XmlElement("EncodingType", "url");
  body += XmlElement("IsTruncated", page.truncated ? "true" : "false");
  if (v2) {
    body +=
        XmlElement("KeyCount", std::to_string(page.objects.size() + page.common_prefixes.size()));
    if (t.Has("continuation-token")) body += XmlElement("ContinuationToken", token);
    if (t.Has("start-after")) body += XmlElement("StartAfter", ListKey(t.Get("start-after"), url));
    if (page.truncated) body += XmlElement("NextContinuationToken", Base64Encode(page.next_marker));
  } else {
    body += XmlElement("Marker", ListKey(after, url));
    if (page.truncated && !delimiter.empty())
      body += XmlElement("NextMarker", ListKey(page.next_marker, url));
  }
  for (const auto& o : page.objects) {
    body += StrCat("<Contents>", XmlElement("Key", ListKey(o.key, url)),
                   XmlElement("LastModified", FormatIso8601Millis(o.last_modified)),
                   XmlElement("ETag", StrCat("\"", o.etag, "\"")),
                   XmlElement("Size", std::to_string(o.size)));
    if (!v2 || t.Get("fetch-owner") == "true") {
      body += StrCat("<Owner>", XmlElement("ID", ctx.caller.account_id),
                     XmlElement("DisplayName", ctx.caller.account_id), "</Owner>");
    }
    body += "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  for (const auto& p : page.common_prefixes) {
    body += StrCat("<CommonPrefixes>", XmlElement("Prefix", ListKey(p, url)), "</CommonPrefixes>");
  }
  body += "</ListBucketResult>";
  return XmlResponse(std::move(body));
}

absl::StatusOr<http::Response> S3Service::ListObjectVersions(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  const bool url = t.Get("encoding-type") == "url";
  ASSIGN_OR_RETURN(int max_keys, MaxKeys(t));
  std::string prefix = t.Get("prefix");
  std::string delimiter = t.Get("delimiter");
  ASSIGN_OR_RETURN(VersionPage page,
                   metadata_->ListVersions(t.bucket, prefix, delimiter, t.Get("key-marker"),
                                           t.Get("version-id-marker"), max_keys));
  std::string body =
      StrCat("<ListVersionsResult xmlns=\"", kS3Namespace, "\">", XmlElement("Name", t.bucket),
             XmlElement("Prefix", ListKey(prefix, url)),
             XmlElement("KeyMarker", ListKey(t.Get("key-marker"), url)),
             XmlElement("VersionIdMarker", t.Get("version-id-marker")),
             XmlElement("MaxKeys", std::to_string(max_keys)));
  if (!delimiter.empty()) body += XmlElement("Delimiter", ListKey(delimiter, url));
  if (url) body += XmlElement("EncodingType", "url");
  body += XmlElement("IsTruncated", page.truncated ? "true" : "false");
  if (page.truncated) {
    body += XmlElement("NextKeyMarker", ListKey(page.next_key_marker, url));
    if (!page.next_version_id_marker.empty()) {
      body += XmlElement("NextVersionIdMarker", page.next_version_id_marker);
    }
  }
  std::string owner = StrCat("<Owner>", XmlElement("ID", ctx.caller.account_id),
                             XmlElement("DisplayName", ctx.caller.account_id), "</Owner>");
  for (const auto& v : page.versions) {
    std::string common =
        StrCat(XmlElement("Key", ListKey(v.key, url)), XmlElement("VersionId", v.version_id),
               XmlElement("IsLatest", v.is_latest ? "true" : "false"),
               XmlElement("LastModified", FormatIso8601Millis(v.last_modified)));
    if (v.is_delete_marker) {
      body += StrCat("<DeleteMarker>", common, owner, "</DeleteMarker>");
    } else {
      body += StrCat("<Version>", common, XmlElement("ETag", StrCat("\"", v.etag, "\"")),
                     XmlElement("Size", std::to_string(v.size)),
                     "<StorageClass>STANDARD</StorageClass>", owner, "</Version>");
    }
  }
  for (const auto& p : page.common_prefixes) {
    body += StrCat("<CommonPrefixes>", XmlElement("Prefix", ListKey(p, url)), "</CommonPrefixes>");
  }
  body += "</ListVersionsResult>";
  return XmlResponse(std::move(body));
}

absl::StatusOr<http::Response> S3Service::DeleteObjects(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  ASSIGN_OR_RETURN(auto verifier, BodyVerifier::Create(ctx));
  ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXmlBody(*verifier, kMaxXmlBody));
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()).find("Delete") == std::string_view::npos) {
    return MalformedXml();
  }
  bool quiet = ChildText(root, "Quiet") == "true";
  std::vector<std::pair<std::string, std::string>> targets;
  for (pugi::xml_node obj : root.children()) {
    std::string_view name = obj.name();
    if (name != "Object" && !EndsWith(name, ":Object")) continue;
    pugi::xml_node key_node;
    bool has_key = false;
    for (pugi::xml_node c : obj.children()) {
      std::string_view cn = c.name();
      if (cn == "Key" || EndsWith(cn, ":Key")) has_key = true;
    }
    (void)key_node;
    if (!has_key) {
      return S3Err("MalformedXML", "Each Object in a Delete request needs a Key", 400);
    }
    targets.emplace_back(ChildText(obj, "Key"), ChildText(obj, "VersionId"));
  }
  if (targets.empty() || targets.size() > 1000) {
    return S3Err("MalformedXML", "A Delete request must name between 1 and 1000 objects", 400);
  }
  std::string body = StrCat("<DeleteResult xmlns=\"", kS3Namespace, "\">");
  for (const auto& [key, version] : targets) {
    absl::StatusOr<DeleteResult> r = metadata_->DeleteObject(t.bucket, key, version);
    if (!r.ok()) {
      body += StrCat("<Error>", XmlElement("Key", key), XmlElement("Code", "InternalError"),
                     XmlElement("Message", std::string(r.status().message())), "</Error>");
      continue;
    }
    FreeBlobs(r->freed_blobs);
    if (quiet) continue;
    body += StrCat("<Deleted>", XmlElement("Key", key));
    if (!version.empty()) body += XmlElement("VersionId", version);
    if (r->delete_marker) {
      body += XmlElement("DeleteMarker", "true");
      if (version.empty()) body += XmlElement("DeleteMarkerVersionId", r->version_id);
    }
    body += "</Deleted>";
  }
  body += "</DeleteResult>";
  return XmlResponse(std::move(body));
}

void S3Service::FreeBlobs(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    absl::Status st = blobs_->Delete(id);
    if (!st.ok()) {
      Log(LogLevel::kWarning, "could not delete an unreferenced blob",
          {{"blob", id}, {"error", st.ToString()}});
    }
  }
}

}  // namespace cleanroom::s3
