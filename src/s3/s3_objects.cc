// Object-level S3 operations: put, copy, get/head (ranges, conditions), delete and multipart.
#include <memory>

#include "common/aws_error.h"
#include "common/buffer_pool.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/random.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "crypto/hash.h"
#include "crypto/hash_lanes.h"
#include "protocol/errors.h"
#include "s3/body_verifier.h"
#include "s3/s3_service.h"
#include "s3/s3_xml.h"

namespace cleanroom::s3 {
namespace {

using protocol::CallContext;

constexpr uint64_t kMinPartSize = 5 * 1024 * 1024;
// Size of the pieces a request body is received, hashed and written in (MiBBufferPool's).
constexpr size_t kBodyBufferSize = 1024 * 1024;
constexpr int kMaxParts = 10000;
constexpr size_t kMaxUserMetadataBytes = 2048;

absl::StatusOr<std::map<std::string, std::string>> UserMetadata(const http::Request& req) {
  std::map<std::string, std::string> out;
  size_t total = 0;
  for (const auto& [name, value] : req.headers.fields()) {
    if (!StartsWith(name, "x-amz-meta-")) continue;
    std::string key = name.substr(11);
    total += key.size() + value.size();
    out[key] = value;
  }
  if (total > kMaxUserMetadataBytes) {
    return S3Err("MetadataTooLarge",
                 "Your metadata headers exceed the maximum allowed metadata size.", 400);
  }
  return out;
}

// Whether a new object in `bucket` is encrypted: the bucket default or the request header.
absl::StatusOr<bool> WantsEncryption(const http::Request& req, const Bucket& bucket) {
  if (auto sse = req.headers.Get("x-amz-server-side-encryption")) {
    if (*sse != "AES256") {
      return S3Err("InvalidArgument",
                   StrCat("Server-side encryption '", *sse, "' is not supported; use AES256"), 400);
    }
    return true;
  }
  if (req.headers.Has("x-amz-server-side-encryption-customer-algorithm")) {
    return S3Err("NotImplemented", "This server does not implement SSE-C", 400,
                 absl::StatusCode::kUnimplemented);
  }
  return bucket.sse_algorithm == "AES256";
}

void AddObjectHeaders(http::Response& resp, const ObjectVersion& v, const Bucket& bucket) {
  resp.headers.Set("etag", StrCat("\"", v.etag, "\""));
  resp.headers.Set("last-modified", FormatHttpDate(v.last_modified));
  resp.headers.Set("content-type", v.content_type.value_or("binary/octet-stream"));
  resp.headers.Set("accept-ranges", "bytes");
  for (const auto& [k, val] : v.metadata) resp.headers.Add(StrCat("x-amz-meta-", k), val);
  if (!v.sse.empty()) resp.headers.Set("x-amz-server-side-encryption", v.sse);
  if (!bucket.versioning.empty()) resp.headers.Set("x-amz-version-id", v.version_id);
}

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool partial = false;
};

// Parses a Range header against an object of `size` bytes. Unsupported forms (several ranges,
// other units) are ignored and the whole object is served, as S3 does.
absl::StatusOr<ByteRange> ParseRange(std::string_view header, uint64_t size) {
  ByteRange whole{0, size, false};
  header = Trim(header);
  if (!StartsWith(header, "bytes=") || header.find(',') != std::string_view::npos) return whole;
  std::string_view spec = header.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first = Trim(spec.substr(0, dash));
  std::string_view last = Trim(spec.substr(dash + 1));
  uint64_t a = 0, b = 0;
  auto unsatisfiable = [&] {
    return WithAwsField(S3Err("InvalidRange", "The requested range is not satisfiable", 416,
                              absl::StatusCode::kOutOfRange),
                        "ActualObjectSize", std::to_string(size));
  };
  if (first.empty()) {  // suffix: last N bytes
    if (!ParseUint64(last, &b)) return whole;
    if (b == 0) return unsatisfiable();
    uint64_t n = std::min(b, size);
    return ByteRange{size - n, n, true};
  }
  if (!ParseUint64(first, &a)) return whole;
  if (last.empty()) {
    b = size == 0 ? 0 : size - 1;
  } else if (!ParseUint64(last, &b) || b < a) {
    return whole;
  }
  if (a >= size) return unsatisfiable();
  b = std::min(b, size - 1);
  return ByteRange{a, b - a + 1, true};
}

// Evaluates If-Match / If-None-Match / If-(Un)Modified-Since. Returns the status to answer
// with (412 or 304) or 0 to proceed.
int CheckConditions(const http::Request& req, const ObjectVersion& v) {
  std::string quoted = StrCat("\"", v.etag, "\"");
  auto matches = [&](std::string_view list) {
    for (std::string_view tag : Split(list, ',')) {
      tag = Trim(tag);
      if (tag == "*" || tag == quoted || tag == v.etag) return true;
    }
    return false;
  };
  int64_t modified = v.last_modified / 1000000;
  if (auto im = req.headers.Get("if-match")) {
    if (!matches(*im)) return 412;
  } else if (auto ius = req.headers.Get("if-unmodified-since")) {
    if (auto t = ParseHttpDate(*ius); t && modified > *t) return 412;
  }
  if (auto inm = req.headers.Get("if-none-match")) {
    if (matches(*inm)) return 304;
  } else if (auto ims = req.headers.Get("if-modified-since")) {
    if (auto t = ParseHttpDate(*ims); t && modified <= *t) return 304;
  }
  return 0;
}

absl::StatusOr<int> ParsePartNumber(const std::string& text) {
  uint64_t n;
  if (!ParseUint64(text, &n) || n < 1 || n > kMaxParts) {
    return S3Err("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive",
                 400);
  }
  return static_cast<int>(n);
}

std::string NewUploadId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  std::string id;
  for (int i = 0; i < 48; ++i) id.push_back(kAlphabet[SystemRandom().Uniform(64)]);
  return id;
}

