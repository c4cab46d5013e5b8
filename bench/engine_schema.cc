// Reference for bench/crawl_bench.py: the SQL engine reading a dataset's schema straight from
// local files, with the same sniffers the crawler uses, and a Parquet dataset generator.
//
//   engine_schema generate-parquet <dir> <bytes>   writes year=<y>/part-<n>.parquet files
//   engine_schema schema csv|parquet <file>...      prints {"ms": <elapsed>, "files": <n>}
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/strings.h"
#include "engine/engine.h"

namespace {

using cleanroom::StrCat;
using cleanroom::engine::Engine;

int Fail(const std::string& message) {
  std::fprintf(stderr, "engine_schema: %s\n", message.c_str());
  return 1;
}

std::unique_ptr<Engine> OpenLocal() {
  cleanroom::engine::EngineOptions options;
  options.allow_external_access = true;
  options.memory_limit = "4GB";
  auto engine = Engine::Open(options);
  return engine.ok() ? std::move(*engine) : nullptr;
}

int GenerateParquet(const std::string& dir, uint64_t bytes) {
  auto engine = OpenLocal();
  if (engine == nullptr) return Fail("cannot open the engine");
  // About 50 bytes a row compressed (the md5 text does not compress); 16 files, 4 partitions.
  const int files = 16;
  uint64_t rows_per_file = bytes / 50 / files;
  for (int f = 0; f < files; ++f) {
    std::string folder = StrCat(dir, "/year=", 2021 + f % 4);
    std::filesystem::create_directories(folder);
    auto result =
        engine->Query(StrCat("COPY (SELECT i AS customer_id, (i * 7919) % 1000003 AS segment, "
                             "random() * 1000 AS amount, md5(i::VARCHAR) AS token, "
                             "DATE '2020-01-01' + (i % 1500)::INTEGER AS day FROM range(",
                             f * rows_per_file, ", ", (f + 1) * rows_per_file, ") t(i)) TO '",
                             folder, "/part-", f, ".parquet' (FORMAT parquet)"));
    if (!result.ok()) return Fail(std::string(result.status().message()));
  }
  return 0;
}

int Schema(const std::string& format, const std::vector<std::string>& files) {
  auto engine = OpenLocal();
  if (engine == nullptr) return Fail("cannot open the engine");
  auto start = std::chrono::steady_clock::now();
  std::string columns;
  for (const std::string& file : files) {
    std::string sql =
        format == "csv"
            ? StrCat("SELECT to_json(Columns)::VARCHAR FROM sniff_csv('", file, "')")
            : StrCat(
                  "SELECT list(column_name || ' ' || column_type)::VARCHAR FROM (DESCRIBE "
                  "SELECT * FROM read_parquet('",
                  file, "', hive_partitioning = false))");
    auto result = engine->Query(sql);
    if (!result.ok()) return Fail(std::string(result.status().message()));
    if (format == "parquet") {
      auto rows = engine->Query(StrCat("SELECT num_rows FROM parquet_file_metadata('", file, "')"));
      if (!rows.ok()) return Fail(std::string(rows.status().message()));
    }
    columns = result->rows.at(0).at(0).value_or("");
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "columns: %s\n", columns.c_str());
  std::printf("{\"ms\": %.3f, \"files\": %zu}\n", ms, files.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "generate-parquet") {
    uint64_t bytes = 0;
    if (!cleanroom::ParseUint64(args[2], &bytes)) return Fail("bad byte count");
    return GenerateParquet(args[1], bytes);
  }
  if (args.size() >= 3 && args[0] == "schema" && (args[1] == "csv" || args[1] == "parquet")) {
    return Schema(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  }
  return Fail("usage: engine_schema generate-parquet <dir> <bytes> | schema csv|parquet <file>...");
}
