#include "apimodel/validator.h"

#include <charconv>
#include <cmath>
#include <set>

#include "apimodel/checker.h"
#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool Digits(std::string_view text, size_t pos, size_t count, int64_t* out) {
  if (pos + count > text.size()) return false;
  int64_t value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// "2026-11-24T01:37:28Z", with an optional fraction and a "Z" or "+hh:mm" offset, as epoch
// seconds.
std::optional<double> ParseIso8601(std::string_view text) {
  int64_t year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't') || !Digits(text, 11, 2, &hour) || text[13] != ':' ||
      !Digits(text, 14, 2, &minute) || text[16] != ':' || !Digits(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    size_t start = ++pos;
    double scale = 0.1;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int64_t oh, om;
    if (!Digits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, &om)) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * 60 * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  int64_t seconds =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return static_cast<double>(seconds) + fraction;
}

json Number(double value) {
  if (std::trunc(value) == value && std::fabs(value) < 9e15) return static_cast<int64_t>(value);
  return value;
}

// Converts the text of a label, query parameter or header to the JSON value of `shape`, or
// nullopt if it is not a value of that type. `format` is the timestamp format in effect.
std::optional<json> ParseText(std::string_view text, const Shape& shape, std::string_view format) {
  switch (shape.type) {
    case ShapeType::kString:
    case ShapeType::kBlob:
      return json(std::string(text));
    case ShapeType::kInteger:
    case ShapeType::kLong:
    case ShapeType::kShort:
    case ShapeType::kByte: {
      int64_t value;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
      }
      return json(value);  // the checker enforces the type's range
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      double value;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
          !std::isfinite(value)) {
        return std::nullopt;
      }
      return json(value);
    }
    case ShapeType::kBoolean:
      if (text == "true") return json(true);
      if (text == "false") return json(false);
      return std::nullopt;
    case ShapeType::kTimestamp: {
      if (format == "epoch-seconds") {
        double value;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
          return std::nullopt;
        }
        return Number(value);
      }
      if (format == "rfc822") {
        std::optional<int64_t> seconds = ParseHttpDate(text);
        if (!seconds) return std::nullopt;
        return json(*seconds);
      }
      std::optional<double> seconds = ParseIso8601(text);
      if (!seconds) return std::nullopt;
      return Number(*seconds);
    }
    default:
      return std::nullopt;  // structures, maps and documents have no text form
  }
}

std::string TimestampFormat(const Member& member, const Shape& shape, Location location) {
  if (!member.timestamp_format.empty()) return member.timestamp_format;
  if (!shape.timestamp_format.empty()) return shape.timestamp_format;
  return location == Location::kHeader ? "rfc822" : "iso8601";
}

// Collects a request's raw member values and the violations of text that does not convert.
class Binder {
 public:
  Binder(const Shape& input, Checker& checker) : input_(input), checker_(checker) {}

  // Converts `texts` for `member` (one value, or a list's elements) into `*out`. Returns false
  // (after recording a violation) if some text does not convert.
  bool Convert(const Member& member, const std::vector<std::string_view>& texts, json* out) {
    const Shape& shape = *member.shape;
    const std::string path = MemberPath("", member.name);
    const bool hidden = input_.sensitive || shape.sensitive;
    if (shape.type == ShapeType::kList) {
      json list = json::array();
      const bool element_hidden = hidden || shape.member->sensitive;
      for (size_t i = 0; i < texts.size(); ++i) {
        std::optional<json> element = ParseText(
            texts[i], *shape.member, TimestampFormat(member, *shape.member, member.location));
        if (!element) {
          json shown(std::string(texts[i]));
          checker_.Add(StrCat(path, ".", i + 1, ".member"),
                       StrCat("Member must be of type ", ShapeTypeName(shape.member->type)), &shown,
                       element_hidden);
          return false;
        }
        list.push_back(std::move(*element));
      }
      *out = std::move(list);
      return true;
    }
    std::optional<json> value =
        ParseText(texts.front(), shape, TimestampFormat(member, shape, member.location));
    if (!value) {
      json shown(std::string(texts.front()));
      checker_.Add(path, StrCat("Member must be of type ", ShapeTypeName(shape.type)), &shown,
                   hidden);
      return false;
    }
    *out = std::move(*value);
    return true;
  }

 private:
  const Shape& input_;
  Checker& checker_;
};

std::vector<std::string_view> SplitHeaderList(std::string_view value) {
  std::vector<std::string_view> out;
  for (std::string_view piece : Split(value, ',')) out.push_back(Trim(piece));
  return out;
}

absl::Status ValidationFailure(const std::vector<Violation>& violations) {
  std::vector<std::string> rendered;
  std::vector<FieldViolation> fields;
  for (const Violation& v : violations) {
    rendered.push_back(v.Render());
    fields.push_back({v.path, v.constraint});
  }
  std::string message =
      StrCat(violations.size(), violations.size() == 1 ? " validation error" : " validation errors",
             " detected: ");
  for (size_t i = 0; i < rendered.size(); ++i) {
    if (i > 0) message += "; ";
    message += rendered[i];
  }
  return FieldValidationError(message, fields);
}

