// MD5 (the S3 ETag) and MD5 + SHA-256 (the ETag and a signed payload hash) of concurrent
// streams: the multi-lane engine (src/crypto/hash_lanes.h), which S3 uses for every PUT and
// UploadPart body, against OpenSSL on each stream's own thread (what it replaced), measured in the
// same run.
//
//   hash_lanes [--rounds N] [--mib M] [--benchmarks-md PATH] [--no-write]
//
// Each row runs S streams on S threads; every stream hashes 1 MiB objects, as S3 PUTs of 1 MiB
// do (a new stream per object, the body fed in one piece, then Finish), M MiB in all per row
// and round. Rows report wall-clock throughput and CPU time of the whole process per MiB (the
// engine's thread included). Ratios are computed within each round, both sides measured back to
// back; cells are medians over the rounds with the lowest and highest round in brackets. The
// section between the "bench/hash_lanes.cc" markers of BENCHMARKS.md is replaced (appended the
// first time) unless --no-write is given.
#include "crypto/hash_lanes.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_report.h"
#include "crypto/hash.h"

namespace {

using cleanroom::bench::Args;
using cleanroom::bench::Environment;
using cleanroom::bench::Format;
using cleanroom::bench::Median;
using cleanroom::bench::ParseArgs;
using cleanroom::bench::WriteSection;
using cleanroom::crypto::Digest;
using cleanroom::crypto::HashLanes;

constexpr size_t kMiB = size_t{1} << 20;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Measurement {
  double mb_per_second = 0;  // 10^6 bytes per second of wall clock
  double cpu_ms_per_mib = 0;
};

// Hashes `objects` 1 MiB objects on `streams` threads, each object with hash(object bytes),
// and returns the throughput and CPU cost.
Measurement Run(int streams, int objects, const std::vector<std::string>& bodies,
                const std::function<std::string(const std::string&)>& hash) {
  std::atomic<int> next{0};
  std::atomic<unsigned> sink{0};
  std::vector<std::thread> threads;
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      unsigned local = 0;
      for (int i = next++; i < objects; i = next++) {
        local += static_cast<unsigned char>(hash(bodies[(i + s) % bodies.size()])[0]);
      }
      sink += local;
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  return {static_cast<double>(objects) * kMiB / 1e6 / seconds, cpu * 1e3 / objects};
}

struct Row {
  bool sha256;  // MD5 + SHA-256, else MD5 only
  int streams;
  std::vector<double> lanes_rate, openssl_rate, lanes_cpu, openssl_cpu, rate_ratio, cpu_ratio;
};

std::string Range(const std::vector<double>& v, const char* format) {
  const auto [low, high] = std::minmax_element(v.begin(), v.end());
  return Format(format, Median(v)) + " (" + Format(format, *low) + "–" + Format(format, *high) +
         ")";
}

std::string Markdown(const std::vector<Row>& rows, int rounds, int mib) {
  std::ostringstream out;
  out << "| digests | concurrent streams | engine MB/s | OpenSSL MB/s | engine / OpenSSL, "
         "throughput | engine CPU ms per MiB | OpenSSL CPU ms per MiB | OpenSSL / engine, CPU per "
         "MiB |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Row& row : rows) {
    out << "| " << (row.sha256 ? "MD5 + SHA-256" : "MD5") << " | " << row.streams << " | "
        << Format("%.0f", Median(row.lanes_rate)) << " | "
        << Format("%.0f", Median(row.openssl_rate)) << " | " << Range(row.rate_ratio, "%.2f")
        << " | " << Format("%.2f", Median(row.lanes_cpu)) << " | "
        << Format("%.2f", Median(row.openssl_cpu)) << " | " << Range(row.cpu_ratio, "%.2f")
        << " |\n";
  }
  out << "\nEach stream hashes 1 MiB objects, one piece per object as an S3 PUT of 1 MiB does, "
      << mib << " MiB per row and round; " << rounds
      << " rounds, ratios within each round, median (lowest–highest round). "
         "**engine**: `crypto::HashLanes::Shared()`, one worker thread hashing up to "
      << HashLanes::kLanes
      << " streams together (the callers only wait). **OpenSSL**: `EVP_DigestUpdate` with MD5 "
         "(and SHA-256) on each stream's own thread, what S3 PUTs used before. "
         "CPU is the whole process's user + system time (the engine's thread included) per MiB "
         "hashed. MD5 alone gains with concurrent streams; with SHA-256 a lone stream gains too, "
         "its two digests interleaved.\n";
  return out.str();
}

