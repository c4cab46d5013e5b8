// Statistical tests of the noise samplers (differential-privacy.md, "How to test a sampler"):
// chi-square goodness of fit against the exact pmf over 10^6 draws, moments, the power of the
// same test against deliberately wrong samplers, Bernoulli(exp(-gamma)) means, and the lattice
// property. Every test rejects at p < 1e-6, so a correct sampler fails about once in a million
// runs; the seeds are fixed, so a run is reproducible.
#include <cmath>
#include <cstring>
#include <random>

#include "dp/samplers.h"
#include "dp/seeded_random.h"
#include "dp/stats.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

using testing::ChiSquareFit;
using testing::ChiSquareHomogeneity;
using testing::DiscreteGaussianPmf;
using testing::DiscreteLaplacePmf;
using testing::FitResult;
using testing::Histogram;
using testing::MomentsOf;
using testing::Pmf;
using testing::SampleMomentsOf;

constexpr double kRejectP = 1e-6;
constexpr int kDraws = 1000000;

long double ToLongDouble(const Rational& r) {
  return static_cast<long double>(r.num) / static_cast<long double>(r.den);
}

template <class Draw>
Histogram Collect(int n, Draw&& draw) {
  Histogram histogram;
  for (int i = 0; i < n; ++i) ++histogram[draw()];
  return histogram;
}

// Goodness of fit and the first two moments of `histogram` against `pmf`.
void ExpectMatches(const Histogram& histogram, const Pmf& pmf, long double sigma) {
  const FitResult fit = ChiSquareFit(histogram, pmf);
  EXPECT_GT(fit.p_value, kRejectP) << fit.Describe();
  const auto reach = static_cast<int64_t>(60 * sigma + 60);
  const testing::Moments exact = MomentsOf(pmf, -reach, reach);
  const testing::SampleMoments sample = SampleMomentsOf(histogram);
  const long double n = sample.n;
  EXPECT_LT(std::fabs(sample.mean - exact.mean), 6 * std::sqrt(exact.variance / n))
      << "mean " << static_cast<double>(sample.mean);
  const long double variance_se =
      std::sqrt((exact.fourth_central - exact.variance * exact.variance) / n);
  EXPECT_LT(std::fabs(sample.variance - exact.variance), 6 * variance_se)
      << "variance " << static_cast<double>(sample.variance) << " expected "
      << static_cast<double>(exact.variance);
}

// The same test must reject a sampler that draws from `histogram` when it is wrong.
void ExpectRejected(const Histogram& histogram, const Pmf& pmf) {
  const FitResult fit = ChiSquareFit(histogram, pmf);
  EXPECT_LT(fit.p_value, kRejectP) << fit.Describe();
}

Histogram LaplaceDraws(const Rational& scale, uint64_t seed, int n = kDraws) {
  SeededRandom random(seed);
  RandomBits bits(random);
  absl::StatusOr<DiscreteLaplaceSampler> sampler = DiscreteLaplaceSampler::Create(scale);
  EXPECT_TRUE(sampler.ok());
  return Collect(n, [&] { return sampler->Sample(bits); });
}

Histogram GaussianDraws(const Rational& sigma2, uint64_t seed, bool wide = false, int n = kDraws) {
  SeededRandom random(seed);
  RandomBits bits(random);
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      wide ? DiscreteGaussianSampler::CreateWideForTest(sigma2)
           : DiscreteGaussianSampler::Create(sigma2);
  EXPECT_TRUE(sampler.ok());
  EXPECT_EQ(sampler->fast_path(), !wide);
  return Collect(n, [&] { return sampler->Sample(bits); });
}

// ---------------------------------------------------------------------------------------------
// Goodness of fit and moments.

TEST(DiscreteLaplaceStatisticsTest, ScaleOne) {
  ExpectMatches(LaplaceDraws(Rational{1, 1}, 101), DiscreteLaplacePmf(1), 1);
}

