// An empirical test of the (epsilon, delta) guarantee of dp::QueryMechanism: the same query is
// released many times on two neighbouring datasets, and the output histograms are checked
// against P[M(D) in S] <= e^epsilon P[M(D') in S] + delta for every set S of a family (tails and
// single values), with confidence bounds on both probabilities. The same check must catch a
// mechanism whose noise is half as large, or it could not catch anything.
//
// The query: ungrouped, kCounts x COUNT(DISTINCT user) at usersNoisePerQuery N = 10, so U =
// kCounts units, rho = U / (2 N^2), and each count gets discrete Gaussian noise of variance
// N^2 R / U (R = U + 1: the counts and the rows histogram). D has kUsers users and D' one more,
// so every count of D' is one more; the sum of the released counts is then the most powerful
// statistic (the likelihood ratio of the outputs depends on them only through it), and sets of
// outputs are taken on it.
//
// Which (epsilon, delta): rho-zCDP implies (epsilon(delta), delta)-DP for every delta
// (dp/zcdp.h), so the claim is tested at a delta large enough for 2 x 10^5 releases to measure,
// kDelta below, with epsilon = ZcdpToEpsilon(rho, kDelta). Every set is tested at level
// kAlpha / (number of tests) (Bonferroni), with Chernoff (KL) confidence bounds, which hold for
// any sample size: a correct mechanism fails with probability below kAlpha. The seeds are fixed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dp/noise_source.h"
#include "dp/query_mechanism.h"
#include "dp/seeded_random.h"
#include "dp/zcdp.h"
#include "gtest/gtest.h"