absl::Status NoSuchUpload() {
  return S3Err("NoSuchUpload",
               "The specified upload does not exist. The upload ID may be invalid, or the upload "
               "may have been aborted or completed.",
               404, absl::StatusCode::kNotFound);
}

}  // namespace

absl::StatusOr<S3Service::StoredBody> S3Service::StoreBody(CallContext& ctx, bool encrypt) {
  // Body bytes pass through one buffer: the verifier receives and hashes a piece into it, then
  // the writer writes (or encrypts) it from there. Where the CPU allows, the MD5 (and the
  // SHA-256 a signed payload needs) are computed by the shared multi-lane engine
  // (crypto::HashLanes), together with other concurrent bodies'; otherwise a body of several
  // pieces has its MD5 computed on a helper thread. Either way the body then alternates between
  // two buffers, so that hashing piece i overlaps with writing piece i and receiving piece
  // i + 1. The buffers outlive the verifier, whose hashing may still be reading one of them.
  BufferPool::Buffer buffers[2];
  ASSIGN_OR_RETURN(std::unique_ptr<BodyVerifier> verifier,
                   BodyVerifier::Create(ctx, {.background_md5_min_length = 2 * kBodyBufferSize,
                                              .hash_lanes = crypto::HashLanes::Shared(),
                                              .deferred_check = true}));
  const bool pipelined = verifier->md5_in_background();
  // The verifier computes the MD5 (the ETag) anyway; the writer need not hash again.
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer,
                   blobs_->NewWriter(encrypt, /*compute_md5=*/false));
  for (auto& buf : buffers) {
    buf = MiBBufferPool().Get();
    if (!pipelined) break;
  }
  for (size_t i = 0;; i = pipelined ? 1 - i : 0) {
    char* buf = buffers[i].get();
    absl::StatusOr<size_t> n = verifier->Read(buf, kBodyBufferSize);
    if (!n.ok()) {
      writer->Abort();
      absl::Status st = n.status();
      if (!GetAwsCode(st)) {
        if (st.code() == absl::StatusCode::kDeadlineExceeded) {
          st = S3Err("RequestTimeout",
                     "Your socket connection to the server was not read from or written to within "
                     "the timeout period.",
                     400, absl::StatusCode::kDeadlineExceeded);
        } else if (st.code() == absl::StatusCode::kOutOfRange) {
          st =
              S3Err("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
        } else {
          st = S3Err("IncompleteBody", StrCat("The request body could not be read: ", st.message()),
                     400);
        }
      }
      return st;
    }
    if (*n == 0) break;
    RETURN_IF_ERROR(writer->Append(std::string_view(buf, *n)));
  }
  // The blob is made durable while the last digests finish on the hashing thread; it becomes
  // an object only through the metadata commit that follows a successful check, and is
  // removed if the check fails.
  ASSIGN_OR_RETURN(BlobInfo info, writer->Commit());
  if (absl::Status checked = verifier->Check(); !checked.ok()) {
    (void)blobs_->Delete(info.id);
    return checked;
  }
  info.md5 = verifier->md5();
  return StoredBody{std::move(info), verifier->checksums()};
}

