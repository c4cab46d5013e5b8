#include "dp/accounting.h"

#include <array>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "dp/zcdp.h"

namespace cleanroom::dp {
namespace {

constexpr int kMinEpsilon = 1;
constexpr int kMaxEpsilon = 20;
constexpr int kMinUsersNoise = 10;
constexpr int kMaxUsersNoise = 100;

// The total rho of each budget epsilon, in units of 2^-kRhoFractionBits, computed once.
int64_t TotalRho(int epsilon) {
  static const std::array<int64_t, kMaxEpsilon + 1> table = [] {
    std::array<int64_t, kMaxEpsilon + 1> out{};
    for (int e = kMinEpsilon; e <= kMaxEpsilon; ++e) out[e] = EpsilonToZcdpFixedPoint(e, kDelta);
    return out;
  }();
  return table[epsilon];
}

}  // namespace

int CostUnits(AggregationType type) {
  switch (type) {
    case AggregationType::kCount:
    case AggregationType::kCountDistinct:
    case AggregationType::kSum:
      return 1;
    case AggregationType::kAvg:
      return 2;
    case AggregationType::kStddev:
      return 3;
  }
  return 3;  // not reached: every enumerator is handled above
}

absl::StatusOr<int64_t> BudgetUnits(int epsilon, int users_noise_per_query) {
  if (epsilon < kMinEpsilon || epsilon > kMaxEpsilon) {
    return absl::InvalidArgumentError(
        StrCat("epsilon must be an integer from 1 to 20, not ", epsilon));
  }
  if (users_noise_per_query < kMinUsersNoise || users_noise_per_query > kMaxUsersNoise) {
    return absl::InvalidArgumentError(StrCat(
        "usersNoisePerQuery must be an integer from 10 to 100, not ", users_noise_per_query));
  }
  // rho_total / (1 / (2 N^2)) = rho_total * 2 N^2, floored. rho_total < 2^35 grid units and
  // 2 N^2 <= 2 * 10^4, so the product fits easily.
  const int64_t n = users_noise_per_query;
  return (TotalRho(epsilon) * 2 * n * n) >> kRhoFractionBits;
}

absl::StatusOr<int64_t> MaxCount(int epsilon, int users_noise_per_query, AggregationType type) {
  ASSIGN_OR_RETURN(int64_t units, BudgetUnits(epsilon, users_noise_per_query));
  return units / CostUnits(type);
}

Rational NoiseVariance(int users_noise_per_query, int64_t sensitivity) {
  const BigInt sigma = BigInt(users_noise_per_query) * BigInt(sensitivity);
  return Rational{sigma * sigma, 1};
}

}  // namespace cleanroom::dp
