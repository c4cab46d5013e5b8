#include "dp/noise_source.h"

#include <cmath>
#include <utility>

#include "common/status_macros.h"

namespace cleanroom::dp {

NoiseSource::NoiseSource() : NoiseSource(SystemRandom()) {}

NoiseSource::NoiseSource(Random& random) : bits_(random) {}

absl::StatusOr<const DiscreteGaussianSampler*> NoiseSource::SamplerFor(const Rational& sigma2) {
  // (A zero denominator would compare equal to anything; Create rejects it.)
  if (!sampler_ || sigma2.den == 0 || !(sampler_->sigma2() == sigma2)) {
    ASSIGN_OR_RETURN(DiscreteGaussianSampler sampler, DiscreteGaussianSampler::Create(sigma2));
    sampler_.emplace(std::move(sampler));
  }
  return &*sampler_;
}

absl::StatusOr<int64_t> NoiseSource::Draw(const Rational& sigma2) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const DiscreteGaussianSampler* sampler, SamplerFor(sigma2));
  return sampler->Sample(bits_);
}

double NoiseSource::Uniform() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::ldexp(static_cast<double>(bits_.Bits(53)), -53);
}

absl::StatusOr<std::vector<int64_t>> NoiseSource::DrawMany(const Rational& sigma2, size_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(const DiscreteGaussianSampler* sampler, SamplerFor(sigma2));
  std::vector<int64_t> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(sampler->Sample(bits_));
  return out;
}

}  // namespace cleanroom::dp
