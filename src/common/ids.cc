#include "common/ids.h"

#include <cstdint>

#include "common/encoding.h"

namespace cleanroom {

std::string NewUuid(Random& random) {
  std::string b = random.Bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string NewAccountId(Random& random) {
  std::string id;
  id.push_back(static_cast<char>('1' + random.Uniform(9)));
  for (int i = 0; i < 11; ++i) id.push_back(static_cast<char>('0' + random.Uniform(10)));
  return id;
}

std::string NewAccessKeyId(Random& random) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id = "AKIA";
  for (int i = 0; i < 16; ++i) id.push_back(kAlphabet[random.Uniform(32)]);
  return id;
}

std::string NewSecretAccessKey(Random& random) {
  return Base64Encode(random.Bytes(30));  // 30 bytes -> exactly 40 characters, no padding
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace cleanroom
