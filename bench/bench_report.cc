#include "bench_report.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

namespace cleanroom::bench {

std::optional<Args> ParseArgs(int argc, char** argv, const std::string& program,
                              const std::vector<std::string>& names) {
  Args args;
  args.command = "build/release/bench/" + program;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    args.command += " " + arg;
    if (arg == "--no-write") {
      args.write = false;
      continue;
    }
    const bool known =
        arg == "--benchmarks-md" || std::find(names.begin(), names.end(), arg) != names.end();
    if (!known || i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    args.command += " " + value;
    if (arg == "--benchmarks-md") {
      args.markdown_path = value;
    } else {
      args.values[arg] = value;
    }
  }
  return args;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string Thousands(double x) {
  const auto n = static_cast<long long>(std::llround(x));
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Format(const char* format, double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, x);
  return buffer;
}

std::string Environment(const std::string& command) {
  std::ostringstream out;
  const std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  utsname system{};
  uname(&system);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  out << "\nRun: " << when << " on " << std::thread::hardware_concurrency() << " CPUs, "
      << system.sysname << " " << system.release << "; compiler " << __VERSION__
#ifdef NDEBUG
      << ", NDEBUG"
#endif
#ifdef __OPTIMIZE__
      << ", optimised"
#else
      << ", NOT optimised (use a release build)"
#endif
      << "; load average " << Format("%.1f", load[0]) << " at the end (the machine is shared)"
      << ".\nCommand: `" << command << "`\n";
  return out.str();
}

bool WriteSection(const std::string& path, const std::string& owner, const std::string& title,
                  const std::string& body) {
  const std::string begin = "<!-- " + owner + ": begin -->";
  const std::string end = "<!-- " + owner + ": end -->";
  const std::string section = begin + "\n## " + title + "\n\n" + body + end + "\n";
  std::string text;
  {
    std::ifstream in(path);
    if (in) {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
  }
  const size_t b = text.find(begin);
  const size_t e = text.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text = text.substr(0, b) + section.substr(0, section.size() - 1) + text.substr(e + end.size());
  } else {
    if (text.empty()) text = "# Benchmarks\n";
    while (!text.empty() && text.back() == '\n') text.pop_back();
    text += "\n\n" + section;
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace cleanroom::bench
