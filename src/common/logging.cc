#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/time_format.h"

namespace cleanroom {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
std::mutex log_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetMinLogLevel(LogLevel level) { min_level = static_cast<int>(level); }

void Log(LogLevel level, std::string_view message, nlohmann::json fields) {
  if (static_cast<int>(level) < min_level.load()) return;
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = FormatIso8601Millis(SystemClock().NowMicros());
  line["level"] = LevelName(level);
  line["msg"] = message;
  if (fields.is_object()) {
    for (auto& [k, v] : fields.items()) line[k] = v;
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard<std::mutex> lock(log_mu);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace cleanroom
