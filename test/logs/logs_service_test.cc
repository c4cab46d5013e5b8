#include "logs/logs_service.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "logs_test_util.h"

namespace cleanroom::logs {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::kAccountA;
using testing::kAccountB;
using testing::kNowMs;

struct Reply {
  int status;
  json body;
};

class LogsServiceTest : public ::testing::Test {
 protected:
  LogsServiceTest() : service_(&temp_.store()) {}

  Reply Call(const std::string& operation, const std::string& body,
             const std::string& account = kAccountA) {
    http::Request req;
    req.method = "POST";
    req.path = "/";
    req.headers.Set("x-amz-target", "Logs_20140328." + operation);
    protocol::CallContext ctx{req, "rid", "eu-west-1", {}, body, "", std::nullopt, ""};
    ctx.caller.account_id = account;
    ctx.caller.arn = "arn:aws:iam::" + account + ":root";
    http::Response resp = service_.Handle(ctx);
    EXPECT_EQ(resp.headers.Get("content-type").value_or(""), "application/x-amz-json-1.1");
    EXPECT_EQ(ctx.operation, operation);
    return Reply{resp.status, json::parse(resp.body, nullptr, false)};
  }

  json Ok(const std::string& operation, const json& input, const std::string& account = kAccountA) {
    Reply r = Call(operation, input.dump(), account);
    EXPECT_EQ(r.status, 200) << operation << ": " << r.body.dump();
    return r.body;
  }

  // Asserts an error {"__type": code, "Message": ...} with HTTP 400; returns the message.
  std::string Error(const std::string& operation, const json& input, const std::string& code,
                    const std::string& account = kAccountA) {
    Reply r = Call(operation, input.dump(), account);
    EXPECT_EQ(r.status, 400) << operation << ": " << r.body.dump();
    EXPECT_EQ(r.body.value("__type", ""), code) << operation << ": " << r.body.dump();
    return r.body.value("Message", "");
  }

  void Setup(const std::string& group = "/app/web", const std::string& stream = "i-1") {
    Ok("CreateLogGroup", {{"logGroupName", group}});
    Ok("CreateLogStream", {{"logGroupName", group}, {"logStreamName", stream}});
  }

