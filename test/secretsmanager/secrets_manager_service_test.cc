#include "secretsmanager/secrets_manager_service.h"

#include <cstring>
#include <string>

#include "common/aws_error.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cleanroom::secretsmanager {
namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// A reproducible byte stream (SplitMix64) standing in for the OS CSPRNG.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed) : state_(seed) {}
  void Fill(void* out, size_t n) override {
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
      uint64_t v = Next();
      size_t take = std::min(n, sizeof(v));
      std::memcpy(p, &v, take);
      p += take;
      n -= take;
    }
  }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

bool ContainsAnyOf(std::string_view text, std::string_view set) {
  return text.find_first_of(set) != std::string_view::npos;
}

std::string MustGenerate(const PasswordOptions& o, uint64_t seed = 1) {
  FakeRandom random(seed);
  absl::StatusOr<std::string> password = GenerateRandomPassword(o, random);
  EXPECT_TRUE(password.ok()) << password.status();
  return password.value_or("");
}

void ExpectInvalidParameter(const PasswordOptions& o) {
  FakeRandom random(1);
  absl::StatusOr<std::string> password = GenerateRandomPassword(o, random);
  EXPECT_EQ(password.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetAwsCode(password.status()).value_or(""), "InvalidParameterException");
}

TEST(GenerateRandomPasswordTest, HasTheRequestedLength) {
  for (int64_t length : {1, 4, 32, 4096}) {
    PasswordOptions o;
    o.length = length;
    o.require_each_included_type = length >= 4;
    EXPECT_EQ(MustGenerate(o).size(), static_cast<size_t>(length));
  }
}

TEST(GenerateRandomPasswordTest, DefaultsDrawFromAllPrintableTypesButSpace) {
  PasswordOptions o;
  o.length = 4096;
  std::string p = MustGenerate(o);
  EXPECT_TRUE(ContainsAnyOf(p, kLower));
  EXPECT_TRUE(ContainsAnyOf(p, kUpper));
  EXPECT_TRUE(ContainsAnyOf(p, kDigits));
  EXPECT_TRUE(ContainsAnyOf(p, kPunctuation));
  EXPECT_FALSE(ContainsAnyOf(p, " "));
  for (char c : p) {
    EXPECT_TRUE(c > ' ' && c < 0x7f) << static_cast<int>(c);
  }
}

TEST(GenerateRandomPasswordTest, SameRandomnessGivesTheSamePassword) {
  PasswordOptions o;
  EXPECT_EQ(MustGenerate(o, 7), MustGenerate(o, 7));
  EXPECT_NE(MustGenerate(o, 7), MustGenerate(o, 8));
}

TEST(GenerateRandomPasswordTest, ExcludedCharactersNeverAppear) {
  PasswordOptions o;
  o.length = 4096;
  o.exclude_characters = "aeiouAEIOU01!\"\\";
  std::string p = MustGenerate(o);
  EXPECT_FALSE(ContainsAnyOf(p, o.exclude_characters)) << p;
  EXPECT_TRUE(ContainsAnyOf(p, "bcd"));  // the rest of the pool is still used
}

TEST(GenerateRandomPasswordTest, ExcludedTypesNeverAppear) {
  PasswordOptions o;
  o.length = 4096;
  o.exclude_numbers = true;
  o.exclude_punctuation = true;
  std::string p = MustGenerate(o);
  EXPECT_FALSE(ContainsAnyOf(p, kDigits));
  EXPECT_FALSE(ContainsAnyOf(p, kPunctuation));
  EXPECT_TRUE(ContainsAnyOf(p, kLower));
  EXPECT_TRUE(ContainsAnyOf(p, kUpper));

  PasswordOptions letters_excluded;
  letters_excluded.length = 4096;
  letters_excluded.exclude_uppercase = true;
  letters_excluded.exclude_lowercase = true;
  std::string q = MustGenerate(letters_excluded);
  EXPECT_FALSE(ContainsAnyOf(q, kLower));
  EXPECT_FALSE(ContainsAnyOf(q, kUpper));
  EXPECT_TRUE(ContainsAnyOf(q, kDigits));
}

TEST(GenerateRandomPasswordTest, IncludeSpaceAddsSpaces) {
  PasswordOptions o;
  o.length = 4096;
  o.include_space = true;
  EXPECT_TRUE(ContainsAnyOf(MustGenerate(o), " "));
}

