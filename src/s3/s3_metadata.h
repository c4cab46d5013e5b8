// S3 metadata in SQLite: buckets, object versions (with delete markers) and multipart uploads.
// Object bytes are blobs (blob_store.h); rows refer to them by id. Every mutation is one
// transaction, committed before the caller answers; the blobs a mutation stops referring to
// are returned so the caller can delete them after the commit (a crash in between leaves only
// unreferenced blobs, which start-up garbage collection removes).
#ifndef CLEANROOM_S3_S3_METADATA_H_
#define CLEANROOM_S3_S3_METADATA_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "s3/blob_reader.h"
#include "store/database.h"

namespace cleanroom::s3 {

struct Bucket {
  std::string name;
  std::string account_id;
  std::string region;
  int64_t created_at = 0;     // micros
  std::string versioning;     // "", "Enabled" or "Suspended"
  std::string sse_algorithm;  // "" or "AES256"
};

struct ObjectVersion {
  std::string bucket;
  std::string key;
  std::string version_id;  // "null" for unversioned writes
  int64_t seq = 0;
  bool is_latest = false;
  bool is_delete_marker = false;
  uint64_t size = 0;
  std::string etag;           // without quotes: md5 hex, or md5-of-md5s hex + "-N"
  int64_t last_modified = 0;  // micros
  std::optional<std::string> content_type;
  std::map<std::string, std::string> metadata;   // x-amz-meta-* (names lower-case, no prefix)
  std::map<std::string, std::string> checksums;  // "CRC32" -> base64 value
  std::string sse;                               // "" or "AES256"
  std::vector<BlobRef> parts;                    // one blob, or the parts of a multipart upload
};

struct MultipartUpload {
  std::string upload_id;
  std::string bucket;
  std::string key;
  int64_t initiated = 0;
  std::string account_id;
  std::optional<std::string> content_type;
  std::map<std::string, std::string> metadata;
  std::string sse;
  std::string checksum_algorithm;
};

struct UploadPart {
  int part_number = 0;
  std::string blob_id;
  uint64_t size = 0;
  std::string etag;  // md5 hex, no quotes
  std::optional<std::string> checksum;
  int64_t last_modified = 0;
};

// The outcome of a write: the stored row and the blobs nobody refers to any more.
struct WriteResult {
  ObjectVersion version;
  std::vector<std::string> freed_blobs;
};

struct DeleteResult {
  std::string version_id;      // the version removed or the marker created
  bool delete_marker = false;  // a marker was created, or the removed version was one
  std::vector<std::string> freed_blobs;
};

struct ListPage {
  std::vector<ObjectVersion> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // last key or common prefix returned
};

struct VersionPage {
  std::vector<ObjectVersion> versions;  // newest first within each key
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

// Thread-safe.
class S3Metadata {
 public:
  explicit S3Metadata(store::Database* db) : db_(db) {}

  absl::StatusOr<std::optional<Bucket>> GetBucket(const std::string& name);
  // kAlreadyExists if the name is taken (by anyone).
  absl::Status CreateBucket(const Bucket& bucket);
  absl::StatusOr<std::vector<Bucket>> ListBuckets(const std::string& account_id);
  // kFailedPrecondition if any object version or delete marker remains. Aborts open uploads;
  // returns their blobs.
  absl::StatusOr<std::vector<std::string>> DeleteBucket(const std::string& name);
  absl::Status SetVersioning(const std::string& bucket, const std::string& status);
  absl::Status SetEncryption(const std::string& bucket, const std::string& algorithm);

  // The latest version (`version_id` empty) or a specific one; nullopt if absent.
  absl::StatusOr<std::optional<ObjectVersion>> GetObject(const std::string& bucket,
                                                         const std::string& key,
                                                         const std::string& version_id);
  // Stores `v` as the newest version of its key under the bucket's versioning state (new
  // version id when Enabled; otherwise replaces the "null" version).
  absl::StatusOr<WriteResult> PutObject(ObjectVersion v);
  // DeleteObject semantics of S3: with a version id, removes that version; otherwise adds a
  // delete marker (versioned bucket) or removes the null version.
  absl::StatusOr<DeleteResult> DeleteObject(const std::string& bucket, const std::string& key,
                                            const std::string& version_id);

  // Latest, non-deleted objects with keys > `after` starting with `prefix`, grouped by
  // `delimiter`; at most `max_keys` entries (objects + prefixes).
  absl::StatusOr<ListPage> ListObjects(const std::string& bucket, const std::string& prefix,
                                       const std::string& delimiter, const std::string& after,
                                       int max_keys);
  absl::StatusOr<VersionPage> ListVersions(const std::string& bucket, const std::string& prefix,
                                           const std::string& delimiter,
                                           const std::string& key_marker,
                                           const std::string& version_id_marker, int max_keys);

  absl::Status CreateUpload(const MultipartUpload& upload);
  absl::StatusOr<std::optional<MultipartUpload>> GetUpload(const std::string& upload_id);
  // Records a part (replacing an earlier upload of the same number; its blob is returned).
  absl::StatusOr<std::vector<std::string>> PutPart(const std::string& upload_id,
                                                   const UploadPart& part);
  absl::StatusOr<std::vector<UploadPart>> ListParts(const std::string& upload_id);
  // Removes the upload and returns every part blob.
  absl::StatusOr<std::vector<std::string>> AbortUpload(const std::string& upload_id);
  // Atomically stores `v` (whose parts come from the upload) and removes the upload; blobs of
  // parts not used by `v` are freed.
  absl::StatusOr<WriteResult> CompleteUpload(const std::string& upload_id, ObjectVersion v);

  // True if a blob id is referenced by an object version or an upload part (GC).
  absl::StatusOr<std::vector<std::string>> AllBlobIds();

 private:
  store::Database* db_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_S3_METADATA_H_
