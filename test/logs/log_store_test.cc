#include "logs/log_store.h"

#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "logs/validation.h"
#include "logs_test_util.h"

namespace cleanroom::logs {
namespace {

using testing::CodeOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kAccountA;
using testing::kAccountB;
using testing::kNowMs;

constexpr char kNotFoundGroup[] = "The specified log group does not exist.";
constexpr char kNotFoundStream[] = "The specified log stream does not exist.";
constexpr char kBadToken[] = "The specified nextToken is not valid.";

class LogStoreTest : public ::testing::Test {
 protected:
  LogStore& store() { return temp_.store(); }

  void Group(const std::string& name, const std::string& account = kAccountA) {
    ASSERT_TRUE(store().CreateLogGroup(account, name).ok()) << name;
  }
  void Stream(const std::string& group, const std::string& name,
              const std::string& account = kAccountA) {
    ASSERT_TRUE(store().CreateLogStream(account, group, name).ok()) << name;
  }
  void Put(const std::string& group, const std::string& stream, std::vector<LogEvent> events,
           const std::string& account = kAccountA) {
    absl::StatusOr<PutLogEventsResult> r = store().PutLogEvents(account, group, stream, events);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->accepted, static_cast<int64_t>(events.size()));
  }

  std::vector<std::string> GroupNames(const DescribeLogGroupsQuery& q,
                                      const std::string& account = kAccountA) {
    absl::StatusOr<Page<LogGroup>> page = store().DescribeLogGroups(account, q);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const LogGroup& g : page->items) names.push_back(g.name);
    }
    return names;
  }

  std::vector<std::string> StreamNames(const std::string& group, const DescribeLogStreamsQuery& q,
                                       std::string* next_token = nullptr) {
    absl::StatusOr<Page<LogStream>> page = store().DescribeLogStreams(kAccountA, group, q);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const LogStream& s : page->items) names.push_back(s.name);
      if (next_token != nullptr) *next_token = page->next_token;
    }
    return names;
  }

  static std::vector<std::string> Messages(const std::vector<StoredLogEvent>& events) {
    std::vector<std::string> out;
    for (const StoredLogEvent& e : events) out.push_back(e.message);
    return out;
  }

  static void ExpectError(const absl::Status& s, const std::string& code,
                          const std::string& message) {
    EXPECT_EQ(CodeOf(s), code) << s;
    EXPECT_EQ(GetAwsHttpStatus(s).value_or(0), 400) << s;
    EXPECT_EQ(std::string(s.message()), message);
  }

  testing::TempLogStore temp_;
};

// ---- Log groups ---------------------------------------------------------------------------

TEST_F(LogStoreTest, CreatesAndDescribesGroups) {
  Group("/app/web");
  absl::StatusOr<LogGroup> g = store().GetLogGroup(kAccountA, "/app/web");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->name, "/app/web");
  EXPECT_EQ(g->creation_time_ms, kNowMs);
  EXPECT_EQ(g->stored_bytes, 0);
  EXPECT_EQ(g->log_group_class, "STANDARD");
  EXPECT_FALSE(g->deletion_protection);

  ExpectError(store().CreateLogGroup(kAccountA, "/app/web"), "ResourceAlreadyExistsException",
              "The specified log group already exists");
}

TEST_F(LogStoreTest, GroupNamesFollowTheModel) {
  ExpectError(store().CreateLogGroup(kAccountA, "bad name"), "InvalidParameterException",
              "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  ExpectError(store().CreateLogGroup(kAccountA, ""), "InvalidParameterException",
              "1 validation error detected: Value '' at 'logGroupName' failed to satisfy "
              "constraint: Member must have length greater than or equal to 1");
  std::string long_name(513, 'a');
  ExpectError(store().CreateLogGroup(kAccountA, long_name), "InvalidParameterException",
              "1 validation error detected: Value '" + long_name +
                  "' at 'logGroupName' failed to satisfy constraint: Member must have length "
                  "less than or equal to 512");
  EXPECT_TRUE(store().CreateLogGroup(kAccountA, std::string(512, 'a')).ok());
  EXPECT_TRUE(store().CreateLogGroup(kAccountA, "a.b-c_d/e#F9").ok());
  CreateLogGroupOptions bad_class;
  bad_class.log_group_class = "COLD";
  EXPECT_THAT(std::string(store().CreateLogGroup(kAccountA, "x", bad_class).message()),
              HasSubstr("satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]"));
}

