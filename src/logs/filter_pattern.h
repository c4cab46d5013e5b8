// CloudWatch Logs filter patterns (the `filterPattern` of FilterLogEvents): a parser and a
// matcher over log event messages, independent of storage.
//
// Two forms are supported.
//
// Term patterns, for unstructured messages. Terms are separated by spaces; each is a bare
// word (any run of non-space characters) or a double-quoted phrase ("a b", with \" and \\ as
// escapes). Matching is a case-sensitive substring search:
//   ERROR Exception        every plain term must occur (AND)
//   ?ERROR ?WARN           at least one ?-term must occur (OR)
//   ERROR -Exception       no -term may occur (exclusion)
// Mixed, an event matches when every plain term occurs, no -term occurs and, if there are
// ?-terms, at least one of them occurs. An empty or all-blank pattern matches every event.
//
// JSON patterns, for messages that are JSON documents: `{ expression }` where
//   expression := and ( '||' and )*            && binds tighter than ||
//   and        := primary ( '&&' primary )*
//   primary    := '(' expression ')' | comparison
//   comparison := selector ( '=' | '!=' ) value
//               | selector ( '<' | '<=' | '>' | '>=' ) number
//               | selector IS ( TRUE | FALSE | NULL ) | selector NOT EXISTS
//   selector   := '$' ( '.' name | '[' index ']' )*       e.g. $.user.roles[0].name
//   value      := "quoted string" | bare word | number    `*` in a string is a wildcard
// A comparison is false when the selector does not resolve (also for `!=`), except NOT EXISTS.
// String values match JSON strings (with `*` matching any run of characters); a number value
// with = / != compares numerically against JSON numbers and as text against JSON strings;
// ordering operators match JSON numbers only. A message that is not JSON never matches.
//
// Regular expressions (%...%) and space-delimited patterns ([a, b, ...]) are refused.
#ifndef CLEANROOM_LOGS_FILTER_PATTERN_H_
#define CLEANROOM_LOGS_FILTER_PATTERN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace cleanroom::logs {

// Immutable once parsed; Matches is safe to call from many threads.
class FilterPattern {
 public:
  // Parses `text`. An invalid pattern is kInvalidArgument (InvalidParameterException) whose
  // message starts with "Invalid filter pattern" and says what is wrong and where.
  static absl::StatusOr<FilterPattern> Parse(std::string_view text);

  // True if the event whose message is `message` matches.
  bool Matches(std::string_view message) const;
  // True for the empty pattern (every event matches).
  bool MatchesEverything() const;

 private:
  struct TermPattern {
    std::vector<std::string> required;  // plain terms: all must occur
    std::vector<std::string> any_of;    // ?terms: one must occur, if any are given
    std::vector<std::string> excluded;  // -terms: none may occur
  };

  // One step of a selector: a member name or an array index.
  struct PathStep {
    bool is_index = false;
    std::string name;
    size_t index = 0;
  };

  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIsTrue, kIsFalse, kIsNull, kNotExists };

  // A node of a JSON expression; children are indexes into JsonPattern::nodes.
  struct JsonNode {
    enum class Kind { kAnd, kOr, kCompare } kind = Kind::kCompare;
    size_t left = 0;
    size_t right = 0;
    std::vector<PathStep> selector;
    Op op = Op::kEq;
    bool value_is_number = false;
    double number = 0;
    std::string text;  // the value as written (for strings: unquoted, may hold '*')
  };

  struct JsonPattern {
    std::vector<JsonNode> nodes;
    size_t root = 0;
  };

  class JsonParser;

  explicit FilterPattern(std::variant<TermPattern, JsonPattern> pattern)
      : pattern_(std::move(pattern)) {}

  static absl::StatusOr<TermPattern> ParseTerms(std::string_view text);
  static bool MatchesTerms(const TermPattern& p, std::string_view message);
  static bool Evaluate(const JsonPattern& p, size_t node, const nlohmann::json& doc);
  static bool Compare(const JsonNode& n, const nlohmann::json* value);

  std::variant<TermPattern, JsonPattern> pattern_;
};

// True if `text` matches `glob`, where '*' matches any run of characters (also empty) and
// every other character matches itself.
bool GlobMatch(std::string_view glob, std::string_view text);

}  // namespace cleanroom::logs

#endif  // CLEANROOM_LOGS_FILTER_PATTERN_H_
