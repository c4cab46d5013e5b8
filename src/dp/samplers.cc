#include "dp/samplers.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::dp {
namespace {

__extension__ typedef unsigned __int128 uint128;

constexpr int BitWidth(uint64_t x) { return x == 0 ? 0 : 64 - __builtin_clzll(x); }
constexpr int BitWidth(uint128 x) {
  const auto high = static_cast<uint64_t>(x >> 64);
  return high != 0 ? 64 + BitWidth(high) : BitWidth(static_cast<uint64_t>(x));
}

// Hides `x` from the optimizer, so that work whose result is known to be unused (padding rounds
// after the outcome is decided) is still done, and selects stay branch-free.
template <class T>
T Opaque(T x) {
  __asm__("" : "+r"(x));
  return x;
}

// All-ones if `condition`, else zero.
uint128 Mask128(bool condition) { return -static_cast<uint128>(Opaque(condition)); }

BigInt ToBig(uint128 x) {
  return (BigInt(static_cast<uint64_t>(x >> 64)) << 64) | BigInt(static_cast<uint64_t>(x));
}
// Requires 0 <= x < 2^128.
uint128 FromBig(const BigInt& x) {
  const BigInt low_mask = (BigInt(1) << 64) - 1;
  return (static_cast<uint128>(static_cast<uint64_t>(x >> 64)) << 64) |
         static_cast<uint64_t>(x & low_mask);
}
bool FitsUint128(const BigInt& x) {
  return x >= 0 && (x == 0 || boost::multiprecision::msb(x) < 128);
}

// floor(x * m / 2^128).
uint64_t MultiplyHigh128(uint64_t x, uint128 m) {
  const uint128 low = static_cast<uint128>(x) * static_cast<uint64_t>(m);
  const uint128 high = static_cast<uint128>(x) * static_cast<uint64_t>(m >> 64);
  return static_cast<uint64_t>((high + (low >> 64)) >> 64);
}

// Uniform integers below a fixed bound m (1 <= m < 2^128), with what rejection needs
// precomputed. Below 2^64, Lemire's multiply-and-reject method on a random word of
// bitwidth(m) + 8 bits (at most 64): the candidate is rejected with probability < 2^-8, and
// whether it is rejected is independent of the value finally returned. Above, bitwidth(m - 1)
// random bits are drawn until they are below m.
class UniformDraw {
 public:
  constexpr UniformDraw() = default;
  constexpr explicit UniformDraw(uint128 m) : m_(m) {
    if (m <= std::numeric_limits<uint64_t>::max()) {
      const auto m64 = static_cast<uint64_t>(m);
      bits_ = std::min(64, BitWidth(m64) + 8);
      low_mask_ = bits_ == 64 ? ~uint64_t{0} : (uint64_t{1} << bits_) - 1;
      // 2^bits mod m: the number of low products to reject so that every value keeps the same
      // number of accepted words.
      threshold_ = bits_ == 64 ? (0 - m64) % m64 : (uint64_t{1} << bits_) % m64;
    } else {
      wide_ = true;
      bits_ = BitWidth(m - 1);
    }
  }

  uint128 operator()(RandomBits& bits) const {
    if (wide_) [[unlikely]]
      return Wide(bits);
    if (m_ == 1) return 0;
    for (;;) {
      const uint128 product = static_cast<uint128>(bits.Bits(bits_)) * static_cast<uint64_t>(m_);
      if ((static_cast<uint64_t>(product) & low_mask_) >= threshold_) return product >> bits_;
    }
  }

 private:
  [[gnu::noinline]] uint128 Wide(RandomBits& bits) const {
    for (;;) {
      const uint128 high = bits.Bits(bits_ - 64);
      const uint128 x = (high << 64) | bits.Word();
      if (x < m_) return x;
    }
  }

