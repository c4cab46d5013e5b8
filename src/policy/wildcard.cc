#include "policy/wildcard.h"

#include <array>

namespace cleanroom::policy {
namespace {

char Fold(char c, bool ignore_case) {
  if (ignore_case && c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

// Splits an ARN into its six components; false if it has fewer than five colons.
bool SplitArn(std::string_view arn, std::array<std::string_view, 6>& parts) {
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return false;
    parts[i] = arn.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = arn.substr(start);
  return true;
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  // Greedy matching that backtracks only to the most recent '*': linear in practice and
  // O(|pattern| * |text|) at worst, with no recursion.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '?' || Fold(pattern[p], ignore_case) == Fold(text[t], ignore_case))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool ArnMatch(std::string_view pattern, std::string_view arn) {
  if (pattern == "*") return true;
  std::array<std::string_view, 6> want, have;
  if (!SplitArn(pattern, want) || !SplitArn(arn, have)) {
    return WildcardMatch(pattern, arn, /*ignore_case=*/false);
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (!WildcardMatch(want[i], have[i], /*ignore_case=*/false)) return false;
  }
  return true;
}

}  // namespace cleanroom::policy
