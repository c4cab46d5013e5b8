#include "s3/s3_service.h"

#include <string>

#include "gtest/gtest.h"

namespace cleanroom::s3 {
namespace {

TEST(BucketNameProblemTest, AcceptsValidNames) {
  for (const std::string& name :
       {std::string("abc"), std::string("my-bucket"), std::string("my.bucket.name"),
        std::string("0bucket9"), std::string("a1-b2.c3"), std::string(63, 'a'),
        std::string("1.2.3"), std::string("1.2.3.4.5")}) {
    EXPECT_EQ(BucketNameProblem(name), "") << name;
  }
}

TEST(BucketNameProblemTest, RejectsBadLengths) {
  EXPECT_NE(BucketNameProblem(""), "");
  EXPECT_NE(BucketNameProblem("ab"), "");
  EXPECT_NE(BucketNameProblem(std::string(64, 'a')), "");
}

TEST(BucketNameProblemTest, RejectsCharactersOutsideTheAlphabet) {
  for (const char* name : {"My-Bucket", "my_bucket", "my bucket", "bucket/x", "b\xc3\xa9t"}) {
    EXPECT_NE(BucketNameProblem(name), "") << name;
  }
}

TEST(BucketNameProblemTest, RequiresALetterOrDigitAtBothEnds) {
  for (const char* name : {"-abc", "abc-", ".abc", "abc."}) {
    EXPECT_NE(BucketNameProblem(name), "") << name;
  }
}

TEST(BucketNameProblemTest, RejectsAdjacentDotsAndDotHyphenPairs) {
  for (const char* name : {"a..b", "a.-b", "a-.b"}) {
    EXPECT_NE(BucketNameProblem(name), "") << name;
  }
  EXPECT_EQ(BucketNameProblem("a--b"), "");
}

TEST(BucketNameProblemTest, RejectsIpAddresses) {
  EXPECT_NE(BucketNameProblem("192.168.5.4"), "");
  EXPECT_NE(BucketNameProblem("0.0.0.0"), "");
  EXPECT_EQ(BucketNameProblem("192.168.5.256"), "");  // not an IPv4 address
}

TEST(BucketNameProblemTest, RejectsReservedPrefixesAndSuffixes) {
  for (const char* name : {"xn--abc", "sthree-abc", "amzn-s3-demo-bucket", "abc-s3alias",
                           "abc--ol-s3", "abc.mrap", "abc--x-s3"}) {
    EXPECT_NE(BucketNameProblem(name), "") << name;
  }
}

}  // namespace
}  // namespace cleanroom::s3