  uint128 m_ = 1;
  int bits_ = 0;
  uint64_t low_mask_ = 0;
  uint64_t threshold_ = 0;
  bool wide_ = false;
};

// Uniform integers below m >= 1 of any size: bitwidth(m - 1) random bits until they are below m.
BigInt UniformBelowBig(const BigInt& m, RandomBits& bits) {
  if (FitsUint128(m)) return ToBig(UniformDraw(FromBig(m))(bits));
  const unsigned width = boost::multiprecision::msb(BigInt(m - 1)) + 1;
  for (;;) {
    BigInt x = 0;
    for (unsigned left = width; left > 0;) {
      const unsigned take = std::min(left, 64u);
      x = (x << take) | BigInt(bits.Bits(static_cast<int>(take)));
      left -= take;
    }
    if (x < m) return x;
  }
}

struct BigDraw {
  BigInt m;
  BigInt operator()(RandomBits& bits) const { return UniformBelowBig(m, bits); }
};

// von Neumann-Forsythe (CKS20 Algorithm 1, gamma in [0, 1]): with trial(k) a fresh
// Bernoulli(gamma / k) for k = 1, 2, ..., run trials until the first failure at k*; the result
// is true with probability exp(-gamma) when k* is odd. Exactly kVonNeumannRounds trials are run
// whatever their outcomes; only if all succeed (probability <= 1 / kVonNeumannRounds!) does the
// loop go on. With `stop_if_false`, a false result (which the caller turns into a rejection)
// returns at once; a true result still runs every round.
template <class Trial>
bool VonNeumannExpMinus(Trial&& trial, bool stop_if_false) {
  bool alive = true;  // every trial so far succeeded
  unsigned first_failure = 0;
  for (unsigned k = 1; k <= kVonNeumannRounds; ++k) {
    const bool success = trial(k);
    const bool fails_here = alive & !success;
    first_failure |= k & -static_cast<unsigned>(Opaque(fails_here));
    alive = Opaque(alive & success);
    if (stop_if_false & fails_here & (k % 2 == 0)) return false;
  }
  if (alive) [[unlikely]] {
    unsigned k = kVonNeumannRounds + 1;
    while (trial(k)) ++k;
    first_failure = k;
  }
  return (first_failure & 1) != 0;
}

// Bernoulli(exp(-1)): von Neumann-Forsythe with gamma = 1, whose trials are A_1 = 1 and
// A_k ~ Bernoulli(1/k). A uniform W < n!/m! = (m+1)(m+2)...n, written in the mixed radix whose
// digits are d_k in [0, k) for k = m+1..n (most significant first), has independent uniform
// digits, and d_{m+1}, ..., d_j are all 0 exactly when W < n!/j!. With A_k = 1 iff d_k = 0, the
// trials 2..20 that succeed before the first failure are counted by comparing one uniform
// W1 < 20! with the 19 thresholds 20!/k!, and trials 21..28 likewise with W2 < 28!/20!. Both are
// drawn and compared every time.
constexpr int kHeadTrials = 20;
constexpr uint64_t Factorial(int n) { return n <= 1 ? 1 : n * Factorial(n - 1); }
constexpr uint64_t RisingProduct(int from, int to) {  // from * (from+1) * ... * to
  return from > to ? 1 : from * RisingProduct(from + 1, to);
}
constexpr uint64_t kHeadBound = Factorial(kHeadTrials);
constexpr uint64_t kTailBound = RisingProduct(kHeadTrials + 1, kExpMinusOneTrials);
constexpr std::array<uint64_t, kHeadTrials - 1> MakeHeadThresholds() {
  std::array<uint64_t, kHeadTrials - 1> out{};
  for (int k = 2; k <= kHeadTrials; ++k) out[k - 2] = kHeadBound / Factorial(k);
  return out;
}
constexpr std::array<uint64_t, kExpMinusOneTrials - kHeadTrials> MakeTailThresholds() {
  std::array<uint64_t, kExpMinusOneTrials - kHeadTrials> out{};
  for (int k = kHeadTrials + 1; k <= kExpMinusOneTrials; ++k) {
    out[k - kHeadTrials - 1] = kTailBound / RisingProduct(kHeadTrials + 1, k);
  }
  return out;
}
constexpr std::array<uint64_t, kHeadTrials - 1> kHeadThresholds = MakeHeadThresholds();
constexpr std::array<uint64_t, kExpMinusOneTrials - kHeadTrials> kTailThresholds =
    MakeTailThresholds();
static_assert(kTailBound / RisingProduct(kHeadTrials + 1, kExpMinusOneTrials) == 1);

constexpr UniformDraw kHeadDraw(kHeadBound);
constexpr UniformDraw kTailDraw(kTailBound);

// The number of thresholds that w is below, by comparing with each of them (unrolled, no
// branches).
template <size_t N>
unsigned CountBelow(int64_t w, const std::array<uint64_t, N>& thresholds) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return ((w < static_cast<int64_t>(thresholds[I]) ? 1u : 0u) + ...);
  }
  (std::make_index_sequence<N>());
}

