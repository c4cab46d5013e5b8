#include "logs/filter_pattern.h"

#include <charconv>
#include <optional>

#include "common/status_macros.h"
#include "common/strings.h"
#include "logs/validation.h"

namespace cleanroom::logs {
namespace {

using nlohmann::json;

// Parentheses deeper than this are refused, so that parsing and matching stay shallow.
constexpr int kMaxNesting = 32;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

absl::Status BadPattern(std::string_view what, size_t offset) {
  return InvalidParameter(StrCat("Invalid filter pattern: ", what, " at character ", offset + 1));
}

// Reads a double-quoted string starting at text[*i] == '"', leaving *i after the closing quote.
// \" and \\ are escapes; a backslash before any other character is kept as is.
absl::StatusOr<std::string> ReadQuoted(std::string_view text, size_t* i) {
  size_t start = *i;
  std::string out;
  ++*i;
  while (*i < text.size() && text[*i] != '"') {
    if (text[*i] == '\\' && *i + 1 < text.size() && (text[*i + 1] == '"' || text[*i + 1] == '\\')) {
      ++*i;
    }
    out.push_back(text[*i]);
    ++*i;
  }
  if (*i == text.size()) return BadPattern("unterminated quoted string", start);
  ++*i;
  return out;
}

// A JSON number literal as the pattern wrote it ("5", "-2.5", "1e3"); nullopt otherwise.
std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t digit = text[0] == '-' ? 1 : 0;
  if (digit >= text.size() || text[digit] < '0' || text[digit] > '9') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool GlobMatch(std::string_view glob, std::string_view text) {
  size_t g = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      star_text = t;
    } else if (g < glob.size() && glob[g] == text[t]) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

// ---- Term patterns ------------------------------------------------------------------------

absl::StatusOr<FilterPattern::TermPattern> FilterPattern::ParseTerms(std::string_view text) {
  TermPattern p;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) break;
    size_t start = i;
    std::vector<std::string>* list = &p.required;
    if (text[i] == '?' || text[i] == '-') {
      list = text[i] == '?' ? &p.any_of : &p.excluded;
      ++i;
      if (i == text.size() || IsSpace(text[i])) {
        return BadPattern(StrCat("'", text[start], "' must be followed by a term"), start);
      }
    }
    std::string term;
    if (text[i] == '"') {
      ASSIGN_OR_RETURN(term, ReadQuoted(text, &i));
      if (i < text.size() && !IsSpace(text[i])) {
        return BadPattern("a quoted phrase must be followed by a space", i);
      }
    } else {
      size_t end = i;
      while (end < text.size() && !IsSpace(text[end])) {
        if (text[end] == '"') {
          return BadPattern("a '\"' inside a term (quote the whole phrase)", end);
        }
        ++end;
      }
      term = std::string(text.substr(i, end - i));
      i = end;
    }
    list->push_back(std::move(term));
  }
  return p;
}

bool FilterPattern::MatchesTerms(const TermPattern& p, std::string_view message) {
  for (const std::string& t : p.required) {
    if (message.find(t) == std::string_view::npos) return false;
  }
  for (const std::string& t : p.excluded) {
    if (message.find(t) != std::string_view::npos) return false;
  }
  if (p.any_of.empty()) return true;
  for (const std::string& t : p.any_of) {
    if (message.find(t) != std::string_view::npos) return true;
  }
  return false;
}

// ---- JSON patterns ------------------------------------------------------------------------