TEST_F(LogStoreTest, AnotherAccountsGroupsDoNotExist) {
  Group("shared-name");
  Stream("shared-name", "s");
  Put("shared-name", "s", {{kNowMs, "secret of A"}});

  // B gets exactly what it gets for a name nobody uses.
  ExpectError(store().GetLogGroup(kAccountB, "shared-name").status(), "ResourceNotFoundException",
              kNotFoundGroup);
  ExpectError(store().CreateLogStream(kAccountB, "shared-name", "t"), "ResourceNotFoundException",
              kNotFoundGroup);
  ExpectError(store().DescribeLogStreams(kAccountB, "shared-name", {}).status(),
              "ResourceNotFoundException", kNotFoundGroup);
  ExpectError(store().PutLogEvents(kAccountB, "shared-name", "s", {{kNowMs, "x"}}).status(),
              "ResourceNotFoundException", kNotFoundGroup);
  ExpectError(store().GetLogEvents(kAccountB, "shared-name", "s", {}).status(),
              "ResourceNotFoundException", kNotFoundGroup);
  ExpectError(store().FilterLogEvents(kAccountB, "shared-name", {}).status(),
              "ResourceNotFoundException", kNotFoundGroup);
  ExpectError(store().DeleteLogStream(kAccountB, "shared-name", "s"), "ResourceNotFoundException",
              kNotFoundGroup);
  ExpectError(store().DeleteLogGroup(kAccountB, "shared-name"), "ResourceNotFoundException",
              kNotFoundGroup);
  EXPECT_TRUE(GroupNames({}, kAccountB).empty());
  DescribeLogGroupsQuery by_name;
  by_name.names = {"shared-name"};
  EXPECT_TRUE(GroupNames(by_name, kAccountB).empty());

  // B's group of the same name is its own, and A's is untouched by it.
  Group("shared-name", kAccountB);
  ASSERT_TRUE(store().Append(kAccountB, "shared-name", "s", {{kNowMs, "B's event"}}).ok());
  absl::StatusOr<Page<StoredLogEvent>> a = store().FilterLogEvents(kAccountA, "shared-name", {});
  absl::StatusOr<Page<StoredLogEvent>> b = store().FilterLogEvents(kAccountB, "shared-name", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(Messages(a->items), ElementsAre("secret of A"));
  EXPECT_THAT(Messages(b->items), ElementsAre("B's event"));
  ASSERT_TRUE(store().DeleteLogGroup(kAccountB, "shared-name").ok());
  EXPECT_TRUE(store().GetLogGroup(kAccountA, "shared-name").ok());
}

TEST_F(LogStoreTest, DescribeLogGroupsFilters) {
  for (const char* name : {"/aws/cleanrooms", "/app/api", "/app/web", "audit", "web-audit"}) {
    Group(name);
  }
  CreateLogGroupOptions cold;
  cold.log_group_class = "INFREQUENT_ACCESS";
  ASSERT_TRUE(store().CreateLogGroup(kAccountA, "archive", cold).ok());

  EXPECT_THAT(GroupNames({}), ElementsAre("/app/api", "/app/web", "/aws/cleanrooms", "archive",
                                          "audit", "web-audit"));
  DescribeLogGroupsQuery q;
  q.name_prefix = "/app/";
  EXPECT_THAT(GroupNames(q), ElementsAre("/app/api", "/app/web"));
  q = {};
  q.name_substring = "audit";
  EXPECT_THAT(GroupNames(q), ElementsAre("audit", "web-audit"));
  q.name_substring = "Audit";  // case-sensitive
  EXPECT_TRUE(GroupNames(q).empty());
  q = {};
  q.names = {"audit", "nope", "/app/web"};
  EXPECT_THAT(GroupNames(q), ElementsAre("/app/web", "audit"));
  q = {};
  q.log_group_class = "INFREQUENT_ACCESS";
  EXPECT_THAT(GroupNames(q), ElementsAre("archive"));

  q = {};
  q.name_prefix = "a";
  q.name_substring = "b";
  ExpectError(store().DescribeLogGroups(kAccountA, q).status(), "InvalidParameterException",
              "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of "
              "these parameters can be passed.");
}

TEST_F(LogStoreTest, DescribeLogGroupsLimits) {
  DescribeLogGroupsQuery q;
  q.limit = 0;
  ExpectError(store().DescribeLogGroups(kAccountA, q).status(), "InvalidParameterException",
              "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
              "Member must have value greater than or equal to 1");
  q.limit = 51;
  ExpectError(store().DescribeLogGroups(kAccountA, q).status(), "InvalidParameterException",
              "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
              "Member must have value less than or equal to 50");
}

TEST_F(LogStoreTest, GroupPagesStayPutWhileGroupsAreAdded) {
  for (const char* name : {"g1", "g3", "g5"}) Group(name);
  DescribeLogGroupsQuery q;
  q.limit = 2;
  absl::StatusOr<Page<LogGroup>> first = store().DescribeLogGroups(kAccountA, q);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[1].name, "g3");
  ASSERT_FALSE(first->next_token.empty());

  // One group sorts before the page boundary, one after it.
  Group("g2");
  Group("g4");
  q.next_token = first->next_token;
  EXPECT_THAT(GroupNames(q), ElementsAre("g4", "g5"));
  absl::StatusOr<Page<LogGroup>> second = store().DescribeLogGroups(kAccountA, q);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->next_token.empty());
}

