// GetPartitions' Expression: the SQL-WHERE-like filter over partition keys that Glue documents.
//
//   predicate  :=  key op literal | literal op key          op: = <> != < > <= >=
//               |  key [NOT] IN (literal, ...)
//               |  key [NOT] BETWEEN literal AND literal
//               |  key [NOT] LIKE 'pattern'                 % and _ wildcards
//               |  key IS [NOT] NULL
//   expression :=  predicate | NOT expression | (expression)
//               |  expression AND expression | expression OR expression   (AND binds tighter)
//
// Keywords are case-insensitive. Keys are bare ([A-Za-z0-9_]), `back-quoted` or "double-quoted"
// names, matched case-insensitively. Literals are numbers or 'single-quoted' strings ('' is a
// quote). Comparisons follow the key's type: integer types (tinyint, smallint, int, integer,
// bigint, long) and decimal/double/float compare as numbers, everything else (string, varchar,
// char, date, timestamp) as strings; a partition value that is not a number for a numeric key
// matches nothing. The value __HIVE_DEFAULT_PARTITION__ is NULL.
#ifndef CLEANROOM_GLUE_PARTITION_EXPRESSION_H_
#define CLEANROOM_GLUE_PARTITION_EXPRESSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "glue/types.h"

namespace cleanroom::glue {

class PartitionFilter {
 public:
  // Parses `expression` for a table partitioned by `partition_keys`. An empty (or blank)
  // expression matches every partition. kInvalidArgument (InvalidInputException) for a syntax
  // error, an unknown key, a literal that cannot be compared with its key's type, or nesting
  // deeper than 100 levels.
  static absl::StatusOr<PartitionFilter> Parse(std::string_view expression,
                                               const std::vector<Column>& partition_keys);

  // True if a partition with `values` (one per key, in key order) satisfies the expression.
  bool Matches(const std::vector<std::string>& values) const;

  struct Node;

 private:
  explicit PartitionFilter(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;  // null: matches everything
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_PARTITION_EXPRESSION_H_
