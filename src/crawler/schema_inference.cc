#include "crawler/schema_inference.h"

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "crawler/glue_types.h"
#include "nlohmann/json.hpp"

namespace cleanroom::crawler {
namespace {

// Counts records in a text head: newline-terminated lines, plus a final unterminated one when
// the head is the whole object.
int64_t CountLines(std::string_view head, bool whole) {
  int64_t lines = std::count(head.begin(), head.end(), '\n');
  if (whole && !head.empty() && head.back() != '\n') ++lines;
  return lines;
}

// Fills record_count / average_record_size for a text object from its head.
void EstimateRecords(std::string_view head, uint64_t size, int64_t header_lines,
                     FileSchema* schema) {
  bool whole = head.size() >= size;
  int64_t lines = CountLines(head, whole);
  int64_t records = std::max<int64_t>(0, lines - header_lines);
  if (records == 0) {
    schema->record_count = 0;
    schema->average_record_size = 0;
    return;
  }
  size_t header_bytes = 0;
  for (int64_t i = 0; i < header_lines; ++i) {
    size_t nl = head.find('\n', header_bytes);
    if (nl == std::string_view::npos) break;
    header_bytes = nl + 1;
  }
  int64_t body = static_cast<int64_t>(head.size() - header_bytes);
  schema->average_record_size = std::max<int64_t>(1, body / records);
  if (whole) {
    schema->record_count = records;
  } else {
    schema->record_count =
        static_cast<int64_t>((size - header_bytes) / schema->average_record_size);
  }
}

std::string OneChar(const std::string& s) { return s.size() == 1 ? s : ""; }

// A SQL string literal.
std::string Literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

class HeadObject final : public engine::ObjectReader {
 public:
  explicit HeadObject(std::shared_ptr<const std::string> data) : data_(std::move(data)) {}
  absl::Status ReadAt(uint64_t offset, char* buf, size_t n) override {
    if (offset > data_->size() || n > data_->size() - offset) {
      return absl::OutOfRangeError("past the end");
    }
    std::copy_n(data_->data() + offset, n, buf);
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<const std::string> data_;
};

// The expression that is NULL exactly when `column` (text) is not a valid `glue_type` value
// as the dialect reads it, or "" when every text is valid for the type.
std::string ConversionCheck(const std::string& column, const std::string& glue_type,
                            const CsvDialect& dialect) {
  if (glue_type == "bigint") return StrCat("TRY_CAST(", column, " AS BIGINT)");
  if (glue_type == "double") return StrCat("TRY_CAST(", column, " AS DOUBLE)");
  if (glue_type == "boolean") return StrCat("TRY_CAST(", column, " AS BOOLEAN)");
  if (glue_type == "date") {
    if (dialect.date_format.empty()) return StrCat("TRY_CAST(", column, " AS DATE)");
    return StrCat("try_strptime(", column, ", ", Literal(dialect.date_format), ")");
  }
  if (glue_type == "timestamp") {
    if (dialect.timestamp_format.empty()) return StrCat("TRY_CAST(", column, " AS TIMESTAMP)");
    return StrCat("try_strptime(", column, ", ", Literal(dialect.timestamp_format), ")");
  }
  return "";
}

// The engine's sniffer decides types from a sample and can pick a type that a later value of
// the sample does not convert to (e.g. two date formats in one column). Re-reads the head as
// text with the sniffed dialect and demotes to string every column with a value that does not
// convert, so the table's types never make reading the data fail.
absl::Status VerifyCsvTypes(engine::Engine& engine, const std::string& url, std::string_view head,
                            uint64_t size, FileSchema* schema) {
  std::unique_ptr<engine::ObjectGrant> head_grant;
  std::string source = url;
  if (head.size() < size) {
    size_t last_nl = head.rfind('\n');
    if (last_nl == std::string_view::npos) return absl::OkStatus();
    auto data = std::make_shared<const std::string>(head.substr(0, last_nl + 1));
    engine::GrantedObject object;
    object.size = data->size();
    object.open = [data]() -> absl::StatusOr<std::unique_ptr<engine::ObjectReader>> {
      return std::make_unique<HeadObject>(data);
    };
    ASSIGN_OR_RETURN(head_grant, engine.Grant({{"head.csv", object}}));
    source = head_grant->Url("head.csv");
  }
  std::string names;
  std::string checks;
  std::vector<size_t> checked;
  for (size_t i = 0; i < schema->columns.size(); ++i) {
    std::string column = StrCat("c", i);
    names += StrCat(i == 0 ? "" : ", ", Literal(column));
    std::string check = ConversionCheck(column, schema->columns[i].type, schema->csv);
    if (check.empty()) continue;
    checks += StrCat(checked.empty() ? "" : ", ", "count(", column, ") = count(", check, ")");
    checked.push_back(i);
  }
  if (checked.empty()) return absl::OkStatus();
  const CsvDialect& d = schema->csv;
  std::string scan = StrCat("read_csv(", Literal(source), ", delim = ", Literal(d.delimiter),
                            ", quote = ", Literal(d.quote), ", escape = ", Literal(d.escape),
                            ", header = false, skip = ", d.has_header ? 1 : 0,
                            ", all_varchar = true, null_padding = true, ignore_errors = true, ",
                            "names = [", names, "])");
  ASSIGN_OR_RETURN(engine::QueryResult result,
                   engine.Query(StrCat("SELECT ", checks, " FROM ", scan)));
  if (result.rows.size() != 1) return absl::OkStatus();
  for (size_t j = 0; j < checked.size(); ++j) {
    if (result.rows[0][j] != "true") schema->columns[checked[j]].type = "string";
  }
  return absl::OkStatus();
}

absl::StatusOr<FileSchema> InferCsv(engine::Engine& engine, const std::string& url,
                                    std::string_view head, uint64_t size) {
  ASSIGN_OR_RETURN(
      engine::QueryResult sniff,
      engine.Query(StrCat("SELECT Delimiter, Quote, Escape, HasHeader, DateFormat, "
                          "TimestampFormat, to_json(Columns)::VARCHAR FROM sniff_csv('",
                          url, "', sample_size = 20480)")));
  if (sniff.rows.size() != 1) return absl::InvalidArgumentError("the CSV sniffer found nothing");
  const auto& row = sniff.rows[0];
  FileSchema schema;
  schema.format = Format::kCsv;
  schema.csv.delimiter = row[0].value_or(",");
  schema.csv.quote = OneChar(row[1].value_or(""));
  schema.csv.escape = OneChar(row[2].value_or(""));
  schema.csv.has_header = row[3].value_or("true") == "true";
  schema.csv.date_format = row[4].value_or("");
  schema.csv.timestamp_format = row[5].value_or("");
  nlohmann::json columns = nlohmann::json::parse(row[6].value_or("[]"), nullptr, false);
  if (!columns.is_array() || columns.empty()) {
    return absl::InvalidArgumentError("the CSV sniffer found no columns");
  }
  std::vector<std::string> names;
  std::vector<std::string> types;
  for (const auto& c : columns) {
    names.push_back(c.value("name", ""));
    types.push_back(c.value("type", "VARCHAR"));
  }
  names = NormalizeColumnNames(names, !schema.csv.has_header);
  for (size_t i = 0; i < names.size(); ++i) {
    schema.columns.push_back({names[i], GlueTypeOf(types[i], /*integers_as_bigint=*/true)});
  }
  RETURN_IF_ERROR(VerifyCsvTypes(engine, url, head, size, &schema));
  EstimateRecords(head, size, schema.csv.has_header ? 1 : 0, &schema);
  return schema;
}

absl::StatusOr<FileSchema> InferDescribed(engine::Engine& engine, const std::string& scan,
                                          Format format) {
  ASSIGN_OR_RETURN(engine::QueryResult described,
                   engine.Query(StrCat("SELECT column_name, column_type FROM (DESCRIBE SELECT * "
                                       "FROM ",
                                       scan, ")")));
  FileSchema schema;
  schema.format = format;
  std::vector<std::string> names;
  for (const auto& row : described.rows) names.push_back(row[0].value_or(""));
  names = NormalizeColumnNames(names, /*generated=*/false);
  for (size_t i = 0; i < names.size(); ++i) {
    schema.columns.push_back(
        {names[i], GlueTypeOf(described.rows[i][1].value_or("VARCHAR"),
                              /*integers_as_bigint=*/format == Format::kJson)});
  }
  if (schema.columns.empty()) return absl::InvalidArgumentError("no columns found");
  return schema;
}

}  // namespace

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kCsv:
      return "csv";
    case Format::kJson:
      return "json";
    case Format::kParquet:
      return "parquet";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

Format DetectFormat(std::string_view head, std::string_view last4) {
  if (head.size() >= 4 && head.substr(0, 4) == "PAR1" && last4 == "PAR1") return Format::kParquet;
  if (head.empty() || head.find('\0') != std::string_view::npos) return Format::kUnknown;
  // The head may end inside a multi-byte character: check UTF-8 on whole lines only.
  std::string_view text = head;
  size_t last_nl = text.rfind('\n');
  if (last_nl != std::string_view::npos && last_nl + 1 < text.size()) {
    text = text.substr(0, last_nl + 1);
  }
  if (!IsValidUtf8(text)) return Format::kUnknown;
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Format::kUnknown;
  if (head[first] == '{') return Format::kJson;
  return Format::kCsv;
}

std::vector<std::string> NormalizeColumnNames(const std::vector<std::string>& raw, bool generated) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string name = ToLower(Trim(raw[i]));
    if (generated && name.rfind("column", 0) == 0) name = StrCat("col", name.substr(6));
    if (name.empty()) name = StrCat("col", i);
    std::string unique = name;
    for (int n = 1; seen.count(unique) > 0; ++n) unique = StrCat(name, "_", n);
    seen.insert(unique);
    out.push_back(unique);
  }
  return out;
}

