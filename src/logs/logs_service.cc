#include "logs/logs_service.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "logs/validation.h"

namespace cleanroom::logs {
namespace {

using nlohmann::json;
using protocol::CallContext;

constexpr int64_t kMaxIdentifierLength = 2048;
constexpr int64_t kMaxFilterPatternLength = 1024;
constexpr int64_t kMaxTags = 50;

absl::Status WrongType(std::string_view member, std::string_view expected) {
  return AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                  StrCat("Member '", member, "' must be ", expected), 400);
}

absl::Status MissingMember(std::string_view member) {
  return InvalidParameter(StrCat("1 validation error detected: Value null at '", member,
                                 "' failed to satisfy constraint: Member must not be null"));
}

// Typed access to the members of a request object. Absent and null members read as nullopt;
// a member of another JSON type is a SerializationException.
class Input {
 public:
  Input(const json& in, std::string prefix = "") : in_(in), prefix_(std::move(prefix)) {}

  absl::StatusOr<std::optional<std::string>> String(const char* member) const {
    const json* v = Find(member);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->is_string()) return WrongType(Name(member), "a string");
    return std::optional<std::string>(v->get<std::string>());
  }

  absl::StatusOr<std::string> RequiredString(const char* member) const {
    ASSIGN_OR_RETURN(std::optional<std::string> v, String(member));
    if (!v) return MissingMember(Name(member));
    return *std::move(v);
  }

  absl::StatusOr<std::optional<int64_t>> Long(const char* member) const {
    const json* v = Find(member);
    if (v == nullptr) return std::optional<int64_t>();
    if (!v->is_number_integer()) return WrongType(Name(member), "an integer");
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return WrongType(Name(member), "a 64-bit integer");
    }
    return std::optional<int64_t>(v->get<int64_t>());
  }

  absl::StatusOr<std::optional<bool>> Bool(const char* member) const {
    const json* v = Find(member);
    if (v == nullptr) return std::optional<bool>();
    if (!v->is_boolean()) return WrongType(Name(member), "a boolean");
    return std::optional<bool>(v->get<bool>());
  }

  absl::StatusOr<std::optional<std::vector<std::string>>> StringList(const char* member) const {
    const json* v = Find(member);
    if (v == nullptr) return std::optional<std::vector<std::string>>();
    if (!v->is_array()) return WrongType(Name(member), "a list of strings");
    std::vector<std::string> out;
    for (const json& item : *v) {
      if (!item.is_string()) return WrongType(Name(member), "a list of strings");
      out.push_back(item.get<std::string>());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
  }

  const json* Find(const char* member) const {
    auto it = in_.find(member);
    return it == in_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string Name(const char* member) const { return prefix_ + member; }

 private:
  const json& in_;
  std::string prefix_;
};

// A Timestamp member: milliseconds since the epoch, at least 0.
absl::StatusOr<std::optional<int64_t>> Timestamp(const Input& in, const char* member) {
  ASSIGN_OR_RETURN(std::optional<int64_t> v, in.Long(member));
  if (v && *v < 0) {
    return ConstraintViolation(in.Name(member), std::to_string(*v),
                               "have value greater than or equal to 0");
  }
  return v;
}

// The `limit` member, checked against 1..max; `default_value` when absent.
absl::StatusOr<int> Limit(const Input& in, int64_t max, int default_value) {
  ASSIGN_OR_RETURN(std::optional<int64_t> v, in.Long("limit"));
  if (!v) return default_value;
  RETURN_IF_ERROR(CheckLimit("limit", *v, max));
  return static_cast<int>(*v);
}

absl::StatusOr<std::string> NextToken(const Input& in) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, in.String("nextToken"));
  if (v && v->empty()) {
    return ConstraintViolation("nextToken", "", "have length greater than or equal to 1");
  }
  return v.value_or("");
}

std::string GroupArn(const CallContext& ctx, std::string_view group) {
  return StrCat("arn:aws:logs:", ctx.region, ":", ctx.caller.account_id, ":log-group:", group);
}