int Usage() {
  std::fprintf(stderr,
               "usage: hash_lanes [--rounds N] [--mib M] [--benchmarks-md PATH] [--no-write]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Args> args = ParseArgs(argc, argv, "hash_lanes", {"--rounds", "--mib"});
  if (!args) return Usage();
  const int rounds = std::atoi(args->Get("--rounds", "5").c_str());
  const int mib = std::atoi(args->Get("--mib", "512").c_str());
  if (rounds < 1 || mib < 1) return Usage();
  HashLanes* engine = HashLanes::Shared();
  if (engine == nullptr) {
    std::fprintf(stderr, "hash_lanes: this CPU has no AVX2; the engine is not used here\n");
    return 1;
  }

  std::vector<std::string> bodies(16, std::string(kMiB, '\0'));
  std::mt19937_64 rng(1);
  for (auto& body : bodies) {
    for (char& c : body) c = static_cast<char>(rng());
  }
  const bool sha256_supported = HashLanes::Sha256Supported();
  auto lanes = [engine](bool sha256) {
    return [engine, sha256](const std::string& body) {
      HashLanes::Stream stream(*engine, sha256);
      stream.Update(body);
      return stream.Finish().md5;
    };
  };
  auto openssl = [](bool sha256) {
    return [sha256](const std::string& body) {
      Digest md5(Digest::Algorithm::kMd5);
      md5.Update(body);
      if (sha256) {
        Digest sha(Digest::Algorithm::kSha256);
        sha.Update(body);
        return md5.Finish() + sha.Finish();
      }
      return md5.Finish();
    };
  };

  std::vector<Row> rows;
  for (bool sha256 : {false, true}) {
    if (sha256 && !sha256_supported) continue;
    for (int streams : {1, 2, 3, 4, 8, 16}) {
      rows.push_back(Row{sha256, streams, {}, {}, {}, {}, {}, {}});
    }
  }
  for (int round = 0; round < rounds; ++round) {
    for (Row& row : rows) {
      // Alternate which side goes first.
      Measurement a, b;
      if (round % 2 == 0) {
        a = Run(row.streams, mib, bodies, lanes(row.sha256));
        b = Run(row.streams, mib, bodies, openssl(row.sha256));
      } else {
        b = Run(row.streams, mib, bodies, openssl(row.sha256));
        a = Run(row.streams, mib, bodies, lanes(row.sha256));
      }
      row.lanes_rate.push_back(a.mb_per_second);
      row.openssl_rate.push_back(b.mb_per_second);
      row.lanes_cpu.push_back(a.cpu_ms_per_mib);
      row.openssl_cpu.push_back(b.cpu_ms_per_mib);
      row.rate_ratio.push_back(a.mb_per_second / b.mb_per_second);
      row.cpu_ratio.push_back(b.cpu_ms_per_mib / a.cpu_ms_per_mib);
    }
    std::fprintf(stderr, "round %d/%d done\n", round + 1, rounds);
  }
  const std::string body = Markdown(rows, rounds, mib) + Environment(args->command);
  std::printf("%s", body.c_str());
  if (args->write &&
      !WriteSection(args->markdown_path, "bench/hash_lanes.cc",
                    "MD5 and SHA-256 of concurrent streams (bench/hash_lanes.cc)", body)) {
    std::fprintf(stderr, "hash_lanes: cannot write %s\n", args->markdown_path.c_str());
    return 1;
  }
  return 0;
}
