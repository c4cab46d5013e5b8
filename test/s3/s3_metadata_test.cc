#include "s3/s3_metadata.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/schema.h"

namespace cleanroom::s3 {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kAccount[] = "111111111111";
constexpr char kBucket[] = "bkt";

class S3MetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/s3_metadata_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    // Buckets reference their owning account.
    ASSERT_TRUE(db_->Write([](store::Connection& c) {
                     return c.Exec(
                         "INSERT INTO accounts (account_id, name, is_admin, created_at) "
                         "VALUES ('111111111111', 'owner', 0, 1)");
                   })
                    .ok());
    meta_ = std::make_unique<S3Metadata>(db_.get());
    ASSERT_TRUE(meta_->CreateBucket(MakeBucket(kBucket)).ok());
  }
  void TearDown() override {
    meta_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  static Bucket MakeBucket(const std::string& name) {
    return Bucket{name, kAccount, "us-east-1", 1000, "", ""};
  }

  // Stores `key` backed by one blob `blob` in `bucket`.
  WriteResult Put(const std::string& key, const std::string& blob,
                  const std::string& bucket = kBucket) {
    ObjectVersion v;
    v.bucket = bucket;
    v.key = key;
    v.size = 10;
    v.etag = "etag-" + blob;
    v.last_modified = 5000;
    v.parts = {BlobRef{blob, 10}};
    absl::StatusOr<WriteResult> result = meta_->PutObject(v);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(WriteResult());
  }

  DeleteResult Delete(const std::string& key, const std::string& version_id = "") {
    absl::StatusOr<DeleteResult> result = meta_->DeleteObject(kBucket, key, version_id);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(DeleteResult());
  }

  std::optional<ObjectVersion> Get(const std::string& key, const std::string& version_id = "") {
    absl::StatusOr<std::optional<ObjectVersion>> v = meta_->GetObject(kBucket, key, version_id);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(std::nullopt);
  }

  ListPage List(const std::string& prefix, const std::string& delimiter, const std::string& after,
                int max_keys) {
    absl::StatusOr<ListPage> page = meta_->ListObjects(kBucket, prefix, delimiter, after, max_keys);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.value_or(ListPage());
  }

  VersionPage Versions(const std::string& prefix, const std::string& delimiter,
                       const std::string& key_marker, const std::string& version_marker,
                       int max_keys) {
    absl::StatusOr<VersionPage> page =
        meta_->ListVersions(kBucket, prefix, delimiter, key_marker, version_marker, max_keys);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.value_or(VersionPage());
  }

  void EnableVersioning() { ASSERT_TRUE(meta_->SetVersioning(kBucket, "Enabled").ok()); }

  static std::vector<std::string> Keys(const std::vector<ObjectVersion>& versions) {
    std::vector<std::string> keys;
    for (const auto& v : versions) keys.push_back(v.key);
    return keys;
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<S3Metadata> meta_;
};

// ---- Buckets ----

TEST_F(S3MetadataTest, CreateBucketRejectsATakenName) {
  EXPECT_EQ(meta_->CreateBucket(MakeBucket(kBucket)).code(), absl::StatusCode::kAlreadyExists);
  absl::StatusOr<std::optional<Bucket>> b = meta_->GetBucket(kBucket);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->account_id, kAccount);
  EXPECT_EQ((*b)->versioning, "");
  absl::StatusOr<std::optional<Bucket>> missing = meta_->GetBucket("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(S3MetadataTest, ListBucketsReturnsTheAccountsBuckets) {
  ASSERT_TRUE(meta_->CreateBucket(MakeBucket("another")).ok());
  absl::StatusOr<std::vector<Bucket>> buckets = meta_->ListBuckets(kAccount);
  ASSERT_TRUE(buckets.ok()) << buckets.status();
  std::vector<std::string> names;
  for (const auto& b : *buckets) names.push_back(b.name);
  EXPECT_THAT(names, UnorderedElementsAre("bkt", "another"));
  absl::StatusOr<std::vector<Bucket>> none = meta_->ListBuckets("222222222222");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(S3MetadataTest, SetVersioningOfAMissingBucketIsNotFound) {
  EXPECT_EQ(meta_->SetVersioning("nope", "Enabled").code(), absl::StatusCode::kNotFound);
}

TEST_F(S3MetadataTest, PutIntoAMissingBucketIsNotFound) {
  ObjectVersion v;
  v.bucket = "nope";
  v.key = "k";
  EXPECT_EQ(meta_->PutObject(v).status().code(), absl::StatusCode::kNotFound);
}

// ---- Versioning semantics ----

TEST_F(S3MetadataTest, UnversionedPutReplacesTheNullVersionAndFreesItsBlobs) {
  WriteResult first = Put("k", "blob-1");
  EXPECT_EQ(first.version.version_id, "null");
  EXPECT_TRUE(first.version.is_latest);
  EXPECT_THAT(first.freed_blobs, IsEmpty());

  WriteResult second = Put("k", "blob-2");
  EXPECT_EQ(second.version.version_id, "null");
  EXPECT_THAT(second.freed_blobs, ElementsAre("blob-1"));

  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  ASSERT_EQ(latest->parts.size(), 1u);
  EXPECT_EQ(latest->parts[0].id, "blob-2");
  EXPECT_EQ(latest->etag, "etag-blob-2");
  EXPECT_EQ(Versions("", "", "", "", 100).versions.size(), 1u);
}

TEST_F(S3MetadataTest, EnabledVersioningKeepsEveryVersion) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  WriteResult v2 = Put("k", "blob-2");
  EXPECT_NE(v1.version.version_id, "null");
  EXPECT_NE(v2.version.version_id, "null");
  EXPECT_NE(v1.version.version_id, v2.version.version_id);
  EXPECT_THAT(v2.freed_blobs, IsEmpty());

  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version_id, v2.version.version_id);
  std::optional<ObjectVersion> old = Get("k", v1.version.version_id);
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->is_latest);
  EXPECT_EQ(old->parts[0].id, "blob-1");
}

