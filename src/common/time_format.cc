#include "common/time_format.h"

#include <ctime>

#include "absl/strings/str_format.h"

namespace cleanroom {
namespace {

std::tm ToTm(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

bool ParseDigits(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> FromFields(int year, int mon, int day, int hour, int min, int sec) {
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::string FormatIso8601Millis(int64_t micros) {
  int64_t seconds = micros / 1000000;
  std::tm tm = ToTm(seconds);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         static_cast<int>((micros % 1000000) / 1000));
}

std::string FormatHttpDate(int64_t micros) {
  std::tm tm = ToTm(micros / 1000000);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string FormatAmzDate(int64_t seconds) {
  std::tm tm = ToTm(seconds);
  return absl::StrFormat("%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, se;
  if (!ParseDigits(s, 0, 4, &y) || !ParseDigits(s, 4, 2, &mo) || !ParseDigits(s, 6, 2, &d) ||
      !ParseDigits(s, 9, 2, &h) || !ParseDigits(s, 11, 2, &mi) || !ParseDigits(s, 13, 2, &se)) {
    return std::nullopt;
  }
  return FromFields(y, mo, d, h, mi, se);
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  // "Tue, 24 Nov 2026 01:37:28 GMT"
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(25) != " GMT") return std::nullopt;
  int d, y, h, mi, se;
  if (!ParseDigits(s, 5, 2, &d) || !ParseDigits(s, 12, 4, &y) || !ParseDigits(s, 17, 2, &h) ||
      !ParseDigits(s, 20, 2, &mi) || !ParseDigits(s, 23, 2, &se)) {
    return std::nullopt;
  }
  std::string_view mon = s.substr(8, 3);
  for (int i = 0; i < 12; ++i) {
    if (kMonths[i] == mon) return FromFields(y, i + 1, d, h, mi, se);
  }
  return std::nullopt;
}

}  // namespace cleanroom
