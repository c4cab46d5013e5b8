#include "apimodel/modeled_rest_json_service.h"

#include <stdexcept>
#include <string>

#include "apimodel/test_models.h"
#include "common/aws_error.h"
#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;
using protocol::CallContext;
using ::testing::HasSubstr;

constexpr char kUuid[] = "aaaaaaaa-1111-2222-3333-444444444444";

// Widgets with every operation but Ping bound; handlers record their input.
class WidgetsService final : public ModeledRestJsonService {
 public:
  WidgetsService() : ModeledRestJsonService(WidgetsModel()) {
    Bind("CreateWidget", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      if (in["name"] == "taken") {
        return AwsError(absl::StatusCode::kAlreadyExists, "ConflictException", "name taken", 409);
      }
      if (in["name"] == "throw") throw std::runtime_error("boom");
      if (in["name"] == "bad") return json{{"widget", {{"name", "n"}}}};  // no widgetId
      return json{{"widget", {{"widgetId", "w-0123abcd"}, {"name", in["name"]}}}};
    });
    Bind("GetWidget", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json{{"widget", {{"widgetId", in["widgetId"]}, {"name", "by-id"}}}};
    });
    Bind("GetWidgetReport", [](CallContext&, const json&) -> absl::StatusOr<json> {
      return json{{"report", "all good"}};
    });
    Bind("ListWidgets", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json{{"widgets", json::array()}};
    });
    Bind("DeleteWidget", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json::object();
    });
    Bind("GetFile", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json{{"status", 206},
                  {"etag", "\"abc\""},
                  {"lastModified", 1717171717},
                  {"content", "partial"}};
    });
    Bind("GetFileTagging", [](CallContext&, const json& in) -> absl::StatusOr<json> {
      return json{{"tags", {{"path", in["path"]}}}};
    });
  }

  json last_input;
};

// Builds the request and context the front end would hand to Handle().
class ServiceCaller {
 public:
  http::Response Call(protocol::Service& service, std::string method, const std::string& target,
                      std::string body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    req_ = http::Request();
    req_.method = std::move(method);
    req_.target = target;
    size_t q = target.find('?');
    req_.path = target.substr(0, q);
    if (q != std::string::npos) req_.query = target.substr(q + 1);
    for (const auto& [name, value] : headers) req_.headers.Add(name, value);
    CallContext ctx{req_, "rid-1", "us-east-1", {}, std::move(body), "", std::nullopt, ""};
    http::Response resp = service.Handle(ctx);
    operation = ctx.operation;
    return resp;
  }

  std::string operation;

 private:
  http::Request req_;
};

class ModeledRestJsonServiceTest : public ::testing::Test {
 protected:
  http::Response Call(std::string method, const std::string& target, std::string body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Response resp =
        caller_.Call(service_, std::move(method), target, std::move(body), headers);
    operation_ = caller_.operation;
    return resp;
  }

  WidgetsService service_;
  ServiceCaller caller_;
  std::string operation_;
};

TEST_F(ModeledRestJsonServiceTest, TakesSigningNameAndProtocolFromTheModel) {
  EXPECT_EQ(service_.signing_name(), "widgets");
  EXPECT_EQ(service_.protocol(), protocol::Protocol::kRestJson);
  EXPECT_TRUE(service_.IsBound("GetWidget"));
  EXPECT_FALSE(service_.IsBound("Ping"));
}

TEST_F(ModeledRestJsonServiceTest, RoutesBindsAndRenders) {
  http::Response resp = Call("POST", "/widgets", R"({"name": "w1", "color": "RED", "x": 1})");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "CreateWidget");
  EXPECT_EQ(resp.headers.Get("content-type"), "application/json");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "rid-1");
  EXPECT_EQ(json::parse(resp.body),
            json::parse(R"({"widget": {"widgetId": "w-0123abcd", "name": "w1"}})"));
  EXPECT_EQ(service_.last_input, json({{"name", "w1"}, {"color", "RED"}}));

  resp = Call("GET", "/widgets/w-0123abcd?verbose=true");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "GetWidget");
  EXPECT_EQ(service_.last_input, json({{"widgetId", "w-0123abcd"}, {"verbose", true}}));

  resp = Call("GET", "/widgets/?color=RED");  // a trailing slash is ignored
  EXPECT_EQ(operation_, "ListWidgets");
  EXPECT_EQ(service_.last_input, json({{"colors", {"RED"}}}));
}

