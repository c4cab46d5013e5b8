// Unit tests of the samplers' contracts. The distributions themselves are checked by
// samplers_statistical_test.cc, with many more draws.
#include "dp/samplers.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <vector>

#include "dp/seeded_random.h"
#include "dp/stats.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

using testing::ChiSquareFit;
using testing::Histogram;

constexpr double kRejectP = 1e-6;

TEST(UniformBelowTest, CoversTheRangeUniformly) {
  SeededRandom random(1);
  RandomBits bits(random);
  Histogram histogram;
  constexpr int kDraws = 60000;
  for (int i = 0; i < kDraws; ++i) ++histogram[static_cast<int64_t>(UniformBelow(6, bits))];
  ASSERT_EQ(histogram.size(), 6u);
  EXPECT_EQ(histogram.begin()->first, 0);
  EXPECT_EQ(histogram.rbegin()->first, 5);
  auto pmf = [](int64_t y) -> long double { return y >= 0 && y < 6 ? 1.0L / 6 : 0; };
  EXPECT_GT(ChiSquareFit(histogram, pmf, 0, 5).p_value, kRejectP);
}

TEST(UniformBelowTest, OneNeedsNoRandomness) {
  SeededRandom random(2);
  RandomBits bits(random);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(UniformBelow(uint64_t{1}, bits), 0u);
  EXPECT_EQ(bits.bytes_read(), 0u);
}

TEST(UniformBelowTest, LargeBoundsStayBelowAndReachTheTopBits) {
  SeededRandom random(3);
  RandomBits bits(random);
  for (const BigInt& m : {BigInt(UINT64_MAX), (BigInt(1) << 64) + 1, (BigInt(1) << 100) + 7,
                          (BigInt(3) << 200) - 1}) {
    int top_half = 0;
    for (int i = 0; i < 2000; ++i) {
      const BigInt x = UniformBelow(m, bits);
      ASSERT_GE(x, 0);
      ASSERT_LT(x, m);
      top_half += x >= m / 2;
    }
    // Binomial(2000, ~1/2): within 6 standard deviations (22).
    EXPECT_NEAR(top_half, 1000, 140) << m;
  }
  const uint64_t big = (uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 1000; ++i) EXPECT_LT(UniformBelow(big, bits), big);
}

TEST(BernoulliTest, EdgesAndMean) {
  SeededRandom random(4);
  RandomBits bits(random);
  for (int i = 0; i < 200; ++i) {
    EXPECT_FALSE(Bernoulli(0, 7, bits));
    EXPECT_TRUE(Bernoulli(7, 7, bits));
  }
  int ones = 0;
  constexpr int kDraws = 30000;
  for (int i = 0; i < kDraws; ++i) ones += Bernoulli(1, 3, bits);
  EXPECT_NEAR(ones, kDraws / 3.0, 6 * std::sqrt(kDraws * (1 / 3.0) * (2 / 3.0)));
}

TEST(BernoulliExpMinusTest, MeanIsExpMinusGamma) {
  SeededRandom random(5);
  RandomBits bits(random);
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(BernoulliExpMinus(Rational{0, 1}, bits));
  constexpr int kDraws = 20000;
  for (const Rational& gamma : {Rational{1, 2}, Rational{1, 1}, Rational{5, 3}, Rational{7, 2}}) {
    const double mean = std::exp(-static_cast<double>(gamma.num) / static_cast<double>(gamma.den));
    int ones = 0;
    for (int i = 0; i < kDraws; ++i) ones += BernoulliExpMinus(gamma, bits);
    EXPECT_NEAR(ones, kDraws * mean, 6 * std::sqrt(kDraws * mean * (1 - mean))) << gamma.ToString();
  }
}

TEST(DiscreteLaplaceTest, RefusesBadScales) {
  for (const Rational& scale : {Rational{0, 1}, Rational{-1, 1}, Rational{1, 0},
                                Rational{(BigInt(1) << 56) + 1, 1}, Rational{1, BigInt(1) << 64}}) {
    EXPECT_EQ(DiscreteLaplaceSampler::Create(scale).status().code(),
              absl::StatusCode::kInvalidArgument)
        << scale.ToString();
  }
  EXPECT_TRUE(DiscreteLaplaceSampler::Create(Rational{BigInt(1) << 56, 1}).ok());
  // Lowest terms are what count, and the sign may sit in the denominator.
  EXPECT_TRUE(DiscreteLaplaceSampler::Create(Rational{BigInt(1) << 57, 2}).ok());
  EXPECT_TRUE(DiscreteLaplaceSampler::Create(Rational{-3, -2}).ok());
}

