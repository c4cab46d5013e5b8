#include "policy/wildcard.h"

#include <string>

#include "gtest/gtest.h"

namespace cleanroom::policy {
namespace {

struct WildcardCase {
  std::string pattern;
  std::string text;
  bool ignore_case;
  bool expected;
};

TEST(WildcardMatchTest, Table) {
  const WildcardCase cases[] = {
      {"", "", false, true},
      {"", "a", false, false},
      {"*", "", false, true},
      {"*", "anything/at:all", false, true},
      {"a*", "a", false, true},
      {"a*", "abc", false, true},
      {"a*", "ba", false, false},
      {"*c", "abc", false, true},
      {"*c", "abcd", false, false},
      {"a*c", "ac", false, true},
      {"a*c", "abxc", false, true},
      {"a*c", "abxcd", false, false},
      {"a?c", "abc", false, true},
      {"a?c", "ac", false, false},
      {"a?c", "abbc", false, false},
      {"??", "ab", false, true},
      {"*?", "", false, false},
      {"a*b*c", "aXbYbZc", false, true},
      {"a*b*c", "aXbYbZ", false, false},
      {"**a", "bba", false, true},
      {"*aab", "aaaab", false, true},  // needs backtracking past the first 'a' run
      {"s3:Get*", "s3:getobject", true, true},
      {"s3:Get*", "s3:getobject", false, false},
      {"S3:GETOBJECT", "s3:GetObject", true, true},
      {"s3:Get?bject", "s3:GetObject", true, true},
      {"s3:Put*", "s3:GetObject", true, false},
  };
  for (const WildcardCase& c : cases) {
    EXPECT_EQ(WildcardMatch(c.pattern, c.text, c.ignore_case), c.expected)
        << "pattern '" << c.pattern << "' text '" << c.text << "' ignore_case " << c.ignore_case;
  }
}

TEST(ArnMatchTest, Table) {
  const WildcardCase cases[] = {
      {"*", "arn:aws:s3:::b", false, true},
      {"arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-a", false, true},
      // A wildcard in the resource component spans slashes: the bucket pattern covers objects.
      {"arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-a/data/x.csv", false, true},
      {"arn:aws:s3:::clean-rooms-*/*", "arn:aws:s3:::clean-rooms-a", false, false},
      {"arn:aws:s3:::clean-rooms-*/*", "arn:aws:s3:::clean-rooms-a/k", false, true},
      {"arn:aws:s3:::Clean-Rooms-*", "arn:aws:s3:::clean-rooms-a", false, false},  // case
      {"arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::b/x/aws-glue-tmp/y", false, true},
      {"arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::b/aws-glue-tmp", false, false},
      // The last component keeps its colons.
      {"arn:aws:logs:*:*:*:/aws-glue/*",
       "arn:aws:logs:us-east-1:111122223333:log-group:/aws-glue/crawlers:log-stream:c1", false,
       true},
      {"arn:aws:logs:*:*:*:/aws-glue/*", "arn:aws:logs:us-east-1:111122223333:log-group:/other/x",
       false, false},
      // Component by component: '*' in the region cannot swallow the account.
      {"arn:aws:glue:*:111122223333:table/*", "arn:aws:glue:us-east-1:111122223333:table/d/t",
       false, true},
      {"arn:aws:glue:*:111122223333:table/*", "arn:aws:glue:us-east-1:999999999999:table/d/t",
       false, false},
      {"arn:aws:glue:us-*", "arn:aws:glue:us-east-1:111122223333:table/d/t", false, true},
      {"arn:aws:s3:::b?", "arn:aws:s3:::b1", false, true},
      {"arn:aws:s3:::b?", "arn:aws:s3:::b12", false, false},
  };
  for (const WildcardCase& c : cases) {
    EXPECT_EQ(ArnMatch(c.pattern, c.text), c.expected)
        << "pattern '" << c.pattern << "' arn '" << c.text << "'";
  }
}

}  // namespace
}  // namespace cleanroom::policy
