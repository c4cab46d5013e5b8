// The noise of one differentially private query: how its contribution bounds are chosen, how
// much noise each released value gets, which groups are released, and the values released.
//
// A query's aggregations cost U = sum of CostUnits(type) units of the collaboration's budget,
// i.e. zCDP rho = U / (2 N^2) with N = usersNoisePerQuery (accounting.h). That rho pays for every
// noisy value the query computes ("releases", R of them):
//   - one value per unit: a COUNT's count, a SUM's sum, an AVG's sum and count, a STDDEV's count,
//     sum and sum of squares;
//   - one histogram of users by their most rows in one group, from which the rows' worth a user
//     may contribute to each group (C = 2^e) is chosen;
//   - one histogram per SUM / AVG / STDDEV argument, of users by the magnitude of their largest
//     value, from which the bound B = 2^e is chosen;
//   - for a query with GROUP BY, one histogram of users by their number of groups, from which the
//     groups a user may contribute to (L = 2^e) are chosen, and the number of users in each
//     group, which decides whether the group is released.
// Each release gets rho / R: a release whose one-user L2 sensitivity is Delta gets discrete
// Gaussian noise with sigma^2 = Delta^2 N^2 R / U, so sigma >= N Delta (the noise hides at least
// N users, as usersNoisePerQuery promises) and the query spends exactly its U units.
//
// Sensitivities, with every user keeping at most L groups, adding at most C to each count, its
// sums clamped to C B and put on a grid of g = B / 2^grid_bits (so at most C G grid units, G =
// 2^grid_bits) and its sums of squares to C B^2 (C G^2 squared grid units):
//   counts (rows, non-NULL values, distinct values): sqrt(L) C;  count of distinct users and
//   users per group: sqrt(L);  sum: sqrt(L) C G;  sum of squares: sqrt(L) C G^2;
//   histograms: 1 (a user is in exactly one bin).
// (L = 1 without GROUP BY.)
// A group is released when its noisy user count reaches GroupThreshold(), chosen so that a group
// held by a single user is released with probability below 10^-12 (over all its <= L groups):
// the (epsilon, delta) guarantee of the budget then holds with delta increased by 10^-12 per
// query. A query without GROUP BY has one group, always released.
//
// Not thread-safe; one object per query. Noise comes from the NoiseSource.
#ifndef CLEANROOM_DP_QUERY_MECHANISM_H_
#define CLEANROOM_DP_QUERY_MECHANISM_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "dp/accounting.h"
#include "dp/noise_source.h"
#include "dp/rational.h"

namespace cleanroom::dp {

// One aggregation of the query's final SELECT.
struct QueryAggregate {
  AggregationType type = AggregationType::kCount;
  bool counts_users = false;  // COUNT(DISTINCT <user identifier>)
  bool population = false;    // STDDEV_POP rather than the sample standard deviation
  int value = -1;             // SUM / AVG / STDDEV: which bounded value it aggregates
};

// A group's true statistics after contribution bounding (sums in grid units).
struct AggregateTruth {
  absl::int128 count = 0;
  absl::int128 sum = 0;
  absl::int128 sum_squares = 0;
};
struct GroupTruth {
  int64_t users = 0;
  std::vector<AggregateTruth> aggregates;  // as the query's aggregates
};

// Per group: nullopt if withheld, else one value per aggregate (nullopt: NULL).
using ReleasedRow = std::optional<std::vector<std::optional<double>>>;

// How long a DP query is held before its results are released: its run time `elapsed_millis`,
// at least one second, stretched by the factor 2^(stretch / 2) and rounded up to a whole
// millisecond, where `stretch` is drawn uniformly from [0, 1) for each query
// (NoiseSource::Uniform). For a run time t of a second or more, log2 of the hold is then uniform
// on [log2 t, log2 t + 1/2): two run times t <= t' give holds whose distributions are at total
// variation distance min(1, 2 log2(t' / t)), so one user whose rows change the run time by a
// factor 1 + g changes when the results appear with probability at most 2 log2(1 + g), about
// 2.9 g. A query that runs under a second is held for a time that says nothing of its data. The
// hold is sqrt(2) times the run time at most, 1.195 times on average. `stretch` outside [0, 1)
// is taken as 0 or as just below 1.
int64_t PaddedDurationMillis(int64_t elapsed_millis, double stretch);

class QueryMechanism {
 public:
  // kInvalidArgument unless 1 <= users_noise_per_query <= 100, there is at least one aggregate,
  // every SUM / AVG / STDDEV names a value in [0, value_count) and no other aggregate does, and
  // 1 <= grid_bits <= 20. `noise` must outlive the object.
  static absl::StatusOr<QueryMechanism> Create(NoiseSource* noise, int users_noise_per_query,
                                               std::vector<QueryAggregate> aggregates,
                                               int value_count, bool grouped, int grid_bits);

  int64_t units() const { return units_; }
  int releases() const { return releases_; }
  // The noise variance of a release whose squared one-user sensitivity is `delta_squared`.
  Rational Variance(const BigInt& delta_squared) const;
  // The noisy user count a group needs to be released, for a group limit of 2^group_exponent.
  int64_t GroupThreshold(int group_exponent) const;

  // Chooses a bin from a histogram of users (one bin per user, so sensitivity 1): every bin gets
  // noise, and the result is the highest bin whose noisy count reaches 3 sigma, or, if none
  // does, the bin with the largest noisy count. Returns the bin's index.
  absl::StatusOr<int> ChooseBin(const std::vector<int64_t>& users_by_bin);
  // ChooseBin over users by ceil(log2(their most rows in one group)); sets and returns the row
  // exponent (C = 2^e).
  absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>& users_by_rows);
  // GROUP BY queries, after ChooseRowExponent: ChooseBin over users by ceil(log2(groups)); sets
  // and returns the group exponent (L = 2^e).
  absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>& users_by_groups);
  // ChooseBin over users by the exponent of their largest |value| (bin i is exponent
  // min_exponent + i); sets and returns value `value`'s bound exponent.
  absl::StatusOr<int> ChooseValueExponent(int value, const std::vector<int64_t>& users_by_magnitude,
                                          int min_exponent);
  int row_exponent() const { return row_exponent_; }
  int group_exponent() const { return group_exponent_; }
  const std::vector<int>& value_exponents() const { return value_exponents_; }

  // Releases the groups (after the exponents were chosen): noise on every value, groups below
  // the threshold withheld, then post-processing: counts are rounded down at zero, AVG is the
  // noisy sum over the noisy count clamped to [-B, B], STDDEV is computed from the noisy count,
  // sum and sum of squares and clamped to [0, B].
  absl::StatusOr<std::vector<ReleasedRow>> Release(const std::vector<GroupTruth>& groups);

 private:
  QueryMechanism(NoiseSource* noise, int n, std::vector<QueryAggregate> aggregates, int value_count,
                 bool grouped, int grid_bits);
  absl::StatusOr<absl::int128> Noisy(absl::int128 truth, const BigInt& delta_squared);

  NoiseSource* noise_;
  int n_;
  std::vector<QueryAggregate> aggregates_;
  bool grouped_;
  int grid_bits_;
  int64_t units_ = 0;
  int releases_ = 0;
  int row_exponent_ = -1;
  int group_exponent_ = 0;
  std::vector<int> value_exponents_;
};

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_QUERY_MECHANISM_H_