bool ExpMinusOne(RandomBits& bits) {
  // All values are below 2^62, so signed comparisons are exact.
  const auto w1 = static_cast<int64_t>(kHeadDraw(bits));
  const auto w2 = static_cast<int64_t>(kTailDraw(bits));
  const unsigned head = CountBelow(w1, kHeadThresholds);  // successes among trials 2..20
  // Successes among trials 21..28, which count only if trials 2..20 all succeeded.
  const unsigned tail = CountBelow(w2, kTailThresholds);
  const unsigned successes = head + (tail & -static_cast<unsigned>(Opaque(w1 == 0)));
  if (successes == kExpMinusOneTrials - 1) [[unlikely]] {
    unsigned k = kExpMinusOneTrials + 1;
    while (UniformDraw(k)(bits) == 0) ++k;
    return (k & 1) != 0;
  }
  // The first failure is trial successes + 2.
  return (successes & 1) != 0;
}

// The number of successes before the first failure of Bernoulli(exp(-1)) draws (geometric with
// P(V >= v) = e^-v). Always `rounds` draws; more only if all of them succeed.
uint64_t GeometricExpMinusOne(int rounds, RandomBits& bits) {
  uint64_t v = 0;
  bool alive = true;
  for (int round = 0; round < rounds; ++round) {
    const bool success = ExpMinusOne(bits);  // drawn even when the count has stopped
    alive = Opaque(alive & success);
    v += alive;
  }
  if (alive) [[unlikely]] {
    while (ExpMinusOne(bits)) ++v;
  }
  return v;
}

absl::Status InvalidArgument(std::string_view what, const Rational& value) {
  return absl::InvalidArgumentError(StrCat(what, " ", value.ToString()));
}

// `r` in lowest terms with a positive denominator; kInvalidArgument if den is 0.
absl::StatusOr<Rational> Normalize(const Rational& r, std::string_view what) {
  if (r.den == 0) return InvalidArgument(StrCat(what, ": zero denominator in"), r);
  Rational out = r;
  if (out.den < 0) {
    out.num = -out.num;
    out.den = -out.den;
  }
  const BigInt g = boost::multiprecision::gcd(out.num, out.den);
  if (g > 1) {
    out.num /= g;
    out.den /= g;
  }
  return out;
}

// The discrete Gaussian's acceptance test (CKS20 Algorithm 3): for a discrete Laplace candidate
// y, Bernoulli(exp(-gamma)) with gamma = (|y| - sigma2/t)^2 / (2 sigma2)
//   = (|y| t den - num)^2 / (2 num den t^2) = g / h.
// Int is uint128 (when every quantity fits) or BigInt; Draw draws uniformly below an Int.
template <class Int, class Draw>
struct AcceptanceTest {
  // The fast test draws the fractional part's trial k below k h in 128 bits for k up to this.
  static constexpr unsigned kMaxFastTrial = 1024;
  static BigInt ToBigInt(const Int& x);