TEST_F(ModeledRestJsonServiceTest, LiteralSegmentBeatsLabel) {
  http::Response resp = Call("GET", "/widgets/report");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "GetWidgetReport");
  EXPECT_EQ(json::parse(resp.body)["report"], "all good");
}

TEST_F(ModeledRestJsonServiceTest, GreedyLabelsAndQueryLiterals) {
  http::Response resp = Call("GET", "/files/dir/sub/a%2Fb.csv?tagging");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "GetFileTagging");
  EXPECT_EQ(json::parse(resp.body)["tags"]["path"], "dir/sub/a/b.csv");

  Call("GET", "/files/dir/sub/a.csv");
  EXPECT_EQ(operation_, "GetFile");
}

TEST_F(ModeledRestJsonServiceTest, StatusCodeAndHeaderMembers) {
  http::Response resp =
      Call("GET", "/files/report.csv", "", {{"X-Trace-Id", "t-1"}, {"X-Meta-Owner", "alice"}});
  EXPECT_EQ(resp.status, 206);  // from the statusCode member, not the operation's 200
  EXPECT_EQ(resp.headers.Get("etag"), "\"abc\"");
  EXPECT_EQ(resp.headers.Get("last-modified"), "Fri, 31 May 2024 16:08:37 GMT");
  EXPECT_EQ(json::parse(resp.body), json({{"content", "partial"}}));
  EXPECT_EQ(service_.last_input,
            json::parse(R"({"path": "report.csv", "traceId": "t-1", "meta": {"owner": "alice"}})"));
}

TEST_F(ModeledRestJsonServiceTest, DeleteAnswers204WithoutBody) {
  http::Response resp = Call("DELETE", "/widgets/w-0123abcd");
  EXPECT_EQ(resp.status, 204);
  EXPECT_EQ(operation_, "DeleteWidget");
  EXPECT_TRUE(resp.body.empty());
  EXPECT_FALSE(resp.headers.Has("content-type"));
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "rid-1");
  EXPECT_EQ(service_.last_input, json({{"widgetId", "w-0123abcd"}}));
}

TEST_F(ModeledRestJsonServiceTest, UnknownPathIs404AndWrongMethodIs405) {
  http::Response resp = Call("GET", "/gadgets");
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "UnknownOperationException");
  EXPECT_TRUE(operation_.empty());

  resp = Call("PUT", "/widgets/w-0123abcd");
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "UnknownOperationException");

  resp = Call("GET", "/Widgets");  // paths are case-sensitive
  EXPECT_EQ(resp.status, 404);
}

TEST_F(ModeledRestJsonServiceTest, UnboundOperationIs501NotImplemented) {
  http::Response resp = Call("POST", "/ping");
  EXPECT_EQ(resp.status, 501);
  EXPECT_EQ(operation_, "Ping");
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "NotImplementedException");
  EXPECT_EQ(resp.headers.Get("content-type"), "application/json");
  EXPECT_EQ(json::parse(resp.body), json({{"message", "Ping is not supported by cleanroomd yet"}}));
}

TEST_F(ModeledRestJsonServiceTest, MalformedBodiesAre400) {
  for (const char* body : {"{not json", "[1, 2]", "\"text\""}) {
    http::Response resp = Call("POST", "/widgets", body);
    EXPECT_EQ(resp.status, 400) << body;
    EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ValidationException");
    EXPECT_THAT(json::parse(resp.body)["message"].get<std::string>(), HasSubstr("not valid JSON"));
  }
  EXPECT_EQ(Call("GET", "/widgets/w-0123abcd?verbose=%zz").status, 400);
  EXPECT_EQ(Call("GET", "/widgets/w%zz").status, 400);
}

