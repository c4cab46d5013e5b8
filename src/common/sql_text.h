// Lexical helpers for SQL text that do not need a parser.
#ifndef CLEANROOM_COMMON_SQL_TEXT_H_
#define CLEANROOM_COMMON_SQL_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cleanroom {

// A `:name` parameter placeholder (AWS Clean Rooms analysis template syntax).
struct ParameterMarker {
  std::string name;
  size_t offset = 0;  // of the ':'
};

// Every `:name` placeholder in `sql`, in text order (a name may repeat). Text inside string
// literals ('...'), quoted identifiers ("..."), and comments (-- and /* */) is skipped, and `::`
// (a cast) is not a placeholder. A name is [A-Za-z_][A-Za-z0-9_]*.
std::vector<ParameterMarker> FindParameterMarkers(std::string_view sql);

// Line and column (both from 1) of byte `offset` in UTF-8 `text`, as "line L, column C"; the
// column counts characters, not bytes.
std::string DescribeOffset(std::string_view text, size_t offset);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_SQL_TEXT_H_