absl::StatusOr<http::Response> S3Service::PutObject(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket bucket, OwnedBucket(ctx, t.bucket));
  ASSIGN_OR_RETURN(auto metadata, UserMetadata(ctx.request));
  ASSIGN_OR_RETURN(bool encrypt, WantsEncryption(ctx.request, bucket));
  ASSIGN_OR_RETURN(StoredBody body, StoreBody(ctx, encrypt));
  ObjectVersion v;
  v.bucket = t.bucket;
  v.key = t.key;
  v.size = body.blob.size;
  v.etag = HexEncode(body.blob.md5);
  v.last_modified = SystemClock().NowMicros();
  if (auto ct = ctx.request.headers.Get("content-type")) v.content_type = std::string(*ct);
  v.metadata = std::move(metadata);
  v.checksums = body.checksums;
  v.sse = encrypt ? "AES256" : "";
  v.parts = {BlobRef{body.blob.id, body.blob.size}};
  absl::StatusOr<WriteResult> written = metadata_->PutObject(std::move(v));
  if (!written.ok()) {
    (void)blobs_->Delete(body.blob.id);
    if (written.status().code() == absl::StatusCode::kNotFound) {
      return S3Err("NoSuchBucket", "The specified bucket does not exist", 404,
                   absl::StatusCode::kNotFound);
    }
    return written.status();
  }
  FreeBlobs(written->freed_blobs);
  http::Response resp;
  resp.headers.Set("etag", StrCat("\"", written->version.etag, "\""));
  if (encrypt) resp.headers.Set("x-amz-server-side-encryption", "AES256");
  if (!bucket.versioning.empty()) resp.headers.Set("x-amz-version-id", written->version.version_id);
  for (const auto& [name, value] : written->version.checksums) {
    resp.headers.Set(StrCat("x-amz-checksum-", ToLower(name)), value);
  }
  return resp;
}

