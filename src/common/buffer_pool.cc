#include "common/buffer_pool.h"

namespace cleanroom {

void BufferPool::Deleter::operator()(char* buffer) const {
  if (pool_ != nullptr) {
    pool_->Return(buffer);
  } else {
    delete[] buffer;
  }
}

BufferPool::BufferPool(size_t size, size_t max_free) : size_(size), max_free_(max_free) {}

BufferPool::~BufferPool() {
  std::lock_guard<std::mutex> lock(mu_);
  for (char* buffer : free_) delete[] buffer;
}

BufferPool::Buffer BufferPool::Get() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      char* buffer = free_.back();
      free_.pop_back();
      return Buffer(buffer, Deleter(this));
    }
  }
  return Buffer(new char[size_], Deleter(this));
}

size_t BufferPool::free_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

void BufferPool::Return(char* buffer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < max_free_) {
      free_.push_back(buffer);
      return;
    }
  }
  delete[] buffer;
}

BufferPool& MiBBufferPool() {
  // Enough for a few dozen concurrent uploads and downloads; never destroyed, so buffers may
  // be returned during static destruction.
  static BufferPool* const pool = new BufferPool(size_t{1} << 20, 64);
  return *pool;
}

}  // namespace cleanroom
