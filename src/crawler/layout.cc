#include "crawler/layout.h"

#include <cctype>

#include "common/strings.h"
#include "glue/names.h"

namespace cleanroom::crawler {
namespace {

constexpr size_t kMaxAlternatives = 64;

bool ValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

// Expands the first {a,b,...} group of `pattern` (recursively for the rest). kInvalidArgument
// if a group is unterminated or the expansion grows past kMaxAlternatives.
absl::Status ExpandBraces(const std::string& pattern, std::vector<std::string>* out) {
  size_t open = std::string::npos;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] == '{') {
      open = i;
      break;
    }
  }
  if (open == std::string::npos) {
    // "a/**/b" also matches "a/b": "**/" may stand for nothing.
    size_t deep = pattern.find("**/");
    if (deep != std::string::npos && (deep == 0 || pattern[deep - 1] == '/')) {
      std::string keep = StrCat(pattern.substr(0, deep), "\x01", pattern.substr(deep + 3));
      std::string drop = StrCat(pattern.substr(0, deep), pattern.substr(deep + 3));
      std::vector<std::string> rest;
      if (absl::Status s = ExpandBraces(keep, &rest); !s.ok()) return s;
      for (std::string& r : rest) {
        size_t mark = r.find('\x01');
        if (mark != std::string::npos) r.replace(mark, 1, "**/");
        if (out->size() >= kMaxAlternatives) {
          return absl::InvalidArgumentError("exclude pattern has too many alternatives");
        }
        out->push_back(r);
      }
      return ExpandBraces(drop, out);
    }
    if (out->size() >= kMaxAlternatives) {
      return absl::InvalidArgumentError("exclude pattern has too many alternatives");
    }
    out->push_back(pattern);
    return absl::OkStatus();
  }
  size_t close = pattern.find('}', open);
  if (close == std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("unterminated '{' in exclude pattern '", pattern, "'"));
  }
  std::string_view body(pattern.data() + open + 1, close - open - 1);
  for (std::string_view alt : Split(body, ',')) {
    std::string expanded = StrCat(pattern.substr(0, open), alt, pattern.substr(close + 1));
    if (absl::Status s = ExpandBraces(expanded, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Parses a character class starting after '['; returns the index after ']' or npos.
size_t MatchClass(std::string_view p, size_t i, char c, bool* matched) {
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool hit = false;
  bool first = true;
  while (i < p.size() && (first || p[i] != ']')) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) hit = true;
    ++i;
  }
  if (i >= p.size()) return std::string_view::npos;
  *matched = hit != negate;
  return i + 1;
}

// Dynamic programming over (pattern position, text position): linear in their product.
absl::StatusOr<bool> MatchOne(std::string_view p, std::string_view t) {
  // reach[j]: the pattern consumed so far can end at text position j.
  std::vector<char> reach(t.size() + 1, 0);
  reach[0] = 1;
  size_t i = 0;
  while (i < p.size()) {
    std::vector<char> next(t.size() + 1, 0);
    if (p[i] == '*') {
      bool deep = i + 1 < p.size() && p[i + 1] == '*';
      // One sweep: position k is reachable if some reachable j <= k has no '/' between them
      // (any characters for `**`).
      bool carry = false;
      for (size_t k = 0; k <= t.size(); ++k) {
        if (reach[k]) carry = true;
        next[k] = carry;
        if (k < t.size() && !deep && t[k] == '/') carry = false;
      }
      i += deep ? 2 : 1;
    } else {
      size_t end = i + 1;
      if (p[i] == '[') {
        bool unused = false;
        end = MatchClass(p, i + 1, '\0', &unused);
        if (end == std::string_view::npos) {
          return absl::InvalidArgumentError(
              StrCat("unterminated '[' in exclude pattern '", std::string(p), "'"));
        }
      } else if (p[i] == '\\' && i + 1 < p.size()) {
        end = i + 2;
      }
      for (size_t j = 0; j < t.size(); ++j) {
        if (!reach[j]) continue;
        char c = t[j];
        bool matched = false;
        if (p[i] == '?') {
          matched = c != '/';
        } else if (p[i] == '[') {
          MatchClass(p, i + 1, c, &matched);
          matched = matched && c != '/';
        } else if (p[i] == '\\' && i + 1 < p.size()) {
          matched = c == p[i + 1];
        } else {
          matched = c == p[i];
        }
        if (matched) next[j + 1] = 1;
      }
      i = end;
    }
    reach.swap(next);
  }
  return reach[t.size()] != 0;
}

std::string LastFolder(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  size_t slash = prefix.rfind('/');
  return std::string(slash == std::string_view::npos ? prefix : prefix.substr(slash + 1));
}

}  // namespace

