#include "http/read_ahead.h"

#include <algorithm>
#include <utility>

namespace cleanroom::http {

ReadAhead::ReadAhead(BodyReader& source, uint64_t length, BufferPool& pool, int slots)
    : source_(source), length_(length), piece_(pool.buffer_size()) {
  slots_.resize(static_cast<size_t>(std::max(slots, 2)));
  for (Slot& slot : slots_) slot.buffer = pool.Get();
  thread_ = std::thread([this] { Run(); });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::Run() {
  uint64_t remaining = length_;
  std::unique_lock<std::mutex> lock(mu_);
  while (remaining > 0) {
    Slot& slot = slots_[next_fill_];
    cv_.wait(lock, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !slot.full; });
    if (stop_) return;
    // The consumer does not touch a slot that is not full, so it is filled without the lock.
    char* buf = slot.buffer.get();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, piece_));
    lock.unlock();
    size_t got = 0;
    absl::Status status;
    while (got < want) {
      absl::StatusOr<size_t> n = source_.Read(buf + got, want - got);
      if (!n.ok()) {
        status = n.status();
        break;
      }
      if (*n == 0) {
        status = absl::DataLossError("the body ended before its declared length");
        break;
      }
      got += *n;
    }
    lock.lock();
    if (got > 0) {
      slot.size = got;
      slot.full = true;
      next_fill_ = (next_fill_ + 1) % slots_.size();
      remaining -= got;
    }
    if (!status.ok()) error_ = std::move(status);
    cv_.notify_all();
    if (!error_.ok()) return;
  }
}

absl::StatusOr<std::string_view> ReadAhead::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (holding_) {
    slots_[(next_take_ + slots_.size() - 1) % slots_.size()].full = false;
    holding_ = false;
    cv_.notify_all();
  }
  if (returned_ == length_) return std::string_view();
  Slot& slot = slots_[next_take_];
  cv_.wait(lock, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return slot.full || !error_.ok(); });
  // Slots are filled in order, so an error with this slot empty means no more data.
  if (!slot.full) return error_;
  const std::string_view piece(slot.buffer.get(), slot.size);
  returned_ += slot.size;
  holding_ = true;
  next_take_ = (next_take_ + 1) % slots_.size();
  return piece;
}

}  // namespace cleanroom::http
