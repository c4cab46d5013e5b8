// LogStore: shared helpers, log groups, log streams and event writes. Event reads are in
// log_store_events.cc.
#include "logs/log_store.h"

#include <algorithm>
#include <span>

#include "common/aws_error.h"
#include "common/encoding.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "logs/log_store_internal.h"
#include "logs/validation.h"
#include "nlohmann/json.hpp"

namespace cleanroom::logs {

using store::Connection;
using store::Statement;

namespace internal {

std::string EncodeToken(std::string_view kind, const std::vector<std::string>& fields) {
  std::string raw(kind);
  for (const std::string& f : fields) raw += StrCat(":", f);
  return Base64Encode(raw);
}

absl::Status BadToken() { return InvalidParameter("The specified nextToken is not valid."); }

absl::StatusOr<std::vector<std::string>> DecodeToken(std::string_view kind, std::string_view token,
                                                     size_t field_count) {
  std::optional<std::string> raw = Base64Decode(token);
  if (!raw) return BadToken();
  std::vector<std::string_view> parts = Split(*raw, ':');
  if (parts.size() != field_count + 1 || parts[0] != kind) return BadToken();
  return std::vector<std::string>(parts.begin() + 1, parts.end());
}

absl::StatusOr<int64_t> TokenInt(std::string_view field) {
  bool negative = !field.empty() && field[0] == '-';
  uint64_t magnitude = 0;
  if (!ParseUint64(field.substr(negative ? 1 : 0), &magnitude) ||
      magnitude > static_cast<uint64_t>(INT64_MAX)) {
    return BadToken();
  }
  return negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
}

absl::StatusOr<int64_t> FindGroupId(Connection& c, const std::string& account_id,
                                    const std::string& name) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("SELECT id FROM log_groups WHERE account_id = ? AND name = ?"));
  s.Bind(1, account_id).Bind(2, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return LogGroupNotFound();
  return s.ColumnInt(0);
}

absl::StatusOr<int64_t> FindStreamId(Connection& c, int64_t group_id, const std::string& name) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("SELECT id FROM log_streams WHERE group_id = ? AND name = ?"));
  s.Bind(1, group_id).Bind(2, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return LogStreamNotFound();
  return s.ColumnInt(0);
}

}  // namespace internal

namespace {

using internal::FindGroupId;
using internal::FindStreamId;

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

absl::Status CheckLogGroupClass(const std::string& log_group_class) {
  if (log_group_class == "STANDARD" || log_group_class == "INFREQUENT_ACCESS" ||
      log_group_class == "DELIVERY") {
    return absl::OkStatus();
  }
  return ConstraintViolation("logGroupClass", log_group_class,
                             "satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]");
}

// Checks what every batch of events must satisfy, whoever writes it: count, message sizes,
// timestamps, total size.
absl::Status CheckBatch(const std::vector<LogEvent>& events, bool allow_empty) {
  if (events.empty() && !allow_empty) {
    return ConstraintViolation("logEvents", "[]", "have length greater than or equal to 1");
  }
  if (static_cast<int64_t>(events.size()) > kMaxEventsPerBatch) {
    return InvalidParameter(StrCat("1 validation error detected: Value at 'logEvents' failed to ",
                                   "satisfy constraint: Member must have length less than or ",
                                   "equal to ", kMaxEventsPerBatch));
  }
  int64_t batch_bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const LogEvent& e = events[i];
    std::string member = StrCat("logEvents.", i + 1, ".member");
    if (e.timestamp_ms < 0) {
      return ConstraintViolation(StrCat(member, ".timestamp"), std::to_string(e.timestamp_ms),
                                 "have value greater than or equal to 0");
    }
    if (e.message.empty()) {
      return ConstraintViolation(StrCat(member, ".message"), "",
                                 "have length greater than or equal to 1");
    }
    if (!IsValidUtf8(e.message)) {
      return InvalidParameter(StrCat("Log event ", i, " is not valid UTF-8."));
    }
    int64_t event_bytes = static_cast<int64_t>(e.message.size()) + kEventOverheadBytes;
    if (event_bytes > kMaxEventBytes) {
      return InvalidParameter(
          StrCat("Log event too large: ", event_bytes, " bytes exceeds limit of ", kMaxEventBytes));
    }
    batch_bytes += event_bytes;
  }
  if (batch_bytes > kMaxBatchBytes) {
    return InvalidParameter(
        StrCat("Upload too large: ", batch_bytes, " bytes exceeds limit of ", kMaxBatchBytes));
  }
  return absl::OkStatus();
}

