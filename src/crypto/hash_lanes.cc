#include "crypto/hash_lanes.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cleanroom::crypto {
namespace {

// Blocks each lane advances per engine step before the worker looks for new streams again:
// 8 KiB per lane keeps the eight lanes' input within the L2 cache.
constexpr size_t kBatchBlocks = 128;
// Pieces of at most this many blocks are hashed on the caller's thread: handing them to the
// engine would cost more than it saves.
constexpr size_t kInlineBlocks = 16;

// The MD5 state of kLanes streams, word by word (RFC 1321's A, B, C, D).
struct LaneState {
  alignas(32) uint32_t a[HashLanes::kLanes];
  alignas(32) uint32_t b[HashLanes::kLanes];
  alignas(32) uint32_t c[HashLanes::kLanes];
  alignas(32) uint32_t d[HashLanes::kLanes];
};

// RFC 1321's sine table: kSines[i] = floor(|sin(i + 1)| * 2^32). Constants, so that they
// become immediate operands.
constexpr uint32_t kSines[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

// RFC 1321's compression of `nblocks` blocks of each of N streams with scalar code, the N
// streams' steps interleaved. One stream's chain of dependent operations keeps only a small part
// of a core busy, and in scalar code it is shorter than in vector lanes (a rotation is one
// instruction), so up to kMaxScalarStreams streams are hashed this way: independent chains run
// side by side on the core's integer units. (Three streams run slower than two here: the
// twelve state words no longer fit in the registers.)
constexpr int kMaxScalarStreams = 2;

template <int N>
[[gnu::always_inline]] inline void CompressScalar(std::array<uint32_t, 4>* const state[],
                                                  const unsigned char* const data[],
                                                  size_t nblocks) {
  static constexpr int kShift[4][4] = {
      {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
  for (size_t n = 0; n < nblocks; ++n) {
    uint32_t w[N][16];
    uint32_t a[N], b[N], c[N], d[N];
    for (int j = 0; j < N; ++j) {
      std::memcpy(w[j], data[j] + 64 * n, sizeof(w[j]));  // little-endian words
      if constexpr (std::endian::native == std::endian::big) {
        for (uint32_t& word : w[j]) word = __builtin_bswap32(word);
      }
      a[j] = (*state[j])[0];
      b[j] = (*state[j])[1];
      c[j] = (*state[j])[2];
      d[j] = (*state[j])[3];
    }
#pragma GCC unroll 64
    for (int i = 0; i < 64; ++i) {
#pragma GCC unroll 4
      for (int j = 0; j < N; ++j) {
        // f(b, c, d) = late + early, where early does not depend on b, the word the previous
        // step computed, and joins the other terms that do not either.
        uint32_t late, early = 0;
        int g;
        if (i < 16) {
          late = d[j] ^ (b[j] & (c[j] ^ d[j]));
          g = i;
        } else if (i < 32) {
          // (b & d) | (c & ~d), whose two terms have no bit in common.
          late = b[j] & d[j];
          early = c[j] & ~d[j];
          g = (5 * i + 1) % 16;
        } else if (i < 48) {
          late = b[j] ^ (c[j] ^ d[j]);
          g = (3 * i + 5) % 16;
        } else {
          late = c[j] ^ (b[j] | ~d[j]);
          g = (7 * i) % 16;
        }
        const uint32_t rotated =
            std::rotl(late + (a[j] + kSines[i] + w[j][g] + early), kShift[i / 16][i % 4]);
        a[j] = d[j];
        d[j] = c[j];
        c[j] = b[j];
        b[j] += rotated;
      }
    }
    for (int j = 0; j < N; ++j) {
      (*state[j])[0] += a[j];
      (*state[j])[1] += b[j];
      (*state[j])[2] += c[j];
      (*state[j])[3] += d[j];
    }
  }
}

// CompressScalar for 1 to kMaxScalarStreams streams.
void CompressScalarStreams(int count, std::array<uint32_t, 4>* const state[],
                           const unsigned char* const data[], size_t nblocks) {
  switch (count) {
    case 1:
      return CompressScalar<1>(state, data, nblocks);
    case 2:
      return CompressScalar<2>(state, data, nblocks);
  }
}

#if defined(__x86_64__)

#define CLEANROOM_AVX2 __attribute__((target("avx2")))

CLEANROOM_AVX2 inline __m256i Add(__m256i x, __m256i y) { return _mm256_add_epi32(x, y); }

template <int S>
CLEANROOM_AVX2 inline __m256i Rotl(__m256i x) {
  return _mm256_or_si256(_mm256_slli_epi32(x, S), _mm256_srli_epi32(x, 32 - S));
}

// The four round functions of RFC 1321. x is the word computed by the previous step, so each
// form keeps x as few operations from the result as possible: the rest of the expression is
// ready earlier and overlaps with the previous step.
struct F {
  CLEANROOM_AVX2 static __m256i Apply(__m256i x, __m256i y, __m256i z) {
    return _mm256_xor_si256(z, _mm256_and_si256(x, _mm256_xor_si256(y, z)));
  }
};
// (x & z) | (y & ~z), as the sum of its two terms (they have no bit in common), so that
// y & ~z joins the terms that do not depend on x (Early()).
struct G {
  static constexpr bool kHasEarly = true;
  CLEANROOM_AVX2 static __m256i Apply(__m256i x, __m256i, __m256i z) {
    return _mm256_and_si256(x, z);
  }
  CLEANROOM_AVX2 static __m256i Early(__m256i y, __m256i z) { return _mm256_andnot_si256(z, y); }
};
struct H {
  CLEANROOM_AVX2 static __m256i Apply(__m256i x, __m256i y, __m256i z) {
    return _mm256_xor_si256(x, _mm256_xor_si256(y, z));
  }
};
struct I {
  CLEANROOM_AVX2 static __m256i Apply(__m256i x, __m256i y, __m256i z) {
    return _mm256_xor_si256(y, _mm256_or_si256(x, _mm256_xor_si256(z, _mm256_set1_epi32(-1))));
  }
};

// a = b + ((a + fn(b, c, d) + w + k) <<< S). The chain of dependent steps bounds the speed of
// every lane, so a + w + k, which does not depend on the previous step, is added first.
template <typename Fn, int S>
CLEANROOM_AVX2 inline void Step(__m256i& a, __m256i b, __m256i c, __m256i d, __m256i w,
                                uint32_t k) {
  __m256i early = Add(a, Add(w, _mm256_set1_epi32(static_cast<int>(k))));
  if constexpr (requires { Fn::kHasEarly; }) early = Add(early, Fn::Early(c, d));
  a = Add(b, Rotl<S>(Add(Fn::Apply(b, c, d), early)));
}

// One round of 16 steps: message word g(i) = (first + stride * i) mod 16, shifts S0..S3.
template <typename Fn, int kFirst, int kStride, int S0, int S1, int S2, int S3>
CLEANROOM_AVX2 inline void Round(__m256i& a, __m256i& b, __m256i& c, __m256i& d, const __m256i* w,
                                 const uint32_t* k) {
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    Step<Fn, S0>(a, b, c, d, w[(kFirst + kStride * i) % 16], k[i]);
    Step<Fn, S1>(d, a, b, c, w[(kFirst + kStride * (i + 1)) % 16], k[i + 1]);
    Step<Fn, S2>(c, d, a, b, w[(kFirst + kStride * (i + 2)) % 16], k[i + 2]);
    Step<Fn, S3>(b, c, d, a, w[(kFirst + kStride * (i + 3)) % 16], k[i + 3]);
  }
}

// Transposes eight rows of eight 32-bit words: lane l of out[j] = word j of in[l].
CLEANROOM_AVX2 inline void Transpose8(const __m256i in[8], __m256i out[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(in[i], in[i + 1]);
    t[i + 1] = _mm256_unpackhi_epi32(in[i], in[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
    u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
    u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
    u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    out[j] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x20);
    out[j + 4] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x31);
  }
}

// Runs `nblocks` MD5 block compressions on every lane: lane l reads its blocks from ptr[l],
// advancing by step[l] bytes per block (64, or 0 for a lane that is not in use and reads the
// same block again).
CLEANROOM_AVX2 void CompressLanes(LaneState& s, const unsigned char* const ptr[HashLanes::kLanes],
                                  const size_t step[HashLanes::kLanes], size_t nblocks) {
  const uint32_t* k = kSines;
  __m256i a = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.a));
  __m256i b = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.b));
  __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.c));
  __m256i d = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.d));
  const unsigned char* p[HashLanes::kLanes];
  std::copy(ptr, ptr + HashLanes::kLanes, p);
  for (size_t n = 0; n < nblocks; ++n) {
    __m256i rows[8], w[16];
    for (int half = 0; half < 2; ++half) {
      for (int l = 0; l < HashLanes::kLanes; ++l) {
        rows[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p[l] + 32 * half));
      }
      Transpose8(rows, w + 8 * half);
    }
    const __m256i a0 = a, b0 = b, c0 = c, d0 = d;
    Round<F, 0, 1, 7, 12, 17, 22>(a, b, c, d, w, k);
    Round<G, 1, 5, 5, 9, 14, 20>(a, b, c, d, w, k + 16);
    Round<H, 5, 3, 4, 11, 16, 23>(a, b, c, d, w, k + 32);
    Round<I, 0, 7, 6, 10, 15, 21>(a, b, c, d, w, k + 48);
    a = Add(a, a0);
    b = Add(b, b0);
    c = Add(c, c0);
    d = Add(d, d0);
    for (int l = 0; l < HashLanes::kLanes; ++l) p[l] += step[l];
  }
  _mm256_store_si256(reinterpret_cast<__m256i*>(s.a), a);
  _mm256_store_si256(reinterpret_cast<__m256i*>(s.b), b);
  _mm256_store_si256(reinterpret_cast<__m256i*>(s.c), c);
  _mm256_store_si256(reinterpret_cast<__m256i*>(s.d), d);
}

