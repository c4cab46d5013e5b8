// Request binding and validation against a service model, and a strict check of responses.
//
// Requests are checked the way AWS (Coral) checks them, with its messages:
//   1 validation error detected: Value 'FOO' at 'analysisMethod' failed to satisfy constraint:
//   Member must satisfy enum value set: [DIRECT_QUERY, DIRECT_JOB, MULTIPLE]
// Several violations are joined as "N validation errors detected: A; B", in model member order.
// Paths name members with a lower-case first letter ("tableReference.glue.tableName"), list
// elements 1-based ("allowedColumns.1.member") and map values by key ("tags.team").
// Constraints, in AWS's words:
//   Member must not be null                           (a required member is missing or null)
//   Member must be of type <type>                     (wrong JSON type; unparsable query text)
//   Member must have length less than or equal to N   (strings, blobs, lists, maps; also
//   Member must have length greater than or equal to N      "greater than")
//   Member must have value less than or equal to N    (numbers; also "greater than")
//   Member must satisfy regular expression pattern: P (P as written in the model)
//   Member must satisfy enum value set: [A, B]
//   Member must have exactly one of the following members set: [a, b]   (unions)
//   Map keys must satisfy constraint: [<constraint>]  (at the map's path)
// String lengths count Unicode code points (the Smithy length trait's unit), blob lengths
// bytes. Values are echoed in messages, cut to 256 characters ("..." appended); values of
// `sensitive` shapes, and everything inside them, are never echoed ("Value at 'x' ...").
#ifndef CLEANROOM_APIMODEL_VALIDATOR_H_
#define CLEANROOM_APIMODEL_VALIDATOR_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "apimodel/service_model.h"
#include "http/message.h"
#include "nlohmann/json.hpp"

namespace cleanroom::apimodel {

// One violated constraint: where (`path`, as in messages) and what (`message`, the
// "Member must ..." part).
struct FieldViolation {
  std::string path;
  std::string message;
};

// Builds the input object of `operation` (member name -> value) from a restJson1 request:
//  - `labels`: decoded path labels, by label name (members with location "uri");
//  - `query`: decoded query parameters (location "querystring"; a list member takes every
//    value of a repeated key, a map member every parameter no other member binds);
//  - `headers` (location "header" / "headers"), in the overload that takes them;
//  - `body`: the parsed JSON body, an object ({} when the request has none), whose members
//    are the input's body members. If the input shape has a payload member, `body` is that
//    member instead (for a string or blob payload, a JSON string holding the raw body or its
//    base64; an empty object counts as absent).
// Text from labels, query and headers is converted to the member's type: integers, longs,
// floats/doubles, booleans ("true"/"false") and timestamps (ISO 8601 in labels and query,
// HTTP date in headers, unless the model names another format) become JSON numbers and
// booleans. Unknown members and JSON nulls are dropped; then everything is validated
// recursively (see above).
// Returns the input object, or kInvalidArgument rendered as a restJson1 ValidationException
// (HTTP 400) with members "message", "reason": "FIELD_VALIDATION_FAILED" and
// "fieldList": [{"name": <path>, "message": <constraint>}].
// `operation` must belong to `model`.
absl::StatusOr<nlohmann::json> BindRestJsonInput(
    const ServiceModel& model, const Operation& operation,
    const std::map<std::string, std::string>& labels,
    const std::multimap<std::string, std::string>& query, const nlohmann::json& body);
absl::StatusOr<nlohmann::json> BindRestJsonInput(
    const ServiceModel& model, const Operation& operation,
    const std::map<std::string, std::string>& labels,
    const std::multimap<std::string, std::string>& query, const http::Headers& headers,
    const nlohmann::json& body);

// Validates `value` against `shape` as a request member is validated (the rules above).
// Returns `value` without unknown members and nulls, or the ValidationException described
// above.
absl::StatusOr<nlohmann::json> ValidateInput(const Shape& shape, const nlohmann::json& value);

// Strictly checks a response `value` against `shape`: required members present, no nulls, no
// members the shape does not define, JSON types (timestamps must be numbers, epoch seconds),
// enum values, and unions with exactly one member set. Lengths, ranges and patterns are not
// checked. Returns every violation (empty if `value` conforms); the root's path is "".
std::vector<FieldViolation> ValidateOutput(const Shape& shape, const nlohmann::json& value);

// A restJson1 ValidationException (kInvalidArgument, HTTP 400) with `message`, reason
// FIELD_VALIDATION_FAILED and `fields` as its fieldList (omitted when empty).
absl::Status FieldValidationError(std::string_view message,
                                  const std::vector<FieldViolation>& fields);

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_VALIDATOR_H_
