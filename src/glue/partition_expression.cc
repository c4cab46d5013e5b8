#include "glue/partition_expression.h"

#include <cerrno>
#include <cstdlib>

#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/names.h"

namespace cleanroom::glue {
namespace {

constexpr int kMaxDepth = 100;
constexpr std::string_view kHiveNull = "__HIVE_DEFAULT_PARTITION__";

enum class TokenKind { kIdent, kString, kNumber, kOp, kLParen, kRParen, kComma, kEnd };

struct Token {
  TokenKind kind;
  std::string text;     // identifier (unquoted), literal value, or operator
  bool quoted = false;  // identifier written in quotes (never a keyword)
  size_t offset = 0;
};

absl::Status SyntaxError(std::string_view expression, size_t offset, std::string_view what) {
  return InvalidInput(StrCat("Invalid partition expression '", expression, "' at position ",
                             offset + 1, ": ", what));
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    size_t start = i;
    if (c == '(' || c == ')' || c == ',') {
      out.push_back({c == '('   ? TokenKind::kLParen
                     : c == ')' ? TokenKind::kRParen
                                : TokenKind::kComma,
                     std::string(1, c), false, start});
      ++i;
    } else if (c == '\'' || c == '"' || c == '`') {
      std::string text;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {  // doubled quote
            text.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        text.push_back(s[i++]);
      }
      if (!closed) return SyntaxError(s, start, "unterminated quote");
      out.push_back(
          {c == '\'' ? TokenKind::kString : TokenKind::kIdent, std::move(text), true, start});
    } else if (IsDigit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < s.size() &&
                              (IsDigit(s[i + 1]) || s[i + 1] == '.'))) {
      ++i;
      while (i < s.size() &&
             (IsDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
              ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E')))) {
        ++i;
      }
      if (i < s.size() && IsIdentChar(s[i])) {
        // Bare names may start with digits ("2021col"); read the rest as an identifier.
        while (i < s.size() && IsIdentChar(s[i])) ++i;
        out.push_back({TokenKind::kIdent, std::string(s.substr(start, i - start)), false, start});
      } else {
        out.push_back({TokenKind::kNumber, std::string(s.substr(start, i - start)), false, start});
      }
    } else if (IsIdentChar(c)) {
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      out.push_back({TokenKind::kIdent, std::string(s.substr(start, i - start)), false, start});
    } else if (c == '=') {
      out.push_back({TokenKind::kOp, "=", false, start});
      ++i;
    } else if (c == '<' || c == '>' || c == '!') {
      std::string op(1, c);
      if (i + 1 < s.size() && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>')))
        op.push_back(s[i + 1]);
      if (op == "!") return SyntaxError(s, start, "'!' must be followed by '='");
      out.push_back({TokenKind::kOp, op == "!=" ? "<>" : op, false, start});
      i += op.size();
    } else {
      return SyntaxError(s, start, StrCat("unexpected character '", std::string(1, c), "'"));
    }
  }
  out.push_back({TokenKind::kEnd, "", false, s.size()});
  return out;
}

enum class KeyKind { kText, kInteger, kDecimal };

KeyKind KindOfType(std::string_view type) {
  std::string t = ToLower(Trim(type));
  for (std::string_view integral : {"tinyint", "smallint", "int", "integer", "bigint", "long"}) {
    if (t == integral) return KeyKind::kInteger;
  }
  if (StartsWith(t, "decimal") || t == "double" || t == "float" || t == "real") {
    return KeyKind::kDecimal;
  }
  return KeyKind::kText;
}

bool ParseNumber(std::string_view text, long double* out) {
  std::string s(Trim(text));
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

// A literal converted for its key: numbers for numeric keys, text otherwise.
struct Value {
  std::string text;
  long double number = 0;
};

// SQL LIKE with % and _ (no escape character): iterative, so any pattern runs in
// O(|text| * |pattern|).
bool LikeMatch(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || pattern[p] == text[t])) {
      ++t, ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace

struct PartitionFilter::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kIn, kBetween, kLike, kIsNull };
  Kind kind;
  std::vector<std::shared_ptr<const Node>> children;
  size_t key = 0;
  KeyKind key_kind = KeyKind::kText;
  std::string op;             // kCompare
  std::vector<Value> values;  // kCompare (1), kIn (n), kBetween (2), kLike (1)
  bool negated = false;       // NOT IN / NOT BETWEEN / NOT LIKE / IS NOT NULL

