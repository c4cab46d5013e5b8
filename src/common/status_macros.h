// Status propagation macros used across every module boundary.
//
//   RETURN_IF_ERROR(expr);            // returns the absl::Status if not OK
//   ASSIGN_OR_RETURN(auto x, expr);   // unwraps an absl::StatusOr<T> or returns its status
#ifndef CLEANROOM_COMMON_STATUS_MACROS_H_
#define CLEANROOM_COMMON_STATUS_MACROS_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CLEANROOM_CONCAT_INNER_(a, b) a##b
#define CLEANROOM_CONCAT_(a, b) CLEANROOM_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::absl::Status _cr_status = (expr);      \
    if (!_cr_status.ok()) return _cr_status; \
  } while (0)

#define CLEANROOM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return std::move(tmp).status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  CLEANROOM_ASSIGN_OR_RETURN_IMPL_(CLEANROOM_CONCAT_(_cr_statusor_, __LINE__), lhs, expr)

// Always-fatal invariant check: for "cannot happen" conditions, never for input validation.
#define CLEANROOM_CHECK(cond)                                                         \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

#endif  // CLEANROOM_COMMON_STATUS_MACROS_H_
