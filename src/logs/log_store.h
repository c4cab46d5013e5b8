// CloudWatch Logs data in SQLite: log groups, their log streams and the streams' events, each
// group owned by one account. Every call names the caller's account; another account's groups
// do not exist for it (ResourceNotFoundException, the same answer as for a name never used),
// never appear in a listing and cannot be changed.
//
// Log groups live in one namespace per account (not per Region). Events are ordered by
// (timestamp, sequence): the sequence is a store-wide number that grows with every stored
// event, so it also orders events of equal timestamp by ingestion. Paging tokens encode the
// last key returned, never an offset, so a page boundary stays put while events and streams
// are added; a token that was not produced by the same call kind is InvalidParameterException.
//
// Errors (validation.h; all HTTP 400):
//   kInvalidArgument  InvalidParameterException: bad names, limits, tokens, patterns, batches
//   kNotFound         ResourceNotFoundException: no such log group / log stream
//   kAlreadyExists    ResourceAlreadyExistsException
// kInternal / kUnavailable come from SQLite.
//
// Thread-safe: every call is one SQLite transaction (store::Database serializes writes).
#ifndef CLEANROOM_LOGS_LOG_STORE_H_
#define CLEANROOM_LOGS_LOG_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "store/database.h"

namespace cleanroom::logs {

// An event to store: when it happened and what it says.
struct LogEvent {
  int64_t timestamp_ms = 0;  // milliseconds since the Unix epoch, >= 0
  std::string message;       // non-empty, valid UTF-8, at most kMaxEventBytes - 26 bytes
};

// A stored event as read back.
struct StoredLogEvent {
  std::string log_stream_name;
  int64_t timestamp_ms = 0;
  int64_t ingestion_time_ms = 0;
  std::string message;
  int64_t sequence = 0;  // store-wide, increasing in ingestion order; unique
};

struct LogGroup {
  std::string name;
  int64_t creation_time_ms = 0;
  int64_t stored_bytes = 0;  // UTF-8 bytes of the messages currently stored in the group
  std::string log_group_class = "STANDARD";
  bool deletion_protection = false;
};

struct LogStream {
  std::string name;
  int64_t creation_time_ms = 0;
  // Unset until the stream has an event.
  std::optional<int64_t> first_event_timestamp_ms;
  std::optional<int64_t> last_event_timestamp_ms;
  std::optional<int64_t> last_ingestion_time_ms;
  int64_t last_sequence = 0;  // sequence of the stream's newest event, 0 when none
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // empty on the last page
};

struct CreateLogGroupOptions {
  std::string log_group_class = "STANDARD";  // STANDARD, INFREQUENT_ACCESS or DELIVERY
  bool deletion_protection = false;
  std::map<std::string, std::string> tags;  // stored with the group
};

struct DescribeLogGroupsQuery {
  std::string name_prefix;         // only names starting with it ("" for all)
  std::string name_substring;      // only names containing it, case-sensitively ("" for all)
  std::vector<std::string> names;  // only these names (empty for all)
  std::optional<std::string> log_group_class;  // only groups of this class
  int limit = 50;                              // 1..50
  std::string next_token;
};

struct DescribeLogStreamsQuery {
  enum class Order { kLogStreamName, kLastEventTime };
  std::string name_prefix;  // not allowed with kLastEventTime
  Order order = Order::kLogStreamName;
  bool descending = false;
  int limit = 50;  // 1..50
  std::string next_token;
};

struct GetLogEventsQuery {
  std::optional<int64_t> start_time_ms;  // inclusive
  std::optional<int64_t> end_time_ms;    // exclusive
  bool start_from_head = false;          // without a token: oldest (true) or newest events
  int limit = 10000;                     // 1..10000
  std::string next_token;                // a nextForwardToken or nextBackwardToken
};

struct GetLogEventsResult {
  std::vector<StoredLogEvent> events;  // ascending
  std::string next_forward_token;      // never empty
  std::string next_backward_token;     // never empty
};

struct FilterLogEventsQuery {
  std::vector<std::string> log_stream_names;  // only these streams; each must exist
  std::string log_stream_name_prefix;         // not allowed with log_stream_names
  std::optional<int64_t> start_time_ms;       // inclusive
  std::optional<int64_t> end_time_ms;         // inclusive
  std::string filter_pattern;                 // filter_pattern.h; "" matches every event
  int limit = 10000;                          // 1..10000
  std::string next_token;
};

struct PutLogEventsResult {
  int64_t accepted = 0;
  // As AWS's RejectedLogEventsInfo: events [too_new_start_index, end) were more than two hours
  // in the future, events [0, too_old_end_index) older than 14 days; neither was stored.
  std::optional<int64_t> too_new_start_index;
  std::optional<int64_t> too_old_end_index;
  int64_t last_sequence = 0;  // sequence of the stream's newest event (SequenceToken)
};

// The (deprecated) sequence token of a stream whose newest event has `sequence`: 56 digits,
// as AWS writes them. PutLogEvents' nextSequenceToken and a stream's uploadSequenceToken.
std::string SequenceToken(int64_t sequence);
// A FilteredLogEvent's eventId: 38 digits, unique in the store and ordered as events are.
std::string EventId(const StoredLogEvent& event);

// How much one call may do. The defaults are CloudWatch Logs' response limits.
struct LogStoreLimits {
  int64_t max_response_bytes = 1048576;  // message bytes per page of events (at least 1 event)
  int64_t filter_scan_rows = 10000;      // events FilterLogEvents examines per call
};

class LogStore {
 public:
  // Neither pointer is owned; both must outlive the store.
  LogStore(store::Database* db, const Clock* clock, LogStoreLimits limits = {});