TEST(DiscreteLaplaceTest, DrawsStayInTheDocumentedRange) {
  SeededRandom random(6);
  RandomBits bits(random);
  for (auto [t, s] : {std::pair{1, 1}, {10, 1}, {7, 2}, {3, 10}}) {
    absl::StatusOr<DiscreteLaplaceSampler> sampler = DiscreteLaplaceSampler::Create(Rational{t, s});
    ASSERT_TRUE(sampler.ok());
    std::set<int64_t> seen;
    for (int i = 0; i < 3000; ++i) {
      const int64_t y = sampler->Sample(bits);
      EXPECT_LE(std::llabs(y), (49 * t - 1) / s);
      seen.insert(y);
    }
    EXPECT_TRUE(seen.count(0));
    EXPECT_LT(*seen.begin(), 0);
    EXPECT_GT(*seen.rbegin(), 0);
  }
}

TEST(DiscreteLaplaceTest, ScaleDenominatorDividesTheGeometricValue) {
  // Rounds of scale t/s and t/1 consume the same bits in the same way until the final division
  // by s (computed with a reciprocal), so on the same stream their values match: |y_s| =
  // floor(|y_1| / s).
  constexpr uint64_t kT = 1009;  // prime, so that t/s is in lowest terms
  for (uint64_t s : {2ull, 3ull, 7ull, 10ull, 999ull, (1ull << 40) + 3, ~0ull}) {
    ASSERT_EQ(std::gcd(kT, s), 1u);
    SeededRandom random_1(13);
    SeededRandom random_s(13);
    RandomBits bits_1(random_1);
    RandomBits bits_s(random_s);
    absl::StatusOr<DiscreteLaplaceSampler> one = DiscreteLaplaceSampler::Create(Rational{kT, 1});
    absl::StatusOr<DiscreteLaplaceSampler> scaled =
        DiscreteLaplaceSampler::Create(Rational{kT, BigInt(s)});
    ASSERT_TRUE(one.ok() && scaled.ok());
    int compared = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::optional<int64_t> y1 = one->Round(bits_1);
      const std::optional<int64_t> ys = scaled->Round(bits_s);
      ASSERT_EQ(bits_1.bits_used(), bits_s.bits_used());
      if (!y1 || !ys) continue;
      ASSERT_EQ(static_cast<uint64_t>(std::llabs(*ys)), static_cast<uint64_t>(std::llabs(*y1)) / s)
          << s;
      if (*ys != 0) {
        ASSERT_EQ(*ys < 0, *y1 < 0);
      }
      ++compared;
    }
    EXPECT_GT(compared, 800);
  }
}

TEST(DiscreteLaplaceTest, SameSeedSameDraws) {
  auto draws = [](uint64_t seed) {
    SeededRandom random(seed);
    RandomBits bits(random);
    std::vector<int64_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(*DiscreteLaplace(Rational{10, 1}, bits));
    return out;
  };
  EXPECT_EQ(draws(7), draws(7));
  EXPECT_NE(draws(7), draws(8));
}

TEST(DiscreteLaplaceTest, AcceptedRoundsUseTheSameRandomnessWhateverTheValue) {
  // A round that returns a value does the same fixed work whatever the value (samplers.h,
  // "Timing"), so the random bits it consumes have the same distribution for every value: the
  // same minimum, and more only through rejections inside uniform draws, which are independent
  // of the value. A loop that stopped early for small values would use fewer bits for them.
  SeededRandom random(12);
  RandomBits bits(random);
  absl::StatusOr<DiscreteLaplaceSampler> sampler = DiscreteLaplaceSampler::Create(Rational{10, 1});
  ASSERT_TRUE(sampler.ok());
  Histogram used[2];  // [|y| <= 5, |y| >= 25]: bits used -> rounds
  for (int i = 0; i < 30000; ++i) {
    const uint64_t before = bits.bits_used();
    const std::optional<int64_t> y = sampler->Round(bits);
    if (!y || (std::llabs(*y) > 5 && std::llabs(*y) < 25)) continue;
    ++used[std::llabs(*y) >= 25][static_cast<int64_t>(bits.bits_used() - before)];
  }
  ASSERT_FALSE(used[0].empty());
  ASSERT_FALSE(used[1].empty());
  EXPECT_EQ(used[0].begin()->first, used[1].begin()->first);
  const testing::FitResult same = testing::ChiSquareHomogeneity(used[0], used[1], 10);
  EXPECT_GT(same.p_value, kRejectP) << same.Describe();
}

