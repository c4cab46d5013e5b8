// Tests of DpBounding against a plain re-computation of what it must produce (maps per user and
// per (user, group)), on random rows added from several threads; and of the random choice of L
// groups per user.
#include "engine/dp_bounding.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::engine {
namespace {

using ::testing::ElementsAreArray;

struct TestRow {
  std::string user;
  uint32_t group = 0;
  uint32_t counted = 0;
  std::vector<double> values;
};

// Per (user, group): rows, counted, per value count, sum, largest magnitude, sum of squares.
struct PairStats {
  int64_t rows = 0;
  std::vector<int64_t> counted;
  std::vector<int64_t> n;
  std::vector<double> sum, largest, squares;
};

std::map<std::pair<std::string, uint32_t>, PairStats> Pairs(const std::vector<TestRow>& rows,
                                                            int values, int counted) {
  std::map<std::pair<std::string, uint32_t>, PairStats> out;
  for (const TestRow& r : rows) {
    PairStats& p = out[{r.user, r.group}];
    if (p.n.empty()) {
      p.counted.assign(counted, 0);
      p.n.assign(values, 0);
      p.sum.assign(values, 0);
      p.largest.assign(values, 0);
      p.squares.assign(values, 0);
    }
    ++p.rows;
    for (int i = 0; i < counted; ++i) p.counted[i] += (r.counted >> i) & 1;
    for (int j = 0; j < values; ++j) {
      double v = r.values[j];
      if (!std::isfinite(v)) continue;
      ++p.n[j];
      p.sum[j] += v;
      p.largest[j] = std::max(p.largest[j], std::abs(v));
      p.squares[j] += v * v;
    }
  }
  return out;
}

int Bin(double x, int max) {
  return static_cast<int>(std::min<double>(max, std::ceil(std::log2(std::max(1.0, x)))));
}

// The rows: `users` users with 1 to `max_groups` groups each among `groups`, 1 to `max_rows`
// rows in each, two values (the second sometimes missing, NaN or infinite) and one counted
// argument that is NULL now and then.
std::vector<TestRow> RandomRows(int users, uint32_t groups, int max_groups, int max_rows,
                                uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<TestRow> rows;
  for (int u = 0; u < users; ++u) {
    // Users of several lengths, some sharing a prefix, one empty.
    std::string user = u == 0 ? "" : "user-" + std::to_string(u) + std::string(u % 13, 'x');
    int n = 1 + static_cast<int>(random() % max_groups);
    for (int g = 0; g < n; ++g) {
      uint32_t group = static_cast<uint32_t>(random() % groups);
      int k = 1 + static_cast<int>(random() % max_rows);
      for (int i = 0; i < k; ++i) {
        TestRow r{user, group, static_cast<uint32_t>(random() % 3 != 0), {}};
        r.values.push_back(static_cast<double>(static_cast<int64_t>(random() % 2001) - 1000) / 8);
        switch (random() % 10) {
          case 0:
            r.values.push_back(std::numeric_limits<double>::quiet_NaN());
            break;
          case 1:
            r.values.push_back(std::numeric_limits<double>::infinity());
            break;
          case 2:
            r.values.push_back(1e6 * static_cast<double>(random() % 100));  // beyond the bound
            break;
          default:
            r.values.push_back(static_cast<double>(random() % 64));
        }
        rows.push_back(std::move(r));
      }
    }
  }
  std::shuffle(rows.begin(), rows.end(), random);
  return rows;
}

// Adds `rows` through `writers` writers on as many threads.
DpBounding Bound(const std::vector<TestRow>& rows, DpRowLayout layout, int writers, int threads) {
  DpBounding b =
      DpBounding::Create(layout, writers, threads, static_cast<int64_t>(rows.size())).value();
  std::vector<std::thread> feeders;
  for (int w = 0; w < writers; ++w) {
    feeders.emplace_back([&, w] {
      for (size_t i = w; i < rows.size(); i += writers) {
        const TestRow& r = rows[i];
        b.writer(w).Add(r.user, r.group, r.counted, r.values.data());
      }
    });
  }
  for (std::thread& t : feeders) t.join();
  return b;
}

const auto kNever = [] { return false; };

TEST(DpBoundingTest, HistogramsAndStatisticsMatchAPlainComputation) {
  constexpr uint32_t kGroups = 7;
  // Enough rows for many partitions (16,384 rows each).
  std::vector<TestRow> rows = RandomRows(/*users=*/20000, kGroups, /*max_groups=*/5,
                                         /*max_rows=*/6, /*seed=*/42);
  ASSERT_GT(rows.size(), 100000u);
  DpBounding b = Bound(rows, DpRowLayout{2, {false, true}, 1}, /*writers=*/3, /*threads=*/2);
  ASSERT_TRUE(b.Aggregate(kNever).ok());

  auto pairs = Pairs(rows, 2, 1);
  // Per user: groups, most rows, largest magnitudes.
  std::map<std::string, std::tuple<int64_t, int64_t, double, double>> users;
  for (const auto& [key, p] : pairs) {
    auto& [g, r, m0, m1] = users[key.first];
    ++g;
    r = std::max(r, p.rows);
    m0 = std::max(m0, p.largest[0]);
    m1 = std::max(m1, p.largest[1]);
  }
  std::vector<int64_t> by_rows(kDpMaxRowExponent + 1), by_groups(kDpMaxGroupExponent + 1);
  std::vector<std::vector<int64_t>> by_magnitude(
      2, std::vector<int64_t>(kDpMaxValueExponent - kDpMinValueExponent + 1));
  for (const auto& [user, s] : users) {
    const auto& [g, r, m0, m1] = s;
    ++by_rows[Bin(static_cast<double>(r), kDpMaxRowExponent)];
    ++by_groups[Bin(static_cast<double>(g), kDpMaxGroupExponent)];
    int j = 0;
    for (double m : {m0, m1}) {
      int e =
          m <= std::ldexp(1.0, kDpMinValueExponent)
              ? kDpMinValueExponent
              : static_cast<int>(std::min<double>(kDpMaxValueExponent, std::ceil(std::log2(m))));
      ++by_magnitude[j++][e - kDpMinValueExponent];
    }
  }
  EXPECT_EQ(b.users(), static_cast<int64_t>(users.size()));
  EXPECT_THAT(b.users_by_rows(), ElementsAreArray(by_rows));
  EXPECT_THAT(b.users_by_groups(), ElementsAreArray(by_groups));
  EXPECT_THAT(b.users_by_magnitude(0), ElementsAreArray(by_magnitude[0]));
  EXPECT_THAT(b.users_by_magnitude(1), ElementsAreArray(by_magnitude[1]));

  // With L = 8 >= every user's groups, every pair is kept: the statistics are exact.
  const int row_exponent = 2;  // C = 4 rows' worth per user and group
  const std::vector<int> value_exponents = {7, 3};
  std::vector<DpBoundedAggregate> aggregates = {
      {DpBoundedAggregate::Kind::kRows, 0, false},    {DpBoundedAggregate::Kind::kUsers, 0, false},
      {DpBoundedAggregate::Kind::kCounted, 0, false}, {DpBoundedAggregate::Kind::kValue, 0, false},
      {DpBoundedAggregate::Kind::kValue, 1, true},
  };
  absl::StatusOr<std::vector<DpGroup>> got =
      b.Groups(kGroups, row_exponent, /*group_exponent=*/3, value_exponents, aggregates, kNever);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), kGroups);

  const int64_t c = 4;
  std::vector<DpGroup> want(kGroups, DpGroup{0, std::vector<DpAggregateTruth>(5)});
  for (const auto& [key, p] : pairs) {
    DpGroup& g = want[key.second];
    ++g.users;
    g.aggregates[0].count += std::min(p.rows, c);
    g.aggregates[1].count += 1;
    g.aggregates[2].count += std::min(p.counted[0], c);
    for (int j = 0; j < 2; ++j) {
      DpAggregateTruth& t = g.aggregates[3 + j];
      double scale = p.n[j] > c ? static_cast<double>(c) / static_cast<double>(p.n[j]) : 1.0;
      double bound = static_cast<double>(c) * std::ldexp(1.0, value_exponents[j]);
      t.count += std::min(p.n[j], c);
      t.sum += static_cast<int64_t>(std::round(std::clamp(p.sum[j] * scale, -bound, bound) *
                                               std::ldexp(1.0, kDpGridBits - value_exponents[j])));
      if (j == 1) {
        double square_bound = static_cast<double>(c) * std::ldexp(1.0, 2 * value_exponents[j]);
        t.sum_squares += static_cast<int64_t>(
            std::round(std::clamp(p.squares[j] * scale, 0.0, square_bound) *
                       std::ldexp(1.0, 2 * (kDpGridBits - value_exponents[j]))));
      }
    }
  }
  for (uint32_t g = 0; g < kGroups; ++g) {
    SCOPED_TRACE(g);
    EXPECT_EQ((*got)[g].users, want[g].users);
    for (size_t i = 0; i < aggregates.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_TRUE((*got)[g].aggregates[i].count == want[g].aggregates[i].count);
      EXPECT_TRUE((*got)[g].aggregates[i].sum == want[g].aggregates[i].sum);
      EXPECT_TRUE((*got)[g].aggregates[i].sum_squares == want[g].aggregates[i].sum_squares);
    }
  }
  // Sums were clamped somewhere (the large values), so the bound did something.
  int64_t unclamped = 0;
  for (const auto& [key, p] : pairs) unclamped += p.sum[1] > 1e5 ? 1 : 0;
  EXPECT_GT(unclamped, 0);
}