#undef CLEANROOM_AVX2

// SHA-256 (FIPS 180-4) with the SHA extensions. The state is kept as the extensions want it:
// words (F, E, B, A) then (H, G, D, C), lowest lane first.

// FIPS 180-4's K: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
alignas(16) constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define CLEANROOM_SHA __attribute__((target("sha,sse4.1,ssse3")))

// One block; `p` points at 64 bytes of message.
CLEANROOM_SHA inline void Sha256Block(__m128i& abef, __m128i& cdgh, const unsigned char* p) {
  // The message words are big-endian.
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i w[4];  // the message schedule, four words per group of four rounds, last four groups
  __m128i s0 = abef, s1 = cdgh;
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    __m128i m;
    if (g < 4) {
      m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)), swap);
    } else {
      // W[t] from W[t-16..t-1]: sigma0 terms (msg1), W[t-7] (alignr), sigma1 terms (msg2).
      m = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[g % 4], w[(g + 1) % 4]),
                                             _mm_alignr_epi8(w[(g + 3) % 4], w[(g + 2) % 4], 4)),
                               w[(g + 3) % 4]);
    }
    w[g % 4] = m;
    __m128i wk =
        _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kSha256K + 4 * g)));
    s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
    wk = _mm_shuffle_epi32(wk, 0x0E);
    s0 = _mm_sha256rnds2_epu32(s0, s1, wk);
  }
  abef = _mm_add_epi32(abef, s0);
  cdgh = _mm_add_epi32(cdgh, s1);
}