  testing::TempLogStore temp_;
  LogsService service_;
};

TEST_F(LogsServiceTest, ServiceIdentity) {
  EXPECT_EQ(service_.signing_name(), "logs");
  EXPECT_EQ(service_.protocol(), protocol::Protocol::kJson11);
  Reply r = Call("StartQuery", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["__type"], "UnknownOperationException");
}

TEST_F(LogsServiceTest, LogGroupsInTheModelsShape) {
  EXPECT_EQ(Ok("CreateLogGroup", {{"logGroupName", "/app/web"}}), json::object());
  json out = Ok("DescribeLogGroups", json::object());
  ASSERT_EQ(out["logGroups"].size(), 1u);
  EXPECT_FALSE(out.contains("nextToken"));
  EXPECT_EQ(out["logGroups"][0],
            (json{{"logGroupName", "/app/web"},
                  {"creationTime", kNowMs},
                  {"metricFilterCount", 0},
                  {"arn", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web:*"},
                  {"storedBytes", 0},
                  {"logGroupClass", "STANDARD"},
                  {"logGroupArn", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web"},
                  {"deletionProtectionEnabled", false}}));
  // With logGroupNamePattern only the name, creation time and ARN are returned.
  out = Ok("DescribeLogGroups", {{"logGroupNamePattern", "web"}});
  EXPECT_EQ(out["logGroups"][0],
            (json{{"logGroupName", "/app/web"},
                  {"creationTime", kNowMs},
                  {"arn", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web:*"}}));
  EXPECT_EQ(
      Error("CreateLogGroup", {{"logGroupName", "/app/web"}}, "ResourceAlreadyExistsException"),
      "The specified log group already exists");
}

TEST_F(LogsServiceTest, CreateLogGroupOptions) {
  EXPECT_EQ(Error("CreateLogGroup", {{"logGroupName", "aws/mine"}}, "InvalidParameterException"),
            "Log group names cannot start with 'aws/'.");
  EXPECT_THAT(Error("CreateLogGroup", {{"logGroupName", "k"}, {"kmsKeyId", "arn:aws:kms:x"}},
                    "InvalidParameterException"),
              HasSubstr("kmsKeyId is not supported"));
  EXPECT_THAT(Error("CreateLogGroup", {{"logGroupName", "t"}, {"tags", json::object()}},
                    "InvalidParameterException"),
              HasSubstr("'tags'"));
  Ok("CreateLogGroup", {{"logGroupName", "cold"},
                        {"logGroupClass", "INFREQUENT_ACCESS"},
                        {"deletionProtectionEnabled", true},
                        {"tags", {{"team", "data"}}}});
  json g = Ok("DescribeLogGroups", {{"logGroupNamePrefix", "cold"}})["logGroups"][0];
  EXPECT_EQ(g["logGroupClass"], "INFREQUENT_ACCESS");
  EXPECT_EQ(g["deletionProtectionEnabled"], true);
  EXPECT_EQ(Ok("DescribeLogGroups", {{"logGroupClass", "STANDARD"}})["logGroups"].size(), 0u);
  Error("DeleteLogGroup", {{"logGroupName", "cold"}}, "ValidationException");
  // Nothing was created by the refused requests.
  EXPECT_EQ(Ok("DescribeLogGroups", json::object())["logGroups"].size(), 1u);

  EXPECT_EQ(Error("PutLogGroupDeletionProtection", {{"logGroupIdentifier", "cold"}},
                  "InvalidParameterException"),
            "1 validation error detected: Value null at 'deletionProtectionEnabled' failed to "
            "satisfy constraint: Member must not be null");
  Error("PutLogGroupDeletionProtection",
        {{"logGroupIdentifier", "cold"}, {"deletionProtectionEnabled", false}},
        "ResourceNotFoundException", kAccountB);
  EXPECT_EQ(Ok("PutLogGroupDeletionProtection",
               {{"logGroupIdentifier", "arn:aws:logs:eu-west-1:111111111111:log-group:cold"},
                {"deletionProtectionEnabled", false}}),
            json::object());
  EXPECT_EQ(Ok("DescribeLogGroups", json::object())["logGroups"][0]["deletionProtectionEnabled"],
            false);
  Ok("DeleteLogGroup", {{"logGroupName", "cold"}});
  EXPECT_EQ(Ok("DescribeLogGroups", json::object())["logGroups"], json::array());
}

TEST_F(LogsServiceTest, ValidationErrorsUseAwsWording) {
  EXPECT_EQ(Error("CreateLogGroup", json::object(), "InvalidParameterException"),
            "1 validation error detected: Value null at 'logGroupName' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(Error("DescribeLogGroups", {{"limit", 51}}, "InvalidParameterException"),
            "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 50");
  EXPECT_EQ(Error("DescribeLogGroups", {{"nextToken", ""}}, "InvalidParameterException"),
            "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");
  EXPECT_EQ(Error("DescribeLogGroups", {{"nextToken", "garbage"}}, "InvalidParameterException"),
            "The specified nextToken is not valid.");
  EXPECT_EQ(Error("DescribeLogGroups", {{"logGroupNamePrefix", "a"}, {"logGroupNamePattern", "b"}},
                  "InvalidParameterException"),
            "logGroupNamePrefix and logGroupNamePattern are mutually exclusive. Only one of these "
            "parameters can be passed.");
  EXPECT_THAT(
      Error("DescribeLogGroups", {{"logGroupNamePattern", "a b"}}, "InvalidParameterException"),
      HasSubstr("at 'logGroupNamePattern' failed to satisfy constraint"));
  EXPECT_THAT(
      Error("DescribeLogGroups", {{"accountIdentifiers", {"12"}}}, "InvalidParameterException"),
      HasSubstr("^\\d{12}$"));
  // Wrong JSON types are serialization errors.
  EXPECT_EQ(Error("DescribeLogGroups", {{"limit", "5"}}, "SerializationException"),
            "Member 'limit' must be an integer");
  EXPECT_EQ(Error("CreateLogGroup", {{"logGroupName", 5}}, "SerializationException"),
            "Member 'logGroupName' must be a string");
  Reply r = Call("DescribeLogGroups", "not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["__type"], "SerializationException");
}

TEST_F(LogsServiceTest, DescribeLogGroupsPagesAndIdentifiers) {
  for (const char* name : {"a", "b", "c"}) Ok("CreateLogGroup", {{"logGroupName", name}});
  json page = Ok("DescribeLogGroups", {{"limit", 2}});
  ASSERT_EQ(page["logGroups"].size(), 2u);
  ASSERT_TRUE(page.contains("nextToken"));
  page = Ok("DescribeLogGroups", {{"limit", 2}, {"nextToken", page["nextToken"]}});
  ASSERT_EQ(page["logGroups"].size(), 1u);
  EXPECT_EQ(page["logGroups"][0]["logGroupName"], "c");
  EXPECT_FALSE(page.contains("nextToken"));

  json ids = {"a", "arn:aws:logs:eu-west-1:111111111111:log-group:c:*",
              "arn:aws:logs:eu-west-1:222222222222:log-group:b"};
  page = Ok("DescribeLogGroups", {{"logGroupIdentifiers", ids}});
  ASSERT_EQ(page["logGroups"].size(), 2u);
  EXPECT_EQ(page["logGroups"][0]["logGroupName"], "a");
  EXPECT_EQ(page["logGroups"][1]["logGroupName"], "c");
  // Only another account's groups named: none, not every group.
  page = Ok("DescribeLogGroups",
            {{"logGroupIdentifiers", {"arn:aws:logs:eu-west-1:222222222222:log-group:b"}}});
  EXPECT_EQ(page["logGroups"], json::array());
  // Linked accounts add nothing.
  page = Ok("DescribeLogGroups",
            {{"includeLinkedAccounts", true}, {"accountIdentifiers", {kAccountB}}});
  EXPECT_EQ(page["logGroups"].size(), 3u);
}

TEST_F(LogsServiceTest, AccountsSeeOnlyTheirOwnGroups) {
  Setup();
  Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                      {"logStreamName", "i-1"},
                      {"logEvents", {{{"timestamp", kNowMs}, {"message", "A only"}}}}});
  EXPECT_EQ(Ok("DescribeLogGroups", json::object(), kAccountB)["logGroups"], json::array());
  const std::string not_found = "The specified log group does not exist.";
  EXPECT_EQ(Error("FilterLogEvents", {{"logGroupName", "/app/web"}}, "ResourceNotFoundException",
                  kAccountB),
            not_found);
  EXPECT_EQ(Error("GetLogEvents", {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}},
                  "ResourceNotFoundException", kAccountB),
            not_found);
  // Naming A's group by ARN does not help.
  EXPECT_EQ(
      Error("FilterLogEvents",
            {{"logGroupIdentifier", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web"}},
            "ResourceNotFoundException", kAccountB),
      not_found);
  EXPECT_EQ(Error("DescribeLogStreams", {{"logGroupName", "/app/web"}}, "ResourceNotFoundException",
                  kAccountB),
            not_found);
  EXPECT_EQ(Error("DeleteLogGroup", {{"logGroupName", "/app/web"}}, "ResourceNotFoundException",
                  kAccountB),
            not_found);
  EXPECT_EQ(Ok("FilterLogEvents", {{"logGroupName", "/app/web"}})["events"].size(), 1u);
}

TEST_F(LogsServiceTest, LogGroupIdentifierTakesANameOrAnArn) {
  Setup();
  for (const char* id : {"/app/web", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web",
                         "arn:aws:logs:us-east-1:111111111111:log-group:/app/web:*"}) {
    json out = Ok("DescribeLogStreams", {{"logGroupIdentifier", id}});
    EXPECT_EQ(out["logStreams"].size(), 1u) << id;
  }
  EXPECT_EQ(Error("DescribeLogStreams",
                  {{"logGroupName", "/app/web"}, {"logGroupIdentifier", "/app/web"}},
                  "InvalidParameterException"),
            "LogGroup name and LogGroup identifier are mutually exclusive parameters.");
  EXPECT_EQ(Error("DescribeLogStreams", json::object(), "InvalidParameterException"),
            "Either logGroupName or logGroupIdentifier must be specified.");
  EXPECT_THAT(Error("DescribeLogStreams", {{"logGroupIdentifier", "arn:aws:s3:::bucket"}},
                    "InvalidParameterException"),
              HasSubstr("is not the ARN of a log group"));
}

TEST_F(LogsServiceTest, StreamsInTheModelsShape) {
  Setup();
  json s = Ok("DescribeLogStreams", {{"logGroupName", "/app/web"}})["logStreams"][0];
  EXPECT_EQ(s,
            (json{{"logStreamName", "i-1"},
                  {"creationTime", kNowMs},
                  {"uploadSequenceToken", std::string(56, '0')},
                  {"arn", "arn:aws:logs:eu-west-1:111111111111:log-group:/app/web:log-stream:i-1"},
                  {"storedBytes", 0}}));
  json put =
      Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                          {"logStreamName", "i-1"},
                          {"logEvents", {{{"timestamp", kNowMs - 5}, {"message", "hello"}}}}});
  s = Ok("DescribeLogStreams", {{"logGroupName", "/app/web"}})["logStreams"][0];
  EXPECT_EQ(s["firstEventTimestamp"], kNowMs - 5);
  EXPECT_EQ(s["lastEventTimestamp"], kNowMs - 5);
  EXPECT_EQ(s["lastIngestionTime"], kNowMs);
  EXPECT_EQ(s["uploadSequenceToken"], put["nextSequenceToken"]);
  EXPECT_EQ(s["storedBytes"], 0);
  EXPECT_EQ(Ok("DescribeLogGroups", json::object())["logGroups"][0]["storedBytes"], 5);

  EXPECT_THAT(Error("DescribeLogStreams", {{"logGroupName", "/app/web"}, {"orderBy", "Size"}},
                    "InvalidParameterException"),
              HasSubstr("satisfy enum value set: [LogStreamName, LastEventTime]"));
  EXPECT_EQ(Error("DescribeLogStreams",
                  {{"logGroupName", "/app/web"},
                   {"orderBy", "LastEventTime"},
                   {"logStreamNamePrefix", "i"}},
                  "InvalidParameterException"),
            "Cannot order by LastEventTime with a logStreamNamePrefix.");
  EXPECT_EQ(Error("CreateLogStream", {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}},
                  "ResourceAlreadyExistsException"),
            "The specified log stream already exists");
  Ok("DeleteLogStream", {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}});
  EXPECT_EQ(Error("DeleteLogStream", {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}},
                  "ResourceNotFoundException"),
            "The specified log stream does not exist.");
}

TEST_F(LogsServiceTest, PutLogEventsReportsRejectedEvents) {
  Setup();
  const int64_t day = 24 * 3600 * 1000;
  json out = Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                                 {"logStreamName", "i-1"},
                                 {"sequenceToken", "ignored"},
                                 {"logEvents",
                                  {{{"timestamp", kNowMs - 15 * day}, {"message", "old"}},
                                   {{"timestamp", kNowMs}, {"message", "now"}},
                                   {{"timestamp", kNowMs + day}, {"message", "future"}}}}});
  EXPECT_EQ(out["rejectedLogEventsInfo"],
            (json{{"tooOldLogEventEndIndex", 1}, {"tooNewLogEventStartIndex", 2}}));
  EXPECT_EQ(out["nextSequenceToken"].get<std::string>().size(), 56u);

