#include "dp/zcdp.h"

#include <cmath>

#include "common/status_macros.h"

namespace cleanroom::dp {
namespace {

// The Renyi order is searched as alpha = 1 + exp(u): u over a grid, then golden-section
// refinement around the best grid point. Any alpha is valid, so the search only needs to be
// good, not exact; the grid keeps it from being caught by a local optimum.
constexpr long double kMinU = -14.0L;  // alpha - 1 = 8e-7
constexpr long double kMaxU = 16.0L;   // alpha - 1 = 9e6
constexpr int kGridPoints = 3001;

long double Alpha(long double u) { return 1.0L + std::exp(u); }

// The part of epsilon_alpha that does not depend on rho:
// ln(1 - 1/alpha) + (ln(1/delta) - ln alpha) / (alpha - 1).
long double Overhead(long double alpha, long double log_inv_delta) {
  return std::log1p(-1.0L / alpha) + (log_inv_delta - std::log(alpha)) / (alpha - 1.0L);
}

// The u in [kMinU, kMaxU] at which `f` is largest (approximately).
template <class F>
long double ArgMax(F f) {
  const long double step = (kMaxU - kMinU) / (kGridPoints - 1);
  long double best_u = kMinU;
  long double best = f(kMinU);
  for (int i = 1; i < kGridPoints; ++i) {
    const long double u = kMinU + step * i;
    const long double value = f(u);
    if (value > best) {
      best = value;
      best_u = u;
    }
  }
  // Golden-section search on [best_u - step, best_u + step].
  const long double ratio = (std::sqrt(5.0L) - 1.0L) / 2.0L;
  long double lo = best_u - step;
  long double hi = best_u + step;
  long double x1 = hi - ratio * (hi - lo);
  long double x2 = lo + ratio * (hi - lo);
  long double f1 = f(x1);
  long double f2 = f(x2);
  for (int i = 0; i < 120; ++i) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + ratio * (hi - lo);
      f2 = f(x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - ratio * (hi - lo);
      f1 = f(x1);
    }
  }
  const long double u = (lo + hi) / 2.0L;
  return f(u) >= best ? u : best_u;
}

long double RhoAtAlpha(long double epsilon, long double alpha, long double log_inv_delta) {
  return (epsilon - Overhead(alpha, log_inv_delta)) / alpha;
}

long double BestRho(double epsilon, double delta) {
  CLEANROOM_CHECK(epsilon > 0 && delta > 0 && delta < 1);
  const long double log_inv_delta = -std::log(static_cast<long double>(delta));
  const long double u =
      ArgMax([&](long double v) { return RhoAtAlpha(epsilon, Alpha(v), log_inv_delta); });
  return RhoAtAlpha(epsilon, Alpha(u), log_inv_delta);
}

}  // namespace

double ZcdpToEpsilon(double rho, double delta) {
  CLEANROOM_CHECK(rho > 0 && delta > 0 && delta < 1);
  const long double log_inv_delta = -std::log(static_cast<long double>(delta));
  auto epsilon = [&](long double u) {
    const long double alpha = Alpha(u);
    return alpha * rho + Overhead(alpha, log_inv_delta);
  };
  const long double u = ArgMax([&](long double v) { return -epsilon(v); });
  return static_cast<double>(epsilon(u));
}

double ZcdpToEpsilonSimple(double rho, double delta) {
  CLEANROOM_CHECK(rho > 0 && delta > 0 && delta < 1);
  return rho + 2.0 * std::sqrt(rho * std::log(1.0 / delta));
}

double EpsilonToZcdp(double epsilon, double delta) {
  return static_cast<double>(BestRho(epsilon, delta));
}

int64_t EpsilonToZcdpFixedPoint(double epsilon, double delta) {
  // The evaluation of rho_alpha takes a handful of long double operations on values below
  // 10^7, each exact to 1 part in 2^64, so its error is far below 2^-40; the margin is 2^-36.
  // The value is then floored to the grid, so the total loss is under 2^-31.
  const long double margin = std::ldexp(1.0L, -36);
  const long double rho = BestRho(epsilon, delta) - margin;
  if (rho <= 0) return 0;
  return static_cast<int64_t>(std::floor(std::ldexp(rho, kRhoFractionBits)));
}

}  // namespace cleanroom::dp
