// The parts of the Glue service model (botocore glue/2017-03-31) this server implements, as
// data: member names, JSON types, required members, lengths, ranges, enums and patterns. Every
// request is checked against its operation's shape before any operation code runs, and only
// the members the model knows are kept (unknown members are dropped, as AWS ignores them).
#ifndef CLEANROOM_GLUE_SHAPES_H_
#define CLEANROOM_GLUE_SHAPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace cleanroom::glue {

enum class ShapeType {
  kString,
  kInteger,  // 32-bit
  kLong,     // 64-bit
  kBoolean,
  kDouble,
  kTimestamp,  // epoch seconds, a JSON number (how botocore sends awsJson1_1 timestamps)
  kStructure,
  kList,
  kMap,       // string keys
  kDocument,  // any JSON value, kept as sent (members this server stores but never reads)
};

enum class TextPattern { kAny, kSingleLine, kMultiLine };

struct Shape;

struct MemberShape {
  std::string name;  // as on the wire, e.g. "DatabaseInput"
  const Shape* shape;
  bool required = false;
};

struct Shape {
  ShapeType type;
  // Length (strings, lists, maps) or value (numbers) bounds.
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  TextPattern pattern = TextPattern::kAny;
  std::vector<std::string> enum_values;
  std::vector<MemberShape> members;  // kStructure
  const Shape* element = nullptr;    // kList member, kMap value
  const Shape* key = nullptr;        // kMap key
};

// Checks `value` against `shape`. `path` names `value` in messages the way AWS does
// ("databaseInput", "tableInput.storageDescriptor.columns.1.member.name"); empty for a whole
// request. Returns `value` without unknown members and without null members.
// Errors (all kInvalidArgument, HTTP 400):
//  - SerializationException when a member has the wrong JSON type (as AWS JSON services answer
//    a body they cannot deserialize);
//  - InvalidInputException listing every constraint violation in AWS's words ("2 validation
//    errors detected: Value null at 'name' failed to satisfy constraint: Member must not be
//    null; ...").
absl::StatusOr<nlohmann::json> ValidateShape(const nlohmann::json& value, const Shape& shape,
                                             std::string_view path = "");

// The input shape of a Glue operation ("CreateDatabase", ...), or nullptr if this server does
// not implement it.
const Shape* RequestShape(std::string_view operation);

// Member shapes the service also checks on their own.
const Shape& DatabaseInputShape();
const Shape& TableInputShape();
const Shape& PartitionInputShape();

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_SHAPES_H_