TEST(GenerateRandomPasswordTest, RequireEachIncludedTypeGivesOneOfEachType) {
  // With exactly as many characters as types, every password must hold one of each; without
  // the requirement most random draws would miss a type.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    PasswordOptions o;
    o.length = 5;
    o.include_space = true;
    std::string p = MustGenerate(o, seed);
    SCOPED_TRACE(p);
    EXPECT_TRUE(ContainsAnyOf(p, kLower));
    EXPECT_TRUE(ContainsAnyOf(p, kUpper));
    EXPECT_TRUE(ContainsAnyOf(p, kDigits));
    EXPECT_TRUE(ContainsAnyOf(p, kPunctuation));
    EXPECT_TRUE(ContainsAnyOf(p, " "));
  }
}

TEST(GenerateRandomPasswordTest, RequiredCharactersAreNotAlwaysInFront) {
  // The required characters are shuffled in: over many passwords, the first character is
  // sometimes not lower-case.
  int first_not_lower = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    PasswordOptions o;
    o.length = 4;
    std::string p = MustGenerate(o, seed);
    if (kLower.find(p[0]) == std::string_view::npos) ++first_not_lower;
  }
  EXPECT_GT(first_not_lower, 0);
}

TEST(GenerateRandomPasswordTest, RejectsLengthsOutside1To4096) {
  PasswordOptions o;
  o.length = 0;
  ExpectInvalidParameter(o);
  o.length = 4097;
  ExpectInvalidParameter(o);
  o.length = -1;
  ExpectInvalidParameter(o);
}

TEST(GenerateRandomPasswordTest, RejectsExcludingEverything) {
  PasswordOptions o;
  o.exclude_lowercase = true;
  o.exclude_uppercase = true;
  o.exclude_numbers = true;
  o.exclude_punctuation = true;
  ExpectInvalidParameter(o);

  PasswordOptions by_characters;
  by_characters.exclude_lowercase = true;
  by_characters.exclude_uppercase = true;
  by_characters.exclude_punctuation = true;
  by_characters.exclude_characters = "0123456789";
  ExpectInvalidParameter(by_characters);
}

TEST(GenerateRandomPasswordTest, RejectsLengthsTooShortForTheRequiredTypes) {
  PasswordOptions o;
  o.length = 3;  // four types are required
  ExpectInvalidParameter(o);
  o.require_each_included_type = false;
  EXPECT_EQ(MustGenerate(o).size(), 3u);
}

TEST(GenerateRandomPasswordTest, TypeWhollyExcludedByCharactersIsNotRequired) {
  PasswordOptions o;
  o.length = 3;
  o.exclude_characters = kDigits;  // leaves three types
  std::string p = MustGenerate(o);
  EXPECT_EQ(p.size(), 3u);
  EXPECT_FALSE(ContainsAnyOf(p, kDigits));
}

// ---- The GetRandomPassword operation ----

http::Response CallGetRandomPassword(const std::string& body) {
  SecretsManagerService service;
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.headers.Set("x-amz-target", "secretsmanager.GetRandomPassword");
  protocol::CallContext ctx{req, "rid", "us-east-1", {}, body, "", std::nullopt, ""};
  return service.Handle(ctx);
}

TEST(SecretsManagerServiceTest, GetRandomPasswordHonoursTheRequest) {
  http::Response resp = CallGetRandomPassword(
      R"({"PasswordLength": 50, "ExcludePunctuation": true, "ExcludeCharacters": "xyz"})");
  ASSERT_EQ(resp.status, 200) << resp.body;
  nlohmann::json body = nlohmann::json::parse(resp.body);
  std::string p = body["RandomPassword"].get<std::string>();
  EXPECT_EQ(p.size(), 50u);
  EXPECT_FALSE(ContainsAnyOf(p, kPunctuation));
  EXPECT_FALSE(ContainsAnyOf(p, "xyz"));
}

TEST(SecretsManagerServiceTest, GetRandomPasswordRejectsBadInput) {
  http::Response wrong_type = CallGetRandomPassword(R"({"PasswordLength": "ten"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(nlohmann::json::parse(wrong_type.body)["__type"], "ValidationException");
  http::Response too_long = CallGetRandomPassword(R"({"PasswordLength": 5000})");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(nlohmann::json::parse(too_long.body)["__type"], "InvalidParameterException");
}

}  // namespace
}  // namespace cleanroom::secretsmanager
