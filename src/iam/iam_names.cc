#include "iam/iam_names.h"

#include "common/ids.h"
#include "common/strings.h"

namespace cleanroom::iam {

bool IsValidEntityName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidRolePath(std::string_view path) {
  if (path == "/") return true;
  if (path.size() < 3 || path.front() != '/' || path.back() != '/') return false;
  for (char c : path) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool IsValidPolicyPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.back() != '/') return false;
  if (path == "/") return true;
  std::string_view inner = path.substr(1, path.size() - 2);
  for (std::string_view segment : Split(inner, '/')) {
    if (segment.empty()) return false;
    for (char c : segment) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == ',' || c == '+' || c == '@' || c == '=' || c == '_' || c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

std::string RoleArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return StrCat("arn:aws:iam::", account_id, ":role", path, name);
}

std::string PolicyArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return StrCat("arn:aws:iam::", account_id, ":policy", path, name);
}

std::optional<IamArn> ParseIamArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!StartsWith(arn, kPrefix)) return std::nullopt;
  arn.remove_prefix(kPrefix.size());
  size_t colon = arn.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  IamArn out;
  out.account_id = std::string(arn.substr(0, colon));
  std::string_view resource = arn.substr(colon + 1);
  size_t slash = resource.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  out.type = std::string(resource.substr(0, slash));
  size_t last = resource.rfind('/');
  out.path = std::string(resource.substr(slash, last - slash + 1));
  out.name = std::string(resource.substr(last + 1));
  if (out.type == "role") {
    if (!IsAccountId(out.account_id) || !IsValidRolePath(out.path)) return std::nullopt;
  } else if (out.type == "policy") {
    if ((!IsAccountId(out.account_id) && out.account_id != kAwsAccount) ||
        !IsValidPolicyPath(out.path)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (!IsValidEntityName(out.name)) return std::nullopt;
  return out;
}

std::string NewIamId(std::string_view prefix, Random& random) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(prefix);
  for (int i = 0; i < 17; ++i) id.push_back(kAlphabet[random.Uniform(32)]);
  return id;
}

}  // namespace cleanroom::iam
