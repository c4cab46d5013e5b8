#include "crypto/master_key.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace cleanroom::crypto {
namespace {

namespace fs = std::filesystem;

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "master_key_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "master.key").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteFile(const std::string& contents, mode_t mode) {
    std::ofstream(path_, std::ios::binary) << contents;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(MasterKeyTest, CreatesA32ByteFileWithMode0600) {
  absl::StatusOr<std::unique_ptr<MasterKey>> key = MasterKey::LoadOrCreate(path_);
  ASSERT_TRUE(key.ok()) << key.status();
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  // Only the key file is left behind (no temporary files).
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(MasterKeyTest, ReloadGivesTheSameKey) {
  absl::StatusOr<std::unique_ptr<MasterKey>> first = MasterKey::LoadOrCreate(path_);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string wrapped = (*first)->Wrap("secret-access-key", "access-key:AKIA1");
  absl::StatusOr<std::unique_ptr<MasterKey>> second = MasterKey::LoadOrCreate(path_);
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<std::string> unwrapped = (*second)->Unwrap(wrapped, "access-key:AKIA1");
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status();
  EXPECT_EQ(*unwrapped, "secret-access-key");
}

TEST_F(MasterKeyTest, DifferentFilesGiveDifferentKeys) {
  auto a = MasterKey::LoadOrCreate(path_);
  auto b = MasterKey::LoadOrCreate((dir_ / "other.key").string());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*b)->Unwrap((*a)->Wrap("s", "c"), "c").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(MasterKeyTest, LoadsAnExistingKeyFile) {
  WriteFile(std::string(32, '\x11'), 0600);
  auto loaded = MasterKey::LoadOrCreate(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto same = MasterKey::FromBytesForTest(std::string(32, '\x11'));
  EXPECT_EQ(*same->Unwrap((*loaded)->Wrap("x", "c"), "c"), "x");
}

TEST_F(MasterKeyTest, RejectsAFileReadableByOthers) {
  WriteFile(std::string(32, '\x11'), 0644);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, RejectsAFileAccessibleByGroup) {
  WriteFile(std::string(32, '\x11'), 0640);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(::chmod(path_.c_str(), 0620), 0);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, RejectsAWrongSizeFile) {
  WriteFile(std::string(31, '\x11'), 0600);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
  WriteFile(std::string(33, '\x11'), 0600);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
  WriteFile("", 0600);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, RejectsADirectory) {
  fs::create_directory(path_);
  ASSERT_EQ(::chmod(path_.c_str(), 0700), 0);
  EXPECT_EQ(MasterKey::LoadOrCreate(path_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MasterKeyTest, MissingDirectoryIsInternal) {
  EXPECT_EQ(MasterKey::LoadOrCreate((dir_ / "missing" / "master.key").string()).status().code(),
            absl::StatusCode::kInternal);
}

TEST(MasterKeyWrapTest, WrapIsRandomizedAndBoundToContext) {
  auto key = MasterKey::FromBytesForTest(std::string(32, '\x22'));
  const std::string a = key->Wrap("secret", "ctx");
  const std::string b = key->Wrap("secret", "ctx");
  EXPECT_EQ(a.size(), 12u + 6u + 16u);
  EXPECT_NE(a, b);  // fresh nonce each time
  EXPECT_EQ(*key->Unwrap(a, "ctx"), "secret");
  EXPECT_EQ(*key->Unwrap(b, "ctx"), "secret");
  EXPECT_EQ(key->Unwrap(a, "other").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*key->Unwrap(key->Wrap("", "ctx"), "ctx"), "");
}

TEST(MasterKeyWrapTest, TamperedOrTruncatedBlobIsDataLoss) {
  auto key = MasterKey::FromBytesForTest(std::string(32, '\x22'));
  const std::string wrapped = key->Wrap("secret", "ctx");
  for (size_t i = 0; i < wrapped.size(); ++i) {
    std::string bad = wrapped;
    bad[i] ^= 0x80;
    ASSERT_EQ(key->Unwrap(bad, "ctx").status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(key->Unwrap(wrapped.substr(0, 27), "ctx").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(key->Unwrap("", "ctx").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cleanroom::crypto
