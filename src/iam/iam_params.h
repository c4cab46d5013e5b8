// Request parameters of the IAM query API, checked against the constraints of the IAM API
// model (required members, lengths, patterns, ranges, enums). Violations are collected and
// reported together as IAM does:
//   ValidationError (400): "2 validation errors detected: Value 'bad name!' at 'roleName'
//   failed to satisfy constraint: Member must satisfy regular expression pattern:
//   [\w+=,.@-]+; Value null at 'policyArn' failed to satisfy constraint: Member must not be
//   null"
#ifndef CLEANROOM_IAM_IAM_PARAMS_H_
#define CLEANROOM_IAM_IAM_PARAMS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "iam/iam_store.h"
#include "protocol/query_rpc.h"

namespace cleanroom::iam {

// A string member's constraints from the model.
struct StringRule {
  size_t min_length = 0;
  size_t max_length = 0;                          // 0: unbounded
  std::function<bool(std::string_view)> pattern;  // null: any
  std::string pattern_text;                       // as the model writes it, for messages
};

// The model's string shapes used by the operations implemented here.
const StringRule& RoleNameRule();           // roleNameType
const StringRule& PolicyNameRule();         // policyNameType
const StringRule& RolePathRule();           // pathType
const StringRule& PolicyPathRule();         // policyPathType
const StringRule& RolePathPrefixRule();     // pathPrefixType
const StringRule& PolicyDocumentRule();     // policyDocumentType
const StringRule& RoleDescriptionRule();    // roleDescriptionType
const StringRule& PolicyDescriptionRule();  // policyDescriptionType
const StringRule& ArnRule();                // arnType
const StringRule& MarkerRule();             // markerType
const StringRule& PolicyVersionIdRule();    // policyVersionIdType

class IamParams {
 public:
  explicit IamParams(const protocol::QueryParams& params) : params_(params) {}

  // The value of `name` (wire name, e.g. "RoleName"), checked against `rule`; `member` is the
  // model member name used in messages ("roleName"). A missing required value is an error;
  // a missing optional one is nullopt.
  std::optional<std::string> String(const char* name, const char* member, const StringRule& rule,
                                    bool required);
  // An integer in [min, max].
  std::optional<int64_t> Int(const char* name, const char* member, int64_t min, int64_t max);
  // "true" or "false".
  std::optional<bool> Bool(const char* name, const char* member);
  // One of `allowed`.
  std::optional<std::string> Enum(const char* name, const char* member,
                                  const std::vector<std::string>& allowed);
  // Tags.member.N.Key / .Value, N = 1, 2, ...: at most 50, keys and values per the model.
  std::vector<Tag> Tags();

  // OK, or the ValidationError listing every violation found so far.
  absl::Status Check() const;

 private:
  void Fail(std::string message) { errors_.push_back(std::move(message)); }
  const protocol::QueryParams& params_;
  std::vector<std::string> errors_;
};

// Length in characters (Unicode code points) of UTF-8 text; invalid bytes count one each.
size_t CharacterCount(std::string_view text);

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_IAM_PARAMS_H_
