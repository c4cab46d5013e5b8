// Helpers shared by the C++ benchmark programs: medians, number formatting, the run's
// environment line and the section of BENCHMARKS.md each program owns.
#ifndef CLEANROOM_BENCH_BENCH_REPORT_H_
#define CLEANROOM_BENCH_BENCH_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cleanroom::bench {

// The median of `v` (the upper one for an even count); 0 for an empty vector.
double Median(std::vector<double> v);

// The command line every C++ benchmark accepts: `--no-write`, `--benchmarks-md PATH`, and
// `--<name> VALUE` for the program's own options.
struct Args {
  std::string command;  // as run, for the report: "build/release/bench/<program> ..."
  std::string markdown_path = "BENCHMARKS.md";
  bool write = true;
  std::map<std::string, std::string> values;  // "--rounds" -> "5", for the options given

  // The value given for option `name`, else `fallback`.
  std::string Get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

// Parses argv for `program`, whose own options are `names` (e.g. {"--rounds", "--mib"}).
// nullopt on an unknown option or a missing value.
std::optional<Args> ParseArgs(int argc, char** argv, const std::string& program,
                              const std::vector<std::string>& names);

// `x` rounded to an integer with thousands separators: 1234567.8 -> "1,234,568".
std::string Thousands(double x);

// `x` formatted with a printf format for one double, e.g. Format("%.2f", x).
std::string Format(const char* format, double x);

// "\nRun: <UTC time> on <n> CPUs, <kernel>; compiler ...; load average ...\nCommand: `...`\n".
std::string Environment(const std::string& command);

// Replaces the section of the Markdown file at `path` between the markers
// "<!-- <owner>: begin -->" and "<!-- <owner>: end -->" with "## <title>" and `body`, or
// appends it if the markers are missing. Returns false if the file cannot be written.
bool WriteSection(const std::string& path, const std::string& owner, const std::string& title,
                  const std::string& body);

}  // namespace cleanroom::bench

#endif  // CLEANROOM_BENCH_BENCH_REPORT_H_
