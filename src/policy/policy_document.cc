#include "policy/policy_document.h"

#include <set>
#include <utility>

#include "common/aws_error.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace cleanroom::policy {
namespace {

using nlohmann::json;

absl::Status Malformed(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "MalformedPolicyDocument", message, 400);
}

// " (Statement 2)" or " (Statement 2, Sid \"ReadData\")": where a problem is.
std::string Where(size_t index, const json& statement) {
  std::string out = StrCat(" (Statement ", index + 1);
  auto sid = statement.find("Sid");
  if (sid != statement.end() && sid->is_string() && !sid->get_ref<const std::string&>().empty()) {
    out += StrCat(", Sid \"", sid->get_ref<const std::string&>(), "\"");
  }
  return out + ")";
}

// Parses JSON text, refusing duplicate keys in any object (a policy with two "Effect" members
// means different things to different readers).
absl::StatusOr<json> ParseJson(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (size_t close = what.find("] ");
        StartsWith(what, "[json.exception") && close != std::string::npos) {
      what = what.substr(close + 2);
    }
    return Malformed(StrCat("Syntax errors in policy. ", what));
  }
  if (!duplicate.empty()) {
    return Malformed(StrCat("Syntax errors in policy. Duplicate key \"", duplicate, "\""));
  }
  return doc;
}

// A string or a non-empty array of strings. `empty_message` when absent-equivalent (empty).
absl::StatusOr<std::vector<std::string>> StringList(const json& value, std::string_view element,
                                                    std::string_view where,
                                                    std::string_view empty_message) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const json& item : value) {
      if (!item.is_string()) {
        return Malformed(StrCat("Syntax errors in policy. ", element,
                                " must be a string or an array of strings", where));
      }
      out.push_back(item.get<std::string>());
    }
  } else {
    return Malformed(StrCat("Syntax errors in policy. ", element,
                            " must be a string or an array of strings", where));
  }
  if (out.empty()) return Malformed(StrCat(empty_message, where));
  return out;
}

bool IsVendorChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool IsActionNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' ||
         c == '?' || c == '-' || c == '_';
}

absl::Status CheckAction(const std::string& action, PolicyKind kind, bool not_action,
                         std::string_view where) {
  if (action == "*") return absl::OkStatus();
  size_t colon = action.find(':');
  if (colon == std::string::npos) {
    return Malformed(
        StrCat("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, "
               "etc. Action \"",
               action, "\" has no vendor", where));
  }
  if (action.find(':', colon + 1) != std::string::npos) {
    return Malformed(
        StrCat("Actions/Condition can contain only one colon. Action \"", action, "\"", where));
  }
  std::string_view vendor = std::string_view(action).substr(0, colon);
  std::string_view name = std::string_view(action).substr(colon + 1);
  bool vendor_ok = !vendor.empty();
  for (char c : vendor) vendor_ok = vendor_ok && IsVendorChar(c);
  if (!vendor_ok) return Malformed(StrCat("Vendor ", vendor, " is not valid", where));
  bool name_ok = !name.empty();
  for (char c : name) name_ok = name_ok && IsActionNameChar(c);
  if (!name_ok) return Malformed(StrCat("Action \"", action, "\" is not valid", where));
  if (kind == PolicyKind::kTrust && !not_action && !EqualsIgnoreCase(vendor, "sts")) {
    return Malformed(StrCat("AssumeRole policy may only specify STS AssumeRole actions. Action \"",
                            action, "\"", where));
  }
  return absl::OkStatus();
}

absl::Status CheckResource(const std::string& resource, std::string_view where) {
  if (resource == "*") return absl::OkStatus();
  std::vector<std::string_view> parts = Split(resource, ':');
  if (parts.size() < 6 || parts[0] != "arn" || parts[2].empty()) {
    return Malformed(StrCat("Resource ", resource, " must be in ARN format or \"*\".", where));
  }
  std::string_view partition = parts[1];
  static const std::set<std::string_view> kPartitions = {"aws", "aws-cn", "aws-us-gov", "aws-iso",
                                                         "aws-iso-b"};
  if (!kPartitions.count(partition) && partition.find_first_of("*?") == std::string_view::npos) {
    return Malformed(StrCat("Partition \"", partition, "\" is not valid for resource \"", resource,
                            "\".", where));
  }
  return absl::OkStatus();
}