class FilterPattern::JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonPattern> Parse() {
    RETURN_IF_ERROR(Lex());
    RETURN_IF_ERROR(Expect(Token::kLBrace, "expected '{'"));
    ASSIGN_OR_RETURN(size_t root, ParseOr(0));
    RETURN_IF_ERROR(Expect(Token::kRBrace, "expected '}' or an operator"));
    if (Peek().kind != Token::kEnd) {
      return BadPattern("unexpected text after the closing '}'", Peek().offset);
    }
    pattern_.root = root;
    return std::move(pattern_);
  }

 private:
  struct Token {
    enum Kind {
      kEnd,
      kLBrace,
      kRBrace,
      kLParen,
      kRParen,
      kAnd,
      kOr,
      kOperator,
      kSelector,
      kString,
      kWord
    } kind;
    size_t offset;
    std::string text;
    Op op = Op::kEq;
  };

  static bool IsDelimiter(char c) {
    return IsSpace(c) || c == '{' || c == '}' || c == '(' || c == ')' || c == '=' || c == '!' ||
           c == '<' || c == '>' || c == '&' || c == '|' || c == '"';
  }

  absl::Status Lex() {
    size_t i = 0;
    while (true) {
      while (i < text_.size() && IsSpace(text_[i])) ++i;
      if (i == text_.size()) break;
      size_t start = i;
      char c = text_[i];
      auto two = [&](char next) { return i + 1 < text_.size() && text_[i + 1] == next; };
      if (c == '{' || c == '}' || c == '(' || c == ')') {
        tokens_.push_back({c == '{'   ? Token::kLBrace
                           : c == '}' ? Token::kRBrace
                           : c == '(' ? Token::kLParen
                                      : Token::kRParen,
                           start, std::string(1, c)});
        ++i;
      } else if (c == '&' || c == '|') {
        if (!two(c)) return BadPattern(StrCat("'", c, "' must be doubled ('", c, c, "')"), start);
        tokens_.push_back({c == '&' ? Token::kAnd : Token::kOr, start, std::string(2, c)});
        i += 2;
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        Op op = Op::kEq;
        size_t len = 1;
        if (c == '!') {
          if (!two('=')) return BadPattern("'!' must be followed by '='", start);
          op = Op::kNe;
          len = 2;
        } else if (c == '<' || c == '>') {
          len = two('=') ? 2 : 1;
          op = c == '<' ? (len == 2 ? Op::kLe : Op::kLt) : (len == 2 ? Op::kGe : Op::kGt);
        }
        tokens_.push_back({Token::kOperator, start, std::string(text_.substr(i, len)), op});
        i += len;
      } else if (c == '"') {
        ASSIGN_OR_RETURN(std::string s, ReadQuoted(text_, &i));
        tokens_.push_back({Token::kString, start, std::move(s)});
      } else if (c == '%') {
        return BadPattern("regular expressions (%...%) are not supported", start);
      } else {
        while (i < text_.size() && !IsDelimiter(text_[i])) ++i;
        std::string word(text_.substr(start, i - start));
        tokens_.push_back({word[0] == '$' ? Token::kSelector : Token::kWord, start, word});
      }
    }
    tokens_.push_back({Token::kEnd, text_.size(), ""});
    return absl::OkStatus();
  }

  const Token& Peek() const { return tokens_[next_]; }
  const Token& Take() {
    const Token& t = tokens_[next_];
    if (t.kind != Token::kEnd) ++next_;
    return t;
  }

  absl::Status Expect(Token::Kind kind, std::string_view what) {
    if (Peek().kind != kind) return BadPattern(what, Peek().offset);
    Take();
    return absl::OkStatus();
  }

  size_t Add(JsonNode node) {
    pattern_.nodes.push_back(std::move(node));
    return pattern_.nodes.size() - 1;
  }

  size_t Combine(JsonNode::Kind kind, size_t left, size_t right) {
    JsonNode n;
    n.kind = kind;
    n.left = left;
    n.right = right;
    return Add(std::move(n));
  }

  absl::StatusOr<size_t> ParseOr(int depth) {
    ASSIGN_OR_RETURN(size_t left, ParseAnd(depth));
    while (Peek().kind == Token::kOr) {
      Take();
      ASSIGN_OR_RETURN(size_t right, ParseAnd(depth));
      left = Combine(JsonNode::Kind::kOr, left, right);
    }
    return left;
  }

  absl::StatusOr<size_t> ParseAnd(int depth) {
    ASSIGN_OR_RETURN(size_t left, ParsePrimary(depth));
    while (Peek().kind == Token::kAnd) {
      Take();
      ASSIGN_OR_RETURN(size_t right, ParsePrimary(depth));
      left = Combine(JsonNode::Kind::kAnd, left, right);
    }
    return left;
  }

  absl::StatusOr<size_t> ParsePrimary(int depth) {
    if (Peek().kind == Token::kLParen) {
      if (depth >= kMaxNesting) return BadPattern("parentheses nested too deeply", Peek().offset);
      Take();
      ASSIGN_OR_RETURN(size_t inner, ParseOr(depth + 1));
      RETURN_IF_ERROR(Expect(Token::kRParen, "expected ')' or an operator"));
      return inner;
    }
    return ParseComparison();
  }

  absl::StatusOr<std::vector<PathStep>> ParseSelector(const Token& t) {
    std::string_view s = t.text;
    std::vector<PathStep> steps;
    size_t i = 1;  // after '$'
    while (i < s.size()) {
      size_t at = t.offset + i;
      if (s[i] == '.') {
        size_t end = ++i;
        while (end < s.size() && s[end] != '.' && s[end] != '[' && s[end] != ']') ++end;
        if (end == i) return BadPattern("expected a field name after '.'", at);
        steps.push_back({false, std::string(s.substr(i, end - i)), 0});
        i = end;
      } else if (s[i] == '[') {
        size_t end = s.find(']', i);
        uint64_t index = 0;
        if (end == std::string_view::npos || !ParseUint64(s.substr(i + 1, end - i - 1), &index)) {
          return BadPattern("expected an array index such as [0]", at);
        }
        steps.push_back({true, "", static_cast<size_t>(index)});
        i = end + 1;
      } else {
        return BadPattern("a selector continues with '.field' or '[index]'", at);
      }
    }
    if (steps.empty()) return BadPattern("a selector needs a field, such as $.field", t.offset);
    return steps;
  }

  absl::StatusOr<size_t> ParseComparison() {
    const Token& sel = Take();
    if (sel.kind != Token::kSelector) {
      return BadPattern("expected a selector such as $.field", sel.offset);
    }
    JsonNode n;
    ASSIGN_OR_RETURN(n.selector, ParseSelector(sel));
    const Token& op = Take();
    if (op.kind == Token::kWord && EqualsIgnoreCase(op.text, "IS")) {
      const Token& what = Take();
      if (what.kind == Token::kWord && EqualsIgnoreCase(what.text, "TRUE")) {
        n.op = Op::kIsTrue;
      } else if (what.kind == Token::kWord && EqualsIgnoreCase(what.text, "FALSE")) {
        n.op = Op::kIsFalse;
      } else if (what.kind == Token::kWord && EqualsIgnoreCase(what.text, "NULL")) {
        n.op = Op::kIsNull;
      } else {
        return BadPattern("IS must be followed by TRUE, FALSE or NULL", what.offset);
      }
      return Add(std::move(n));
    }
    if (op.kind == Token::kWord && EqualsIgnoreCase(op.text, "NOT")) {
      const Token& what = Take();
      if (what.kind != Token::kWord || !EqualsIgnoreCase(what.text, "EXISTS")) {
        return BadPattern("NOT must be followed by EXISTS", what.offset);
      }
      n.op = Op::kNotExists;
      return Add(std::move(n));
    }
    if (op.kind != Token::kOperator) {
      return BadPattern(
          StrCat("expected an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS) after ", sel.text),
          op.offset);
    }
    n.op = op.op;
    const Token& value = Take();
    if (value.kind != Token::kString && value.kind != Token::kWord) {
      return BadPattern(StrCat("expected a value after '", op.text, "'"), value.offset);
    }
    n.text = value.text;
    if (value.kind == Token::kWord) {
      if (std::optional<double> number = ParseNumber(value.text)) {
        n.value_is_number = true;
        n.number = *number;
      }
    }
    if (n.op != Op::kEq && n.op != Op::kNe && !n.value_is_number) {
      return BadPattern(
          StrCat("'", op.text, "' compares numbers, but '", value.text, "' is not a number"),
          value.offset);
    }
    return Add(std::move(n));
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  JsonPattern pattern_;
};

