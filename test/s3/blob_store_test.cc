#include "s3/blob_store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/master_key.h"
#include "gtest/gtest.h"
#include "s3/blob_format.h"

namespace cleanroom::s3 {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kChunk = kBlobChunkSize;

// Deterministic pseudo-random bytes.
std::string MakeData(size_t size, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(gen() & 0xff);
  return data;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Reads `reader` to the end with reads of `buf_size` bytes.
absl::StatusOr<std::string> Drain(http::BodyReader& reader, size_t buf_size) {
  std::string out;
  std::vector<char> buf(buf_size);
  for (;;) {
    absl::StatusOr<size_t> got = reader.Read(buf.data(), buf.size());
    if (!got.ok()) return got.status();
    if (*got == 0) return out;
    if (*got > buf_size) return absl::InternalError("read returned more than asked");
    out.append(buf.data(), *got);
  }
}

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) ++n;
  }
  return n;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "blob_store_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ + "/data";
    key_ = crypto::MasterKey::FromBytesForTest(std::string(32, 'k'));
    auto store = BlobStore::Open(root_, key_.get());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  // Writes `data` as one blob, appending `piece` bytes at a time (all at once if 0).
  BlobInfo Write(const std::string& data, bool encrypt, size_t piece = 0) {
    auto writer = store_->NewWriter(encrypt);
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return {};
    std::string_view rest = data;
    if (piece == 0) piece = rest.size() + 1;
    while (!rest.empty()) {
      const size_t take = std::min(piece, rest.size());
      EXPECT_TRUE((*writer)->Append(rest.substr(0, take)).ok());
      rest.remove_prefix(take);
    }
    auto info = (*writer)->Commit();
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? *info : BlobInfo{};
  }

  absl::StatusOr<std::string> ReadRange(const std::string& id, uint64_t offset, uint64_t length,
                                        size_t buf_size = 1 << 20) {
    auto reader = store_->OpenReader(id, offset, length);
    if (!reader.ok()) return reader.status();
    return Drain(**reader, buf_size);
  }

  // The status of reading all of blob `id`: the first error from OpenReader or Read.
  absl::Status ReadAllStatus(const std::string& id) {
    absl::StatusOr<uint64_t> size = store_->Size(id);
    if (!size.ok()) return size.status();
    return ReadRange(id, 0, *size).status();
  }

  std::string TempDir() const { return root_ + "/tmp"; }

  std::string base_;
  std::string root_;
  std::unique_ptr<crypto::MasterKey> key_;
  std::unique_ptr<BlobStore> store_;
};

// ---------------------------------------------------------------------------------------------
// Round trips

class BlobRoundTripTest : public BlobStoreTest,
                          public ::testing::WithParamInterface<std::tuple<bool, size_t>> {};

TEST_P(BlobRoundTripTest, WritesAndReadsBack) {
  const auto [encrypt, size] = GetParam();
  const std::string data = MakeData(size, static_cast<uint32_t>(size) + 1);

  // Once with one big Append, once with odd-sized pieces.
  for (size_t piece : {size_t{0}, size_t{7777}}) {
    SCOPED_TRACE(piece);
    const BlobInfo info = Write(data, encrypt, piece);
    ASSERT_TRUE(IsValidBlobId(info.id));
    EXPECT_EQ(info.size, size);
    EXPECT_EQ(info.encrypted, encrypt);
    EXPECT_EQ(info.md5, crypto::Md5(data));
    ASSERT_EQ(info.md5.size(), 16u);
    EXPECT_TRUE(fs::is_regular_file(BlobPath(root_, info.id)));
    EXPECT_EQ(CountFiles(TempDir()), 0u);

    auto stored_size = store_->Size(info.id);
    ASSERT_TRUE(stored_size.ok()) << stored_size.status();
    EXPECT_EQ(*stored_size, size);

    std::vector<size_t> buf_sizes = {size_t{1} << 20, 65536, 1000};
    if (size <= 65537) buf_sizes.push_back(1);
    for (size_t buf_size : buf_sizes) {
      SCOPED_TRACE(buf_size);
      auto read = ReadRange(info.id, 0, size, buf_size);
      ASSERT_TRUE(read.ok()) << read.status();
      EXPECT_TRUE(*read == data);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, BlobRoundTripTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(size_t{0}, size_t{1}, size_t{65535},
                                                              size_t{65536}, size_t{65537},
                                                              size_t{3 * 1024 * 1024 + 7})));

TEST_F(BlobStoreTest, Md5OfEmptyBlobIsTheKnownValue) {
  EXPECT_EQ(HexEncode(Write("", false).md5), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Write("", true).md5), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Write("abc", true).md5), "900150983cd24fb0d6963f7d28e17f72");
}

