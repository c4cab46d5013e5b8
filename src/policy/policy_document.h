// IAM policy documents: the parsed form of an identity-based (permissions) policy or of a role's
// trust policy, and the parser that validates them the way IAM does before it stores one.
//
// Grammar accepted
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):
//   { "Version": "2012-10-17" | "2008-10-17" (optional; 2008-10-17 when absent),
//     "Id": string (optional),
//     "Statement": statement | [statement, ...] }
//   statement = { "Sid"?, "Effect", ("Principal" | "NotPrincipal")?, ("Action" | "NotAction"),
//                 ("Resource" | "NotResource")?, "Condition"? }
// Identity policies must have Resource/NotResource and must not have Principal/NotPrincipal.
// Trust policies must have Principal/NotPrincipal, must not have Resource/NotResource (IAM says
// "Has prohibited field Resource"), and may name only sts actions.
#ifndef CLEANROOM_POLICY_POLICY_DOCUMENT_H_
#define CLEANROOM_POLICY_POLICY_DOCUMENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/condition.h"

namespace cleanroom::policy {

enum class PolicyKind {
  kIdentity,  // attached to a role (managed or inline): what the role may do
  kTrust,     // a role's AssumeRolePolicyDocument: who may assume the role
};

enum class Effect { kAllow, kDeny };

// A Principal or NotPrincipal element.
struct PrincipalSpec {
  bool any = false;                   // "*" or {"AWS": "*"}
  std::vector<std::string> accounts;  // 12-digit IDs, from "<id>" or "arn:aws:iam::<id>:root"
  std::vector<std::string> services;  // service principals, e.g. "glue.amazonaws.com"
};

struct Statement {
  std::string sid;  // "" when absent
  Effect effect = Effect::kAllow;
  std::optional<PrincipalSpec> principal;  // trust policies only
  bool not_principal = false;              // `principal` came from NotPrincipal
  std::vector<std::string> actions;        // "*" or "service:Pattern"
  bool not_action = false;
  // Absent (nullopt) only in trust policies, where the statement applies to the role itself.
  std::optional<std::vector<std::string>> resources;
  bool not_resource = false;
  std::vector<Condition> conditions;  // all must hold
};

struct PolicyDocument {
  std::string version;  // "2012-10-17" or "2008-10-17"
  std::string id;
  std::vector<Statement> statements;  // at least one
};

// The most characters a policy document may have (the IAM model's policyDocumentType).
inline constexpr size_t kMaxPolicyDocumentLength = 131072;

// Parses and validates `text` as a policy of `kind`. On any problem returns kInvalidArgument
// carrying the AWS error code MalformedPolicyDocument (HTTP 400) and a message that names the
// statement and element at fault, e.g.
//   "Syntax errors in policy. parse error at line 3, column 5: ..."
//   "Policy statement must contain actions. (Statement 1)"
//   "Has prohibited field Resource (Statement 1): a trust policy applies to the role itself"
// Size quotas that depend on where the policy is stored are the caller's (see QuotaSize).
absl::StatusOr<PolicyDocument> ParsePolicy(std::string_view text, PolicyKind kind);

// The size IAM counts against its policy-size quotas: the number of characters other than
// whitespace (space, tab, CR, LF).
size_t QuotaSize(std::string_view text);

}  // namespace cleanroom::policy

#endif  // CLEANROOM_POLICY_POLICY_DOCUMENT_H_