absl::StatusOr<json> Bind(const ServiceModel& model, const Operation& operation,
                          const std::map<std::string, std::string>& labels,
                          const std::multimap<std::string, std::string>& query,
                          const http::Headers* headers, const json& body) {
  CLEANROOM_CHECK(model.FindOperation(operation.name) == &operation);
  if (operation.input == nullptr) return json::object();
  const Shape& input = *operation.input;
  Checker checker(Checker::Mode::kInput);
  Binder binder(input, checker);
  json out = json::object();
  json raw = json::object();  // every value found, for the union rule

  std::set<std::string> query_names;  // bound by scalar or list query members
  for (const Member& m : input.members) {
    if (m.location == Location::kQuery && m.shape->type != ShapeType::kMap) {
      query_names.insert(m.location_name);
    }
  }

  for (const Member& m : input.members) {
    std::optional<json> value;
    bool converted = true;
    switch (m.location) {
      case Location::kUri: {
        auto it = labels.find(m.location_name);
        if (it != labels.end()) {
          value.emplace();
          converted = binder.Convert(m, {it->second}, &*value);
        }
        break;
      }
      case Location::kQuery: {
        if (m.shape->type == ShapeType::kMap) {
          json map = json::object();
          for (const auto& [name, text] : query) {
            if (query_names.count(name)) continue;
            if (m.shape->value->type == ShapeType::kList) {
              map[name].push_back(text);
            } else if (!map.contains(name)) {
              map[name] = text;
            }
          }
          if (!map.empty()) value = std::move(map);
          break;
        }
        auto [begin, end] = query.equal_range(m.location_name);
        if (begin == end) break;
        std::vector<std::string_view> texts;
        for (auto it = begin; it != end; ++it) texts.push_back(it->second);
        value.emplace();
        converted = binder.Convert(m, texts, &*value);
        break;
      }
      case Location::kHeader: {
        if (headers == nullptr) break;
        std::optional<std::string_view> text = headers->Get(m.location_name);
        if (!text) break;
        std::vector<std::string_view> texts = m.shape->type == ShapeType::kList
                                                  ? SplitHeaderList(*text)
                                                  : std::vector<std::string_view>{*text};
        value.emplace();
        converted = binder.Convert(m, texts, &*value);
        break;
      }
      case Location::kHeaders: {
        if (headers == nullptr) break;
        std::string prefix = ToLower(m.location_name);
        json map = json::object();
        for (const auto& [name, text] : headers->fields()) {
          if (StartsWith(name, prefix) && name.size() > prefix.size()) {
            map[name.substr(prefix.size())] = text;
          }
        }
        if (!map.empty()) value = std::move(map);
        break;
      }
      case Location::kStatusCode:
        break;
      case Location::kBody:
        if (!input.payload.empty()) {
          if (m.name == input.payload && !(body.is_object() && body.empty())) value = body;
        } else if (body.is_object()) {
          auto it = body.find(m.name);
          if (it != body.end()) value = *it;
        }
        break;
    }
    if (!converted) continue;
    if (value && !value->is_null()) raw[m.name] = *value;
    checker.CheckMember(m, value ? &*value : nullptr, "", input.sensitive, out);
  }
  checker.CheckUnion(input, raw, "", input.sensitive);
  if (!checker.violations().empty()) return ValidationFailure(checker.violations());
  return out;
}

}  // namespace

absl::StatusOr<json> BindRestJsonInput(const ServiceModel& model, const Operation& operation,
                                       const std::map<std::string, std::string>& labels,
                                       const std::multimap<std::string, std::string>& query,
                                       const json& body) {
  return Bind(model, operation, labels, query, nullptr, body);
}

absl::StatusOr<json> BindRestJsonInput(const ServiceModel& model, const Operation& operation,
                                       const std::map<std::string, std::string>& labels,
                                       const std::multimap<std::string, std::string>& query,
                                       const http::Headers& headers, const json& body) {
  return Bind(model, operation, labels, query, &headers, body);
}

absl::StatusOr<json> ValidateInput(const Shape& shape, const json& value) {
  Checker checker(Checker::Mode::kInput);
  json kept = checker.Check(value, shape, "", false);
  if (!checker.violations().empty()) return ValidationFailure(checker.violations());
  return kept;
}

std::vector<FieldViolation> ValidateOutput(const Shape& shape, const json& value) {
  Checker checker(Checker::Mode::kOutput);
  checker.Check(value, shape, "", false);
  std::vector<FieldViolation> out;
  for (const Violation& v : checker.violations()) out.push_back({v.path, v.constraint});
  return out;
}

absl::Status FieldValidationError(std::string_view message,
                                  const std::vector<FieldViolation>& fields) {
  absl::Status status =
      AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message, 400);
  status = WithAwsField(std::move(status), "reason", "FIELD_VALIDATION_FAILED");
  if (!fields.empty()) {
    json list = json::array();
    for (const FieldViolation& f : fields)
      list.push_back({{"name", f.path}, {"message", f.message}});
    status = WithAwsJsonField(std::move(status), "fieldList",
                              list.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return status;
}

}  // namespace cleanroom::apimodel
