// Exact samplers for differential-privacy noise: the discrete Laplace and discrete Gaussian
// distributions of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy"
// (NeurIPS 2020, arXiv:2004.00010; "CKS20" below), and the uniform and Bernoulli draws they are
// built from.
//
// Exactness. Every parameter is a rational number, every random choice is made by comparing
// uniform random integers, and no floating point is used anywhere, so each sampler's output has
// exactly the distribution named, not an approximation of it. (A floating-point Laplace such as
// `b * log(U)` has a support that depends on the value it is added to, which breaks differential
// privacy; Mironov, CCS 2012.) Uniform integers are drawn by rejection, so there is no modulo bias.
//
// Randomness. Bits come only from a RandomBits stream over a cleanroom::Random: in production
// SystemRandom(), the operating system's CSPRNG; tests inject a seeded generator.
//
// Timing. How long a draw takes does not depend on the value drawn. CKS20's loops, run as
// written, take longer for larger |values| (and an observer who sees both the time and a noisy
// result learns about the true value; Jin et al., IEEE S&P 2022). Here:
//   * The samplers are rejection samplers: a round proposes a candidate and accepts or rejects
//     it, and rounds repeat until one accepts. The number of rounds is independent of the value
//     finally accepted (rounds are independent trials), and so are the rounds that were
//     rejected, so only the accepted round's work could reveal the value. A rejected round may
//     stop as soon as it is known to be rejected.
//   * An accepted round does a fixed amount of work: every loop in it whose number of rounds
//     would depend on the value runs a fixed number of rounds, doing the same work in each
//     whether or not the outcome is already known:
//       - the von Neumann-Forsythe loop of Bernoulli(exp(-gamma)), gamma in [0, 1]:
//         kVonNeumannRounds trials (more are needed with probability <= 1/22! < 2^-69);
//       - each Bernoulli(exp(-1)) draw: kExpMinusOneTrials trials of that same loop, decided by
//         two uniform integers (more are needed with probability 1/28! < 2^-97);
//       - the discrete Laplace's geometric loop: kGeometricRounds Bernoulli(exp(-1)) draws
//         (more are needed with probability e^-48 < 2^-69); kGaussianGeometricRounds in the
//         candidates of the discrete Gaussian, where an accepted candidate needs more only if
//         |value| >= 16 t, which the discrete Gaussian draws with probability < 2^-180;
//       - the floor(gamma) Bernoulli(exp(-1)) draws of the discrete Gaussian's acceptance test:
//         kGaussianExpRounds draws whatever floor(gamma) is (an accepted candidate has a larger
//         floor(gamma) with probability < 2^-68).
//     If a fixed count does not suffice, the loop continues exactly as CKS20 does, so the
//     output distribution stays exact in every case; only the duration differs. For the
//     accepted round this happens in fewer than one draw in 2^64. (Rejected rounds exceed their
//     fixed counts more often, e.g. one discrete Gaussian candidate in about 10^7 needs more
//     than 16 geometric rounds, which reveals nothing.)
//   * Uniform integers are drawn by rejection: how many candidates are rejected is independent
//     of the value returned.
//   * Below the loop level, values are chosen without branches where practical and the scale's
//     denominator is divided by multiplication, but the samplers make no claim about the CPU's
//     own timing, and parameters beyond 128-bit arithmetic (see DiscreteGaussianSampler) use
//     arbitrary-precision integers, whose operations take time that grows with operand size.
// Whether a draw is slow or fast also reveals nothing about the data: noise is drawn without
// looking at the data.
#ifndef CLEANROOM_DP_SAMPLERS_H_
#define CLEANROOM_DP_SAMPLERS_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "dp/random_bits.h"
#include "dp/rational.h"

