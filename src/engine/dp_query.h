// Differentially private execution of a query over tables whose users are protected
// (AWS Clean Rooms' CUSTOM analysis rule with differentialPrivacy).
//
// Engine::AnalyzeDp checks the shape AWS allows for the final SELECT of such a query and finds
// the user each row belongs to; Engine::ExecuteDp runs it with user-level contribution bounding
// and lets a DpMechanism (the `dp` module, outside the engine) choose the bounds and add the
// noise. The engine never sees noise parameters, and the mechanism never sees a row.
//
// How a query runs (docs/differential-privacy.md):
//  1. The final SELECT's FROM and WHERE produce rows, each with its user identifier, its GROUP BY
//     keys and the arguments of its aggregates. Every expression is evaluated with TRY, so a
//     conversion or overflow error on one user's data becomes NULL instead of failing the query.
//     Rows whose user identifier is NULL belong to no user and are dropped.
//  2. Histograms of users by their number of rows, and by the largest magnitude of each
//     aggregated value, go to the mechanism, which chooses (with noise) the rows a user may
//     contribute (userContributionLimit, a power of two up to kDpMaxRowExponent) and a bound
//     2^e for each value.
//     For a query with GROUP BY, a histogram of users by their number of groups likewise gives
//     the groups a user may contribute to.
//  3. Each user keeps at most that many groups and rows, chosen at random; values are clamped to
//     [-2^e, 2^e] and put on a grid of 2^(e - kDpGridBits), so sums are exact integers
//     (HUGEINT, which these bounds cannot overflow).
//  4. Per group: the number of users and, per aggregate, its count, sum and sum of squares go to
//     the mechanism, which decides which groups are released and with what values.
//  5. The released rows are written in the query's output order, with its ORDER BY and LIMIT.
#ifndef CLEANROOM_ENGINE_DP_QUERY_H_
#define CLEANROOM_ENGINE_DP_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "engine/resolved_query.h"

namespace cleanroom::engine {

// Histogram bins and grid: see DpMechanism.
inline constexpr int kDpMaxRowExponent = 8;    // a user keeps at most 2^8 = 256 rows
inline constexpr int kDpMinValueExponent = -16;
inline constexpr int kDpMaxValueExponent = 48;
inline constexpr int kDpGridBits = 16;  // a clamped value is an integer in [-2^16, 2^16]

// A table whose users differential privacy protects, and its user identifier column.
struct DpTable {
  std::string table;   // as queries name it
  std::string user_id_column;
};

enum class DpAggregateKind { kCount, kCountDistinct, kSum, kAvg, kStddevSamp, kStddevPop };

// One aggregate of the final SELECT.
struct DpAggregate {
  DpAggregateKind kind = DpAggregateKind::kCount;
  std::string expression;  // as DuckDB renders it, e.g. "count(DISTINCT o.user_id)"
  bool counts_rows = false;   // COUNT(*)
  bool counts_users = false;  // COUNT(DISTINCT <the user identifier>): at most 1 per user and group
  int value = -1;  // SUM / AVG / STDDEV: index of its argument in DpQuery::values
};

// One column of the result.
struct DpOutput {
  std::string name;
  bool is_key = false;  // a GROUP BY key (else an aggregate)
  int index = 0;        // into the keys or DpQuery::aggregates
};

struct DpQuery {
  std::vector<DpOutput> outputs;
  int key_count = 0;
  std::vector<DpAggregate> aggregates;
  std::vector<std::string> values;  // distinct arguments of SUM / AVG / STDDEV, as rendered
  std::string user_id;              // the expression of the user identifier in the final FROM
  // The final FROM and WHERE selecting the user identifier (the first output), then the GROUP
  // BY keys and the aggregates' arguments, resolved: what policies check about joins,
  // subqueries, windows and inner aggregations of a DP query.
  ResolvedQuery rows;
};

// True statistics of one group, after contribution bounding, in grid units.
struct DpAggregateTruth {
  absl::int128 count = 0;        // rows (or distinct values, or users) it counts
  absl::int128 sum = 0;          // SUM / AVG / STDDEV: sum of the clamped values
  absl::int128 sum_squares = 0;  // STDDEV
};
struct DpGroup {
  int64_t users = 0;  // distinct users with a kept row in the group
  std::vector<DpAggregateTruth> aggregates;  // as DpQuery::aggregates
};

// Chooses bounds and releases results; implemented outside the engine (dp::QueryMechanism).
class DpMechanism {
 public:
  virtual ~DpMechanism() = default;
  // users_by_rows[b] = users whose row count r has ceil(log2 r) = b (b = kDpMaxRowExponent for
  // all larger counts). Returns e: each user keeps at most 2^e rows (0 <= e <= kDpMaxRowExponent).
  virtual absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>& users_by_rows) = 0;
  // Queries with GROUP BY only, after ChooseRowExponent: users_by_groups[b] = users whose number
  // of distinct groups n has ceil(log2 n) = b (b = kDpMaxRowExponent for all larger numbers).
  // Returns e: each user keeps at most 2^e of its groups (0 <= e <= the row exponent).
  virtual absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>& users_by_groups) = 0;
  // For DpQuery::values[value]: users_by_magnitude[i] = users whose largest |value| m has
  // ceil(log2 m) = kDpMinValueExponent + i (clamped to the exponent range; m = 0 or no value: bin
  // 0). Returns e in [kDpMinValueExponent, kDpMaxValueExponent]: values are clamped to
  // [-2^e, 2^e] and a grid unit is 2^(e - kDpGridBits).
  virtual absl::StatusOr<int> ChooseValueExponent(int value,
                                                  const std::vector<int64_t>& users_by_magnitude) = 0;
  // The groups' true statistics (a query without GROUP BY has exactly one group). Returns, per
  // group, nullopt to withhold it, or one value per aggregate (NULL = nullopt), counts as whole
  // numbers.
  virtual absl::StatusOr<std::vector<std::optional<std::vector<std::optional<double>>>>> Release(
      const std::vector<DpGroup>& groups) = 0;
};


}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_DP_QUERY_H_
