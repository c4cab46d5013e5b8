#include "common/parallel.h"

#include <new>
#include <thread>
#include <vector>

namespace cleanroom {

absl::Status RunOnThreads(int threads, const std::function<absl::Status(int)>& work) {
  if (threads < 1) threads = 1;
  std::vector<absl::Status> status(threads);
  auto run = [&](int t) {
    try {
      status[t] = work(t);
    } catch (const std::bad_alloc&) {
      status[t] = absl::ResourceExhaustedError("out of memory");
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (int t = 1; t < threads; ++t) helpers.emplace_back(run, t);
  run(0);
  for (std::thread& h : helpers) h.join();
  for (absl::Status& s : status) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace cleanroom
