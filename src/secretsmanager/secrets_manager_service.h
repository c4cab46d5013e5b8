// AWS Secrets Manager (awsJson1_1): GetRandomPassword, drawn from the OS CSPRNG.
#ifndef CLEANROOM_SECRETSMANAGER_SECRETS_MANAGER_SERVICE_H_
#define CLEANROOM_SECRETSMANAGER_SECRETS_MANAGER_SERVICE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/random.h"
#include "protocol/json_rpc.h"

namespace cleanroom::secretsmanager {

struct PasswordOptions {
  int64_t length = 32;
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_punctuation = false;
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  bool require_each_included_type = true;
};

// Generates a password as GetRandomPassword does. kInvalidArgument (InvalidParameterException)
// if the length is outside 1..4096, every character is excluded, or fewer characters are
// requested than there are required types.
absl::StatusOr<std::string> GenerateRandomPassword(const PasswordOptions& options, Random& random);

class SecretsManagerService final : public protocol::JsonRpcService {
 public:
  SecretsManagerService();
};

}  // namespace cleanroom::secretsmanager

#endif  // CLEANROOM_SECRETSMANAGER_SECRETS_MANAGER_SERVICE_H_
