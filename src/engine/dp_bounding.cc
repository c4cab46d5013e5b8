#include "engine/dp_bounding.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "common/parallel.h"
#include "common/status_macros.h"

namespace cleanroom::engine {
namespace {

// Rows per partition to aim for: a partition's maps then take a few hundred KiB.
constexpr int64_t kRowsPerPartition = 16384;
constexpr int kMaxPartitionBits = 12;

uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }
double Double(uint64_t w) { return std::bit_cast<double>(w); }

// ceil(log2(max(1, n))), at most `max`: the bins of dp_query.cc's histograms.
int CountBin(int64_t n, int max) {
  double b = std::ceil(std::log2(static_cast<double>(std::max<int64_t>(1, n))));
  return static_cast<int>(std::min<double>(max, b));
}

// DuckDB's least / greatest order NaN above every number; the SQL statements clamp with them.
double Clamp(double x, double lo, double hi) {
  if (std::isnan(x)) return hi;
  return std::min(std::max(x, lo), hi);
}

}  // namespace

absl::StatusOr<DpBounding> DpBounding::Create(DpRowLayout layout, int writers, int threads,
                                              int64_t expected_rows) {
  if (layout.values < 0 || layout.values > 1024 ||
      layout.squared.size() != static_cast<size_t>(layout.values) || layout.counted < 0 ||
      layout.counted > 32) {
    return absl::InvalidArgumentError("row layout out of range");
  }
  if (writers < 1 || threads < 1) return absl::InvalidArgumentError("no threads");
  int bits = 0;
  while (bits < kMaxPartitionBits && (kRowsPerPartition << bits) < expected_rows) ++bits;
  return DpBounding(std::move(layout), writers, threads, bits);
}

DpBounding::DpBounding(DpRowLayout layout, int writers, int threads, int bits)
    : layout_(std::move(layout)), threads_(threads), bits_(bits), writers_(writers) {
  rows_.resize(writers, std::vector<std::vector<uint64_t>>(size_t{1} << bits));
  for (int w = 0; w < writers; ++w) {
    writers_[w].partitions_ = &rows_[w];
    writers_[w].shift_ = 64 - bits;
    writers_[w].values_ = layout_.values;
  }
}

void DpBounding::Writer::Add(std::string_view user, uint32_t group, uint32_t counted,
                             const double* values) {
  uint64_t hash = absl::HashOf(user);
  size_t p = shift_ >= 64 ? 0 : static_cast<size_t>(Mix(hash) >> shift_);
  std::vector<uint64_t>& out = (*partitions_)[p];
  size_t at = out.size(), words = (user.size() + 7) / 8;
  out.resize(at + 1 + words + 1 + values_);
  out[at] = user.size();
  if (!user.empty()) std::memcpy(&out[at + 1], user.data(), user.size());
  out[at + 1 + words] = group | (uint64_t{counted} << 32);
  uint64_t* value = &out[at + 2 + words];
  for (int j = 0; j < values_; ++j) {
    double v = values[j];
    value[j] = Bits(std::isfinite(v) ? v : std::numeric_limits<double>::quiet_NaN());
  }
}