// "glue.amazonaws.com", "states.us-east-1.amazonaws.com", "... .amazonaws.com.cn".
bool IsServicePrincipal(std::string_view s) {
  std::string_view host;
  if (EndsWith(s, ".amazonaws.com")) {
    host = s.substr(0, s.size() - 14);
  } else if (EndsWith(s, ".amazonaws.com.cn")) {
    host = s.substr(0, s.size() - 17);
  } else {
    return false;
  }
  if (host.empty()) return false;
  for (std::string_view label : Split(host, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
  }
  return true;
}

absl::StatusOr<PrincipalSpec> ParsePrincipal(const json& value, std::string_view where) {
  PrincipalSpec spec;
  if (value.is_string()) {
    if (value.get<std::string>() == "*") {
      spec.any = true;
      return spec;
    }
    return Malformed(StrCat("Invalid principal in policy: \"", value.get<std::string>(),
                            "\"; use \"*\" or an object such as {\"Service\": ...}", where));
  }
  if (!value.is_object() || value.empty()) {
    return Malformed(
        StrCat("Invalid principal in policy: the principal must be \"*\" or an object "
               "with AWS or Service members",
               where));
  }
  for (const auto& [type, ids] : value.items()) {
    ASSIGN_OR_RETURN(
        std::vector<std::string> list,
        StringList(ids, StrCat("Principal ", type), where,
                   StrCat("Invalid principal in policy: \"", type, "\" lists no principal")));
    if (type == "AWS") {
      for (const std::string& id : list) {
        if (id == "*") {
          spec.any = true;
        } else if (IsAccountId(id)) {
          spec.accounts.push_back(id);
        } else if (StartsWith(id, "arn:aws:iam::") && EndsWith(id, ":root") &&
                   IsAccountId(id.substr(13, id.size() - 13 - 5))) {
          spec.accounts.push_back(id.substr(13, 12));
        } else {
          return Malformed(StrCat("Invalid principal in policy: \"AWS\":\"", id,
                                  "\"; use \"*\", an account ID or arn:aws:iam::<account>:root",
                                  where));
        }
      }
    } else if (type == "Service") {
      for (const std::string& id : list) {
        if (!IsServicePrincipal(id)) {
          return Malformed(StrCat("Invalid principal in policy: \"SERVICE\":\"", id, "\"", where));
        }
        spec.services.push_back(id);
      }
    } else if (type == "Federated" || type == "CanonicalUser") {
      return Malformed(StrCat("Invalid principal in policy: \"", type,
                              "\" principals are not supported by this server", where));
    } else {
      return Malformed(
          StrCat("Invalid principal in policy: unknown principal type \"", type, "\"", where));
    }
  }
  return spec;
}

// Converts a condition value (string, number or boolean) to its text.
std::optional<std::string> ScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

absl::StatusOr<std::vector<Condition>> ParseConditions(const json& block, std::string_view where) {
  std::vector<Condition> out;
  if (!block.is_object()) {
    return Malformed(StrCat("Syntax errors in policy. Condition must be an object", where));
  }
  for (const auto& [op_name, tests] : block.items()) {
    std::optional<ConditionOperatorSpec> spec = ParseConditionOperator(op_name);
    if (!spec) {
      return Malformed(StrCat("Condition operator \"", op_name,
                              "\" is not supported. Supported: String(Not)Equals(IgnoreCase), "
                              "String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Numeric*, Bool, "
                              "Null; IfExists forms; ForAnyValue:/ForAllValues: prefixes",
                              where));
    }
    if (!tests.is_object()) {
      return Malformed(StrCat("Syntax errors in policy. Condition operator ", op_name,
                              " must map condition keys to values", where));
    }
    for (const auto& [key, values] : tests.items()) {
      size_t colon = key.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == key.size()) {
        return Malformed(
            StrCat("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, "
                   "ec2, etc. Condition key \"",
                   key, "\"", where));
      }
      Condition c{op_name, *spec, key, {}};
      std::vector<const json*> items;
      if (values.is_array()) {
        for (const json& v : values) items.push_back(&v);
      } else {
        items.push_back(&values);
      }
      if (items.empty()) {
        return Malformed(StrCat("Condition ", op_name, " on ", key, " lists no value", where));
      }
      for (const json* v : items) {
        std::optional<std::string> text = ScalarText(*v);
        if (!text) {
          return Malformed(StrCat("Syntax errors in policy. Condition ", op_name, " on ", key,
                                  " must have string, number or boolean values", where));
        }
        if (std::optional<std::string> why = CheckConditionValue(spec->op, *text)) {
          return Malformed(
              StrCat("Invalid value for condition ", op_name, " on ", key, ": ", *why, where));
        }
        c.values.push_back(std::move(*text));
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

absl::StatusOr<Statement> ParseStatement(const json& s, size_t index, PolicyKind kind) {
  if (!s.is_object()) {
    return Malformed(StrCat("Syntax errors in policy. Statement ", index + 1, " is not an object"));
  }
  const std::string where = Where(index, s);
  static const std::set<std::string> kFields = {"Sid",          "Effect",      "Principal",
                                                "NotPrincipal", "Action",      "NotAction",
                                                "Resource",     "NotResource", "Condition"};
  for (const auto& [name, value] : s.items()) {
    if (!kFields.count(name)) {
      return Malformed(StrCat("Syntax errors in policy. Unknown field \"", name, "\"", where));
    }
  }
  Statement st;
  if (auto sid = s.find("Sid"); sid != s.end()) {
    if (!sid->is_string())
      return Malformed(StrCat("Syntax errors in policy. Sid must be a string", where));
    st.sid = sid->get<std::string>();
    for (char c : st.sid) {
      if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        return Malformed(
            StrCat("Statement IDs (SID) must be alpha-numeric. Check that your input "
                   "satisfies the regular expression [0-9A-Za-z]*",
                   where));
      }
    }
  }

  auto effect = s.find("Effect");
  if (effect == s.end()) return Malformed(StrCat("Missing required field Effect", where));
  if (!effect->is_string() ||
      (effect->get<std::string>() != "Allow" && effect->get<std::string>() != "Deny")) {
    return Malformed(StrCat("Invalid effect: ", effect->dump(),
                            "; Effect must be \"Allow\" or \"Deny\"", where));
  }
  st.effect = effect->get<std::string>() == "Allow" ? Effect::kAllow : Effect::kDeny;

  auto principal = s.find("Principal");
  auto not_principal = s.find("NotPrincipal");
  if (kind == PolicyKind::kIdentity) {
    if (principal != s.end() || not_principal != s.end()) {
      return Malformed(StrCat("Policy document should not specify a principal.", where));
    }
  } else {
    if (principal != s.end() && not_principal != s.end()) {
      return Malformed(
          StrCat("Syntax errors in policy. A statement cannot have both Principal and "
                 "NotPrincipal",
                 where));
    }
    if (principal == s.end() && not_principal == s.end()) {
      return Malformed(StrCat("Missing required field Principal", where));
    }
    st.not_principal = principal == s.end();
    ASSIGN_OR_RETURN(st.principal,
                     ParsePrincipal(st.not_principal ? *not_principal : *principal, where));
  }

  auto action = s.find("Action");
  auto not_action = s.find("NotAction");
  if (action != s.end() && not_action != s.end()) {
    return Malformed(
        StrCat("Syntax errors in policy. A statement cannot have both Action and "
               "NotAction",
               where));
  }
  if (action == s.end() && not_action == s.end()) {
    return Malformed(StrCat("Policy statement must contain actions.", where));
  }
  st.not_action = action == s.end();
  ASSIGN_OR_RETURN(st.actions, StringList(st.not_action ? *not_action : *action,
                                          st.not_action ? "NotAction" : "Action", where,
                                          "Policy statement must contain actions."));
  for (const std::string& a : st.actions)
    RETURN_IF_ERROR(CheckAction(a, kind, st.not_action, where));

  auto resource = s.find("Resource");
  auto not_resource = s.find("NotResource");
  if (kind == PolicyKind::kTrust) {
    if (resource != s.end() || not_resource != s.end()) {
      return Malformed(StrCat("Has prohibited field ",
                              resource != s.end() ? "Resource" : "NotResource", where,
                              ": a trust policy applies to the role itself"));
    }
  } else {
    if (resource != s.end() && not_resource != s.end()) {
      return Malformed(
          StrCat("Syntax errors in policy. A statement cannot have both Resource and "
                 "NotResource",
                 where));
    }
    if (resource == s.end() && not_resource == s.end()) {
      return Malformed(StrCat("Policy statement must contain resources.", where));
    }
    st.not_resource = resource == s.end();
    ASSIGN_OR_RETURN(st.resources, StringList(st.not_resource ? *not_resource : *resource,
                                              st.not_resource ? "NotResource" : "Resource", where,
                                              "Policy statement must contain resources."));
    for (const std::string& r : *st.resources) RETURN_IF_ERROR(CheckResource(r, where));
  }

  if (auto condition = s.find("Condition"); condition != s.end()) {
    ASSIGN_OR_RETURN(st.conditions, ParseConditions(*condition, where));
  }
  return st;
}

}  // namespace

absl::StatusOr<PolicyDocument> ParsePolicy(std::string_view text, PolicyKind kind) {
  if (text.size() > kMaxPolicyDocumentLength) {
    return Malformed(
        StrCat("The policy document is longer than ", kMaxPolicyDocumentLength, " characters"));
  }
  ASSIGN_OR_RETURN(json doc, ParseJson(text));
  if (!doc.is_object()) {
    return Malformed("Syntax errors in policy. The policy document must be a JSON object");
  }
  for (const auto& [name, value] : doc.items()) {
    if (name != "Version" && name != "Id" && name != "Statement") {
      return Malformed(StrCat("Syntax errors in policy. Unknown field \"", name,
                              "\" at the top level (allowed: Version, Id, Statement)"));
    }
  }
  PolicyDocument policy;
  policy.version = "2008-10-17";
  if (auto version = doc.find("Version"); version != doc.end()) {
    if (!version->is_string() || (version->get<std::string>() != "2012-10-17" &&
                                  version->get<std::string>() != "2008-10-17")) {
      return Malformed(StrCat("The policy failed legacy parsing: Version ", version->dump(),
                              " is not supported; use \"2012-10-17\" (or \"2008-10-17\")"));
    }
    policy.version = version->get<std::string>();
  }
  if (auto id = doc.find("Id"); id != doc.end()) {
    if (!id->is_string()) return Malformed("Syntax errors in policy. Id must be a string");
    policy.id = id->get<std::string>();
  }
  auto statements = doc.find("Statement");
  if (statements == doc.end()) return Malformed("Missing required field Statement");
  std::vector<const json*> items;
  if (statements->is_array()) {
    for (const json& s : *statements) items.push_back(&s);
  } else {
    items.push_back(&*statements);
  }
  if (items.empty()) return Malformed("Syntax errors in policy. Statement lists no statement");
  std::set<std::string> sids;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(Statement st, ParseStatement(*items[i], i, kind));
    if (!st.sid.empty() && !sids.insert(st.sid).second) {
      return Malformed(StrCat("Statement IDs (SID) in a single policy must be unique. \"", st.sid,
                              "\" is used twice"));
    }
    policy.statements.push_back(std::move(st));
  }
  return policy;
}

size_t QuotaSize(std::string_view text) {
  size_t n = 0;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if ((c & 0xc0) == 0x80) continue;  // UTF-8 continuation byte: part of one character
    ++n;
  }
  return n;
}

}  // namespace cleanroom::policy
