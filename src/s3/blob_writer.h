// Streaming creation of one blob (see blob_format.h for the file layout).
#ifndef CLEANROOM_S3_BLOB_WRITER_H_
#define CLEANROOM_S3_BLOB_WRITER_H_

#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/buffer_pool.h"
#include "crypto/hash.h"
#include "s3/blob_io.h"
#include "s3/dir_syncer.h"

namespace cleanroom::s3 {

// What a BlobStore shares with the writers it creates (which may outlive it): the syncer that
// makes new blob files' directory entries durable, and the ids of blobs still being written,
// which the store's readers must not see yet. Thread-safe.
class BlobWriteState {
 public:
  DirectorySyncer& syncer() { return syncer_; }
  // Records that blob `id` is being written / is no longer being written.
  void Started(const std::string& id);
  void Finished(const std::string& id);
  bool InProgress(const std::string& id);

 private:
  DirectorySyncer syncer_;
  std::mutex mu_;
  std::set<std::string> in_progress_ ABSL_GUARDED_BY(mu_);
};

// What a committed blob holds.
struct BlobInfo {
  std::string id;     // 32 lower-case hex characters
  uint64_t size = 0;  // plaintext bytes
  // Raw 16-byte MD5 of the plaintext (the S3 ETag of a simple object); empty if the writer
  // was told not to compute it (BlobStore::NewWriter).
  std::string md5;
  bool encrypted = false;
};

// Writes one blob: Append() the bytes, then Commit() to make the blob visible, or Abort().
// The file is created at its final path, `<root>/blobs/<xx>/<id>`, when the writer is made,
// and the store's DirectorySyncer is asked at once to make that directory entry durable, so
// the directory fsync overlaps with receiving the data instead of following it. Data goes to
// the file through an internal 1 MiB buffer (appends of 1 MiB or more are written without
// copying), so memory use does not grow with the object. Commit() makes the blob durable
// (fdatasync of the file, and the directory fsync requested at creation) and visible through
// the store's readers; until then the store reports the id as not found. A failed or aborted
// writer removes its file; a crash before Commit() returns leaves at most a file that no
// metadata references, which BlobStore::CollectGarbage removes.
//
// Obtained from BlobStore::NewWriter. Not thread-safe (one writer per stream). Destroying a
// writer that was neither committed nor aborted aborts it.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // The id the blob will have once committed.
  const std::string& id() const { return id_; }
  // Plaintext bytes appended so far.
  uint64_t size() const { return size_; }

  // Appends `data` to the blob. On an I/O failure (e.g. kResourceExhausted when the disk is
  // full) the writer is finished: its file is removed and every later call returns the
  // same error. Returns kFailedPrecondition after Commit() or Abort().
  absl::Status Append(std::string_view data);

  // Writes out buffered data, fdatasyncs the file and waits for the fsync of its directory.
  // On failure the file is removed and no blob is created. Returns kFailedPrecondition if
  // already committed or aborted.
  absl::StatusOr<BlobInfo> Commit();

  // Discards the blob and removes its file (best effort). No-op after Commit() or a previous
  // Abort().
  void Abort();

 private:
  friend class BlobStore;
  enum class State { kOpen, kCommitted, kAborted, kFailed };

  // `fd` is the blob's newly created file, `header` the encoded file header (its plaintext
  // size is filled in by Commit), `data_key` the raw data key, empty for an unencrypted blob,
  // and `dir_synced` the pending fsync of the file's directory. `state` has recorded `id` as
  // started.
  BlobWriter(std::string root, std::string id, ScopedFd fd, std::string header,
             std::string data_key, bool compute_md5, std::shared_ptr<BlobWriteState> state,
             std::shared_future<absl::Status> dir_synced);

  absl::Status AppendPlain(std::string_view data);
  absl::Status AppendEncrypted(std::string_view data);
  // Seals `plaintext` as the next chunk into the output buffer.
  absl::Status SealChunk(std::string_view plaintext, bool last);
  // Makes room for `n` more bytes in the output buffer, flushing it if needed.
  absl::Status Reserve(size_t n);
  absl::Status Flush();
  // Accounts for `n` bytes written to the file and hints the kernel to write them back once
  // enough have accumulated.
  void Written(uint64_t n);
  absl::Status Finish();
  // Records `status` as the writer's failure and removes the file.
  absl::Status Fail(absl::Status status);
  void RemoveFile();

  const std::string root_;
  const std::string id_;
  const std::string path_;
  ScopedFd fd_;
  const std::shared_ptr<BlobWriteState> write_state_;
  std::shared_future<absl::Status> dir_synced_;
  const bool encrypted_;
  std::string data_key_;
  std::unique_ptr<crypto::Digest> md5_;  // null when not computing the MD5
  uint64_t size_ = 0;
  uint64_t file_size_ = 0;       // bytes written to the file so far
  uint64_t writeback_from_ = 0;  // file offset up to which writeback was requested
  State state_ = State::kOpen;
  absl::Status failure_;

  // Bytes not yet written to the file (header and data or sealed chunks).
  BufferPool::Buffer out_;
  size_t out_len_ = 0;
  // Encrypted blobs: plaintext of the chunk being filled. A full chunk stays here until more
  // data arrives or Commit() runs, because only then is it known whether it is the last one.
  std::unique_ptr<char[]> chunk_;
  size_t chunk_len_ = 0;
  uint64_t chunk_index_ = 0;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_BLOB_WRITER_H_