TEST(DpBoundingTest, EachUserKeepsAtMostLGroupsChosenUniformly) {
  // User "a" has 8 groups with one row each, user "b" 2 groups; L = 2.
  std::vector<TestRow> rows;
  for (uint32_t g = 0; g < 8; ++g) rows.push_back({"a", g, 0, {}});
  rows.push_back({"b", 0, 0, {}});
  rows.push_back({"b", 5, 0, {}});
  std::vector<int64_t> chosen(8, 0);
  constexpr int kRuns = 4000;
  for (int run = 0; run < kRuns; ++run) {
    DpBounding b = Bound(rows, DpRowLayout{}, 1, 1);
    ASSERT_TRUE(b.Aggregate(kNever).ok());
    auto groups = b.Groups(8, 0, /*group_exponent=*/1, {},
                           {{DpBoundedAggregate::Kind::kUsers, 0, false}}, kNever);
    ASSERT_TRUE(groups.ok());
    int64_t kept = 0;
    for (uint32_t g = 0; g < 8; ++g) {
      int64_t a = (*groups)[g].users - ((g == 0 || g == 5) ? 1 : 0);  // b keeps both of its
      ASSERT_GE(a, 0);
      chosen[g] += a;
      kept += a;
    }
    ASSERT_EQ(kept, 2);
  }
  // Each of a's groups is kept with probability 2/8: 1,000 of 4,000 runs, sd about 27.
  for (uint32_t g = 0; g < 8; ++g) {
    EXPECT_NEAR(chosen[g], kRuns / 4, 150) << g;
  }
}

