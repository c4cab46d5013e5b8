#include "apimodel/request_uri.h"

#include <set>

#include "common/encoding.h"
#include "common/strings.h"

namespace cleanroom::apimodel {
namespace {

std::vector<std::string_view> RawSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  return Split(path, '/');
}

absl::Status Malformed(std::string_view request_uri, std::string_view why) {
  return absl::InvalidArgumentError(ToAbsl(StrCat("requestUri '", request_uri, "': ", why)));
}

int Rank(RequestUri::Segment::Kind kind) {
  switch (kind) {
    case RequestUri::Segment::Kind::kLiteral:
      return 0;
    case RequestUri::Segment::Kind::kLabel:
      return 1;
    case RequestUri::Segment::Kind::kGreedyLabel:
      return 2;
  }
  return 3;
}

}  // namespace

absl::StatusOr<RequestUri> RequestUri::Parse(std::string_view request_uri) {
  RequestUri uri;
  size_t q = request_uri.find('?');
  std::string_view path = request_uri.substr(0, q);
  if (!StartsWith(path, "/")) return Malformed(request_uri, "does not start with '/'");
  std::set<std::string> names;
  bool greedy_seen = false;
  for (std::string_view raw : RawSegments(path)) {
    bool opens = raw.find('{') != std::string_view::npos;
    bool closes = raw.find('}') != std::string_view::npos;
    if (!opens && !closes) {
      uri.segments_.push_back({Segment::Kind::kLiteral, std::string(raw)});
      continue;
    }
    if (raw.size() < 3 || raw.front() != '{' || raw.back() != '}' ||
        raw.substr(1, raw.size() - 2).find_first_of("{}") != std::string_view::npos) {
      return Malformed(request_uri, StrCat("'", raw, "' is not a whole-segment label"));
    }
    std::string_view name = raw.substr(1, raw.size() - 2);
    Segment::Kind kind = Segment::Kind::kLabel;
    if (EndsWith(name, "+")) {
      if (greedy_seen) return Malformed(request_uri, "more than one greedy label");
      greedy_seen = true;
      kind = Segment::Kind::kGreedyLabel;
      name.remove_suffix(1);
    }
    if (name.empty()) return Malformed(request_uri, "an empty label name");
    if (!names.insert(std::string(name)).second) {
      return Malformed(request_uri, StrCat("label '", name, "' appears twice"));
    }
    uri.segments_.push_back({kind, std::string(name)});
  }
  if (q != std::string_view::npos) {
    for (std::string_view pair : Split(request_uri.substr(q + 1), '&')) {
      if (pair.empty()) continue;
      if (pair.find_first_of("{}") != std::string_view::npos) {
        return Malformed(request_uri, "a label in the query part");
      }
      size_t eq = pair.find('=');
      QueryLiteral literal{std::string(pair.substr(0, eq)), std::nullopt};
      if (eq != std::string_view::npos) literal.value = std::string(pair.substr(eq + 1));
      uri.query_literals_.push_back(std::move(literal));
    }
  }
  return uri;
}

bool RequestUri::MatchPath(const std::vector<std::string>& segments,
                           std::map<std::string, std::string>* labels) const {
  std::map<std::string, std::string> found;
  if (!MatchFrom(segments, 0, 0, &found)) return false;
  *labels = std::move(found);
  return true;
}

bool RequestUri::MatchFrom(const std::vector<std::string>& segments, size_t segment, size_t index,
                           std::map<std::string, std::string>* labels) const {
  if (index == segments_.size()) return segment == segments.size();
  if (segment == segments.size()) return false;
  const Segment& t = segments_[index];
  switch (t.kind) {
    case Segment::Kind::kLiteral:
      return t.text == segments[segment] && MatchFrom(segments, segment + 1, index + 1, labels);
    case Segment::Kind::kLabel:
      if (segments[segment].empty()) return false;
      (*labels)[t.text] = segments[segment];
      return MatchFrom(segments, segment + 1, index + 1, labels);
    case Segment::Kind::kGreedyLabel: {
      // As many segments as possible, leaving enough for the rest of the template.
      size_t rest = segments_.size() - index - 1;
      if (segments.size() - segment < rest + 1) return false;
      for (size_t end = segments.size() - rest; end > segment; --end) {
        std::string value;
        for (size_t k = segment; k < end; ++k) {
          if (k > segment) value += '/';
          value += segments[k];
        }
        if (value.empty()) continue;
        (*labels)[t.text] = value;
        if (MatchFrom(segments, end, index + 1, labels)) return true;
      }
      return false;
    }
  }
  return false;
}

bool RequestUri::MatchQuery(const std::multimap<std::string, std::string>& query) const {
  for (const QueryLiteral& literal : query_literals_) {
    auto [begin, end] = query.equal_range(literal.name);
    bool found = false;
    for (auto it = begin; it != end && !found; ++it) {
      found = !literal.value || it->second == *literal.value;
    }
    if (!found) return false;
  }
  return true;
}

bool RequestUri::MoreSpecificThan(const RequestUri& other) const {
  size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    int mine = Rank(segments_[i].kind);
    int theirs = Rank(other.segments_[i].kind);
    if (mine != theirs) return mine < theirs;
  }
  if (segments_.size() != other.segments_.size()) return segments_.size() > other.segments_.size();
  return query_literals_.size() > other.query_literals_.size();
}

std::vector<std::string> RequestUri::LabelNames() const {
  std::vector<std::string> names;
  for (const Segment& s : segments_) {
    if (s.kind != Segment::Kind::kLiteral) names.push_back(s.text);
  }
  return names;
}

std::optional<std::vector<std::string>> DecodePathSegments(std::string_view raw_path) {
  std::vector<std::string> out;
  for (std::string_view raw : RawSegments(raw_path)) {
    std::optional<std::string> decoded = UriDecode(raw);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
  }
  return out;
}

std::optional<std::multimap<std::string, std::string>> DecodeQuery(std::string_view raw_query) {
  std::multimap<std::string, std::string> out;
  if (raw_query.empty()) return out;
  for (std::string_view pair : Split(raw_query, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> name = UriDecode(pair.substr(0, eq), /*plus_as_space=*/true);
    std::optional<std::string> value =
        UriDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), /*plus_as_space=*/true);
    if (!name || !value) return std::nullopt;
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace cleanroom::apimodel