// Inserts `events` into stream `stream_id` of group `group_id` with ingestion time `now_ms`,
// and updates the stream's and group's statistics. Returns the sequence of the last event.
absl::StatusOr<int64_t> InsertEvents(Connection& c, int64_t group_id, int64_t stream_id,
                                     std::span<const LogEvent> events, int64_t now_ms) {
  int64_t last_seq = 0, bytes = 0;
  int64_t first_ts = INT64_MAX, last_ts = INT64_MIN;
  for (const LogEvent& e : events) {
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("INSERT INTO log_events (group_id, stream_id, timestamp_ms, "
                               "ingestion_ms, message) VALUES (?, ?, ?, ?, ?) RETURNING seq"));
    s.Bind(1, group_id)
        .Bind(2, stream_id)
        .Bind(3, e.timestamp_ms)
        .Bind(4, now_ms)
        .Bind(5, e.message);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return absl::InternalError("INSERT ... RETURNING returned no row");
    last_seq = s.ColumnInt(0);
    RETURN_IF_ERROR(s.Run());
    bytes += static_cast<int64_t>(e.message.size());
    first_ts = std::min(first_ts, e.timestamp_ms);
    last_ts = std::max(last_ts, e.timestamp_ms);
  }
  if (events.empty()) return int64_t{0};
  ASSIGN_OR_RETURN(
      Statement stream,
      c.Prepare("UPDATE log_streams SET first_event_ms = min(IFNULL(first_event_ms, ?2), ?2), "
                "last_event_ms = max(IFNULL(last_event_ms, ?3), ?3), last_ingestion_ms = ?4, "
                "last_seq = ?5, stored_bytes = stored_bytes + ?6 WHERE id = ?1"));
  stream.Bind(1, stream_id).Bind(2, first_ts).Bind(3, last_ts).Bind(4, now_ms).Bind(5, last_seq);
  stream.Bind(6, bytes);
  RETURN_IF_ERROR(stream.Run());
  ASSIGN_OR_RETURN(Statement group,
                   c.Prepare("UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?"));
  group.Bind(1, bytes).Bind(2, group_id);
  RETURN_IF_ERROR(group.Run());
  return last_seq;
}

LogGroup GroupFromRow(const Statement& s) {
  LogGroup g;
  g.name = s.ColumnText(0);
  g.creation_time_ms = s.ColumnInt(1);
  g.stored_bytes = s.ColumnInt(2);
  g.log_group_class = s.ColumnText(3);
  g.deletion_protection = s.ColumnInt(4) != 0;
  return g;
}

LogStream StreamFromRow(const Statement& s) {
  LogStream st;
  st.name = s.ColumnText(0);
  st.creation_time_ms = s.ColumnInt(1);
  if (!s.ColumnIsNull(2)) st.first_event_timestamp_ms = s.ColumnInt(2);
  if (!s.ColumnIsNull(3)) st.last_event_timestamp_ms = s.ColumnInt(3);
  if (!s.ColumnIsNull(4)) st.last_ingestion_time_ms = s.ColumnInt(4);
  st.last_sequence = s.ColumnInt(5);
  return st;
}

absl::Status DeletionProtected() {
  return AwsError(absl::StatusCode::kFailedPrecondition, "ValidationException",
                  "Deletion protection is enabled for this log group; turn it off with "
                  "PutLogGroupDeletionProtection before deleting the group or its streams.",
                  400);
}

// The id of a group whose data may be deleted: NotFound if there is no such group,
// DeletionProtected while its deletion protection is on.
absl::StatusOr<int64_t> FindDeletableGroupId(Connection& c, const std::string& account_id,
                                             const std::string& name) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT id, deletion_protection FROM log_groups "
                                          "WHERE account_id = ? AND name = ?"));
  s.Bind(1, account_id).Bind(2, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return LogGroupNotFound();
  if (s.ColumnInt(1) != 0) return DeletionProtected();
  return s.ColumnInt(0);
}

constexpr char kGroupColumns[] =
    "name, creation_time_ms, stored_bytes, log_group_class, deletion_protection";
constexpr char kStreamColumns[] =
    "name, creation_time_ms, first_event_ms, last_event_ms, last_ingestion_ms, last_seq";

}  // namespace

