#include "dp/query_mechanism.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::dp {
namespace {

// The probability that a group held by one user is released, over all of that user's groups.
constexpr double kGroupDelta = 1e-12;

BigInt Pow2(int bits) { return BigInt(1) << bits; }

double ToDouble(absl::int128 v) { return static_cast<double>(v); }

}  // namespace

int64_t PaddedDurationMillis(int64_t elapsed_millis, double stretch) {
  if (!(stretch >= 0)) stretch = 0;  // also NaN
  stretch = std::min(stretch, std::nextafter(1.0, 0.0));
  const int64_t base = std::max<int64_t>(elapsed_millis, 1000);
  if (base > (int64_t{1} << 52)) return base;
  const double held = std::ceil(static_cast<double>(base) * std::exp2(stretch / 2));
  return std::max(base, static_cast<int64_t>(held));
}

absl::StatusOr<QueryMechanism> QueryMechanism::Create(NoiseSource* noise, int users_noise_per_query,
                                                      std::vector<QueryAggregate> aggregates,
                                                      int value_count, bool grouped,
                                                      int grid_bits) {
  if (users_noise_per_query < 1 || users_noise_per_query > 100) {
    return absl::InvalidArgumentError("usersNoisePerQuery must be 1-100");
  }
  if (aggregates.empty())
    return absl::InvalidArgumentError("a DP query needs at least one aggregate");
  if (grid_bits < 1 || grid_bits > 20) return absl::InvalidArgumentError("grid bits must be 1-20");
  for (const QueryAggregate& a : aggregates) {
    bool valued = a.type == AggregationType::kSum || a.type == AggregationType::kAvg ||
                  a.type == AggregationType::kStddev;
    if (valued != (a.value >= 0) || a.value >= value_count) {
      return absl::InvalidArgumentError("an aggregate names a value it cannot have");
    }
  }
  return QueryMechanism(noise, users_noise_per_query, std::move(aggregates), value_count, grouped,
                        grid_bits);
}

QueryMechanism::QueryMechanism(NoiseSource* noise, int n, std::vector<QueryAggregate> aggregates,
                               int value_count, bool grouped, int grid_bits)
    : noise_(noise),
      n_(n),
      aggregates_(std::move(aggregates)),
      grouped_(grouped),
      grid_bits_(grid_bits),
      value_exponents_(value_count, 0) {
  for (const QueryAggregate& a : aggregates_) units_ += CostUnits(a.type);
  releases_ = static_cast<int>(units_) + 1 + value_count + (grouped_ ? 2 : 0);
}

Rational QueryMechanism::Variance(const BigInt& delta_squared) const {
  Rational r;
  r.num = delta_squared * n_ * n_ * releases_;
  r.den = units_;
  BigInt g = boost::multiprecision::gcd(r.num, r.den);
  if (g > 1) {
    r.num /= g;
    r.den /= g;
  }
  return r;
}

int64_t QueryMechanism::GroupThreshold(int group_exponent) const {
  // A group held by one user has 1 true user; with sub-Gaussian noise P(Z >= t) <=
  // exp(-t^2 / (2 sigma^2)), so t = sigma sqrt(2 ln(L / delta)) bounds each of the user's <= L
  // groups by delta / L.
  double k = std::ldexp(1.0, group_exponent);
  double sigma = n_ * std::sqrt(k * releases_ / static_cast<double>(units_));
  double t = sigma * std::sqrt(2.0 * std::log(k / kGroupDelta));
  return 2 + static_cast<int64_t>(std::ceil(t));
}

absl::StatusOr<absl::int128> QueryMechanism::Noisy(absl::int128 truth,
                                                   const BigInt& delta_squared) {
  ASSIGN_OR_RETURN(int64_t z, noise_->Draw(Variance(delta_squared)));
  return truth + z;
}

absl::StatusOr<int> QueryMechanism::ChooseBin(const std::vector<int64_t>& users_by_bin) {
  if (users_by_bin.empty()) return absl::InvalidArgumentError("an empty histogram");
  Rational variance = Variance(1);
  ASSIGN_OR_RETURN(std::vector<int64_t> noise, noise_->DrawMany(variance, users_by_bin.size()));
  double sigma = std::sqrt(static_cast<double>(variance.num) / static_cast<double>(variance.den));
  double threshold = 3 * sigma;
  int best = 0;
  int64_t best_count = 0;
  int chosen = -1;
  for (size_t b = 0; b < users_by_bin.size(); ++b) {
    int64_t noisy = users_by_bin[b] + noise[b];
    if (static_cast<double>(noisy) >= threshold) chosen = static_cast<int>(b);
    if (b == 0 || noisy > best_count) {
      best = static_cast<int>(b);
      best_count = noisy;
    }
  }
  return chosen >= 0 ? chosen : best;
}