// The log group named by a logGroupIdentifier: a name, or the ARN of a log group (with or
// without the trailing ":*"). NotFound for an ARN of another account.
absl::StatusOr<std::string> GroupFromIdentifier(const CallContext& ctx, const std::string& id,
                                                std::string_view member) {
  if (id.empty() || static_cast<int64_t>(id.size()) > kMaxIdentifierLength) {
    return ConstraintViolation(member, id,
                               StrCat("have length between 1 and ", kMaxIdentifierLength));
  }
  if (!StartsWith(id, "arn:")) return id;
  std::vector<std::string_view> parts = Split(id, ':');
  if (parts.size() < 7 || parts.size() > 8 || parts[2] != "logs" || parts[5] != "log-group" ||
      (parts.size() == 8 && parts[7] != "*")) {
    return InvalidParameter(StrCat("The ARN '", id, "' is not the ARN of a log group."));
  }
  if (parts[4] != ctx.caller.account_id) return LogGroupNotFound();
  return std::string(parts[6]);
}

// The log group of a request that takes logGroupName or logGroupIdentifier (exactly one).
absl::StatusOr<std::string> RequestGroup(const CallContext& ctx, const Input& in) {
  ASSIGN_OR_RETURN(std::optional<std::string> name, in.String("logGroupName"));
  ASSIGN_OR_RETURN(std::optional<std::string> id, in.String("logGroupIdentifier"));
  if (name && id) {
    return InvalidParameter(
        "LogGroup name and LogGroup identifier are mutually exclusive parameters.");
  }
  if (id) return GroupFromIdentifier(ctx, *id, "logGroupIdentifier");
  if (!name) {
    return InvalidParameter("Either logGroupName or logGroupIdentifier must be specified.");
  }
  return *std::move(name);
}

json RenderGroup(const CallContext& ctx, const LogGroup& g, bool brief) {
  std::string arn = GroupArn(ctx, g.name);
  json out = {{"logGroupName", g.name}, {"creationTime", g.creation_time_ms}, {"arn", arn + ":*"}};
  if (brief) return out;
  out["metricFilterCount"] = 0;
  out["storedBytes"] = g.stored_bytes;
  out["logGroupClass"] = g.log_group_class;
  out["logGroupArn"] = arn;
  out["deletionProtectionEnabled"] = g.deletion_protection;
  return out;
}

json RenderStream(const CallContext& ctx, const std::string& group, const LogStream& s) {
  json out = {{"logStreamName", s.name}, {"creationTime", s.creation_time_ms}};
  if (s.first_event_timestamp_ms) out["firstEventTimestamp"] = *s.first_event_timestamp_ms;
  if (s.last_event_timestamp_ms) out["lastEventTimestamp"] = *s.last_event_timestamp_ms;
  if (s.last_ingestion_time_ms) out["lastIngestionTime"] = *s.last_ingestion_time_ms;
  out["uploadSequenceToken"] = SequenceToken(s.last_sequence);
  out["arn"] = StrCat(GroupArn(ctx, group), ":log-stream:", s.name);
  out["storedBytes"] = 0;  // as AWS reports it for streams since 2019
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> Tags(const json& in) {
  std::map<std::string, std::string> tags;
  auto it = in.find("tags");
  if (it == in.end() || it->is_null()) return tags;
  if (!it->is_object()) return WrongType("tags", "a map of strings");
  if (it->empty() || static_cast<int64_t>(it->size()) > kMaxTags) {
    return InvalidParameter(StrCat("1 validation error detected: Value at 'tags' failed to satisfy",
                                   " constraint: Member must have between 1 and ", kMaxTags,
                                   " entries"));
  }
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return WrongType("tags", "a map of strings");
    const std::string& v = value.get_ref<const std::string&>();
    if (key.empty() || key.size() > 128) {
      return ConstraintViolation("tags", key, "have keys of length between 1 and 128");
    }
    if (v.size() > 256) {
      return ConstraintViolation("tags", v, "have values of length at most 256");
    }
    tags[key] = v;
  }
  return tags;
}

absl::StatusOr<std::vector<LogEvent>> InputEvents(const json& in) {
  auto it = in.find("logEvents");
  if (it == in.end() || it->is_null()) return MissingMember("logEvents");
  if (!it->is_array()) return WrongType("logEvents", "a list of InputLogEvent");
  std::vector<LogEvent> events;
  events.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_object()) return WrongType("logEvents", "a list of InputLogEvent");
    Input event(item, StrCat("logEvents.", i + 1, ".member."));
    ASSIGN_OR_RETURN(std::optional<int64_t> timestamp, event.Long("timestamp"));
    if (!timestamp) return MissingMember(event.Name("timestamp"));
    ASSIGN_OR_RETURN(std::string message, event.RequiredString("message"));
    events.push_back(LogEvent{*timestamp, std::move(message)});
  }
  return events;
}

}  // namespace