CLEANROOM_SHA void Sha256Blocks(std::array<uint32_t, 8>& state, const unsigned char* p,
                                size_t nblocks) {
  __m128i abef = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state.data()));
  __m128i cdgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state.data() + 4));
  for (size_t n = 0; n < nblocks; ++n) Sha256Block(abef, cdgh, p + 64 * n);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state.data()), abef);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state.data() + 4), cdgh);
}

// The MD5 and the SHA-256 of one stream, block by block: the SHA rounds run on the vector unit
// while the MD5 chain waits on its integer operations, so the pair costs little more than the
// MD5 alone.
CLEANROOM_SHA void Md5AndSha256Blocks(std::array<uint32_t, 4>& md5, std::array<uint32_t, 8>& sha,
                                      const unsigned char* p, size_t nblocks) {
  __m128i abef = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha.data()));
  __m128i cdgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha.data() + 4));
  std::array<uint32_t, 4>* md5_of[] = {&md5};
  for (size_t n = 0; n < nblocks; ++n) {
    const unsigned char* block[] = {p + 64 * n};
    Sha256Block(abef, cdgh, block[0]);
    CompressScalar<1>(md5_of, block, 1);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sha.data()), abef);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sha.data() + 4), cdgh);
}

// FIPS 180-4's initial hash value, in the extensions' order.
CLEANROOM_SHA std::array<uint32_t, 8> Sha256Initial() {
  alignas(16) static constexpr uint32_t kH[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  __m128i abcd = _mm_load_si128(reinterpret_cast<const __m128i*>(kH));
  __m128i efgh = _mm_load_si128(reinterpret_cast<const __m128i*>(kH + 4));
  abcd = _mm_shuffle_epi32(abcd, 0xB1);  // B A D C
  efgh = _mm_shuffle_epi32(efgh, 0x1B);  // H G F E
  std::array<uint32_t, 8> state;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state.data()), _mm_alignr_epi8(abcd, efgh, 8));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state.data() + 4), _mm_blend_epi16(efgh, abcd, 0xF0));
  return state;
}

