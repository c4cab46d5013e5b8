#include "common/clock.h"

#include <chrono>

namespace cleanroom {
namespace {

class RealClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* instance = new RealClock();
  return *instance;
}

}  // namespace cleanroom