absl::StatusOr<int> QueryMechanism::ChooseRowExponent(const std::vector<int64_t>& users_by_rows) {
  ASSIGN_OR_RETURN(row_exponent_, ChooseBin(users_by_rows));
  return row_exponent_;
}

absl::StatusOr<int> QueryMechanism::ChooseGroupExponent(
    const std::vector<int64_t>& users_by_groups) {
  if (row_exponent_ < 0) return absl::FailedPreconditionError("the row limit was not chosen");
  if (!grouped_) return absl::FailedPreconditionError("the query has no GROUP BY");
  ASSIGN_OR_RETURN(group_exponent_, ChooseBin(users_by_groups));
  return group_exponent_;
}

absl::StatusOr<int> QueryMechanism::ChooseValueExponent(
    int value, const std::vector<int64_t>& users_by_magnitude, int min_exponent) {
  if (value < 0 || value >= static_cast<int>(value_exponents_.size())) {
    return absl::InvalidArgumentError("no such value");
  }
  ASSIGN_OR_RETURN(int bin, ChooseBin(users_by_magnitude));
  value_exponents_[value] = min_exponent + bin;
  return value_exponents_[value];
}

absl::StatusOr<std::vector<ReleasedRow>> QueryMechanism::Release(
    const std::vector<GroupTruth>& groups) {
  if (row_exponent_ < 0) return absl::FailedPreconditionError("the row limit was not chosen");
  // One user's L2 sensitivity over all groups: it is in at most L groups, adding to each at most
  // C to a count, C G grid units to a sum and C G^2 to a sum of squares, and 1 to a user count.
  const BigInt c = Pow2(row_exponent_);
  const BigInt l = Pow2(group_exponent_);
  const BigInt g = Pow2(grid_bits_);
  const BigInt counts = l * c * c;
  const BigInt sums = counts * g * g;
  const BigInt squares = sums * g * g;
  const int64_t threshold = GroupThreshold(group_exponent_);
  std::vector<ReleasedRow> out;
  out.reserve(groups.size());
  for (const GroupTruth& group : groups) {
    if (group.aggregates.size() != aggregates_.size()) {
      return absl::InvalidArgumentError("a group's statistics do not match the query's aggregates");
    }
    if (grouped_) {
      ASSIGN_OR_RETURN(absl::int128 users, Noisy(group.users, l));
      if (users < threshold) {
        out.emplace_back(std::nullopt);
        continue;
      }
    }
    std::vector<std::optional<double>> values;
    for (size_t i = 0; i < aggregates_.size(); ++i) {
      const QueryAggregate& a = aggregates_[i];
      const AggregateTruth& t = group.aggregates[i];
      if (a.value < 0) {
        ASSIGN_OR_RETURN(absl::int128 count, Noisy(t.count, a.counts_users ? l : counts));
        values.push_back(ToDouble(std::max<absl::int128>(count, 0)));
        continue;
      }
      double bound = std::ldexp(1.0, value_exponents_[a.value]);
      double unit = std::ldexp(1.0, value_exponents_[a.value] - grid_bits_);
      ASSIGN_OR_RETURN(absl::int128 sum, Noisy(t.sum, sums));
      if (a.type == AggregationType::kSum) {
        values.push_back(ToDouble(sum) * unit);
        continue;
      }
      ASSIGN_OR_RETURN(absl::int128 count, Noisy(t.count, counts));
      double n = ToDouble(count);
      if (a.type == AggregationType::kAvg) {
        n = std::max(n, 1.0);
        values.push_back(std::clamp(ToDouble(sum) * unit / n, -bound, bound));
        continue;
      }
      ASSIGN_OR_RETURN(absl::int128 sum_squares, Noisy(t.sum_squares, squares));
      n = std::max(n, a.population ? 1.0 : 2.0);
      double mean = ToDouble(sum) * unit / n;
      double variance = ToDouble(sum_squares) * unit * unit / n - mean * mean;
      if (!a.population) variance = variance * n / (n - 1);
      values.push_back(std::sqrt(std::clamp(variance, 0.0, bound * bound)));
    }
    out.emplace_back(std::move(values));
  }
  return out;
}

}  // namespace cleanroom::dp