namespace cleanroom::dp {
namespace {

constexpr int kN = 10;             // usersNoisePerQuery (the least a budget template allows)
constexpr int kCounts = 4;         // COUNT(DISTINCT user) aggregates of the query
constexpr int64_t kUsers = 1000;   // users of D; D' has one more
constexpr int kReleases = 200000;  // releases per dataset
constexpr double kDelta = 0.02;
constexpr double kAlpha = 1e-6;

using Histogram = std::map<int64_t, int64_t>;

// Kullback-Leibler divergence between Bernoulli(p) and Bernoulli(q).
double Kl(double p, double q) {
  double kl = 0;
  if (p > 0) kl += p * std::log(p / q);
  if (p < 1) kl += (1 - p) * std::log((1 - p) / (1 - q));
  return kl;
}

// Chernoff bounds on a probability estimated as `hits` / n: the true one lies in [Lower, Upper]
// unless an event of probability at most exp(-log_inverse_level) happened on that side.
double Lower(int64_t hits, int64_t n, double log_inverse_level) {
  const double p = static_cast<double>(hits) / n;
  double lo = 0;
  double hi = p;
  for (int i = 0; i < 100 && p > 0; ++i) {
    const double mid = (lo + hi) / 2;
    (n * Kl(p, mid) > log_inverse_level ? lo : hi) = mid;
  }
  return p > 0 ? hi : 0;
}
double Upper(int64_t hits, int64_t n, double log_inverse_level) {
  const double p = static_cast<double>(hits) / n;
  double lo = p;
  double hi = 1;
  for (int i = 0; i < 100 && p < 1; ++i) {
    const double mid = (lo + hi) / 2;
    (n * Kl(p, mid) > log_inverse_level ? hi : lo) = mid;
  }
  return p < 1 ? lo : 1;
}

// The set of outputs whose statistic is >= v, <= v or == v.
enum class Shape { kAtLeast, kAtMost, kEqual };

struct Verdict {
  bool violated = false;
  double worst_margin = -1;  // max over sets of lower(P_a) - e^eps upper(P_b) - delta
  std::string worst_set;
  int tests = 0;
};

// Tests P[A in S] <= e^eps P[B in S] + delta for every S of the family, both ways round.
Verdict Check(const Histogram& h_d, const Histogram& h_d1, double eps, double delta) {
  std::vector<int64_t> values;
  for (const auto& [v, n] : h_d) values.push_back(v);
  for (const auto& [v, n] : h_d1) values.push_back(v);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  auto total = [](const Histogram& h) {
    int64_t n = 0;
    for (const auto& [v, c] : h) n += c;
    return n;
  };
  auto mass = [](const Histogram& h, Shape shape, int64_t v) {
    int64_t n = 0;
    for (const auto& [x, c] : h) {
      if ((shape == Shape::kAtLeast && x >= v) || (shape == Shape::kAtMost && x <= v) ||
          (shape == Shape::kEqual && x == v)) {
        n += c;
      }
    }
    return n;
  };
  Verdict verdict;
  verdict.tests = static_cast<int>(values.size()) * 3 * 2;
  // Each test can fail wrongly on either of its two bounds.
  const double log_inverse_level = std::log(2.0 * verdict.tests / kAlpha);
  const double e_eps = std::exp(eps);
  for (int way = 0; way < 2; ++way) {
    const Histogram& a = way == 0 ? h_d : h_d1;
    const Histogram& b = way == 0 ? h_d1 : h_d;
    const int64_t na = total(a);
    const int64_t nb = total(b);
    for (int64_t v : values) {
      for (Shape shape : {Shape::kAtLeast, Shape::kAtMost, Shape::kEqual}) {
        const int64_t ha = mass(a, shape, v);
        const int64_t hb = mass(b, shape, v);
        const double margin =
            Lower(ha, na, log_inverse_level) - e_eps * Upper(hb, nb, log_inverse_level) - delta;
        if (margin > verdict.worst_margin) {
          std::ostringstream set;
          set << (way == 0 ? "P[M(D)" : "P[M(D')")
              << (shape == Shape::kAtLeast  ? " >= "
                  : shape == Shape::kAtMost ? " <= "
                                            : " == ")
              << v << "] = " << static_cast<double>(ha) / na << " against "
              << (way == 0 ? "P[M(D')" : "P[M(D)") << " in it] = " << static_cast<double>(hb) / nb;
          verdict.worst_margin = margin;
          verdict.worst_set = set.str();
        }
        verdict.violated |= margin > 0;
      }
    }
  }
  return verdict;
}

std::string Describe(const Verdict& v, double eps) {
  std::ostringstream out;
  out << "epsilon " << eps << ", delta " << kDelta << ", " << v.tests << " tests; worst margin "
      << v.worst_margin << " at " << v.worst_set;
  return out.str();
}

// The query's mechanism at usersNoisePerQuery `n`.
QueryMechanism Mechanism(NoiseSource* noise, int n) {
  std::vector<QueryAggregate> aggregates(
      kCounts, QueryAggregate{.type = AggregationType::kCountDistinct, .counts_users = true});
  return QueryMechanism::Create(noise, n, aggregates, 0, /*grouped=*/false, 16).value();
}

// The histogram of the sum of the released counts over kReleases releases of `users` users by a
// mechanism at usersNoisePerQuery `n`.
Histogram Releases(int n, int64_t users, uint64_t seed) {
  SeededRandom random(seed);
  NoiseSource noise(random);
  QueryMechanism m = Mechanism(&noise, n);
  // Every user has one row: the rows histogram is all in bin 0 (a one-bin histogram, so the
  // choice is certain; a user's count is 1 whatever the row limit).
  EXPECT_EQ(m.ChooseRowExponent({users}).value(), 0);
  const GroupTruth truth{.users = users,
                         .aggregates = std::vector<AggregateTruth>(kCounts, {.count = users})};
  Histogram histogram;
  for (int i = 0; i < kReleases; ++i) {
    std::vector<ReleasedRow> rows = m.Release({truth}).value();
    int64_t sum = 0;
    for (const std::optional<double>& count : *rows[0]) sum += static_cast<int64_t>(*count);
    ++histogram[sum];
  }
  return histogram;
}

// What the query claims: the (epsilon, kDelta) that rho = U / (2 N^2) implies, for the units U
// it spends at N = kN.
double ClaimedEpsilon() {
  NoiseSource noise;
  const int64_t units = Mechanism(&noise, kN).units();
  EXPECT_EQ(units, kCounts);
  return ZcdpToEpsilon(static_cast<double>(units) / (2.0 * kN * kN), kDelta);
}

TEST(QueryMechanismPrivacyTest, NeighbouringDatasetsMeetTheClaimedEpsilonDelta) {
  const double eps = ClaimedEpsilon();
  const Histogram d = Releases(kN, kUsers, 1);
  const Histogram d1 = Releases(kN, kUsers + 1, 2);
  const Verdict verdict = Check(d, d1, eps, kDelta);
  EXPECT_FALSE(verdict.violated) << Describe(verdict, eps);
  RecordProperty("verdict", Describe(verdict, eps));
}

TEST(QueryMechanismPrivacyTest, TheCheckCatchesHalfTheNoise) {
  // The same query at N / 2: every noise variance is a quarter of the claimed one (sigma
  // halved), i.e. 4 times the rho the query claims for its counts. Checked against the claim
  // for N, the same test must find a set that breaks it.
  const double eps = ClaimedEpsilon();
  const Histogram d = Releases(kN / 2, kUsers, 3);
  const Histogram d1 = Releases(kN / 2, kUsers + 1, 4);
  const Verdict verdict = Check(d, d1, eps, kDelta);
  EXPECT_TRUE(verdict.violated) << Describe(verdict, eps);
  RecordProperty("verdict", Describe(verdict, eps));
}

}  // namespace
}  // namespace cleanroom::dp
