// The `requestUri` of a REST operation ("/collaborations/{collaborationIdentifier}",
// "/{Bucket}/{Key+}?tagging"), parsed for routing: path segments that are literals, labels or
// one greedy label, and literal query parameters the request must carry.
//
// Request paths are matched as AWS clients send them: the raw path is split at '/' and each
// segment is percent-decoded afterwards, so a label may hold an encoded '/' (an ARN).
#ifndef CLEANROOM_APIMODEL_REQUEST_URI_H_
#define CLEANROOM_APIMODEL_REQUEST_URI_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cleanroom::apimodel {

class RequestUri {
 public:
  struct Segment {
    enum class Kind { kLiteral, kLabel, kGreedyLabel };
    Kind kind;
    std::string text;  // the literal, or the label name without braces and '+'
  };
  struct QueryLiteral {
    std::string name;
    std::optional<std::string> value;  // "?tagging" has none; "?x-id=GetObject" has one
  };

  // kInvalidArgument for a malformed template: unbalanced braces, a label that is not a whole
  // segment, an empty or repeated label name, or more than one greedy label.
  static absl::StatusOr<RequestUri> Parse(std::string_view request_uri);

  // Matches the decoded segments of a request path. On success fills `labels` (name ->
  // decoded value; a greedy label's segments are joined with '/'). A label never matches an
  // empty segment; a greedy label matches one or more segments.
  bool MatchPath(const std::vector<std::string>& segments,
                 std::map<std::string, std::string>* labels) const;
  // True if every literal query parameter of the template is present (with its value, if it
  // has one) in `query`.
  bool MatchQuery(const std::multimap<std::string, std::string>& query) const;

  // Orders templates that match the same request: true if this one is more specific than
  // `other` (a literal segment beats a label, a label beats a greedy label, compared from the
  // left; then more literal query parameters win).
  bool MoreSpecificThan(const RequestUri& other) const;

  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<QueryLiteral>& query_literals() const { return query_literals_; }
  // Label names in order of appearance.
  std::vector<std::string> LabelNames() const;

 private:
  bool MatchFrom(const std::vector<std::string>& segments, size_t segment, size_t index,
                 std::map<std::string, std::string>* labels) const;

  std::vector<Segment> segments_;
  std::vector<QueryLiteral> query_literals_;
};

// Splits a raw request path ("/a/b%2Fc/") into its percent-decoded segments ({"a", "b/c"}):
// one leading and one trailing '/' are ignored, empty segments are kept. nullopt on malformed
// percent-encoding.
std::optional<std::vector<std::string>> DecodePathSegments(std::string_view raw_path);

// Parses a raw query string into decoded name/value pairs ('+' is a space). nullopt on
// malformed percent-encoding.
std::optional<std::multimap<std::string, std::string>> DecodeQuery(std::string_view raw_query);

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_REQUEST_URI_H_