  bool Eval(const std::vector<std::string>& partition) const;
};

namespace {

using NodePtr = std::shared_ptr<const PartitionFilter::Node>;
using Node = PartitionFilter::Node;

// -1, 0, 1; nullopt if the partition value cannot be compared (not a number for a numeric key).
std::optional<int> Compare(const Node& n, const std::string& actual, const Value& literal) {
  if (n.key_kind == KeyKind::kText) {
    int c = actual.compare(literal.text);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  long double v;
  if (!ParseNumber(actual, &v)) return std::nullopt;
  return v < literal.number ? -1 : v > literal.number ? 1 : 0;
}

bool ApplyOp(std::string_view op, int c) {
  if (op == "=") return c == 0;
  if (op == "<>") return c != 0;
  if (op == "<") return c < 0;
  if (op == ">") return c > 0;
  if (op == "<=") return c <= 0;
  return c >= 0;  // ">="
}

std::string FlipOp(std::string_view op) {
  if (op == "<") return ">";
  if (op == ">") return "<";
  if (op == "<=") return ">=";
  if (op == ">=") return "<=";
  return std::string(op);
}

class Parser {
 public:
  Parser(std::string_view expression, std::vector<Token> tokens, const std::vector<Column>& keys)
      : expression_(expression), tokens_(std::move(tokens)), keys_(keys) {}

  absl::StatusOr<NodePtr> ParseAll() {
    ASSIGN_OR_RETURN(NodePtr root, ParseOr(0));
    if (Peek().kind != TokenKind::kEnd) return Error("unexpected text after the expression");
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsKeyword(const Token& t, std::string_view word) const {
    return t.kind == TokenKind::kIdent && !t.quoted && EqualsIgnoreCase(t.text, word);
  }
  bool AcceptKeyword(std::string_view word) {
    if (!IsKeyword(Peek(), word)) return false;
    ++pos_;
    return true;
  }
  absl::Status Error(std::string_view what) const {
    return SyntaxError(expression_, Peek().offset, what);
  }

  absl::StatusOr<NodePtr> ParseOr(int depth) {
    ASSIGN_OR_RETURN(NodePtr left, ParseAnd(depth));
    while (AcceptKeyword("OR")) {
      ASSIGN_OR_RETURN(NodePtr right, ParseAnd(depth));
      left = Combine(Node::Kind::kOr, std::move(left), std::move(right));
    }
    return left;
  }

  absl::StatusOr<NodePtr> ParseAnd(int depth) {
    ASSIGN_OR_RETURN(NodePtr left, ParseUnary(depth));
    while (AcceptKeyword("AND")) {
      ASSIGN_OR_RETURN(NodePtr right, ParseUnary(depth));
      left = Combine(Node::Kind::kAnd, std::move(left), std::move(right));
    }
    return left;
  }

  static NodePtr Combine(Node::Kind kind, NodePtr left, NodePtr right) {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->children = {std::move(left), std::move(right)};
    return n;
  }

  absl::StatusOr<NodePtr> ParseUnary(int depth) {
    if (depth > kMaxDepth) return Error("the expression is nested too deeply");
    if (AcceptKeyword("NOT")) {
      ASSIGN_OR_RETURN(NodePtr inner, ParseUnary(depth + 1));
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kNot;
      n->children = {std::move(inner)};
      return NodePtr(n);
    }
    if (Peek().kind == TokenKind::kLParen) {
      ++pos_;
      ASSIGN_OR_RETURN(NodePtr inner, ParseOr(depth + 1));
      if (Peek().kind != TokenKind::kRParen) return Error("expected ')'");
      ++pos_;
      return inner;
    }
    return ParsePredicate();
  }

  bool IsKeyToken(const Token& t) const {
    return t.kind == TokenKind::kIdent && !IsKeyword(t, "NULL") && !IsKeyword(t, "AND") &&
           !IsKeyword(t, "OR") && !IsKeyword(t, "NOT");
  }

  absl::StatusOr<size_t> ResolveKey(const Token& t) const {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (EqualsIgnoreCase(keys_[i].name, t.text)) return i;
    }
    return SyntaxError(expression_, t.offset,
                       StrCat("'", t.text, "' is not a partition key of the table"));
  }

  absl::StatusOr<Value> ParseLiteral(KeyKind kind) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kString && t.kind != TokenKind::kNumber) {
      return Error("expected a literal (a number or a 'quoted' string)");
    }
    Value v{t.text, 0};
    if (kind != KeyKind::kText && !ParseNumber(t.text, &v.number)) {
      return Error(StrCat("'", t.text, "' is not a number, but the key is numeric"));
    }
    ++pos_;
    return v;
  }