absl::StatusOr<http::Response> S3Service::CopyObject(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket bucket, OwnedBucket(ctx, t.bucket));
  std::string_view source = *ctx.request.headers.Get("x-amz-copy-source");
  std::string_view source_version;
  if (size_t q = source.find("?versionId="); q != std::string_view::npos) {
    source_version = source.substr(q + 11);
    source = source.substr(0, q);
  }
  auto decoded = UriDecode(source);
  if (!decoded) return S3Err("InvalidArgument", "Invalid copy source encoding", 400);
  std::string_view src = *decoded;
  if (StartsWith(src, "/")) src.remove_prefix(1);
  size_t slash = src.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == src.size()) {
    return S3Err("InvalidArgument",
                 "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
  }
  std::string src_bucket(src.substr(0, slash));
  std::string src_key(src.substr(slash + 1));
  ASSIGN_OR_RETURN(Bucket source_bucket, OwnedBucket(ctx, src_bucket));
  ASSIGN_OR_RETURN(std::optional<ObjectVersion> from,
                   metadata_->GetObject(src_bucket, src_key, std::string(source_version)));
  if (!from || from->is_delete_marker) {
    return S3Err("NoSuchKey", "The specified key does not exist.", 404,
                 absl::StatusCode::kNotFound);
  }
  std::string directive(ctx.request.headers.Get("x-amz-metadata-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return S3Err("InvalidArgument", "Unknown metadata directive.", 400);
  }
  if (src_bucket == t.bucket && src_key == t.key && directive == "COPY" && source_version.empty() &&
      !ctx.request.headers.Has("x-amz-server-side-encryption")) {
    return S3Err("InvalidRequest",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.",
                 400);
  }
  ASSIGN_OR_RETURN(bool encrypt, WantsEncryption(ctx.request, bucket));
  (void)source_bucket;
  ASSIGN_OR_RETURN(std::unique_ptr<http::BodyReader> reader,
                   blobs_->OpenConcatReader(from->parts, 0, from->size));
  ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_->NewWriter(encrypt));
  BufferPool::Buffer buf = MiBBufferPool().Get();
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(buf.get(), kBodyBufferSize));
    if (n == 0) break;
    RETURN_IF_ERROR(writer->Append(std::string_view(buf.get(), n)));
  }
  ASSIGN_OR_RETURN(BlobInfo info, writer->Commit());
  ObjectVersion v;
  v.bucket = t.bucket;
  v.key = t.key;
  v.size = info.size;
  v.etag = HexEncode(info.md5);
  v.last_modified = SystemClock().NowMicros();
  if (directive == "COPY") {
    v.content_type = from->content_type;
    v.metadata = from->metadata;
  } else {
    if (auto ct = ctx.request.headers.Get("content-type")) v.content_type = std::string(*ct);
    ASSIGN_OR_RETURN(v.metadata, UserMetadata(ctx.request));
  }
  if (from->parts.size() == 1) v.checksums = from->checksums;
  v.sse = encrypt ? "AES256" : "";
  v.parts = {BlobRef{info.id, info.size}};
  absl::StatusOr<WriteResult> written = metadata_->PutObject(std::move(v));
  if (!written.ok()) {
    (void)blobs_->Delete(info.id);
    return written.status();
  }
  FreeBlobs(written->freed_blobs);
  http::Response resp = XmlResponse(
      StrCat("<CopyObjectResult xmlns=\"", kS3Namespace, "\">",
             XmlElement("LastModified", FormatIso8601Millis(written->version.last_modified)),
             XmlElement("ETag", StrCat("\"", written->version.etag, "\"")), "</CopyObjectResult>"));
  if (encrypt) resp.headers.Set("x-amz-server-side-encryption", "AES256");
  if (!bucket.versioning.empty()) resp.headers.Set("x-amz-version-id", written->version.version_id);
  if (!source_version.empty())
    resp.headers.Set("x-amz-copy-source-version-id", std::string(source_version));
  return resp;
}

absl::StatusOr<http::Response> S3Service::GetObject(CallContext& ctx, const Target& t, bool head) {
  ASSIGN_OR_RETURN(Bucket bucket, OwnedBucket(ctx, t.bucket));
  std::string version_id = t.Get("versionId");
  ASSIGN_OR_RETURN(std::optional<ObjectVersion> v,
                   metadata_->GetObject(t.bucket, t.key, version_id));
  if (!v) {
    if (!version_id.empty()) {
      return S3Err("NoSuchVersion", "The specified version does not exist.", 404,
                   absl::StatusCode::kNotFound);
    }
    return S3Err("NoSuchKey", "The specified key does not exist.", 404,
                 absl::StatusCode::kNotFound);
  }
  if (v->is_delete_marker) {
    http::Response resp = protocol::RenderError(
        protocol::Protocol::kRestXml,
        version_id.empty()
            ? WithAwsField(S3Err("NoSuchKey", "The specified key does not exist.", 404,
                                 absl::StatusCode::kNotFound),
                           "Key", t.key)
            : S3Err("MethodNotAllowed",
                    "The specified method is not allowed against this resource.", 405),
        ctx.request_id);
    resp.headers.Set("x-amz-delete-marker", "true");
    resp.headers.Set("x-amz-version-id", v->version_id);
    if (head) resp.body.clear();
    return resp;
  }
  int condition = CheckConditions(ctx.request, *v);
  if (condition == 412) {
    return S3Err("PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold", 412,
                 absl::StatusCode::kFailedPrecondition);
  }
  http::Response resp;
  AddObjectHeaders(resp, *v, bucket);
  if (condition == 304) {
    resp.status = 304;
    return resp;
  }
  ByteRange range{0, v->size, false};
  if (auto r = ctx.request.headers.Get("range")) {
    ASSIGN_OR_RETURN(range, ParseRange(*r, v->size));
  }
  if (auto mode = ctx.request.headers.Get("x-amz-checksum-mode");
      mode && EqualsIgnoreCase(*mode, "ENABLED") && !range.partial) {
    for (const auto& [name, value] : v->checksums) {
      resp.headers.Set(StrCat("x-amz-checksum-", ToLower(name)), value);
    }
  }
  if (range.partial) {
    resp.status = 206;
    resp.headers.Set("content-range", StrCat("bytes ", range.offset, "-",
                                             range.offset + range.length - 1, "/", v->size));
  }
  if (head) {
    resp.headers.Set("content-length", std::to_string(range.length));
    return resp;
  }
  ASSIGN_OR_RETURN(resp.stream, blobs_->OpenConcatReader(v->parts, range.offset, range.length));
  resp.stream_length = range.length;
  return resp;
}

