// Identifiers in AWS's formats, drawn from the OS CSPRNG.
#ifndef CLEANROOM_COMMON_IDS_H_
#define CLEANROOM_COMMON_IDS_H_

#include <string>
#include <string_view>

#include "common/random.h"

namespace cleanroom {

// Lower-case RFC 4122 version-4 UUID, e.g. "aaaaaaaa-1111-4222-8333-444444444444".
std::string NewUuid(Random& random = SystemRandom());
// A 12-digit AWS account ID that does not start with 0.
std::string NewAccountId(Random& random = SystemRandom());
// "AKIA" followed by 16 characters of [A-Z2-7] (as AWS access key IDs look).
std::string NewAccessKeyId(Random& random = SystemRandom());
// 40 characters of [A-Za-z0-9+/] carrying 240 bits of entropy.
std::string NewSecretAccessKey(Random& random = SystemRandom());

bool IsUuid(std::string_view text);
bool IsAccountId(std::string_view text);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_IDS_H_