TEST_F(LogStoreTest, GarbageTokensAreRefused) {
  Group("g");
  Stream("g", "s");
  for (const std::string& token : {std::string("garbage!"), Base64Encode("streams-name:s"),
                                   Base64Encode("groups:a:b"), Base64Encode("groups")}) {
    DescribeLogGroupsQuery q;
    q.next_token = token;
    ExpectError(store().DescribeLogGroups(kAccountA, q).status(), "InvalidParameterException",
                kBadToken);
  }
  DescribeLogStreamsQuery sq;
  sq.next_token = Base64Encode("groups:g");
  ExpectError(store().DescribeLogStreams(kAccountA, "g", sq).status(), "InvalidParameterException",
              kBadToken);
  sq.order = DescribeLogStreamsQuery::Order::kLastEventTime;
  sq.next_token = Base64Encode("streams-time:notanumber:s");
  ExpectError(store().DescribeLogStreams(kAccountA, "g", sq).status(), "InvalidParameterException",
              kBadToken);
  for (const std::string& token :
       {std::string("f/123"), std::string("x/") + std::string(38, '0'),
        std::string("f/") + std::string(37, '0') + "a", std::string("b/") + std::string(38, '9')}) {
    GetLogEventsQuery gq;
    gq.next_token = token;
    ExpectError(store().GetLogEvents(kAccountA, "g", "s", gq).status(), "InvalidParameterException",
                kBadToken);
  }
  FilterLogEventsQuery fq;
  fq.next_token = "AAAA";
  ExpectError(store().FilterLogEvents(kAccountA, "g", fq).status(), "InvalidParameterException",
              kBadToken);
  fq.next_token = Base64Encode("events:1:x");
  ExpectError(store().FilterLogEvents(kAccountA, "g", fq).status(), "InvalidParameterException",
              kBadToken);
}

TEST_F(LogStoreTest, DeleteLogGroupTakesStreamsAndEvents) {
  Group("g");
  Stream("g", "s");
  Put("g", "s", {{kNowMs, "old"}});
  ASSERT_TRUE(store().DeleteLogGroup(kAccountA, "g").ok());
  ExpectError(store().DeleteLogGroup(kAccountA, "g"), "ResourceNotFoundException", kNotFoundGroup);
  Group("g");
  EXPECT_TRUE(StreamNames("g", {}).empty());
  ExpectError(store().GetLogEvents(kAccountA, "g", "s", {}).status(), "ResourceNotFoundException",
              kNotFoundStream);
  Stream("g", "s");
  absl::StatusOr<GetLogEventsResult> events = store().GetLogEvents(kAccountA, "g", "s", {});
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->events.empty());
}

TEST_F(LogStoreTest, DeletionProtectionBlocksDelete) {
  CreateLogGroupOptions protect;
  protect.deletion_protection = true;
  ASSERT_TRUE(store().CreateLogGroup(kAccountA, "keep", protect).ok());
  absl::Status s = store().DeleteLogGroup(kAccountA, "keep");
  EXPECT_EQ(CodeOf(s), "ValidationException");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<LogGroup> g = store().GetLogGroup(kAccountA, "keep");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->deletion_protection);
  // Its streams are protected too.
  Stream("keep", "s");
  EXPECT_EQ(CodeOf(store().DeleteLogStream(kAccountA, "keep", "s")), "ValidationException");

  ExpectError(store().SetDeletionProtection(kAccountB, "keep", false), "ResourceNotFoundException",
              kNotFoundGroup);
  ASSERT_TRUE(store().SetDeletionProtection(kAccountA, "keep", false).ok());
  EXPECT_TRUE(store().DeleteLogStream(kAccountA, "keep", "s").ok());
  EXPECT_TRUE(store().DeleteLogGroup(kAccountA, "keep").ok());
  ExpectError(store().SetDeletionProtection(kAccountA, "keep", true), "ResourceNotFoundException",
              kNotFoundGroup);
}

// ---- Log streams --------------------------------------------------------------------------

TEST_F(LogStoreTest, CreatesStreams) {
  ExpectError(store().CreateLogStream(kAccountA, "g", "s"), "ResourceNotFoundException",
              kNotFoundGroup);
  Group("g");
  Stream("g", "s");
  ExpectError(store().CreateLogStream(kAccountA, "g", "s"), "ResourceAlreadyExistsException",
              "The specified log stream already exists");
  ExpectError(store().CreateLogStream(kAccountA, "g", "a:b"), "InvalidParameterException",
              "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: [^:*]*");
  EXPECT_EQ(CodeOf(store().CreateLogStream(kAccountA, "g", "a*")), "InvalidParameterException");
  EXPECT_TRUE(store().CreateLogStream(kAccountA, "g", "2024/01/01/[$LATEST] é").ok());
  // Length counts characters, not bytes.
  std::string wide;
  for (int i = 0; i < 512; ++i) wide += "é";
  EXPECT_TRUE(store().CreateLogStream(kAccountA, "g", wide).ok());
  EXPECT_EQ(CodeOf(store().CreateLogStream(kAccountA, "g", wide + "é")),
            "InvalidParameterException");
  ExpectError(store().DeleteLogStream(kAccountA, "g", "nope"), "ResourceNotFoundException",
              kNotFoundStream);
}