namespace cleanroom::dp {

// The fixed round counts described above.
inline constexpr int kVonNeumannRounds = 22;
inline constexpr int kExpMinusOneTrials = 28;
inline constexpr int kGeometricRounds = 48;
inline constexpr int kGaussianGeometricRounds = 16;
inline constexpr int kGaussianExpRounds = 48;

// A uniform integer in [0, m), m >= 1, by rejection. Uses about log2(m) + 8 bits (m < 2^64) or
// at most twice log2(m) bits on average (larger m). Aborts if m < 1.
uint64_t UniformBelow(uint64_t m, RandomBits& bits);
BigInt UniformBelow(const BigInt& m, RandomBits& bits);

// true with probability num/den, exactly: UniformBelow(den) < num. Requires 0 <= num <= den
// and den >= 1 (aborts otherwise). The time taken does not depend on the result.
bool Bernoulli(const BigInt& num, const BigInt& den, RandomBits& bits);

// true with probability exp(-gamma), exactly (CKS20 Algorithm 1): floor(gamma) Bernoulli(exp(-1))
// draws and von Neumann-Forsythe for the fractional part. The work depends on floor(gamma) only,
// never on the result: all floor(gamma) draws are made even after one fails. Requires gamma >= 0,
// gamma.den >= 1 and floor(gamma) < 2^32 (aborts otherwise).
bool BernoulliExpMinus(const Rational& gamma, RandomBits& bits);

// The discrete Laplace distribution with scale t/s: P(y) proportional to exp(-|y| s / t) for
// every integer y (CKS20 Algorithm 2). Immutable once created, so one sampler may be used from
// several threads at once, each with its own RandomBits.
class DiscreteLaplaceSampler {
 public:
  // `scale` = t/s. kInvalidArgument unless scale > 0 and, in lowest terms, t <= 2^56 and
  // s < 2^64.
  static absl::StatusOr<DiscreteLaplaceSampler> Create(const Rational& scale);

  // One draw. |result| <= (49 t - 1) / s < 2^62 except in the astronomically unlikely draws
  // that need more than kGeometricRounds geometric rounds; a draw beyond the int64 range
  // (probability below 2^-180 for any allowed scale) is returned as +-(2^63 - 1).
  int64_t Sample(RandomBits& bits) const;

  // One round of the CKS20 loop: the value, or nullopt if the round rejects (the discrete
  // Gaussian builds its own loop from these rounds).
  std::optional<int64_t> Round(RandomBits& bits) const;

  ~DiscreteLaplaceSampler();
  DiscreteLaplaceSampler(DiscreteLaplaceSampler&&) noexcept;
  DiscreteLaplaceSampler& operator=(DiscreteLaplaceSampler&&) noexcept;

 private:
  friend class DiscreteGaussianSampler;
  struct Plan;
  static absl::StatusOr<DiscreteLaplaceSampler> CreateImpl(const Rational& scale,
                                                           int geometric_rounds);
  explicit DiscreteLaplaceSampler(std::unique_ptr<const Plan> plan);
  std::unique_ptr<const Plan> plan_;
};

// The discrete Gaussian N_Z(0, sigma2): P(y) proportional to exp(-y^2 / (2 sigma2)) for every
// integer y (CKS20 Algorithm 3, with t = floor(sigma) + 1). Immutable once created, so one
// sampler may be used from several threads at once, each with its own RandomBits.
class DiscreteGaussianSampler {
 public:
  // kInvalidArgument unless 0 < sigma2 <= 2^100 and, in lowest terms, num and den < 2^128.
  // Parameters whose acceptance test fits 128-bit integers (sigma2 up to about 2^58 with a
  // small denominator) take the fast path; the others use arbitrary-precision integers.
  static absl::StatusOr<DiscreteGaussianSampler> Create(const Rational& sigma2);
  // As Create, but always on the arbitrary-precision path (to test that path).
  static absl::StatusOr<DiscreteGaussianSampler> CreateWideForTest(const Rational& sigma2);

  // One draw. |result| < 17 (floor(sigma) + 1) <= 2^55 except with probability < 2^-180.
  int64_t Sample(RandomBits& bits) const;

  // sigma2 in lowest terms.
  const Rational& sigma2() const;
  // Whether draws use only 128-bit arithmetic.
  bool fast_path() const;

  ~DiscreteGaussianSampler();
  DiscreteGaussianSampler(DiscreteGaussianSampler&&) noexcept;
  DiscreteGaussianSampler& operator=(DiscreteGaussianSampler&&) noexcept;

 private:
  struct Plan;
  static absl::StatusOr<DiscreteGaussianSampler> CreateImpl(const Rational& sigma2,
                                                            bool allow_fast);
  explicit DiscreteGaussianSampler(std::unique_ptr<const Plan> plan);
  std::unique_ptr<const Plan> plan_;
};

// One draw from a fresh sampler (prefer a sampler object for many draws with the same
// parameters). Errors as the samplers' Create.
absl::StatusOr<int64_t> DiscreteLaplace(const Rational& scale, RandomBits& bits);
absl::StatusOr<int64_t> DiscreteGaussian(const Rational& sigma2, RandomBits& bits);

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_SAMPLERS_H_