// The 32-byte digest of a final state.
CLEANROOM_SHA std::string Sha256Digest(const std::array<uint32_t, 8>& state) {
  const __m128i abef = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state.data()));
  const __m128i cdgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state.data() + 4));
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  alignas(16) uint32_t h[8];
  _mm_store_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_store_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
  std::string digest(32, '\0');
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<char>(h[i] >> (24 - 8 * j));
  }
  return digest;
}

#undef CLEANROOM_SHA

#else  // !defined(__x86_64__): HashLanes::Supported() is false, so none of these runs.

void CompressLanes(LaneState&, const unsigned char* const*, const size_t*, size_t) {}
void Sha256Blocks(std::array<uint32_t, 8>&, const unsigned char*, size_t) {}
void Md5AndSha256Blocks(std::array<uint32_t, 4>&, std::array<uint32_t, 8>&, const unsigned char*,
                        size_t) {}
std::array<uint32_t, 8> Sha256Initial() { return {}; }
std::string Sha256Digest(const std::array<uint32_t, 8>&) { return std::string(); }

#endif

// A block the lanes without a stream read; its result is discarded.
alignas(64) constexpr unsigned char kIdleBlock[64] = {};

// Compresses `nblocks` blocks of each of `count` (at most kLanes) streams in vector lanes.
void CompressVector(int count, std::array<uint32_t, 4>* const state[],
                    const unsigned char* const data[], size_t nblocks) {
  LaneState s{};
  const unsigned char* ptr[HashLanes::kLanes];
  size_t step[HashLanes::kLanes];
  for (int l = 0; l < HashLanes::kLanes; ++l) {
    const bool used = l < count;
    if (used) {
      s.a[l] = (*state[l])[0];
      s.b[l] = (*state[l])[1];
      s.c[l] = (*state[l])[2];
      s.d[l] = (*state[l])[3];
    }
    ptr[l] = used ? data[l] : kIdleBlock;
    step[l] = used ? 64 : 0;
  }
  CompressLanes(s, ptr, step, nblocks);
  for (int l = 0; l < count; ++l) *state[l] = {s.a[l], s.b[l], s.c[l], s.d[l]};
}

}  // namespace

bool HashLanes::Supported() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

bool HashLanes::Sha256Supported() {
#if defined(__x86_64__)
  return Supported() && __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
#else
  return false;
#endif
}

HashLanes* HashLanes::Shared() {
  static HashLanes* const engine = Supported() ? new HashLanes() : nullptr;
  return engine;
}

HashLanes::HashLanes() : thread_([this] { Run(); }) {}