TEST_F(S3MetadataTest, EnablingVersioningKeepsTheExistingNullVersion) {
  Put("k", "blob-null");
  EnableVersioning();
  WriteResult v = Put("k", "blob-v");
  EXPECT_THAT(v.freed_blobs, IsEmpty());
  std::optional<ObjectVersion> null_version = Get("k", "null");
  ASSERT_TRUE(null_version.has_value());
  EXPECT_FALSE(null_version->is_latest);
  EXPECT_EQ(null_version->parts[0].id, "blob-null");
}

TEST_F(S3MetadataTest, SuspendedVersioningReplacesOnlyTheNullVersion) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  WriteResult v2 = Put("k", "blob-2");
  ASSERT_TRUE(meta_->SetVersioning(kBucket, "Suspended").ok());
  WriteResult n1 = Put("k", "blob-n1");
  EXPECT_EQ(n1.version.version_id, "null");
  EXPECT_THAT(n1.freed_blobs, IsEmpty());
  WriteResult n2 = Put("k", "blob-n2");
  EXPECT_THAT(n2.freed_blobs, ElementsAre("blob-n1"));
  // The versions written while versioning was enabled are untouched.
  EXPECT_TRUE(Get("k", v1.version.version_id).has_value());
  EXPECT_TRUE(Get("k", v2.version.version_id).has_value());
  EXPECT_EQ(Versions("", "", "", "", 100).versions.size(), 3u);
}

TEST_F(S3MetadataTest, DeleteWithoutVersionAddsAMarkerInAVersionedBucket) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  DeleteResult d = Delete("k");
  EXPECT_TRUE(d.delete_marker);
  EXPECT_NE(d.version_id, "");
  EXPECT_NE(d.version_id, v1.version.version_id);
  EXPECT_THAT(d.freed_blobs, IsEmpty());

  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  EXPECT_TRUE(latest->is_delete_marker);
  EXPECT_EQ(latest->version_id, d.version_id);
  // The data version survives, no longer latest, and the key is gone from listings.
  std::optional<ObjectVersion> kept = Get("k", v1.version.version_id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_FALSE(kept->is_latest);
  EXPECT_THAT(List("", "", "", 100).objects, IsEmpty());
}

