#include "secretsmanager/secrets_manager_service.h"

#include <vector>

#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::secretsmanager {
namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

absl::Status InvalidParameter(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterException", message, 400);
}

std::string Without(std::string_view pool, std::string_view excluded) {
  std::string out;
  for (char c : pool) {
    if (excluded.find(c) == std::string_view::npos) out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> GenerateRandomPassword(const PasswordOptions& o, Random& random) {
  if (o.length < 1 || o.length > 4096) {
    return InvalidParameter("PasswordLength must be between 1 and 4096.");
  }
  std::vector<std::string> pools;
  if (!o.exclude_lowercase) pools.push_back(Without(kLower, o.exclude_characters));
  if (!o.exclude_uppercase) pools.push_back(Without(kUpper, o.exclude_characters));
  if (!o.exclude_numbers) pools.push_back(Without(kDigits, o.exclude_characters));
  if (!o.exclude_punctuation) pools.push_back(Without(kPunctuation, o.exclude_characters));
  if (o.include_space) pools.push_back(Without(" ", o.exclude_characters));
  std::erase_if(pools, [](const std::string& p) { return p.empty(); });
  if (pools.empty()) return InvalidParameter("The password cannot be made: every character is excluded.");
  std::string all;
  for (const auto& p : pools) all += p;

  std::string password;
  password.reserve(static_cast<size_t>(o.length));
  if (o.require_each_included_type) {
    if (static_cast<size_t>(o.length) < pools.size()) {
      return InvalidParameter(
          "PasswordLength is too short to include a character of each required type.");
    }
    for (const auto& p : pools) password.push_back(p[random.Uniform(p.size())]);
  }
  while (password.size() < static_cast<size_t>(o.length)) {
    password.push_back(all[random.Uniform(all.size())]);
  }
  // Fisher-Yates, so the required characters are not always at the front.
  for (size_t i = password.size(); i > 1; --i) {
    std::swap(password[i - 1], password[random.Uniform(i)]);
  }
  return password;
}

SecretsManagerService::SecretsManagerService() : JsonRpcService("secretsmanager", "secretsmanager") {
  Register("GetRandomPassword",
           [](protocol::CallContext&, const nlohmann::json& in) -> absl::StatusOr<nlohmann::json> {
             PasswordOptions o;
             ASSIGN_OR_RETURN(auto length, protocol::OptionalInt(in, "PasswordLength"));
             if (length) o.length = *length;
             ASSIGN_OR_RETURN(auto exclude, protocol::OptionalString(in, "ExcludeCharacters"));
             if (exclude) o.exclude_characters = *exclude;
             struct Flag {
               const char* name;
               bool* target;
             };
             for (Flag f : {Flag{"ExcludeNumbers", &o.exclude_numbers},
                            Flag{"ExcludePunctuation", &o.exclude_punctuation},
                            Flag{"ExcludeUppercase", &o.exclude_uppercase},
                            Flag{"ExcludeLowercase", &o.exclude_lowercase},
                            Flag{"IncludeSpace", &o.include_space},
                            Flag{"RequireEachIncludedType", &o.require_each_included_type}}) {
               ASSIGN_OR_RETURN(auto v, protocol::OptionalBool(in, f.name));
               if (v) *f.target = *v;
             }
             ASSIGN_OR_RETURN(std::string password, GenerateRandomPassword(o, SystemRandom()));
             return nlohmann::json{{"RandomPassword", password}};
           });
}

}  // namespace cleanroom::secretsmanager