TEST_F(LogStoreTest, StreamStatisticsFollowEvents) {
  Group("g");
  Stream("g", "s");
  absl::StatusOr<Page<LogStream>> page = store().DescribeLogStreams(kAccountA, "g", {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].creation_time_ms, kNowMs);
  EXPECT_FALSE(page->items[0].first_event_timestamp_ms.has_value());
  EXPECT_FALSE(page->items[0].last_event_timestamp_ms.has_value());
  EXPECT_FALSE(page->items[0].last_ingestion_time_ms.has_value());
  EXPECT_EQ(page->items[0].last_sequence, 0);

  temp_.SetNowMs(kNowMs + 5000);
  Put("g", "s", {{kNowMs - 100, "abc"}, {kNowMs + 100, "de"}});
  Put("g", "s", {{kNowMs - 200, "f"}});
  page = store().DescribeLogStreams(kAccountA, "g", {});
  ASSERT_TRUE(page.ok());
  const LogStream& s = page->items[0];
  EXPECT_EQ(s.first_event_timestamp_ms, kNowMs - 200);
  EXPECT_EQ(s.last_event_timestamp_ms, kNowMs + 100);
  EXPECT_EQ(s.last_ingestion_time_ms, kNowMs + 5000);
  EXPECT_GT(s.last_sequence, 0);
  absl::StatusOr<LogGroup> g = store().GetLogGroup(kAccountA, "g");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->stored_bytes, 6);

  Stream("g", "t");
  Put("g", "t", {{kNowMs, "1234"}});
  ASSERT_TRUE(store().DeleteLogStream(kAccountA, "g", "s").ok());
  g = store().GetLogGroup(kAccountA, "g");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->stored_bytes, 4);
}

TEST_F(LogStoreTest, DescribeLogStreamsOrders) {
  using Order = DescribeLogStreamsQuery::Order;
  Group("g");
  for (const char* name : {"b", "a", "c", "d", "ab"}) Stream("g", name);
  Put("g", "c", {{kNowMs - 3000, "x"}});
  Put("g", "a", {{kNowMs - 1000, "x"}});
  Put("g", "d", {{kNowMs - 1000, "x"}});  // ties with a: broken by name

  EXPECT_THAT(StreamNames("g", {}), ElementsAre("a", "ab", "b", "c", "d"));
  DescribeLogStreamsQuery q;
  q.descending = true;
  EXPECT_THAT(StreamNames("g", q), ElementsAre("d", "c", "b", "ab", "a"));
  q = {};
  q.name_prefix = "a";
  EXPECT_THAT(StreamNames("g", q), ElementsAre("a", "ab"));
  q = {};
  q.order = Order::kLastEventTime;
  EXPECT_THAT(StreamNames("g", q), ElementsAre("ab", "b", "c", "a", "d"));
  q.descending = true;
  EXPECT_THAT(StreamNames("g", q), ElementsAre("d", "a", "c", "b", "ab"));

  q.name_prefix = "a";
  ExpectError(store().DescribeLogStreams(kAccountA, "g", q).status(), "InvalidParameterException",
              "Cannot order by LastEventTime with a logStreamNamePrefix.");
  ExpectError(store().DescribeLogStreams(kAccountA, "nope", {}).status(),
              "ResourceNotFoundException", kNotFoundGroup);
}

TEST_F(LogStoreTest, StreamPagesStayPutWhileStreamsAreAddedInEveryOrder) {
  using Order = DescribeLogStreamsQuery::Order;
  Group("g");
  for (const char* name : {"s1", "s3", "s5", "s7"}) Stream("g", name);
  Put("g", "s1", {{kNowMs - 40, "x"}});
  Put("g", "s3", {{kNowMs - 30, "x"}});
  Put("g", "s5", {{kNowMs - 20, "x"}});
  Put("g", "s7", {{kNowMs - 10, "x"}});

  // By name, descending: s7 s5 | s3 s1; then s4 (after the boundary) and s6 (before it).
  DescribeLogStreamsQuery q;
  q.descending = true;
  q.limit = 2;
  std::string token;
  EXPECT_THAT(StreamNames("g", q, &token), ElementsAre("s7", "s5"));
  Stream("g", "s4");
  Stream("g", "s6");
  q.next_token = token;
  EXPECT_THAT(StreamNames("g", q, &token), ElementsAre("s4", "s3"));
  q.next_token = token;
  EXPECT_THAT(StreamNames("g", q, &token), ElementsAre("s1"));
  EXPECT_TRUE(token.empty());

  // The token of one order is refused by another.
  DescribeLogStreamsQuery by_time;
  by_time.order = Order::kLastEventTime;
  by_time.limit = 2;
  EXPECT_THAT(StreamNames("g", by_time, &token), ElementsAre("s4", "s6"));  // no events yet
  DescribeLogStreamsQuery by_name{.next_token = token};
  ExpectError(store().DescribeLogStreams(kAccountA, "g", by_name).status(),
              "InvalidParameterException", kBadToken);
  by_time.next_token = token;
  EXPECT_THAT(StreamNames("g", by_time, &token), ElementsAre("s1", "s3"));
  by_time.next_token = token;
  EXPECT_THAT(StreamNames("g", by_time, &token), ElementsAre("s5", "s7"));
  EXPECT_TRUE(token.empty());
}

// ---- PutLogEvents -------------------------------------------------------------------------