absl::StatusOr<FileSchema> InferSchema(engine::Engine& engine, const std::string& url,
                                       Format format, std::string_view head, uint64_t size) {
  switch (format) {
    case Format::kCsv:
      return InferCsv(engine, url, head, size);
    case Format::kJson: {
      ASSIGN_OR_RETURN(
          FileSchema schema,
          InferDescribed(
              engine,
              StrCat("read_json('", url, "', format = 'newline_delimited', sample_size = 20480)"),
              Format::kJson));
      EstimateRecords(head, size, 0, &schema);
      return schema;
    }
    case Format::kParquet: {
      ASSIGN_OR_RETURN(
          FileSchema schema,
          InferDescribed(engine, StrCat("read_parquet('", url, "', hive_partitioning = false)"),
                         Format::kParquet));
      ASSIGN_OR_RETURN(
          engine::QueryResult meta,
          engine.Query(StrCat("SELECT num_rows FROM parquet_file_metadata('", url, "')")));
      uint64_t rows = 0;
      if (meta.rows.size() == 1 && meta.rows[0][0].has_value()) {
        ParseUint64(*meta.rows[0][0], &rows);
      }
      schema.record_count = static_cast<int64_t>(rows);
      schema.average_record_size = rows > 0 ? static_cast<int64_t>(size / rows) : 0;
      return schema;
    }
    case Format::kUnknown:
      break;
  }
  return absl::InvalidArgumentError("unrecognized data format");
}

}  // namespace cleanroom::crawler
