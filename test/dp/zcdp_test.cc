#include "dp/zcdp.h"

#include <cmath>

#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

constexpr double kTestDelta = 1e-6;

// delta of Corollary 13 at one Renyi order alpha.
long double DeltaAt(long double rho, long double epsilon, long double alpha) {
  return std::exp((alpha - 1) * (alpha * rho - epsilon)) / alpha *
         std::pow(1 - 1 / alpha, alpha - 1);
}

// The smallest delta over a grid of orders, computed independently of zcdp.cc's search: a
// coarse geometric grid, then a fine one around its best point.
long double BestDelta(long double rho, long double epsilon) {
  long double best = 1;
  long double best_alpha = 2;
  for (long double alpha = 1.0001L; alpha < 1e5L; alpha *= 1.0002L) {
    const long double delta = DeltaAt(rho, epsilon, alpha);
    if (delta < best) {
      best = delta;
      best_alpha = alpha;
    }
  }
  for (long double f = 0.9996L; f < 1.0004L; f += 1e-7L) {
    best = std::min(best, DeltaAt(rho, epsilon, best_alpha * f));
  }
  return best;
}

TEST(ZcdpTest, KnownConversionOfRhoPointOne) {
  // differential-privacy.md 4.1: rho = 0.1, delta = 1e-6 gives epsilon 2.451 (simple) or
  // 2.142 (tight).
  EXPECT_NEAR(ZcdpToEpsilonSimple(0.1, kTestDelta), 2.451, 0.0005);
  EXPECT_NEAR(ZcdpToEpsilon(0.1, kTestDelta), 2.142, 0.0005);
}

TEST(ZcdpTest, InverseRecoversRho) {
  for (double rho : {0.001, 0.0244, 0.1, 1.0, 4.79, 20.0}) {
    const double epsilon = ZcdpToEpsilon(rho, kTestDelta);
    EXPECT_NEAR(EpsilonToZcdp(epsilon, kTestDelta), rho, rho * 1e-9) << rho;
  }
  EXPECT_NEAR(EpsilonToZcdp(2.141938928689304, kTestDelta), 0.1, 1e-9);
}

TEST(ZcdpTest, TightIsNeverWorseThanSimple) {
  const double log_inv_delta = std::log(1 / kTestDelta);
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    const double simple_root = std::sqrt(log_inv_delta + epsilon) - std::sqrt(log_inv_delta);
    EXPECT_GT(EpsilonToZcdp(epsilon, kTestDelta), simple_root * simple_root) << epsilon;
  }
  for (double rho : {0.01, 0.1, 1.0, 5.0}) {
    EXPECT_LT(ZcdpToEpsilon(rho, kTestDelta), ZcdpToEpsilonSimple(rho, kTestDelta)) << rho;
  }
}

TEST(ZcdpTest, FixedPointIsConservativeAndTight) {
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    const int64_t fixed = EpsilonToZcdpFixedPoint(epsilon, kTestDelta);
    const long double rho = std::ldexp(static_cast<long double>(fixed), -kRhoFractionBits);
    const long double exact = EpsilonToZcdp(epsilon, kTestDelta);
    EXPECT_LE(rho, exact) << epsilon;
    EXPECT_GT(rho, exact - std::ldexp(1.0L, -30)) << epsilon;
    // The granted rho meets (epsilon, delta) by the formula itself, evaluated independently...
    EXPECT_LE(BestDelta(rho, epsilon), kTestDelta) << epsilon;
    // ...and a rho 0.01% larger does not: the search found (nearly) the best order.
    EXPECT_GT(BestDelta(rho * 1.0001L, epsilon), kTestDelta) << epsilon;
  }
}

TEST(ZcdpTest, MonotoneInEpsilonAndDelta) {
  double previous = 0;
  for (int epsilon = 1; epsilon <= 20; ++epsilon) {
    const double rho = EpsilonToZcdp(epsilon, kTestDelta);
    EXPECT_GT(rho, previous);
    previous = rho;
  }
  EXPECT_LT(EpsilonToZcdp(5, 1e-9), EpsilonToZcdp(5, 1e-6));
  EXPECT_LT(EpsilonToZcdp(5, 1e-6), EpsilonToZcdp(5, 1e-3));
}

}  // namespace
}  // namespace cleanroom::dp
