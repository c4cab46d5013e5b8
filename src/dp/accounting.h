// Privacy accounting of differential privacy: what one aggregation costs, how many of them a
// collaboration's privacy budget allows, and how much noise an aggregation adds.
//
// The mechanism is the discrete Gaussian (samplers.h) with zero-concentrated DP (zCDP)
// accounting. An aggregation whose result can change by at most Delta (its L2 sensitivity, in
// grid units) when one user's rows are added or removed gets noise with sigma = N * Delta,
// N being the budget template's usersNoisePerQuery: the noise hides N users' worth of
// contribution. A discrete Gaussian with sensitivity Delta and standard deviation sigma is
// Delta^2 / (2 sigma^2)-zCDP, so each such noisy value (one cost unit) spends
// rho = 1/(2 N^2) whatever the data, and zCDP costs add up. A budget of epsilon is worth the
// largest total rho that still implies (epsilon, kDelta)-DP (zcdp.h), so it holds
// floor(rho_total * 2 N^2) units. All functions are pure and thread-safe.
#ifndef CLEANROOM_DP_ACCOUNTING_H_
#define CLEANROOM_DP_ACCOUNTING_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "dp/rational.h"  // struct Rational {BigInt num, den;}: exact, arbitrary precision

namespace cleanroom::dp {

enum class AggregationType { kAvg, kCount, kCountDistinct, kSum, kStddev };

// Units of the per-aggregation cost each type spends: COUNT = COUNT_DISTINCT = SUM = 1, AVG = 2,
// STDDEV = 3. (AVG releases a noisy sum and a noisy count; STDDEV a noisy count, sum and sum of
// squares.)
int CostUnits(AggregationType type);

// The privacy budget of a collaboration in cost units: how many single-unit aggregations a
// budget of `epsilon` (1-20) allows when each adds noise hiding `users_noise_per_query` (10-100)
// users, under zCDP with the discrete Gaussian (sigma = N x L2 sensitivity, rho per unit =
// 1/(2N^2)) converted to (epsilon, kDelta)-DP.
// Rounded down: never more than the guarantee allows. The total rho is the tight conversion
// (CKS20 Corollary 13) rounded down to a multiple of 2^-32 (EpsilonToZcdpFixedPoint), and the
// units are floor(rho_total * 2 N^2) computed exactly from it. For example epsilon 1 allows 4
// units at N = 10 and 487 at N = 100; epsilon 20 allows 957 and 95787.
// kInvalidArgument outside the ranges.
absl::StatusOr<int64_t> BudgetUnits(int epsilon, int users_noise_per_query);

// maxCount for one type: BudgetUnits / CostUnits, rounded down. kInvalidArgument as
// BudgetUnits.
absl::StatusOr<int64_t> MaxCount(int epsilon, int users_noise_per_query, AggregationType type);

// The noise variance (sigma^2, as an exact rational num/den) for an aggregation whose one-user
// L2 sensitivity is `sensitivity` (an integer in grid units), at `users_noise_per_query` N:
// sigma = N * sensitivity, so the result is (N * sensitivity)^2 / 1. Meant for N >= 1 and
// sensitivity >= 1; it is computed exactly for any int64 values (0 gives a variance of 0, which
// the samplers refuse).
Rational NoiseVariance(int users_noise_per_query, int64_t sensitivity);

// The delta of the (epsilon, delta)-DP guarantee a budget stands for: the probability,
// over the noise, that the epsilon bound on the privacy loss may fail. 10^-6 is below
// 1/(number of users) for collaborations of up to a million users, the usual requirement
// (delta much smaller than 1/n, so that the guarantee cannot be met by publishing one whole
// user's data), and it is fixed so that a budget's size depends only on epsilon and N.
inline constexpr double kDelta = 1e-6;

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_ACCOUNTING_H_