TEST_F(ModeledRestJsonServiceTest, ValidationFailuresNeverReachTheHandler) {
  service_.last_input = nullptr;
  http::Response resp = Call("POST", "/widgets", R"({"name": "w", "color": "PINK"})");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ValidationException");
  json body = json::parse(resp.body);
  EXPECT_EQ(body["reason"], "FIELD_VALIDATION_FAILED");
  EXPECT_EQ(body["fieldList"][0]["name"], "color");
  EXPECT_TRUE(service_.last_input.is_null());

  resp = Call("GET", "/widgets?maxResults=abc");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(json::parse(resp.body)["message"],
            "1 validation error detected: Value 'abc' at 'maxResults' failed to satisfy "
            "constraint: Member must be of type integer");
  EXPECT_TRUE(service_.last_input.is_null());
}

TEST_F(ModeledRestJsonServiceTest, HandlerErrorsAndExceptions) {
  http::Response resp = Call("POST", "/widgets", R"({"name": "taken", "color": "RED"})");
  EXPECT_EQ(resp.status, 409);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ConflictException");
  EXPECT_EQ(json::parse(resp.body)["message"], "name taken");

  resp = Call("POST", "/widgets", R"({"name": "throw", "color": "RED"})");
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "InternalServerException");
  EXPECT_EQ(resp.body.find("boom"), std::string::npos);
}

TEST_F(ModeledRestJsonServiceTest, MalformedOutputIs500InDebugBuilds) {
  http::Response resp = Call("POST", "/widgets", R"({"name": "bad", "color": "RED"})");
#ifndef NDEBUG
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "InternalServerException");
  EXPECT_THAT(json::parse(resp.body)["message"].get<std::string>(),
              HasSubstr("'widget.widgetId': Member must not be null"));
#else
  EXPECT_EQ(resp.status, 200);
#endif
}

TEST(ModeledRestJsonServiceDeathTest, BindingAnUnknownOperationAborts) {
  class Broken final : public ModeledRestJsonService {
   public:
    Broken() : ModeledRestJsonService(WidgetsModel()) {
      Bind("NoSuchOperation",
           [](CallContext&, const json&) -> absl::StatusOr<json> { return json::object(); });
    }
  };
  EXPECT_DEATH(Broken(), "no operation NoSuchOperation");
}

// Clean Rooms itself, with a handful of handlers.
class CleanRoomsStub final : public ModeledRestJsonService {
 public:
  CleanRoomsStub() : ModeledRestJsonService(CleanRoomsModel()) {
    Bind("UntagResource", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json::object();
    });
    Bind("DeleteConfiguredTable", [this](CallContext&, const json& in) -> absl::StatusOr<json> {
      last_input = in;
      return json::object();
    });
    Bind("ListCollaborations", [](CallContext&, const json&) -> absl::StatusOr<json> {
      // Lacks the required creatorDisplayName, memberStatus, ... of each summary.
      return json{{"collaborationList", {{{"id", kUuid}, {"name", "c"}}}}};
    });
  }

  json last_input;
};

class CleanRoomsServiceTest : public ::testing::Test {
 protected:
  http::Response Call(std::string method, const std::string& target) {
    http::Response resp = caller_.Call(service_, std::move(method), target);
    operation_ = caller_.operation;
    return resp;
  }

  CleanRoomsStub service_;
  ServiceCaller caller_;
  std::string operation_;
};

TEST_F(CleanRoomsServiceTest, UntagResourceWithEncodedArn) {
  http::Response resp = Call(
      "DELETE", StrCat("/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A123456789012%3Acollaboration%2F",
                       kUuid, "?tagKeys=a&tagKeys=b"));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "UntagResource");
  EXPECT_EQ(json::parse(resp.body), json::object());
  EXPECT_EQ(service_.last_input,
            json({{"resourceArn",
                   StrCat("arn:aws:cleanrooms:us-east-1:123456789012:collaboration/", kUuid)},
                  {"tagKeys", {"a", "b"}}}));
}

