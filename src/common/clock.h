// Wall-clock time behind a seam so that tests can fix "now".
#ifndef CLEANROOM_COMMON_CLOCK_H_
#define CLEANROOM_COMMON_CLOCK_H_

#include <cstdint>

namespace cleanroom {

// Source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1000000; }
};

// The system's real-time clock.
Clock& SystemClock();

// A clock that returns whatever it was last set to (tests).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_micros) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_; }
  void SetMicros(int64_t now) { now_ = now; }

 private:
  int64_t now_;
};

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_CLOCK_H_
