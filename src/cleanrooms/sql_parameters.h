// Analysis template parameters: which `:name` placeholders a SQL text uses, and whether a
// value fits a declared ParameterType. Pure functions.
#ifndef CLEANROOM_CLEANROOMS_SQL_PARAMETERS_H_
#define CLEANROOM_CLEANROOMS_SQL_PARAMETERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace cleanroom::cleanrooms {

// The distinct parameter names referenced as `:name` in `sql`, in order of first use. Text
// inside string literals ('...'), quoted identifiers ("..."), and comments (-- and /* */) is
// skipped, and `::` (a cast) is not a parameter.
std::vector<std::string> ParameterReferences(std::string_view sql);

// OK if `value` is a valid literal of ParameterType `type` (e.g. INTEGER "42", DATE
// "2024-01-31", BOOLEAN "true"); otherwise kInvalidArgument whose message reads as the end of
// a sentence: "is not a valid INTEGER: 'abc'". Character and binary types accept any value.
absl::Status CheckParameterValue(std::string_view type, std::string_view value);

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_SQL_PARAMETERS_H_