TEST_F(S3MetadataTest, DeleteWithoutVersionRemovesTheNullVersionInAnUnversionedBucket) {
  Put("k", "blob-1");
  Put("other", "blob-o");
  DeleteResult d = Delete("k");
  EXPECT_FALSE(d.delete_marker);
  EXPECT_THAT(d.freed_blobs, ElementsAre("blob-1"));
  EXPECT_FALSE(Get("k").has_value());
  EXPECT_FALSE(Get("k", "null").has_value());
  EXPECT_THAT(Keys(Versions("", "", "", "", 100).versions), ElementsAre("other"));
}

TEST_F(S3MetadataTest, DeletingTheLatestVersionPromotesThePreviousOne) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  WriteResult v2 = Put("k", "blob-2");
  DeleteResult d = Delete("k", v2.version.version_id);
  EXPECT_EQ(d.version_id, v2.version.version_id);
  EXPECT_FALSE(d.delete_marker);
  EXPECT_THAT(d.freed_blobs, ElementsAre("blob-2"));
  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version_id, v1.version.version_id);
  EXPECT_TRUE(latest->is_latest);
  EXPECT_THAT(Keys(List("", "", "", 100).objects), ElementsAre("k"));
}

TEST_F(S3MetadataTest, DeletingTheMarkerRestoresTheObject) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  DeleteResult marker = Delete("k");
  DeleteResult d = Delete("k", marker.version_id);
  EXPECT_TRUE(d.delete_marker);
  EXPECT_THAT(d.freed_blobs, IsEmpty());
  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version_id, v1.version.version_id);
  EXPECT_FALSE(latest->is_delete_marker);
}

TEST_F(S3MetadataTest, DeletingAnOlderVersionKeepsTheLatest) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  WriteResult v2 = Put("k", "blob-2");
  DeleteResult d = Delete("k", v1.version.version_id);
  EXPECT_THAT(d.freed_blobs, ElementsAre("blob-1"));
  std::optional<ObjectVersion> latest = Get("k");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version_id, v2.version.version_id);
}

TEST_F(S3MetadataTest, DeletingAMissingVersionSucceedsWithoutEffect) {
  Put("k", "blob-1");
  DeleteResult d = Delete("k", "no-such-version");
  EXPECT_THAT(d.freed_blobs, IsEmpty());
  EXPECT_TRUE(Get("k").has_value());
}