TEST(DiscreteLaplaceStatisticsTest, ScaleTen) {
  ExpectMatches(LaplaceDraws(Rational{10, 1}, 102), DiscreteLaplacePmf(10), 10);
}

TEST(DiscreteLaplaceStatisticsTest, NonIntegerScale) {
  ExpectMatches(LaplaceDraws(Rational{7, 2}, 103), DiscreteLaplacePmf(3.5L), 3.5L);
  ExpectMatches(LaplaceDraws(Rational{2, 3}, 104, kDraws / 4), DiscreteLaplacePmf(2.0L / 3), 1);
}

TEST(DiscreteGaussianStatisticsTest, VarianceOne) {
  ExpectMatches(GaussianDraws(Rational{1, 1}, 201), DiscreteGaussianPmf(1), 1);
}

TEST(DiscreteGaussianStatisticsTest, VarianceHundred) {
  ExpectMatches(GaussianDraws(Rational{100, 1}, 202), DiscreteGaussianPmf(100), 10);
}

TEST(DiscreteGaussianStatisticsTest, RationalVariance) {
  const Rational sigma2{7, 3};
  ExpectMatches(GaussianDraws(sigma2, 203), DiscreteGaussianPmf(ToLongDouble(sigma2)),
                std::sqrt(ToLongDouble(sigma2)));
}

TEST(DiscreteGaussianStatisticsTest, WidePath) {
  // The arbitrary-precision path (taken for large parameters) draws the same distribution.
  ExpectMatches(GaussianDraws(Rational{100, 1}, 204, /*wide=*/true, kDraws / 5),
                DiscreteGaussianPmf(100), 10);
  const Rational sigma2{25, 2};
  ExpectMatches(GaussianDraws(sigma2, 205, /*wide=*/true, kDraws / 5),
                DiscreteGaussianPmf(ToLongDouble(sigma2)), 4);
}

// ---------------------------------------------------------------------------------------------
// Power: the same test rejects wrong samplers.

// The wrong samplers differ from the right ones by far more than 2 * 10^5 draws can hide (the
// chi-square statistic expected under them is in the hundreds at least), so the power checks
// use fewer draws than the fits above.
constexpr int kPowerDraws = kDraws / 5;

TEST(StatisticsPowerTest, RejectsLaplaceWithScaleFivePercentOff) {
  ExpectRejected(LaplaceDraws(Rational{21, 2}, 301, kPowerDraws), DiscreteLaplacePmf(10));
  ExpectRejected(LaplaceDraws(Rational{21, 20}, 302, kPowerDraws), DiscreteLaplacePmf(1));
}

TEST(StatisticsPowerTest, RejectsGaussianWithSigmaFivePercentOff) {
  // sigma 10.5 instead of 10, and 1.05 instead of 1.
  ExpectRejected(GaussianDraws(Rational{441, 4}, 303, false, kPowerDraws),
                 DiscreteGaussianPmf(100));
  ExpectRejected(GaussianDraws(Rational{441, 400}, 304, false, kPowerDraws),
                 DiscreteGaussianPmf(1));
}

// The textbook floating-point Laplace, rounded to an integer: round(b * log(U)) with a random
// sign.
Histogram FloatLaplaceDraws(double b, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return Collect(kPowerDraws, [&] {
    const double u = 1.0 - uniform(engine);  // (0, 1]
    const double magnitude = std::round(-b * std::log(u));
    return static_cast<int64_t>(engine() & 1 ? magnitude : -magnitude);
  });
}

TEST(StatisticsPowerTest, RejectsRoundedFloatingPointLaplace) {
  // Rounding gives 0 too little mass (1 - e^{-1/(2b)} instead of tanh(1/(2b))). The gap
  // shrinks as b grows (15% of P(0) at b = 1, 7% at b = 3, 2% at b = 10), so the scales tested
  // are small; at large scales the flaw of a floating-point Laplace is in its low-order bits
  // (LatticeTest).
  ExpectRejected(FloatLaplaceDraws(1, 305), DiscreteLaplacePmf(1));
  ExpectRejected(FloatLaplaceDraws(3, 306), DiscreteLaplacePmf(3));
}

