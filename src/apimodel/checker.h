// The recursive shape checker behind validator.h: walks a JSON value along its shape and
// records every violated constraint. Internal to the apimodel module.
//
// Two modes:
//  - kInput: what a service checks on a request: required members, JSON types, lengths,
//    ranges, patterns, enums, unions. Unknown members and null members are dropped from the
//    returned value.
//  - kOutput: what a response must satisfy: required members, no nulls, no unknown members,
//    JSON types, enums, unions. No lengths, ranges or patterns.
// Not thread-safe; use one Checker per value.
#ifndef CLEANROOM_APIMODEL_CHECKER_H_
#define CLEANROOM_APIMODEL_CHECKER_H_

#include <string>
#include <string_view>
#include <vector>

#include "apimodel/service_model.h"
#include "nlohmann/json.hpp"

namespace cleanroom::apimodel {

struct Violation {
  enum class Shown { kValue, kNull, kHidden };
  std::string path;
  std::string constraint;  // "Member must ..."
  Shown shown = Shown::kValue;
  std::string value;  // the echoed value (already cut to length) when shown is kValue

  // "Value 'x' at 'path' failed to satisfy constraint: <constraint>".
  std::string Render() const;
};

class Checker {
 public:
  enum class Mode { kInput, kOutput };
  explicit Checker(Mode mode) : mode_(mode) {}

  // Checks `value` against `shape` at `path`; `hidden` suppresses echoing values (set inside
  // sensitive shapes). Returns the value as kept (kInput: without unknown members and nulls).
  nlohmann::json Check(const nlohmann::json& value, const Shape& shape, const std::string& path,
                       bool hidden);

  // Checks one member of a structure whose value is `value` (nullptr when absent) and, if it
  // is kept, stores it in `out`. `parent` is the structure's path.
  void CheckMember(const Member& member, const nlohmann::json* value, const std::string& parent,
                   bool hidden, nlohmann::json& out);
  // The union rule for structure `value` (an object): exactly one member of `shape` set.
  void CheckUnion(const Shape& shape, const nlohmann::json& value, const std::string& path,
                  bool hidden);

  // Records a violation; `value` nullptr renders "Value null".
  void Add(const std::string& path, std::string constraint, const nlohmann::json* value,
           bool hidden);

  const std::vector<Violation>& violations() const { return violations_; }

 private:
  nlohmann::json CheckString(const nlohmann::json& value, const Shape& shape,
                             const std::string& path, bool hidden);
  nlohmann::json CheckNumber(const nlohmann::json& value, const Shape& shape,
                             const std::string& path, bool hidden);
  nlohmann::json CheckBlob(const nlohmann::json& value, const Shape& shape, const std::string& path,
                           bool hidden);
  nlohmann::json CheckStructure(const nlohmann::json& value, const Shape& shape,
                                const std::string& path, bool hidden);
  nlohmann::json CheckList(const nlohmann::json& value, const Shape& shape, const std::string& path,
                           bool hidden);
  nlohmann::json CheckMap(const nlohmann::json& value, const Shape& shape, const std::string& path,
                          bool hidden);
  void CheckLength(const nlohmann::json& value, const Shape& shape, size_t length,
                   const std::string& path, bool hidden);
  void CheckEnum(const std::string& text, const nlohmann::json& value, const Shape& shape,
                 const std::string& path, bool hidden);
  void TypeMismatch(const nlohmann::json& value, const Shape& shape, const std::string& path,
                    bool hidden);

  Mode mode_;
  std::vector<Violation> violations_;
};

// The path of member `name` under `parent`: the name with a lower-case first letter, joined
// with '.'.
std::string MemberPath(std::string_view parent, std::string_view name);

// Unicode code points in UTF-8 `text` (a stray byte counts as one).
size_t CodePointLength(std::string_view text);

// Formats a model bound: integral values without a fraction ("100"), others in shortest form.
std::string FormatBound(double bound);

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_CHECKER_H_
