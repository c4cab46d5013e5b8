#include "crawler/table_builder.h"

#include <map>

#include "common/strings.h"
#include "crawler/glue_types.h"

namespace cleanroom::crawler {
namespace {

std::vector<std::string> ColumnNames(const FileSchema& schema) {
  std::vector<std::string> names;
  for (const auto& c : schema.columns) names.push_back(c.name);
  return names;
}

void MergeColumns(const FileSchema& schema, std::vector<glue::DiscoveredColumn>* columns) {
  for (const auto& c : schema.columns) {
    bool found = false;
    for (auto& existing : *columns) {
      if (existing.name == c.name) {
        existing.type = MergeGlueTypes(existing.type, c.type);
        found = true;
        break;
      }
    }
    if (!found) columns->push_back(c);
  }
}

void SetStorage(const FileSchema& first, glue::DiscoveredTable* table) {
  switch (first.format) {
    case Format::kCsv: {
      table->input_format = "org.apache.hadoop.mapred.TextInputFormat";
      table->output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
      const CsvDialect& d = first.csv;
      if (!d.quote.empty()) {
        table->serde_library = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
        table->serde_parameters["separatorChar"] = d.delimiter;
        table->serde_parameters["quoteChar"] = d.quote;
        if (!d.escape.empty()) table->serde_parameters["escapeChar"] = d.escape;
      } else {
        table->serde_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
        table->serde_parameters["field.delim"] = d.delimiter;
      }
      table->parameters["delimiter"] = d.delimiter;
      table->parameters["areColumnsQuoted"] = d.quote.empty() ? "false" : "true";
      if (d.has_header) table->parameters["skip.header.line.count"] = "1";
      if (!d.date_format.empty()) table->parameters["dateFormat"] = d.date_format;
      if (!d.timestamp_format.empty()) table->parameters["timestampFormat"] = d.timestamp_format;
      break;
    }
    case Format::kJson:
      table->input_format = "org.apache.hadoop.mapred.TextInputFormat";
      table->output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
      table->serde_library = "org.openx.data.jsonserde.JsonSerDe";
      table->serde_parameters["paths"] = "";
      break;
    case Format::kParquet:
      table->input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
      table->output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
      table->serde_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
      table->serde_parameters["serialization.format"] = "1";
      break;
    case Format::kUnknown:
      break;
  }
  if (first.format == Format::kJson) {
    std::string paths;
    for (const auto& c : table->columns) paths += StrCat(paths.empty() ? "" : ",", c.name);
    table->serde_parameters["paths"] = paths;
  }
}

// Size and record estimates over a set of objects of which `read` were inferred.
struct Stats {
  uint64_t bytes = 0;
  int64_t objects = 0;
  uint64_t read_bytes = 0;
  int64_t read_records = 0;

  void Fill(std::map<std::string, std::string>* params, const std::string& classification) const {
    int64_t records = 0;
    if (read_bytes > 0) {
      records = static_cast<int64_t>(static_cast<double>(read_records) *
                                     static_cast<double>(bytes) / static_cast<double>(read_bytes));
    }
    (*params)["classification"] = classification;
    (*params)["compressionType"] = "none";
    (*params)["typeOfData"] = "file";
    (*params)["sizeKey"] = StrCat(bytes);
    (*params)["objectCount"] = StrCat(objects);
    (*params)["recordCount"] = StrCat(records);
    (*params)["averageRecordSize"] =
        StrCat(records > 0 ? static_cast<int64_t>(bytes) / records : 0);
  }
};

}  // namespace

std::optional<glue::DiscoveredTable> BuildTable(const std::string& bucket, const Dataset& dataset,
                                                const std::vector<FileResult>& files,
                                                std::vector<std::string>* messages) {
  std::vector<std::string> ignored;
  if (messages == nullptr) messages = &ignored;
  if (files.empty()) return std::nullopt;
  const FileSchema& first = files[0].schema;
  glue::DiscoveredTable table;
  table.name_hint = dataset.name_hint;
  table.location = StrCat("s3://", bucket, "/", dataset.root);
  table.classification = std::string(FormatName(first.format));
  std::map<std::vector<std::string>, Stats> partition_stats;
  std::vector<std::string> first_names = ColumnNames(first);
  for (const FileResult& f : files) {
    std::string where = StrCat("s3://", bucket, "/", f.object.key);
    if (f.schema.format != first.format) {
      messages->push_back(StrCat("skipped ", where, ": it is ", FormatName(f.schema.format),
                                 " but the table ", table.location, " is ", table.classification));
      continue;
    }
    if (first.format == Format::kCsv &&
        (!(f.schema.csv == first.csv) || ColumnNames(f.schema) != first_names)) {
      messages->push_back(StrCat("skipped ", where,
                                 ": its CSV header or dialect differs from the other files of ",
                                 table.location));
      continue;
    }
    MergeColumns(f.schema, &table.columns);
    Stats& s = partition_stats[f.partition_values];
    s.read_bytes += f.object.size;
    s.read_records += f.schema.record_count;
  }
  // Objects that were not read still count towards sizes.
  for (const auto& [values, objects] : dataset.partitions) {
    Stats& s = partition_stats[values];
    for (const ObjectRef& o : objects) {
      s.bytes += o.size;
      s.objects += 1;
    }
  }
  SetStorage(first, &table);
  for (const std::string& key : dataset.partition_keys)
    table.partition_keys.push_back({key, "string"});
  Stats total;
  for (const auto& [values, s] : partition_stats) {
    total.bytes += s.bytes;
    total.objects += s.objects;
    total.read_bytes += s.read_bytes;
    total.read_records += s.read_records;
    if (dataset.partition_keys.empty()) continue;
    glue::DiscoveredPartition partition;
    partition.values = values;
    // The folder as it is named in the bucket (keys keep their original case there).
    auto objects = dataset.partitions.find(values);
    if (objects == dataset.partitions.end() || objects->second.empty()) continue;
    const std::string& key = objects->second[0].key;
    partition.location = StrCat("s3://", bucket, "/", key.substr(0, key.rfind('/') + 1));
    s.Fill(&partition.parameters, table.classification);
    table.partitions.push_back(std::move(partition));
  }
  total.Fill(&table.parameters, table.classification);
  return table;
}

}  // namespace cleanroom::crawler