TEST(DiscreteGaussianTest, RefusesBadVariances) {
  for (const Rational& sigma2 :
       {Rational{0, 1}, Rational{-4, 1}, Rational{1, 0}, Rational{(BigInt(1) << 100) + 1, 1},
        Rational{BigInt(1) << 128, 3}, Rational{1, BigInt(1) << 128}}) {
    EXPECT_EQ(DiscreteGaussianSampler::Create(sigma2).status().code(),
              absl::StatusCode::kInvalidArgument)
        << sigma2.ToString();
  }
}

TEST(DiscreteGaussianTest, NormalisesAndPicksThePath) {
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      DiscreteGaussianSampler::Create(Rational{10, 4});
  ASSERT_TRUE(sampler.ok());
  EXPECT_EQ(sampler->sigma2().num, 5);
  EXPECT_EQ(sampler->sigma2().den, 2);
  EXPECT_TRUE(sampler->fast_path());
  EXPECT_TRUE(DiscreteGaussianSampler::Create(Rational{100000000, 1})->fast_path());
  EXPECT_TRUE(DiscreteGaussianSampler::Create(Rational{BigInt(1) << 57, 1})->fast_path());
  EXPECT_FALSE(DiscreteGaussianSampler::Create(Rational{BigInt(1) << 59, 1})->fast_path());
  EXPECT_FALSE(DiscreteGaussianSampler::Create(Rational{BigInt(1) << 100, 1})->fast_path());
  EXPECT_FALSE(DiscreteGaussianSampler::CreateWideForTest(Rational{100, 1})->fast_path());
}

TEST(DiscreteGaussianTest, DrawsLookRightOnEveryPath) {
  // A quick check of mean and variance (the chi-square tests are in the statistical test).
  SeededRandom random(9);
  RandomBits bits(random);
  constexpr int kDraws = 4000;
  for (bool wide : {false, true}) {
    for (const Rational& sigma2 : {Rational{1, 1}, Rational{100, 1}, Rational{7, 3}}) {
      absl::StatusOr<DiscreteGaussianSampler> sampler =
          wide ? DiscreteGaussianSampler::CreateWideForTest(sigma2)
               : DiscreteGaussianSampler::Create(sigma2);
      ASSERT_TRUE(sampler.ok());
      const double s2 = static_cast<double>(sigma2.num) / static_cast<double>(sigma2.den);
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < kDraws; ++i) {
        const auto y = static_cast<double>(sampler->Sample(bits));
        sum += y;
        squares += y * y;
      }
      // Mean 0 (sd sigma / sqrt(n)); E[y^2] ~ sigma2 (sd ~ sigma2 sqrt(2 / n)).
      EXPECT_NEAR(sum / kDraws, 0, 6 * std::sqrt(s2 / kDraws)) << sigma2.ToString() << wide;
      EXPECT_NEAR(squares / kDraws, s2, 6 * s2 * std::sqrt(2.0 / kDraws))
          << sigma2.ToString() << wide;
    }
  }
}

TEST(DiscreteGaussianTest, HugeVarianceUsesTheWidePath) {
  SeededRandom random(10);
  RandomBits bits(random);
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      DiscreteGaussianSampler::Create(Rational{BigInt(1) << 100, 1});
  ASSERT_TRUE(sampler.ok());
  double squares = 0;
  constexpr int kDraws = 300;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t y = sampler->Sample(bits);
    EXPECT_LT(std::llabs(y), 17 * ((int64_t{1} << 50) + 1));
    squares += std::ldexp(static_cast<double>(y), -50) * std::ldexp(static_cast<double>(y), -50);
  }
  EXPECT_NEAR(squares / kDraws, 1.0, 6 * std::sqrt(2.0 / kDraws));
}

TEST(DiscreteGaussianTest, TinyVarianceIsAlmostAlwaysZero) {
  SeededRandom random(11);
  RandomBits bits(random);
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      DiscreteGaussianSampler::Create(Rational{1, 100});
  ASSERT_TRUE(sampler.ok());
  // P(y != 0) = 2 e^-50 / Z.
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(sampler->Sample(bits), 0);
}

}  // namespace
}  // namespace cleanroom::dp