TEST_F(S3MetadataTest, DeleteInAMissingBucketIsNotFound) {
  EXPECT_EQ(meta_->DeleteObject("nope", "k", "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(S3MetadataTest, DeleteBucketFailsWhileAnyVersionOrMarkerRemains) {
  EnableVersioning();
  WriteResult v1 = Put("k", "blob-1");
  EXPECT_EQ(meta_->DeleteBucket(kBucket).status().code(), absl::StatusCode::kFailedPrecondition);
  DeleteResult marker = Delete("k");
  // Only a marker is visible as latest, but the version is still there.
  EXPECT_EQ(meta_->DeleteBucket(kBucket).status().code(), absl::StatusCode::kFailedPrecondition);
  Delete("k", v1.version.version_id);
  // Only the marker remains.
  EXPECT_EQ(meta_->DeleteBucket(kBucket).status().code(), absl::StatusCode::kFailedPrecondition);
  Delete("k", marker.version_id);
  absl::StatusOr<std::vector<std::string>> freed = meta_->DeleteBucket(kBucket);
  ASSERT_TRUE(freed.ok()) << freed.status();
  absl::StatusOr<std::optional<Bucket>> gone = meta_->GetBucket(kBucket);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(S3MetadataTest, DeleteBucketAbortsOpenUploadsAndReturnsTheirBlobs) {
  MultipartUpload u{"upload-1", kBucket, "k", 1, kAccount, std::nullopt, {}, "", ""};
  ASSERT_TRUE(meta_->CreateUpload(u).ok());
  ASSERT_TRUE(meta_->PutPart("upload-1", UploadPart{1, "part-blob", 5, "e", std::nullopt, 1}).ok());
  absl::StatusOr<std::vector<std::string>> freed = meta_->DeleteBucket(kBucket);
  ASSERT_TRUE(freed.ok()) << freed.status();
  EXPECT_THAT(*freed, ElementsAre("part-blob"));
  absl::StatusOr<std::optional<MultipartUpload>> upload = meta_->GetUpload("upload-1");
  ASSERT_TRUE(upload.ok());
  EXPECT_FALSE(upload->has_value());
}

TEST_F(S3MetadataTest, DeleteOfAMissingBucketIsNotFound) {
  EXPECT_EQ(meta_->DeleteBucket("nope").status().code(), absl::StatusCode::kNotFound);
}

// ---- ListObjects ----

class S3MetadataListTest : public S3MetadataTest {
 protected:
  void SetUp() override {
    S3MetadataTest::SetUp();
    for (const char* key : {"a.txt", "b/1", "b/2", "c/x/1", "c/y", "d.txt", "e/1"}) {
      Put(key, std::string("blob-") + key);
    }
  }
};

TEST_F(S3MetadataListTest, ListsEveryKeyInOrderWithoutADelimiter) {
  ListPage page = List("", "", "", 1000);
  EXPECT_THAT(Keys(page.objects),
              ElementsAre("a.txt", "b/1", "b/2", "c/x/1", "c/y", "d.txt", "e/1"));
  EXPECT_THAT(page.common_prefixes, IsEmpty());
  EXPECT_FALSE(page.truncated);
}

TEST_F(S3MetadataListTest, PrefixSelectsKeys) {
  EXPECT_THAT(Keys(List("b/", "", "", 1000).objects), ElementsAre("b/1", "b/2"));
  EXPECT_THAT(Keys(List("c", "", "", 1000).objects), ElementsAre("c/x/1", "c/y"));
  EXPECT_THAT(List("zzz", "", "", 1000).objects, IsEmpty());
}

TEST_F(S3MetadataListTest, DelimiterGroupsKeysIntoCommonPrefixes) {
  ListPage page = List("", "/", "", 1000);
  EXPECT_THAT(Keys(page.objects), ElementsAre("a.txt", "d.txt"));
  EXPECT_THAT(page.common_prefixes, ElementsAre("b/", "c/", "e/"));
  EXPECT_FALSE(page.truncated);

  ListPage under_c = List("c/", "/", "", 1000);
  EXPECT_THAT(Keys(under_c.objects), ElementsAre("c/y"));
  EXPECT_THAT(under_c.common_prefixes, ElementsAre("c/x/"));
}

TEST_F(S3MetadataListTest, MaxKeysTruncatesAndTheMarkerContinues) {
  ListPage p1 = List("", "", "", 3);
  EXPECT_THAT(Keys(p1.objects), ElementsAre("a.txt", "b/1", "b/2"));
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.next_marker, "b/2");
  ListPage p2 = List("", "", p1.next_marker, 3);
  EXPECT_THAT(Keys(p2.objects), ElementsAre("c/x/1", "c/y", "d.txt"));
  EXPECT_TRUE(p2.truncated);
  ListPage p3 = List("", "", p2.next_marker, 3);
  EXPECT_THAT(Keys(p3.objects), ElementsAre("e/1"));
  EXPECT_FALSE(p3.truncated);
}

TEST_F(S3MetadataListTest, PageThatFitsExactlyIsNotTruncated) {
  ListPage page = List("b/", "", "", 2);
  EXPECT_THAT(Keys(page.objects), ElementsAre("b/1", "b/2"));
  EXPECT_FALSE(page.truncated);
}

TEST_F(S3MetadataListTest, PageEndingOnACommonPrefixResumesAfterIt) {
  ListPage p1 = List("", "/", "", 2);
  EXPECT_THAT(Keys(p1.objects), ElementsAre("a.txt"));
  EXPECT_THAT(p1.common_prefixes, ElementsAre("b/"));
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.next_marker, "b/");

  ListPage p2 = List("", "/", p1.next_marker, 2);
  EXPECT_THAT(p2.common_prefixes, ElementsAre("c/"));  // "b/" is not repeated
  EXPECT_THAT(Keys(p2.objects), ElementsAre("d.txt"));
  EXPECT_TRUE(p2.truncated);

  ListPage p3 = List("", "/", p2.next_marker, 2);
  EXPECT_THAT(p3.objects, IsEmpty());
  EXPECT_THAT(p3.common_prefixes, ElementsAre("e/"));
  EXPECT_FALSE(p3.truncated);
}

TEST_F(S3MetadataListTest, PagingWithAPrefixAndDelimiterVisitsEachEntryOnce) {
  Put("c/x/2", "blob-c-x-2");
  Put("c/z/1", "blob-c-z-1");
  std::vector<std::string> seen;
  std::string marker;
  for (int i = 0; i < 10; ++i) {
    ListPage page = List("c/", "/", marker, 1);
    for (const auto& v : page.objects) seen.push_back(v.key);
    for (const auto& p : page.common_prefixes) seen.push_back(p);
    if (!page.truncated) break;
    marker = page.next_marker;
  }
  EXPECT_THAT(seen, ElementsAre("c/x/", "c/y", "c/z/"));
}

TEST_F(S3MetadataListTest, PrefixThatIsItselfAKeyIsListed) {
  Put("b", "blob-b");
  EXPECT_THAT(Keys(List("b", "", "", 1000).objects), ElementsAre("b", "b/1", "b/2"));
}

TEST_F(S3MetadataListTest, DeletedAndOlderVersionsAreNotListed) {
  EnableVersioning();
  Put("a.txt", "blob-a2");
  Delete("d.txt");  // marker
  ListPage page = List("", "", "", 1000);
  EXPECT_THAT(Keys(page.objects), ElementsAre("a.txt", "b/1", "b/2", "c/x/1", "c/y", "e/1"));
  EXPECT_EQ(page.objects[0].parts[0].id, "blob-a2");
}

// ---- ListVersions ----

TEST_F(S3MetadataTest, ListVersionsOrdersByKeyThenNewestFirstWithMarkers) {
  EnableVersioning();
  WriteResult a1 = Put("a", "a1");
  WriteResult a2 = Put("a", "a2");
  WriteResult a3 = Put("a", "a3");
  WriteResult b1 = Put("b", "b1");
  DeleteResult bm = Delete("b");

  VersionPage page = Versions("", "", "", "", 100);
  ASSERT_EQ(page.versions.size(), 5u);
  std::vector<std::string> ids;
  for (const auto& v : page.versions) ids.push_back(v.version_id);
  EXPECT_THAT(ids, ElementsAre(a3.version.version_id, a2.version.version_id, a1.version.version_id,
                               bm.version_id, b1.version.version_id));
  EXPECT_TRUE(page.versions[0].is_latest);
  EXPECT_FALSE(page.versions[1].is_latest);
  EXPECT_TRUE(page.versions[3].is_delete_marker);
  EXPECT_TRUE(page.versions[3].is_latest);
  EXPECT_FALSE(page.versions[4].is_delete_marker);
  EXPECT_FALSE(page.versions[4].is_latest);
  EXPECT_FALSE(page.truncated);
}

TEST_F(S3MetadataTest, ListVersionsPagesWithKeyAndVersionMarkers) {
  EnableVersioning();
  WriteResult a1 = Put("a", "a1");
  WriteResult a2 = Put("a", "a2");
  WriteResult a3 = Put("a", "a3");
  WriteResult b1 = Put("b", "b1");

  VersionPage p1 = Versions("", "", "", "", 2);
  ASSERT_EQ(p1.versions.size(), 2u);
  EXPECT_EQ(p1.versions[0].version_id, a3.version.version_id);
  EXPECT_EQ(p1.versions[1].version_id, a2.version.version_id);
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.next_key_marker, "a");
  EXPECT_EQ(p1.next_version_id_marker, a2.version.version_id);

  VersionPage p2 = Versions("", "", p1.next_key_marker, p1.next_version_id_marker, 2);
  ASSERT_EQ(p2.versions.size(), 2u);
  EXPECT_EQ(p2.versions[0].version_id, a1.version.version_id);
  EXPECT_EQ(p2.versions[1].version_id, b1.version.version_id);
  EXPECT_FALSE(p2.truncated);

  // A key marker alone skips every version of that key.
  VersionPage after_a = Versions("", "", "a", "", 100);
  ASSERT_EQ(after_a.versions.size(), 1u);
  EXPECT_EQ(after_a.versions[0].key, "b");
}