  EXPECT_EQ(Error("PutLogEvents",
                  {{"logGroupName", "/app/web"},
                   {"logStreamName", "i-1"},
                   {"logEvents", {{{"message", "no time"}}}}},
                  "InvalidParameterException"),
            "1 validation error detected: Value null at 'logEvents.1.member.timestamp' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(Error("PutLogEvents",
                  {{"logGroupName", "/app/web"},
                   {"logStreamName", "i-1"},
                   {"logEvents", {{{"timestamp", "x"}, {"message", "m"}}}}},
                  "SerializationException"),
            "Member 'logEvents.1.member.timestamp' must be an integer");
  EXPECT_EQ(Error("PutLogEvents", {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}},
                  "InvalidParameterException"),
            "1 validation error detected: Value null at 'logEvents' failed to satisfy "
            "constraint: Member must not be null");
}

TEST_F(LogsServiceTest, GetLogEventsTokens) {
  Setup();
  Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                      {"logStreamName", "i-1"},
                      {"logEvents",
                       {{{"timestamp", kNowMs}, {"message", "one"}},
                        {{"timestamp", kNowMs + 1}, {"message", "two"}}}}});
  json page = Ok("GetLogEvents", {{"logGroupName", "/app/web"},
                                  {"logStreamName", "i-1"},
                                  {"startFromHead", true},
                                  {"limit", 1}});
  ASSERT_EQ(page["events"].size(), 1u);
  EXPECT_EQ(page["events"][0],
            (json{{"timestamp", kNowMs}, {"message", "one"}, {"ingestionTime", kNowMs}}));
  page = Ok("GetLogEvents", {{"logGroupName", "/app/web"},
                             {"logStreamName", "i-1"},
                             {"startFromHead", true},
                             {"nextToken", page["nextForwardToken"]}});
  EXPECT_EQ(page["events"][0]["message"], "two");
  std::string end = page["nextForwardToken"];
  page = Ok("GetLogEvents", {{"logGroupName", "/app/web"},
                             {"logStreamName", "i-1"},
                             {"startFromHead", true},
                             {"nextToken", end}});
  EXPECT_EQ(page["events"], json::array());
  EXPECT_EQ(page["nextForwardToken"], end);
  EXPECT_TRUE(page["nextBackwardToken"].is_string());

  EXPECT_EQ(Error("GetLogEvents", {{"logGroupName", "/app/web"}}, "InvalidParameterException"),
            "1 validation error detected: Value null at 'logStreamName' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(Error("GetLogEvents",
                  {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}, {"startTime", -1}},
                  "InvalidParameterException"),
            "1 validation error detected: Value '-1' at 'startTime' failed to satisfy "
            "constraint: Member must have value greater than or equal to 0");
  EXPECT_EQ(Error("GetLogEvents",
                  {{"logGroupName", "/app/web"}, {"logStreamName", "i-1"}, {"nextToken", "f/1"}},
                  "InvalidParameterException"),
            "The specified nextToken is not valid.");
}

