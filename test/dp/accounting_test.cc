#include "dp/accounting.h"

#include <cmath>

#include "dp/zcdp.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

int64_t Units(int epsilon, int n) {
  absl::StatusOr<int64_t> units = BudgetUnits(epsilon, n);
  EXPECT_TRUE(units.ok()) << units.status();
  return units.ok() ? *units : -1;
}

TEST(AccountingTest, CostUnitsPerType) {
  EXPECT_EQ(CostUnits(AggregationType::kCount), 1);
  EXPECT_EQ(CostUnits(AggregationType::kCountDistinct), 1);
  EXPECT_EQ(CostUnits(AggregationType::kSum), 1);
  EXPECT_EQ(CostUnits(AggregationType::kAvg), 2);
  EXPECT_EQ(CostUnits(AggregationType::kStddev), 3);
}

TEST(AccountingTest, KnownBudgets) {
  // rho(epsilon, 1e-6) by CKS20 Corollary 13: 0.0243560 for epsilon 1, 4.789373 for 20;
  // units = floor(rho * 2 N^2).
  EXPECT_EQ(Units(1, 10), 4);
  EXPECT_EQ(Units(1, 100), 487);
  EXPECT_EQ(Units(20, 10), 957);
  EXPECT_EQ(Units(20, 100), 95787);
  EXPECT_EQ(Units(2, 50), 440);
  EXPECT_EQ(Units(10, 50), 7696);
}

TEST(AccountingTest, UnitsAreTheRoundedDownRho) {
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    const long double rho = EpsilonToZcdp(epsilon, kDelta);
    for (int n = 10; n <= 100; ++n) {
      const long double exact = rho * 2 * n * n;
      const int64_t units = Units(epsilon, n);
      // Never above the exact value; below it only by the floor and the 2^-32 grid.
      EXPECT_LE(units, exact) << epsilon << " " << n;
      EXPECT_GT(units, exact - 1 - 2e-4L) << epsilon << " " << n;
    }
  }
}

TEST(AccountingTest, TheSpentBudgetMeetsTheGuarantee) {
  // Spending every unit costs rho = units / (2 N^2), which must convert to at most epsilon.
  for (int epsilon : {1, 2, 7, 20}) {
    for (int n : {10, 33, 100}) {
      const double rho = static_cast<double>(Units(epsilon, n)) / (2.0 * n * n);
      EXPECT_LE(ZcdpToEpsilon(rho, kDelta), epsilon) << epsilon << " " << n;
    }
  }
}

TEST(AccountingTest, MonotoneInEpsilonAndN) {
  for (int n = 10; n <= 100; ++n) {
    for (int epsilon = 2; epsilon <= 20; ++epsilon) {
      EXPECT_GT(Units(epsilon, n), Units(epsilon - 1, n)) << epsilon << " " << n;
    }
  }
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    for (int n = 11; n <= 100; ++n) {
      EXPECT_GE(Units(epsilon, n), Units(epsilon, n - 1)) << epsilon << " " << n;
    }
  }
}

TEST(AccountingTest, UnitsScaleWithNSquared) {
  // units(N) = floor(R N^2) for one R per epsilon, so units(N) / N^2 lies in (R - 1/N^2, R].
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    for (int a = 10; a <= 100; a += 3) {
      for (int b = a + 1; b <= 100; b += 7) {
        const double ra = static_cast<double>(Units(epsilon, a)) / (a * a);
        const double rb = static_cast<double>(Units(epsilon, b)) / (b * b);
        EXPECT_LT(std::fabs(ra - rb), 1.0 / (a * a) + 1.0 / (b * b))
            << epsilon << " " << a << " " << b;
      }
    }
    // Doubling N multiplies the budget by 4 up to rounding.
    const int64_t base = Units(epsilon, 25);
    EXPECT_GE(Units(epsilon, 50), 4 * base);
    EXPECT_LE(Units(epsilon, 50), 4 * base + 3);
  }
}

TEST(AccountingTest, RefusesValuesOutsideTheRanges) {
  for (auto [epsilon, n] : {std::pair{0, 10}, {21, 10}, {-1, 50}, {1, 9}, {1, 101}, {5, 0}}) {
    absl::StatusOr<int64_t> units = BudgetUnits(epsilon, n);
    EXPECT_EQ(units.status().code(), absl::StatusCode::kInvalidArgument) << epsilon << " " << n;
    EXPECT_EQ(MaxCount(epsilon, n, AggregationType::kCount).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(BudgetUnits(1, 10).ok());
  EXPECT_TRUE(BudgetUnits(20, 100).ok());
}

TEST(AccountingTest, MaxCountDividesByTheCost) {
  for (int epsilon : {1, 3, 20}) {
    for (int n : {10, 57, 100}) {
      const int64_t units = Units(epsilon, n);
      for (AggregationType type :
           {AggregationType::kAvg, AggregationType::kCount, AggregationType::kCountDistinct,
            AggregationType::kSum, AggregationType::kStddev}) {
        absl::StatusOr<int64_t> max_count = MaxCount(epsilon, n, type);
        ASSERT_TRUE(max_count.ok());
        EXPECT_EQ(*max_count, units / CostUnits(type));
      }
    }
  }
  EXPECT_EQ(*MaxCount(1, 10, AggregationType::kStddev), 1);  // 4 units / 3
  EXPECT_EQ(*MaxCount(1, 10, AggregationType::kAvg), 2);
}

TEST(AccountingTest, NoiseVarianceIsNTimesSensitivitySquared) {
  EXPECT_EQ(NoiseVariance(10, 1), (Rational{100, 1}));
  EXPECT_EQ(NoiseVariance(10, 3).num, 900);
  EXPECT_EQ(NoiseVariance(10, 3).den, 1);
  const int64_t big = int64_t{1} << 62;
  const Rational v = NoiseVariance(100, big);
  EXPECT_EQ(v.num, BigInt(10000) * BigInt(big) * BigInt(big));
  EXPECT_EQ(v.ToString(), "212676479325586539664609129644855132160000");
}

}  // namespace
}  // namespace cleanroom::dp