LogsService::LogsService(LogStore* store) : JsonRpcService("logs", "Logs_20140328"), store_(store) {
  RegisterGroupOperations();
  RegisterStreamOperations();
  RegisterEventOperations();
}

void LogsService::RegisterGroupOperations() {
  Register("CreateLogGroup", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string name, in.RequiredString("logGroupName"));
    RETURN_IF_ERROR(ValidateLogGroupName(name));
    if (StartsWith(name, "aws/")) {
      return InvalidParameter("Log group names cannot start with 'aws/'.");
    }
    ASSIGN_OR_RETURN(std::optional<std::string> kms, in.String("kmsKeyId"));
    if (kms) {
      return InvalidParameter("kmsKeyId is not supported: this server has no AWS KMS keys.");
    }
    CreateLogGroupOptions options;
    ASSIGN_OR_RETURN(std::optional<std::string> log_class, in.String("logGroupClass"));
    if (log_class) options.log_group_class = *log_class;
    ASSIGN_OR_RETURN(std::optional<bool> protection, in.Bool("deletionProtectionEnabled"));
    options.deletion_protection = protection.value_or(false);
    ASSIGN_OR_RETURN(options.tags, Tags(raw));
    RETURN_IF_ERROR(store_->CreateLogGroup(ctx.caller.account_id, name, options));
    return json::object();
  });
  Register("DeleteLogGroup", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string name, in.RequiredString("logGroupName"));
    RETURN_IF_ERROR(store_->DeleteLogGroup(ctx.caller.account_id, name));
    return json::object();
  });
  Register("PutLogGroupDeletionProtection",
           [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
             Input in(raw);
             ASSIGN_OR_RETURN(std::string id, in.RequiredString("logGroupIdentifier"));
             ASSIGN_OR_RETURN(std::string group,
                              GroupFromIdentifier(ctx, id, "logGroupIdentifier"));
             ASSIGN_OR_RETURN(std::optional<bool> enabled, in.Bool("deletionProtectionEnabled"));
             if (!enabled) return MissingMember("deletionProtectionEnabled");
             RETURN_IF_ERROR(store_->SetDeletionProtection(ctx.caller.account_id, group, *enabled));
             return json::object();
           });
  Register("DescribeLogGroups", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    DescribeLogGroupsQuery query;
    ASSIGN_OR_RETURN(std::optional<std::string> prefix, in.String("logGroupNamePrefix"));
    ASSIGN_OR_RETURN(std::optional<std::string> pattern, in.String("logGroupNamePattern"));
    if (prefix && pattern) {
      return InvalidParameter(
          "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one "
          "of these parameters can be passed.");
    }
    if (prefix) RETURN_IF_ERROR(ValidateLogGroupName(*prefix, "logGroupNamePrefix"));
    query.name_prefix = prefix.value_or("");
    query.name_substring = pattern.value_or("");
    ASSIGN_OR_RETURN(query.log_group_class, in.String("logGroupClass"));
    ASSIGN_OR_RETURN(query.limit, Limit(in, 50, 50));
    ASSIGN_OR_RETURN(query.next_token, NextToken(in));
    // No account is linked to another (no cross-account observability), so linked
    // accounts add nothing; their ids are still checked.
    ASSIGN_OR_RETURN(std::optional<bool> linked, in.Bool("includeLinkedAccounts"));
    (void)linked;
    ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> accounts,
                     in.StringList("accountIdentifiers"));
    if (accounts && accounts->size() > 20) {
      return InvalidParameter(
          "1 validation error detected: Value at 'accountIdentifiers' failed to "
          "satisfy constraint: Member must have length less than or equal to 20");
    }
    for (const std::string& a : accounts.value_or(std::vector<std::string>{})) {
      if (a.size() != 12 || a.find_first_not_of("0123456789") != std::string::npos) {
        return ConstraintViolation("accountIdentifiers", a,
                                   "satisfy regular expression pattern: ^\\d{12}$");
      }
    }
    ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> ids,
                     in.StringList("logGroupIdentifiers"));
    if (ids) {
      if (ids->empty() || ids->size() > 50) {
        return InvalidParameter(
            "1 validation error detected: Value at 'logGroupIdentifiers' failed to "
            "satisfy constraint: Member must have length between 1 and 50");
      }
      if (prefix || pattern) {
        return InvalidParameter(
            "logGroupIdentifiers cannot be combined with logGroupNamePrefix or "
            "logGroupNamePattern.");
      }
      for (const std::string& id : *ids) {
        absl::StatusOr<std::string> name = GroupFromIdentifier(ctx, id, "logGroupIdentifiers");
        if (name.ok()) {
          query.names.push_back(*std::move(name));
        } else if (name.status().code() != absl::StatusCode::kNotFound) {
          return name.status();
        }
      }
      if (query.names.empty()) return json{{"logGroups", json::array()}};
    }
    ASSIGN_OR_RETURN(Page<LogGroup> page, store_->DescribeLogGroups(ctx.caller.account_id, query));
    json groups = json::array();
    for (const LogGroup& g : page.items) {
      groups.push_back(RenderGroup(ctx, g, /*brief=*/pattern.has_value()));
    }
    json out = {{"logGroups", groups}};
    if (!page.next_token.empty()) out["nextToken"] = page.next_token;
    return out;
  });
}

