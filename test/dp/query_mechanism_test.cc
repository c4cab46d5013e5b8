// Tests of dp::QueryMechanism with noise from a seeded Random: argument checks, the accounting of
// units and releases, exact noise variances, group thresholds, bound choices, and the released
// values' post-processing and distribution. Statistical checks reject at p < 1e-6 (or at 6
// standard errors); the seeds are fixed, so a run is reproducible.
#include "dp/query_mechanism.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "dp/noise_source.h"
#include "dp/seeded_random.h"
#include "dp/stats.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

using testing::ChiSquareSurvival;
using testing::DiscreteGaussianPmf;
using testing::Pmf;

constexpr double kRejectP = 1e-6;

QueryAggregate Count() { return {.type = AggregationType::kCount}; }
QueryAggregate CountDistinct() { return {.type = AggregationType::kCountDistinct}; }
QueryAggregate CountUsers() {
  return {.type = AggregationType::kCountDistinct, .counts_users = true};
}
QueryAggregate Sum(int value) { return {.type = AggregationType::kSum, .value = value}; }
QueryAggregate Avg(int value) { return {.type = AggregationType::kAvg, .value = value}; }
QueryAggregate Stddev(int value, bool population = false) {
  return {.type = AggregationType::kStddev, .population = population, .value = value};
}

long double ToLongDouble(const Rational& r) {
  return static_cast<long double>(r.num) / static_cast<long double>(r.den);
}

// A histogram whose last bin, `bin`, holds every user: ChooseBin picks it whatever the noise
// (no bin above it could reach the threshold instead).
std::vector<int64_t> AllIn(int bin) {
  std::vector<int64_t> h(bin + 1, 0);
  h.back() = 1000000;
  return h;
}

// P(Z >= d) for Z discrete Gaussian with variance sigma2.
long double UpperTail(long double sigma2, int64_t d) {
  const Pmf pmf = DiscreteGaussianPmf(sigma2);
  long double sum = 0;
  const auto reach = static_cast<int64_t>(60 * std::sqrt(sigma2) + 60);
  for (int64_t x = d; x <= reach; ++x) sum += pmf(x);
  return sum;
}

// |observed fraction - p| within 6 binomial standard errors over n trials.
void ExpectFraction(int64_t hits, int64_t n, long double p, const char* what) {
  const double observed = static_cast<double>(hits) / n;
  const double se = std::sqrt(static_cast<double>(p * (1 - p)) / n);
  EXPECT_NEAR(observed, static_cast<double>(p), 6 * se + 1e-12)
      << what << ": " << hits << " of " << n;
}

// Two-sided test that sum((x_i - mean)^2) / sigma2 over n draws is chi-square with n degrees of
// freedom, i.e. that the draws' variance around their known mean is sigma2.
void ExpectVariance(const std::vector<double>& xs, double mean, long double sigma2,
                    const char* what) {
  long double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double statistic = static_cast<double>(ss / sigma2);
  const auto df = static_cast<double>(xs.size());
  const double upper = ChiSquareSurvival(statistic, df);
  const double p_value = 2 * std::min(upper, 1 - upper);
  EXPECT_GT(p_value, kRejectP) << what << ": sample variance " << static_cast<double>(ss / df)
                               << ", expected " << static_cast<double>(sigma2);
}

class QueryMechanismTest : public ::testing::Test {
 protected:
  QueryMechanism Make(int n, std::vector<QueryAggregate> aggregates, int value_count, bool grouped,
                      int grid_bits = 16) {
    absl::StatusOr<QueryMechanism> m =
        QueryMechanism::Create(&noise_, n, std::move(aggregates), value_count, grouped, grid_bits);
    EXPECT_TRUE(m.ok()) << m.status();
    return *std::move(m);
  }

