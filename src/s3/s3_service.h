// The S3 API (restXml, path-style addressing): buckets, objects with
// versions and delete markers, ranged reads, copies, multipart uploads, versioning and SSE-S3
// bucket encryption. A bucket belongs to the account that created it; every other account is
// denied.
#ifndef CLEANROOM_S3_S3_SERVICE_H_
#define CLEANROOM_S3_S3_SERVICE_H_

#include <map>
#include <string>

#include "protocol/service.h"
#include "s3/blob_store.h"
#include "s3/s3_metadata.h"

namespace cleanroom::s3 {

// Returns an empty string if `name` follows S3's bucket naming rules, else why not.
std::string BucketNameProblem(std::string_view name);

class S3Service final : public protocol::Service {
 public:
  // Neither pointer is owned.
  S3Service(S3Metadata* metadata, BlobStore* blobs) : metadata_(metadata), blobs_(blobs) {}

  std::string_view signing_name() const override { return "s3"; }
  protocol::Protocol protocol() const override { return protocol::Protocol::kRestXml; }
  http::Response Handle(protocol::CallContext& ctx) override;

  // The parsed target of a request.
  struct Target {
    std::string bucket;
    std::string key;
    std::map<std::string, std::string> query;  // decoded
    bool Has(const std::string& name) const { return query.count(name) > 0; }
    std::string Get(const std::string& name) const {
      auto it = query.find(name);
      return it == query.end() ? std::string() : it->second;
    }
  };

 private:
  absl::StatusOr<http::Response> Dispatch(protocol::CallContext& ctx, const Target& t);
  // Loads the bucket and checks that the caller owns it (NoSuchBucket / AccessDenied).
  absl::StatusOr<Bucket> OwnedBucket(const protocol::CallContext& ctx, const std::string& name);

  absl::StatusOr<http::Response> ListBuckets(protocol::CallContext& ctx);
  absl::StatusOr<http::Response> CreateBucket(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> DeleteBucket(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> PutBucketVersioning(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> GetBucketVersioning(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> PutBucketEncryption(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> GetBucketEncryption(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> ListObjects(protocol::CallContext& ctx, const Target& t, bool v2);
  absl::StatusOr<http::Response> ListObjectVersions(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> DeleteObjects(protocol::CallContext& ctx, const Target& t);

  absl::StatusOr<http::Response> PutObject(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> CopyObject(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> GetObject(protocol::CallContext& ctx, const Target& t, bool head);
  absl::StatusOr<http::Response> DeleteObject(protocol::CallContext& ctx, const Target& t);

  absl::StatusOr<http::Response> CreateMultipartUpload(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> UploadPart(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> CompleteMultipartUpload(protocol::CallContext& ctx,
                                                         const Target& t);
  absl::StatusOr<http::Response> AbortMultipartUpload(protocol::CallContext& ctx, const Target& t);
  absl::StatusOr<http::Response> ListParts(protocol::CallContext& ctx, const Target& t);

  // Streams the verified request body into a new blob.
  struct StoredBody {
    BlobInfo blob;
    std::map<std::string, std::string> checksums;
  };
  absl::StatusOr<StoredBody> StoreBody(protocol::CallContext& ctx, bool encrypt);
  // Deletes blobs that a committed metadata change no longer references (best effort).
  void FreeBlobs(const std::vector<std::string>& ids);

  S3Metadata* metadata_;
  BlobStore* blobs_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_S3_SERVICE_H_
