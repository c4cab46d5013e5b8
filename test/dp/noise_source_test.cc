#include "dp/noise_source.h"

#include <cmath>
#include <thread>
#include <vector>

#include "dp/accounting.h"
#include "dp/seeded_random.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

TEST(NoiseSourceTest, SeededSourcesAreReproducible) {
  SeededRandom a(42);
  SeededRandom b(42);
  NoiseSource first(a);
  NoiseSource second(b);
  const Rational sigma2 = NoiseVariance(10, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*first.Draw(sigma2), *second.Draw(sigma2));
  absl::StatusOr<std::vector<int64_t>> many = first.DrawMany(sigma2, 50);
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->size(), 50u);
  for (int64_t y : *many) EXPECT_EQ(y, *second.Draw(sigma2));
}

TEST(NoiseSourceTest, RefusesBadVariancesAndRecovers) {
  SeededRandom random(1);
  NoiseSource source(random);
  EXPECT_EQ(source.Draw(Rational{0, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(source.Draw(Rational{0, 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(source.DrawMany(Rational{-1, 1}, 3).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(source.Draw(Rational{4, 1}).ok());
  // After a good variance, a malformed one is still refused, not served from the cache.
  EXPECT_EQ(source.Draw(Rational{0, 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(source.Draw(Rational{8, 2}).ok());
}

TEST(NoiseSourceTest, SwitchingVariancesDrawsFromEach) {
  SeededRandom random(2);
  NoiseSource source(random);
  double small = 0;
  double large = 0;
  constexpr int kDraws = 2000;
  for (int i = 0; i < kDraws; ++i) {
    const auto a = static_cast<double>(*source.Draw(Rational{1, 1}));
    const auto b = static_cast<double>(*source.Draw(Rational{10000, 1}));
    small += a * a;
    large += b * b;
  }
  EXPECT_NEAR(small / kDraws, 1.0, 6 * std::sqrt(2.0 / kDraws));
  EXPECT_NEAR(large / kDraws, 10000.0, 6 * 10000.0 * std::sqrt(2.0 / kDraws));
}

TEST(NoiseSourceTest, ConcurrentDrawsAreSafe) {
  SeededRandom random(3);
  NoiseSource source(random);
  constexpr int kThreads = 4;
  constexpr int kDraws = 500;
  std::vector<std::vector<int64_t>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kDraws; ++i) {
        // Alternate variances so that the cached sampler changes under contention.
        absl::StatusOr<int64_t> y = source.Draw(Rational{(i + t) % 2 == 0 ? 100 : 25, 1});
        ASSERT_TRUE(y.ok());
        results[t].push_back(*y);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& r : results) EXPECT_EQ(r.size(), static_cast<size_t>(kDraws));
}

TEST(NoiseSourceTest, SystemRandomByDefault) {
  NoiseSource source;
  absl::StatusOr<int64_t> y = source.Draw(NoiseVariance(10, 1));
  ASSERT_TRUE(y.ok());
  EXPECT_LT(std::llabs(*y), 49 * 11);
}

TEST(NoiseSourceTest, UniformFillsTheUnitIntervalEvenly) {
  NoiseSource source;
  constexpr int kDraws = 200000, kBins = 20;
  std::vector<int> bins(kBins, 0);
  for (int i = 0; i < kDraws; ++i) {
    double u = source.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    EXPECT_EQ(std::ldexp(u, 53), std::floor(std::ldexp(u, 53)));  // a multiple of 2^-53
    ++bins[static_cast<int>(u * kBins)];
  }
  // Chi-squared with 19 degrees of freedom: 43.8 is its 0.999 quantile.
  double chi2 = 0;
  const double expected = static_cast<double>(kDraws) / kBins;
  for (int b : bins) chi2 += (b - expected) * (b - expected) / expected;
  EXPECT_LT(chi2, 43.8);
}

}  // namespace
}  // namespace cleanroom::dp
