// LogStore: reading events (GetLogEvents, FilterLogEvents).
#include <algorithm>

#include "common/status_macros.h"
#include "common/strings.h"
#include "logs/filter_pattern.h"
#include "logs/log_store.h"
#include "logs/log_store_internal.h"
#include "logs/validation.h"
#include "nlohmann/json.hpp"

namespace cleanroom::logs {

using store::Connection;
using store::Statement;

namespace {

// A place between two events in (timestamp, sequence) order: after every event whose key is
// <= (timestamp, sequence) and before every other. Sequences start at 1, so (t, s - 1) is the
// place just before event (t, s).
struct Cursor {
  int64_t timestamp_ms = 0;
  int64_t sequence = 0;
};

constexpr int kCursorDigits = 19;  // INT64_MAX has 19 digits

// `value` (>= 0) in kCursorDigits digits.
std::string Padded(int64_t value) {
  std::string digits = std::to_string(value);
  return std::string(kCursorDigits - digits.size(), '0') + digits;
}

// GetLogEvents tokens look like AWS's: "f/" or "b/" and digits (the cursor).
std::string EventsToken(bool forward, const Cursor& at) {
  return StrCat(forward ? "f/" : "b/", Padded(at.timestamp_ms), Padded(at.sequence));
}

struct EventsPosition {
  bool forward = true;
  Cursor at;
};

absl::StatusOr<EventsPosition> ParseEventsToken(std::string_view token) {
  if (token.size() != 2 + 2 * kCursorDigits || (token[0] != 'f' && token[0] != 'b') ||
      token[1] != '/') {
    return internal::BadToken();
  }
  uint64_t ts = 0, seq = 0;
  if (!ParseUint64(token.substr(2, kCursorDigits), &ts) ||
      !ParseUint64(token.substr(2 + kCursorDigits), &seq) ||
      ts > static_cast<uint64_t>(INT64_MAX) || seq > static_cast<uint64_t>(INT64_MAX)) {
    return internal::BadToken();
  }
  return EventsPosition{token[0] == 'f', {static_cast<int64_t>(ts), static_cast<int64_t>(seq)}};
}

StoredLogEvent EventFromRow(const Statement& s, const std::string& stream_name) {
  StoredLogEvent e;
  e.sequence = s.ColumnInt(0);
  e.timestamp_ms = s.ColumnInt(1);
  e.ingestion_time_ms = s.ColumnInt(2);
  e.message = s.ColumnText(3);
  e.log_stream_name = stream_name;
  return e;
}

}  // namespace

std::string EventId(const StoredLogEvent& event) {
  return Padded(event.timestamp_ms) + Padded(event.sequence);
}

absl::StatusOr<GetLogEventsResult> LogStore::GetLogEvents(const std::string& account_id,
                                                          const std::string& group,
                                                          const std::string& stream,
                                                          const GetLogEventsQuery& query) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(ValidateLogStreamName(stream));
  RETURN_IF_ERROR(CheckLimit("limit", query.limit, kMaxEventsPerBatch));
  EventsPosition from;
  if (!query.next_token.empty()) {
    ASSIGN_OR_RETURN(from, ParseEventsToken(query.next_token));
  } else if (!query.start_from_head) {
    from = {false, {INT64_MAX, INT64_MAX}};
  }
  int64_t lo = query.start_time_ms.value_or(0);
  int64_t hi = query.end_time_ms.value_or(INT64_MAX);  // exclusive

  GetLogEventsResult result;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, internal::FindGroupId(c, account_id, group));
    ASSIGN_OR_RETURN(int64_t stream_id, internal::FindStreamId(c, group_id, stream));
    ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare(from.forward ? "SELECT seq, timestamp_ms, ingestion_ms, message FROM log_events "
                                 "WHERE stream_id = ?1 AND (timestamp_ms, seq) > (?2, ?3) "
                                 "AND timestamp_ms >= ?4 AND timestamp_ms < ?5 "
                                 "ORDER BY timestamp_ms, seq LIMIT ?6"
                               : "SELECT seq, timestamp_ms, ingestion_ms, message FROM log_events "
                                 "WHERE stream_id = ?1 AND (timestamp_ms, seq) <= (?2, ?3) "
                                 "AND timestamp_ms >= ?4 AND timestamp_ms < ?5 "
                                 "ORDER BY timestamp_ms DESC, seq DESC LIMIT ?6"));
    s.Bind(1, stream_id).Bind(2, from.at.timestamp_ms).Bind(3, from.at.sequence).Bind(4, lo);
    s.Bind(5, hi).Bind(6, int64_t{query.limit});
    int64_t bytes = 0;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      StoredLogEvent e = EventFromRow(s, stream);
      bytes += static_cast<int64_t>(e.message.size());
      if (!result.events.empty() && bytes > limits_.max_response_bytes) break;
      result.events.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  if (!from.forward) std::reverse(result.events.begin(), result.events.end());

  if (result.events.empty()) {
    // At an end: the token in the direction of travel stays the same. Without a token there
    // is nothing in range; both tokens start from the beginning.
    Cursor at = query.next_token.empty() ? Cursor{} : from.at;
    result.next_forward_token = EventsToken(true, at);
    result.next_backward_token = EventsToken(false, at);
    return result;
  }
  const StoredLogEvent& first = result.events.front();
  const StoredLogEvent& last = result.events.back();
  result.next_forward_token = EventsToken(true, {last.timestamp_ms, last.sequence});
  result.next_backward_token = EventsToken(false, {first.timestamp_ms, first.sequence - 1});
  return result;
}

