// Glue (Hive) column types: the mapping from the engine's types and the rules by which the
// types of one column in several files merge into the table's type.
#ifndef CLEANROOM_CRAWLER_GLUE_TYPES_H_
#define CLEANROOM_CRAWLER_GLUE_TYPES_H_

#include <string>
#include <string_view>

namespace cleanroom::crawler {

// The Glue type for a DuckDB type name as DESCRIBE / sniff_csv print it, e.g. "BIGINT" ->
// "bigint", "DECIMAL(10,2)" -> "decimal(10,2)", "STRUCT(a INTEGER, \"b c\" VARCHAR[])" ->
// "struct<a:int,b c:array<string>>". Types without a Glue counterpart (TIME, UUID, INTERVAL,
// JSON, NULL, unknown names) become "string". When `integers_as_bigint`, every integer type
// becomes bigint (what Glue's CSV and JSON classifiers write).
std::string GlueTypeOf(std::string_view duckdb_type, bool integers_as_bigint = false);

// The type a column gets when files of one table disagree: equal types stay; integer types
// widen to the wider; integers and floating point or decimals become double; anything else
// (including date vs timestamp, whose text forms one table cannot parse both of) is "string".
std::string MergeGlueTypes(const std::string& a, const std::string& b);

}  // namespace cleanroom::crawler

#endif  // CLEANROOM_CRAWLER_GLUE_TYPES_H_
