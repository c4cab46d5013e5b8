#include "common/sql_text.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace cleanroom {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::vector<ParameterMarker> FindParameterMarkers(std::string_view sql) {
  std::vector<ParameterMarker> out;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      // Quoted text; a doubled quote is an escaped quote.
      ++i;
      while (i < sql.size()) {
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && IsIdentStart(sql[i + 1])) {
      size_t offset = i;
      size_t start = ++i;
      while (i < sql.size() && IsIdentChar(sql[i])) ++i;
      out.push_back({std::string(sql.substr(start, i - start)), offset});
    } else {
      ++i;
    }
  }
  return out;
}

std::string DescribeOffset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  // Columns count characters: UTF-8 continuation bytes (10xxxxxx) do not start one.
  size_t column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return StrCat("line ", line, ", column ", column);
}

}  // namespace cleanroom