TEST_F(S3MetadataTest, ListVersionsGroupsByDelimiterAndResumesAfterACommonPrefix) {
  EnableVersioning();
  Put("p/1", "p1");
  Put("p/2", "p2");
  Put("p/2", "p2b");
  WriteResult q = Put("q", "q1");

  VersionPage all = Versions("", "/", "", "", 100);
  EXPECT_THAT(all.common_prefixes, ElementsAre("p/"));
  EXPECT_THAT(Keys(all.versions), ElementsAre("q"));

  VersionPage p1 = Versions("", "/", "", "", 1);
  EXPECT_THAT(p1.common_prefixes, ElementsAre("p/"));
  EXPECT_THAT(p1.versions, IsEmpty());
  EXPECT_TRUE(p1.truncated);
  EXPECT_EQ(p1.next_key_marker, "p/");
  EXPECT_EQ(p1.next_version_id_marker, "");

  VersionPage p2 = Versions("", "/", p1.next_key_marker, p1.next_version_id_marker, 1);
  EXPECT_THAT(p2.common_prefixes, IsEmpty());  // "p/" is not repeated
  ASSERT_EQ(p2.versions.size(), 1u);
  EXPECT_EQ(p2.versions[0].version_id, q.version.version_id);
  EXPECT_FALSE(p2.truncated);
}

