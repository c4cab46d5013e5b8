// IAM names, paths and ARNs: the syntax rules of the IAM API model and the ARN forms of roles
// and managed policies.
//   role:            arn:aws:iam::<account>:role<path><name>
//   managed policy:  arn:aws:iam::<account>:policy<path><name>   (<account> = "aws" for AWS's)
// A path starts and ends with '/', e.g. "/" or "/service-role/".
#ifndef CLEANROOM_IAM_IAM_NAMES_H_
#define CLEANROOM_IAM_IAM_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

#include "common/random.h"

namespace cleanroom::iam {

// The pseudo-account that owns AWS managed policies.
inline constexpr char kAwsAccount[] = "aws";

// Role and policy names: [\w+=,.@-]+ (length limits are checked separately).
bool IsValidEntityName(std::string_view name);
// Role paths: "/" or "/" [\x21-\x7E]+ "/".
bool IsValidRolePath(std::string_view path);
// Managed policy paths: ((/[A-Za-z0-9.,+@=_-]+)*)/ — no empty segments.
bool IsValidPolicyPath(std::string_view path);

std::string RoleArn(std::string_view account_id, std::string_view path, std::string_view name);
std::string PolicyArn(std::string_view account_id, std::string_view path, std::string_view name);

struct IamArn {
  std::string account_id;  // 12 digits, or "aws" for AWS managed policies
  std::string type;        // "role" or "policy"
  std::string path;        // "/" or "/a/b/"
  std::string name;
};

// Parses a role or policy ARN in the aws partition. nullopt if `arn` is not one (wrong
// partition or service, region present, bad account, type other than role/policy, bad path
// or name syntax).
std::optional<IamArn> ParseIamArn(std::string_view arn);

// Unique IDs as IAM makes them: a 4-letter prefix and 17 characters of [A-Z2-7] (21 in all).
// "AROA" for roles, "ANPA" for managed policies.
std::string NewIamId(std::string_view prefix, Random& random = SystemRandom());

}  // namespace cleanroom::iam

#endif  // CLEANROOM_IAM_IAM_NAMES_H_