void DpBounding::AggregatePartition(size_t p, std::vector<int64_t>* by_rows,
                                    std::vector<int64_t>* by_groups,
                                    std::vector<std::vector<int64_t>>* by_magnitude,
                                    int64_t* users) {
  const size_t pw = pair_words();
  const int values = layout_.values, counted = layout_.counted;
  // Per (user, group), in the order first seen, and the user of each. The user bytes stay in
  // the rows until the pairs are grouped by user.
  absl::flat_hash_map<std::pair<std::string_view, uint32_t>, uint32_t> pair_index;
  std::vector<uint64_t> pairs;
  std::vector<std::string_view> pair_users;
  for (std::vector<std::vector<uint64_t>>& writer : rows_) {
    const std::vector<uint64_t>& rows = writer[p];
    for (size_t r = 0; r < rows.size();) {
      const size_t length = rows[r], words = (length + 7) / 8;
      std::string_view user(reinterpret_cast<const char*>(&rows[r + 1]), length);
      const uint64_t* row = &rows[r + 1 + words];  // group | counted, values
      r += 2 + words + values;
      uint32_t group = static_cast<uint32_t>(row[0]);
      auto [it, added] =
          pair_index.try_emplace({user, group}, static_cast<uint32_t>(pair_users.size()));
      if (added) {
        pair_users.push_back(user);
        pairs.resize(pairs.size() + pw, 0);
        uint64_t* fresh = &pairs[pairs.size() - pw];
        fresh[0] = group;
        for (int j = 0; j < values; ++j) {
          uint64_t* v = fresh + 2 + counted + 4 * j;
          v[1] = v[2] = v[3] = Bits(0.0);
        }
      }
      uint64_t* pair = &pairs[static_cast<size_t>(it->second) * pw];
      ++pair[1];
      uint32_t mask = static_cast<uint32_t>(row[0] >> 32);
      for (int i = 0; i < counted; ++i) pair[2 + i] += (mask >> i) & 1;
      for (int j = 0; j < values; ++j) {
        double x = Double(row[1 + j]);
        if (std::isnan(x)) continue;
        uint64_t* v = pair + 2 + counted + 4 * j;
        ++v[0];
        v[1] = Bits(Double(v[1]) + x);
        v[2] = Bits(std::max(Double(v[2]), std::fabs(x)));
        if (layout_.squared[j]) v[3] = Bits(Double(v[3]) + x * x);
      }
    }
  }
  pair_index = {};

  // Grouped by user, users in the order first seen.
  absl::flat_hash_map<std::string_view, uint32_t> user_index;
  std::vector<uint32_t> pair_user(pair_users.size());
  std::vector<uint32_t> starts;
  for (size_t i = 0; i < pair_user.size(); ++i) {
    auto [it, added] = user_index.try_emplace(pair_users[i], static_cast<uint32_t>(starts.size()));
    if (added) starts.push_back(0);
    pair_user[i] = it->second;
    ++starts[it->second];
  }
  user_index = {};
  pair_users = {};
  for (std::vector<std::vector<uint64_t>>& writer : rows_) std::vector<uint64_t>().swap(writer[p]);
  uint32_t at = 0;
  for (uint32_t& s : starts) at += std::exchange(s, at);
  starts.push_back(at);
  std::vector<uint64_t> grouped(pairs.size());
  std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
  for (size_t i = 0; i < pair_user.size(); ++i) {
    std::memcpy(&grouped[static_cast<size_t>(next[pair_user[i]]++) * pw], &pairs[i * pw],
                pw * sizeof(uint64_t));
  }

  // Per user: groups, most rows in a group, largest magnitudes.
  const double min_magnitude = std::ldexp(1.0, kDpMinValueExponent);
  std::vector<double> largest(values);
  for (size_t u = 0; u + 1 < starts.size(); ++u) {
    int64_t rows = 0;
    std::fill(largest.begin(), largest.end(), 0.0);
    for (uint32_t i = starts[u]; i < starts[u + 1]; ++i) {
      const uint64_t* pair = &grouped[static_cast<size_t>(i) * pw];
      rows = std::max(rows, static_cast<int64_t>(pair[1]));
      for (int j = 0; j < values; ++j)
        largest[j] = std::max(largest[j], Double(pair[2 + counted + 4 * j + 2]));
    }
    ++(*by_rows)[CountBin(rows, kDpMaxRowExponent)];
    ++(*by_groups)[CountBin(starts[u + 1] - starts[u], kDpMaxGroupExponent)];
    for (int j = 0; j < values; ++j) {
      int bin = largest[j] <= min_magnitude
                    ? kDpMinValueExponent
                    : static_cast<int>(
                          std::min<double>(kDpMaxValueExponent, std::ceil(std::log2(largest[j]))));
      ++(*by_magnitude)[j][bin - kDpMinValueExponent];
    }
  }
  *users += static_cast<int64_t>(starts.size()) - 1;
  pairs_[p] = std::move(grouped);
  user_starts_[p] = std::move(starts);
}

