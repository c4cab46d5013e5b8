// The one error every function of the rules module returns: an AWS ValidationException for a
// single field, in the form the Clean Rooms API renders it:
//
//   HTTP 400, X-Amzn-ErrorType: ValidationException
//   {"message": <message>, "reason": "FIELD_VALIDATION_FAILED",
//    "fieldList": [{"name": <path>, "message": <message>}]}
//
// `path` names the member of the request that is wrong, starting at the request's top-level
// member, e.g. "analysisRulePolicy.v1.aggregation.dimensionColumns". Lists of structures carry the
// element index in brackets ("analysisRulePolicy.v1.aggregation.outputConstraints[1].columnName");
// lists of strings do not (the message names the offending value instead).
#ifndef CLEANROOM_RULES_VALIDATION_ERROR_H_
#define CLEANROOM_RULES_VALIDATION_ERROR_H_

#include <string_view>

#include "absl/status/status.h"

namespace cleanroom::rules {

// kInvalidArgument carrying AWS code ValidationException (HTTP 400), reason
// FIELD_VALIDATION_FAILED and a one-entry fieldList {path, message}. The status message is
// `message`.
absl::Status FieldValidationError(std::string_view path, std::string_view message);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_VALIDATION_ERROR_H_
