#include "http/message.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::http {
namespace {

using ::testing::ElementsAre;

TEST(HeadersTest, GetIsCaseInsensitive) {
  Headers h;
  h.Add("Content-Type", "text/plain");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("CONTENT-TYPE"), "text/plain");
  EXPECT_TRUE(h.Has("Content-type"));
  EXPECT_FALSE(h.Get("content-length").has_value());
  EXPECT_FALSE(h.Has("content-length"));
}

TEST(HeadersTest, StoresNamesLowerCasedInArrivalOrder) {
  Headers h;
  h.Add("X-Amz-Date", "1");
  h.Add("Host", "h");
  ASSERT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.fields()[0].first, "x-amz-date");
  EXPECT_EQ(h.fields()[1].first, "host");
  EXPECT_EQ(h.fields()[1].second, "h");
}

TEST(HeadersTest, GetReturnsFirstValueAndGetAllEveryValueInOrder) {
  Headers h;
  h.Add("X-Tag", "a");
  h.Add("Other", "z");
  h.Add("x-tag", "b");
  h.Add("X-TAG", "c");
  EXPECT_EQ(h.Get("x-tag"), "a");
  EXPECT_THAT(h.GetAll("X-Tag"), ElementsAre("a", "b", "c"));
  EXPECT_TRUE(h.GetAll("missing").empty());
}

TEST(HeadersTest, SetReplacesEveryFieldOfThatName) {
  Headers h;
  h.Add("X-Tag", "a");
  h.Add("x-tag", "b");
  h.Add("Keep", "k");
  h.Set("X-TAG", "c");
  EXPECT_THAT(h.GetAll("x-tag"), ElementsAre("c"));
  EXPECT_EQ(h.Get("keep"), "k");
  EXPECT_EQ(h.fields().size(), 2u);
}

TEST(HeadersTest, RemoveDropsEveryFieldOfThatNameIgnoringCase) {
  Headers h;
  h.Add("X-Tag", "a");
  h.Add("Keep", "k");
  h.Add("x-tag", "b");
  h.Remove("X-TAG");
  EXPECT_FALSE(h.Has("x-tag"));
  EXPECT_TRUE(h.GetAll("x-tag").empty());
  ASSERT_EQ(h.fields().size(), 1u);
  EXPECT_EQ(h.fields()[0].first, "keep");
  h.Remove("not-there");  // no effect
  EXPECT_EQ(h.fields().size(), 1u);
}

// Hands out its data a few bytes at a time, then optionally fails.
class PieceReader final : public BodyReader {
 public:
  PieceReader(std::string data, size_t piece, absl::Status end_status = absl::OkStatus())
      : data_(std::move(data)), piece_(piece), end_status_(std::move(end_status)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ == data_.size()) {
      if (!end_status_.ok()) return end_status_;
      return size_t{0};
    }
    size_t take = std::min({n, piece_, data_.size() - pos_});
    data_.copy(buf, take, pos_);
    pos_ += take;
    return take;
  }

 private:
  std::string data_;
  size_t piece_;
  absl::Status end_status_;
  size_t pos_ = 0;
};

TEST(ReadAllTest, ConcatenatesPiecesUpToTheEnd) {
  PieceReader reader("hello, world", 3);
  absl::StatusOr<std::string> all = ReadAll(reader, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, "hello, world");
}

TEST(ReadAllTest, AcceptsABodyOfExactlyTheLimit) {
  StringReader reader(std::string(1000, 'x'));
  absl::StatusOr<std::string> all = ReadAll(reader, 1000);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 1000u);
}

TEST(ReadAllTest, ReturnsOutOfRangeWhenTheBodyExceedsTheLimit) {
  StringReader reader(std::string(1001, 'x'));
  absl::StatusOr<std::string> all = ReadAll(reader, 1000);
  EXPECT_EQ(all.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ReadAllTest, ReturnsOutOfRangeWhenPiecesAddUpPastTheLimit) {
  PieceReader reader(std::string(20, 'x'), 7);
  EXPECT_EQ(ReadAll(reader, 19).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ReadAllTest, PropagatesTheReaderError) {
  PieceReader reader("partial", 4, absl::AbortedError("client went away"));
  absl::StatusOr<std::string> all = ReadAll(reader, 100);
  EXPECT_EQ(all.status().code(), absl::StatusCode::kAborted);
}

TEST(StringReaderTest, ReadsInPiecesAndThenReturnsZero) {
  StringReader reader("abcdef");
  char buf[4];
  absl::StatusOr<size_t> n = reader.Read(buf, 4);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "abcd");
  n = reader.Read(buf, 4);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "ef");
  n = reader.Read(buf, 4);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST(ReasonPhraseTest, NamesCommonStatuses) {
  EXPECT_EQ(ReasonPhrase(100), "Continue");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(413), "Payload Too Large");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
}

}  // namespace
}  // namespace cleanroom::http
