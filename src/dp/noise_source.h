// The source of the noise that differentially private aggregations add to their results.
//
// NoiseSource draws from the discrete Gaussian (samplers.h) with randomness from the operating
// system's CSPRNG, so callers need neither samplers nor random bits of their own. A query's
// aggregations usually share one noise variance; the sampler for the last variance used is kept.
#ifndef CLEANROOM_DP_NOISE_SOURCE_H_
#define CLEANROOM_DP_NOISE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/random.h"
#include "dp/random_bits.h"
#include "dp/rational.h"
#include "dp/samplers.h"

namespace cleanroom::dp {

// Thread-safe: draws are serialised by an internal lock.
class NoiseSource {
 public:
  // Noise from SystemRandom(), the operating system's CSPRNG.
  NoiseSource();
  // Noise from `random`, which must outlive this object (tests inject a seeded Random).
  explicit NoiseSource(Random& random);
  NoiseSource(const NoiseSource&) = delete;
  NoiseSource& operator=(const NoiseSource&) = delete;

  // One draw from the discrete Gaussian N_Z(0, sigma2): an integer, exact in distribution,
  // taking a time independent of its value (see samplers.h). kInvalidArgument for a variance
  // the sampler does not accept (not positive, above 2^100, or num/den not below 2^128).
  absl::StatusOr<int64_t> Draw(const Rational& sigma2);
  // `count` independent draws, under one acquisition of the lock.
  absl::StatusOr<std::vector<int64_t>> DrawMany(const Rational& sigma2, size_t count);
  // A number drawn uniformly from [0, 1), a multiple of 2^-53 (e.g. the stretch of
  // PaddedDurationMillis).
  double Uniform();

 private:
  absl::StatusOr<const DiscreteGaussianSampler*> SamplerFor(const Rational& sigma2)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::mutex mu_;
  RandomBits bits_ ABSL_GUARDED_BY(mu_);
  std::optional<DiscreteGaussianSampler> sampler_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_NOISE_SOURCE_H_