absl::StatusOr<http::Response> S3Service::DeleteObject(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  ASSIGN_OR_RETURN(DeleteResult r, metadata_->DeleteObject(t.bucket, t.key, t.Get("versionId")));
  FreeBlobs(r.freed_blobs);
  http::Response resp;
  resp.status = 204;
  if (r.delete_marker) resp.headers.Set("x-amz-delete-marker", "true");
  if (!r.version_id.empty()) resp.headers.Set("x-amz-version-id", r.version_id);
  return resp;
}

absl::StatusOr<http::Response> S3Service::CreateMultipartUpload(CallContext& ctx, const Target& t) {
  ASSIGN_OR_RETURN(Bucket bucket, OwnedBucket(ctx, t.bucket));
  ASSIGN_OR_RETURN(bool encrypt, WantsEncryption(ctx.request, bucket));
  MultipartUpload u;
  u.upload_id = NewUploadId();
  u.bucket = t.bucket;
  u.key = t.key;
  u.initiated = SystemClock().NowMicros();
  u.account_id = ctx.caller.account_id;
  if (auto ct = ctx.request.headers.Get("content-type")) u.content_type = std::string(*ct);
  ASSIGN_OR_RETURN(u.metadata, UserMetadata(ctx.request));
  u.sse = encrypt ? "AES256" : "";
  u.checksum_algorithm =
      std::string(ctx.request.headers.Get("x-amz-checksum-algorithm").value_or(""));
  RETURN_IF_ERROR(metadata_->CreateUpload(u));
  http::Response resp =
      XmlResponse(StrCat("<InitiateMultipartUploadResult xmlns=\"", kS3Namespace, "\">",
                         XmlElement("Bucket", t.bucket), XmlElement("Key", t.key),
                         XmlElement("UploadId", u.upload_id), "</InitiateMultipartUploadResult>"));
  if (encrypt) resp.headers.Set("x-amz-server-side-encryption", "AES256");
  if (!u.checksum_algorithm.empty())
    resp.headers.Set("x-amz-checksum-algorithm", u.checksum_algorithm);
  return resp;
}

absl::StatusOr<http::Response> S3Service::UploadPart(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  ASSIGN_OR_RETURN(int part_number, ParsePartNumber(t.Get("partNumber")));
  ASSIGN_OR_RETURN(std::optional<MultipartUpload> upload, metadata_->GetUpload(t.Get("uploadId")));
  if (!upload || upload->bucket != t.bucket || upload->key != t.key) return NoSuchUpload();
  ASSIGN_OR_RETURN(StoredBody body, StoreBody(ctx, upload->sse == "AES256"));
  s3::UploadPart part;
  part.part_number = part_number;
  part.blob_id = body.blob.id;
  part.size = body.blob.size;
  part.etag = HexEncode(body.blob.md5);
  part.last_modified = SystemClock().NowMicros();
  if (!body.checksums.empty()) part.checksum = body.checksums.begin()->second;
  absl::StatusOr<std::vector<std::string>> freed = metadata_->PutPart(upload->upload_id, part);
  if (!freed.ok()) {
    (void)blobs_->Delete(body.blob.id);
    if (freed.status().code() == absl::StatusCode::kNotFound) return NoSuchUpload();
    return freed.status();
  }
  FreeBlobs(*freed);
  http::Response resp;
  resp.headers.Set("etag", StrCat("\"", part.etag, "\""));
  if (!upload->sse.empty()) resp.headers.Set("x-amz-server-side-encryption", upload->sse);
  for (const auto& [name, value] : body.checksums) {
    resp.headers.Set(StrCat("x-amz-checksum-", ToLower(name)), value);
  }
  return resp;
}