std::string SequenceToken(int64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(56 - std::min<size_t>(digits.size(), 56), '0') + digits;
}

LogStore::LogStore(store::Database* db, const Clock* clock, LogStoreLimits limits)
    : db_(db), clock_(clock), limits_(limits) {}

// ---- Log groups ---------------------------------------------------------------------------

absl::Status LogStore::CreateLogGroup(const std::string& account_id, const std::string& name,
                                      const CreateLogGroupOptions& options) {
  RETURN_IF_ERROR(ValidateLogGroupName(name));
  RETURN_IF_ERROR(CheckLogGroupClass(options.log_group_class));
  nlohmann::json tags = options.tags;
  int64_t now_ms = clock_->NowMicros() / 1000;
  return db_->Write([&](Connection& c) -> absl::Status {
    absl::StatusOr<int64_t> existing = FindGroupId(c, account_id, name);
    if (existing.ok()) return ResourceAlreadyExists("The specified log group already exists");
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("INSERT INTO log_groups (account_id, name, creation_time_ms, "
                               "log_group_class, deletion_protection, tags) "
                               "VALUES (?, ?, ?, ?, ?, ?)"));
    s.Bind(1, account_id).Bind(2, name).Bind(3, now_ms).Bind(4, options.log_group_class);
    s.Bind(5, int64_t{options.deletion_protection ? 1 : 0}).Bind(6, tags.dump());
    return s.Run();
  });
}

absl::Status LogStore::DeleteLogGroup(const std::string& account_id, const std::string& name) {
  RETURN_IF_ERROR(ValidateLogGroupName(name));
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t id, FindDeletableGroupId(c, account_id, name));
    ASSIGN_OR_RETURN(Statement events, c.Prepare("DELETE FROM log_events WHERE group_id = ?"));
    RETURN_IF_ERROR(events.Bind(1, id).Run());
    ASSIGN_OR_RETURN(Statement group, c.Prepare("DELETE FROM log_groups WHERE id = ?"));
    return group.Bind(1, id).Run();
  });
}

absl::Status LogStore::SetDeletionProtection(const std::string& account_id, const std::string& name,
                                             bool enabled) {
  RETURN_IF_ERROR(ValidateLogGroupName(name));
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t id, FindGroupId(c, account_id, name));
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("UPDATE log_groups SET deletion_protection = ? WHERE id = ?"));
    return s.Bind(1, int64_t{enabled ? 1 : 0}).Bind(2, id).Run();
  });
}

absl::StatusOr<LogGroup> LogStore::GetLogGroup(const std::string& account_id,
                                               const std::string& name) {
  RETURN_IF_ERROR(ValidateLogGroupName(name));
  LogGroup out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kGroupColumns, " FROM log_groups ",
                                                   "WHERE account_id = ? AND name = ?")));
    s.Bind(1, account_id).Bind(2, name);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return LogGroupNotFound();
    out = GroupFromRow(s);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Page<LogGroup>> LogStore::DescribeLogGroups(const std::string& account_id,
                                                           const DescribeLogGroupsQuery& query) {
  RETURN_IF_ERROR(CheckLimit("limit", query.limit, 50));
  if (!query.name_prefix.empty() && !query.name_substring.empty()) {
    return InvalidParameter(
        "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of these "
        "parameters can be passed.");
  }
  if (!query.name_prefix.empty()) {
    RETURN_IF_ERROR(ValidateLogGroupName(query.name_prefix, "logGroupNamePrefix"));
  }
  RETURN_IF_ERROR(ValidateLogGroupNamePattern(query.name_substring, "logGroupNamePattern"));
  std::string after;
  bool has_after = !query.next_token.empty();
  if (has_after) {
    ASSIGN_OR_RETURN(std::vector<std::string> fields,
                     internal::DecodeToken("groups", query.next_token, 1));
    after = fields[0];
  }
  Page<LogGroup> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare(StrCat("SELECT ", kGroupColumns, " FROM log_groups WHERE account_id = ?1 ",
                         "AND (?2 = 0 OR name > ?3) AND substr(name, 1, length(?4)) = ?4 ",
                         "AND (?5 = '' OR instr(name, ?5) > 0) ",
                         "AND (?6 = 0 OR name IN (SELECT value FROM json_each(?7))) ",
                         "AND (?8 IS NULL OR log_group_class = ?8) ORDER BY name LIMIT ?9")));
    s.Bind(1, account_id).Bind(2, int64_t{has_after}).Bind(3, after).Bind(4, query.name_prefix);
    s.Bind(5, query.name_substring).Bind(6, int64_t{!query.names.empty()});
    s.Bind(7, nlohmann::json(query.names).dump()).Bind(8, query.log_group_class);
    s.Bind(9, int64_t{query.limit} + 1);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == query.limit) {
        page.next_token = internal::EncodeToken("groups", {page.items.back().name});
        break;
      }
      page.items.push_back(GroupFromRow(s));
    }
    return absl::OkStatus();
  }));
  return page;
}

