#include "crypto/async_digest.h"

#include <utility>

namespace cleanroom::crypto {

AsyncDigest::AsyncDigest(Digest::Algorithm algorithm)
    : digest_(algorithm), thread_([this] { Run(); }) {}

AsyncDigest::~AsyncDigest() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    WaitIdle(lock);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AsyncDigest::Update(std::string_view data) {
  if (data.empty()) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    WaitIdle(lock);
    pending_ = data;
    has_pending_ = true;
  }
  cv_.notify_all();
}

std::string AsyncDigest::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  WaitIdle(lock);
  return digest_.Finish();
}

void AsyncDigest::WaitIdle(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !has_pending_; });
}

void AsyncDigest::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return has_pending_ || stop_; });
    if (!has_pending_) return;  // stop_ and nothing left
    const std::string_view data = pending_;
    lock.unlock();
    digest_.Update(data);
    lock.lock();
    has_pending_ = false;
    pending_ = {};
    cv_.notify_all();
  }
}

}  // namespace cleanroom::crypto
