#include "crawler/s3_crawl_runner.h"

#include <filesystem>

#include "crypto/master_key.h"
#include "gtest/gtest.h"
#include "iam/iam_store.h"
#include "iam/identity_store.h"
#include "store/schema.h"

namespace cleanroom::crawler {
namespace {

constexpr char kGlueTrust[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
constexpr char kReadAll[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]})";
constexpr char kListOnly[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Action":"s3:ListBucket","Resource":"*"}]})";

class S3CrawlRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/crawl_runner_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'k'));
    auto db = store::Database::Open(dir_ + "/metadata.db", store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto blobs = s3::BlobStore::Open(dir_ + "/objects", key_.get());
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    blobs_ = std::move(*blobs);
    metadata_ = std::make_unique<s3::S3Metadata>(db_.get());
    auto engine = engine::Engine::Open(engine::EngineOptions{});
    ASSERT_TRUE(engine.ok());
    engine_ = std::move(*engine);
    authorizer_ = std::make_unique<iam::RoleAuthorizer>(db_.get());
    runner_ = std::make_unique<S3CrawlRunner>(metadata_.get(), blobs_.get(), engine_.get(),
                                              authorizer_.get());
    iam::IdentityStore identities(db_.get(), key_.get());
    auto a = identities.CreateAccount("org-a", false);
    auto b = identities.CreateAccount("org-b", false);
    ASSERT_TRUE(a.ok() && b.ok());
    account_a_ = a->account_id;
    account_b_ = b->account_id;
    role_ = MakeRole(account_a_, "Crawler", kReadAll);
    ASSERT_TRUE(metadata_->CreateBucket({"bucket-a", account_a_, "us-east-1", 0, "", ""}).ok());
    ASSERT_TRUE(metadata_->CreateBucket({"bucket-b", account_b_, "us-east-1", 0, "", ""}).ok());
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string MakeRole(const std::string& account, const std::string& name,
                       const std::string& permissions) {
    iam::IamStore store(db_.get());
    iam::NewRole role;
    role.account_id = account;
    role.name = name;
    role.trust_policy = kGlueTrust;
    auto created = store.CreateRole(role);
    EXPECT_TRUE(created.ok()) << created.status();
    EXPECT_TRUE(store.PutRolePolicy(account, name, "read", permissions).ok());
    return created.ok() ? created->arn : "";
  }

  void Put(const std::string& bucket, const std::string& key, const std::string& data,
           bool encrypt = false) {
    auto writer = blobs_->NewWriter(encrypt);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(data).ok());
    auto info = (*writer)->Commit();
    ASSERT_TRUE(info.ok());
    s3::ObjectVersion v;
    v.bucket = bucket;
    v.key = key;
    v.size = data.size();
    v.etag = "e";
    v.parts.push_back({info->id, info->size});
    ASSERT_TRUE(metadata_->PutObject(v).ok());
  }

  absl::StatusOr<glue::CrawlOutcome> Crawl(const std::string& path,
                                           std::vector<std::string> exclusions = {},
                                           const std::string& role = "") {
    glue::CrawlSpec spec;
    spec.account_id = account_a_;
    spec.role_arn = role.empty() ? role_ : role;
    spec.s3_targets.push_back({path, std::move(exclusions), 0});
    std::atomic<bool> stop{false};
    return runner_->Crawl(spec, stop);
  }

  static std::string Columns(const glue::DiscoveredTable& t) {
    std::string out;
    for (const auto& c : t.columns) out += c.name + ":" + c.type + " ";
    return out;
  }

  std::string dir_;
  std::unique_ptr<crypto::MasterKey> key_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<s3::BlobStore> blobs_;
  std::unique_ptr<s3::S3Metadata> metadata_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<iam::RoleAuthorizer> authorizer_;
  std::unique_ptr<S3CrawlRunner> runner_;
  std::string account_a_, account_b_, role_;
};

TEST_F(S3CrawlRunnerTest, CrawlsAFolderIntoOneTable) {
  Put("bucket-a", "data/customers.csv", "customer_id,region,amount\n1,east,1.5\n2,west,2.5\n",
      /*encrypt=*/true);
  Put("bucket-a", "data/more.csv", "customer_id,region,amount\n3,east,4\n");
  Put("bucket-a", "data/_SUCCESS", "x");
  auto outcome = Crawl("s3://bucket-a/data/");
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->tables.size(), 1u);
  const glue::DiscoveredTable& t = outcome->tables[0];
  EXPECT_EQ(t.name_hint, "data");
  EXPECT_EQ(t.location, "s3://bucket-a/data/");
  EXPECT_EQ(t.classification, "csv");
  EXPECT_EQ(Columns(t), "customer_id:bigint region:string amount:double ");
  EXPECT_EQ(t.parameters.at("objectCount"), "2");
  EXPECT_EQ(t.parameters.at("recordCount"), "3");
  EXPECT_EQ(t.parameters.at("skip.header.line.count"), "1");
  EXPECT_EQ(outcome->files_read, 2);
}

