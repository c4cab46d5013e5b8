// User-level contribution bounding of a differentially private query's rows, in memory
// (steps 2 to 4 of Engine::ExecuteDp, dp_query.h, when the rows fit in memory and their user
// identifiers and group keys can be compared as bytes).
//
// The rows are spread by user into partitions small enough that one partition's users and
// (user, group) pairs stay in the CPU's cache, then each partition is aggregated on its own,
// on several threads: per (user, group) its rows and, per value, its count, sum, largest
// magnitude and sum of squares; per user its number of groups, most rows in a group and largest
// magnitudes, which make the histograms the mechanism chooses the bounds from. Then each user
// keeps at most L of its groups, chosen uniformly at random, and each kept (user, group)
// contributes counts capped at C and sums scaled to C rows' worth, clamped and put on the grid,
// exactly as the SQL statements of dp_query.cc compute them.
//
// Nothing here knows SQL or DuckDB: a user is the bytes of its identifier (two rows belong to
// the same user exactly when those bytes are equal), and a group is a number the caller assigns,
// one per combination of GROUP BY keys.
#ifndef CLEANROOM_ENGINE_DP_BOUNDING_H_
#define CLEANROOM_ENGINE_DP_BOUNDING_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/dp_query.h"

namespace cleanroom::engine {

// What each row carries besides its user and group.
struct DpRowLayout {
  int values = 0;             // SUM / AVG / STDDEV arguments (DpQuery::values), as doubles
  std::vector<bool> squared;  // per value: whether a STDDEV needs its sums of squares
  int counted = 0;            // COUNT(x) arguments whose non-NULL rows are counted (<= 32)
};

// What one aggregate of the query counts and sums, per kept (user, group).
struct DpBoundedAggregate {
  enum class Kind {
    kRows,     // COUNT(*): rows, capped at C
    kUsers,    // COUNT(DISTINCT <user identifier>): 1
    kCounted,  // COUNT(x): rows whose counted argument `index` is not NULL, capped at C
    kValue,    // SUM / AVG / STDDEV of value `index`: its count capped at C, clamped sum
  };
  Kind kind = Kind::kRows;
  int index = 0;
  bool squares = false;  // kValue: also the clamped sum of squares (STDDEV)
};

class DpBounding {
 public:
  // `writers` threads add rows at once (one Writer each); `threads` threads aggregate;
  // `expected_rows` sizes the partitions. kInvalidArgument for a layout out of range.
  static absl::StatusOr<DpBounding> Create(DpRowLayout layout, int writers, int threads,
                                           int64_t expected_rows);

  DpBounding(DpBounding&&) = default;
  DpBounding& operator=(DpBounding&&) = default;

  // Adds rows. Each Writer is used by one thread at a time; different Writers may be used at
  // once. Not after Aggregate.
  class Writer {
   public:
    // `values` has layout.values entries; NaN (also for NULL and infinities) counts as no value.
    // Bit i of `counted` is set when counted argument i is not NULL.
    void Add(std::string_view user, uint32_t group, uint32_t counted, const double* values);

   private:
    friend class DpBounding;
    std::vector<std::vector<uint64_t>>* partitions_ = nullptr;  // this writer's, per partition
    int shift_ = 64;                                            // 64 - partition bits
    int values_ = 0;
  };
  Writer& writer(int i) { return writers_[i]; }

  // Step 2: aggregates every partition per (user, group) and per user, and fills the
  // histograms. Frees the rows as it goes. kCancelled as soon as `cancelled` returns true
  // (checked between partitions).
  absl::Status Aggregate(const std::function<bool()>& cancelled);

  // Histograms after Aggregate, binned as DpMechanism expects them.
  const std::vector<int64_t>& users_by_rows() const { return users_by_rows_; }
  const std::vector<int64_t>& users_by_groups() const { return users_by_groups_; }
  const std::vector<int64_t>& users_by_magnitude(int value) const {
    return users_by_magnitude_[value];
  }
  int64_t users() const { return users_; }

  // Step 4, after Aggregate: per group number in [0, group_count), its users and the
  // truths of `aggregates`, with each user keeping at most 2^group_exponent of its groups, at
  // random, and at most 2^row_exponent rows' worth in each; value v bounded by
  // 2^value_exponents[v] per row. A group no user keeps has users == 0. kInvalidArgument if
  // a group number added is not below group_count or an aggregate names what the layout lacks.
  absl::StatusOr<std::vector<DpGroup>> Groups(uint32_t group_count, int row_exponent,
                                              int group_exponent,
                                              const std::vector<int>& value_exponents,
                                              const std::vector<DpBoundedAggregate>& aggregates,
                                              const std::function<bool()>& cancelled);

 private:
  struct Partition;
  DpBounding(DpRowLayout layout, int writers, int threads, int bits);

  // A row is words: the user's length in bytes, its bytes (padded to whole words), group |
  // counted << 32, then one per value.
  // Words of a (user, group) pair: group, rows, per counted argument its count, per value its
  // count, sum, largest magnitude and sum of squares.
  size_t pair_words() const {
    return 2 + layout_.counted + 4 * static_cast<size_t>(layout_.values);
  }
  // Aggregates partition p into pairs_[p] and user_starts_[p], adds its users to the
  // histograms and `users`, and frees its rows.
  void AggregatePartition(size_t p, std::vector<int64_t>* by_rows, std::vector<int64_t>* by_groups,
                          std::vector<std::vector<int64_t>>* by_magnitude, int64_t* users);

  DpRowLayout layout_;
  int threads_ = 1;
  int bits_ = 0;  // 2^bits_ partitions
  std::vector<Writer> writers_;
  // Rows, [writer][partition], as Writer::Add lays them out.
  std::vector<std::vector<std::vector<uint64_t>>> rows_;
  // Per partition after Aggregate: pair records grouped by user, and where each user's start.
  std::vector<std::vector<uint64_t>> pairs_;
  std::vector<std::vector<uint32_t>> user_starts_;
  std::vector<int64_t> users_by_rows_, users_by_groups_;
  std::vector<std::vector<int64_t>> users_by_magnitude_;
  int64_t users_ = 0;
  bool aggregated_ = false;
};

}  // namespace cleanroom::engine

#endif  // CLEANROOM_ENGINE_DP_BOUNDING_H_