TEST_F(BlobStoreTest, EncryptedFileHoldsOneTaggedChunkPer64KiB) {
  // Sizes on disk pin the chunking: an empty blob has one empty chunk, 64 KiB is one chunk,
  // 64 KiB + 1 is two.
  const struct {
    size_t size;
    uint64_t chunks;
  } cases[] = {{0, 1}, {1, 1}, {65536, 1}, {65537, 2}, {3 * 65536, 3}};
  for (const auto& c : cases) {
    const BlobInfo info = Write(MakeData(c.size, 5), true);
    const std::string bytes = ReadFileBytes(BlobPath(root_, info.id));
    ASSERT_GE(bytes.size(), kBlobHeaderFixedSize);
    const uint64_t wrapped =
        (static_cast<unsigned char>(bytes[28]) << 8) | static_cast<unsigned char>(bytes[29]);
    EXPECT_EQ(bytes.size(), kBlobHeaderFixedSize + wrapped + c.size + 16 * c.chunks) << c.size;
  }
  const BlobInfo plain = Write(MakeData(65537, 5), false);
  EXPECT_EQ(ReadFileBytes(BlobPath(root_, plain.id)).size(), kBlobHeaderFixedSize + 65537);
}

TEST_F(BlobStoreTest, IdsAreRandomHexAndBlobsLiveInShardDirectories) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const BlobInfo info = Write("x", i % 2 == 0);
    ASSERT_TRUE(IsValidBlobId(info.id)) << info.id;
    EXPECT_TRUE(fs::is_regular_file(root_ + "/blobs/" + info.id.substr(0, 2) + "/" + info.id));
    ids.insert(info.id);
  }
  EXPECT_EQ(ids.size(), 20u);
}

// ---------------------------------------------------------------------------------------------
// Ranged reads

class BlobRangeTest : public BlobStoreTest, public ::testing::WithParamInterface<bool> {};

TEST_P(BlobRangeTest, RangesAtChunkBoundariesAndSingleBytes) {
  const bool encrypt = GetParam();
  const uint64_t size = 3 * kChunk + 100;
  const std::string data = MakeData(size, 42);
  const BlobInfo info = Write(data, encrypt);

  const std::vector<uint64_t> points = {0,
                                        1,
                                        kChunk - 1,
                                        kChunk,
                                        kChunk + 1,
                                        2 * kChunk,
                                        2 * kChunk + 1,
                                        3 * kChunk - 1,
                                        3 * kChunk,
                                        size - 1,
                                        size};
  for (size_t buf_size : {size_t{1} << 20, size_t{65536}, size_t{4096}}) {
    for (uint64_t begin : points) {
      for (uint64_t end : points) {
        if (end < begin) continue;
        SCOPED_TRACE(testing::Message()
                     << "buf " << buf_size << " [" << begin << "," << end << ")");
        auto read = ReadRange(info.id, begin, end - begin, buf_size);
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_TRUE(*read == data.substr(begin, end - begin));
      }
    }
  }
  for (uint64_t at : points) {
    if (at == size) continue;
    auto read = ReadRange(info.id, at, 1, 1);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, data.substr(at, 1)) << at;
  }
}

