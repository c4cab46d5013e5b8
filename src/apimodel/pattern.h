// A string pattern from an AWS service model, matched the way AWS matches it.
//
// Model patterns are ECMAScript regular expressions written without anchors; AWS checks that
// the whole value matches. A Pattern compiles one with RE2 (UTF-8, linear time) for a full
// match, after translating the ECMAScript constructs the models use that RE2 lacks:
//  - `\uXXXX` escapes become `\x{XXXX}`; a UTF-16 surrogate pair `\uD8xx\uDCxx` becomes the
//    code point it encodes, so `[\uD800\uDC00-\uDBFF\uDFFF]` is U+10000..U+10FFFF;
//  - `\uD800\uDBFF-\uDC00\uDFFF` inside a class (a range over lone surrogates, which several
//    models use to mean "any supplementary character") becomes `\x{10000}-\x{10FFFF}`;
//  - a `-` right after a class escape inside a class (`[\w- ]`) is a literal hyphen;
//  - counted repetitions above RE2's limit of 1000 (`[\w\-]{1,2048}`) are split into a
//    sequence of smaller ones that matches the same strings;
//  - lookaheads `(?=X)` / `(?!X)` at the start of the pattern (optionally after a leading `^`,
//    or after a leading `.*` when the rest of the pattern is anchored with `^`, which forces
//    the `.*` to be empty) become separate checks: the value must (or must not) have a prefix
//    matching X. With `$` at the end of X that is a whole-value check, e.g. `(?!\s*$)` means
//    "not all whitespace".
// Anything else RE2 cannot compile (lookarounds elsewhere, backreferences, lone surrogates) is
// an error, so a model whose patterns all compile is checked exactly.
//
// `\d`, `\w` and `\s` are ASCII classes, as in Java (which AWS validates with) and RE2; `\s`
// does not include U+000B.
//
// Thread-safe: a compiled Pattern is immutable.
#ifndef CLEANROOM_APIMODEL_PATTERN_H_
#define CLEANROOM_APIMODEL_PATTERN_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cleanroom::apimodel {

class Pattern {
 public:
  // Compiles `source` (as written in the model). kInvalidArgument names the pattern and the
  // construct that could not be translated or compiled.
  static absl::StatusOr<std::unique_ptr<Pattern>> Compile(std::string_view source);

  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;

  // True if the whole of `value` (UTF-8) matches, lookahead checks included.
  bool Matches(std::string_view value) const;

  // The pattern as written in the model (what validation messages quote).
  const std::string& source() const { return source_; }
  // The RE2 expression the value must fully match, for diagnostics.
  const std::string& translated() const;

 private:
  struct Impl;
  explicit Pattern(std::string source, std::unique_ptr<Impl> impl);

  std::string source_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_PATTERN_H_