TEST_F(CleanRoomsServiceTest, DeleteConfiguredTableAnswers204) {
  http::Response resp = Call("DELETE", StrCat("/configuredTables/", kUuid));
  EXPECT_EQ(resp.status, 204);
  EXPECT_EQ(operation_, "DeleteConfiguredTable");
  EXPECT_TRUE(resp.body.empty());
  EXPECT_EQ(service_.last_input, json({{"configuredTableIdentifier", kUuid}}));

  resp = Call("DELETE", "/configuredTables/not-a-uuid");
  EXPECT_EQ(resp.status, 400);
  EXPECT_THAT(json::parse(resp.body)["message"].get<std::string>(),
              HasSubstr("at 'configuredTableIdentifier' failed to satisfy constraint"));
}

TEST_F(CleanRoomsServiceTest, UnboundOperationIs501) {
  http::Response resp = Call("GET", StrCat("/collaborations/", kUuid));
  EXPECT_EQ(resp.status, 501);
  EXPECT_EQ(operation_, "GetCollaboration");
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "NotImplementedException");
  EXPECT_EQ(json::parse(resp.body)["message"],
            "GetCollaboration is not supported by cleanroomd yet");
}

TEST_F(CleanRoomsServiceTest, OutputMissingRequiredMembersIs500InDebugBuilds) {
  http::Response resp = Call("GET", "/collaborations?maxResults=10");
  EXPECT_EQ(operation_, "ListCollaborations");
#ifndef NDEBUG
  EXPECT_EQ(resp.status, 500);
  std::string message = json::parse(resp.body)["message"];
  EXPECT_THAT(message, HasSubstr("'collaborationList.1.member.creatorDisplayName': Member must "
                                 "not be null"));
  EXPECT_THAT(message,
              HasSubstr("'collaborationList.1.member.memberStatus': Member must not be null"));
#else
  EXPECT_EQ(resp.status, 200);
#endif
}

// A service with an operation outside its model (an API extension).
class ExtendedWidgetsService final : public ModeledRestJsonService {
 public:
  ExtendedWidgetsService() : ModeledRestJsonService(WidgetsModel()) {
    Bind("GetWidget", [](CallContext&, const json& in) -> absl::StatusOr<json> {
      return json{{"widget", {{"widgetId", in["widgetId"]}, {"name", "model"}}}};
    });
    BindExtension("GET", "/widgets/{widgetId}/history", "ListWidgetHistory",
                  [this](CallContext&, const json& in) -> absl::StatusOr<json> {
                    last_input = in;
                    if (in.value("limit", "") == "0") {
                      return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                                      "limit must be positive", 400);
                    }
                    return json{{"events", json::array({1, 2})}};
                  });
  }
  json last_input;
};

TEST(ModeledRestJsonServiceExtensionTest, RoutesOnlyWhatTheModelDoesNotHave) {
  ExtendedWidgetsService service;
  ServiceCaller caller;
  http::Response resp =
      caller.Call(service, "GET", StrCat("/widgets/", kUuid, "/history?limit=5&limit=6&x=y"));
  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(caller.operation, "ListWidgetHistory");
  EXPECT_EQ(json::parse(resp.body), json::parse(R"({"events":[1,2]})"));
  EXPECT_EQ(resp.headers.Get("content-type").value_or(""), "application/json");
  // Labels and the first value of each query parameter, as strings, unvalidated.
  EXPECT_EQ(service.last_input, json({{"widgetId", kUuid}, {"limit", "5"}, {"x", "y"}}));

  // Its errors render as the protocol's errors.
  resp = caller.Call(service, "GET", StrCat("/widgets/", kUuid, "/history?limit=0"));
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype").value_or(""), "ValidationException");

  // The model's own operations are unaffected; other methods and paths still miss.
  resp = caller.Call(service, "GET", "/widgets/w-0123abcd");
  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(caller.operation, "GetWidget");
  resp = caller.Call(service, "POST", StrCat("/widgets/", kUuid, "/history"));
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype").value_or(""), "UnknownOperationException");
}

}  // namespace
}  // namespace cleanroom::apimodel