TEST_F(LogStoreTest, PutLogEventsChecksTheBatch) {
  Group("g");
  Stream("g", "s");
  ExpectError(store().PutLogEvents(kAccountA, "g", "s", {}).status(), "InvalidParameterException",
              "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy "
              "constraint: Member must have length greater than or equal to 1");
  ExpectError(
      store().PutLogEvents(kAccountA, "g", "s", {{kNowMs, "a"}, {kNowMs - 1, "b"}}).status(),
      "InvalidParameterException",
      "Log events in a single PutLogEvents request must be in chronological order.");
  ExpectError(store().PutLogEvents(kAccountA, "g", "s", {{kNowMs, "a"}, {kNowMs, ""}}).status(),
              "InvalidParameterException",
              "1 validation error detected: Value '' at 'logEvents.2.member.message' failed to "
              "satisfy constraint: Member must have length greater than or equal to 1");
  const int64_t hour = 3600 * 1000;
  ExpectError(
      store()
          .PutLogEvents(kAccountA, "g", "s", {{kNowMs - 23 * hour, "a"}, {kNowMs + hour + 1, "b"}})
          .status(),
      "InvalidParameterException",
      "The batch of log events in a single PutLogEvents request cannot span more than 24 "
      "hours.");
  std::string big(kMaxEventBytes - kEventOverheadBytes + 1, 'x');
  ExpectError(store().PutLogEvents(kAccountA, "g", "s", {{kNowMs, big}}).status(),
              "InvalidParameterException",
              "Log event too large: 1048577 bytes exceeds limit of 1048576");
  std::string half(600000, 'x');
  ExpectError(store().PutLogEvents(kAccountA, "g", "s", {{kNowMs, half}, {kNowMs, half}}).status(),
              "InvalidParameterException",
              "Upload too large: 1200052 bytes exceeds limit of 1048576");
  std::vector<LogEvent> many(kMaxEventsPerBatch + 1, LogEvent{kNowMs, "x"});
  EXPECT_EQ(CodeOf(store().PutLogEvents(kAccountA, "g", "s", many).status()),
            "InvalidParameterException");
  ExpectError(store().PutLogEvents(kAccountA, "g", "nope", {{kNowMs, "a"}}).status(),
              "ResourceNotFoundException", kNotFoundStream);

  // Nothing of a refused batch was stored.
  absl::StatusOr<GetLogEventsResult> events = store().GetLogEvents(kAccountA, "g", "s", {});
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->events.empty());
  absl::StatusOr<LogGroup> g = store().GetLogGroup(kAccountA, "g");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->stored_bytes, 0);
}

