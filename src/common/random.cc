#include "common/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace cleanroom {
namespace {

class OsRandom final : public Random {
 public:
  void Fill(void* out, size_t n) override {
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
      ssize_t got = getrandom(p, n, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        std::perror("getrandom");
        std::abort();
      }
      p += got;
      n -= static_cast<size_t>(got);
    }
  }
};

}  // namespace

std::string Random::Bytes(size_t n) {
  std::string out(n, '\0');
  Fill(out.data(), n);
  return out;
}

uint64_t Random::Uint64() {
  uint64_t v;
  Fill(&v, sizeof(v));
  return v;
}

uint64_t Random::Uniform(uint64_t bound) {
  // Rejection sampling: accept only values below the largest multiple of `bound`.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    uint64_t v = Uint64();
    if (v < limit) return v % bound;
  }
}

Random& SystemRandom() {
  static OsRandom* instance = new OsRandom();
  return *instance;
}

}  // namespace cleanroom
