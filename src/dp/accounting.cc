#include "dp/accounting.h"

#include <cmath>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::dp {
namespace {

// The largest rho whose zCDP guarantee converts to (epsilon, kDelta)-DP by
// epsilon = rho + 2 sqrt(rho ln(1/delta)): with L = ln(1/delta), sqrt(rho) = sqrt(L + epsilon) -
// sqrt(L), computed as epsilon / (sqrt(L + epsilon) + sqrt(L)) to avoid cancellation.
double TotalRho(int epsilon) {
  const double l = std::log(1.0 / kDelta);
  const double root = epsilon / (std::sqrt(l + epsilon) + std::sqrt(l));
  return root * root;
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
  if (epsilon < 1 || epsilon > 20) {
    return absl::InvalidArgumentError(
        StrCat("epsilon must be an integer from 1 to 20, not ", epsilon));
  }
  if (users_noise_per_query < 10 || users_noise_per_query > 100) {
    return absl::InvalidArgumentError(StrCat(
        "usersNoisePerQuery must be an integer from 10 to 100, not ", users_noise_per_query));
  }
  const double n = users_noise_per_query;
  const double units = TotalRho(epsilon) * 2.0 * n * n;
  // Rounded down after a margin far larger than the floating-point error, so that no budget is
  // ever rounded up past its exact value.
  return static_cast<int64_t>(std::floor(units * (1.0 - 1e-9)));
}

absl::StatusOr<int64_t> MaxCount(int epsilon, int users_noise_per_query, AggregationType type) {
  ASSIGN_OR_RETURN(int64_t units, BudgetUnits(epsilon, users_noise_per_query));
  return units / CostUnits(type);
}

}  // namespace cleanroom::dp
