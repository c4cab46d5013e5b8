// Statistics for the sampler tests: exact probability mass functions of the noise distributions
// and chi-square tests against them (differential-privacy.md, "How to test a sampler").
#ifndef CLEANROOM_TEST_DP_STATS_H_
#define CLEANROOM_TEST_DP_STATS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace cleanroom::dp::testing {

// A histogram of draws: value -> number of draws.
using Histogram = std::map<int64_t, int64_t>;

// A probability mass function over the integers.
using Pmf = std::function<long double(int64_t)>;

// P(X >= x) for X chi-square distributed with `df` degrees of freedom.
double ChiSquareSurvival(double x, double df);

struct FitResult {
  double statistic = 0;
  int df = 0;
  double p_value = 1;
  std::string Describe() const;
};

// Pearson's chi-square goodness of fit of `histogram` against `pmf`: one bin per value of the
// contiguous range around `mode` in which every expected count is at least `min_expected`,
// and one bin for each tail beyond it (its probability summed from the pmf).
FitResult ChiSquareFit(const Histogram& histogram, const Pmf& pmf, int64_t mode = 0,
                       double min_expected = 20);

// Chi-square test that two histograms come from the same distribution: consecutive values are
// pooled into bins holding at least 2 * min_expected draws of both together.
FitResult ChiSquareHomogeneity(const Histogram& a, const Histogram& b, double min_expected = 20);

// Exact pmfs (to long double precision).
// Discrete Laplace with scale `scale`: P(y) = (1 - q) / (1 + q) q^|y|, q = exp(-1/scale).
Pmf DiscreteLaplacePmf(long double scale);
// Discrete Gaussian: P(y) = exp(-y^2 / (2 sigma2)) / Z, Z summed over the integers.
Pmf DiscreteGaussianPmf(long double sigma2);

struct Moments {
  long double mean = 0;
  long double variance = 0;
  long double fourth_central = 0;  // E[(X - mean)^4]
};
// Moments of a pmf whose mass outside [lo, hi] is negligible.
Moments MomentsOf(const Pmf& pmf, int64_t lo, int64_t hi);

// Sample mean and variance of a histogram.
struct SampleMoments {
  long double mean = 0;
  long double variance = 0;  // unbiased
  int64_t n = 0;
};
SampleMoments SampleMomentsOf(const Histogram& histogram);

}  // namespace cleanroom::dp::testing

#endif  // CLEANROOM_TEST_DP_STATS_H_
