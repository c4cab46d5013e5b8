#include "apimodel/service_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "apimodel/embedded_models.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace cleanroom::apimodel {
namespace {

// ordered_json keeps structure members in model order.
using Json = nlohmann::ordered_json;

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(ToAbsl(StrCat("service model: ", where, ": ", what)));
}

// A shape reference: "Name" in trimmed models, {"shape": "Name"} in botocore's own.
std::optional<std::string> RefName(const Json& ref) {
  if (ref.is_string()) return ref.get<std::string>();
  if (ref.is_object() && ref.contains("shape") && ref["shape"].is_string()) {
    return ref["shape"].get<std::string>();
  }
  return std::nullopt;
}

std::string StringOr(const Json& object, const char* key, std::string fallback = "") {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

bool BoolOr(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::optional<ShapeType> ParseType(std::string_view type, bool document) {
  static const std::map<std::string_view, ShapeType> kTypes = {
      {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"short", ShapeType::kShort},
      {"byte", ShapeType::kByte},
      {"float", ShapeType::kFloat},
      {"double", ShapeType::kDouble},
      {"boolean", ShapeType::kBoolean},
      {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
  };
  auto it = kTypes.find(type);
  if (it == kTypes.end()) return std::nullopt;
  if (document && it->second == ShapeType::kStructure) return ShapeType::kDocument;
  return it->second;
}

std::optional<Location> ParseLocation(std::string_view location) {
  if (location.empty()) return Location::kBody;
  if (location == "uri") return Location::kUri;
  if (location == "querystring") return Location::kQuery;
  if (location == "header") return Location::kHeader;
  if (location == "headers") return Location::kHeaders;
  if (location == "statusCode") return Location::kStatusCode;
  return std::nullopt;
}

std::optional<protocol::Protocol> ParseProtocol(std::string_view name) {
  if (name == "rest-json") return protocol::Protocol::kRestJson;
  if (name == "json") return protocol::Protocol::kJson11;
  if (name == "rest-xml") return protocol::Protocol::kRestXml;
  if (name == "query") return protocol::Protocol::kQuery;
  return std::nullopt;
}

bool IsRest(protocol::Protocol p) {
  return p == protocol::Protocol::kRestJson || p == protocol::Protocol::kRestXml;
}

}  // namespace

std::string_view ShapeTypeName(ShapeType type) {
  switch (type) {
    case ShapeType::kString:
      return "string";
    case ShapeType::kInteger:
      return "integer";
    case ShapeType::kLong:
      return "long";
    case ShapeType::kShort:
      return "short";
    case ShapeType::kByte:
      return "byte";
    case ShapeType::kFloat:
      return "float";
    case ShapeType::kDouble:
      return "double";
    case ShapeType::kBoolean:
      return "boolean";
    case ShapeType::kTimestamp:
      return "timestamp";
    case ShapeType::kBlob:
      return "blob";
    case ShapeType::kStructure:
      return "structure";
    case ShapeType::kList:
      return "list";
    case ShapeType::kMap:
      return "map";
    case ShapeType::kDocument:
      return "document";
  }
  return "value";
}

const Member* Shape::FindMember(std::string_view member_name) const {
  for (const Member& m : members) {
    if (m.name == member_name) return &m;
  }
  return nullptr;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = operation_index_.find(name);
  return it == operation_index_.end() ? nullptr : &operations_[it->second];
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : it->second.get();
}

absl::StatusOr<std::unique_ptr<ServiceModel>> ServiceModel::Parse(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Invalid("(document)", "not a JSON object");
  const Json& metadata = doc.value("metadata", Json::object());
  const Json& operations = doc.value("operations", Json::object());
  const Json& shapes = doc.value("shapes", Json::object());
  if (!metadata.is_object() || !operations.is_object() || !shapes.is_object()) {
    return Invalid("(document)", "metadata, operations and shapes must be objects");
  }

  std::unique_ptr<ServiceModel> model(new ServiceModel());
  model->protocol_name_ = StringOr(metadata, "protocol");
  std::optional<protocol::Protocol> protocol = ParseProtocol(model->protocol_name_);
  if (!protocol) {
    return Invalid("metadata", StrCat("unsupported protocol '", model->protocol_name_, "'"));
  }
  model->protocol_ = *protocol;
  model->signing_name_ = StringOr(metadata, "signingName", StringOr(metadata, "endpointPrefix"));
  if (model->signing_name_.empty()) return Invalid("metadata", "no signingName or endpointPrefix");
  model->api_version_ = StringOr(metadata, "apiVersion");
  model->service_id_ = StringOr(metadata, "serviceId");

  // Two passes, so that shapes can refer to each other (and to themselves) in any order.
  for (const auto& [name, _] : shapes.items()) {
    auto shape = std::make_unique<Shape>();
    shape->name = name;
    model->shapes_.emplace(name, std::move(shape));
  }
  auto resolve = [&](const Json& ref, std::string_view where) -> absl::StatusOr<const Shape*> {
    std::optional<std::string> name = RefName(ref);
    if (!name) return Invalid(where, "malformed shape reference");
    const Shape* shape = model->FindShape(*name);
    if (shape == nullptr) return Invalid(where, StrCat("unknown shape '", *name, "'"));
    return shape;
  };

  for (const auto& [name, def] : shapes.items()) {
    Shape& shape = *model->shapes_.at(name);
    const std::string where = StrCat("shape ", name);
    if (!def.is_object()) return Invalid(where, "not an object");
    std::optional<ShapeType> type = ParseType(StringOr(def, "type"), BoolOr(def, "document"));
    if (!type) return Invalid(where, StrCat("unknown type '", StringOr(def, "type"), "'"));
    shape.type = *type;
    for (const char* bound : {"min", "max"}) {
      auto it = def.find(bound);
      if (it == def.end()) continue;
      if (!it->is_number()) return Invalid(where, StrCat(bound, " is not a number"));
      (bound[1] == 'i' ? shape.min : shape.max) = it->get<double>();
    }
    if (def.contains("pattern")) {
      if (!def["pattern"].is_string()) return Invalid(where, "pattern is not a string");
      std::string source = def["pattern"].get<std::string>();
      auto existing = model->patterns_.find(source);
      if (existing == model->patterns_.end()) {
        absl::StatusOr<std::unique_ptr<Pattern>> compiled = Pattern::Compile(source);
        if (!compiled.ok()) return Invalid(where, std::string(compiled.status().message()));
        existing = model->patterns_.emplace(source, std::move(*compiled)).first;
      }
      shape.pattern = existing->second.get();
    }
    if (def.contains("enum")) {
      if (!def["enum"].is_array()) return Invalid(where, "enum is not a list");
      for (const Json& value : def["enum"]) {
        if (!value.is_string()) return Invalid(where, "enum value is not a string");
        shape.enum_values.push_back(value.get<std::string>());
      }
    }
    shape.is_union = BoolOr(def, "union");
    shape.sensitive = BoolOr(def, "sensitive");
    shape.payload = StringOr(def, "payload");
    shape.timestamp_format = StringOr(def, "timestampFormat");

    if (def.contains("members")) {
      if (!def["members"].is_object()) return Invalid(where, "members is not an object");
      for (const auto& [member_name, member_def] : def["members"].items()) {
        const std::string member_where = StrCat(where, " member ", member_name);
        Member member;
        member.name = member_name;
        absl::StatusOr<const Shape*> target = resolve(member_def, member_where);
        if (!target.ok()) return target.status();
        member.shape = *target;
        std::optional<Location> location = ParseLocation(StringOr(member_def, "location"));
        if (!location) {
          return Invalid(member_where,
                         StrCat("unknown location '", StringOr(member_def, "location"), "'"));
        }
        member.location = *location;
        member.location_name = StringOr(member_def, "locationName", member_name);
        member.timestamp_format = StringOr(member_def, "timestampFormat");
        shape.members.push_back(std::move(member));
      }
    }
    if (def.contains("required")) {
      if (!def["required"].is_array()) return Invalid(where, "required is not a list");
      for (const Json& required : def["required"]) {
        std::string member_name = required.is_string() ? required.get<std::string>() : "";
        auto it = std::find_if(shape.members.begin(), shape.members.end(),
                               [&](const Member& m) { return m.name == member_name; });
        if (it == shape.members.end()) {
          return Invalid(where, StrCat("required member '", member_name, "' is not a member"));
        }
        it->required = true;
        shape.required.push_back(member_name);
      }
    }
    if (!shape.payload.empty() && shape.FindMember(shape.payload) == nullptr) {
      return Invalid(where, StrCat("payload '", shape.payload, "' is not a member"));
    }
    if (shape.type == ShapeType::kList) {
      if (!def.contains("member")) return Invalid(where, "a list without a member shape");
      absl::StatusOr<const Shape*> element = resolve(def["member"], where);
      if (!element.ok()) return element.status();
      shape.member = *element;
    }
    if (shape.type == ShapeType::kMap) {
      if (!def.contains("key") || !def.contains("value")) {
        return Invalid(where, "a map without key and value shapes");
      }
      absl::StatusOr<const Shape*> key = resolve(def["key"], where);
      if (!key.ok()) return key.status();
      absl::StatusOr<const Shape*> value = resolve(def["value"], where);
      if (!value.ok()) return value.status();
      shape.key = *key;
      shape.value = *value;
    }
    shape.is_fault = BoolOr(def, "fault");
    shape.is_error = BoolOr(def, "exception") || def.contains("error");
    if (shape.is_error) {
      const Json& error = def.value("error", Json::object());
      shape.error_http_status = error.is_object() && error.contains("httpStatusCode") &&
                                        error["httpStatusCode"].is_number_integer()
                                    ? error["httpStatusCode"].get<int>()
                                    : (shape.is_fault ? 500 : 400);
      shape.error_code = error.is_object() ? StringOr(error, "code", name) : name;
    }
  }

  // Propagate "contains something sensitive" up through members until nothing changes.
  for (auto& [name, shape] : model->shapes_) shape->contains_sensitive = shape->sensitive;
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [name, shape] : model->shapes_) {
      if (shape->contains_sensitive) continue;
      bool inner = (shape->member != nullptr && shape->member->contains_sensitive) ||
                   (shape->key != nullptr && shape->key->contains_sensitive) ||
                   (shape->value != nullptr && shape->value->contains_sensitive);
      for (const Member& m : shape->members) inner = inner || m.shape->contains_sensitive;
      if (inner) {
        shape->contains_sensitive = true;
        changed = true;
      }
    }
  }

  for (const auto& [name, def] : operations.items()) {
    const std::string where = StrCat("operation ", name);
    if (!def.is_object()) return Invalid(where, "not an object");
    Operation op;
    op.name = name;
    const Json& http = def.value("http", Json::object());
    if (!http.is_object()) return Invalid(where, "http is not an object");
    op.method = StringOr(http, "method", "POST");
    op.request_uri = StringOr(http, "requestUri", "/");
    if (http.contains("responseCode")) {
      if (!http["responseCode"].is_number_integer()) return Invalid(where, "bad responseCode");
      op.response_code = http["responseCode"].get<int>();
    }
    absl::StatusOr<RequestUri> uri = RequestUri::Parse(op.request_uri);
    if (!uri.ok()) return Invalid(where, std::string(uri.status().message()));
    op.uri = std::move(*uri);
    for (const char* io : {"input", "output"}) {
      if (!def.contains(io)) continue;
      absl::StatusOr<const Shape*> shape = resolve(def[io], StrCat(where, " ", io));
      if (!shape.ok()) return shape.status();
      if ((*shape)->type != ShapeType::kStructure) {
        return Invalid(where, StrCat(io, " shape '", (*shape)->name, "' is not a structure"));
      }
      (io[0] == 'i' ? op.input : op.output) = *shape;
    }
    if (def.contains("errors")) {
      if (!def["errors"].is_array()) return Invalid(where, "errors is not a list");
      for (const Json& ref : def["errors"]) {
        absl::StatusOr<const Shape*> error = resolve(ref, StrCat(where, " errors"));
        if (!error.ok()) return error.status();
        op.errors.push_back(*error);
      }
    }
    if (IsRest(model->protocol_)) {
      // Every path label needs an input member bound to it, and every URI member a label.
      std::vector<std::string> labels = op.uri.LabelNames();
      std::set<std::string> bound;
      if (op.input != nullptr) {
        for (const Member& m : op.input->members) {
          if (m.location != Location::kUri) continue;
          if (std::find(labels.begin(), labels.end(), m.location_name) == labels.end()) {
            return Invalid(where, StrCat("member '", m.name, "' names label '", m.location_name,
                                         "', which the requestUri lacks"));
          }
          bound.insert(m.location_name);
        }
      }
      for (const std::string& label : labels) {
        if (!bound.count(label)) {
          return Invalid(where, StrCat("label '", label, "' has no input member"));
        }
      }
    }
    model->operations_.push_back(std::move(op));
  }
  std::sort(model->operations_.begin(), model->operations_.end(),
            [](const Operation& a, const Operation& b) { return a.name < b.name; });
  for (size_t i = 0; i < model->operations_.size(); ++i) {
    model->operation_index_.emplace(model->operations_[i].name, i);
  }
  return model;
}

const ServiceModel& CleanRoomsModel() {
  static const ServiceModel* const model = [] {
    absl::StatusOr<std::unique_ptr<ServiceModel>> parsed =
        ServiceModel::Parse(CleanRoomsModelJson());
    if (!parsed.ok()) {
      std::fprintf(stderr, "embedded Clean Rooms model does not parse: %s\n",
                   std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return parsed->release();
  }();
  return *model;
}

}  // namespace cleanroom::apimodel