// ---------------------------------------------------------------------------------------------
// Bernoulli(exp(-gamma)).

TEST(BernoulliExpMinusStatisticsTest, MeanIsExpMinusGamma) {
  SeededRandom random(401);
  RandomBits bits(random);
  for (const Rational& gamma : {Rational{0, 1}, Rational{1, 3}, Rational{1, 2}, Rational{1, 1},
                                Rational{3, 2}, Rational{7, 3}, Rational{4, 1}}) {
    const long double p = std::exp(-ToLongDouble(gamma));
    int64_t ones = 0;
    constexpr int kTrials = kDraws / 2;
    for (int i = 0; i < kTrials; ++i) ones += BernoulliExpMinus(gamma, bits);
    EXPECT_LT(std::fabs(ones - kTrials * p), 6 * std::sqrt(kTrials * p * (1 - p)) + 1e-9)
        << gamma.ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// The lattice property: outputs lie on the integer grid and the noise does not depend on the
// value it is added to.

// Trailing zero bits of the significand of x (53 for 0): a feature of the low-order bits.
int64_t TrailingZeroBits(double x) {
  if (x == 0) return 53;
  int exponent;
  const double fraction = std::frexp(std::fabs(x), &exponent);  // in [0.5, 1)
  const auto significand = static_cast<uint64_t>(std::ldexp(fraction, 53));
  return __builtin_ctzll(significand);
}

TEST(LatticeTest, NoiseIsIndependentOfTheTrueValue) {
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      DiscreteGaussianSampler::Create(Rational{100, 1});
  ASSERT_TRUE(sampler.ok());
  Histogram differences[2];
  Histogram low_bits[2];
  constexpr int kRuns = kDraws / 5;
  for (int64_t truth : {0, 1}) {
    SeededRandom random(500 + truth);
    RandomBits bits(random);
    for (int i = 0; i < kRuns; ++i) {
      const int64_t output = truth + sampler->Sample(bits);
      ++differences[truth][output - truth];
      ++low_bits[truth][TrailingZeroBits(static_cast<double>(output - truth))];
    }
  }
  const FitResult values = ChiSquareHomogeneity(differences[0], differences[1]);
  EXPECT_GT(values.p_value, kRejectP) << values.Describe();
  const FitResult bits = ChiSquareHomogeneity(low_bits[0], low_bits[1]);
  EXPECT_GT(bits.p_value, kRejectP) << bits.Describe();
  // A value far beyond double precision keeps its noise exactly.
  SeededRandom random(502);
  RandomBits bits_stream(random);
  const int64_t big = (int64_t{1} << 60) + 1;
  for (int i = 0; i < 1000; ++i) {
    const int64_t noise = sampler->Sample(bits_stream);
    EXPECT_EQ((big + noise) - big, noise);
  }
}

TEST(LatticeTest, FloatingPointLaplaceFailsTheSameCheck) {
  // x + b * log(U) in double: the low-order bits of (output - x) depend on x.
  std::mt19937_64 engine(503);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Histogram low_bits[2];
  constexpr int kRuns = kDraws / 5;
  for (int truth : {0, 1}) {
    for (int i = 0; i < kRuns; ++i) {
      const double noise = 10.0 * std::log(1.0 - uniform(engine)) * (engine() & 1 ? 1 : -1);
      const double output = truth + noise;
      ++low_bits[truth][TrailingZeroBits(output - truth)];
    }
  }
  const FitResult bits = ChiSquareHomogeneity(low_bits[0], low_bits[1]);
  EXPECT_LT(bits.p_value, kRejectP) << bits.Describe();
}

}  // namespace
}  // namespace cleanroom::dp
