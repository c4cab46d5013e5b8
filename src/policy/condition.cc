#include "policy/condition.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "common/strings.h"
#include "policy/wildcard.h"

namespace cleanroom::policy {
namespace {

constexpr std::pair<std::string_view, ConditionOperator> kOperators[] = {
    {"StringEquals", ConditionOperator::kStringEquals},
    {"StringNotEquals", ConditionOperator::kStringNotEquals},
    {"StringEqualsIgnoreCase", ConditionOperator::kStringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", ConditionOperator::kStringNotEqualsIgnoreCase},
    {"StringLike", ConditionOperator::kStringLike},
    {"StringNotLike", ConditionOperator::kStringNotLike},
    {"ArnEquals", ConditionOperator::kArnEquals},
    {"ArnNotEquals", ConditionOperator::kArnNotEquals},
    {"ArnLike", ConditionOperator::kArnLike},
    {"ArnNotLike", ConditionOperator::kArnNotLike},
    {"NumericEquals", ConditionOperator::kNumericEquals},
    {"NumericNotEquals", ConditionOperator::kNumericNotEquals},
    {"NumericLessThan", ConditionOperator::kNumericLessThan},
    {"NumericLessThanEquals", ConditionOperator::kNumericLessThanEquals},
    {"NumericGreaterThan", ConditionOperator::kNumericGreaterThan},
    {"NumericGreaterThanEquals", ConditionOperator::kNumericGreaterThanEquals},
    {"Bool", ConditionOperator::kBool},
    {"Null", ConditionOperator::kNull},
};

// Parses a decimal number (optional sign, digits, optional fraction). No exponents, spaces,
// "inf" or "nan".
std::optional<double> ParseNumber(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t digits = 0, dots = 0;
  for (; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      ++digits;
    } else if (text[i] == '.' && dots == 0) {
      ++dots;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0) return std::nullopt;
  std::string copy(text);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

// Whether the context value `have` matches the policy value `want` under `op`, ignoring
// negation (StringNotEquals is tested as StringEquals and inverted by the caller).
bool ValueMatches(ConditionOperator op, std::string_view want, std::string_view have) {
  switch (op) {
    case ConditionOperator::kStringEquals:
    case ConditionOperator::kStringNotEquals:
      return want == have;
    case ConditionOperator::kStringEqualsIgnoreCase:
    case ConditionOperator::kStringNotEqualsIgnoreCase:
      return EqualsIgnoreCase(want, have);
    case ConditionOperator::kStringLike:
    case ConditionOperator::kStringNotLike:
      return WildcardMatch(want, have, /*ignore_case=*/false);
    case ConditionOperator::kArnEquals:
    case ConditionOperator::kArnNotEquals:
    case ConditionOperator::kArnLike:
    case ConditionOperator::kArnNotLike:
      return ArnMatch(want, have);
    case ConditionOperator::kBool:
      return EqualsIgnoreCase(want, have);
    case ConditionOperator::kNull:
      return false;  // handled by the caller
    case ConditionOperator::kNumericEquals:
    case ConditionOperator::kNumericNotEquals:
    case ConditionOperator::kNumericLessThan:
    case ConditionOperator::kNumericLessThanEquals:
    case ConditionOperator::kNumericGreaterThan:
    case ConditionOperator::kNumericGreaterThanEquals: {
      std::optional<double> w = ParseNumber(want), h = ParseNumber(have);
      if (!w || !h) return false;
      switch (op) {
        case ConditionOperator::kNumericLessThan:
          return *h < *w;
        case ConditionOperator::kNumericLessThanEquals:
          return *h <= *w;
        case ConditionOperator::kNumericGreaterThan:
          return *h > *w;
        case ConditionOperator::kNumericGreaterThanEquals:
          return *h >= *w;
        default:
          return *h == *w;
      }
    }
  }
  return false;
}

bool AnyValueMatches(const Condition& c, std::string_view have) {
  for (const std::string& want : c.values) {
    if (ValueMatches(c.spec.op, want, have)) return true;
  }
  return false;
}

}  // namespace

std::optional<ConditionOperatorSpec> ParseConditionOperator(std::string_view name) {
  ConditionOperatorSpec spec;
  if (StartsWith(name, "ForAnyValue:")) {
    spec.qualifier = SetQualifier::kForAnyValue;
    name.remove_prefix(12);
  } else if (StartsWith(name, "ForAllValues:")) {
    spec.qualifier = SetQualifier::kForAllValues;
    name.remove_prefix(13);
  }
  if (EndsWith(name, "IfExists")) {
    spec.if_exists = true;
    name.remove_suffix(8);
  }
  for (const auto& [text, op] : kOperators) {
    if (name == text) {
      if (op == ConditionOperator::kNull &&
          (spec.if_exists || spec.qualifier != SetQualifier::kNone)) {
        return std::nullopt;
      }
      spec.op = op;
      return spec;
    }
  }
  return std::nullopt;
}

bool IsNegated(ConditionOperator op) {
  switch (op) {
    case ConditionOperator::kStringNotEquals:
    case ConditionOperator::kStringNotEqualsIgnoreCase:
    case ConditionOperator::kStringNotLike:
    case ConditionOperator::kArnNotEquals:
    case ConditionOperator::kArnNotLike:
    case ConditionOperator::kNumericNotEquals:
      return true;
    default:
      return false;
  }
}

ConditionContext NormalizeContext(const std::map<std::string, std::string>& context) {
  ConditionContext out;
  for (const auto& [key, value] : context) out[ToLower(key)] = value;
  return out;
}

bool EvaluateCondition(const Condition& c, const ConditionContext& context) {
  auto it = context.find(ToLower(c.key));
  const bool present = it != context.end();
  if (c.spec.op == ConditionOperator::kNull) {
    // "true" asks for an absent key, "false" for a present one; several values are ORed.
    for (const std::string& want : c.values) {
      if (EqualsIgnoreCase(want, "true") ? !present : present) return true;
    }
    return false;
  }
  if (!present) {
    if (c.spec.if_exists) return true;
    // With no value, "all values match" holds vacuously and "any value matches" does not.
    if (c.spec.qualifier == SetQualifier::kForAllValues) return true;
    if (c.spec.qualifier == SetQualifier::kForAnyValue) return false;
    return IsNegated(c.spec.op);
  }
  const bool matched = AnyValueMatches(c, it->second);
  return IsNegated(c.spec.op) ? !matched : matched;
}

std::optional<std::string> CheckConditionValue(ConditionOperator op, std::string_view value) {
  switch (op) {
    case ConditionOperator::kBool:
    case ConditionOperator::kNull:
      if (EqualsIgnoreCase(value, "true") || EqualsIgnoreCase(value, "false")) return std::nullopt;
      return StrCat("\"", value, "\" is not true or false");
    case ConditionOperator::kNumericEquals:
    case ConditionOperator::kNumericNotEquals:
    case ConditionOperator::kNumericLessThan:
    case ConditionOperator::kNumericLessThanEquals:
    case ConditionOperator::kNumericGreaterThan:
    case ConditionOperator::kNumericGreaterThanEquals:
      if (ParseNumber(value)) return std::nullopt;
      return StrCat("\"", value, "\" is not a number");
    default:
      return std::nullopt;
  }
}

}  // namespace cleanroom::policy
