// The AWS managed policies this server ships with. They belong to the pseudo-account "aws",
// are visible to every account (ListPolicies Scope=AWS/All, GetPolicy, GetPolicyVersion),
// can be attached to any role, and can never be changed or deleted. Their documents are held
// in code, in aws_managed_policies.cc, and described in docs/aws-compatibility.md.
#ifndef CLEANROOM_IAM_AWS_MANAGED_POLICIES_H_
#define CLEANROOM_IAM_AWS_MANAGED_POLICIES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace cleanroom::iam {

struct AwsManagedPolicy {
  std::string name;       // "AWSGlueServiceRole"
  std::string path;       // "/service-role/"
  std::string arn;        // "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"
  std::string policy_id;  // "ANPA…", fixed
  std::string description;
  std::string document;    // JSON text of version v1 (the default version)
  int64_t created_at = 0;  // epoch seconds, fixed
};

// Every AWS managed policy, ordered by name. The list and its documents never change while
// the process runs. Each document is a valid identity policy (checked by the unit tests).
const std::vector<AwsManagedPolicy>& AwsManagedPolicies();

// The policy with this ARN (exact match), or nullptr.
const AwsManagedPolicy* FindAwsManagedPolicy(const std::string& arn);

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_AWS_MANAGED_POLICIES_H_