absl::Status DpBounding::Aggregate(const std::function<bool()>& cancelled) {
  if (aggregated_) return absl::FailedPreconditionError("already aggregated");
  aggregated_ = true;
  const size_t partitions = size_t{1} << bits_;
  pairs_.assign(partitions, {});
  user_starts_.assign(partitions, {});
  const int values = layout_.values;
  const size_t magnitude_bins = kDpMaxValueExponent - kDpMinValueExponent + 1;
  std::vector<std::vector<int64_t>> by_rows(threads_,
                                            std::vector<int64_t>(kDpMaxRowExponent + 1, 0));
  std::vector<std::vector<int64_t>> by_groups(threads_,
                                              std::vector<int64_t>(kDpMaxGroupExponent + 1, 0));
  std::vector<std::vector<std::vector<int64_t>>> by_magnitude(
      threads_, std::vector<std::vector<int64_t>>(values, std::vector<int64_t>(magnitude_bins)));
  std::vector<int64_t> users(threads_, 0);
  std::atomic<size_t> next{0};
  RETURN_IF_ERROR(RunOnThreads(threads_, [&](int t) -> absl::Status {
    for (size_t p = next++; p < partitions; p = next++) {
      if (cancelled && cancelled()) return absl::CancelledError("the query was cancelled");
      AggregatePartition(p, &by_rows[t], &by_groups[t], &by_magnitude[t], &users[t]);
    }
    return absl::OkStatus();
  }));
  rows_.clear();
  users_by_rows_.assign(kDpMaxRowExponent + 1, 0);
  users_by_groups_.assign(kDpMaxGroupExponent + 1, 0);
  users_by_magnitude_.assign(values, std::vector<int64_t>(magnitude_bins, 0));
  users_ = 0;
  for (int t = 0; t < threads_; ++t) {
    for (size_t b = 0; b < users_by_rows_.size(); ++b) users_by_rows_[b] += by_rows[t][b];
    for (size_t b = 0; b < users_by_groups_.size(); ++b) users_by_groups_[b] += by_groups[t][b];
    for (int j = 0; j < values; ++j) {
      for (size_t b = 0; b < magnitude_bins; ++b)
        users_by_magnitude_[j][b] += by_magnitude[t][j][b];
    }
    users_ += users[t];
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DpGroup>> DpBounding::Groups(
    uint32_t group_count, int row_exponent, int group_exponent,
    const std::vector<int>& value_exponents, const std::vector<DpBoundedAggregate>& aggregates,
    const std::function<bool()>& cancelled) {
  if (!aggregated_) return absl::FailedPreconditionError("not aggregated");
  if (row_exponent < 0 || row_exponent > kDpMaxRowExponent || group_exponent < 0 ||
      group_exponent > kDpMaxGroupExponent ||
      value_exponents.size() != static_cast<size_t>(layout_.values)) {
    return absl::InvalidArgumentError("bounds out of range");
  }
  for (const DpBoundedAggregate& a : aggregates) {
    int limit = a.kind == DpBoundedAggregate::Kind::kCounted ? layout_.counted
                : a.kind == DpBoundedAggregate::Kind::kValue ? layout_.values
                                                             : 1;
    if (a.index < 0 || a.index >= limit || (a.squares && !layout_.squared[a.index]))
      return absl::InvalidArgumentError("an aggregate names what the rows do not carry");
  }
  const size_t pw = pair_words();
  const int counted = layout_.counted;
  const int64_t c = int64_t{1} << row_exponent;
  const size_t l = size_t{1} << group_exponent;
  // Per value: the bound C B of a user's sum in a group, of its sum of squares, and the grid.
  struct ValueBounds {
    double bound, square_bound, grid, square_grid;
  };
  std::vector<ValueBounds> bounds;
  for (int e : value_exponents) {
    if (e < kDpMinValueExponent || e > kDpMaxValueExponent)
      return absl::InvalidArgumentError("value bound out of range");
    bounds.push_back({static_cast<double>(c) * std::ldexp(1.0, e),
                      static_cast<double>(c) * std::ldexp(1.0, 2 * e),
                      std::ldexp(1.0, kDpGridBits - e), std::ldexp(1.0, 2 * (kDpGridBits - e))});
  }

  std::vector<std::vector<DpGroup>> per_thread(
      threads_, std::vector<DpGroup>(group_count,
                                     DpGroup{0, std::vector<DpAggregateTruth>(aggregates.size())}));
  std::atomic<size_t> next{0};
  absl::Status status = RunOnThreads(threads_, [&](int t) -> absl::Status {
    std::vector<DpGroup>& groups = per_thread[t];
    std::mt19937_64 random(std::random_device{}());
    std::vector<uint32_t> order;
    auto keep = [&](const uint64_t* pair) -> absl::Status {
      if (pair[0] >= group_count) return absl::InvalidArgumentError("group number out of range");
      DpGroup& g = groups[pair[0]];
      ++g.users;
      for (size_t i = 0; i < aggregates.size(); ++i) {
        const DpBoundedAggregate& a = aggregates[i];
        DpAggregateTruth& truth = g.aggregates[i];
        switch (a.kind) {
          case DpBoundedAggregate::Kind::kRows:
            truth.count += std::min<int64_t>(static_cast<int64_t>(pair[1]), c);
            break;
          case DpBoundedAggregate::Kind::kUsers:
            truth.count += 1;
            break;
          case DpBoundedAggregate::Kind::kCounted:
            truth.count += std::min<int64_t>(static_cast<int64_t>(pair[2 + a.index]), c);
            break;
          case DpBoundedAggregate::Kind::kValue: {
            const uint64_t* v = pair + 2 + counted + 4 * a.index;
            int64_t n = static_cast<int64_t>(v[0]);
            double scale = n > c ? static_cast<double>(c) / static_cast<double>(n) : 1.0;
            const ValueBounds& b = bounds[a.index];
            truth.count += std::min(n, c);
            truth.sum += static_cast<int64_t>(
                std::round(Clamp(Double(v[1]) * scale, -b.bound, b.bound) * b.grid));
            if (a.squares) {
              truth.sum_squares += static_cast<int64_t>(
                  std::round(Clamp(Double(v[3]) * scale, 0.0, b.square_bound) * b.square_grid));
            }
            break;
          }
        }
      }
      return absl::OkStatus();
    };
    for (size_t p = next++; p < pairs_.size(); p = next++) {
      if (cancelled && cancelled()) return absl::CancelledError("the query was cancelled");
      const std::vector<uint32_t>& starts = user_starts_[p];
      const uint64_t* pairs = pairs_[p].data();
      for (size_t u = 0; u + 1 < starts.size(); ++u) {
        size_t n = starts[u + 1] - starts[u];
        if (n <= l) {
          for (uint32_t i = starts[u]; i < starts[u + 1]; ++i)
            RETURN_IF_ERROR(keep(pairs + static_cast<size_t>(i) * pw));
          continue;
        }
        // L of the user's groups, uniformly at random (the first L of a partial shuffle).
        order.resize(n);
        for (size_t i = 0; i < n; ++i) order[i] = starts[u] + static_cast<uint32_t>(i);
        for (size_t i = 0; i < l; ++i) {
          size_t j = i + std::uniform_int_distribution<size_t>(0, n - 1 - i)(random);
          std::swap(order[i], order[j]);
          RETURN_IF_ERROR(keep(pairs + static_cast<size_t>(order[i]) * pw));
        }
      }
    }
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  std::vector<DpGroup> out = std::move(per_thread[0]);
  for (int t = 1; t < threads_; ++t) {
    for (uint32_t g = 0; g < group_count; ++g) {
      out[g].users += per_thread[t][g].users;
      for (size_t i = 0; i < aggregates.size(); ++i) {
        out[g].aggregates[i].count += per_thread[t][g].aggregates[i].count;
        out[g].aggregates[i].sum += per_thread[t][g].aggregates[i].sum;
        out[g].aggregates[i].sum_squares += per_thread[t][g].aggregates[i].sum_squares;
      }
    }
  }
  return out;
}

}  // namespace cleanroom::engine
