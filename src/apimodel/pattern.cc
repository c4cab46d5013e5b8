#include "apimodel/pattern.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/strings.h"
#include "re2/re2.h"

namespace cleanroom::apimodel {
namespace {

// Lone surrogate ranges that mean "any supplementary character" in several models.
constexpr std::string_view kSurrogateJunk = "\\uD800\\uDBFF-\\uDC00\\uDFFF";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The code unit of a `\uXXXX` escape at `text[i]`, or nullopt.
std::optional<uint32_t> UnicodeEscapeAt(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return std::nullopt;
  uint32_t value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    if (!IsHex(text[k])) return std::nullopt;
    char c = text[k];
    value = value * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return value;
}

bool StartsWithIgnoreCase(std::string_view text, size_t i, std::string_view prefix) {
  return text.size() - i >= prefix.size() &&
         EqualsIgnoreCase(text.substr(i, prefix.size()), prefix);
}

std::string HexCodePoint(uint32_t cp) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string hex;
  do {
    hex.insert(hex.begin(), kDigits[cp % 16]);
    cp /= 16;
  } while (cp != 0);
  return StrCat("\\x{", hex, "}");
}

absl::Status Unsupported(std::string_view source, std::string_view what) {
  return absl::InvalidArgumentError(
      ToAbsl(StrCat("pattern '", source, "': ", what, " is not supported")));
}

// RE2 refuses counted repetitions above this bound.
constexpr int64_t kMaxRepeat = 1000;

// A counted repetition "{m}", "{m,}" or "{m,n}" at `re[i]`: sets the bounds (max -1 when
// unbounded) and the length of the quantifier text. False if `re[i]` does not start one (an
// ECMAScript "{" that is a literal).
bool ParseRepeat(std::string_view re, size_t i, int64_t* min, int64_t* max, size_t* length) {
  auto number = [&](size_t& pos, int64_t* value) {
    size_t start = pos;
    *value = 0;
    while (pos < re.size() && re[pos] >= '0' && re[pos] <= '9' && pos - start < 9) {
      *value = *value * 10 + (re[pos] - '0');
      ++pos;
    }
    return pos > start;
  };
  size_t pos = i + 1;
  if (!number(pos, min)) return false;
  *max = *min;
  if (pos < re.size() && re[pos] == ',') {
    ++pos;
    if (!number(pos, max)) *max = -1;
  }
  if (pos >= re.size() || re[pos] != '}') return false;
  *length = pos + 1 - i;
  return true;
}

// `atom` repeated min..max times (max -1: unbounded), written with RE2 repetitions of at most
// kMaxRepeat: X{1,2048} becomes (?:X){1,1000}(?:X){0,1000}(?:X){0,48}. A concatenation of
// X{a,b} and X{c,d} matches exactly a+c..b+d copies of X, so the meaning is unchanged.
std::string ExpandRepeat(std::string_view atom, int64_t min, int64_t max) {
  const std::string group = StrCat("(?:", atom, ")");
  std::string out;
  int64_t optional = max < 0 ? 0 : max - min;
  while (min > 0) {
    int64_t n = std::min(min, kMaxRepeat);
    int64_t extra = std::min(optional, kMaxRepeat - n);
    out += StrCat(group, "{", n, ",", n + extra, "}");
    min -= n;
    optional -= extra;
  }
  while (optional > 0) {
    int64_t n = std::min(optional, kMaxRepeat);
    out += StrCat(group, "{0,", n, "}");
    optional -= n;
  }
  if (max < 0) out += StrCat(group, "*");
  return out;
}

// Rewrites the ECMAScript constructs RE2 reads differently or refuses (see pattern.h), and
// splits counted repetitions above RE2's limit. `source` is the whole model pattern, for
// messages.
absl::StatusOr<std::string> TranslateSyntax(std::string_view re, std::string_view source) {
  constexpr size_t kNone = std::string::npos;
  std::string out;
  bool in_class = false;
  bool after_class_escape = false;  // inside a class, right after \d \w \s ...
  size_t atom = kNone;              // where in `out` the last complete atom starts
  std::vector<size_t> groups;       // where in `out` each open group starts
  size_t i = 0;
  while (i < re.size()) {
    char c = re[i];
    const size_t before = out.size();
    if (c == '\\') {
      if (i + 1 >= re.size()) return Unsupported(source, "a trailing backslash");
      char d = re[i + 1];
      after_class_escape = false;
      if (!in_class) atom = before;
      if (d == 'u') {
        if (in_class && StartsWithIgnoreCase(re, i, kSurrogateJunk)) {
          out += "\\x{10000}-\\x{10FFFF}";
          i += kSurrogateJunk.size();
          continue;
        }
        std::optional<uint32_t> unit = UnicodeEscapeAt(re, i);
        if (!unit) return Unsupported(source, "a \\u escape without four hex digits");
        uint32_t cp = *unit;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::optional<uint32_t> low = UnicodeEscapeAt(re, i);
          if (!low || *low < 0xDC00 || *low > 0xDFFF) {
            return Unsupported(source, "a lone UTF-16 surrogate escape");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
          i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Unsupported(source, "a lone UTF-16 surrogate escape");
        }
        out += HexCodePoint(cp);
        continue;
      }
      if (d >= '1' && d <= '9') return Unsupported(source, "a backreference");
      if (d == 'k') return Unsupported(source, "a named backreference");
      if (d == 'c') return Unsupported(source, "a control-character escape");
      if (d == '0') {
        out += "\\x00";
        i += 2;
        continue;
      }
      if (std::string_view("dDwWsS").find(d) != std::string_view::npos) {
        after_class_escape = in_class;
      }
      out += c;
      out += d;
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == '-' && after_class_escape && i + 1 < re.size() && re[i + 1] != ']') {
        out += "\\-";  // ECMAScript: a hyphen after a class escape cannot start a range
      } else if (c == '[') {
        out += "\\[";  // literal in ECMAScript; RE2 would read "[:" as a POSIX class
      } else {
        if (c == ']') in_class = false;
        out += c;
      }
      after_class_escape = false;
      ++i;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        atom = before;
        out += c;
        ++i;
        if (i < re.size() && re[i] == '^') {
          out += '^';
          ++i;
        }
        if (i < re.size() && re[i] == ']') {
          return Unsupported(source, "an empty character class");
        }
        continue;
      case '(':
        groups.push_back(before);
        atom = kNone;
        break;
      case ')':
        atom = groups.empty() ? kNone : groups.back();
        if (!groups.empty()) groups.pop_back();
        break;
      case '|':
      case '^':
      case '$':
      case '*':
      case '+':
      case '?':
        atom = kNone;
        break;
      case '{': {
        int64_t min, max;
        size_t length;
        if (!ParseRepeat(re, i, &min, &max, &length)) {
          atom = before;  // a literal '{'
          break;
        }
        if (atom != kNone && (min > kMaxRepeat || max > kMaxRepeat)) {
          std::string repeated = out.substr(atom);
          out.resize(atom);
          out += ExpandRepeat(repeated, min, max);
        } else {
          out.append(re.substr(i, length));
        }
        atom = kNone;
        i += length;
        continue;
      }
      default:
        atom = before;
        break;
    }
    out += c;
    ++i;
  }
  if (in_class) return Unsupported(source, "an unterminated character class");
  return out;
}

