// Privacy accounting of differential privacy: what one aggregation costs and how many cost units
// a collaboration's privacy budget holds.
//
// The mechanism is the discrete Gaussian with zero-concentrated DP (zCDP) accounting. An
// aggregation's noise has sigma = N x its per-user sensitivity, N being the template's
// usersNoisePerQuery, so one cost unit spends rho = 1/(2 N^2) whatever the data. The budget's
// epsilon is turned into a total rho at delta = kDelta, and the budget in units is that rho
// divided by the unit's, rounded down. All functions are pure and thread-safe.
#ifndef CLEANROOM_DP_ACCOUNTING_H_
#define CLEANROOM_DP_ACCOUNTING_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace cleanroom::dp {

enum class AggregationType { kAvg, kCount, kCountDistinct, kSum, kStddev };

// Units of the per-aggregation cost each type spends: COUNT = COUNT_DISTINCT = SUM = 1, AVG = 2,
// STDDEV = 3.
int CostUnits(AggregationType type);

// The privacy budget of a collaboration in cost units (zCDP, discrete Gaussian with
// sigma = N x sensitivity, rho per unit = 1/(2N^2), total rho from epsilon at delta = kDelta;
// rounded down). kInvalidArgument outside epsilon 1-20, users_noise_per_query 10-100.
absl::StatusOr<int64_t> BudgetUnits(int epsilon, int users_noise_per_query);

// maxCount for one type: BudgetUnits / CostUnits, rounded down.
absl::StatusOr<int64_t> MaxCount(int epsilon, int users_noise_per_query, AggregationType type);

inline constexpr double kDelta = 1e-6;

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_ACCOUNTING_H_