// ---- Log streams --------------------------------------------------------------------------

absl::Status LogStore::CreateLogStream(const std::string& account_id, const std::string& group,
                                       const std::string& stream) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(ValidateLogStreamName(stream));
  int64_t now_ms = clock_->NowMicros() / 1000;
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, FindGroupId(c, account_id, group));
    absl::StatusOr<int64_t> existing = FindStreamId(c, group_id, stream);
    if (existing.ok()) return ResourceAlreadyExists("The specified log stream already exists");
    if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO log_streams (group_id, name, "
                                            "creation_time_ms) VALUES (?, ?, ?)"));
    return s.Bind(1, group_id).Bind(2, stream).Bind(3, now_ms).Run();
  });
}

absl::Status LogStore::DeleteLogStream(const std::string& account_id, const std::string& group,
                                       const std::string& stream) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(ValidateLogStreamName(stream));
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, FindDeletableGroupId(c, account_id, group));
    ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT id, stored_bytes FROM log_streams "
                                            "WHERE group_id = ? AND name = ?"));
    s.Bind(1, group_id).Bind(2, stream);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return LogStreamNotFound();
    int64_t stream_id = s.ColumnInt(0);
    int64_t bytes = s.ColumnInt(1);
    ASSIGN_OR_RETURN(Statement events, c.Prepare("DELETE FROM log_events WHERE stream_id = ?"));
    RETURN_IF_ERROR(events.Bind(1, stream_id).Run());
    ASSIGN_OR_RETURN(Statement del, c.Prepare("DELETE FROM log_streams WHERE id = ?"));
    RETURN_IF_ERROR(del.Bind(1, stream_id).Run());
    ASSIGN_OR_RETURN(Statement upd, c.Prepare("UPDATE log_groups SET stored_bytes = "
                                              "stored_bytes - ? WHERE id = ?"));
    return upd.Bind(1, bytes).Bind(2, group_id).Run();
  });
}

absl::StatusOr<Page<LogStream>> LogStore::DescribeLogStreams(const std::string& account_id,
                                                             const std::string& group,
                                                             const DescribeLogStreamsQuery& query) {
  using Order = DescribeLogStreamsQuery::Order;
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(CheckLimit("limit", query.limit, 50));
  const bool by_time = query.order == Order::kLastEventTime;
  if (!query.name_prefix.empty()) {
    if (by_time) {
      return InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
    }
    RETURN_IF_ERROR(ValidateLogStreamName(query.name_prefix, "logStreamNamePrefix"));
  }
  // The token names the last stream returned by its sort key; it is only valid for the same
  // order and direction.
  std::string kind = StrCat("streams-", by_time ? "time" : "name", query.descending ? "-desc" : "");
  bool has_after = !query.next_token.empty();
  int64_t after_time = 0;
  std::string after_name;
  if (has_after) {
    ASSIGN_OR_RETURN(std::vector<std::string> fields,
                     internal::DecodeToken(kind, query.next_token, by_time ? 2 : 1));
    if (by_time) {
      ASSIGN_OR_RETURN(after_time, internal::TokenInt(fields[0]));
      after_name = fields[1];
    } else {
      after_name = fields[0];
    }
  }
  const char* cmp = query.descending ? "<" : ">";
  const char* dir = query.descending ? " DESC" : "";
  std::string key = by_time ? "(IFNULL(last_event_ms, -1), name)" : "name";
  std::string bound = by_time ? "(?3, ?4)" : "?4";
  std::string order =
      by_time ? StrCat("IFNULL(last_event_ms, -1)", dir, ", name", dir) : StrCat("name", dir);
  std::string sql = StrCat("SELECT ", kStreamColumns, " FROM log_streams WHERE group_id = ?1 ",
                           "AND (?2 = 0 OR ", key, " ", cmp, " ", bound, ") ",
                           "AND substr(name, 1, length(?5)) = ?5 ORDER BY ", order, " LIMIT ?6");
  Page<LogStream> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, FindGroupId(c, account_id, group));
    ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, group_id).Bind(2, int64_t{has_after}).Bind(3, after_time).Bind(4, after_name);
    s.Bind(5, query.name_prefix).Bind(6, int64_t{query.limit} + 1);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == query.limit) {
        const LogStream& last = page.items.back();
        std::vector<std::string> fields;
        if (by_time) fields.push_back(std::to_string(last.last_event_timestamp_ms.value_or(-1)));
        fields.push_back(last.name);
        page.next_token = internal::EncodeToken(kind, fields);
        break;
      }
      page.items.push_back(StreamFromRow(s));
    }
    return absl::OkStatus();
  }));
  return page;
}

