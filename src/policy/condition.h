// The Condition element of a policy statement: operators, their parsing and their evaluation
// against a request context (condition key -> value).
//
// Supported operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnNotEquals, ArnLike,
// ArnNotLike, NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals,
// NumericGreaterThan, NumericGreaterThanEquals, Bool and Null; every one except Null also with
// the IfExists suffix, and with the ForAnyValue: / ForAllValues: set prefixes. Context values
// are single-valued, so a set operator sees a one-element set (or the empty set when the key
// is absent). Date, IP address and binary operators are not supported.
#ifndef CLEANROOM_POLICY_CONDITION_H_
#define CLEANROOM_POLICY_CONDITION_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cleanroom::policy {

enum class ConditionOperator {
  kStringEquals,
  kStringNotEquals,
  kStringEqualsIgnoreCase,
  kStringNotEqualsIgnoreCase,
  kStringLike,
  kStringNotLike,
  kArnEquals,
  kArnNotEquals,
  kArnLike,
  kArnNotLike,
  kNumericEquals,
  kNumericNotEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kBool,
  kNull,
};

enum class SetQualifier { kNone, kForAnyValue, kForAllValues };

// One operator as written in a Condition block, e.g. "ForAnyValue:StringLikeIfExists".
struct ConditionOperatorSpec {
  ConditionOperator op = ConditionOperator::kStringEquals;
  SetQualifier qualifier = SetQualifier::kNone;
  bool if_exists = false;
};

// Parses an operator name (case-sensitive, as IAM requires). nullopt if unknown or unsupported.
std::optional<ConditionOperatorSpec> ParseConditionOperator(std::string_view name);

// True for the negated operators (StringNotEquals, ArnNotLike, NumericNotEquals, ...), which
// hold when no value matches.
bool IsNegated(ConditionOperator op);

// One (operator, key, values) test. Keys compare case-insensitively, as in IAM.
struct Condition {
  std::string operator_name;  // as written
  ConditionOperatorSpec spec;
  std::string key;                  // as written, e.g. "aws:SourceAccount"
  std::vector<std::string> values;  // booleans and numbers are kept as their JSON text
};

// Condition keys (lower-cased) to their values in a request.
using ConditionContext = std::map<std::string, std::string>;

// Builds a ConditionContext from caller-supplied keys of any case.
ConditionContext NormalizeContext(const std::map<std::string, std::string>& context);

// Evaluates one condition. Semantics (as in IAM):
//  - the values of one key are ORed (for negated operators: true when none matches);
//  - a key absent from the context makes positive operators false and negated operators true,
//    IfExists operators true, ForAllValues true and ForAnyValue false;
//  - Null is true when the key's presence is the opposite of the value ("true" = absent).
bool EvaluateCondition(const Condition& condition, const ConditionContext& context);

// Checks that `value` is acceptable for `op` in a policy (numbers for Numeric*, true/false for
// Bool and Null). Returns an explanation if not.
std::optional<std::string> CheckConditionValue(ConditionOperator op, std::string_view value);

}  // namespace cleanroom::policy

#endif  // CLEANROOM_POLICY_CONDITION_H_