TEST_F(LogStoreTest, PutLogEventsRejectsTooOldAndTooNewEventsButStoresTheRest) {
  Group("g");
  Stream("g", "s");
  const int64_t day = 24 * 3600 * 1000;
  absl::StatusOr<PutLogEventsResult> r =
      store().PutLogEvents(kAccountA, "g", "s",
                           {{kNowMs - 15 * day, "too old 1"},
                            {kNowMs - 14 * day - 1, "too old 2"},
                            {kNowMs - 1000, "kept 1"},
                            {kNowMs + 2 * 3600 * 1000, "kept 2"},
                            {kNowMs + 2 * 3600 * 1000 + 1, "too new"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->too_old_end_index, 2);
  EXPECT_EQ(r->too_new_start_index, 4);
  EXPECT_GT(r->last_sequence, 0);
  GetLogEventsQuery q;
  q.start_from_head = true;
  absl::StatusOr<GetLogEventsResult> events = store().GetLogEvents(kAccountA, "g", "s", q);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(Messages(events->events), ElementsAre("kept 1", "kept 2"));

  // A batch with nothing acceptable stores nothing and still succeeds.
  r = store().PutLogEvents(kAccountA, "g", "s", {{kNowMs - 20 * day, "too old"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0);
  EXPECT_EQ(r->too_old_end_index, 1);
  EXPECT_FALSE(r->too_new_start_index.has_value());
}

TEST_F(LogStoreTest, SequenceTokensAndEventIdsHaveFixedWidths) {
  EXPECT_EQ(SequenceToken(0), std::string(56, '0'));
  EXPECT_EQ(SequenceToken(42), std::string(54, '0') + "42");
  StoredLogEvent e;
  e.timestamp_ms = 5;
  e.sequence = 7;
  EXPECT_EQ(EventId(e), std::string(18, '0') + "5" + std::string(18, '0') + "7");
}

// ---- Append -------------------------------------------------------------------------------

TEST_F(LogStoreTest, AppendCreatesGroupAndStream) {
  const int64_t day = 24 * 3600 * 1000;
  // Any order, any age: the server's own events are never rejected for their timestamps.
  ASSERT_TRUE(store()
                  .Append(kAccountA, "/aws/cleanrooms", "membership-1",
                          {{kNowMs, "second"}, {kNowMs - 30 * day, "first"}})
                  .ok());
  absl::StatusOr<LogGroup> g = store().GetLogGroup(kAccountA, "/aws/cleanrooms");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->creation_time_ms, kNowMs);
  EXPECT_EQ(g->stored_bytes, 11);
  GetLogEventsQuery q;
  q.start_from_head = true;
  absl::StatusOr<GetLogEventsResult> events =
      store().GetLogEvents(kAccountA, "/aws/cleanrooms", "membership-1", q);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(Messages(events->events), ElementsAre("first", "second"));
  for (const StoredLogEvent& e : events->events) EXPECT_EQ(e.ingestion_time_ms, kNowMs);

  // Existing group and stream are reused; an empty append only creates.
  temp_.SetNowMs(kNowMs + 1);
  ASSERT_TRUE(
      store().Append(kAccountA, "/aws/cleanrooms", "membership-1", {{kNowMs, "third"}}).ok());
  ASSERT_TRUE(store().Append(kAccountA, "/aws/cleanrooms", "membership-2", {}).ok());
  g = store().GetLogGroup(kAccountA, "/aws/cleanrooms");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->creation_time_ms, kNowMs);
  EXPECT_THAT(StreamNames("/aws/cleanrooms", {}), ElementsAre("membership-1", "membership-2"));
  // "aws/" names, refused by the API's CreateLogGroup, are the server's to use.
  EXPECT_TRUE(store().Append(kAccountA, "aws/internal", "s", {{kNowMs, "x"}}).ok());
}

TEST_F(LogStoreTest, AppendIsAllOrNothing) {
  absl::Status s = store().Append(kAccountA, "g", "s", {{kNowMs, "fine"}, {kNowMs, ""}});
  EXPECT_EQ(CodeOf(s), "InvalidParameterException");
  ExpectError(store().GetLogGroup(kAccountA, "g").status(), "ResourceNotFoundException",
              kNotFoundGroup);
  EXPECT_EQ(CodeOf(store().Append(kAccountA, "g", "s", {{-1, "x"}})), "InvalidParameterException");
  EXPECT_EQ(CodeOf(store().Append(kAccountA, "bad name", "s", {{kNowMs, "x"}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(store().Append(kAccountA, "g", "bad:stream", {{kNowMs, "x"}})),
            "InvalidParameterException");
  EXPECT_EQ(CodeOf(store().Append(kAccountA, "g", "s", {{kNowMs, std::string("\xff\xfe")}})),
            "InvalidParameterException");
  EXPECT_TRUE(GroupNames({}).empty());
}

TEST_F(LogStoreTest, ConcurrentAppendsToOneNewStreamAllLand) {
  constexpr int kThreads = 8, kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread && results[t].ok(); ++i) {
        results[t] = store().Append(kAccountA, "/aws/cleanrooms", "queries",
                                    {{kNowMs + i, "t" + std::to_string(t)}});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  FilterLogEventsQuery q;
  absl::StatusOr<Page<StoredLogEvent>> all =
      store().FilterLogEvents(kAccountA, "/aws/cleanrooms", q);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_THAT(StreamNames("/aws/cleanrooms", {}), ElementsAre("queries"));
}

TEST_F(LogStoreTest, EventsSurviveARestart) {
  ASSERT_TRUE(store().Append(kAccountA, "g", "s", {{kNowMs, "durable"}}).ok());
  temp_.Reopen();
  absl::StatusOr<GetLogEventsResult> events = store().GetLogEvents(kAccountA, "g", "s", {});
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(Messages(events->events), ElementsAre("durable"));
}

// ---- GetLogEvents -------------------------------------------------------------------------

class GetLogEventsTest : public LogStoreTest {
 protected:
  void SetUp() override {
    Group("g");
    Stream("g", "s");
    // e0..e9 at kNowMs + 10*i; e3 and e4 share a timestamp (ordered by ingestion).
    std::vector<LogEvent> events;
    for (int i = 0; i < 10; ++i) {
      events.push_back({kNowMs + 10 * (i == 4 ? 3 : i), "e" + std::to_string(i)});
    }
    Put("g", "s", events);
  }

  GetLogEventsResult Get(GetLogEventsQuery q) {
    absl::StatusOr<GetLogEventsResult> r = store().GetLogEvents(kAccountA, "g", "s", q);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : GetLogEventsResult{};
  }
};

TEST_F(GetLogEventsTest, FromHeadOrFromTail) {
  GetLogEventsResult head = Get({.start_from_head = true, .limit = 3});
  EXPECT_THAT(Messages(head.events), ElementsAre("e0", "e1", "e2"));
  GetLogEventsResult tail = Get({.limit = 3});
  EXPECT_THAT(Messages(tail.events), ElementsAre("e7", "e8", "e9"));
  EXPECT_THAT(Messages(Get({}).events),
              ElementsAre("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"));
  EXPECT_EQ(head.events[0].log_stream_name, "s");
  EXPECT_EQ(head.events[0].timestamp_ms, kNowMs);
  EXPECT_EQ(head.events[0].ingestion_time_ms, kNowMs);
  EXPECT_EQ(head.next_forward_token.substr(0, 2), "f/");
  EXPECT_EQ(head.next_backward_token.substr(0, 2), "b/");
  EXPECT_EQ(head.next_forward_token.size(), 40u);
}

TEST_F(GetLogEventsTest, ForwardTokensWalkToTheEndAndStayThere) {
  GetLogEventsResult page = Get({.start_from_head = true, .limit = 4});
  std::vector<std::string> seen = Messages(page.events);
  for (int i = 0; i < 5; ++i) {
    std::string token = page.next_forward_token;
    page = Get({.start_from_head = true, .limit = 4, .next_token = token});
    for (const std::string& m : Messages(page.events)) seen.push_back(m);
    if (page.events.empty()) {
      // At the end, the forward token is the one passed in.
      EXPECT_EQ(page.next_forward_token, token);
      break;
    }
  }
  EXPECT_THAT(seen, ElementsAre("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"));

  // Events added later (even at an equal timestamp) show up from the saved token.
  std::string end = page.next_forward_token;
  Put("g", "s", {{kNowMs + 90, "e10"}, {kNowMs + 95, "e11"}});
  page = Get({.limit = 1, .next_token = end});  // direction from the token, not startFromHead
  EXPECT_THAT(Messages(page.events), ElementsAre("e10"));
  page = Get({.next_token = page.next_forward_token});
  EXPECT_THAT(Messages(page.events), ElementsAre("e11"));
}

TEST_F(GetLogEventsTest, BackwardTokensWalkToTheStartAndStayThere) {
  GetLogEventsResult page = Get({.limit = 4});
  EXPECT_THAT(Messages(page.events), ElementsAre("e6", "e7", "e8", "e9"));
  page = Get({.limit = 4, .next_token = page.next_backward_token});
  EXPECT_THAT(Messages(page.events), ElementsAre("e2", "e3", "e4", "e5"));
  page = Get({.limit = 4, .next_token = page.next_backward_token});
  EXPECT_THAT(Messages(page.events), ElementsAre("e0", "e1"));
  std::string start = page.next_backward_token;
  page = Get({.limit = 4, .next_token = start});
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.next_backward_token, start);
  // Turning around at the start goes forward again.
  page = Get({.limit = 2, .next_token = page.next_forward_token});
  EXPECT_THAT(Messages(page.events), ElementsAre("e0", "e1"));
  // And a forward token of a middle page goes back to the events before that page.
  GetLogEventsResult middle =
      Get({.start_from_head = true, .limit = 3, .next_token = page.next_forward_token});
  EXPECT_THAT(Messages(middle.events), ElementsAre("e2", "e3", "e4"));
  page = Get({.limit = 10, .next_token = middle.next_backward_token});
  EXPECT_THAT(Messages(page.events), ElementsAre("e0", "e1"));
}

TEST_F(GetLogEventsTest, TimeRangeIsStartInclusiveEndExclusive) {
  GetLogEventsResult page =
      Get({.start_time_ms = kNowMs + 30, .end_time_ms = kNowMs + 60, .start_from_head = true});
  EXPECT_THAT(Messages(page.events), ElementsAre("e3", "e4", "e5"));
  page = Get({.start_time_ms = kNowMs + 30, .end_time_ms = kNowMs + 60});
  EXPECT_THAT(Messages(page.events), ElementsAre("e3", "e4", "e5"));
  page = Get({.start_time_ms = kNowMs + 1000});
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.next_forward_token, "f/" + std::string(38, '0'));
  EXPECT_EQ(page.next_backward_token, "b/" + std::string(38, '0'));
}

TEST_F(GetLogEventsTest, LimitsAndMissingStreams) {
  ExpectError(store().GetLogEvents(kAccountA, "g", "s", {.limit = 10001}).status(),
              "InvalidParameterException",
              "1 validation error detected: Value '10001' at 'limit' failed to satisfy "
              "constraint: Member must have value less than or equal to 10000");
  ExpectError(store().GetLogEvents(kAccountA, "g", "nope", {}).status(),
              "ResourceNotFoundException", kNotFoundStream);
}

TEST(GetLogEventsLimitsTest, PagesStopAtTheResponseSize) {
  testing::TempLogStore temp(LogStoreLimits{.max_response_bytes = 10});
  ASSERT_TRUE(temp.store()
                  .Append(kAccountA, "g", "s",
                          {{kNowMs, "1234"},
                           {kNowMs + 1, "5678"},
                           {kNowMs + 2, "9012"},
                           {kNowMs + 3, std::string(50, 'x')}})
                  .ok());
  absl::StatusOr<GetLogEventsResult> page =
      temp.store().GetLogEvents(kAccountA, "g", "s", {.start_from_head = true});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  page = temp.store().GetLogEvents(kAccountA, "g", "s", {.next_token = page->next_forward_token});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].message, "9012");
  // An event larger than the limit still comes, alone.
  page = temp.store().GetLogEvents(kAccountA, "g", "s", {.next_token = page->next_forward_token});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].message.size(), 50u);
}

