// The object-data storage of the S3 service: object bytes live in immutable "blobs", files
// under `<root>/blobs/<first two hex chars of id>/<id>` named by random 32-hex-char ids.
// Object keys never become file names, so no key can reach outside the data directory. Which
// blobs make up which object is metadata kept by the S3 service, not here.
//
// Blobs are written once through a BlobWriter (straight to their final path; see BlobWriter
// for how a commit becomes durable), optionally encrypted at rest (SSE-S3) with a per-blob
// data key wrapped by the server's master key, and read back as streams of plaintext byte
// ranges. The file format is described in blob_format.h. `<root>/tmp/` held blobs being
// written in earlier versions; it is still created and emptied by CollectGarbage.
#ifndef CLEANROOM_S3_BLOB_STORE_H_
#define CLEANROOM_S3_BLOB_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/master_key.h"
#include "http/message.h"
#include "s3/blob_reader.h"
#include "s3/blob_writer.h"

namespace cleanroom::s3 {

// What CollectGarbage did.
struct GcStats {
  uint64_t temp_files_removed = 0;
  uint64_t blobs_removed = 0;
  uint64_t blobs_kept = 0;
  uint64_t bytes_freed = 0;  // file sizes of everything removed
};

// Thread-safe: any method may be called concurrently (each writer and reader it returns is
// for one thread at a time). Readers and writers may outlive the store, but `master_key` must
// outlive the store and every reader and writer it created.
class BlobStore {
 public:
  // Opens the store rooted at `root_dir`, creating it, its `blobs/` and `tmp/` subdirectories
  // and the 256 shard directories `blobs/00` ... `blobs/ff` if absent. `master_key` may be null, in
  // which case encrypted blobs can be neither written nor read. Returns kFailedPrecondition if a
  // path that should be a directory is something else, or an errno-derived error (e.g.
  // kPermissionDenied).
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(const std::string& root_dir,
                                                         const crypto::MasterKey* master_key);

  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  const std::string& root() const { return root_; }

  // Starts a new blob with a fresh random id; if `encrypt`, it gets a fresh random data key
  // wrapped with the master key. Consecutive blobs go to the same shard directory for a while
  // (16 blobs in a row), so that concurrent writers can share one directory fsync. The writer
  // computes the MD5 of the plaintext for BlobInfo unless `compute_md5` is false (for callers that
  // already hash the bytes they append). Returns kFailedPrecondition if `encrypt` and there is no
  // master key; an errno-derived error if the blob file cannot be created.
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(bool encrypt, bool compute_md5 = true);

  // Returns a stream of the plaintext bytes [offset, offset + length) of blob `id`.
  // Returns kInvalidArgument if `id` is malformed; kNotFound if there is no such blob (or it
  // is still being written);
  // kOutOfRange if the range extends past the end of the blob; kDataLoss if the header is
  // corrupt or the data key cannot be unwrapped (wrong master key, altered file);
  // kFailedPrecondition if the blob is encrypted and there is no master key. The stream's
  // Read() returns kDataLoss if a chunk fails authentication or the file is truncated.
  absl::StatusOr<std::unique_ptr<http::BodyReader>> OpenReader(const std::string& id,
                                                               uint64_t offset, uint64_t length);

  // Returns a stream of the bytes [offset, offset + length) of the concatenation of `parts`
  // (e.g. the parts of a multipart upload, with the sizes recorded for them). Parts are opened
  // only when the range reaches them, so errors about a part (kNotFound, kDataLoss, also when
  // the part's actual size differs from `size`) come from the stream's Read(). Returns
  // kInvalidArgument if a part id is malformed, kOutOfRange if the range extends past the sum
  // of the part sizes.
  absl::StatusOr<std::unique_ptr<http::BodyReader>> OpenConcatReader(
      const std::vector<BlobRef>& parts, uint64_t offset, uint64_t length);

  // The plaintext size of blob `id`. Returns kInvalidArgument, kNotFound or kDataLoss as
  // OpenReader does.
  absl::StatusOr<uint64_t> Size(const std::string& id);

  // Removes blob `id`; a missing blob is not an error. Open readers of the blob keep working.
  // The removal is not fsynced: after a crash the blob may reappear, as garbage for
  // CollectGarbage. Returns kInvalidArgument if `id` is malformed.
  absl::Status Delete(const std::string& id);

  // Removes every file in `tmp/` and every blob for which `is_referenced(id)` is false. Must
  // run while no writer is active (at start-up, before serving): it would delete the files of
  // blobs being written. Files in `blobs/` whose names are not blob ids are left alone. Returns an
  // errno-derived error if a directory cannot be listed or a file cannot be removed (files
  // removed until then stay removed).
  absl::StatusOr<GcStats> CollectGarbage(
      const std::function<bool(const std::string& id)>& is_referenced);

 private:
  BlobStore(std::string root, const crypto::MasterKey* master_key);
  // The shard directory of the next new blob.
  uint8_t NextShard();
  // kNotFound if blob `id` is still being written.
  absl::Status CheckCommitted(const std::string& id);

  const std::string root_;
  const crypto::MasterKey* const master_key_;
  const std::shared_ptr<BlobWriteState> write_state_;
  std::atomic<uint64_t> next_blob_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BLOB_STORE_H_