void LogsService::RegisterStreamOperations() {
  Register("CreateLogStream", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, in.RequiredString("logGroupName"));
    ASSIGN_OR_RETURN(std::string stream, in.RequiredString("logStreamName"));
    RETURN_IF_ERROR(store_->CreateLogStream(ctx.caller.account_id, group, stream));
    return json::object();
  });
  Register("DeleteLogStream", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, in.RequiredString("logGroupName"));
    ASSIGN_OR_RETURN(std::string stream, in.RequiredString("logStreamName"));
    RETURN_IF_ERROR(store_->DeleteLogStream(ctx.caller.account_id, group, stream));
    return json::object();
  });
  Register("DescribeLogStreams", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, RequestGroup(ctx, in));
    DescribeLogStreamsQuery query;
    ASSIGN_OR_RETURN(std::optional<std::string> prefix, in.String("logStreamNamePrefix"));
    query.name_prefix = prefix.value_or("");
    if (prefix && prefix->empty()) {
      return ConstraintViolation("logStreamNamePrefix", "",
                                 "have length greater than or equal to 1");
    }
    ASSIGN_OR_RETURN(std::optional<std::string> order_by, in.String("orderBy"));
    if (order_by && *order_by == "LastEventTime") {
      query.order = DescribeLogStreamsQuery::Order::kLastEventTime;
    } else if (order_by && *order_by != "LogStreamName") {
      return ConstraintViolation("orderBy", *order_by,
                                 "satisfy enum value set: [LogStreamName, LastEventTime]");
    }
    ASSIGN_OR_RETURN(std::optional<bool> descending, in.Bool("descending"));
    query.descending = descending.value_or(false);
    ASSIGN_OR_RETURN(query.limit, Limit(in, 50, 50));
    ASSIGN_OR_RETURN(query.next_token, NextToken(in));
    ASSIGN_OR_RETURN(Page<LogStream> page,
                     store_->DescribeLogStreams(ctx.caller.account_id, group, query));
    json streams = json::array();
    for (const LogStream& s : page.items) streams.push_back(RenderStream(ctx, group, s));
    json out = {{"logStreams", streams}};
    if (!page.next_token.empty()) out["nextToken"] = page.next_token;
    return out;
  });
}