// ---- Multipart uploads ----

class S3MetadataUploadTest : public S3MetadataTest {
 protected:
  void SetUp() override {
    S3MetadataTest::SetUp();
    MultipartUpload u{
        "up-1", kBucket, "big", 77, kAccount, std::string("text/plain"), {{"color", "red"}},
        "",     "CRC32"};
    ASSERT_TRUE(meta_->CreateUpload(u).ok());
  }

  std::vector<std::string> PutPart(int number, const std::string& blob) {
    absl::StatusOr<std::vector<std::string>> freed =
        meta_->PutPart("up-1", UploadPart{number, blob, 5, "etag-" + blob, std::nullopt, 9});
    EXPECT_TRUE(freed.ok()) << freed.status();
    return freed.value_or(std::vector<std::string>());
  }

  ObjectVersion Assembled(const std::vector<std::string>& blobs) {
    ObjectVersion v;
    v.bucket = kBucket;
    v.key = "big";
    v.etag = "abc-2";
    for (const auto& b : blobs) v.parts.push_back(BlobRef{b, 5});
    v.size = 5 * blobs.size();
    return v;
  }
};

TEST_F(S3MetadataUploadTest, CreateUploadIsReadBack) {
  absl::StatusOr<std::optional<MultipartUpload>> u = meta_->GetUpload("up-1");
  ASSERT_TRUE(u.ok() && u->has_value());
  EXPECT_EQ((*u)->bucket, kBucket);
  EXPECT_EQ((*u)->key, "big");
  EXPECT_EQ((*u)->initiated, 77);
  EXPECT_EQ((*u)->content_type, "text/plain");
  EXPECT_EQ((*u)->metadata.at("color"), "red");
  EXPECT_EQ((*u)->checksum_algorithm, "CRC32");
}

TEST_F(S3MetadataUploadTest, ReplacingAPartFreesTheOldBlob) {
  EXPECT_THAT(PutPart(1, "p1a"), IsEmpty());
  EXPECT_THAT(PutPart(1, "p1b"), ElementsAre("p1a"));
  absl::StatusOr<std::vector<UploadPart>> parts = meta_->ListParts("up-1");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].blob_id, "p1b");
  EXPECT_EQ((*parts)[0].etag, "etag-p1b");
}

