// Schema inference for one object: format detection from its first and last bytes, then the
// engine's own sniffers (sniff_csv, read_json's sampling, the Parquet footer), which read only
// the head of a text object and only the footer of a Parquet one.
#ifndef CLEANROOM_CRAWLER_SCHEMA_INFERENCE_H_
#define CLEANROOM_CRAWLER_SCHEMA_INFERENCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "glue/crawl_runner.h"

namespace cleanroom::crawler {

enum class Format { kUnknown, kCsv, kJson, kParquet };

// Glue's classification: "csv", "json", "parquet" ("unknown" for kUnknown).
std::string_view FormatName(Format format);

// How many leading bytes of an object inference wants (for detection and estimates).
inline constexpr size_t kHeadBytes = 1 << 20;

// Decides the format from the object's first bytes and its last four: Parquet by its "PAR1"
// magic at both ends; JSON lines when the first non-blank character opens an object; CSV when
// the head is text (valid UTF-8, no NUL bytes). Anything else is kUnknown.
Format DetectFormat(std::string_view head, std::string_view last4);

struct CsvDialect {
  std::string delimiter;  // one character
  std::string quote;      // "" when none
  std::string escape;     // "" when none
  bool has_header = true;
  std::string date_format;       // strftime-style as the engine detected it, or ""
  std::string timestamp_format;  // ditto
  bool operator==(const CsvDialect& other) const = default;
};

struct FileSchema {
  Format format = Format::kUnknown;
  // Lower-cased, unique, non-empty names with Glue types.
  std::vector<glue::DiscoveredColumn> columns;
  CsvDialect csv;  // meaningful for kCsv only
  // Exact for Parquet (from the footer) and for text objects that fit in the head; otherwise
  // estimated from the head's average record size, as Glue does.
  int64_t record_count = 0;
  int64_t average_record_size = 0;
};

// Infers the schema of the object at `url` (granted in `engine`) of `size` bytes whose first
// bytes are `head` (min(size, kHeadBytes) of them). kInvalidArgument with the engine's message
// when the object cannot be parsed as `format` (a corrupt file, a ragged CSV), and for kUnknown.
absl::StatusOr<FileSchema> InferSchema(engine::Engine& engine, const std::string& url,
                                       Format format, std::string_view head, uint64_t size);

// Glue column names from raw ones: lower-cased and trimmed; empty names become "col<i>"; the
// engine's "column<i>" for header-less CSVs become "col<i>"; duplicates get "_<n>".
std::vector<std::string> NormalizeColumnNames(const std::vector<std::string>& raw, bool generated);

}  // namespace cleanroom::crawler

#endif  // CLEANROOM_CRAWLER_SCHEMA_INFERENCE_H_