  absl::StatusOr<NodePtr> ParsePredicate() {
    auto n = std::make_shared<Node>();
    const Token& first = Peek();
    if (first.kind == TokenKind::kString || first.kind == TokenKind::kNumber) {
      // literal op key
      Token literal = first;
      ++pos_;
      if (Peek().kind != TokenKind::kOp) return Error("expected a comparison operator");
      std::string op = Next().text;
      if (!IsKeyToken(Peek())) return Error("expected a partition key");
      ASSIGN_OR_RETURN(n->key, ResolveKey(Next()));
      n->key_kind = KindOfType(keys_[n->key].type);
      n->kind = Node::Kind::kCompare;
      n->op = FlipOp(op);
      Value v{literal.text, 0};
      if (n->key_kind != KeyKind::kText && !ParseNumber(literal.text, &v.number)) {
        return SyntaxError(expression_, literal.offset,
                           StrCat("'", literal.text, "' is not a number, but the key is numeric"));
      }
      n->values.push_back(std::move(v));
      return NodePtr(n);
    }
    if (!IsKeyToken(first)) return Error("expected a partition key or a literal");
    ASSIGN_OR_RETURN(n->key, ResolveKey(Next()));
    n->key_kind = KindOfType(keys_[n->key].type);

    if (Peek().kind == TokenKind::kOp) {
      n->kind = Node::Kind::kCompare;
      n->op = Next().text;
      ASSIGN_OR_RETURN(Value v, ParseLiteral(n->key_kind));
      n->values.push_back(std::move(v));
      return NodePtr(n);
    }
    if (AcceptKeyword("IS")) {
      n->kind = Node::Kind::kIsNull;
      n->negated = AcceptKeyword("NOT");
      if (!AcceptKeyword("NULL")) return Error("expected NULL");
      return NodePtr(n);
    }
    n->negated = AcceptKeyword("NOT");
    if (AcceptKeyword("IN")) {
      n->kind = Node::Kind::kIn;
      if (Peek().kind != TokenKind::kLParen) return Error("expected '(' after IN");
      ++pos_;
      while (true) {
        ASSIGN_OR_RETURN(Value v, ParseLiteral(n->key_kind));
        n->values.push_back(std::move(v));
        if (Peek().kind == TokenKind::kComma) {
          ++pos_;
          continue;
        }
        if (Peek().kind != TokenKind::kRParen) return Error("expected ',' or ')'");
        ++pos_;
        break;
      }
      return NodePtr(n);
    }
    if (AcceptKeyword("BETWEEN")) {
      n->kind = Node::Kind::kBetween;
      ASSIGN_OR_RETURN(Value low, ParseLiteral(n->key_kind));
      if (!AcceptKeyword("AND")) return Error("expected AND in BETWEEN");
      ASSIGN_OR_RETURN(Value high, ParseLiteral(n->key_kind));
      n->values = {std::move(low), std::move(high)};
      return NodePtr(n);
    }
    if (AcceptKeyword("LIKE")) {
      n->kind = Node::Kind::kLike;
      if (Peek().kind != TokenKind::kString) return Error("LIKE needs a 'quoted' pattern");
      n->values.push_back(Value{Next().text, 0});
      return NodePtr(n);
    }
    return Error("expected a comparison operator, IN, BETWEEN, LIKE or IS");
  }

  std::string_view expression_;
  std::vector<Token> tokens_;
  const std::vector<Column>& keys_;
  size_t pos_ = 0;
};

}  // namespace

bool PartitionFilter::Node::Eval(const std::vector<std::string>& partition) const {
  switch (kind) {
    case Kind::kAnd:
      return children[0]->Eval(partition) && children[1]->Eval(partition);
    case Kind::kOr:
      return children[0]->Eval(partition) || children[1]->Eval(partition);
    case Kind::kNot:
      return !children[0]->Eval(partition);
    default:
      break;
  }
  if (key >= partition.size()) return false;
  const std::string& actual = partition[key];
  bool is_null = actual == kHiveNull;
  if (kind == Kind::kIsNull) return is_null != negated;
  if (is_null) return false;  // comparisons with NULL are never true
  switch (kind) {
    case Kind::kCompare: {
      std::optional<int> c = Compare(*this, actual, values[0]);
      return c.has_value() && ApplyOp(op, *c);
    }
    case Kind::kIn: {
      bool found = false;
      for (const Value& v : values) {
        std::optional<int> c = Compare(*this, actual, v);
        if (!c.has_value()) return false;
        found = found || *c == 0;
      }
      return found != negated;
    }
    case Kind::kBetween: {
      std::optional<int> low = Compare(*this, actual, values[0]);
      std::optional<int> high = Compare(*this, actual, values[1]);
      if (!low.has_value() || !high.has_value()) return false;
      return (*low >= 0 && *high <= 0) != negated;
    }
    case Kind::kLike:
      return LikeMatch(actual, values[0].text) != negated;
    default:
      return false;
  }
}

absl::StatusOr<PartitionFilter> PartitionFilter::Parse(std::string_view expression,
                                                       const std::vector<Column>& partition_keys) {
  if (Trim(expression).empty()) return PartitionFilter(nullptr);
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(expression));
  Parser parser(expression, std::move(tokens), partition_keys);
  ASSIGN_OR_RETURN(NodePtr root, parser.ParseAll());
  return PartitionFilter(std::move(root));
}

bool PartitionFilter::Matches(const std::vector<std::string>& values) const {
  return root_ == nullptr || root_->Eval(values);
}

}  // namespace cleanroom::glue
