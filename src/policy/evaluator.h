// Policy evaluation: decides whether a request is allowed by a set of policy documents, with
// IAM's rules for a single account: an explicit Deny in any statement wins, otherwise any
// matching Allow allows, otherwise the request is implicitly denied.
#ifndef CLEANROOM_POLICY_EVALUATOR_H_
#define CLEANROOM_POLICY_EVALUATOR_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/condition.h"
#include "policy/policy_document.h"

namespace cleanroom::policy {

// Who is making a request, for statements with Principal/NotPrincipal (trust policies).
// Exactly one member is set.
struct RequestPrincipal {
  std::string service;     // e.g. "glue.amazonaws.com"
  std::string account_id;  // a principal of this 12-digit account
};

struct Request {
  std::string action;    // "service:Action", e.g. "s3:GetObject"
  std::string resource;  // an ARN, e.g. "arn:aws:s3:::bucket/key"
  // Condition keys (any case) to values, e.g. {"aws:SourceAccount", "111122223333"}.
  std::map<std::string, std::string> context;
  // Required to match statements that have Principal/NotPrincipal; statements with a
  // principal never match a request without one.
  std::optional<RequestPrincipal> principal;
};

enum class Decision {
  kAllow,
  kExplicitDeny,  // a matching Deny statement
  kImplicitDeny,  // no matching Allow statement
};

// A policy under evaluation. `name` labels results (e.g. a policy ARN or inline policy name).
struct NamedPolicy {
  std::string name;
  const PolicyDocument* document = nullptr;  // not owned
};

struct EvaluationResult {
  Decision decision = Decision::kImplicitDeny;
  // The statement that decided (the first matching Deny, else the first matching Allow);
  // empty/-1 for an implicit deny.
  std::string policy_name;
  int statement_index = -1;  // 0-based
  std::string sid;

  bool allowed() const { return decision == Decision::kAllow; }
};

// True if `statement` applies to `request`: its action, resource, principal and every
// condition match. Actions match case-insensitively with wildcards; resources match ARN
// patterns case-sensitively (ArnMatch); NotAction/NotResource/NotPrincipal invert.
bool StatementMatches(const Statement& statement, const Request& request,
                      const ConditionContext& context);

// Evaluates `request` against every statement of every policy.
EvaluationResult Evaluate(const std::vector<NamedPolicy>& policies, const Request& request);

// Whether `trust_policy` lets the service principal `service_principal` (e.g.
// "glue.amazonaws.com") perform sts:AssumeRole, given condition keys `context` (e.g.
// aws:SourceAccount). The result names the deciding statement.
EvaluationResult TrustsService(const PolicyDocument& trust_policy,
                               std::string_view service_principal,
                               const std::map<std::string, std::string>& context);

}  // namespace cleanroom::policy

#endif  // CLEANROOM_POLICY_EVALUATOR_H_