  // ---- Log groups -------------------------------------------------------------------------

  // Creates an empty group. InvalidParameter for a bad name or class; AlreadyExists if the
  // account has a group of that name.
  absl::Status CreateLogGroup(const std::string& account_id, const std::string& name,
                              const CreateLogGroupOptions& options = {});
  // Deletes the group with its streams and events. NotFound if there is none;
  // kFailedPrecondition (ValidationException) while deletion protection is on.
  absl::Status DeleteLogGroup(const std::string& account_id, const std::string& name);
  // Turns the group's deletion protection on or off. NotFound if there is no such group.
  absl::Status SetDeletionProtection(const std::string& account_id, const std::string& name,
                                     bool enabled);
  absl::StatusOr<LogGroup> GetLogGroup(const std::string& account_id, const std::string& name);
  // The account's groups in ascending byte order of name, filtered by `query`.
  absl::StatusOr<Page<LogGroup>> DescribeLogGroups(const std::string& account_id,
                                                   const DescribeLogGroupsQuery& query);

  // ---- Log streams ------------------------------------------------------------------------

  // NotFound if the group does not exist; AlreadyExists if the stream does.
  absl::Status CreateLogStream(const std::string& account_id, const std::string& group,
                               const std::string& stream);
  // Deletes the stream and its events. kFailedPrecondition (ValidationException) while the
  // group's deletion protection is on.
  absl::Status DeleteLogStream(const std::string& account_id, const std::string& group,
                               const std::string& stream);
  // The group's streams in the query's order (ties on event time broken by name).
  absl::StatusOr<Page<LogStream>> DescribeLogStreams(const std::string& account_id,
                                                     const std::string& group,
                                                     const DescribeLogStreamsQuery& query);

  // ---- Events -----------------------------------------------------------------------------

  // PutLogEvents with AWS's batch rules: 1..10000 events, each message 1 byte up to
  // kMaxEventBytes - 26, the batch at most 1 MiB (messages + 26 bytes per event), timestamps
  // in non-decreasing order, the accepted ones spanning at most 24 hours. Events more than 2
  // hours ahead of or 14 days behind the clock are rejected (reported, not stored) while the
  // others are stored. A batch that breaks a rule stores nothing (InvalidParameter). NotFound
  // if the group or stream does not exist.
  absl::StatusOr<PutLogEventsResult> PutLogEvents(const std::string& account_id,
                                                  const std::string& group,
                                                  const std::string& stream,
                                                  const std::vector<LogEvent>& events);

  // Appends `events` to `stream` of `group` in `account_id`'s logs, first creating the group
  // (class STANDARD) and the stream if they do not exist. This is how the server itself writes
  // logs (for example the Clean Rooms query logs).
  //
  // Contract:
  //  - Names must be valid log group / log stream names (validation.h); any name that
  //    CreateLogGroup would take is accepted, as are names under "aws/".
  //  - Each event needs a timestamp >= 0 and a non-empty UTF-8 message of at most
  //    kMaxEventBytes - 26 bytes; at most 10000 events and 1 MiB per call (as PutLogEvents).
  //    Timestamps may be in any order and at any distance from now: nothing is rejected for
  //    its age. Every event gets the same ingestion time (now).
  //  - All or nothing: the group, the stream and every event are committed in one
  //    transaction; on an error nothing is stored and the status says why
  //    (InvalidParameter, or an SQLite error). An empty `events` only creates what is missing.
  //  - Safe to call concurrently, also for the same new group or stream.
  absl::Status Append(const std::string& account_id, const std::string& group,
                      const std::string& stream, const std::vector<LogEvent>& events);

  // Events of one stream in ascending order. Without a token, the oldest (start_from_head) or
  // newest events of the time range. A token moves forward or backward from where the page
  // that returned it ended or started (its direction is in the token, whatever
  // start_from_head says). At either end the returned token in that direction is the one
  // passed in.
  absl::StatusOr<GetLogEventsResult> GetLogEvents(const std::string& account_id,
                                                  const std::string& group,
                                                  const std::string& stream,
                                                  const GetLogEventsQuery& query);

  // Events of the group's streams, interleaved in ascending (timestamp, sequence) order,
  // that match the query. NotFound if the group, or a stream named in log_stream_names, does
  // not exist. A page may hold fewer than `limit` events, even none, while
  // next_token is set (each call examines at most LogStoreLimits::filter_scan_rows events);
  // the search is over when next_token is empty.
  absl::StatusOr<Page<StoredLogEvent>> FilterLogEvents(const std::string& account_id,
                                                       const std::string& group,
                                                       const FilterLogEventsQuery& query);

 private:
  store::Database* db_;
  const Clock* clock_;
  LogStoreLimits limits_;
};

}  // namespace cleanroom::logs

#endif  // CLEANROOM_LOGS_LOG_STORE_H_