// ---- FilterLogEvents ----------------------------------------------------------------------

class FilterLogEventsTest : public LogStoreTest {
 protected:
  void SetUp() override {
    Group("g");
    for (const char* s : {"api-1", "api-2", "worker"}) Stream("g", s);
    Put("g", "api-1", {{kNowMs + 10, "GET /a 200"}, {kNowMs + 40, "GET /b 500 ERROR"}});
    Put("g", "api-2", {{kNowMs + 20, "POST /c 201"}, {kNowMs + 40, "POST /d 503 ERROR"}});
    Put("g", "worker",
        {{kNowMs + 30, R"({"job": "load", "rows": 12})"},
         {kNowMs + 50, R"({"job": "load", "rows": 9000, "error": true})"}});
  }

  Page<StoredLogEvent> Filter(FilterLogEventsQuery q) {
    absl::StatusOr<Page<StoredLogEvent>> r = store().FilterLogEvents(kAccountA, "g", q);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Page<StoredLogEvent>{};
  }
};

TEST_F(FilterLogEventsTest, InterleavesStreamsInTimeOrder) {
  Page<StoredLogEvent> page = Filter({});
  EXPECT_THAT(
      Messages(page.items),
      ElementsAre("GET /a 200", "POST /c 201", R"({"job": "load", "rows": 12})", "GET /b 500 ERROR",
                  "POST /d 503 ERROR", R"({"job": "load", "rows": 9000, "error": true})"));
  EXPECT_TRUE(page.next_token.empty());
  EXPECT_EQ(page.items[0].log_stream_name, "api-1");
  EXPECT_EQ(page.items[1].log_stream_name, "api-2");
  EXPECT_EQ(page.items[2].log_stream_name, "worker");
}

