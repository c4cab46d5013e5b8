// An AWS service model in memory: operations with their HTTP bindings, and the shapes their
// inputs and outputs are made of, with every constraint the model states (required members,
// lengths, ranges, enums, patterns, unions).
//
// Models are botocore `service-2.json` files trimmed by scripts/trim-service-model.py and
// embedded into the binary (embedded_models.h). Parse checks the model as a whole: every shape
// reference resolves, every pattern compiles (pattern.h), and every REST `requestUri` is
// well-formed with its labels bound to input members, so a model that parses can be served.
//
// A ServiceModel is immutable after Parse and safe to share between threads. Shape, Member and
// Operation pointers stay valid for the model's lifetime.
#ifndef CLEANROOM_APIMODEL_SERVICE_MODEL_H_
#define CLEANROOM_APIMODEL_SERVICE_MODEL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "apimodel/pattern.h"
#include "apimodel/request_uri.h"
#include "protocol/service.h"

namespace cleanroom::apimodel {

enum class ShapeType {
  kString,
  kInteger,  // 32-bit
  kLong,     // 64-bit
  kShort,
  kByte,
  kFloat,
  kDouble,
  kBoolean,
  kTimestamp,  // epoch seconds as a JSON number in JSON bodies
  kBlob,       // base64 text in JSON bodies
  kStructure,
  kList,
  kMap,
  kDocument,  // any JSON value (a botocore structure with "document": true)
};

// The model's name for `type` ("string", "integer", "structure", ...).
std::string_view ShapeTypeName(ShapeType type);

// Where a member travels in a REST request or response.
enum class Location {
  kBody,        // a member of the JSON body (or the whole body, see Shape::payload)
  kUri,         // a path label
  kQuery,       // a query parameter (a list repeats it; a map takes the unbound ones)
  kHeader,      // one header
  kHeaders,     // a map of every header starting with `location_name`
  kStatusCode,  // the HTTP status of a response
};

struct Shape;

struct Member {
  std::string name;
  const Shape* shape = nullptr;
  bool required = false;
  Location location = Location::kBody;
  // The label, query parameter or header name (or header prefix) for non-body locations.
  std::string location_name;
  std::string timestamp_format;  // "iso8601", "epoch-seconds", "rfc822", or "" (default)
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;
  // Length bounds (strings in code points, blobs in bytes, lists and maps in entries) or value
  // bounds (numbers).
  std::optional<double> min;
  std::optional<double> max;
  const Pattern* pattern = nullptr;  // owned by the model
  std::vector<std::string> enum_values;
  std::vector<Member> members;        // kStructure, in model order
  std::vector<std::string> required;  // names of required members
  bool is_union = false;              // exactly one member may be set
  bool sensitive = false;             // values are never echoed in messages
  // Sensitive, or has a sensitive shape somewhere inside (so the whole value is not echoed).
  bool contains_sensitive = false;
  const Shape* member = nullptr;  // kList element
  const Shape* key = nullptr;     // kMap key
  const Shape* value = nullptr;   // kMap value
  // The member bound to the whole HTTP body, if any (botocore "payload").
  std::string payload;
  std::string timestamp_format;
  // Error shapes.
  bool is_error = false;
  bool is_fault = false;      // a server-side error
  int error_http_status = 0;  // from the model, else 400 (500 for faults)
  std::string error_code;     // the model's code, else the shape name

  // The member named `name`, or nullptr.
  const Member* FindMember(std::string_view name) const;
};

struct Operation {
  std::string name;
  std::string method;       // "GET", "POST", ...
  std::string request_uri;  // as in the model
  RequestUri uri;           // parsed (REST protocols; "/" otherwise)
  int response_code = 200;
  const Shape* input = nullptr;   // nullptr when the operation has no input
  const Shape* output = nullptr;  // nullptr when the operation has no output
  std::vector<const Shape*> errors;
};

class ServiceModel {
 public:
  // Parses a trimmed (or a full botocore) model. kInvalidArgument says what is wrong: bad
  // JSON, an unknown shape type or reference, a pattern that does not compile, a malformed
  // requestUri, or a label without an input member.
  static absl::StatusOr<std::unique_ptr<ServiceModel>> Parse(std::string_view json);

  ServiceModel(const ServiceModel&) = delete;
  ServiceModel& operator=(const ServiceModel&) = delete;

  // The SigV4 signing name (the endpoint prefix when the model names none).
  const std::string& signing_name() const { return signing_name_; }
  // The protocol family; `protocol_name()` is the model's own word ("rest-json", "json", ...).
  protocol::Protocol protocol() const { return protocol_; }
  const std::string& protocol_name() const { return protocol_name_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& service_id() const { return service_id_; }

  const std::vector<Operation>& operations() const { return operations_; }
  const Operation* FindOperation(std::string_view name) const;
  const Shape* FindShape(std::string_view name) const;
  // Every distinct pattern of the model, compiled.
  size_t pattern_count() const { return patterns_.size(); }

 private:
  ServiceModel() = default;

  std::string signing_name_;
  protocol::Protocol protocol_ = protocol::Protocol::kRestJson;
  std::string protocol_name_;
  std::string api_version_;
  std::string service_id_;
  std::vector<Operation> operations_;  // sorted by name
  std::map<std::string, size_t, std::less<>> operation_index_;
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;
  std::map<std::string, std::unique_ptr<Pattern>, std::less<>> patterns_;  // by source
};

// The AWS Clean Rooms model (cleanrooms 2022-02-17), parsed once on first use from the
// embedded JSON. Thread-safe. Aborts if the embedded model does not parse (a unit test
// guarantees it does).
const ServiceModel& CleanRoomsModel();

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_SERVICE_MODEL_H_
