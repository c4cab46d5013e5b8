#include "crawler/layout.h"

#include "gtest/gtest.h"

namespace cleanroom::crawler {
namespace {

TEST(LayoutTest, ParsesS3Paths) {
  auto p = ParseS3Path("s3://org-a-data/data/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bucket, "org-a-data");
  EXPECT_EQ(p->prefix, "data/");
  auto root = ParseS3Path("s3://bucket");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->prefix, "");
  EXPECT_FALSE(ParseS3Path("http://bucket/x").ok());
  EXPECT_FALSE(ParseS3Path("s3://Bad_Bucket/x").ok());
  EXPECT_FALSE(ParseS3Path("s3:///x").ok());
}

TEST(LayoutTest, GlobPatterns) {
  struct Case {
    const char* pattern;
    const char* path;
    bool match;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"*.csv", "a.csv", true},
           {"*.csv", "dir/a.csv", false},
           {"**.csv", "dir/sub/a.csv", true},
           {"**/*.csv", "a.csv", true},
           {"**/*.csv", "x/y/a.csv", true},
           {"logs/**", "logs/2024/a.json", true},
           {"logs/**", "data/a.json", false},
           {"a/**/b.csv", "a/b.csv", true},
           {"a/**/b.csv", "a/x/y/b.csv", true},
           {"file?.csv", "file1.csv", true},
           {"file?.csv", "file10.csv", false},
           {"[ab]*.csv", "b1.csv", true},
           {"[!ab]*.csv", "b1.csv", false},
           {"[0-9].csv", "7.csv", true},
           {"*.{csv,json}", "x.json", true},
           {"*.{csv,json}", "x.parquet", false},
           {"\\*.csv", "*.csv", true},
           {"\\*.csv", "a.csv", false},
       }) {
    auto m = GlobMatches(c.pattern, c.path);
    ASSERT_TRUE(m.ok()) << c.pattern;
    EXPECT_EQ(*m, c.match) << c.pattern << " vs " << c.path;
  }
  EXPECT_FALSE(GlobMatches("[abc", "a").ok());
  EXPECT_FALSE(GlobMatches("{a,b", "a").ok());
  EXPECT_FALSE(GlobMatches("{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}", "x").ok());
}

TEST(LayoutTest, LongPatternsStayLinear) {
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  std::string path(5000, 'a');
  auto m = GlobMatches(pattern + "b", path);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(*m);
}

TEST(LayoutTest, IgnoredKeys) {
  EXPECT_TRUE(IsIgnoredKey("folder/"));
  EXPECT_TRUE(IsIgnoredKey("_SUCCESS"));
  EXPECT_TRUE(IsIgnoredKey("x/_temporary/part-0"));
  EXPECT_TRUE(IsIgnoredKey(".hidden.csv"));
  EXPECT_TRUE(IsIgnoredKey("data_$folder$"));
  EXPECT_FALSE(IsIgnoredKey("data/customers.csv"));
  EXPECT_FALSE(IsIgnoredKey("year=2024/part_1.parquet"));
}

TEST(LayoutTest, FilesDirectlyUnderTheIncludePathAreOneTableNamedAfterIt) {
  Grouping g = GroupIntoDatasets("b", "data/", {{"data/a.csv", 10}, {"data/b.csv", 20}});
  ASSERT_EQ(g.datasets.size(), 1u);
  EXPECT_EQ(g.datasets[0].name_hint, "data");
  EXPECT_EQ(g.datasets[0].root, "data/");
  EXPECT_TRUE(g.datasets[0].partition_keys.empty());
  ASSERT_EQ(g.datasets[0].partitions.size(), 1u);
  EXPECT_EQ(g.datasets[0].partitions.begin()->second.size(), 2u);
}

TEST(LayoutTest, BucketRootIsNamedAfterTheBucket) {
  Grouping g = GroupIntoDatasets("my-bucket", "", {{"a.csv", 10}});
  ASSERT_EQ(g.datasets.size(), 1u);
  EXPECT_EQ(g.datasets[0].name_hint, "my_bucket");
}

TEST(LayoutTest, SubfoldersAreSeparateTables) {
  Grouping g = GroupIntoDatasets(
      "b", "", {{"Customers/a.csv", 1}, {"orders-2024/x.json", 2}, {"orders-2024/y.json", 3}});
  ASSERT_EQ(g.datasets.size(), 2u);
  EXPECT_EQ(g.datasets[0].name_hint, "customers");
  EXPECT_EQ(g.datasets[1].name_hint, "orders_2024");
  EXPECT_EQ(g.datasets[1].root, "orders-2024/");
}

TEST(LayoutTest, HiveFoldersArePartitions) {
  Grouping g = GroupIntoDatasets("b", "sales/",
                                 {{"sales/year=2024/month=01/a.parquet", 1},
                                  {"sales/year=2024/month=02/b.parquet", 2},
                                  {"sales/year=2023/month=12/c.parquet", 3},
                                  {"sales/year=2023/d.parquet", 4}});
  ASSERT_EQ(g.datasets.size(), 1u);
  const Dataset& d = g.datasets[0];
  EXPECT_EQ(d.name_hint, "sales");
  EXPECT_EQ(d.partition_keys, (std::vector<std::string>{"year", "month"}));
  EXPECT_EQ(d.partitions.size(), 3u);
  EXPECT_EQ(d.partitions.count({"2024", "01"}), 1u);
  ASSERT_EQ(g.messages.size(), 1u);
  EXPECT_NE(g.messages[0].find("sales/year=2023/d.parquet"), std::string::npos);
}

}  // namespace
}  // namespace cleanroom::crawler
