// The time a draw takes must not depend on the value drawn (samplers.h, "Timing"): otherwise an
// observer who sees both the response time and the noisy result learns about the true value.
//
// Method: time every call, group the calls by |value| (small values vs the tail), and compare
// the groups' mean times within each of many rounds; the verdict is the median over rounds of
// the ratio tail / small. Rounds are short and interleave both groups, so drifts in machine
// load or clock speed affect both alike. Within a round, times are capped at the round's 95th
// percentile, so that a call interrupted by the scheduler does not dominate a mean; the same
// cap applies to both groups, which keeps equal distributions equal. A sampler whose time is
// independent of its value has ratio 1 up to sampling noise (about 1% for the median of these
// rounds); CKS20's loops as written, kept below as a control, take visibly longer in the tail.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "dp/samplers.h"
#include "dp/seeded_random.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

constexpr int kRounds = 31;
constexpr int kCallsPerRound = 6000;
// How far from 1 the ratio of a value-independent sampler may be: several times the sampling
// noise, and well below what the control shows.
constexpr double kTolerance = 0.06;

// Median over rounds of (mean time of calls with |value| >= large) / (mean time of calls with
// |value| <= small).
double TailToSmallTimeRatio(const std::function<int64_t()>& draw, int64_t small, int64_t large) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> ratios;
  std::vector<std::pair<int64_t, double>> calls(kCallsPerRound);  // (|value|, nanoseconds)
  std::vector<double> times(kCallsPerRound);
  for (int i = 0; i < 2000; ++i) draw();  // warm up caches and the branch predictor
  for (int round = 0; round < kRounds; ++round) {
    for (auto& [magnitude, nanoseconds] : calls) {
      const Clock::time_point start = Clock::now();
      const int64_t y = draw();
      const Clock::time_point end = Clock::now();
      magnitude = std::abs(y);
      nanoseconds = std::chrono::duration<double, std::nano>(end - start).count();
    }
    for (int i = 0; i < kCallsPerRound; ++i) times[i] = calls[i].second;
    std::nth_element(times.begin(), times.begin() + kCallsPerRound * 95 / 100, times.end());
    const double cap = times[kCallsPerRound * 95 / 100];
    double small_sum = 0;
    double large_sum = 0;
    int small_count = 0;
    int large_count = 0;
    for (const auto& [magnitude, nanoseconds] : calls) {
      const double t = std::min(nanoseconds, cap);
      if (magnitude <= small) {
        small_sum += t;
        ++small_count;
      } else if (magnitude >= large) {
        large_sum += t;
        ++large_count;
      }
    }
    if (small_count > 0 && large_count > 0) {
      ratios.push_back((large_sum / large_count) / (small_sum / small_count));
    }
  }
  EXPECT_GE(ratios.size(), static_cast<size_t>(kRounds - 1));
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

// ---------------------------------------------------------------------------------------------
// The control: CKS20 as written, every loop stopping as soon as its outcome is known.

// Bernoulli(exp(-a/b)), a <= b, by von Neumann-Forsythe.
bool NaiveExpMinusFraction(uint64_t a, uint64_t b, RandomBits& bits) {
  uint64_t k = 1;
  while (UniformBelow(k * b, bits) < a) ++k;
  return k % 2 == 1;
}

// Bernoulli(exp(-a/b)): one Bernoulli(exp(-1)) per whole unit, stopping at the first failure.
bool NaiveExpMinus(uint64_t a, uint64_t b, RandomBits& bits) {
  for (; a >= b; a -= b) {
    if (!NaiveExpMinusFraction(1, 1, bits)) return false;
  }
  return NaiveExpMinusFraction(a, b, bits);
}

int64_t NaiveLaplace(uint64_t t, RandomBits& bits) {
  for (;;) {
    const uint64_t u = UniformBelow(t, bits);
    if (!NaiveExpMinusFraction(u, t, bits)) continue;
    uint64_t v = 0;
    while (NaiveExpMinusFraction(1, 1, bits)) ++v;
    const auto y = static_cast<int64_t>(u + t * v);
    const bool negative = bits.Bit();
    if (negative && y == 0) continue;
    return negative ? -y : y;
  }
}

int64_t NaiveGaussian(uint64_t sigma2, RandomBits& bits) {
  const auto t = static_cast<uint64_t>(std::sqrt(static_cast<double>(sigma2))) + 1;
  for (;;) {
    const int64_t y = NaiveLaplace(t, bits);
    const int64_t a = std::abs(y) * static_cast<int64_t>(t) - static_cast<int64_t>(sigma2);
    if (NaiveExpMinus(static_cast<uint64_t>(a * a), 2 * sigma2 * t * t, bits)) return y;
  }
}

// ---------------------------------------------------------------------------------------------

class SamplerTimingTest : public ::testing::Test {
 protected:
  SeededRandom random_{20261124};
  RandomBits bits_{random_};
};

TEST_F(SamplerTimingTest, DiscreteLaplaceTimeDoesNotDependOnTheValue) {
  absl::StatusOr<DiscreteLaplaceSampler> sampler = DiscreteLaplaceSampler::Create(Rational{10, 1});
  ASSERT_TRUE(sampler.ok());
  // Scale 10: |y| <= 5 is the most likely 43% of draws; |y| >= 30 the tail 5%.
  const double ratio = TailToSmallTimeRatio([&] { return sampler->Sample(bits_); }, 5, 30);
  const double control = TailToSmallTimeRatio([&] { return NaiveLaplace(10, bits_); }, 5, 30);
  std::printf("discrete Laplace, scale 10: tail/small time %.3f (CKS20 as written: %.3f)\n", ratio,
              control);
  EXPECT_NEAR(ratio, 1.0, kTolerance);
  EXPECT_GT(control, 1.0 + kTolerance) << "the test cannot see a variable-time sampler";
}

TEST_F(SamplerTimingTest, DiscreteGaussianTimeDoesNotDependOnTheValue) {
  absl::StatusOr<DiscreteGaussianSampler> sampler =
      DiscreteGaussianSampler::Create(Rational{100, 1});
  ASSERT_TRUE(sampler.ok());
  // sigma 10: |y| <= 6 is 52% of draws; |y| >= 20 the tail 5%.
  const double ratio = TailToSmallTimeRatio([&] { return sampler->Sample(bits_); }, 6, 20);
  const double control = TailToSmallTimeRatio([&] { return NaiveGaussian(100, bits_); }, 6, 20);
  std::printf("discrete Gaussian, sigma^2 100: tail/small time %.3f (CKS20 as written: %.3f)\n",
              ratio, control);
  EXPECT_NEAR(ratio, 1.0, kTolerance);
  EXPECT_GT(control, 1.0 + kTolerance) << "the test cannot see a variable-time sampler";
}

}  // namespace
}  // namespace cleanroom::dp