absl::StatusOr<http::Response> S3Service::CompleteMultipartUpload(CallContext& ctx,
                                                                  const Target& t) {
  ASSIGN_OR_RETURN(Bucket bucket, OwnedBucket(ctx, t.bucket));
  ASSIGN_OR_RETURN(std::optional<MultipartUpload> upload, metadata_->GetUpload(t.Get("uploadId")));
  if (!upload || upload->bucket != t.bucket || upload->key != t.key) return NoSuchUpload();
  ASSIGN_OR_RETURN(auto verifier, BodyVerifier::Create(ctx));
  ASSIGN_OR_RETURN(pugi::xml_document doc, ParseXmlBody(*verifier, 4 * 1024 * 1024));
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()).find("CompleteMultipartUpload") == std::string_view::npos) {
    return MalformedXml();
  }
  std::vector<std::pair<int, std::string>> requested;
  for (pugi::xml_node part : root.children()) {
    std::string_view name = part.name();
    if (name != "Part" && !EndsWith(name, ":Part")) continue;
    uint64_t n;
    if (!ParseUint64(ChildText(part, "PartNumber"), &n) || n < 1 || n > kMaxParts) {
      return S3Err("MalformedXML", "Each Part needs a PartNumber between 1 and 10000", 400);
    }
    std::string etag = ChildText(part, "ETag");
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
      etag = etag.substr(1, etag.size() - 2);
    requested.emplace_back(static_cast<int>(n), etag);
  }
  if (requested.empty()) {
    return S3Err("MalformedXML", "You must specify at least one part", 400);
  }
  ASSIGN_OR_RETURN(std::vector<s3::UploadPart> stored, metadata_->ListParts(upload->upload_id));
  std::map<int, const s3::UploadPart*> by_number;
  for (const auto& p : stored) by_number[p.part_number] = &p;
  ObjectVersion v;
  std::string md5s;
  int previous = 0;
  for (size_t i = 0; i < requested.size(); ++i) {
    const auto& [number, etag] = requested[i];
    if (number <= previous) {
      return S3Err(
          "InvalidPartOrder",
          "The list of parts was not in ascending order. Parts must be ordered by part number.",
          400);
    }
    previous = number;
    auto it = by_number.find(number);
    if (it == by_number.end() || it->second->etag != etag) {
      return S3Err("InvalidPart",
                   "One or more of the specified parts could not be found. The part may not have "
                   "been uploaded, or the specified entity tag may not match the part's entity "
                   "tag.",
                   400);
    }
    if (i + 1 < requested.size() && it->second->size < kMinPartSize) {
      return S3Err("EntityTooSmall",
                   "Your proposed upload is smaller than the minimum allowed object size.", 400);
    }
    auto raw = HexDecode(it->second->etag);
    if (raw) md5s += *raw;
    v.parts.push_back(BlobRef{it->second->blob_id, it->second->size});
    v.size += it->second->size;
  }
  v.bucket = t.bucket;
  v.key = t.key;
  v.etag = StrCat(HexEncode(crypto::Md5(md5s)), "-", requested.size());
  v.last_modified = SystemClock().NowMicros();
  v.content_type = upload->content_type;
  v.metadata = upload->metadata;
  v.sse = upload->sse;
  absl::StatusOr<WriteResult> written = metadata_->CompleteUpload(upload->upload_id, std::move(v));
  if (!written.ok()) {
    if (written.status().code() == absl::StatusCode::kNotFound) return NoSuchUpload();
    return written.status();
  }
  FreeBlobs(written->freed_blobs);
  http::Response resp =
      XmlResponse(StrCat("<CompleteMultipartUploadResult xmlns=\"", kS3Namespace, "\">",
                         XmlElement("Location", StrCat("/", t.bucket, "/", UriEncode(t.key, true))),
                         XmlElement("Bucket", t.bucket), XmlElement("Key", t.key),
                         XmlElement("ETag", StrCat("\"", written->version.etag, "\"")),
                         "</CompleteMultipartUploadResult>"));
  if (!upload->sse.empty()) resp.headers.Set("x-amz-server-side-encryption", upload->sse);
  if (!bucket.versioning.empty()) resp.headers.Set("x-amz-version-id", written->version.version_id);
  return resp;
}

