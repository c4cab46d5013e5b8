#include "apimodel/checker.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/encoding.h"
#include "common/strings.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;

constexpr size_t kMaxShownCodePoints = 256;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The value as echoed in a message: strings as they are, anything else as compact JSON; cut
// after kMaxShownCodePoints code points.
std::string ShownValue(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : Dump(value);
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++count > kMaxShownCodePoints) return StrCat(text.substr(0, i), "...");
  }
  return text;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out + "]";
}

// The integer value of a JSON number if it is integral (5 or 5.0), else nullopt. Values
// beyond int64 are nullopt too.
std::optional<int64_t> IntegralValue(const json& value) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d || d < -9.2e18 || d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// The inclusive range of an integral shape type.
std::pair<int64_t, int64_t> IntegerRange(ShapeType type) {
  switch (type) {
    case ShapeType::kByte:
      return {std::numeric_limits<int8_t>::min(), std::numeric_limits<int8_t>::max()};
    case ShapeType::kShort:
      return {std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()};
    case ShapeType::kInteger:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
      return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

bool IsIntegral(ShapeType type) {
  return type == ShapeType::kInteger || type == ShapeType::kLong || type == ShapeType::kShort ||
         type == ShapeType::kByte;
}

}  // namespace

std::string Violation::Render() const {
  std::string shown_value;
  switch (shown) {
    case Shown::kValue:
      shown_value = StrCat("Value '", value, "'");
      break;
    case Shown::kNull:
      shown_value = "Value null";
      break;
    case Shown::kHidden:
      shown_value = "Value";
      break;
  }
  return StrCat(shown_value, " at '", path, "' failed to satisfy constraint: ", constraint);
}

std::string MemberPath(std::string_view parent, std::string_view name) {
  std::string member(name);
  if (!member.empty() && member[0] >= 'A' && member[0] <= 'Z')
    member[0] = static_cast<char>(member[0] - 'A' + 'a');
  if (parent.empty()) return member;
  return StrCat(parent, ".", member);
}

size_t CodePointLength(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string FormatBound(double bound) {
  if (std::trunc(bound) == bound && std::fabs(bound) < 1e15) {
    return std::to_string(static_cast<int64_t>(bound));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), bound);
  if (ec != std::errc()) return std::to_string(bound);
  return std::string(buf, end);
}

void Checker::Add(const std::string& path, std::string constraint, const json* value, bool hidden) {
  Violation v;
  v.path = path;
  v.constraint = std::move(constraint);
  if (value == nullptr || value->is_null()) {
    v.shown = Violation::Shown::kNull;
  } else if (hidden) {
    v.shown = Violation::Shown::kHidden;
  } else {
    v.value = ShownValue(*value);
  }
  violations_.push_back(std::move(v));
}

void Checker::TypeMismatch(const json& value, const Shape& shape, const std::string& path,
                           bool hidden) {
  Add(path, StrCat("Member must be of type ", ShapeTypeName(shape.type)), &value,
      hidden || shape.contains_sensitive);
}

json Checker::Check(const json& value, const Shape& shape, const std::string& path, bool hidden) {
  hidden = hidden || shape.sensitive;
  switch (shape.type) {
    case ShapeType::kString:
      return CheckString(value, shape, path, hidden);
    case ShapeType::kInteger:
    case ShapeType::kLong:
    case ShapeType::kShort:
    case ShapeType::kByte:
    case ShapeType::kFloat:
    case ShapeType::kDouble:
    case ShapeType::kTimestamp:
      return CheckNumber(value, shape, path, hidden);
    case ShapeType::kBoolean:
      if (!value.is_boolean()) {
        TypeMismatch(value, shape, path, hidden);
        return json();
      }
      return value;
    case ShapeType::kBlob:
      return CheckBlob(value, shape, path, hidden);
    case ShapeType::kStructure:
      return CheckStructure(value, shape, path, hidden);
    case ShapeType::kList:
      return CheckList(value, shape, path, hidden);
    case ShapeType::kMap:
      return CheckMap(value, shape, path, hidden);
    case ShapeType::kDocument:
      return value;
  }
  return value;
}

void Checker::CheckLength(const json& value, const Shape& shape, size_t length,
                          const std::string& path, bool hidden) {
  if (mode_ != Mode::kInput) return;
  if (shape.min && static_cast<double>(length) < *shape.min) {
    Add(path, StrCat("Member must have length greater than or equal to ", FormatBound(*shape.min)),
        &value, hidden);
  }
  // ARN-valued shapes: some model maxima are shorter than ARNs the services themselves issue
  // (Clean Rooms' CleanroomsArn and ConfiguredTableAssociationArn allow 100 characters; a
  // membership-scoped association ARN has 142), so an ARN is capped at 2048, IAM's ARN limit.
  std::optional<double> max = shape.max;
  if (max && *max < 2048 && shape.pattern != nullptr &&
      StartsWith(shape.pattern->source(), "arn:")) {
    max = 2048;
  }
  if (max && static_cast<double>(length) > *max) {
    Add(path, StrCat("Member must have length less than or equal to ", FormatBound(*max)), &value,
        hidden);
  }
}

void Checker::CheckEnum(const std::string& text, const json& value, const Shape& shape,
                        const std::string& path, bool hidden) {
  if (shape.enum_values.empty()) return;
  for (const std::string& e : shape.enum_values) {
    if (e == text) return;
  }
  Add(path, StrCat("Member must satisfy enum value set: ", JoinList(shape.enum_values)), &value,
      hidden);
}

json Checker::CheckString(const json& value, const Shape& shape, const std::string& path,
                          bool hidden) {
  if (!value.is_string()) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  const std::string& text = value.get_ref<const std::string&>();
  CheckLength(value, shape, CodePointLength(text), path, hidden);
  if (mode_ == Mode::kInput && shape.pattern != nullptr && !shape.pattern->Matches(text)) {
    Add(path, StrCat("Member must satisfy regular expression pattern: ", shape.pattern->source()),
        &value, hidden);
  }
  CheckEnum(text, value, shape, path, hidden);
  return value;
}

json Checker::CheckNumber(const json& value, const Shape& shape, const std::string& path,
                          bool hidden) {
  json kept = value;
  if (IsIntegral(shape.type)) {
    std::optional<int64_t> n = IntegralValue(value);
    auto [low, high] = IntegerRange(shape.type);
    if (!n || *n < low || *n > high) {
      TypeMismatch(value, shape, path, hidden);
      return json();
    }
    kept = *n;
  } else if (!value.is_number()) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  if (mode_ == Mode::kInput && shape.type != ShapeType::kTimestamp) {
    double n = kept.get<double>();
    if (shape.min && n < *shape.min) {
      Add(path, StrCat("Member must have value greater than or equal to ", FormatBound(*shape.min)),
          &value, hidden);
    }
    if (shape.max && n > *shape.max) {
      Add(path, StrCat("Member must have value less than or equal to ", FormatBound(*shape.max)),
          &value, hidden);
    }
  }
  return kept;
}

json Checker::CheckBlob(const json& value, const Shape& shape, const std::string& path,
                        bool hidden) {
  std::optional<std::string> bytes;
  if (value.is_string()) bytes = Base64Decode(value.get_ref<const std::string&>());
  if (!bytes) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  CheckLength(value, shape, bytes->size(), path, hidden);
  return value;
}

void Checker::CheckMember(const Member& member, const json* value, const std::string& parent,
                          bool hidden, json& out) {
  std::string path = MemberPath(parent, member.name);
  if (value == nullptr || value->is_null()) {
    if (member.required || (mode_ == Mode::kOutput && value != nullptr)) {
      Add(path, "Member must not be null", nullptr, hidden);
    }
    return;
  }
  json kept = Check(*value, *member.shape, path, hidden);
  if (!kept.is_null()) out[member.name] = std::move(kept);
}

void Checker::CheckUnion(const Shape& shape, const json& value, const std::string& path,
                         bool hidden) {
  if (!shape.is_union) return;
  size_t set = 0;
  for (const Member& m : shape.members) {
    auto it = value.find(m.name);
    if (it != value.end() && !it->is_null()) ++set;
  }
  if (set == 1) return;
  std::vector<std::string> names;
  for (const Member& m : shape.members) names.push_back(m.name);
  Add(path, StrCat("Member must have exactly one of the following members set: ", JoinList(names)),
      &value, hidden || shape.contains_sensitive);
}

json Checker::CheckStructure(const json& value, const Shape& shape, const std::string& path,
                             bool hidden) {
  if (!value.is_object()) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  json out = json::object();
  for (const Member& m : shape.members) {
    auto it = value.find(m.name);
    CheckMember(m, it == value.end() ? nullptr : &*it, path, hidden, out);
  }
  if (mode_ == Mode::kOutput) {
    for (const auto& [name, member_value] : value.items()) {
      if (shape.FindMember(name) == nullptr) {
        Add(MemberPath(path, name), StrCat("Member is not defined in shape ", shape.name),
            &member_value, hidden);
      }
    }
  }
  CheckUnion(shape, value, path, hidden);
  return out;
}

json Checker::CheckList(const json& value, const Shape& shape, const std::string& path,
                        bool hidden) {
  if (!value.is_array()) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  CheckLength(value, shape, value.size(), path, hidden || shape.contains_sensitive);
  json out = json::array();
  for (size_t i = 0; i < value.size(); ++i) {
    std::string element_path = StrCat(path, ".", i + 1, ".member");
    if (value[i].is_null()) {
      Add(element_path, "Member must not be null", nullptr, hidden);
      continue;
    }
    json kept = Check(value[i], *shape.member, element_path, hidden);
    if (!kept.is_null()) out.push_back(std::move(kept));
  }
  return out;
}

json Checker::CheckMap(const json& value, const Shape& shape, const std::string& path,
                       bool hidden) {
  if (!value.is_object()) {
    TypeMismatch(value, shape, path, hidden);
    return json();
  }
  CheckLength(value, shape, value.size(), path, hidden || shape.contains_sensitive);
  json out = json::object();
  for (const auto& [key, element] : value.items()) {
    // Keys are checked on their own; each violated constraint is reported at the map's path.
    Checker key_checker(mode_);
    key_checker.Check(json(key), *shape.key, path, hidden || shape.key->sensitive);
    for (const Violation& v : key_checker.violations()) {
      json key_value(key);
      Add(path, StrCat("Map keys must satisfy constraint: [", v.constraint, "]"), &key_value,
          hidden || shape.key->sensitive);
    }
    std::string value_path = StrCat(path, ".", key);
    if (element.is_null()) {
      Add(value_path, "Member must not be null", nullptr, hidden);
      continue;
    }
    json kept = Check(element, *shape.value, value_path, hidden);
    if (!kept.is_null()) out[key] = std::move(kept);
  }
  return out;
}

}  // namespace cleanroom::apimodel