// The index just past the group that opens at `re[open]` ('('), or npos.
size_t GroupEnd(std::string_view re, size_t open) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = open; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

struct Lookahead {
  bool negative;
  std::string body;  // ECMAScript text of X in (?=X) / (?!X)
};

struct Split {
  std::vector<Lookahead> lookaheads;
  std::string main;  // ECMAScript text the whole value must match
};

// Takes the leading lookaheads off `source` (see pattern.h for where they may stand).
absl::StatusOr<Split> SplitLookaheads(std::string_view source) {
  Split split;
  std::string_view rest = source;
  std::string prefix;
  bool leading_dot_star = false;
  if (StartsWith(rest, "^")) {
    prefix = "^";
    rest.remove_prefix(1);
  } else if (StartsWith(rest, ".*(?=") || StartsWith(rest, ".*(?!")) {
    leading_dot_star = true;
    prefix = ".*";
    rest.remove_prefix(2);
  }
  while (StartsWith(rest, "(?=") || StartsWith(rest, "(?!")) {
    size_t end = GroupEnd(rest, 0);
    if (end == std::string_view::npos) return Unsupported(source, "an unterminated lookahead");
    split.lookaheads.push_back({rest[2] == '!', std::string(rest.substr(3, end - 4))});
    rest.remove_prefix(end);
  }
  if (leading_dot_star &&
      !(StartsWith(rest, "^") || StartsWith(rest, "(^") || StartsWith(rest, "(?:^"))) {
    return Unsupported(source, "a lookahead after '.*' that is not followed by '^'");
  }
  split.main = StrCat(prefix, rest);
  return split;
}

absl::StatusOr<std::unique_ptr<RE2>> CompileRe2(std::string_view ecma, std::string_view source) {
  absl::StatusOr<std::string> translated = TranslateSyntax(ecma, source);
  if (!translated.ok()) return translated.status();
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  options.set_never_capture(true);
  auto re = std::make_unique<RE2>(*translated, options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(ToAbsl(
        StrCat("pattern '", source, "' does not compile as '", *translated, "': ", re->error())));
  }
  return re;
}

re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

}  // namespace

struct Pattern::Impl {
  std::unique_ptr<RE2> main;
  struct Check {
    bool negative;
    std::unique_ptr<RE2> re;
  };
  std::vector<Check> lookaheads;
};

Pattern::Pattern(std::string source, std::unique_ptr<Impl> impl)
    : source_(std::move(source)), impl_(std::move(impl)) {}

Pattern::~Pattern() = default;

absl::StatusOr<std::unique_ptr<Pattern>> Pattern::Compile(std::string_view source) {
  absl::StatusOr<Split> split = SplitLookaheads(source);
  if (!split.ok()) return split.status();
  auto impl = std::make_unique<Impl>();
  absl::StatusOr<std::unique_ptr<RE2>> main = CompileRe2(split->main, source);
  if (!main.ok()) return main.status();
  impl->main = std::move(*main);
  for (const Lookahead& lookahead : split->lookaheads) {
    absl::StatusOr<std::unique_ptr<RE2>> re = CompileRe2(lookahead.body, source);
    if (!re.ok()) return re.status();
    impl->lookaheads.push_back({lookahead.negative, std::move(*re)});
  }
  return std::unique_ptr<Pattern>(new Pattern(std::string(source), std::move(impl)));
}

bool Pattern::Matches(std::string_view value) const {
  re2::StringPiece text = Piece(value);
  for (const Impl::Check& check : impl_->lookaheads) {
    bool prefix_matches = check.re->Match(text, 0, text.size(), RE2::ANCHOR_START, nullptr, 0);
    if (prefix_matches == check.negative) return false;
  }
  return RE2::FullMatch(text, *impl_->main);
}

const std::string& Pattern::translated() const { return impl_->main->pattern(); }

}  // namespace cleanroom::apimodel