TEST_P(BlobRangeTest, RangeBeyondTheBlobIsOutOfRange) {
  const BlobInfo info = Write(MakeData(1000, 1), GetParam());
  EXPECT_EQ(store_->OpenReader(info.id, 1001, 0).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_->OpenReader(info.id, 0, 1001).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_->OpenReader(info.id, 999, 2).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_->OpenReader(info.id, 1, UINT64_MAX).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(store_->OpenReader(info.id, 1000, 0).ok());
  EXPECT_TRUE(store_->OpenReader(info.id, 999, 1).ok());
}

INSTANTIATE_TEST_SUITE_P(PlainAndEncrypted, BlobRangeTest, ::testing::Bool());

// ---------------------------------------------------------------------------------------------
// Concatenated (multipart) reads

TEST_F(BlobStoreTest, ConcatReaderStreamsRangesAcrossParts) {
  const std::vector<std::pair<size_t, bool>> layout = {
      {kChunk + 1, true}, {0, false}, {1, true}, {3 * kChunk, false}, {100, true}, {kChunk, true}};
  std::vector<BlobRef> parts;
  std::string whole;
  std::vector<uint64_t> points = {0};
  for (size_t i = 0; i < layout.size(); ++i) {
    const std::string data = MakeData(layout[i].first, static_cast<uint32_t>(i) + 10);
    const BlobInfo info = Write(data, layout[i].second);
    parts.push_back({info.id, info.size});
    const uint64_t start = whole.size();
    whole += data;
    for (uint64_t p : {start + 1, start + kChunk - 1, start + kChunk, start + kChunk + 1}) {
      if (p < whole.size()) points.push_back(p);
    }
    if (whole.size() > 0) points.push_back(whole.size() - 1);
    points.push_back(whole.size());
  }

  auto all = store_->OpenConcatReader(parts, 0, whole.size());
  ASSERT_TRUE(all.ok()) << all.status();
  auto read_all = Drain(**all, 1 << 20);
  ASSERT_TRUE(read_all.ok()) << read_all.status();
  EXPECT_TRUE(*read_all == whole);

  for (size_t buf_size : {size_t{1} << 20, size_t{5000}}) {
    for (uint64_t begin : points) {
      for (uint64_t end : points) {
        if (end < begin) continue;
        SCOPED_TRACE(testing::Message()
                     << "buf " << buf_size << " [" << begin << "," << end << ")");
        auto reader = store_->OpenConcatReader(parts, begin, end - begin);
        ASSERT_TRUE(reader.ok()) << reader.status();
        auto read = Drain(**reader, buf_size);
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_TRUE(*read == whole.substr(begin, end - begin));
      }
    }
  }
  for (uint64_t at : points) {
    if (at == whole.size()) continue;
    auto reader = store_->OpenConcatReader(parts, at, 1);
    ASSERT_TRUE(reader.ok());
    auto read = Drain(**reader, 1);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, whole.substr(at, 1)) << at;
  }

  EXPECT_EQ(store_->OpenConcatReader(parts, 0, whole.size() + 1).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_->OpenConcatReader(parts, whole.size() + 1, 0).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(BlobStoreTest, ConcatReaderOpensPartsLazily) {
  const std::string a = MakeData(1000, 1);
  const std::string b = MakeData(2000, 2);
  const BlobInfo ia = Write(a, true);
  const BlobInfo ib = Write(b, false);
  const std::vector<BlobRef> parts = {{ia.id, ia.size}, {ib.id, ib.size}};
  ASSERT_TRUE(store_->Delete(ib.id).ok());

  // A range that stays in the first part never touches the missing second one.
  auto first_only = store_->OpenConcatReader(parts, 10, 990);
  ASSERT_TRUE(first_only.ok()) << first_only.status();
  auto read = Drain(**first_only, 4096);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, a.substr(10));

  // The missing part is reported by Read() once the range reaches it, after the first part's
  // bytes were delivered.
  auto across = store_->OpenConcatReader(parts, 500, 1000);
  ASSERT_TRUE(across.ok()) << across.status();
  std::vector<char> buf(4096);
  auto got = (*across)->Read(buf.data(), buf.size());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(std::string(buf.data(), *got), a.substr(500));
  EXPECT_EQ((*across)->Read(buf.data(), buf.size()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BlobStoreTest, ConcatReaderRejectsPartWithWrongRecordedSize) {
  const BlobInfo ia = Write(MakeData(1000, 1), true);
  auto reader = store_->OpenConcatReader({{ia.id, 999}}, 0, 999);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(Drain(**reader, 4096).status().code(), absl::StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------------------------------
// Encryption at rest and tamper detection

TEST_F(BlobStoreTest, EncryptedBlobDoesNotExposePlaintextOnDisk) {
  std::string data;
  while (data.size() < 200000) data += "CLEANROOM-DISTINCTIVE-PLAINTEXT-PATTERN-";
  const BlobInfo plain = Write(data, false);
  const BlobInfo encrypted = Write(data, true);
  const std::string marker = "DISTINCTIVE-PLAINTEXT";
  EXPECT_NE(ReadFileBytes(BlobPath(root_, plain.id)).find(marker), std::string::npos);
  const std::string sealed = ReadFileBytes(BlobPath(root_, encrypted.id));
  EXPECT_GT(sealed.size(), data.size());
  EXPECT_EQ(sealed.find(marker), std::string::npos);
  auto read = ReadRange(encrypted.id, 0, data.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(*read == data);
}

class BlobTamperTest : public BlobStoreTest {
 protected:
  void SetUp() override {
    BlobStoreTest::SetUp();
    data_ = MakeData(3 * kChunk + 500, 7);  // four chunks, the last one partial
    info_ = Write(data_, true);
    path_ = BlobPath(root_, info_.id);
    ScopedFd fd(::open(path_.c_str(), O_RDONLY));
    ASSERT_TRUE(fd.valid());
    auto header = ReadBlobHeader(fd.get(), fs::file_size(path_));
    ASSERT_TRUE(header.ok()) << header.status();
    header_ = *header;
    ASSERT_EQ(header_.chunk_count(), 4u);
  }

  BlobInfo info_;
  std::string data_;
  std::string path_;
  BlobHeader header_;
};

TEST_F(BlobTamperTest, UntamperedBlobReads) { EXPECT_TRUE(ReadAllStatus(info_.id).ok()); }

TEST_F(BlobTamperTest, FlippedCiphertextByteIsDataLoss) {
  std::string bytes = ReadFileBytes(path_);
  bytes[header_.chunk_offset(1) + 1234] ^= 0x01;
  WriteFileBytes(path_, bytes);

  // Chunk 0 is intact and still readable on its own.
  auto first = ReadRange(info_.id, 0, kChunk);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first == data_.substr(0, kChunk));
  // Any read touching chunk 1 fails.
  EXPECT_EQ(ReadRange(info_.id, kChunk + 5000, 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadRange(info_.id, 0, data_.size()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, FlippedTagByteIsDataLoss) {
  std::string bytes = ReadFileBytes(path_);
  bytes[bytes.size() - 1] ^= 0x80;  // last byte of the final chunk's tag
  WriteFileBytes(path_, bytes);
  EXPECT_EQ(ReadRange(info_.id, data_.size() - 1, 1).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, DroppedLastChunkIsDataLoss) {
  fs::resize_file(path_, header_.chunk_offset(3));
  EXPECT_EQ(store_->OpenReader(info_.id, 0, kChunk).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store_->Size(info_.id).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, DroppedLastChunkWithPatchedSizeIsDataLoss) {
  // Make the header agree with the truncated file: only the last-chunk flag in the AAD of
  // chunk 2 (sealed as not-last) can tell.
  fs::resize_file(path_, header_.chunk_offset(3));
  std::string bytes = ReadFileBytes(path_);
  const uint64_t new_size = 3 * kChunk;
  for (int i = 0; i < 8; ++i) {
    bytes[kBlobPlaintextSizeOffset + i] = static_cast<char>(new_size >> (56 - 8 * i));
  }
  WriteFileBytes(path_, bytes);
  auto size = store_->Size(info_.id);
  ASSERT_TRUE(size.ok()) << size.status();
  ASSERT_EQ(*size, new_size);
  // Chunks 0 and 1 are intact; chunk 2 is now claimed to be the last one.
  EXPECT_TRUE(ReadRange(info_.id, 0, 2 * kChunk).ok());
  EXPECT_EQ(ReadRange(info_.id, 0, new_size).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, SwappedChunksAreDataLoss) {
  std::string bytes = ReadFileBytes(path_);
  const size_t sealed = kChunk + 16;
  std::string chunk0 = bytes.substr(header_.chunk_offset(0), sealed);
  std::string chunk1 = bytes.substr(header_.chunk_offset(1), sealed);
  bytes.replace(header_.chunk_offset(0), sealed, chunk1);
  bytes.replace(header_.chunk_offset(1), sealed, chunk0);
  WriteFileBytes(path_, bytes);
  EXPECT_EQ(ReadRange(info_.id, 0, 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadRange(info_.id, kChunk, 1).status().code(), absl::StatusCode::kDataLoss);
  // Chunks 2 and 3 are where they belong.
  EXPECT_TRUE(ReadRange(info_.id, 2 * kChunk, kChunk + 500).ok());
}

TEST_F(BlobTamperTest, ChunkFromAnotherBlobIsDataLoss) {
  // A second blob of the same length: even its chunk at the same index is rejected.
  const BlobInfo other = Write(MakeData(data_.size(), 8), true);
  const std::string other_bytes = ReadFileBytes(BlobPath(root_, other.id));
  std::string bytes = ReadFileBytes(path_);
  bytes.replace(header_.chunk_offset(1), kChunk + 16,
                other_bytes.substr(header_.chunk_offset(1), kChunk + 16));
  WriteFileBytes(path_, bytes);
  EXPECT_EQ(ReadRange(info_.id, kChunk, 10).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, BlobFileMovedToAnotherIdIsDataLoss) {
  // The wrapped data key is bound to the id, so a blob file cannot be passed off as another.
  const std::string other_id(32, 'a');
  fs::create_directories(BlobShardDir(root_, other_id));
  fs::copy_file(path_, BlobPath(root_, other_id));
  EXPECT_EQ(store_->OpenReader(other_id, 0, 1).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, WrongMasterKeyIsDataLoss) {
  auto other_key = crypto::MasterKey::FromBytesForTest(std::string(32, 'K'));
  auto other_store = BlobStore::Open(root_, other_key.get());
  ASSERT_TRUE(other_store.ok()) << other_store.status();
  EXPECT_EQ((*other_store)->OpenReader(info_.id, 0, 1).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, NoMasterKeyIsFailedPrecondition) {
  auto keyless = BlobStore::Open(root_, nullptr);
  ASSERT_TRUE(keyless.ok()) << keyless.status();
  EXPECT_EQ((*keyless)->OpenReader(info_.id, 0, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*keyless)->NewWriter(true).status().code(), absl::StatusCode::kFailedPrecondition);
  // Unencrypted blobs need no key.
  auto writer = (*keyless)->NewWriter(false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append("plain").ok());
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status();
  auto reader = (*keyless)->OpenReader(info->id, 0, 5);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(*Drain(**reader, 16), "plain");
}

TEST_F(BlobTamperTest, CorruptHeaderIsDataLoss) {
  std::string bytes = ReadFileBytes(path_);
  bytes[0] ^= 0x20;  // magic
  WriteFileBytes(path_, bytes);
  EXPECT_EQ(store_->OpenReader(info_.id, 0, 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store_->Size(info_.id).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobTamperTest, AlteredWrappedKeyIsDataLoss) {
  std::string bytes = ReadFileBytes(path_);
  bytes[kBlobHeaderFixedSize + 20] ^= 0x01;
  WriteFileBytes(path_, bytes);
  EXPECT_EQ(store_->OpenReader(info_.id, 0, 1).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BlobStoreTest, TruncatedPlainBlobIsDataLoss) {
  const BlobInfo info = Write(MakeData(5000, 3), false);
  const std::string path = BlobPath(root_, info.id);
  fs::resize_file(path, fs::file_size(path) - 1);
  EXPECT_EQ(ReadAllStatus(info.id).code(), absl::StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------------------------------
// Writer life cycle

TEST_F(BlobStoreTest, AbortRemovesTheFile) {
  auto writer = store_->NewWriter(true);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append(MakeData(3 * kChunk, 1)).ok());
  const std::string id = (*writer)->id();
  // Written in place, but not visible through the store before Commit.
  EXPECT_TRUE(fs::exists(BlobPath(root_, id)));
  EXPECT_EQ(store_->OpenReader(id, 0, 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Size(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->OpenConcatReader({{id, 3 * kChunk}}, 0, 1).status().code(),
            absl::StatusCode::kNotFound);

  (*writer)->Abort();
  EXPECT_FALSE(fs::exists(BlobPath(root_, id)));
  EXPECT_EQ(CountFiles(TempDir()), 0u);
  EXPECT_EQ(CountFiles(root_ + "/blobs"), 0u);
  EXPECT_EQ((*writer)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(BlobStoreTest, DestructorWithoutCommitRemovesTheFile) {
  for (bool encrypt : {false, true}) {
    auto writer = store_->NewWriter(encrypt);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Append(MakeData(2 << 20, 1)).ok());
    const std::string id = (*writer)->id();
    EXPECT_TRUE(fs::exists(BlobPath(root_, id)));
    writer->reset();
    EXPECT_FALSE(fs::exists(BlobPath(root_, id)));
    EXPECT_EQ(CountFiles(TempDir()), 0u);
    EXPECT_EQ(store_->Size(id).status().code(), absl::StatusCode::kNotFound);
  }
  EXPECT_EQ(CountFiles(root_ + "/blobs"), 0u);
}

TEST_F(BlobStoreTest, CommitTwiceFails) {
  auto writer = store_->NewWriter(false);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ((*writer)->Commit().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  // Abort after Commit keeps the blob.
  (*writer)->Abort();
  EXPECT_TRUE(store_->Size((*writer)->id()).ok());
}

// ---------------------------------------------------------------------------------------------
// Delete, GC, validation

TEST_F(BlobStoreTest, DeleteRemovesBlobAndToleratesMissing) {
  const BlobInfo info = Write("hello", true);
  ASSERT_TRUE(store_->Delete(info.id).ok());
  EXPECT_FALSE(fs::exists(BlobPath(root_, info.id)));
  EXPECT_EQ(store_->OpenReader(info.id, 0, 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Size(info.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete(info.id).ok());
}

TEST_F(BlobStoreTest, CollectGarbageRemovesTempFilesAndUnreferencedBlobs) {
  const BlobInfo keep1 = Write(MakeData(100, 1), true);
  const BlobInfo drop = Write(MakeData(70000, 2), false);
  const BlobInfo keep2 = Write(MakeData(200, 3), false);
  // Leftovers of a crash: temp files nobody will commit.
  WriteFileBytes(TempDir() + "/0123456789abcdef0123456789abcdef.tmp", "partial");
  WriteFileBytes(TempDir() + "/junk", "xy");
  // Files in blobs/ that are not blobs are left alone.
  WriteFileBytes(root_ + "/blobs/README", "not a blob");

  const uint64_t drop_bytes = fs::file_size(BlobPath(root_, drop.id));
  std::set<std::string> asked;
  auto stats = store_->CollectGarbage([&](const std::string& id) {
    asked.insert(id);
    return id == keep1.id || id == keep2.id;
  });
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->temp_files_removed, 2u);
  EXPECT_EQ(stats->blobs_removed, 1u);
  EXPECT_EQ(stats->blobs_kept, 2u);
  EXPECT_EQ(stats->bytes_freed, drop_bytes + 7 + 2);
  EXPECT_EQ(asked, (std::set<std::string>{keep1.id, drop.id, keep2.id}));

  EXPECT_EQ(CountFiles(TempDir()), 0u);
  EXPECT_EQ(store_->Size(drop.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ReadAllStatus(keep1.id).ok());
  EXPECT_TRUE(ReadAllStatus(keep2.id).ok());
  EXPECT_TRUE(fs::exists(root_ + "/blobs/README"));
}

TEST_F(BlobStoreTest, InvalidIdsAreRejected) {
  // A file next to the data dir that "../x"-style ids would reach if they became paths.
  WriteFileBytes(base_ + "/x", "victim");
  const std::vector<std::string> bad = {"../x",
                                        "../../x",
                                        "",
                                        std::string(31, 'a'),
                                        std::string(33, 'a'),
                                        std::string(32, 'A'),
                                        "0123456789abcdef0123456789abcdeg",
                                        "0123456789abcdef0123456789abcde/",
                                        "../0123456789abcdef0123456789abc"};
  for (const std::string& id : bad) {
    SCOPED_TRACE(id);
    EXPECT_EQ(store_->Delete(id).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Size(id).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->OpenReader(id, 0, 0).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->OpenConcatReader({{id, 0}}, 0, 0).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ReadFileBytes(base_ + "/x"), "victim");
}

TEST_F(BlobStoreTest, OpenCreatesDirectoriesAndRejectsAFileAsRoot) {
  EXPECT_TRUE(fs::is_directory(root_ + "/blobs"));
  EXPECT_TRUE(fs::is_directory(root_ + "/tmp"));
  WriteFileBytes(base_ + "/file", "");
  EXPECT_FALSE(BlobStore::Open(base_ + "/file", key_.get()).ok());
  auto nested = BlobStore::Open(base_ + "/a/b/", key_.get());
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_TRUE(fs::is_directory(base_ + "/a/b/tmp"));
}

TEST_F(BlobStoreTest, OpenCreatesEveryShardDirectory) {
  size_t shards = 0;
  for (const auto& entry : fs::directory_iterator(root_ + "/blobs")) {
    EXPECT_TRUE(entry.is_directory()) << entry.path();
    EXPECT_EQ(entry.path().filename().string().size(), 2u) << entry.path();
    ++shards;
  }
  EXPECT_EQ(shards, 256u);
}

TEST_F(BlobStoreTest, CommittedBlobBecomesVisible) {
  auto writer = store_->NewWriter(false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Append("abc").ok());
  const std::string id = (*writer)->id();
  EXPECT_EQ(store_->Size(id).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*writer)->Commit().ok());
  auto size = store_->Size(id);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 3u);
}

TEST_F(BlobStoreTest, ConsecutiveBlobsShareAShardDirectory) {
  // New blobs fill one shard directory for a while, so concurrent commits can share its
  // fsync; across many blobs every id is still distinct.
  std::set<std::string> ids;
  std::map<std::string, int> per_shard;
  for (int i = 0; i < 64; ++i) {
    const BlobInfo info = Write("x", false);
    ids.insert(info.id);
    ++per_shard[info.id.substr(0, 2)];
  }
  EXPECT_EQ(ids.size(), 64u);
  EXPECT_LE(per_shard.size(), 5u);
  EXPECT_GE(per_shard.size(), 4u);
}

TEST_F(BlobStoreTest, WriterOutlivingTheStoreStillCommits) {
  auto writer = store_->NewWriter(true);
  ASSERT_TRUE(writer.ok()) << writer.status();
  const std::string id = (*writer)->id();
  store_.reset();
  ASSERT_TRUE((*writer)->Append(MakeData(100000, 4)).ok());
  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_TRUE(fs::is_regular_file(BlobPath(root_, id)));
}

TEST_F(BlobStoreTest, CommitRecreatesAMissingShardDirectory) {
  for (const auto& entry : fs::directory_iterator(root_ + "/blobs")) fs::remove(entry.path());
  const std::string data = MakeData(5000, 9);
  const BlobInfo info = Write(data, false);
  ASSERT_TRUE(IsValidBlobId(info.id));
  auto read = ReadRange(info.id, 0, data.size());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(*read == data);
}

TEST_F(BlobStoreTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kBlobsPerThread = 8;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBlobsPerThread; ++i) {
        const std::string data = MakeData(static_cast<size_t>(1000 + 37000 * i), 100 * t + i);
        auto writer = store_->NewWriter((t + i) % 2 == 0);
        if (!writer.ok() || !(*writer)->Append(data).ok()) {
          ++failures[t];
          continue;
        }
        auto info = (*writer)->Commit();
        if (!info.ok()) {
          ++failures[t];
          continue;
        }
        auto reader = store_->OpenReader(info->id, 0, data.size());
        if (!reader.ok()) {
          ++failures[t];
          continue;
        }
        auto read = Drain(**reader, 50000);
        if (!read.ok() || *read != data) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(CountFiles(root_ + "/blobs"), size_t{kThreads * kBlobsPerThread});
}

}  // namespace
}  // namespace cleanroom::s3
