// Reference for bench/protected_query_bench.py: generates the two parties' Parquet files and
// runs the benchmark's SQL on plain DuckDB (the pinned 1.4.4 library, nothing of ours) over
// local files; for diagnosis it also runs the SQL through cleanroom_engine (the server's engine
// layer: views with casts, output constraints, objects read through ObjectFileSystem) over the
// same local files, without the blob store, the API or the metadata.
//
//   plain_duckdb generate <dir> <a|b> <rows> <files> <first_id>
//       writes <dir>/part-<k>.parquet, ids first_id .. first_id + rows - 1, in id order
//   plain_duckdb serve [--threads N] [--memory-limit M] [--temp-dir D]
//       reads commands from stdin, one a line, and answers each with one line of JSON:
//         table <name> <col:TYPE,...> <file,...>   a table (Parquet, or CSV with a header)
//         plain <out.csv> <sql>                    COPY (<sql>) TO out.csv on plain DuckDB
//         engine <out.csv> <thresholds|-> <sql>    the same through cleanroom_engine;
//                                                  thresholds: table.column>=min,...
//         explain <out.txt> <sql>                  EXPLAIN ANALYZE on plain DuckDB
//         exec <out.txt> <sql>                     any statement on plain DuckDB (e.g. SET),
//                                                  its result as text in out.txt
//         quit
//       Timed commands answer {"ms": <wall clock of the query>, "cpu_ms": <CPU time of the
//       process meanwhile, user + system>}; errors {"error": "..."}.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "duckdb.hpp"
#include "engine/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::fprintf(stderr, "plain_duckdb: %s\n", message.c_str());
  return 1;
}

std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// User + system CPU time of this process so far, in milliseconds.
double CpuMillis() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// ----- generate ----------------------------------------------------------------------------------

// Dimension values come from bits of hash(id), so the same id has the same values in every
// file and run, and the two parties' dimensions are independent of each other.
int Generate(const std::string& dir, const std::string& party, uint64_t rows, uint64_t files,
             uint64_t first_id) {
  if (files == 0 || (party != "a" && party != "b")) return Fail("bad generate arguments");
  std::filesystem::create_directories(dir);
  duckdb::DBConfig config;
  config.SetOptionByName("memory_limit", duckdb::Value("4GB"));
  duckdb::DuckDB db(nullptr, &config);
  duckdb::Connection conn(db);
  const std::string columns =
      party == "a"
          ? "['north','south','east','west','central','coast','mountain','island']"
            "[1 + (hash(i) % 8)::INTEGER] AS region, "
            "['18-24','25-34','35-44','45-54','55-64','65+'][1 + ((hash(i) >> 8) % 6)::INTEGER] "
            "AS age_band, ((hash(i) >> 16) % 100000)::DOUBLE / 100 AS amount"
          : "['sports','news','music','travel','food'][1 + ((hash(i) >> 32) % 5)::INTEGER] AS "
            "segment, ['mobile','desktop','tablet','tv'][1 + ((hash(i) >> 40) % 4)::INTEGER] AS "
            "device, ((hash(i) >> 48) % 100)::BIGINT AS score";
  for (uint64_t f = 0; f < files; ++f) {
    uint64_t lo = first_id + rows * f / files, hi = first_id + rows * (f + 1) / files;
    std::string sql = "COPY (SELECT i AS id, " + columns + " FROM range(" + std::to_string(lo) +
                      ", " + std::to_string(hi) + ") t(i)) TO " +
                      Literal(dir + "/part-" + std::to_string(f) + ".parquet") +
                      " (FORMAT parquet)";
    auto result = conn.Query(sql);
    if (result->HasError()) return Fail(result->GetError());
  }
  return 0;
}

// ----- serve -------------------------------------------------------------------------------------

struct Table {
  std::string name;
  std::vector<cleanroom::engine::ColumnSchema> columns;
  std::vector<std::string> files;
  bool csv = false;
};

