// GetTables' Expression: "a regular expression pattern; only tables whose names match it are
// returned". Glue follows Hive here: the pattern must match the whole name, case-insensitively,
// and a '*' that does not follow '.' (or a backslash, or sit in a [...] class) is a wildcard
// for any characters, so "sales*", "*2024*" and "sales_.*" all work. Patterns run on RE2, whose
// matching time is linear in the name, so a hostile pattern cannot stall the server; RE2 has
// no backreferences or lookaround, and such patterns are rejected.
#ifndef CLEANROOM_GLUE_TABLE_NAME_FILTER_H_
#define CLEANROOM_GLUE_TABLE_NAME_FILTER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace cleanroom::glue {

// Immutable once compiled; safe to share between threads.
class TableNameFilter {
 public:
  // An empty expression matches every name. kInvalidArgument (InvalidInputException) if the
  // pattern does not compile or needs more than RE2's memory budget for it (1 MiB).
  static absl::StatusOr<TableNameFilter> Compile(std::string_view expression);

  bool Matches(std::string_view name) const;

  // The RE2 pattern an expression becomes ("" for none). Exposed for tests.
  static std::string Translate(std::string_view expression);

 private:
  explicit TableNameFilter(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;  // null: matches everything
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_TABLE_NAME_FILTER_H_