HashLanes::~HashLanes() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void HashLanes::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    size_t nblocks = kBatchBlocks;
    bool any = false;
    for (Stream*& lane : lanes_) {
      if (lane == nullptr && !waiting_.empty()) {
        lane = waiting_.front();
        waiting_.pop_front();
      }
      if (lane != nullptr) {
        nblocks = std::min(nblocks, lane->blocks_left_);
        any = true;
      }
    }
    if (!any) {
      if (stop_) return;
      work_.wait(lock);
      continue;
    }
    // The lanes' streams, packed. Their states are used in place: a stream waits for
    // blocks_left_ to reach 0 before touching its state or its data again, so neither is read
    // or written by anyone else meanwhile.
    Stream* streams[kLanes];
    std::array<uint32_t, 4>* md5_of[kLanes];
    const unsigned char* data_of[kLanes];
    int count = 0;
    for (Stream* stream : lanes_) {
      if (stream == nullptr) continue;
      streams[count] = stream;
      md5_of[count] = &stream->md5_;
      data_of[count] = stream->next_;
      ++count;
    }
    lock.unlock();
    if (count == 1 && streams[0]->sha256_) {
      Md5AndSha256Blocks(streams[0]->md5_, streams[0]->sha_, data_of[0], nblocks);
    } else {
      if (count <= kMaxScalarStreams) {
        CompressScalarStreams(count, md5_of, data_of, nblocks);
      } else {
        CompressVector(count, md5_of, data_of, nblocks);
      }
      for (int i = 0; i < count; ++i) {
        if (streams[i]->sha256_) Sha256Blocks(streams[i]->sha_, data_of[i], nblocks);
      }
    }
    lock.lock();
    for (int l = 0; l < kLanes; ++l) {
      Stream* stream = lanes_[l];
      if (stream == nullptr) continue;
      stream->next_ += 64 * nblocks;
      stream->blocks_left_ -= nblocks;
      if (stream->blocks_left_ == 0) {
        lanes_[l] = nullptr;
        // Under the lock: the owner cannot see blocks_left_ == 0 and destroy the stream
        // before this returns.
        stream->idle_.notify_all();
      }
    }
  }
}

HashLanes::Stream::Stream(HashLanes& engine, bool sha256)
    : engine_(engine),
      sha256_(sha256),
      md5_{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u},
      sha_(sha256 ? Sha256Initial() : std::array<uint32_t, 8>{}) {}

HashLanes::Stream::~Stream() { WaitIdle(); }

void HashLanes::Stream::WaitIdle() {
  std::unique_lock<std::mutex> lock(engine_.mu_);
  idle_.wait(lock, [this] { return blocks_left_ == 0; });
}

void HashLanes::Stream::HashHere(const unsigned char* data, size_t nblocks) {
  if (sha256_) {
    Md5AndSha256Blocks(md5_, sha_, data, nblocks);
    return;
  }
  std::array<uint32_t, 4>* state[] = {&md5_};
  const unsigned char* from[] = {data};
  CompressScalar<1>(state, from, nblocks);
}

void HashLanes::Stream::Update(std::string_view data) {
  if (data.empty()) return;
  WaitIdle();
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  length_ += n;
  if (tail_len_ > 0) {
    const size_t take = std::min(sizeof(tail_) - tail_len_, n);
    std::memcpy(tail_ + tail_len_, p, take);
    tail_len_ += take;
    p += take;
    n -= take;
    if (tail_len_ < sizeof(tail_)) return;
    HashHere(tail_, 1);
    tail_len_ = 0;
  }
  const size_t blocks = n / 64;
  tail_len_ = n % 64;
  std::memcpy(tail_, p + 64 * blocks, tail_len_);
  if (blocks == 0) return;
  if (blocks <= kInlineBlocks) {
    HashHere(p, blocks);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(engine_.mu_);
    next_ = p;
    blocks_left_ = blocks;
    engine_.waiting_.push_back(this);
  }
  engine_.work_.notify_one();
}

HashLanes::Digests HashLanes::Stream::Finish() {
  WaitIdle();
  // Both digests pad alike: 0x80, zeros up to 56 mod 64, then the length in bits, which MD5
  // writes little-endian (RFC 1321) and SHA-256 big-endian (FIPS 180-4).
  unsigned char last[128] = {};
  std::memcpy(last, tail_, tail_len_);
  last[tail_len_] = 0x80;
  const size_t nblocks = tail_len_ + 1 + 8 <= 64 ? 1 : 2;
  unsigned char* length = last + 64 * nblocks - 8;
  const uint64_t bits = length_ * 8;
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (8 * i));
  std::array<uint32_t, 4>* md5_of[] = {&md5_};
  const unsigned char* from[] = {last};
  CompressScalar<1>(md5_of, from, nblocks);
  Digests digests;
  digests.md5.assign(16, '\0');
  for (int w = 0; w < 4; ++w) {
    for (int i = 0; i < 4; ++i) digests.md5[4 * w + i] = static_cast<char>(md5_[w] >> (8 * i));
  }
  if (sha256_) {
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    Sha256Blocks(sha_, last, nblocks);
    digests.sha256 = Sha256Digest(sha_);
  }
  return digests;
}

}  // namespace cleanroom::crypto
