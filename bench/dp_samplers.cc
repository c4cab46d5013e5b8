// Throughput of the differential-privacy noise samplers (src/dp/samplers.h): the discrete
// Gaussian at sigma^2 = 1, 10^4 and 10^8 and the discrete Laplace, each against an insecure
// floating-point sampler measured in the same run as the reference.
//
//   dp_samplers [--rounds N] [--seconds S] [--benchmarks-md PATH] [--no-write]
//
// Each round measures every row for S seconds (default 0.4) per sampler, in the same order; a
// row's rates are medians over the rounds, and its ratio is computed within each round (both
// samplers measured back to back) and reported as the median with the lowest and highest round.
// The section between the "bench/dp_samplers.cc" markers of BENCHMARKS.md is replaced (appended
// the first time) unless --no-write is given.
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_report.h"
#include "common/random.h"
#include "dp/random_bits.h"
#include "dp/samplers.h"

namespace {

using cleanroom::Random;
using cleanroom::SystemRandom;
using cleanroom::bench::Args;
using cleanroom::bench::Environment;
using cleanroom::bench::Format;
using cleanroom::bench::Median;
using cleanroom::bench::ParseArgs;
using cleanroom::bench::Thousands;
using cleanroom::bench::WriteSection;
using cleanroom::dp::DiscreteGaussianSampler;
using cleanroom::dp::DiscreteLaplaceSampler;
using cleanroom::dp::RandomBits;
using cleanroom::dp::Rational;

// A fast non-cryptographic generator (xoshiro256**), to separate the samplers' own work from
// the cost of the operating system's CSPRNG. Never used for real noise.
class FastRandom final : public Random {
 public:
  explicit FastRandom(uint64_t seed) {
    for (uint64_t& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }
  void Fill(void* out, size_t n) override {
    auto* p = static_cast<unsigned char*>(out);
    for (; n >= 8; n -= 8, p += 8) {
      const uint64_t word = Next();
      std::memcpy(p, &word, 8);
    }
    if (n > 0) {
      const uint64_t word = Next();
      std::memcpy(p, &word, n);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  uint64_t state_[4];
};

// Keeps a computed value from being optimised away.
volatile int64_t g_sink;

struct Rate {
  double per_second = 0;
  double bits_per_sample = 0;  // random bits the sampler consumed per sample (0 if unknown)
};

// Calls `draw` in batches for about `seconds`; returns draws per second.
Rate Measure(const std::function<int64_t()>& draw, double seconds,
             const std::function<uint64_t()>& bits_used = nullptr) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBatch = 256;
  const uint64_t bits_before = bits_used ? bits_used() : 0;
  int64_t sum = 0;
  uint64_t draws = 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point now = start;
  while (std::chrono::duration<double>(now - start).count() < seconds) {
    for (int i = 0; i < kBatch; ++i) sum += draw();
    draws += kBatch;
    now = Clock::now();
  }
  g_sink = sum;
  Rate rate;
  rate.per_second = draws / std::chrono::duration<double>(now - start).count();
  if (bits_used) rate.bits_per_sample = static_cast<double>(bits_used() - bits_before) / draws;
  return rate;
}

struct Row {
  std::string sampler;    // what is measured
  std::string reference;  // the insecure sampler it is compared with
  std::function<int64_t(RandomBits&)> draw;
  std::function<int64_t(std::mt19937&)> reference_draw;
  // Per round:
  std::vector<double> system_rates;  // samples/s with SystemRandom()
  std::vector<double> fast_rates;    // samples/s with the non-cryptographic generator
  std::vector<double> reference_rates;
  std::vector<double> ratios;  // system / reference, within the round
  std::vector<double> bits;    // random bits per sample
};

std::string Markdown(const std::vector<Row>& rows, int rounds, double seconds) {
  std::ostringstream out;
  out << "| sampler | samples/s (OS CSPRNG) | samples/s (fast PRNG, compute only) | random bits / "
         "sample | insecure reference | reference samples/s | CSPRNG / reference |\n"
      << "|---|---:|---:|---:|---|---:|---:|\n";
  for (const Row& row : rows) {
    const auto [low, high] = std::minmax_element(row.ratios.begin(), row.ratios.end());
    out << "| " << row.sampler << " | " << Thousands(Median(row.system_rates)) << " | "
        << Thousands(Median(row.fast_rates)) << " | " << Thousands(Median(row.bits)) << " | "
        << row.reference << " | " << Thousands(Median(row.reference_rates)) << " | "
        << Format("%.4f", Median(row.ratios)) << " (" << Format("%.4f", *low) << "–"
        << Format("%.4f", *high) << ") |\n";
  }
  out << "\nOne thread. Each cell is the median of " << rounds << " rounds of " << seconds
      << " s per sampler; the ratio is computed within each round and shown as the median with "
         "the lowest and highest round in brackets.\n\n"
      << "- **OS CSPRNG**: the production configuration, `RandomBits` over `SystemRandom()` "
         "(getrandom(2), read 4 KiB at a time).\n"
      << "- **fast PRNG**: the same samplers over xoshiro256**, a non-cryptographic generator "
         "used here only to show the samplers' own cost; the gap to the first column is the cost "
         "of the operating system's random bytes.\n"
      << "- **insecure reference**: what a naive implementation would do, measured in the same "
         "run: `std::normal_distribution<double>` (or `b * log(U)` with a random sign for the "
         "Laplace rows) on `std::mt19937`, rounded to an integer. It is **not secure**: a "
         "predictable generator, and floating-point noise whose low-order bits reveal the value "
         "it is added to (Mironov 2012). The ratio prices the exact integer arithmetic, the "
         "fixed-work loops (constant time with respect to the value drawn) and the CSPRNG.\n";
  return out.str();
}

int Usage() {
  std::fprintf(stderr,
               "usage: dp_samplers [--rounds N] [--seconds S] [--benchmarks-md PATH] "
               "[--no-write]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Args> args = ParseArgs(argc, argv, "dp_samplers", {"--rounds", "--seconds"});
  if (!args) return Usage();
  const int rounds = std::atoi(args->Get("--rounds", "5").c_str());
  const double seconds = std::atof(args->Get("--seconds", "0.4").c_str());
  if (rounds < 1 || seconds <= 0) return Usage();

  std::vector<Row> rows;
  auto gaussian = [&](const char* label, const Rational& sigma2) {
    auto sampler = std::make_shared<DiscreteGaussianSampler>(
        std::move(DiscreteGaussianSampler::Create(sigma2)).value());
    const double sigma =
        std::sqrt(static_cast<double>(sigma2.num) / static_cast<double>(sigma2.den));
    auto normal = std::make_shared<std::normal_distribution<double>>(0.0, sigma);
    rows.push_back(Row{std::string("discrete Gaussian, sigma^2 = ") + label,
                       "std::normal_distribution",
                       [sampler](RandomBits& bits) { return sampler->Sample(bits); },
                       [normal](std::mt19937& engine) {
                         return static_cast<int64_t>(std::llround((*normal)(engine)));
                       }});
  };
  auto laplace = [&](const char* label, const Rational& scale) {
    auto sampler = std::make_shared<DiscreteLaplaceSampler>(
        std::move(DiscreteLaplaceSampler::Create(scale)).value());
    const double b = static_cast<double>(scale.num) / static_cast<double>(scale.den);
    auto uniform = std::make_shared<std::uniform_real_distribution<double>>(0.0, 1.0);
    rows.push_back(Row{std::string("discrete Laplace, scale ") + label, "b * log(U), random sign",
                       [sampler](RandomBits& bits) { return sampler->Sample(bits); },
                       [uniform, b](std::mt19937& engine) {
                         const double magnitude = -b * std::log(1.0 - (*uniform)(engine));
                         return static_cast<int64_t>(
                             std::llround(engine() & 1 ? magnitude : -magnitude));
                       }});
  };
  gaussian("1", Rational{1, 1});
  gaussian("10^4", Rational{10000, 1});
  gaussian("10^8", Rational{100000000, 1});
  laplace("1", Rational{1, 1});
  laplace("100", Rational{100, 1});

  RandomBits system_bits(SystemRandom());
  FastRandom fast_random(1);
  RandomBits fast_bits(fast_random);
  std::mt19937 engine(1);
  for (int round = 0; round < rounds; ++round) {
    for (Row& row : rows) {
      const Rate system = Measure([&] { return row.draw(system_bits); }, seconds,
                                  [&] { return system_bits.bits_used(); });
      const Rate fast = Measure([&] { return row.draw(fast_bits); }, seconds);
      const Rate reference = Measure([&] { return row.reference_draw(engine); }, seconds);
      row.system_rates.push_back(system.per_second);
      row.fast_rates.push_back(fast.per_second);
      row.reference_rates.push_back(reference.per_second);
      row.ratios.push_back(system.per_second / reference.per_second);
      row.bits.push_back(system.bits_per_sample);
    }
    std::fprintf(stderr, "round %d/%d done\n", round + 1, rounds);
  }
  const std::string body = Markdown(rows, rounds, seconds) + Environment(args->command);
  std::printf("%s", body.c_str());
  if (args->write && !WriteSection(args->markdown_path, "bench/dp_samplers.cc",
                                   "DP noise samplers (bench/dp_samplers.cc)", body)) {
    std::fprintf(stderr, "dp_samplers: cannot write %s\n", args->markdown_path.c_str());
    return 1;
  }
  return 0;
}
