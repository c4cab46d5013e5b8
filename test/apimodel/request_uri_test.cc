#include "apimodel/request_uri.h"

#include "gtest/gtest.h"

namespace cleanroom::apimodel {
namespace {

using Kind = RequestUri::Segment::Kind;

RequestUri MustParse(std::string_view text) {
  absl::StatusOr<RequestUri> uri = RequestUri::Parse(text);
  EXPECT_TRUE(uri.ok()) << text << ": " << uri.status().message();
  return uri.ok() ? *uri : RequestUri();
}

TEST(RequestUriTest, ParsesLiteralsLabelsAndGreedyLabels) {
  RequestUri uri = MustParse("/collaborations/{collaborationIdentifier}/schemas/{name}");
  ASSERT_EQ(uri.segments().size(), 4u);
  EXPECT_EQ(uri.segments()[0].kind, Kind::kLiteral);
  EXPECT_EQ(uri.segments()[0].text, "collaborations");
  EXPECT_EQ(uri.segments()[1].kind, Kind::kLabel);
  EXPECT_EQ(uri.segments()[1].text, "collaborationIdentifier");
  EXPECT_EQ(uri.LabelNames(), (std::vector<std::string>{"collaborationIdentifier", "name"}));

  RequestUri greedy = MustParse("/{Bucket}/{Key+}?tagging");
  ASSERT_EQ(greedy.segments().size(), 2u);
  EXPECT_EQ(greedy.segments()[1].kind, Kind::kGreedyLabel);
  EXPECT_EQ(greedy.segments()[1].text, "Key");
  ASSERT_EQ(greedy.query_literals().size(), 1u);
  EXPECT_EQ(greedy.query_literals()[0].name, "tagging");
  EXPECT_FALSE(greedy.query_literals()[0].value.has_value());

  RequestUri with_value = MustParse("/{Bucket}/{Key+}?x-id=GetObject");
  ASSERT_EQ(with_value.query_literals().size(), 1u);
  EXPECT_EQ(with_value.query_literals()[0].value, "GetObject");

  EXPECT_TRUE(MustParse("/").segments().empty());
}

TEST(RequestUriTest, RejectsMalformedTemplates) {
  EXPECT_FALSE(RequestUri::Parse("collaborations").ok());  // no leading '/'
  EXPECT_FALSE(RequestUri::Parse("/a/{id").ok());          // unbalanced
  EXPECT_FALSE(RequestUri::Parse("/a/x{id}").ok());        // not a whole segment
  EXPECT_FALSE(RequestUri::Parse("/a/{}").ok());           // empty name
  EXPECT_FALSE(RequestUri::Parse("/{a}/{a}").ok());        // repeated
  EXPECT_FALSE(RequestUri::Parse("/{a+}/{b+}").ok());      // two greedy labels
  EXPECT_FALSE(RequestUri::Parse("/a?{q}").ok());          // label in the query
}

TEST(RequestUriTest, MatchesDecodedSegments) {
  RequestUri uri = MustParse("/tags/{resourceArn}");
  std::optional<std::vector<std::string>> segments = DecodePathSegments(
      "/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A123456789012%3Acollaboration%2Fabc");
  ASSERT_TRUE(segments.has_value());
  std::map<std::string, std::string> labels;
  ASSERT_TRUE(uri.MatchPath(*segments, &labels));
  EXPECT_EQ(labels.at("resourceArn"),
            "arn:aws:cleanrooms:us-east-1:123456789012:collaboration/abc");

  EXPECT_FALSE(uri.MatchPath(*DecodePathSegments("/tags"), &labels));
  EXPECT_FALSE(uri.MatchPath(*DecodePathSegments("/tags/a/b"), &labels));
  EXPECT_FALSE(uri.MatchPath(*DecodePathSegments("/tags//"), &labels));  // empty label
  EXPECT_FALSE(uri.MatchPath(*DecodePathSegments("/Tags/x"), &labels));  // case-sensitive
}

TEST(RequestUriTest, GreedyLabelTakesSeveralSegments) {
  RequestUri uri = MustParse("/{Bucket}/{Key+}");
  std::map<std::string, std::string> labels;
  ASSERT_TRUE(uri.MatchPath(*DecodePathSegments("/b/dir/sub/file%20name.csv"), &labels));
  EXPECT_EQ(labels.at("Bucket"), "b");
  EXPECT_EQ(labels.at("Key"), "dir/sub/file name.csv");
  EXPECT_FALSE(uri.MatchPath(*DecodePathSegments("/b"), &labels));

  RequestUri middle = MustParse("/files/{Path+}/meta");
  ASSERT_TRUE(middle.MatchPath(*DecodePathSegments("/files/a/b/meta"), &labels));
  EXPECT_EQ(labels.at("Path"), "a/b");
  EXPECT_FALSE(middle.MatchPath(*DecodePathSegments("/files/meta"), &labels));
}

TEST(RequestUriTest, QueryLiteralsMustBePresent) {
  RequestUri uri = MustParse("/{Bucket}?tagging");
  EXPECT_TRUE(uri.MatchQuery({{"tagging", ""}}));
  EXPECT_FALSE(uri.MatchQuery({{"versioning", ""}}));
  RequestUri valued = MustParse("/{Bucket}/{Key+}?x-id=GetObject");
  EXPECT_TRUE(valued.MatchQuery({{"x-id", "GetObject"}}));
  EXPECT_FALSE(valued.MatchQuery({{"x-id", "PutObject"}}));
}

TEST(RequestUriTest, SpecificityOrdersLiteralsLabelsGreedyAndQuery) {
  RequestUri literal = MustParse("/collaborations/list");
  RequestUri label = MustParse("/collaborations/{id}");
  RequestUri greedy = MustParse("/collaborations/{rest+}");
  EXPECT_TRUE(literal.MoreSpecificThan(label));
  EXPECT_FALSE(label.MoreSpecificThan(literal));
  EXPECT_TRUE(label.MoreSpecificThan(greedy));
  EXPECT_TRUE(MustParse("/{Bucket}?tagging").MoreSpecificThan(MustParse("/{Bucket}")));
  EXPECT_FALSE(MustParse("/{Bucket}").MoreSpecificThan(MustParse("/{Bucket}?tagging")));
}

TEST(RequestUriTest, DecodesPathsAndQueries) {
  EXPECT_EQ(*DecodePathSegments("/"), std::vector<std::string>{});
  EXPECT_EQ(*DecodePathSegments("/a/b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*DecodePathSegments("/a%20b/c+d"), (std::vector<std::string>{"a b", "c+d"}));
  EXPECT_FALSE(DecodePathSegments("/a%zz").has_value());

  std::optional<std::multimap<std::string, std::string>> query =
      DecodeQuery("tagKeys=a&tagKeys=b%20c&flag&name=x+y");
  ASSERT_TRUE(query.has_value());
  EXPECT_EQ(query->count("tagKeys"), 2u);
  EXPECT_EQ(query->find("flag")->second, "");
  EXPECT_EQ(query->find("name")->second, "x y");
  EXPECT_FALSE(DecodeQuery("a=%g0").has_value());
}

}  // namespace
}  // namespace cleanroom::apimodel