  // Releases `group` `times` times (an ungrouped query: it must be released every time).
  static std::vector<std::vector<std::optional<double>>> ReleaseOne(QueryMechanism& m,
                                                                    const GroupTruth& group,
                                                                    int times) {
    std::vector<std::vector<std::optional<double>>> out;
    for (int i = 0; i < times; ++i) {
      absl::StatusOr<std::vector<ReleasedRow>> rows = m.Release({group});
      EXPECT_TRUE(rows.ok()) << rows.status();
      if (!rows.ok()) break;
      EXPECT_EQ(rows->size(), 1u);
      EXPECT_TRUE((*rows)[0].has_value());
      if (rows->size() != 1 || !(*rows)[0].has_value()) break;
      out.push_back(*(*rows)[0]);
    }
    return out;
  }

  SeededRandom random_{20240601};
  NoiseSource noise_{random_};
};

TEST_F(QueryMechanismTest, CreateChecksItsArguments) {
  auto create = [&](int n, std::vector<QueryAggregate> aggregates, int value_count,
                    int grid_bits = 16) {
    return QueryMechanism::Create(&noise_, n, std::move(aggregates), value_count, false, grid_bits)
        .status();
  };
  EXPECT_TRUE(create(1, {Count()}, 0).ok());
  EXPECT_TRUE(create(100, {Count()}, 0).ok());
  EXPECT_EQ(create(0, {Count()}, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(101, {Count()}, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(-5, {Count()}, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {}, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(create(10, {Count()}, 0, 1).ok());
  EXPECT_TRUE(create(10, {Count()}, 0, 20).ok());
  EXPECT_EQ(create(10, {Count()}, 0, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {Count()}, 0, 21).code(), absl::StatusCode::kInvalidArgument);
  // SUM / AVG / STDDEV name a value in [0, value_count); nothing else names one.
  EXPECT_TRUE(create(10, {Sum(0), Avg(1), Stddev(0), CountUsers(), CountDistinct()}, 2).ok());
  EXPECT_EQ(create(10, {Sum(-1)}, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {Avg(-1)}, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {Stddev(-1)}, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {Sum(1)}, 1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(create(10, {Sum(0)}, 0).code(), absl::StatusCode::kInvalidArgument);
  QueryAggregate count_with_value = Count();
  count_with_value.value = 0;
  EXPECT_EQ(create(10, {count_with_value}, 1).code(), absl::StatusCode::kInvalidArgument);
  QueryAggregate users_with_value = CountUsers();
  users_with_value.value = 0;
  EXPECT_EQ(create(10, {users_with_value}, 1).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(QueryMechanismTest, UnitsAndReleases) {
  struct Case {
    std::vector<QueryAggregate> aggregates;
    int value_count;
    bool grouped;
    int64_t units;
    int releases;
  };
  const std::vector<Case> cases = {
      // One count: its value and the rows histogram.
      {{Count()}, 0, false, 1, 2},
      {{CountUsers()}, 0, false, 1, 2},
      // + the groups histogram and the users per group.
      {{Count()}, 0, true, 1, 4},
      // COUNT + SUM grouped: 2 values, rows histogram, SUM's value histogram, groups histogram,
      // users per group.
      {{Count(), Sum(0)}, 1, true, 2, 6},
      // AVG: a sum and a count; STDDEV: a count, a sum and a sum of squares.
      {{Avg(0)}, 1, false, 2, 4},
      {{Stddev(0)}, 1, false, 3, 5},
      // The example of differential-privacy.md: 3 units, 7 releases.
      {{Count(), CountUsers(), Sum(0)}, 1, true, 3, 7},
      // Aggregates over the same value share its histogram.
      {{Sum(0), Avg(0), Stddev(0)}, 1, false, 6, 8},
      {{Sum(0), Avg(1), Stddev(0)}, 2, true, 6, 11},
  };
  for (const Case& c : cases) {
    QueryMechanism m = Make(10, c.aggregates, c.value_count, c.grouped);
    EXPECT_EQ(m.units(), c.units) << "case with " << c.aggregates.size() << " aggregates";
    EXPECT_EQ(m.releases(), c.releases) << "case with " << c.aggregates.size() << " aggregates";
  }
}

TEST_F(QueryMechanismTest, VarianceIsDeltaSquaredTimesNSquaredTimesReleasesOverUnits) {
  // COUNT ungrouped at N = 10: U = 1, R = 2, so sigma^2 = 200 Delta^2.
  QueryMechanism count = Make(10, {Count()}, 0, false);
  Rational v = count.Variance(1);
  EXPECT_EQ(v.num, 200);
  EXPECT_EQ(v.den, 1);
  EXPECT_EQ(count.Variance(4).num, 800);
  EXPECT_EQ(count.Variance(4).den, 1);
  // Exact far beyond 64 bits: Delta^2 = (K G)^2 with K = 2^8, G = 2^16.
  const BigInt big = BigInt(1) << 48;
  EXPECT_EQ(count.Variance(big).num, big * 200);
  EXPECT_EQ(count.Variance(big).den, 1);

  // STDDEV ungrouped: U = 3, R = 5: 500/3, in lowest terms.
  QueryMechanism stddev = Make(10, {Stddev(0)}, 1, false);
  v = stddev.Variance(1);
  EXPECT_EQ(v.num, 500);
  EXPECT_EQ(v.den, 3);
  v = stddev.Variance(3);
  EXPECT_EQ(v.num, 500);
  EXPECT_EQ(v.den, 1);
  v = stddev.Variance(2);
  EXPECT_EQ(v.num, 1000);
  EXPECT_EQ(v.den, 3);

  // Two counts grouped at N = 3: U = 2, R = 5: 45/2.
  QueryMechanism two = Make(3, {Count(), Count()}, 0, true);
  v = two.Variance(1);
  EXPECT_EQ(v.num, 45);
  EXPECT_EQ(v.den, 2);
  // COUNT + SUM grouped at N = 10: U = 2, R = 6: 300.
  v = Make(10, {Count(), Sum(0)}, 1, true).Variance(1);
  EXPECT_EQ(v.num, 300);
  EXPECT_EQ(v.den, 1);

  // Every release hides at least N users: sigma^2 >= N^2 Delta^2 since R >= U.
  for (int n : {1, 7, 100}) {
    QueryMechanism m = Make(n, {Count(), Avg(0), Stddev(1)}, 2, true);
    Rational unit = m.Variance(1);
    EXPECT_GE(unit.num, unit.den * n * n) << unit.ToString();
  }
}

TEST_F(QueryMechanismTest, GroupThreshold) {
  // The example of differential-privacy.md: N = 10, L = 1, U = 3, R = 7: about 116 users.
  QueryMechanism example = Make(10, {Count(), CountUsers(), Sum(0)}, 1, true);
  EXPECT_EQ(example.GroupThreshold(0), 116);

  QueryMechanism m = Make(10, {Count()}, 0, true);
  for (int e = 0; e <= 8; ++e) {
    // tau = 2 + ceil(sigma sqrt(2 ln(L / 1e-12))), sigma = N sqrt(L R / U), L = 2^e.
    const double l = std::ldexp(1.0, e);
    const double sigma = 10 * std::sqrt(l * 4 / 1);
    const double t = sigma * std::sqrt(2 * std::log(l / 1e-12));
    EXPECT_EQ(m.GroupThreshold(e), 2 + static_cast<int64_t>(std::ceil(t))) << "exponent " << e;
    if (e > 0) {
      EXPECT_GT(m.GroupThreshold(e), m.GroupThreshold(e - 1)) << "exponent " << e;
    }
    // A single user's count is at most 1; the threshold is far above its noise.
    EXPECT_GT(static_cast<double>(m.GroupThreshold(e)), 7 * sigma);
  }
  // More noise per user, a higher threshold.
  EXPECT_GT(Make(20, {Count()}, 0, true).GroupThreshold(0), m.GroupThreshold(0));
}

TEST_F(QueryMechanismTest, GroupsAreReleasedWhenTheirNoisyUserCountReachesTheThreshold) {
  // COUNT(DISTINCT user) grouped at N = 10, with 2^2 rows and 2^2 groups per user: users per
  // group get noise of variance Variance(L = 4).
  QueryMechanism m = Make(10, {CountUsers()}, 0, true);
  ASSERT_EQ(m.ChooseRowExponent(AllIn(2)).value(), 2);
  ASSERT_EQ(m.ChooseGroupExponent(AllIn(2)).value(), 2);
  const int64_t tau = m.GroupThreshold(2);
  const long double sigma2 = ToLongDouble(m.Variance(4));
  const auto sigma = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(sigma2))));

  auto released = [&](int64_t users, int groups) {
    std::vector<GroupTruth> truths(groups,
                                   GroupTruth{.users = users, .aggregates = {{.count = users}}});
    absl::StatusOr<std::vector<ReleasedRow>> rows = m.Release(truths);
    EXPECT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(rows->size(), truths.size());
    int64_t n = 0;
    for (const ReleasedRow& row : *rows) {
      if (row.has_value()) {
        ++n;
        EXPECT_EQ(row->size(), 1u);
      }
    }
    return n;
  };
  // A group held by one user: essentially never.
  EXPECT_EQ(released(1, 5000), 0);
  // Ten times the threshold: always.
  EXPECT_EQ(released(10 * tau, 2000), 2000);
  // At the threshold: when the noise is >= 0; one sigma below it: when the noise is >= sigma.
  ExpectFraction(released(tau, 4000), 4000, UpperTail(sigma2, 0), "groups at the threshold");
  ExpectFraction(released(tau - sigma, 4000), 4000, UpperTail(sigma2, sigma),
                 "groups one sigma below");
}

TEST_F(QueryMechanismTest, ChooseBinPicksTheHighestBinAboveThreeSigma) {
  // N = 10, COUNT ungrouped: histograms get noise of variance 200; 3 sigma = 42.4, so a noisy
  // count reaches it when it is at least 43.
  QueryMechanism m = Make(10, {Count()}, 0, false);
  EXPECT_EQ(m.ChooseBin({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.ChooseBin({5}).value(), 0);
  // Several bins far above the threshold: the highest of them, whatever the others hold.
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(m.ChooseBin({5000, 100000, 0, 3000, 0, 700}).value(), 5);
  }
  // All users in bin 3, empty bins on both sides: bin 3, unless noise lifts an empty bin above
  // it to the threshold, with probability 1 - (1 - P(Z >= 43))^5. Never a bin below.
  const int trials = 10000;
  int64_t above = 0;
  for (int i = 0; i < trials; ++i) {
    int bin = m.ChooseBin({0, 0, 0, 1000, 0, 0, 0, 0, 0}).value();
    ASSERT_GE(bin, 3);
    above += bin > 3;
  }
  const long double p = UpperTail(200, 43);
  ExpectFraction(above, trials, 1 - std::pow(1 - p, 5), "empty bins above chosen");
  EXPECT_GT(above, 0);
}

TEST_F(QueryMechanismTest, ChooseBinFallsBackToTheLargestNoisyBin) {
  QueryMechanism m = Make(10, {Count()}, 0, false);
  // No bin can reach 3 sigma: the largest noisy count (bin 1, 900 above the others).
  for (int i = 0; i < 200; ++i) EXPECT_EQ(m.ChooseBin({-1000, -100, -1000, -1000}).value(), 1);
  // One bin of 20 users (1.4 sigma) among empty ones: it rarely reaches the threshold, and is
  // then the most likely largest noisy bin (about 63%; each other bin about 9%).
  std::vector<int64_t> picks(5, 0);
  const int trials = 10000;
  for (int i = 0; i < trials; ++i) ++picks[m.ChooseBin({0, 0, 20, 0, 0}).value()];
  EXPECT_GT(picks[2], trials * 0.55);
  EXPECT_LT(picks[2], trials * 0.70);
  for (int b : {0, 1, 3, 4}) EXPECT_LT(picks[b], trials * 0.13) << "bin " << b;
  for (int b : {0, 1, 3, 4}) EXPECT_GT(picks[b], trials * 0.05) << "bin " << b;
}

TEST_F(QueryMechanismTest, ExponentChoices) {
  QueryMechanism m = Make(10, {Count(), Sum(0), Avg(1)}, 2, true);
  EXPECT_EQ(m.row_exponent(), -1);
  EXPECT_EQ(m.ChooseGroupExponent(AllIn(0)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m.Release({}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m.ChooseRowExponent(AllIn(3)).value(), 3);
  EXPECT_EQ(m.row_exponent(), 3);
  // The group limit is chosen on its own histogram, whatever the row limit.
  EXPECT_EQ(m.ChooseGroupExponent(AllIn(6)).value(), 6);
  EXPECT_EQ(m.group_exponent(), 6);
  EXPECT_EQ(m.ChooseGroupExponent(AllIn(1)).value(), 1);
  EXPECT_EQ(m.group_exponent(), 1);
  // Value bins count from min_exponent.
  EXPECT_EQ(m.ChooseValueExponent(1, AllIn(20), -16).value(), 4);
  EXPECT_EQ(m.ChooseValueExponent(0, AllIn(0), -16).value(), -16);
  EXPECT_EQ(m.value_exponents(), (std::vector<int>{-16, 4}));
  EXPECT_EQ(m.ChooseValueExponent(2, AllIn(0), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.ChooseValueExponent(-1, AllIn(0), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A group's statistics must match the aggregates.
  EXPECT_EQ(m.Release({GroupTruth{.users = 1, .aggregates = std::vector<AggregateTruth>(1)}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  QueryMechanism ungrouped = Make(10, {Count()}, 0, false);
  ASSERT_TRUE(ungrouped.ChooseRowExponent(AllIn(0)).ok());
  EXPECT_EQ(ungrouped.ChooseGroupExponent(AllIn(0)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ungrouped.group_exponent(), 0);
}

TEST_F(QueryMechanismTest, UngroupedQueriesAlwaysReleaseTheirRow) {
  QueryMechanism m = Make(10, {Count(), CountUsers()}, 0, false);
  ASSERT_TRUE(m.ChooseRowExponent(AllIn(0)).ok());
  // Even with no user at all: there is no key to reveal.
  std::vector<std::vector<std::optional<double>>> rows =
      ReleaseOne(m, GroupTruth{.users = 0, .aggregates = {{}, {}}}, 500);
  ASSERT_EQ(rows.size(), 500u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 2u);
    EXPECT_TRUE(row[0].has_value());
    EXPECT_TRUE(row[1].has_value());
  }
}

TEST_F(QueryMechanismTest, CountsAreNeverNegative) {
  QueryMechanism m = Make(10, {Count()}, 0, false);
  ASSERT_TRUE(m.ChooseRowExponent(AllIn(0)).ok());
  const int trials = 4000;
  int64_t zeros = 0;
  int64_t positive = 0;
  for (const auto& row :
       ReleaseOne(m, GroupTruth{.users = 0, .aggregates = {{.count = 0}}}, trials)) {
    ASSERT_TRUE(row[0].has_value());
    const double c = *row[0];
    ASSERT_GE(c, 0);
    EXPECT_EQ(c, std::floor(c));
    zeros += c == 0;
    positive += c > 0;
  }
  // Rounded up to 0 exactly when the noise is <= 0.
  ExpectFraction(zeros, trials, 1 - UpperTail(200, 1), "counts of zero");
  EXPECT_GT(positive, 0);
}

TEST_F(QueryMechanismTest, AvgIsClampedToTheBound) {
  QueryMechanism m = Make(10, {Avg(0)}, 1, false);
  ASSERT_TRUE(m.ChooseRowExponent(AllIn(0)).ok());
  ASSERT_EQ(m.ChooseValueExponent(0, AllIn(0), 3).value(), 3);  // B = 8
  // No rows: the noisy sum over a count of at least 1 is often far beyond B, and clamped.
  int64_t clamped = 0;
  for (const auto& row :
       ReleaseOne(m, GroupTruth{.users = 0, .aggregates = std::vector<AggregateTruth>(1)}, 2000)) {
    ASSERT_TRUE(row[0].has_value());
    EXPECT_GE(*row[0], -8.0);
    EXPECT_LE(*row[0], 8.0);
    clamped += std::fabs(*row[0]) == 8.0;
  }
  EXPECT_GT(clamped, 100);
  // A million rows of 3 (3 * 2^16 / 8 grid units each): the noise is small against them.
  const absl::int128 rows = 1000000;
  for (const auto& row : ReleaseOne(
           m, GroupTruth{.users = 1000000, .aggregates = {{.count = rows, .sum = rows * 3 * 8192}}},
           200)) {
    EXPECT_NEAR(*row[0], 3.0, 0.01);
  }
}

TEST_F(QueryMechanismTest, StddevIsClampedToZeroAndTheBound) {
  QueryMechanism m = Make(10, {Stddev(0)}, 1, false);
  ASSERT_TRUE(m.ChooseRowExponent(AllIn(0)).ok());
  ASSERT_EQ(m.ChooseValueExponent(0, AllIn(0), 2).value(), 2);  // B = 4
  int64_t at_bound = 0;
  int64_t at_zero = 0;
  for (const auto& row :
       ReleaseOne(m, GroupTruth{.users = 0, .aggregates = std::vector<AggregateTruth>(1)}, 2000)) {
    ASSERT_TRUE(row[0].has_value());
    EXPECT_GE(*row[0], 0.0);
    EXPECT_LE(*row[0], 4.0);
    at_bound += *row[0] == 4.0;
    at_zero += *row[0] == 0.0;
  }
  EXPECT_GT(at_bound, 0);
  EXPECT_GT(at_zero, 0);
  // A million rows, half 1 and half -1 (2^14 grid units): the standard deviation is 1.
  const absl::int128 rows = 1000000;
  const absl::int128 unit = 16384;
  for (const auto& row :
       ReleaseOne(m,
                  GroupTruth{.users = 1000000,
                  .aggregates = {{.count = rows, .sum = 0, .sum_squares = rows * unit * unit}}},
                  200)) {
    EXPECT_NEAR(*row[0], 1.0, 0.01);
  }
}

TEST_F(QueryMechanismTest, SampleStddevIsAtLeastThePopulationOneWithTheSameNoise) {
  // Two mechanisms drawing the same noise: the sample standard deviation divides by n - 1.
  SeededRandom random_a(77);
  SeededRandom random_b(77);
  NoiseSource noise_a(random_a);
  NoiseSource noise_b(random_b);
  QueryMechanism sample =
      QueryMechanism::Create(&noise_a, 1, {Stddev(0, false)}, 1, false, 4).value();
  QueryMechanism population =
      QueryMechanism::Create(&noise_b, 1, {Stddev(0, true)}, 1, false, 4).value();
  for (QueryMechanism* m : {&sample, &population}) {
    ASSERT_TRUE(m->ChooseRowExponent(AllIn(0)).ok());
    ASSERT_TRUE(m->ChooseValueExponent(0, AllIn(0), 6).ok());  // B = 64, grid unit 4
  }
  // 1000 rows of 0 and 1000 of 8 (2 grid units): population 4, sample 4 sqrt(2000/1999).
  const GroupTruth truth{.users = 2000,
                         .aggregates = {{.count = 2000, .sum = 2000, .sum_squares = 4000}}};
  for (int i = 0; i < 1000; ++i) {
    const double s = *(*sample.Release({truth}).value()[0])[0];
    const double p = *(*population.Release({truth}).value()[0])[0];
    ASSERT_GT(s, p);
    EXPECT_NEAR(p, 4.0, 2.0);
  }
}

TEST_F(QueryMechanismTest, CountNoiseHasMeanZeroAndTheStatedVariance) {
  // N = 10, COUNT ungrouped, one row per user (K = 1): sigma^2 = Variance(1) = 200.
  QueryMechanism m = Make(10, {Count()}, 0, false);
  ASSERT_EQ(m.ChooseRowExponent(AllIn(0)).value(), 0);
  const int trials = 50000;
  const double truth = 1000000;
  std::vector<double> xs;
  xs.reserve(trials);
  long double sum = 0;
  for (const auto& row :
       ReleaseOne(m, GroupTruth{.users = 1000000, .aggregates = {{.count = 1000000}}}, trials)) {
    xs.push_back(*row[0]);
    sum += *row[0];
  }
  ASSERT_EQ(xs.size(), static_cast<size_t>(trials));
  const long double sigma2 = ToLongDouble(m.Variance(1));
  EXPECT_EQ(sigma2, 200);
  EXPECT_LT(std::fabs(static_cast<double>(sum / trials) - truth), 6 * std::sqrt(200.0 / trials))
      << "mean error " << static_cast<double>(sum / trials - truth);
  ExpectVariance(xs, truth, sigma2, "COUNT");
}

TEST_F(QueryMechanismTest, NoiseScalesWithEachReleasesSensitivity) {
  const int trials = 10000;
  // COUNT(*) with K = 2^2 rows per user: Variance(K^2).
  QueryMechanism count = Make(10, {Count()}, 0, false);
  ASSERT_EQ(count.ChooseRowExponent(AllIn(2)).value(), 2);
  std::vector<double> xs;
  for (const auto& row :
       ReleaseOne(count, GroupTruth{.users = 1000, .aggregates = {{.count = 4000}}}, trials)) {
    xs.push_back(*row[0]);
  }
  ExpectVariance(xs, 4000, ToLongDouble(count.Variance(16)), "COUNT(*), K = 4");

  // COUNT(DISTINCT user) grouped, L = 2^1 groups per user (K = 2^3): Variance(L), not K^2.
  QueryMechanism users = Make(10, {CountUsers()}, 0, true);
  ASSERT_EQ(users.ChooseRowExponent(AllIn(3)).value(), 3);
  ASSERT_EQ(users.ChooseGroupExponent(AllIn(1)).value(), 1);
  xs.clear();
  for (int i = 0; i < trials; ++i) {
    absl::StatusOr<std::vector<ReleasedRow>> rows =
        users.Release({GroupTruth{.users = 100000, .aggregates = {{.count = 100000}}}});
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_TRUE((*rows)[0].has_value());  // 100000 users, far above the threshold
    xs.push_back(*(*(*rows)[0])[0]);
  }
  ExpectVariance(xs, 100000, ToLongDouble(users.Variance(2)), "COUNT(DISTINCT user), L = 2");

  // SUM with K = 2^1, B = 2^1 and 2^8 grid units per B: Variance(K^2 G^2) grid units^2, i.e.
  // Variance(K^2) B^2 in the value's units.
  QueryMechanism sum = Make(10, {Sum(0)}, 1, false, 8);
  ASSERT_EQ(sum.ChooseRowExponent(AllIn(1)).value(), 1);
  ASSERT_EQ(sum.ChooseValueExponent(0, AllIn(0), 1).value(), 1);
  xs.clear();
  for (const auto& row : ReleaseOne(
           sum, GroupTruth{.users = 10, .aggregates = {{.count = 10, .sum = 5 * 128}}}, trials)) {
    xs.push_back(*row[0]);
  }
  ExpectVariance(xs, 5.0, ToLongDouble(sum.Variance(4)) * 4, "SUM, K = 2, B = 2");
}

TEST_F(QueryMechanismTest, SumsAreMultiplesOfTheGridUnit) {
  for (int e : {3, -5, 20}) {
    QueryMechanism m = Make(10, {Sum(0)}, 1, false);
    ASSERT_TRUE(m.ChooseRowExponent(AllIn(0)).ok());
    ASSERT_EQ(m.ChooseValueExponent(0, AllIn(0), e).value(), e);
    const int trials = 2000;
    long double sum = 0;
    for (const auto& row : ReleaseOne(
             m, GroupTruth{.users = 50, .aggregates = {{.count = 50, .sum = 12345}}}, trials)) {
      ASSERT_TRUE(row[0].has_value());
      // value / 2^(e - grid_bits) is an integer.
      const double units = std::ldexp(*row[0], 16 - e);
      EXPECT_EQ(units, std::floor(units)) << "exponent " << e << ": " << *row[0];
      sum += units;
    }
    // Around the true sum (12345 grid units), with sigma = N K G sqrt(R/U) = 10 * 65536 * sqrt(3).
    EXPECT_LT(std::fabs(static_cast<double>(sum / trials) - 12345),
              6 * 10 * 65536 * std::sqrt(3.0 / trials))
        << "exponent " << e;
  }
}

TEST(PaddedDurationTest, StretchesTheRunTimeByUpToTheSquareRootOfTwo) {
  // At least a second.
  EXPECT_EQ(PaddedDurationMillis(0, 0), 1000);
  EXPECT_EQ(PaddedDurationMillis(999, 0), 1000);
  EXPECT_EQ(PaddedDurationMillis(1000, 0), 1000);
  EXPECT_EQ(PaddedDurationMillis(1001, 0), 1001);
  // 2^(stretch / 2), rounded up.
  EXPECT_EQ(PaddedDurationMillis(1000, 0.5), 1190);  // 1000 * 2^(1/4) = 1189.2
  EXPECT_EQ(PaddedDurationMillis(500, 0.5), 1190);
  EXPECT_EQ(PaddedDurationMillis(4000, std::nextafter(1.0, 0.0)), 5657);  // 4000 sqrt(2)
  // Out of range stretches are clamped.
  EXPECT_EQ(PaddedDurationMillis(4000, -1), 4000);
  EXPECT_EQ(PaddedDurationMillis(4000, std::nan("")), 4000);
  EXPECT_EQ(PaddedDurationMillis(4000, 7), 5657);
  for (int64_t t = 1; t < 10000000; t = t * 3 / 2 + 7) {
    for (double s : {0.0, 0.25, 0.999}) {
      int64_t held = PaddedDurationMillis(t, s);
      EXPECT_GE(held, std::max<int64_t>(t, 1000)) << t;
      EXPECT_LE(static_cast<double>(held), std::max<int64_t>(t, 1000) * std::sqrt(2.0) + 1) << t;
    }
  }
}

// The distribution of the hold over the stretch (uniform on [0, 1), here on a fine grid) for two
// run times: how far apart they are in total variation.
double HoldDistance(int64_t t, int64_t t2) {
  constexpr int kPoints = 1000000;
  const int64_t low = std::min<int64_t>(1000, std::min(t, t2));
  const auto high = static_cast<int64_t>(std::max<int64_t>(1000, std::max(t, t2)) * 1.5);
  std::vector<int64_t> a(high - low), b(high - low);
  for (int i = 0; i < kPoints; ++i) {
    double s = (i + 0.5) / kPoints;
    ++a[PaddedDurationMillis(t, s) - low];
    ++b[PaddedDurationMillis(t2, s) - low];
  }
  int64_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += std::llabs(a[i] - b[i]);
  return static_cast<double>(differ) / (2.0 * kPoints);
}

TEST(PaddedDurationTest, OneUsersEffectOnTheRunTimeShowsWithBoundedProbability) {
  // Run times 5% apart: 2 log2(1.05) = 0.141, whatever the run times are (a fixed ladder of
  // steps would give 0 or 1 depending on where they fall).
  for (int64_t t : {1000, 1900, 2000, 2857, 6000, 10000}) {
    const auto t2 = static_cast<int64_t>(std::llround(static_cast<double>(t) * 1.05));
    EXPECT_NEAR(HoldDistance(t, t2), 2 * std::log2(static_cast<double>(t2) / t), 0.01) << t;
  }
  // Run times a factor sqrt(2) or more apart are told apart for sure.
  EXPECT_NEAR(HoldDistance(2000, 2830), 1.0, 1e-9);
  // Under a second, the run time says nothing.
  EXPECT_EQ(HoldDistance(10, 990), 0.0);
  // On average the hold is 1.195 times the run time: (sqrt(2) - 1) / ln(sqrt(2)).
  double sum = 0;
  for (int i = 0; i < 10000; ++i) sum += PaddedDurationMillis(100000, (i + 0.5) / 10000);
  EXPECT_NEAR(sum / 10000 / 100000, (std::sqrt(2.0) - 1) / std::log(std::sqrt(2.0)), 1e-3);
}

}  // namespace
}  // namespace cleanroom::dp
