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
//     keys and the arguments of its aggregates. Every computed expression is evaluated under TRY,
//     so a conversion or overflow error on one user's data becomes NULL instead of failing the
//     query. Rows whose user identifier is NULL belong to no user and are dropped.
//  2. They are aggregated per user and group: rows, non-NULL values, and per aggregated value its
//     count, sum, largest magnitude and, for STDDEV, sum of squares; then per user. Steps 2 to 4
//     run in memory (dp_bounding.h) when the rows are read once (no COUNT(DISTINCT) of a column
//     other than the user identifier), their user identifiers and keys compare as bytes and they
//     fit in the memory limit (EngineOptions::dp_in_memory turns this off); otherwise as SQL
//     statements, whose per-(user, group) and per-user results later statements scan in place.
//  3. Histograms of users by their most rows in a group, by their number of groups, and by the
//     largest magnitude of each value go to the mechanism, which chooses (with noise) C = 2^e
//     rows' worth per user and group (at most 2^kDpMaxRowExponent), L = 2^e groups per user (at
//     most 2^kDpMaxGroupExponent; userContributionLimit is C L) and a bound B = 2^e per value.
//  4. Each user keeps at most L of its groups, chosen at random (only users with more than L
//     groups need the choice). In each, counts are capped at C
//     and sums are scaled down to C rows' worth when the user has more, then clamped to
//     [-C B, C B] (squares to [0, C B^2]) and put on a grid of B / 2^kDpGridBits (squares:
//     (B / 2^kDpGridBits)^2), so per-group sums are exact integers (HUGEINT, which these bounds
//     cannot overflow). Per group: the number of users and, per aggregate, its count, sum and sum
//     of squares go to the mechanism, which decides which groups are released and with what
//     values.
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
inline constexpr int kDpMaxRowExponent = 8;    // at most 2^8 = 256 rows' worth per user and group
inline constexpr int kDpMaxGroupExponent = 8;  // at most 2^8 = 256 groups per user
inline constexpr int kDpMinValueExponent = -16;
inline constexpr int kDpMaxValueExponent = 48;
inline constexpr int kDpGridBits = 12;  // a value of magnitude B is 2^12 grid units

// A table whose users differential privacy protects, and its user identifier column.
struct DpTable {
  std::string table;  // as queries name it
  std::string user_id_column;
};

enum class DpAggregateKind { kCount, kCountDistinct, kSum, kAvg, kStddevSamp, kStddevPop };

// One aggregate of the final SELECT.
struct DpAggregate {
  DpAggregateKind kind = DpAggregateKind::kCount;
  std::string expression;     // as DuckDB renders it, e.g. "count(DISTINCT o.user_id)"
  bool counts_rows = false;   // COUNT(*)
  bool counts_users = false;  // COUNT(DISTINCT <the user identifier>): at most 1 per user and group
  int value = -1;             // SUM / AVG / STDDEV: index of its argument in DpQuery::values
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
  absl::int128 count = 0;  // rows (or distinct values, or users) it counts, capped per user
  absl::int128 sum = 0;    // SUM / AVG / STDDEV: sum of the clamped per-user sums, in grid units
  absl::int128 sum_squares =
      0;  // STDDEV only (else 0): likewise for squares, in squared grid units
};
struct DpGroup {
  int64_t users = 0;                         // distinct users with a kept row in the group
  std::vector<DpAggregateTruth> aggregates;  // as DpQuery::aggregates
};

// Chooses bounds and releases results; implemented outside the engine (dp::QueryMechanism).
class DpMechanism {
 public:
  virtual ~DpMechanism() = default;
  // users_by_rows[b] = users whose largest number of rows in one group r has ceil(log2 r) = b
  // (b = kDpMaxRowExponent for all larger numbers). Returns e: a user contributes at most 2^e
  // rows' worth to each group (0 <= e <= kDpMaxRowExponent).
  virtual absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>& users_by_rows) = 0;
  // Queries with GROUP BY only, after ChooseRowExponent: users_by_groups[b] = users whose number
  // of groups n has ceil(log2 n) = b (b = kDpMaxGroupExponent for all larger numbers).
  // Returns e: each user keeps at most 2^e of its groups (0 <= e <= kDpMaxGroupExponent).
  virtual absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>& users_by_groups) = 0;
  // For DpQuery::values[value]: users_by_magnitude[i] = users whose largest |value| m has
  // ceil(log2 m) = kDpMinValueExponent + i (clamped to the exponent range; m = 0 or no value: bin
  // 0). Returns e in [kDpMinValueExponent, kDpMaxValueExponent]: B = 2^e (step 4 above).
  virtual absl::StatusOr<int> ChooseValueExponent(
      int value, const std::vector<int64_t>& users_by_magnitude) = 0;
  // The groups' true statistics (a query without GROUP BY has exactly one group). Returns, per
  // group, nullopt to withhold it, or one value per aggregate (NULL = nullopt), counts as whole
  // numbers.
  virtual absl::StatusOr<std::vector<std::optional<std::vector<std::optional<double>>>>> Release(
      const std::vector<DpGroup>& groups) = 0;
};

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_DP_QUERY_H_