TEST_F(LogsServiceTest, FilterLogEventsShape) {
  Setup();
  Ok("CreateLogStream", {{"logGroupName", "/app/web"}, {"logStreamName", "i-2"}});
  Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                      {"logStreamName", "i-1"},
                      {"logEvents", {{{"timestamp", kNowMs}, {"message", "ERROR one"}}}}});
  Ok("PutLogEvents", {{"logGroupName", "/app/web"},
                      {"logStreamName", "i-2"},
                      {"logEvents", {{{"timestamp", kNowMs + 1}, {"message", "INFO two"}}}}});
  json out = Ok("FilterLogEvents", {{"logGroupName", "/app/web"}, {"filterPattern", "ERROR"}});
  ASSERT_EQ(out["events"].size(), 1u);
  json e = out["events"][0];
  EXPECT_EQ(e["logStreamName"], "i-1");
  EXPECT_EQ(e["timestamp"], kNowMs);
  EXPECT_EQ(e["message"], "ERROR one");
  EXPECT_EQ(e["ingestionTime"], kNowMs);
  EXPECT_EQ(e["eventId"].get<std::string>().size(), 38u);
  EXPECT_EQ(out["searchedLogStreams"], json::array());
  EXPECT_FALSE(out.contains("nextToken"));

  out = Ok("FilterLogEvents", {{"logGroupName", "/app/web"}, {"limit", 1}});
  ASSERT_TRUE(out.contains("nextToken"));
  out = Ok("FilterLogEvents",
           {{"logGroupName", "/app/web"}, {"limit", 1}, {"nextToken", out["nextToken"]}});
  EXPECT_EQ(out["events"][0]["message"], "INFO two");

  EXPECT_THAT(Error("FilterLogEvents", {{"logGroupName", "/app/web"}, {"filterPattern", "{ $.a"}},
                    "InvalidParameterException"),
              HasSubstr("Invalid filter pattern"));
  EXPECT_THAT(Error("FilterLogEvents",
                    {{"logGroupName", "/app/web"}, {"filterPattern", std::string(1025, 'x')}},
                    "InvalidParameterException"),
              HasSubstr("Member must have length less than or equal to 1024"));
  EXPECT_EQ(Error("FilterLogEvents", {{"logGroupName", "/app/web"}, {"limit", 10001}},
                  "InvalidParameterException"),
            "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 10000");
  EXPECT_EQ(
      Error(
          "FilterLogEvents",
          {{"logGroupName", "/app/web"}, {"logStreamNames", {"i-1"}}, {"logStreamNamePrefix", "i"}},
          "InvalidParameterException"),
      "logStreamNames and logStreamNamePrefix are mutually exclusive.");
  EXPECT_THAT(
      Error("FilterLogEvents", {{"logGroupName", "/app/web"}, {"logStreamNames", json::array()}},
            "InvalidParameterException"),
      HasSubstr("'logStreamNames'"));
  EXPECT_EQ(Error("FilterLogEvents", {{"logGroupName", "/app/web"}, {"logStreamNames", "i-1"}},
                  "SerializationException"),
            "Member 'logStreamNames' must be a list of strings");
}

}  // namespace
}  // namespace cleanroom::logs
