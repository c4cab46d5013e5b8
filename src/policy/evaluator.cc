#include "policy/evaluator.h"

#include "common/strings.h"
#include "policy/wildcard.h"

namespace cleanroom::policy {
namespace {

bool ActionMatches(const Statement& st, std::string_view action) {
  bool any = false;
  for (const std::string& pattern : st.actions) {
    if (WildcardMatch(pattern, action, /*ignore_case=*/true)) {
      any = true;
      break;
    }
  }
  return st.not_action ? !any : any;
}

bool ResourceMatches(const Statement& st, std::string_view resource) {
  if (!st.resources) return true;  // trust policy: the statement is about the role itself
  bool any = false;
  for (const std::string& pattern : *st.resources) {
    if (ArnMatch(pattern, resource)) {
      any = true;
      break;
    }
  }
  return st.not_resource ? !any : any;
}

bool PrincipalMatches(const Statement& st, const std::optional<RequestPrincipal>& who) {
  if (!st.principal) return true;  // identity policy: the principal is whoever holds it
  if (!who) return false;
  const PrincipalSpec& spec = *st.principal;
  bool in_set = spec.any;
  if (!in_set && !who->service.empty()) {
    for (const std::string& s : spec.services) {
      if (EqualsIgnoreCase(s, who->service)) in_set = true;
    }
  }
  if (!in_set && !who->account_id.empty()) {
    for (const std::string& a : spec.accounts) {
      if (a == who->account_id) in_set = true;
    }
  }
  return st.not_principal ? !in_set : in_set;
}

}  // namespace

bool StatementMatches(const Statement& st, const Request& request,
                      const ConditionContext& context) {
  if (!ActionMatches(st, request.action)) return false;
  if (!ResourceMatches(st, request.resource)) return false;
  if (!PrincipalMatches(st, request.principal)) return false;
  for (const Condition& c : st.conditions) {
    if (!EvaluateCondition(c, context)) return false;
  }
  return true;
}

EvaluationResult Evaluate(const std::vector<NamedPolicy>& policies, const Request& request) {
  const ConditionContext context = NormalizeContext(request.context);
  EvaluationResult allow;
  for (const NamedPolicy& policy : policies) {
    if (policy.document == nullptr) continue;
    const std::vector<Statement>& statements = policy.document->statements;
    for (size_t i = 0; i < statements.size(); ++i) {
      const Statement& st = statements[i];
      if (!StatementMatches(st, request, context)) continue;
      if (st.effect == Effect::kDeny) {
        return EvaluationResult{Decision::kExplicitDeny, policy.name, static_cast<int>(i), st.sid};
      }
      if (allow.decision != Decision::kAllow) {
        allow = EvaluationResult{Decision::kAllow, policy.name, static_cast<int>(i), st.sid};
      }
    }
  }
  return allow;
}

EvaluationResult TrustsService(const PolicyDocument& trust_policy,
                               std::string_view service_principal,
                               const std::map<std::string, std::string>& context) {
  Request request;
  request.action = "sts:AssumeRole";
  request.context = context;
  request.principal = RequestPrincipal{std::string(service_principal), ""};
  return Evaluate({NamedPolicy{"trust policy", &trust_policy}}, request);
}

}  // namespace cleanroom::policy