// ---- Writes -------------------------------------------------------------------------------

absl::StatusOr<PutLogEventsResult> LogStore::PutLogEvents(const std::string& account_id,
                                                          const std::string& group,
                                                          const std::string& stream,
                                                          const std::vector<LogEvent>& events) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(ValidateLogStreamName(stream));
  RETURN_IF_ERROR(CheckBatch(events, /*allow_empty=*/false));
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].timestamp_ms < events[i - 1].timestamp_ms) {
      return InvalidParameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  int64_t now_ms = clock_->NowMicros() / 1000;
  // Sorted, so the too-old events lead and the too-new ones trail.
  size_t begin = 0, end = events.size();
  while (begin < end && events[begin].timestamp_ms < now_ms - 14 * kDayMs) ++begin;
  while (end > begin && events[end - 1].timestamp_ms > now_ms + 2 * kHourMs) --end;
  PutLogEventsResult result;
  if (begin > 0) result.too_old_end_index = static_cast<int64_t>(begin);
  if (end < events.size()) result.too_new_start_index = static_cast<int64_t>(end);
  if (begin < end && events[end - 1].timestamp_ms - events[begin].timestamp_ms > kDayMs) {
    return InvalidParameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours.");
  }
  std::span<const LogEvent> accepted(events.data() + begin, end - begin);
  result.accepted = static_cast<int64_t>(accepted.size());
  int64_t last_seq = 0;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t group_id, FindGroupId(c, account_id, group));
    ASSIGN_OR_RETURN(int64_t stream_id, FindStreamId(c, group_id, stream));
    ASSIGN_OR_RETURN(last_seq, InsertEvents(c, group_id, stream_id, accepted, now_ms));
    if (last_seq == 0) {
      ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT last_seq FROM log_streams WHERE id = ?"));
      s.Bind(1, stream_id);
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (row) last_seq = s.ColumnInt(0);
    }
    return absl::OkStatus();
  }));
  result.last_sequence = last_seq;
  return result;
}

absl::Status LogStore::Append(const std::string& account_id, const std::string& group,
                              const std::string& stream, const std::vector<LogEvent>& events) {
  RETURN_IF_ERROR(ValidateLogGroupName(group));
  RETURN_IF_ERROR(ValidateLogStreamName(stream));
  RETURN_IF_ERROR(CheckBatch(events, /*allow_empty=*/true));
  int64_t now_ms = clock_->NowMicros() / 1000;
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement g, c.Prepare("INSERT INTO log_groups (account_id, name, "
                                            "creation_time_ms) VALUES (?, ?, ?) "
                                            "ON CONFLICT (account_id, name) DO NOTHING"));
    RETURN_IF_ERROR(g.Bind(1, account_id).Bind(2, group).Bind(3, now_ms).Run());
    ASSIGN_OR_RETURN(int64_t group_id, FindGroupId(c, account_id, group));
    ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO log_streams (group_id, name, "
                                            "creation_time_ms) VALUES (?, ?, ?) "
                                            "ON CONFLICT (group_id, name) DO NOTHING"));
    RETURN_IF_ERROR(s.Bind(1, group_id).Bind(2, stream).Bind(3, now_ms).Run());
    ASSIGN_OR_RETURN(int64_t stream_id, FindStreamId(c, group_id, stream));
    return InsertEvents(c, group_id, stream_id, events, now_ms).status();
  });
}

}  // namespace cleanroom::logs
