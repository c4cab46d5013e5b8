// Test helper: in-memory objects for Engine::Grant.
#ifndef CLEANROOM_TEST_ENGINE_STRING_OBJECT_H_
#define CLEANROOM_TEST_ENGINE_STRING_OBJECT_H_

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace cleanroom::engine {

// Reads `*data`, which must outlive the reader.
class StringObject final : public ObjectReader {
 public:
  explicit StringObject(const std::string* data) : data_(data) {}
  absl::Status ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset > data_->size() || n > data_->size() - offset) {
      return absl::OutOfRangeError("past the end");
    }
    std::memcpy(buf, data_->data() + offset, n);
    return absl::OkStatus();
  }

 private:
  const std::string* data_;
};

// A grantable object over `*data`; counts its openings in `*opens` when given.
inline GrantedObject StringGrantedObject(const std::string* data,
                                         std::atomic<int>* opens = nullptr) {
  GrantedObject object;
  object.size = data->size();
  object.open = [data, opens]() -> absl::StatusOr<std::unique_ptr<ObjectReader>> {
    if (opens != nullptr) ++*opens;
    return std::make_unique<StringObject>(data);
  };
  return object;
}

}  // namespace cleanroom::engine

#endif  // CLEANROOM_TEST_ENGINE_STRING_OBJECT_H_