  Int td;   // t * den
  Int num;  // numerator of sigma2
  Int h;    // 2 num den t^2
  // j * h for j = 0..kGaussianExpRounds + 1: floor(gamma) is found by comparisons, not division.
  std::array<Int, kGaussianExpRounds + 2> multiples_of_h;
  // Uniform below k * h, k = 1..kVonNeumannRounds: the trials for the fractional part.
  std::array<Draw, kVonNeumannRounds> fraction_draws;

  AcceptanceTest(Int td_in, Int num_in, Int h_in) : td(td_in), num(num_in), h(h_in) {
    for (int j = 0; j < static_cast<int>(multiples_of_h.size()); ++j) {
      multiples_of_h[j] = h * Int(static_cast<unsigned>(j));
    }
    for (int k = 1; k <= kVonNeumannRounds; ++k) {
      fraction_draws[k - 1] = Draw{h * Int(static_cast<unsigned>(k))};
    }
  }

  bool operator()(uint64_t abs_y, RandomBits& bits) const {
    constexpr bool kFixedWidth = std::is_same_v<Int, uint128>;
    const Int p = Int(abs_y) * td;
    Int a;
    if constexpr (kFixedWidth) {
      const uint128 above = Mask128(p >= num);
      a = ((p - num) & above) | ((num - p) & ~above);
    } else {
      a = p >= num ? Int(p - num) : Int(num - p);
    }
    const Int g = a * a;
    // n = floor(g / h) if n <= kGaussianExpRounds; kGaussianExpRounds + 1 means larger.
    unsigned n = 0;
    for (int j = 1; j < static_cast<int>(multiples_of_h.size()); ++j) {
      n += g >= multiples_of_h[j];
    }
    Int rest;  // g - floor(g / h) h: gamma's fractional part is rest / h
    Int floor_gamma = Int(n);
    if (n <= static_cast<unsigned>(kGaussianExpRounds)) {
      Int selected = 0;
      if constexpr (kFixedWidth) {
        for (unsigned j = 0; j <= static_cast<unsigned>(kGaussianExpRounds); ++j) {
          selected |= multiples_of_h[j] & Mask128(j == n);
        }
      } else {
        selected = multiples_of_h[n];
      }
      rest = g - selected;
    } else {
      // Only candidates far in the tail get here, and they pass the draws below with
      // probability < e^-kGaussianExpRounds.
      floor_gamma = g / h;
      rest = g - floor_gamma * h;
    }
    // Bernoulli(exp(-gamma)) = Bernoulli(exp(-rest/h)) and floor(gamma) Bernoulli(exp(-1)), all
    // independent. The fractional part goes first: it rejects more often and costs less.
    const bool fraction = VonNeumannExpMinus(
        [&](unsigned k) {
          if (k <= static_cast<unsigned>(kVonNeumannRounds)) {
            return fraction_draws[k - 1](bits) < rest;
          }
          if (kFixedWidth && k > kMaxFastTrial) {  // k h might not fit 128 bits
            return UniformBelowBig(ToBigInt(h) * k, bits) < ToBigInt(rest);
          }
          return Draw{h * Int(k)}(bits) < rest;
        },
        /*stop_if_false=*/true);
    if (!fraction) return false;
    // floor(gamma) Bernoulli(exp(-1)) draws, at least kGaussianExpRounds of them; the padding
    // draws after floor(gamma) do not count. A failure rejects the candidate at once.
    bool passed = true;
    const Int rounds = std::max(floor_gamma, Int(kGaussianExpRounds));
    for (Int j = 0; j < rounds; ++j) {
      const bool success = ExpMinusOne(bits);
      passed = Opaque(passed & (success | (j >= floor_gamma)));
      if (!passed) return false;
    }
    return true;
  }
};

template <class Int, class Draw>
BigInt AcceptanceTest<Int, Draw>::ToBigInt(const Int& x) {
  if constexpr (std::is_same_v<Int, uint128>) {
    return ToBig(x);
  } else {
    return x;
  }
}