// Reads a local file with pread, as the server's object readers read blobs (minus the blob
// store: no per-read open, header or decryption).
class LocalReader final : public cleanroom::engine::ObjectReader {
 public:
  explicit LocalReader(int fd) : fd_(fd) {}
  ~LocalReader() override { ::close(fd_); }
  absl::Status ReadAt(uint64_t offset, char* buf, size_t n) override {
    while (n > 0) {
      ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return absl::DataLossError("short read");
      buf += got;
      n -= static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
};

class Server {
 public:
  Server(int threads, const std::string& memory_limit, const std::string& temp_dir)
      : threads_(threads), memory_limit_(memory_limit), temp_dir_(temp_dir) {
    // DuckDB creates the spill directory itself but not its parents.
    std::filesystem::create_directories(temp_dir);
    duckdb::DBConfig config;
    config.SetOptionByName("threads", duckdb::Value::BIGINT(threads));
    config.SetOptionByName("memory_limit", duckdb::Value(memory_limit));
    config.SetOptionByName("temp_directory", duckdb::Value(temp_dir + "/plain"));
    db_ = std::make_unique<duckdb::DuckDB>(nullptr, &config);
    conn_ = std::make_unique<duckdb::Connection>(*db_);
  }

  std::string Handle(const std::string& line) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    if (command == "table") {
      Table t;
      std::string columns, files;
      in >> t.name >> columns >> files;
      for (const std::string& c : Split(columns, ',')) {
        size_t colon = c.find(':');
        if (colon == std::string::npos) return Error("bad column " + c);
        t.columns.push_back({c.substr(0, colon), c.substr(colon + 1)});
      }
      t.files = Split(files, ',');
      if (t.name.empty() || t.columns.empty() || t.files.empty()) return Error("bad table");
      t.csv = t.files[0].size() > 4 && t.files[0].substr(t.files[0].size() - 4) == ".csv";
      std::string list = "[";
      for (size_t i = 0; i < t.files.size(); ++i) list += (i ? ", " : "") + Literal(t.files[i]);
      list += "]";
      std::string scan = "read_parquet(" + list + ")";
      if (t.csv) {
        std::string typed = "{";
        for (size_t i = 0; i < t.columns.size(); ++i) {
          typed += (i ? ", " : "") + Literal(t.columns[i].name) + ": " + Literal(t.columns[i].type);
        }
        scan =
            "read_csv(" + list + ", header = true, auto_detect = false, columns = " + typed + "}";
        scan += ")";
      }
      auto result =
          conn_->Query("CREATE OR REPLACE VIEW \"" + t.name + "\" AS SELECT * FROM " + scan);
      if (result->HasError()) return Error(result->GetError());
      tables_[t.name] = std::move(t);
      return "{\"ok\": true}";
    }
    std::string out;
    in >> out;
    if (command == "plain" || command == "explain" || command == "exec") {
      std::string sql = Rest(in);
      std::string statement = command == "plain" ? "COPY (" + sql + ") TO " + Literal(out) +
                                                       " (FORMAT csv, HEADER true)"
                              : command == "explain" ? "EXPLAIN ANALYZE " + sql
                                                     : sql;
      double cpu = CpuMillis();
      auto start = Clock::now();
      auto result = conn_->Query(statement);
      double ms = MillisSince(start);
      cpu = CpuMillis() - cpu;
      if (result->HasError()) return Error(result->GetError());
      if (command != "plain") {
        std::ofstream(out) << result->ToString();
      }
      return Millis(ms, cpu);
    }
    if (command == "engine") {
      std::string thresholds;
      in >> thresholds;
      return RunEngine(out, thresholds, Rest(in));
    }
    return Error("unknown command " + command);
  }

 private:
  static std::string Rest(std::istringstream& in) {
    std::string rest;
    std::getline(in, rest);
    size_t start = rest.find_first_not_of(' ');
    return start == std::string::npos ? "" : rest.substr(start);
  }
  static std::string Error(const std::string& message) {
    return "{\"error\": " + JsonString(message) + "}";
  }
  static std::string Millis(double ms, double cpu_ms) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "{\"ms\": %.3f, \"cpu_ms\": %.3f}", ms, cpu_ms);
    return buf;
  }

  std::string RunEngine(const std::string& out, const std::string& thresholds,
                        const std::string& sql) {
    namespace eng = cleanroom::engine;
    if (engine_ == nullptr) {
      eng::EngineOptions options;
      options.threads = threads_;
      options.memory_limit = memory_limit_;
      options.temp_directory = temp_dir_ + "/engine";
      auto engine = eng::Engine::Open(options);
      if (!engine.ok()) return Error(std::string(engine.status().message()));
      engine_ = std::move(*engine);
    }
    eng::ExecuteRequest request;
    request.sql = sql;
    request.output_format = "CSV";
    for (const std::string& t : Split(thresholds == "-" ? "" : thresholds, ',')) {
      size_t dot = t.find('.'), ge = t.find(">=");
      if (dot == std::string::npos || ge == std::string::npos || ge < dot)
        return Error("bad threshold " + t);
      request.thresholds.push_back(
          {t.substr(0, dot), t.substr(dot + 1, ge - dot - 1), std::stoll(t.substr(ge + 2))});
    }
    double cpu = CpuMillis();
    auto start = Clock::now();
    std::map<std::string, eng::GrantedObject> objects;
    std::vector<std::vector<std::string>> names;
    for (const auto& [name, table] : tables_) {
      names.emplace_back();
      for (const std::string& file : table.files) {
        std::string object =
            "o" + std::to_string(objects.size()) + (table.csv ? ".csv" : ".parquet");
        eng::GrantedObject granted;
        granted.size = std::filesystem::file_size(file);
        granted.open = [file]() -> absl::StatusOr<std::unique_ptr<eng::ObjectReader>> {
          int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
          if (fd < 0) return absl::NotFoundError(file);
          return std::make_unique<LocalReader>(fd);
        };
        objects[object] = std::move(granted);
        names.back().push_back(object);
      }
    }
    auto grant = engine_->Grant(std::move(objects), {{"result.csv", out}});
    if (!grant.ok()) return Error(std::string(grant.status().message()));
    size_t i = 0;
    for (const auto& [name, table] : tables_) {
      eng::TableSource source;
      source.schema.name = name;
      source.schema.columns = table.columns;
      source.format = table.csv ? "CSV" : "PARQUET";
      if (table.csv) {
        source.header = true;
        for (const auto& c : table.columns) source.file_columns.push_back({c.name, "VARCHAR"});
      }
      for (const std::string& object : names[i++]) source.urls.push_back((*grant)->Url(object));
      request.tables.push_back(std::move(source));
    }
    request.output_url = (*grant)->Url("result.csv");
    auto result = engine_->Execute(request);
    double ms = MillisSince(start);
    cpu = CpuMillis() - cpu;
    if (!result.ok()) return Error(std::string(result.status().message()));
    return Millis(ms, cpu);
  }

  int threads_;
  std::string memory_limit_, temp_dir_;
  std::unique_ptr<duckdb::DuckDB> db_;
  std::unique_ptr<duckdb::Connection> conn_;
  std::unique_ptr<cleanroom::engine::Engine> engine_;
  std::map<std::string, Table> tables_;
};

int Serve(const std::vector<std::string>& args) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string memory_limit = "2GB";
  std::string temp_dir = std::filesystem::temp_directory_path().string() + "/plain_duckdb_spill";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--threads") {
      threads = std::stoi(args[i + 1]);
    } else if (args[i] == "--memory-limit") {
      memory_limit = args[i + 1];
    } else if (args[i] == "--temp-dir") {
      temp_dir = args[i + 1];
    } else {
      return Fail("unknown option " + args[i]);
    }
  }
  Server server(threads, memory_limit, temp_dir);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "quit") break;
    if (line.empty()) continue;
    std::string answer;
    try {
      answer = server.Handle(line);
    } catch (const std::exception& e) {
      answer = "{\"error\": " + JsonString(e.what()) + "}";
    }
    std::cout << answer << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 6 && args[0] == "generate") {
    return Generate(args[1], args[2], std::stoull(args[3]), std::stoull(args[4]),
                    std::stoull(args[5]));
  }
  if (!args.empty() && args[0] == "serve") {
    return Serve(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  return Fail(
      "usage: plain_duckdb generate <dir> <a|b> <rows> <files> <first_id> | serve [--threads N] "
      "[--memory-limit M] [--temp-dir D]");
}
