// Wildcard matching as IAM policies use it: `*` matches any run of characters (including none,
// and including '/' and ':'), `?` matches exactly one character. There is no escape syntax.
#ifndef CLEANROOM_POLICY_WILDCARD_H_
#define CLEANROOM_POLICY_WILDCARD_H_

#include <string_view>

namespace cleanroom::policy {

// True if all of `text` matches `pattern`. ASCII letters compare case-insensitively when
// `ignore_case` (action names); otherwise bytes compare exactly (ARNs, condition values).
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// Matches an ARN pattern from a Resource element or an Arn* condition against an ARN.
// When both have the six colon-separated ARN components (arn:partition:service:region:
// account:resource, the last of which may itself contain colons), each component is matched
// separately, so a wildcard in the region cannot swallow the account. Otherwise the whole
// strings are matched. Case-sensitive. "*" matches everything.
bool ArnMatch(std::string_view pattern, std::string_view arn);

}  // namespace cleanroom::policy

#endif  // CLEANROOM_POLICY_WILDCARD_H_
