// Turns the schemas inferred for a dataset's files into the table a crawler writes: one
// format and (for CSV) one dialect per table, columns merged across files, the storage
// descriptor and parameters Glue writes, and size/record estimates per table and partition.
#ifndef CLEANROOM_CRAWLER_TABLE_BUILDER_H_
#define CLEANROOM_CRAWLER_TABLE_BUILDER_H_

#include <optional>
#include <string>
#include <vector>

#include "crawler/layout.h"
#include "crawler/schema_inference.h"
#include "glue/crawl_runner.h"

namespace cleanroom::crawler {

// One object of the dataset that was read.
struct FileResult {
  ObjectRef object;
  std::vector<std::string> partition_values;
  FileSchema schema;
};

// Builds the table for `dataset` of `bucket` from `files` (the objects that were read; a
// dataset's other objects count towards sizes only). The table takes the format of the first
// file; files of another format, and CSV files whose dialect or header differs from the first
// one's, are left out and reported in `messages`. JSON and Parquet columns are the union over
// files (types merged by MergeGlueTypes). Returns nullopt when no file is left. `messages`
// may be null.
std::optional<glue::DiscoveredTable> BuildTable(const std::string& bucket, const Dataset& dataset,
                                                const std::vector<FileResult>& files,
                                                std::vector<std::string>* messages);

}  // namespace cleanroom::crawler

#endif  // CLEANROOM_CRAWLER_TABLE_BUILDER_H_