using FastAcceptanceTest = AcceptanceTest<uint128, UniformDraw>;
using WideAcceptanceTest = AcceptanceTest<BigInt, BigDraw>;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Primitives.

uint64_t UniformBelow(uint64_t m, RandomBits& bits) {
  CLEANROOM_CHECK(m >= 1);
  return static_cast<uint64_t>(UniformDraw(m)(bits));
}

BigInt UniformBelow(const BigInt& m, RandomBits& bits) {
  CLEANROOM_CHECK(m >= 1);
  return UniformBelowBig(m, bits);
}

bool Bernoulli(const BigInt& num, const BigInt& den, RandomBits& bits) {
  CLEANROOM_CHECK(den >= 1 && num >= 0 && num <= den);
  return UniformBelowBig(den, bits) < num;
}

bool BernoulliExpMinus(const Rational& gamma, RandomBits& bits) {
  CLEANROOM_CHECK(gamma.den >= 1 && gamma.num >= 0);
  const BigInt whole = gamma.num / gamma.den;
  CLEANROOM_CHECK(whole < (BigInt(1) << 32));
  const BigInt rest = gamma.num - whole * gamma.den;
  bool result = true;
  for (uint64_t j = 0, n = static_cast<uint64_t>(whole); j < n; ++j) {
    const bool success = ExpMinusOne(bits);  // drawn even after a failure: no early exit
    result = Opaque(result & success);
  }
  // Trial k compares a uniform integer below k den with rest; in 128-bit arithmetic while
  // k den fits (always, for den < 2^118 and the first 1024 trials).
  const bool narrow = gamma.den < (BigInt(1) << 118);
  const uint128 den = narrow ? FromBig(gamma.den) : 0;
  const uint128 rest_narrow = narrow ? FromBig(rest) : 0;
  const bool fraction = VonNeumannExpMinus(
      [&](unsigned k) {
        if (narrow && k <= 1024) return UniformDraw(den * k)(bits) < rest_narrow;
        return UniformBelowBig(gamma.den * k, bits) < rest;
      },
      /*stop_if_false=*/false);
  return result && fraction;
}

// ---------------------------------------------------------------------------------------------
// Discrete Laplace.

struct DiscreteLaplaceSampler::Plan {
  uint64_t t;
  uint64_t s;
  int geometric_rounds;
  // ceil(2^128 / s) for s > 1: floor(x / s) = floor(x * s_reciprocal / 2^128) for every
  // x < 2^64 (Lemire, Kaser and Kurz 2019), with multiplications only, since a hardware divide
  // takes a time that depends on its operands.
  uint128 s_reciprocal;
  UniformDraw below_t;
  // Uniform below k t, k = 1..kVonNeumannRounds: the trials of Bernoulli(exp(-u/t)).
  std::array<UniformDraw, kVonNeumannRounds> below_kt;
};

DiscreteLaplaceSampler::DiscreteLaplaceSampler(std::unique_ptr<const Plan> plan)
    : plan_(std::move(plan)) {}
DiscreteLaplaceSampler::~DiscreteLaplaceSampler() = default;
DiscreteLaplaceSampler::DiscreteLaplaceSampler(DiscreteLaplaceSampler&&) noexcept = default;
DiscreteLaplaceSampler& DiscreteLaplaceSampler::operator=(DiscreteLaplaceSampler&&) noexcept =
    default;

absl::StatusOr<DiscreteLaplaceSampler> DiscreteLaplaceSampler::Create(const Rational& scale) {
  return CreateImpl(scale, kGeometricRounds);
}