void LogsService::RegisterEventOperations() {
  Register("PutLogEvents", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, in.RequiredString("logGroupName"));
    ASSIGN_OR_RETURN(std::string stream, in.RequiredString("logStreamName"));
    // sequenceToken is ignored, as AWS now does.
    ASSIGN_OR_RETURN(std::optional<std::string> sequence_token, in.String("sequenceToken"));
    (void)sequence_token;
    ASSIGN_OR_RETURN(std::vector<LogEvent> events, InputEvents(raw));
    ASSIGN_OR_RETURN(PutLogEventsResult result,
                     store_->PutLogEvents(ctx.caller.account_id, group, stream, events));
    json out = {{"nextSequenceToken", SequenceToken(result.last_sequence)}};
    json rejected = json::object();
    if (result.too_new_start_index)
      rejected["tooNewLogEventStartIndex"] = *result.too_new_start_index;
    if (result.too_old_end_index) rejected["tooOldLogEventEndIndex"] = *result.too_old_end_index;
    if (!rejected.empty()) out["rejectedLogEventsInfo"] = rejected;
    return out;
  });
  Register("GetLogEvents", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, RequestGroup(ctx, in));
    ASSIGN_OR_RETURN(std::string stream, in.RequiredString("logStreamName"));
    GetLogEventsQuery query;
    ASSIGN_OR_RETURN(query.start_time_ms, Timestamp(in, "startTime"));
    ASSIGN_OR_RETURN(query.end_time_ms, Timestamp(in, "endTime"));
    ASSIGN_OR_RETURN(std::optional<bool> from_head, in.Bool("startFromHead"));
    query.start_from_head = from_head.value_or(false);
    ASSIGN_OR_RETURN(std::optional<bool> unmask, in.Bool("unmask"));  // nothing is masked
    (void)unmask;
    ASSIGN_OR_RETURN(query.limit, Limit(in, kMaxEventsPerBatch, kMaxEventsPerBatch));
    ASSIGN_OR_RETURN(query.next_token, NextToken(in));
    ASSIGN_OR_RETURN(GetLogEventsResult result,
                     store_->GetLogEvents(ctx.caller.account_id, group, stream, query));
    json events = json::array();
    for (const StoredLogEvent& e : result.events) {
      events.push_back({{"timestamp", e.timestamp_ms},
                        {"message", e.message},
                        {"ingestionTime", e.ingestion_time_ms}});
    }
    return json{{"events", events},
                {"nextForwardToken", result.next_forward_token},
                {"nextBackwardToken", result.next_backward_token}};
  });
  Register("FilterLogEvents", [this](CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    Input in(raw);
    ASSIGN_OR_RETURN(std::string group, RequestGroup(ctx, in));
    FilterLogEventsQuery query;
    ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> names,
                     in.StringList("logStreamNames"));
    if (names && names->empty()) {
      return InvalidParameter(
          "1 validation error detected: Value '[]' at 'logStreamNames' failed to satisfy "
          "constraint: Member must have length greater than or equal to 1");
    }
    query.log_stream_names = names.value_or(std::vector<std::string>{});
    ASSIGN_OR_RETURN(std::optional<std::string> prefix, in.String("logStreamNamePrefix"));
    if (prefix && prefix->empty()) {
      return ConstraintViolation("logStreamNamePrefix", "",
                                 "have length greater than or equal to 1");
    }
    query.log_stream_name_prefix = prefix.value_or("");
    ASSIGN_OR_RETURN(query.start_time_ms, Timestamp(in, "startTime"));
    ASSIGN_OR_RETURN(query.end_time_ms, Timestamp(in, "endTime"));
    ASSIGN_OR_RETURN(std::optional<std::string> pattern, in.String("filterPattern"));
    if (pattern && static_cast<int64_t>(pattern->size()) > kMaxFilterPatternLength) {
      return ConstraintViolation(
          "filterPattern", *pattern,
          StrCat("have length less than or equal to ", kMaxFilterPatternLength));
    }
    query.filter_pattern = pattern.value_or("");
    // interleaved is ignored (always interleaved, as AWS does); nothing is masked.
    ASSIGN_OR_RETURN(std::optional<bool> interleaved, in.Bool("interleaved"));
    ASSIGN_OR_RETURN(std::optional<bool> unmask, in.Bool("unmask"));
    (void)interleaved;
    (void)unmask;
    ASSIGN_OR_RETURN(query.limit, Limit(in, kMaxEventsPerBatch, kMaxEventsPerBatch));
    ASSIGN_OR_RETURN(query.next_token, NextToken(in));
    ASSIGN_OR_RETURN(Page<StoredLogEvent> page,
                     store_->FilterLogEvents(ctx.caller.account_id, group, query));
    json events = json::array();
    for (const StoredLogEvent& e : page.items) {
      events.push_back({{"logStreamName", e.log_stream_name},
                        {"timestamp", e.timestamp_ms},
                        {"message", e.message},
                        {"ingestionTime", e.ingestion_time_ms},
                        {"eventId", EventId(e)}});
    }
    json out = {{"events", events}, {"searchedLogStreams", json::array()}};
    if (!page.next_token.empty()) out["nextToken"] = page.next_token;
    return out;
  });
}

}  // namespace cleanroom::logs
