// S3 objects as other services use them: read through the engine, authorized through an
// assumed role, and written from local files. Used by the crawler and by protected queries.
#ifndef CLEANROOM_S3ACCESS_S3_ACCESS_H_
#define CLEANROOM_S3ACCESS_S3_ACCESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "iam/role_authorizer.h"
#include "s3/blob_store.h"
#include "s3/s3_metadata.h"

namespace cleanroom::s3access {

// Reads exactly `n` bytes at `offset` of an object version's parts (decrypting SSE objects).
// kDataLoss if the stored object is shorter than recorded or fails authentication.
absl::Status ReadRange(s3::BlobStore& blobs, const std::vector<s3::BlobRef>& parts,
                       uint64_t offset, char* buf, size_t n);

// An object version of `size` bytes stored in `parts`, as an object the engine may read, range
// by range, straight from its blobs. `blobs` must outlive every reader the object opens.
engine::GrantedObject GrantedObjectOf(s3::BlobStore* blobs, uint64_t size,
                                      std::vector<s3::BlobRef> parts);

// A name for the `index`-th object of a grant that keeps the extension of `key` (".csv",
// ".gz" ...), which is what the engine goes by to pick a reader and a decompressor.
std::string EngineObjectName(size_t index, const std::string& key);

// The role's decision on an S3 action; a denial is kPermissionDenied worded as S3's
// AccessDenied.
absl::Status AuthorizeS3(const iam::AssumedRole& role, const std::string& action,
                         const std::string& resource, const std::string& owner);

// Stores the local file at `path` as the current version of `key` in `bucket`, as a PutObject
// by the bucket's owner would (encrypted when the bucket's default encryption is on).
absl::StatusOr<s3::ObjectVersion> PutFile(s3::S3Metadata& metadata, s3::BlobStore& blobs,
                                          const s3::Bucket& bucket, const std::string& key,
                                          const std::string& path,
                                          const std::optional<std::string>& content_type);

}  // namespace cleanroom::s3access

#endif  // CLEANROOM_S3ACCESS_S3_ACCESS_H_