absl::StatusOr<DiscreteLaplaceSampler> DiscreteLaplaceSampler::CreateImpl(const Rational& scale,
                                                                          int geometric_rounds) {
  ASSIGN_OR_RETURN(Rational r, Normalize(scale, "discrete Laplace scale"));
  if (r.num <= 0) return InvalidArgument("discrete Laplace scale must be positive, not", r);
  if (r.num > (BigInt(1) << 56)) {
    return InvalidArgument("discrete Laplace scale numerator must be at most 2^56 in", r);
  }
  if (r.den > BigInt(std::numeric_limits<uint64_t>::max())) {
    return InvalidArgument("discrete Laplace scale denominator must be below 2^64 in", r);
  }
  auto plan = std::make_unique<Plan>();
  plan->t = static_cast<uint64_t>(r.num);
  plan->s = static_cast<uint64_t>(r.den);
  plan->geometric_rounds = geometric_rounds;
  plan->s_reciprocal = plan->s == 1 ? 0 : ~uint128{0} / plan->s + 1;
  plan->below_t = UniformDraw(plan->t);
  for (int k = 1; k <= kVonNeumannRounds; ++k) {
    plan->below_kt[k - 1] = UniformDraw(static_cast<uint128>(plan->t) * k);
  }
  return DiscreteLaplaceSampler(std::move(plan));
}

std::optional<int64_t> DiscreteLaplaceSampler::Round(RandomBits& bits) const {
  const Plan& p = *plan_;
  // U uniform in [0, t), kept with probability exp(-U/t).
  const auto u = static_cast<uint64_t>(p.below_t(bits));
  const bool keep = VonNeumannExpMinus(
      [&](unsigned k) {
        if (k <= static_cast<unsigned>(kVonNeumannRounds)) return p.below_kt[k - 1](bits) < u;
        return UniformDraw(static_cast<uint128>(p.t) * k)(bits) < u;
      },
      /*stop_if_false=*/true);
  if (!keep) return std::nullopt;
  // X = U + t V is geometric with ratio exp(-1/t); Y = floor(X / s).
  const uint64_t v = GeometricExpMinusOne(p.geometric_rounds, bits);
  const uint128 x = u + static_cast<uint128>(p.t) * v;
  uint128 y;
  if (p.s == 1) {
    y = x;
  } else if (x <= std::numeric_limits<uint64_t>::max()) {
    y = MultiplyHigh128(static_cast<uint64_t>(x), p.s_reciprocal);
  } else {
    y = x / p.s;  // only after more than the fixed number of geometric rounds
  }
  // A random sign; -0 is rejected so that 0 is not drawn twice as often.
  const bool negative = bits.Bit();
  if (negative && y == 0) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  const auto magnitude = static_cast<int64_t>(y > kMax ? kMax : static_cast<uint64_t>(y));
  const int64_t sign = -static_cast<int64_t>(Opaque(negative));  // 0 or -1
  return (magnitude ^ sign) - sign;
}

int64_t DiscreteLaplaceSampler::Sample(RandomBits& bits) const {
  for (;;) {
    if (std::optional<int64_t> y = Round(bits)) return *y;
  }
}

absl::StatusOr<int64_t> DiscreteLaplace(const Rational& scale, RandomBits& bits) {
  ASSIGN_OR_RETURN(DiscreteLaplaceSampler sampler, DiscreteLaplaceSampler::Create(scale));
  return sampler.Sample(bits);
}

// ---------------------------------------------------------------------------------------------
// Discrete Gaussian.

struct DiscreteGaussianSampler::Plan {
  Rational sigma2;
  DiscreteLaplaceSampler laplace;  // scale t = floor(sigma) + 1
  // Largest |candidate| the fast test accepts as input: (kGaussianGeometricRounds + 1) t - 1,
  // the largest value within the fixed geometric rounds.
  uint64_t fast_max_abs_y = 0;
  std::optional<FastAcceptanceTest> fast;
  WideAcceptanceTest wide;
};

DiscreteGaussianSampler::DiscreteGaussianSampler(std::unique_ptr<const Plan> plan)
    : plan_(std::move(plan)) {}