absl::StatusOr<S3Path> ParseS3Path(std::string_view path) {
  constexpr std::string_view kScheme = "s3://";
  if (path.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        StrCat("S3 target path must start with s3://, got '", std::string(path), "'"));
  }
  std::string_view rest = path.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Path out;
  out.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) out.prefix = std::string(rest.substr(slash + 1));
  if (!ValidBucketName(out.bucket)) {
    return absl::InvalidArgumentError(StrCat("invalid bucket name '", out.bucket,
                                             "' in S3 target path '", std::string(path), "'"));
  }
  return out;
}

absl::StatusOr<bool> GlobMatches(std::string_view pattern, std::string_view path) {
  std::vector<std::string> alternatives;
  if (absl::Status s = ExpandBraces(std::string(pattern), &alternatives); !s.ok()) return s;
  for (const std::string& alt : alternatives) {
    absl::StatusOr<bool> m = MatchOne(alt, path);
    if (!m.ok()) return m.status();
    if (*m) return true;
  }
  return false;
}

bool IsIgnoredKey(std::string_view relative_key) {
  if (relative_key.empty() || relative_key.back() == '/') return true;
  constexpr std::string_view kFolderMarker = "_$folder$";
  if (relative_key.size() >= kFolderMarker.size() &&
      relative_key.substr(relative_key.size() - kFolderMarker.size()) == kFolderMarker) {
    return true;
  }
  for (std::string_view component : Split(relative_key, '/')) {
    if (!component.empty() && (component[0] == '_' || component[0] == '.')) return true;
  }
  return false;
}

std::string SanitizeTableName(std::string_view name) {
  std::string out;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    out += (std::islower(u) || std::isdigit(u) || u == '_') ? static_cast<char>(u) : '_';
  }
  return out.empty() ? "_" : out;
}

Grouping GroupIntoDatasets(const std::string& bucket, const std::string& include_prefix,
                           const std::vector<ObjectRef>& objects) {
  Grouping out;
  std::map<std::string, size_t> by_root;
  for (const ObjectRef& object : objects) {
    std::string_view rel(object.key);
    rel.remove_prefix(std::min(rel.size(), include_prefix.size()));
    std::vector<std::string_view> parts = Split(rel, '/');
    parts.pop_back();  // the file name
    std::string root = include_prefix;
    size_t i = 0;
    std::string key, value;
    for (; i < parts.size() && !glue::SplitPartitionFolder(parts[i], &key, &value); ++i) {
      root += StrCat(parts[i], "/");
    }
    std::vector<std::string> keys, values;
    for (size_t n = 0; i < parts.size(); ++i, ++n) {
      if (glue::SplitPartitionFolder(parts[i], &key, &value)) {
        keys.push_back(ToLower(key));
        values.push_back(value);
      } else {
        keys.push_back(StrCat("partition_", n));
        values.push_back(std::string(parts[i]));
      }
    }
    auto [it, inserted] = by_root.emplace(root, out.datasets.size());
    if (inserted) {
      Dataset dataset;
      dataset.root = root;
      std::string folder = LastFolder(root);
      dataset.name_hint = SanitizeTableName(folder.empty() ? bucket : folder);
      dataset.partition_keys = keys;
      out.datasets.push_back(std::move(dataset));
    }
    Dataset& dataset = out.datasets[it->second];
    if (dataset.partition_keys != keys) {
      out.messages.push_back(StrCat("skipped s3://", bucket, "/", object.key,
                                    ": its partition folders differ from the others under s3://",
                                    bucket, "/", root));
      continue;
    }
    dataset.partitions[values].push_back(object);
  }
  return out;
}

}  // namespace cleanroom::crawler
