#include "dp/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

namespace cleanroom::dp::testing {
namespace {

// Regularized lower incomplete gamma P(a, x) by its power series (x < a + 1).
long double LowerGammaSeries(long double a, long double x) {
  long double term = 1.0L / a;
  long double sum = term;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-19L) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularized upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1), evaluated
// with the modified Lentz method.
long double UpperGammaFraction(long double a, long double x) {
  const long double tiny = 1e-300L;
  long double b = x + 1.0L - a;
  long double c = 1.0L / tiny;
  long double d = 1.0L / b;
  long double h = d;
  for (int i = 1; i < 100000; ++i) {
    const long double an = -i * (i - a);
    b += 2.0L;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0L / d;
    const long double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0L) < 1e-19L) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

// Sum of pmf(x) for x = from, from + step, ... until the terms are negligible.
long double TailSum(const Pmf& pmf, int64_t from, int64_t step) {
  long double sum = 0;
  for (int64_t x = from, i = 0; i < 100000000; x += step, ++i) {
    const long double p = pmf(x);
    sum += p;
    if (p < 1e-40L || p < sum * 1e-30L) break;
  }
  return sum;
}

FitResult Finish(double statistic, int bins) {
  FitResult out;
  out.statistic = statistic;
  out.df = std::max(1, bins - 1);
  out.p_value = ChiSquareSurvival(statistic, out.df);
  return out;
}

}  // namespace

double ChiSquareSurvival(double x, double df) {
  if (x <= 0) return 1.0;
  const long double a = df / 2.0L;
  const long double half = x / 2.0L;
  if (half < a + 1.0L) return static_cast<double>(1.0L - LowerGammaSeries(a, half));
  return static_cast<double>(UpperGammaFraction(a, half));
}

std::string FitResult::Describe() const {
  std::ostringstream out;
  out << "chi2=" << statistic << " df=" << df << " p=" << p_value;
  return out.str();
}

FitResult ChiSquareFit(const Histogram& histogram, const Pmf& pmf, int64_t mode,
                       double min_expected) {
  int64_t n = 0;
  for (const auto& [value, count] : histogram) n += count;
  const long double total = static_cast<long double>(n);
  int64_t lo = mode;
  int64_t hi = mode;
  while (total * pmf(hi + 1) >= min_expected) ++hi;
  while (total * pmf(lo - 1) >= min_expected) --lo;
  auto observed = [&](int64_t from, int64_t to) {  // draws with value in [from, to]
    int64_t sum = 0;
    for (auto it = histogram.lower_bound(from); it != histogram.end() && it->first <= to; ++it) {
      sum += it->second;
    }
    return sum;
  };
  long double statistic = 0;
  int bins = 0;
  auto add = [&](long double expected, int64_t seen) {
    const long double diff = seen - expected;
    statistic += diff * diff / expected;
    ++bins;
  };
  const long double left = TailSum(pmf, lo - 1, -1);
  const long double right = TailSum(pmf, hi + 1, 1);
  const int64_t min64 = std::numeric_limits<int64_t>::min();
  const int64_t max64 = std::numeric_limits<int64_t>::max();
  // A tail with enough expected draws is a bin of its own; a smaller one joins the bin next to
  // it, so that no bin has a tiny expected count.
  const bool left_alone = total * left >= min_expected;
  const bool right_alone = total * right >= min_expected;
  if (left_alone) add(total * left, observed(min64, lo - 1));
  for (int64_t x = lo; x <= hi; ++x) {
    long double expected = total * pmf(x);
    int64_t seen = observed(x, x);
    if (x == lo && !left_alone) {
      expected += total * left;
      seen += observed(min64, lo - 1);
    }
    if (x == hi && !right_alone) {
      expected += total * right;
      seen += observed(hi + 1, max64);
    }
    add(expected, seen);
  }
  if (right_alone) add(total * right, observed(hi + 1, max64));
  return Finish(static_cast<double>(statistic), bins);
}

FitResult ChiSquareHomogeneity(const Histogram& a, const Histogram& b, double min_expected) {
  Histogram both = a;
  for (const auto& [value, count] : b) both[value] += count;
  int64_t na = 0;
  int64_t nb = 0;
  for (const auto& [value, count] : a) na += count;
  for (const auto& [value, count] : b) nb += count;
  // Bins of consecutive values with at least 2 * min_expected draws; a short last bin joins the
  // one before it.
  std::vector<std::pair<int64_t, int64_t>> bins;  // (count in a, count in b)
  std::pair<int64_t, int64_t> current{0, 0};
  for (const auto& [value, count] : both) {
    auto ia = a.find(value);
    auto ib = b.find(value);
    current.first += ia == a.end() ? 0 : ia->second;
    current.second += ib == b.end() ? 0 : ib->second;
    if (current.first + current.second >= 2 * min_expected) {
      bins.push_back(current);
      current = {0, 0};
    }
  }
  if (current.first + current.second > 0) {
    if (bins.empty()) {
      bins.push_back(current);
    } else {
      bins.back().first += current.first;
      bins.back().second += current.second;
    }
  }
  const long double fa = static_cast<long double>(na) / (na + nb);
  long double statistic = 0;
  for (const auto& [ca, cb] : bins) {
    const long double ea = (ca + cb) * fa;
    const long double eb = (ca + cb) * (1 - fa);
    statistic += (ca - ea) * (ca - ea) / ea + (cb - eb) * (cb - eb) / eb;
  }
  return Finish(static_cast<double>(statistic), static_cast<int>(bins.size()));
}

Pmf DiscreteLaplacePmf(long double scale) {
  const long double q = std::exp(-1.0L / scale);
  const long double p0 = (1.0L - q) / (1.0L + q);
  return [=](int64_t y) { return p0 * std::pow(q, std::fabs(static_cast<long double>(y))); };
}

Pmf DiscreteGaussianPmf(long double sigma2) {
  const auto reach = static_cast<int64_t>(50.0L * std::sqrt(sigma2) + 50.0L);
  long double z = 0;
  for (int64_t y = -reach; y <= reach; ++y) {
    z += std::exp(-static_cast<long double>(y) * y / (2.0L * sigma2));
  }
  return
      [=](int64_t y) { return std::exp(-static_cast<long double>(y) * y / (2.0L * sigma2)) / z; };
}

Moments MomentsOf(const Pmf& pmf, int64_t lo, int64_t hi) {
  Moments m;
  for (int64_t y = lo; y <= hi; ++y) m.mean += y * pmf(y);
  for (int64_t y = lo; y <= hi; ++y) {
    const long double d = y - m.mean;
    m.variance += d * d * pmf(y);
    m.fourth_central += d * d * d * d * pmf(y);
  }
  return m;
}

SampleMoments SampleMomentsOf(const Histogram& histogram) {
  SampleMoments s;
  long double sum = 0;
  for (const auto& [value, count] : histogram) {
    s.n += count;
    sum += static_cast<long double>(value) * count;
  }
  s.mean = sum / s.n;
  long double squares = 0;
  for (const auto& [value, count] : histogram) {
    const long double d = value - s.mean;
    squares += d * d * count;
  }
  s.variance = squares / (s.n - 1);
  return s;
}

}  // namespace cleanroom::dp::testing