absl::StatusOr<http::Response> S3Service::AbortMultipartUpload(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  ASSIGN_OR_RETURN(std::optional<MultipartUpload> upload, metadata_->GetUpload(t.Get("uploadId")));
  if (!upload || upload->bucket != t.bucket || upload->key != t.key) return NoSuchUpload();
  absl::StatusOr<std::vector<std::string>> freed = metadata_->AbortUpload(upload->upload_id);
  if (freed.status().code() == absl::StatusCode::kNotFound) return NoSuchUpload();
  RETURN_IF_ERROR(freed.status());
  FreeBlobs(*freed);
  http::Response resp;
  resp.status = 204;
  return resp;
}

absl::StatusOr<http::Response> S3Service::ListParts(CallContext& ctx, const Target& t) {
  RETURN_IF_ERROR(OwnedBucket(ctx, t.bucket).status());
  ASSIGN_OR_RETURN(std::optional<MultipartUpload> upload, metadata_->GetUpload(t.Get("uploadId")));
  if (!upload || upload->bucket != t.bucket || upload->key != t.key) return NoSuchUpload();
  uint64_t marker = 0, max_parts = 1000;
  if (t.Has("part-number-marker") && !ParseUint64(t.Get("part-number-marker"), &marker)) {
    return S3Err("InvalidArgument", "part-number-marker must be an integer", 400);
  }
  if (t.Has("max-parts") && !ParseUint64(t.Get("max-parts"), &max_parts)) {
    return S3Err("InvalidArgument", "max-parts must be an integer", 400);
  }
  max_parts = std::min<uint64_t>(max_parts, 1000);
  ASSIGN_OR_RETURN(std::vector<s3::UploadPart> parts, metadata_->ListParts(upload->upload_id));
  std::string items;
  uint64_t count = 0;
  bool truncated = false;
  int last = 0;
  for (const auto& p : parts) {
    if (static_cast<uint64_t>(p.part_number) <= marker) continue;
    if (count == max_parts) {
      truncated = true;
      break;
    }
    items += StrCat("<Part>", XmlElement("PartNumber", std::to_string(p.part_number)),
                    XmlElement("LastModified", FormatIso8601Millis(p.last_modified)),
                    XmlElement("ETag", StrCat("\"", p.etag, "\"")),
                    XmlElement("Size", std::to_string(p.size)), "</Part>");
    last = p.part_number;
    ++count;
  }
  std::string body =
      StrCat("<ListPartsResult xmlns=\"", kS3Namespace, "\">", XmlElement("Bucket", t.bucket),
             XmlElement("Key", t.key), XmlElement("UploadId", upload->upload_id),
             XmlElement("PartNumberMarker", std::to_string(marker)),
             XmlElement("NextPartNumberMarker", std::to_string(last)),
             XmlElement("MaxParts", std::to_string(max_parts)),
             XmlElement("IsTruncated", truncated ? "true" : "false"), "<Initiator>",
             XmlElement("ID", upload->account_id), "</Initiator><Owner>",
             XmlElement("ID", upload->account_id), "</Owner><StorageClass>STANDARD</StorageClass>",
             items, "</ListPartsResult>");
  return XmlResponse(std::move(body));
}

}  // namespace cleanroom::s3