bool FilterPattern::Compare(const JsonNode& n, const json* value) {
  if (n.op == Op::kNotExists) return value == nullptr;
  if (value == nullptr) return false;
  switch (n.op) {
    case Op::kIsTrue:
      return value->is_boolean() && value->get<bool>();
    case Op::kIsFalse:
      return value->is_boolean() && !value->get<bool>();
    case Op::kIsNull:
      return value->is_null();
    case Op::kEq:
    case Op::kNe: {
      bool equal = false;
      if (value->is_string()) {
        const std::string& s = value->get_ref<const std::string&>();
        equal = n.value_is_number ? s == n.text : GlobMatch(n.text, s);
      } else if (value->is_number() && n.value_is_number) {
        equal = value->get<double>() == n.number;
      }
      return n.op == Op::kEq ? equal : !equal;
    }
    default:
      break;
  }
  if (!value->is_number()) return false;
  double v = value->get<double>();
  switch (n.op) {
    case Op::kLt:
      return v < n.number;
    case Op::kLe:
      return v <= n.number;
    case Op::kGt:
      return v > n.number;
    case Op::kGe:
      return v >= n.number;
    default:
      return false;
  }
}

bool FilterPattern::Evaluate(const JsonPattern& p, size_t node, const json& doc) {
  const JsonNode& n = p.nodes[node];
  switch (n.kind) {
    case JsonNode::Kind::kAnd:
      return Evaluate(p, n.left, doc) && Evaluate(p, n.right, doc);
    case JsonNode::Kind::kOr:
      return Evaluate(p, n.left, doc) || Evaluate(p, n.right, doc);
    case JsonNode::Kind::kCompare:
      break;
  }
  const json* value = &doc;
  for (const PathStep& step : n.selector) {
    if (step.is_index) {
      value = value->is_array() && step.index < value->size() ? &(*value)[step.index] : nullptr;
    } else if (value->is_object()) {
      auto it = value->find(step.name);
      value = it == value->end() ? nullptr : &*it;
    } else {
      value = nullptr;
    }
    if (value == nullptr) break;
  }
  return Compare(n, value);
}

