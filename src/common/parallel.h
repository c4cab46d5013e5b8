// Running one piece of work on several threads at once.
#ifndef CLEANROOM_COMMON_PARALLEL_H_
#define CLEANROOM_COMMON_PARALLEL_H_

#include <functional>

#include "absl/status/status.h"

namespace cleanroom {

// Runs work(0), ..., work(threads - 1) at once: work(0) on the calling thread, the others on
// threads of their own, and returns when all have returned. The result is the first error in
// that order, else OK. A std::bad_alloc thrown by `work` becomes kResourceExhausted; `work` must
// not throw anything else. threads < 1 is taken as 1.
absl::Status RunOnThreads(int threads, const std::function<absl::Status(int)>& work);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_PARALLEL_H_