TEST(DpBoundingTest, RowsOfOneUserAreCappedAndScaled) {
  // One user, one group, 10 rows of 100: C = 4 rows' worth scales the sum to 400.
  std::vector<TestRow> rows(10, TestRow{"u", 0, 1, {100.0}});
  DpBounding b = Bound(rows, DpRowLayout{1, {false}, 1}, 2, 2);
  ASSERT_TRUE(b.Aggregate(kNever).ok());
  EXPECT_THAT(b.users_by_rows(), ElementsAreArray({0, 0, 0, 0, 1, 0, 0, 0, 0}));
  auto groups = b.Groups(1, 2, 0, {10},
                         {{DpBoundedAggregate::Kind::kRows, 0, false},
                          {DpBoundedAggregate::Kind::kCounted, 0, false},
                          {DpBoundedAggregate::Kind::kValue, 0, false}},
                         kNever);
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ((*groups)[0].users, 1);
  EXPECT_TRUE((*groups)[0].aggregates[0].count == 4);
  EXPECT_TRUE((*groups)[0].aggregates[1].count == 4);
  EXPECT_TRUE((*groups)[0].aggregates[2].count == 4);
  // 400 in grid units of 2^10 / 2^12.
  EXPECT_TRUE((*groups)[0].aggregates[2].sum == 1600);
}

TEST(DpBoundingTest, CancelledAndInvalid) {
  std::vector<TestRow> rows = RandomRows(100, 3, 2, 2, 7);
  DpBounding b = Bound(rows, DpRowLayout{2, {false, false}, 1}, 1, 2);
  EXPECT_EQ(b.Aggregate([] { return true; }).code(), absl::StatusCode::kCancelled);
  DpBounding ok = Bound(rows, DpRowLayout{2, {false, false}, 1}, 1, 2);
  ASSERT_TRUE(ok.Aggregate(kNever).ok());
  EXPECT_EQ(ok.Aggregate(kNever).code(), absl::StatusCode::kFailedPrecondition);
  // Squares of a value whose squares were not kept; a counted argument beyond the layout; a
  // group number the rows exceed; bounds out of range.
  EXPECT_EQ(ok.Groups(3, 0, 0, {0, 0}, {{DpBoundedAggregate::Kind::kValue, 0, true}}, kNever)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ok.Groups(3, 0, 0, {0, 0}, {{DpBoundedAggregate::Kind::kCounted, 1, false}}, kNever)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ok.Groups(1, 0, 8, {0, 0}, {{DpBoundedAggregate::Kind::kRows, 0, false}}, kNever)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ok.Groups(3, 9, 0, {0, 0}, {}, kNever).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ok.Groups(3, 0, 0, {0}, {}, kNever).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ok.Groups(3, 0, 0, {0, 0}, {}, [] { return true; }).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(DpBounding::Create(DpRowLayout{1, {}, 0}, 1, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DpBounding::Create(DpRowLayout{0, {}, 33}, 1, 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cleanroom::engine
