#include "cleanrooms/query_runner.h"

#include <utility>

namespace cleanroom::cleanrooms {

void CancelSignal::Cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    callbacks.swap(callbacks_);
  }
  changed_.notify_all();
  // Outside the lock: a callback may call cancelled() or OnCancel.
  for (std::function<void()>& fn : callbacks) fn();
}

bool CancelSignal::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

void CancelSignal::OnCancel(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) {
      callbacks_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

bool CancelSignal::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, timeout, [this]() { return cancelled_; });
  return cancelled_;
}

}  // namespace cleanroom::cleanrooms