// ---- FilterPattern ------------------------------------------------------------------------

absl::StatusOr<FilterPattern> FilterPattern::Parse(std::string_view text) {
  std::string_view trimmed = Trim(text);
  if (!trimmed.empty() && trimmed.front() == '{') {
    JsonParser parser(text);
    ASSIGN_OR_RETURN(JsonPattern json_pattern, parser.Parse());
    return FilterPattern(std::move(json_pattern));
  }
  if (!trimmed.empty() && trimmed.front() == '[') {
    return BadPattern("space-delimited patterns ([...]) are not supported",
                      static_cast<size_t>(trimmed.data() - text.data()));
  }
  if (trimmed.size() >= 2 && trimmed.front() == '%' && trimmed.back() == '%') {
    return BadPattern("regular expressions (%...%) are not supported",
                      static_cast<size_t>(trimmed.data() - text.data()));
  }
  ASSIGN_OR_RETURN(TermPattern terms, ParseTerms(text));
  return FilterPattern(std::move(terms));
}

bool FilterPattern::MatchesEverything() const {
  const TermPattern* terms = std::get_if<TermPattern>(&pattern_);
  return terms != nullptr && terms->required.empty() && terms->any_of.empty() &&
         terms->excluded.empty();
}

bool FilterPattern::Matches(std::string_view message) const {
  if (const TermPattern* terms = std::get_if<TermPattern>(&pattern_)) {
    return MatchesTerms(*terms, message);
  }
  const JsonPattern& p = std::get<JsonPattern>(pattern_);
  json doc = json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return false;
  return Evaluate(p, p.root, doc);
}

}  // namespace cleanroom::logs