absl::StatusOr<Page<StoredLogEvent>> LogStore::FilterLogEvents(const std::string& account_id,
                                                               const std::string& group,
                                                               const FilterLogEventsQuery& query) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(CheckLimit("limit", query.limit, kMaxEventsPerBatch));
  if (!query.log_stream_names.empty() && !query.log_stream_name_prefix.empty()) {
    return InvalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive.");
  }
  if (query.log_stream_names.size() > 100) {
    return InvalidParameter(
        "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: "
        "Member must have length less than or equal to 100");
  }
  for (const std::string& name : query.log_stream_names) {
    RETURN_IF_ERROR(ValidateLogStreamName(name, "logStreamNames"));
  }
  if (!query.log_stream_name_prefix.empty()) {
    RETURN_IF_ERROR(ValidateLogStreamName(query.log_stream_name_prefix, "logStreamNamePrefix"));
  }
  ASSIGN_OR_RETURN(FilterPattern pattern, FilterPattern::Parse(query.filter_pattern));
  Cursor after;
  if (!query.next_token.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> fields,
                     internal::DecodeToken("events", query.next_token, 2));
    ASSIGN_OR_RETURN(after.timestamp_ms, internal::TokenInt(fields[0]));
    ASSIGN_OR_RETURN(after.sequence, internal::TokenInt(fields[1]));
  }
  int64_t lo = query.start_time_ms.value_or(0);
  int64_t hi = query.end_time_ms.value_or(INT64_MAX);  // inclusive
  auto token_at = [](int64_t ts, int64_t seq) {
    return internal::EncodeToken("events", {std::to_string(ts), std::to_string(seq)});
  };

  Page<StoredLogEvent> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, internal::FindGroupId(c, account_id, group));
    for (const std::string& name : query.log_stream_names) {
      RETURN_IF_ERROR(internal::FindStreamId(c, group_id, name).status());
    }
    // CROSS JOIN keeps log_events as the outer loop, so rows come in index order.
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("SELECT e.seq, e.timestamp_ms, e.ingestion_ms, e.message, st.name "
                               "FROM log_events e CROSS JOIN log_streams st ON st.id = e.stream_id "
                               "WHERE e.group_id = ?1 AND (e.timestamp_ms, e.seq) > (?2, ?3) "
                               "AND e.timestamp_ms >= ?4 AND e.timestamp_ms <= ?5 "
                               "AND (?6 = 0 OR st.name IN (SELECT value FROM json_each(?7))) "
                               "AND substr(st.name, 1, length(?8)) = ?8 "
                               "ORDER BY e.timestamp_ms, e.seq"));
    s.Bind(1, group_id).Bind(2, after.timestamp_ms).Bind(3, after.sequence).Bind(4, lo);
    s.Bind(5, hi).Bind(6, int64_t{!query.log_stream_names.empty()});
    s.Bind(7, nlohmann::json(query.log_stream_names).dump());
    s.Bind(8, query.log_stream_name_prefix);
    int64_t scanned = 0, bytes = 0;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == query.limit) {
        // More rows follow the full page.
        const StoredLogEvent& last = page.items.back();
        page.next_token = token_at(last.timestamp_ms, last.sequence);
        break;
      }
      if (scanned == limits_.filter_scan_rows) {
        // Out of budget: the next call resumes after the last event examined.
        page.next_token = token_at(after.timestamp_ms, after.sequence);
        break;
      }
      ++scanned;
      StoredLogEvent e = EventFromRow(s, "");
      after = {e.timestamp_ms, e.sequence};
      if (!pattern.Matches(e.message)) continue;
      bytes += static_cast<int64_t>(e.message.size());
      if (!page.items.empty() && bytes > limits_.max_response_bytes) {
        page.next_token = token_at(page.items.back().timestamp_ms, page.items.back().sequence);
        break;
      }
      e.log_stream_name = s.ColumnText(4);
      page.items.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace cleanroom::logs
