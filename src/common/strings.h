// String helpers that accept std::string_view.
//
// Debian's abseil is built with its own absl::string_view type (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), so absl::StrCat and friends do not accept std::string_view. Our code uses std types
// and these helpers; absl is used for Status/StatusOr and containers.
#ifndef CLEANROOM_COMMON_STRINGS_H_
#define CLEANROOM_COMMON_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace cleanroom {

namespace strings_internal {
inline void AppendPiece(std::string& out, std::string_view s) { out.append(s); }
inline void AppendPiece(std::string& out, const char* s) { out.append(s); }
inline void AppendPiece(std::string& out, const std::string& s) { out.append(s); }
inline void AppendPiece(std::string& out, char c) { out.push_back(c); }
inline void AppendPiece(std::string& out, absl::string_view s) { out.append(s.data(), s.size()); }
template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, char> &&
         !std::is_same_v<T, bool>) void AppendPiece(std::string& out, T v) {
  out.append(std::to_string(v));
}
}  // namespace strings_internal

// Concatenates strings, string_views, chars and integers.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::AppendPiece(out, args), ...);
  return out;
}

// Converts to abseil's string_view (for absl::Status messages and payload names).
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Splits `text` on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view text, char sep);
// Trims ASCII whitespace at both ends.
std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Parses a base-10 unsigned integer with no sign, spaces or overflow.
bool ParseUint64(std::string_view text, uint64_t* out);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_STRINGS_H_
