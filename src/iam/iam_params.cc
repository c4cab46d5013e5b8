#include "iam/iam_params.h"

#include "common/aws_error.h"
#include "common/strings.h"
#include "iam/iam_names.h"

namespace cleanroom::iam {
namespace {

// Decodes UTF-8 leniently: a byte that does not start a valid sequence becomes U+FFFD.
std::vector<uint32_t> CodePoints(std::string_view text) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    int len = c < 0x80             ? 1
              : (c & 0xe0) == 0xc0 ? 2
              : (c & 0xf0) == 0xe0 ? 3
              : (c & 0xf8) == 0xf0 ? 4
                                   : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    bool ok = len > 0 && i + len <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (!ok) {
      out.push_back(0xfffd);
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

bool AllCodePoints(std::string_view text, const std::function<bool(uint32_t)>& ok) {
  for (uint32_t cp : CodePoints(text)) {
    if (!ok(cp)) return false;
  }
  return true;
}

bool IsDocumentChar(uint32_t c) {
  return c == 0x09 || c == 0x0a || c == 0x0d || (c >= 0x20 && c <= 0xff);
}

// tagKeyType / tagValueType: [\p{L}\p{Z}\p{N}_.:/=+\-@]. Letters, separators and numbers
// outside ASCII are accepted as a class (the server does not carry Unicode tables).
bool IsTagChar(uint32_t c) {
  if (c >= 0x80) return c != 0xfffd;
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' ||
         c == '@';
}

std::string Shown(std::string_view value) {
  constexpr size_t kMax = 256;
  if (value.size() <= kMax) return std::string(value);
  return StrCat(value.substr(0, kMax), "...");
}

std::string Violation(std::string_view value, std::string_view member, std::string_view what) {
  return StrCat("Value '", Shown(value), "' at '", member,
                "' failed to satisfy constraint: ", what);
}

StringRule MakeRule(size_t min, size_t max, std::function<bool(std::string_view)> pattern,
                    std::string pattern_text) {
  return StringRule{min, max, std::move(pattern), std::move(pattern_text)};
}

// Checks `value` against `rule`, appending violations to `errors`.
void CheckString(std::string_view value, std::string_view member, const StringRule& rule,
                 std::vector<std::string>& errors) {
  size_t n = CharacterCount(value);
  if (n < rule.min_length) {
    errors.push_back(
        Violation(value, member,
                  StrCat("Member must have length greater than or equal to ", rule.min_length)));
  }
  if (rule.max_length > 0 && n > rule.max_length) {
    errors.push_back(Violation(
        value, member, StrCat("Member must have length less than or equal to ", rule.max_length)));
  }
  if (rule.pattern && n >= rule.min_length && !rule.pattern(value)) {
    errors.push_back(
        Violation(value, member,
                  StrCat("Member must satisfy regular expression pattern: ", rule.pattern_text)));
  }
}

}  // namespace

size_t CharacterCount(std::string_view text) { return CodePoints(text).size(); }

const StringRule& RoleNameRule() {
  static const StringRule* r = new StringRule(MakeRule(1, 64, IsValidEntityName, "[\\w+=,.@-]+"));
  return *r;
}
const StringRule& PolicyNameRule() {
  static const StringRule* r = new StringRule(MakeRule(1, 128, IsValidEntityName, "[\\w+=,.@-]+"));
  return *r;
}
const StringRule& RolePathRule() {
  static const StringRule* r = new StringRule(
      MakeRule(1, 512, IsValidRolePath, "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"));
  return *r;
}
const StringRule& PolicyPathRule() {
  static const StringRule* r =
      new StringRule(MakeRule(1, 512, IsValidPolicyPath, "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"));
  return *r;
}
const StringRule& RolePathPrefixRule() {
  static const StringRule* r = new StringRule(MakeRule(
      1, 512,
      [](std::string_view v) {
        if (v.empty() || v[0] != '/') return false;
        for (char ch : v) {
          unsigned char c = static_cast<unsigned char>(ch);
          if (c < 0x21 || c > 0x7f) return false;
        }
        return true;
      },
      "\\u002F[\\u0021-\\u007F]*"));
  return *r;
}
const StringRule& PolicyDocumentRule() {
  static const StringRule* r = new StringRule(MakeRule(
      1, 131072, [](std::string_view v) { return AllCodePoints(v, IsDocumentChar); },
      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"));
  return *r;
}
const StringRule& RoleDescriptionRule() {
  static const StringRule* r = new StringRule(MakeRule(
      0, 1000,
      [](std::string_view v) {
        return AllCodePoints(v, [](uint32_t c) {
          return c == 0x09 || c == 0x0a || c == 0x0d || (c >= 0x20 && c <= 0x7e) ||
                 (c >= 0xa1 && c <= 0xff);
        });
      },
      "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"));
  return *r;
}
const StringRule& PolicyDescriptionRule() {
  static const StringRule* r = new StringRule(MakeRule(0, 1000, nullptr, ""));
  return *r;
}
const StringRule& ArnRule() {
  static const StringRule* r = new StringRule(MakeRule(20, 2048, nullptr, ""));
  return *r;
}
const StringRule& MarkerRule() {
  static const StringRule* r = new StringRule(MakeRule(
      1, 320,
      [](std::string_view v) {
        return AllCodePoints(v, [](uint32_t c) { return c >= 0x20 && c <= 0xff; });
      },
      "[\\u0020-\\u00FF]+"));
  return *r;
}
const StringRule& PolicyVersionIdRule() {
  static const StringRule* r = new StringRule(MakeRule(
      0, 0,
      [](std::string_view v) {
        if (v.size() < 2 || v[0] != 'v' || v[1] < '1' || v[1] > '9') return false;
        size_t i = 2;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
        if (i == v.size()) return true;
        if (v[i] != '.') return false;
        for (++i; i < v.size(); ++i) {
          char c = v[i];
          if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-')) {
            return false;
          }
        }
        return true;
      },
      "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"));
  return *r;
}

std::optional<std::string> IamParams::String(const char* name, const char* member,
                                             const StringRule& rule, bool required) {
  auto it = params_.find(name);
  if (it == params_.end()) {
    if (required) {
      Fail(StrCat("Value null at '", member,
                  "' failed to satisfy constraint: Member must not be null"));
    }
    return std::nullopt;
  }
  size_t before = errors_.size();
  CheckString(it->second, member, rule, errors_);
  if (errors_.size() != before) return std::nullopt;
  return it->second;
}

std::optional<int64_t> IamParams::Int(const char* name, const char* member, int64_t min,
                                      int64_t max) {
  auto it = params_.find(name);
  if (it == params_.end()) return std::nullopt;
  std::string_view text = it->second;
  bool negative = !text.empty() && text[0] == '-';
  uint64_t magnitude = 0;
  if (!ParseUint64(negative ? text.substr(1) : text, &magnitude) || magnitude > INT64_MAX) {
    Fail(Violation(text, member, "Member must be an integer"));
    return std::nullopt;
  }
  int64_t v = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  if (v < min) {
    Fail(Violation(text, member, StrCat("Member must have value greater than or equal to ", min)));
    return std::nullopt;
  }
  if (v > max) {
    Fail(Violation(text, member, StrCat("Member must have value less than or equal to ", max)));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> IamParams::Bool(const char* name, const char* member) {
  auto it = params_.find(name);
  if (it == params_.end()) return std::nullopt;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  Fail(Violation(it->second, member, "Member must be true or false"));
  return std::nullopt;
}

std::optional<std::string> IamParams::Enum(const char* name, const char* member,
                                           const std::vector<std::string>& allowed) {
  auto it = params_.find(name);
  if (it == params_.end()) return std::nullopt;
  for (const std::string& a : allowed) {
    if (it->second == a) return a;
  }
  std::string set;
  for (const std::string& a : allowed) set += (set.empty() ? "" : ", ") + a;
  Fail(Violation(it->second, member, StrCat("Member must satisfy enum value set: [", set, "]")));
  return std::nullopt;
}

std::vector<Tag> IamParams::Tags() {
  static const StringRule key_rule = MakeRule(
      1, 128, [](std::string_view v) { return AllCodePoints(v, IsTagChar); },
      "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
  static const StringRule value_rule = MakeRule(
      0, 256, [](std::string_view v) { return AllCodePoints(v, IsTagChar); },
      "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
  std::vector<Tag> tags;
  for (int n = 1;; ++n) {
    const std::string prefix = StrCat("Tags.member.", n, ".");
    auto key = params_.find(prefix + "Key");
    auto value = params_.find(prefix + "Value");
    if (key == params_.end() && value == params_.end()) break;
    const std::string member = StrCat("tags.", n, ".member");
    if (key == params_.end()) {
      Fail(StrCat("Value null at '", member,
                  ".key' failed to satisfy constraint: Member must not be null"));
      continue;
    }
    if (value == params_.end()) {
      Fail(StrCat("Value null at '", member,
                  ".value' failed to satisfy constraint: Member must not be null"));
      continue;
    }
    CheckString(key->second, member + ".key", key_rule, errors_);
    CheckString(value->second, member + ".value", value_rule, errors_);
    tags.push_back(Tag{key->second, value->second});
  }
  if (tags.size() > 50) {
    Fail(StrCat("Value '[...", tags.size(),
                " tags]' at 'tags' failed to satisfy constraint: Member must have length less "
                "than or equal to 50"));
  }
  return tags;
}

absl::Status IamParams::Check() const {
  if (errors_.empty()) return absl::OkStatus();
  std::string message =
      StrCat(errors_.size(), " validation error", errors_.size() == 1 ? "" : "s", " detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) message += (i ? "; " : "") + errors_[i];
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationError", message, 400);
}

}  // namespace cleanroom::iam
