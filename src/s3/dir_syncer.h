// Makes new directory entries durable in batches, off the caller's critical path.
//
// A file created in a directory survives a crash only once that directory has been fsynced
// after the creation. Instead of fsyncing per file, a creator calls Request() right after
// creating the file and goes on writing it; a background thread fsyncs every requested
// directory once per batch (requests that arrive while it is busy share the next fsync), and
// the creator waits for the result only when it needs the guarantee (for a blob: at commit).
#ifndef CLEANROOM_S3_DIR_SYNCER_H_
#define CLEANROOM_S3_DIR_SYNCER_H_

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace cleanroom::s3 {

// Thread-safe. The destructor performs the fsyncs still pending, then stops the thread.
class DirectorySyncer {
 public:
  DirectorySyncer();
  ~DirectorySyncer();
  DirectorySyncer(const DirectorySyncer&) = delete;
  DirectorySyncer& operator=(const DirectorySyncer&) = delete;

  // Returns a future that becomes ready once an fsync of directory `path`, started after this
  // call, has finished: OK if it succeeded (every entry created in `path` before the call is
  // then durable), otherwise an errno-derived error.
  std::shared_future<absl::Status> Request(std::string path);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::promise<absl::Status>>> pending_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_DIR_SYNCER_H_