TEST_F(S3CrawlRunnerTest, PartitionsAndExclusions) {
  Put("bucket-a", "sales/year=2024/a.json", "{\"id\": 1, \"v\": \"x\"}\n");
  Put("bucket-a", "sales/year=2023/b.json", "{\"id\": 2, \"w\": 1.5}\n");
  Put("bucket-a", "sales/year=2023/skip.tmp", "garbage");
  auto outcome = Crawl("s3://bucket-a/sales/", {"**.tmp"});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->tables.size(), 1u);
  const glue::DiscoveredTable& t = outcome->tables[0];
  EXPECT_EQ(t.classification, "json");
  EXPECT_EQ(Columns(t), "id:bigint w:double v:string ");
  ASSERT_EQ(t.partition_keys.size(), 1u);
  EXPECT_EQ(t.partition_keys[0].name, "year");
  ASSERT_EQ(t.partitions.size(), 2u);
  EXPECT_EQ(t.partitions[0].values, std::vector<std::string>{"2023"});
  EXPECT_EQ(t.partitions[0].location, "s3://bucket-a/sales/year=2023/");
}

TEST_F(S3CrawlRunnerTest, CorruptFilesAreSkippedAndReported) {
  Put("bucket-a", "t/good.csv", "a,b\n1,2\n");
  Put("bucket-a", "t/bad.parquet", "PAR1 definitely not parquet PAR1");
  Put("bucket-a", "t/image.bin", std::string("\x89PNG\0\0\0", 7));
  auto outcome = Crawl("s3://bucket-a/t/");
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->tables.size(), 1u);
  EXPECT_EQ(outcome->tables[0].classification, "csv");
  std::string all;
  for (const auto& m : outcome->messages) all += m + "\n";
  EXPECT_NE(all.find("s3://bucket-a/t/bad.parquet"), std::string::npos) << all;
  EXPECT_NE(all.find("s3://bucket-a/t/image.bin"), std::string::npos) << all;
  EXPECT_EQ(all.find("cleanroom://"), std::string::npos) << all;
}

TEST_F(S3CrawlRunnerTest, ARoleWithoutGetObjectIsDenied) {
  Put("bucket-a", "data/x.csv", "a\n1\n");
  std::string list_only = MakeRole(account_a_, "ListOnly", kListOnly);
  auto outcome = Crawl("s3://bucket-a/data/", {}, list_only);
  ASSERT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(outcome.status().message().find("s3:GetObject"), absl::string_view::npos)
      << outcome.status();
}

TEST_F(S3CrawlRunnerTest, AnotherAccountsBucketIsDenied) {
  Put("bucket-b", "data/x.csv", "a\n1\n");
  auto outcome = Crawl("s3://bucket-b/data/");
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(S3CrawlRunnerTest, AnotherAccountsRoleCannotBePassed) {
  Put("bucket-a", "data/x.csv", "a\n1\n");
  std::string foreign = MakeRole(account_b_, "Crawler", kReadAll);
  auto outcome = Crawl("s3://bucket-a/data/", {}, foreign);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(S3CrawlRunnerTest, MissingBucketAndBadPaths) {
  EXPECT_EQ(Crawl("s3://no-such-bucket/x/").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Crawl("https://bucket-a/x/").status().code(), absl::StatusCode::kInvalidArgument);
  Put("bucket-a", "data/x.csv", "a\n1\n");
  EXPECT_EQ(Crawl("s3://bucket-a/data/", {"[abc"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(S3CrawlRunnerTest, ReadsOnlyTheHeadOfALargeObject) {
  std::string data = "id,name,amount\n";
  while (data.size() < (80u << 20)) data += "1234567,some name,12.25\n";
  Put("bucket-a", "big/data.csv", data, /*encrypt=*/true);
  auto outcome = Crawl("s3://bucket-a/big/");
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->tables.size(), 1u);
  EXPECT_EQ(Columns(outcome->tables[0]), "id:bigint name:string amount:double ");
  EXPECT_LT(outcome->bytes_read, static_cast<int64_t>(data.size() / 2));
  int64_t records = std::stoll(outcome->tables[0].parameters.at("recordCount"));
  int64_t exact = static_cast<int64_t>((data.size() - 15) / 24);
  EXPECT_NEAR(records, exact, exact / 100);
}

TEST_F(S3CrawlRunnerTest, StopCancels) {
  Put("bucket-a", "data/x.csv", "a\n1\n");
  glue::CrawlSpec spec;
  spec.account_id = account_a_;
  spec.role_arn = role_;
  spec.s3_targets.push_back({"s3://bucket-a/data/", {}, 0});
  std::atomic<bool> stop{true};
  EXPECT_EQ(runner_->Crawl(spec, stop).status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace cleanroom::crawler