TEST_F(FilterLogEventsTest, SelectsStreamsByNameOrPrefix) {
  ExpectError(
      store().FilterLogEvents(kAccountA, "g", {.log_stream_names = {"worker", "unknown"}}).status(),
      "ResourceNotFoundException", kNotFoundStream);
  EXPECT_THAT(Messages(Filter({.log_stream_names = {"worker"}}).items),
              ElementsAre(R"({"job": "load", "rows": 12})",
                          R"({"job": "load", "rows": 9000, "error": true})"));
  EXPECT_THAT(Messages(Filter({.log_stream_name_prefix = "api-"}).items),
              ElementsAre("GET /a 200", "POST /c 201", "GET /b 500 ERROR", "POST /d 503 ERROR"));
  ExpectError(store()
                  .FilterLogEvents(kAccountA, "g",
                                   {.log_stream_names = {"api-1"}, .log_stream_name_prefix = "a"})
                  .status(),
              "InvalidParameterException",
              "logStreamNames and logStreamNamePrefix are mutually exclusive.");
}

TEST_F(FilterLogEventsTest, AppliesPatternsAndTimeRange) {
  EXPECT_THAT(Messages(Filter({.filter_pattern = "ERROR"}).items),
              ElementsAre("GET /b 500 ERROR", "POST /d 503 ERROR"));
  EXPECT_THAT(Messages(Filter({.filter_pattern = "ERROR -POST"}).items),
              ElementsAre("GET /b 500 ERROR"));
  EXPECT_THAT(Messages(Filter({.filter_pattern = "?201 ?503"}).items),
              ElementsAre("POST /c 201", "POST /d 503 ERROR"));
  EXPECT_THAT(Messages(Filter({.filter_pattern = "{ $.rows > 100 && $.error IS TRUE }"}).items),
              ElementsAre(R"({"job": "load", "rows": 9000, "error": true})"));
  // endTime is inclusive here (unlike GetLogEvents).
  EXPECT_THAT(Messages(Filter({.start_time_ms = kNowMs + 20, .end_time_ms = kNowMs + 30}).items),
              ElementsAre("POST /c 201", R"({"job": "load", "rows": 12})"));
  absl::Status bad =
      store().FilterLogEvents(kAccountA, "g", {.filter_pattern = "{ $.rows > }"}).status();
  EXPECT_EQ(CodeOf(bad), "InvalidParameterException");
  EXPECT_THAT(std::string(bad.message()), HasSubstr("Invalid filter pattern"));
}

TEST_F(FilterLogEventsTest, PagesStayPutWhileEventsAreAdded) {
  Page<StoredLogEvent> page = Filter({.filter_pattern = "ERROR", .limit = 1});
  EXPECT_THAT(Messages(page.items), ElementsAre("GET /b 500 ERROR"));
  ASSERT_FALSE(page.next_token.empty());
  // A new event before the boundary is not seen; one after it (and one at the same timestamp
  // as the boundary, ingested later) are.
  Put("g", "api-1", {{kNowMs + 5, "early ERROR"}, {kNowMs + 40, "same-time ERROR"}});
  Put("g", "api-2", {{kNowMs + 60, "late ERROR"}});
  std::vector<std::string> rest;
  std::string token = page.next_token;
  while (!token.empty()) {
    page = Filter({.filter_pattern = "ERROR", .limit = 1, .next_token = token});
    for (const std::string& m : Messages(page.items)) rest.push_back(m);
    token = page.next_token;
  }
  EXPECT_THAT(rest, ElementsAre("POST /d 503 ERROR", "same-time ERROR", "late ERROR"));
}

TEST_F(FilterLogEventsTest, LimitOutOfRange) {
  ExpectError(store().FilterLogEvents(kAccountA, "g", {.limit = 0}).status(),
              "InvalidParameterException",
              "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
              "Member must have value greater than or equal to 1");
}

TEST(FilterLogEventsLimitsTest, ScanBudgetGivesPartialPagesWithTokens) {
  testing::TempLogStore temp(LogStoreLimits{.filter_scan_rows = 3});
  std::vector<LogEvent> events;
  for (int i = 0; i < 10; ++i) {
    events.push_back({kNowMs + i, i == 8 ? "needle" : "hay " + std::to_string(i)});
  }
  ASSERT_TRUE(temp.store().Append(kAccountA, "g", "s", events).ok());
  std::vector<std::string> found;
  std::string token;
  int calls = 0;
  do {
    absl::StatusOr<Page<StoredLogEvent>> page = temp.store().FilterLogEvents(
        kAccountA, "g", {.filter_pattern = "needle", .next_token = token});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const StoredLogEvent& e : page->items) found.push_back(e.message);
    token = page->next_token;
    ++calls;
  } while (!token.empty() && calls < 20);
  EXPECT_THAT(found, ElementsAre("needle"));
  EXPECT_EQ(calls, 4);  // 3 + 3 + 3 + 1 events examined
}

}  // namespace
}  // namespace cleanroom::logs
