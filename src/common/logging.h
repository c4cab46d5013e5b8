// Structured logging: one JSON object per line on stderr.
#ifndef CLEANROOM_COMMON_LOGGING_H_
#define CLEANROOM_COMMON_LOGGING_H_

#include <string_view>

#include "nlohmann/json.hpp"

namespace cleanroom {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Writes {"ts":..., "level":..., "msg": message, ...fields} as one line. Thread-safe: lines
// from concurrent callers never interleave.
void Log(LogLevel level, std::string_view message, nlohmann::json fields = nlohmann::json::object());

// Messages below `level` are dropped (default kInfo).
void SetMinLogLevel(LogLevel level);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_LOGGING_H_
