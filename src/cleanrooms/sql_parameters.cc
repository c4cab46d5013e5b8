#include "cleanrooms/sql_parameters.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "common/sql_text.h"
#include "common/strings.h"

namespace cleanroom::cleanrooms {
namespace {

bool ParseInteger(std::string_view text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 20) return false;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  return v >= min && v <= max;
}

bool ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  std::string s(text);
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsDate(std::string_view s) {
  if (s.size() < 10 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2)) {
    return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool IsTime(std::string_view s) {
  if (s.size() < 8 || !Digits(s, 0, 2) || s[2] != ':' || !Digits(s, 3, 2) || s[5] != ':' ||
      !Digits(s, 6, 2)) {
    return false;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  int sec = (s[6] - '0') * 10 + (s[7] - '0');
  return h < 24 && m < 60 && sec < 61;
}

}  // namespace

std::vector<std::string> ParameterReferences(std::string_view sql) {
  std::vector<std::string> out;
  for (const ParameterMarker& marker : FindParameterMarkers(sql)) {
    if (std::find(out.begin(), out.end(), marker.name) == out.end()) out.push_back(marker.name);
  }
  return out;
}

absl::Status CheckParameterValue(std::string_view type, std::string_view value) {
  bool ok = true;
  if (type == "TINYINT") {
    ok = ParseInteger(value, -128, 127);
  } else if (type == "SMALLINT" || type == "SHORT") {
    ok = ParseInteger(value, -32768, 32767);
  } else if (type == "INTEGER" || type == "INT") {
    ok = ParseInteger(value, std::numeric_limits<int32_t>::min(),
                      std::numeric_limits<int32_t>::max());
  } else if (type == "BIGINT" || type == "LONG") {
    ok = ParseInteger(value, std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max());
  } else if (type == "DECIMAL" || type == "NUMERIC" || type == "REAL" ||
             type == "DOUBLE_PRECISION" || type == "DOUBLE" || type == "FLOAT") {
    ok = ParseNumber(value);
  } else if (type == "BOOLEAN") {
    std::string lower = ToLower(value);
    ok = lower == "true" || lower == "false";
  } else if (type == "DATE") {
    ok = value.size() == 10 && IsDate(value);
  } else if (type == "TIME" || type == "TIMETZ") {
    ok = IsTime(value);
  } else if (type == "TIMESTAMP" || type == "TIMESTAMPTZ" || type == "TIMESTAMP_LTZ" ||
             type == "TIMESTAMP_NTZ") {
    ok = IsDate(value) && (value.size() == 10 ||
                           ((value[10] == ' ' || value[10] == 'T') && IsTime(value.substr(11))));
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat("is not a valid ", type, ": '", value, "'"));
}

}  // namespace cleanroom::cleanrooms
