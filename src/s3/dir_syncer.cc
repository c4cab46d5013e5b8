#include "s3/dir_syncer.h"

#include <map>

#include "s3/blob_io.h"

namespace cleanroom::s3 {

DirectorySyncer::DirectorySyncer() : thread_([this] { Run(); }) {}

DirectorySyncer::~DirectorySyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_future<absl::Status> DirectorySyncer::Request(std::string path) {
  std::promise<absl::Status> promise;
  std::shared_future<absl::Status> done = promise.get_future().share();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace_back(std::move(path), std::move(promise));
  }
  cv_.notify_all();
  return done;
}

void DirectorySyncer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock,
             [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !pending_.empty() || stop_; });
    if (pending_.empty()) return;  // stopping, nothing left
    std::vector<std::pair<std::string, std::promise<absl::Status>>> batch;
    batch.swap(pending_);
    lock.unlock();
    // Every request in the batch was made before this fsync starts, so one fsync per
    // directory answers all of that directory's requests.
    std::map<std::string, std::vector<std::promise<absl::Status>*>> by_dir;
    for (auto& [path, promise] : batch) by_dir[path].push_back(&promise);
    for (auto& [path, promises] : by_dir) {
      const absl::Status synced = FsyncDirectory(path);
      for (std::promise<absl::Status>* promise : promises) promise->set_value(synced);
    }
    lock.lock();
  }
}

}  // namespace cleanroom::s3