DiscreteGaussianSampler::~DiscreteGaussianSampler() = default;
DiscreteGaussianSampler::DiscreteGaussianSampler(DiscreteGaussianSampler&&) noexcept = default;
DiscreteGaussianSampler& DiscreteGaussianSampler::operator=(DiscreteGaussianSampler&&) noexcept =
    default;

absl::StatusOr<DiscreteGaussianSampler> DiscreteGaussianSampler::Create(const Rational& sigma2) {
  return CreateImpl(sigma2, /*allow_fast=*/true);
}

absl::StatusOr<DiscreteGaussianSampler> DiscreteGaussianSampler::CreateWideForTest(
    const Rational& sigma2) {
  return CreateImpl(sigma2, /*allow_fast=*/false);
}

absl::StatusOr<DiscreteGaussianSampler> DiscreteGaussianSampler::CreateImpl(const Rational& sigma2,
                                                                            bool allow_fast) {
  ASSIGN_OR_RETURN(Rational r, Normalize(sigma2, "discrete Gaussian variance"));
  if (r.num <= 0) return InvalidArgument("discrete Gaussian variance must be positive, not", r);
  const BigInt limit = BigInt(1) << 128;
  if (r.num >= limit || r.den >= limit) {
    return InvalidArgument(
        "discrete Gaussian variance must have numerator and denominator below 2^128, not", r);
  }
  if (r.num > (BigInt(1) << 100) * r.den) {
    return InvalidArgument("discrete Gaussian variance must be at most 2^100, not", r);
  }
  // t = floor(sigma) + 1; floor(sqrt(x)) = floor(sqrt(floor(x))).
  const BigInt t = boost::multiprecision::sqrt(BigInt(r.num / r.den)) + 1;
  ASSIGN_OR_RETURN(DiscreteLaplaceSampler laplace,
                   DiscreteLaplaceSampler::CreateImpl(Rational{t, 1}, kGaussianGeometricRounds));
  const BigInt td = t * r.den;
  const BigInt h = 2 * r.num * r.den * t * t;
  const BigInt max_abs_y = (kGaussianGeometricRounds + 1) * t - 1;
  auto plan =
      std::unique_ptr<Plan>(new Plan{r, std::move(laplace), static_cast<uint64_t>(max_abs_y),
                                     std::nullopt, WideAcceptanceTest(td, r.num, h)});
  // The fast test needs (|y| t den - num)^2, (kGaussianExpRounds + 1) h and k h for the
  // fractional trials below 2^128.
  const BigInt max_a = std::max<BigInt>(max_abs_y * td, r.num);
  const bool fits = max_a * max_a < limit && (kGaussianExpRounds + 1) * h < limit &&
                    FastAcceptanceTest::kMaxFastTrial * h < limit;
  if (allow_fast && fits) plan->fast.emplace(FromBig(td), FromBig(r.num), FromBig(h));
  return DiscreteGaussianSampler(std::move(plan));
}

int64_t DiscreteGaussianSampler::Sample(RandomBits& bits) const {
  const Plan& p = *plan_;
  for (;;) {
    const std::optional<int64_t> y = p.laplace.Round(bits);
    if (!y) continue;
    // |y| without a branch; y is never INT64_MIN.
    const int64_t sign = *y >> 63;
    const auto abs_y = static_cast<uint64_t>((*y ^ sign) - sign);
    const bool accepted =
        p.fast && abs_y <= p.fast_max_abs_y ? (*p.fast)(abs_y, bits) : p.wide(abs_y, bits);
    if (accepted) return *y;
  }
}

const Rational& DiscreteGaussianSampler::sigma2() const { return plan_->sigma2; }
bool DiscreteGaussianSampler::fast_path() const { return plan_->fast.has_value(); }

absl::StatusOr<int64_t> DiscreteGaussian(const Rational& sigma2, RandomBits& bits) {
  ASSIGN_OR_RETURN(DiscreteGaussianSampler sampler, DiscreteGaussianSampler::Create(sigma2));
  return sampler.Sample(bits);
}

}  // namespace cleanroom::dp
