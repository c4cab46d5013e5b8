#include "crawler/glue_types.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/strings.h"

namespace cleanroom::crawler {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Splits "a INTEGER, b STRUCT(x INT, y INT)" at top-level commas.
std::vector<std::string_view> SplitTopLevel(std::string_view s) {
  std::vector<std::string_view> parts;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(Trim(s.substr(start)));
  return parts;
}

// "\"b c\" VARCHAR" -> name "b c", type "VARCHAR".
void SplitField(std::string_view field, std::string* name, std::string_view* type) {
  if (!field.empty() && field[0] == '"') {
    size_t i = 1;
    std::string n;
    while (i < field.size()) {
      if (field[i] == '"') {
        if (i + 1 < field.size() && field[i + 1] == '"') {
          n += '"';
          i += 2;
          continue;
        }
        break;
      }
      n += field[i++];
    }
    *name = n;
    *type = Trim(field.substr(std::min(field.size(), i + 1)));
    return;
  }
  size_t space = field.find(' ');
  *name = std::string(field.substr(0, space));
  *type = space == std::string_view::npos ? std::string_view() : Trim(field.substr(space + 1));
}

int IntegerRank(const std::string& t) {
  if (t == "tinyint") return 1;
  if (t == "smallint") return 2;
  if (t == "int") return 3;
  if (t == "bigint") return 4;
  return 0;
}

}  // namespace

std::string GlueTypeOf(std::string_view duckdb_type, bool integers_as_bigint) {
  std::string_view t = Trim(duckdb_type);
  if (t.size() > 2 && t.substr(t.size() - 2) == "[]") {
    return StrCat("array<", GlueTypeOf(t.substr(0, t.size() - 2), integers_as_bigint), ">");
  }
  std::string upper = Upper(t);
  size_t paren = upper.find('(');
  std::string base = upper.substr(0, paren);
  std::string_view args;
  if (paren != std::string::npos && !t.empty() && t.back() == ')') {
    args = t.substr(paren + 1, t.size() - paren - 2);
  }
  if (base == "STRUCT") {
    std::string out = "struct<";
    bool first = true;
    for (std::string_view field : SplitTopLevel(args)) {
      std::string name;
      std::string_view type;
      SplitField(field, &name, &type);
      if (!first) out += ",";
      first = false;
      out += StrCat(ToLower(name), ":", GlueTypeOf(type, integers_as_bigint));
    }
    return out + ">";
  }
  if (base == "MAP") {
    std::vector<std::string_view> kv = SplitTopLevel(args);
    if (kv.size() == 2) {
      return StrCat("map<", GlueTypeOf(kv[0], integers_as_bigint), ",",
                    GlueTypeOf(kv[1], integers_as_bigint), ">");
    }
    return "string";
  }
  if (base == "DECIMAL" || base == "NUMERIC") {
    std::vector<std::string_view> ps = SplitTopLevel(args);
    if (ps.size() == 2) return StrCat("decimal(", ps[0], ",", ps[1], ")");
    return "decimal(18,3)";
  }
  if (base == "BIGINT" || base == "INT8" || base == "LONG" || base == "UINTEGER" ||
      base == "UBIGINT" || base == "HUGEINT" || base == "UHUGEINT") {
    // Unsigned 64-bit and 128-bit values do not all fit a bigint; Glue has no wider integer.
    if (base == "UBIGINT" || base == "HUGEINT" || base == "UHUGEINT") return "decimal(38,0)";
    return "bigint";
  }
  if (base == "INTEGER" || base == "INT" || base == "INT4" || base == "USMALLINT") {
    return integers_as_bigint ? "bigint" : "int";
  }
  if (base == "SMALLINT" || base == "INT2" || base == "UTINYINT") {
    return integers_as_bigint ? "bigint" : "smallint";
  }
  if (base == "TINYINT" || base == "INT1") return integers_as_bigint ? "bigint" : "tinyint";
  if (base == "DOUBLE" || base == "FLOAT8") return "double";
  if (base == "FLOAT" || base == "REAL" || base == "FLOAT4") return "float";
  if (base == "BOOLEAN" || base == "BOOL") return "boolean";
  if (base == "DATE") return "date";
  if (base.rfind("TIMESTAMP", 0) == 0) return "timestamp";
  if (base == "BLOB" || base == "BYTEA") return "binary";
  return "string";
}

std::string MergeGlueTypes(const std::string& a, const std::string& b) {
  if (a == b) return a;
  int ra = IntegerRank(a), rb = IntegerRank(b);
  if (ra > 0 && rb > 0) return ra > rb ? a : b;
  auto numeric = [](const std::string& t) {
    return IntegerRank(t) > 0 || t == "double" || t == "float" || t.rfind("decimal(", 0) == 0;
  };
  if (numeric(a) && numeric(b)) return "double";
  return "string";
}

}  // namespace cleanroom::crawler