TEST_F(S3MetadataUploadTest, ListPartsIsOrderedByPartNumber) {
  PutPart(3, "p3");
  PutPart(1, "p1");
  PutPart(2, "p2");
  absl::StatusOr<std::vector<UploadPart>> parts = meta_->ListParts("up-1");
  ASSERT_TRUE(parts.ok());
  std::vector<int> numbers;
  std::vector<std::string> blobs;
  for (const auto& p : *parts) {
    numbers.push_back(p.part_number);
    blobs.push_back(p.blob_id);
  }
  EXPECT_THAT(numbers, ElementsAre(1, 2, 3));
  EXPECT_THAT(blobs, ElementsAre("p1", "p2", "p3"));
}

TEST_F(S3MetadataUploadTest, PutPartToAnUnknownUploadIsNotFound) {
  EXPECT_EQ(meta_->PutPart("nope", UploadPart{1, "b", 1, "e", std::nullopt, 1}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(S3MetadataUploadTest, CompleteStoresTheObjectAndFreesUnusedParts) {
  PutPart(1, "p1");
  PutPart(2, "p2");
  PutPart(3, "p3");
  absl::StatusOr<WriteResult> done = meta_->CompleteUpload("up-1", Assembled({"p1", "p2"}));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->freed_blobs, ElementsAre("p3"));
  EXPECT_EQ(done->version.version_id, "null");

  std::optional<ObjectVersion> obj = Get("big");
  ASSERT_TRUE(obj.has_value());
  ASSERT_EQ(obj->parts.size(), 2u);
  EXPECT_EQ(obj->parts[0].id, "p1");
  EXPECT_EQ(obj->parts[1].id, "p2");
  EXPECT_EQ(obj->size, 10u);

  absl::StatusOr<std::optional<MultipartUpload>> u = meta_->GetUpload("up-1");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->has_value());
  absl::StatusOr<std::vector<UploadPart>> parts = meta_->ListParts("up-1");
  ASSERT_TRUE(parts.ok());
  EXPECT_THAT(*parts, IsEmpty());
}

TEST_F(S3MetadataUploadTest, CompleteOverAnUnversionedObjectFreesTheOldBlobs) {
  Put("big", "old-blob");
  PutPart(1, "p1");
  absl::StatusOr<WriteResult> done = meta_->CompleteUpload("up-1", Assembled({"p1"}));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_THAT(done->freed_blobs, ElementsAre("old-blob"));
}

TEST_F(S3MetadataUploadTest, CompleteOfAnUnknownUploadIsNotFound) {
  EXPECT_EQ(meta_->CompleteUpload("nope", Assembled({})).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(Get("big").has_value());
}

TEST_F(S3MetadataUploadTest, AbortReturnsEveryPartBlob) {
  PutPart(1, "p1");
  PutPart(2, "p2");
  absl::StatusOr<std::vector<std::string>> freed = meta_->AbortUpload("up-1");
  ASSERT_TRUE(freed.ok()) << freed.status();
  EXPECT_THAT(*freed, UnorderedElementsAre("p1", "p2"));
  absl::StatusOr<std::optional<MultipartUpload>> u = meta_->GetUpload("up-1");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->has_value());
  EXPECT_EQ(meta_->AbortUpload("up-1").status().code(), absl::StatusCode::kNotFound);
}

// ---- Garbage collection ----

TEST_F(S3MetadataUploadTest, AllBlobIdsCoversObjectsAndPartsButNotFreedBlobs) {
  EnableVersioning();
  Put("k", "v1");
  Put("k", "v2");
  Delete("k");  // a marker has no blobs
  Put("gone", "gone-blob");
  DeleteResult d = Delete("gone", Get("gone")->version_id);
  EXPECT_THAT(d.freed_blobs, ElementsAre("gone-blob"));
  PutPart(1, "part-1");
  absl::StatusOr<std::vector<std::string>> ids = meta_->AllBlobIds();
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, UnorderedElementsAre("v1", "v2", "part-1"));
}

}  // namespace
}  // namespace cleanroom::s3
