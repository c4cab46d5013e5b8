#include "protocol/rest_json.h"

#include <string>
#include <vector>

#include "common/aws_error.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cleanroom::protocol {
namespace {

using nlohmann::json;

class TestRestService final : public RestJsonService {
 public:
  TestRestService() : RestJsonService("things") {
    Register({"GET", "/things", "ListThings", 200,
              [](CallContext&, const RestJsonInput& in) -> absl::StatusOr<json> {
                json tags = json::array();
                auto [begin, end] = in.query.equal_range("tag");
                for (auto it = begin; it != end; ++it) tags.push_back(it->second);
                return json{{"Tags", tags}, {"Name", in.Query("name").value_or("<none>")}};
              }});
    Register({"POST", "/things", "CreateThing", 201,
              [](CallContext&, const RestJsonInput& in) -> absl::StatusOr<json> {
                return json{{"Body", in.body}};
              }});
    Register({"GET", "/things/{thingId}", "GetThing", 200,
              [](CallContext&, const RestJsonInput& in) -> absl::StatusOr<json> {
                return json{{"Id", in.labels.at("thingId")}};
              }});
    Register({"GET", "/things/{thingId}/parts/{partId}", "GetPart", 200,
              [](CallContext&, const RestJsonInput& in) -> absl::StatusOr<json> {
                return json{{"Id", in.labels.at("thingId")}, {"Part", in.labels.at("partId")}};
              }});
    Register({"DELETE", "/things/{thingId}", "DeleteThing", 204,
              [](CallContext&, const RestJsonInput&) -> absl::StatusOr<json> {
                return json{{"ignored", true}};
              }});
    Register({"PUT", "/broken", "Broken", 200,
              [](CallContext&, const RestJsonInput&) -> absl::StatusOr<json> {
                return AwsError(absl::StatusCode::kFailedPrecondition, "ConflictException", "busy",
                                409);
              }});
  }
};

class RestJsonServiceTest : public ::testing::Test {
 protected:
  http::Response Call(std::string method, std::string target, std::string body = "") {
    req_ = http::Request();
    req_.method = std::move(method);
    req_.target = target;
    size_t q = target.find('?');
    req_.path = target.substr(0, q);
    if (q != std::string::npos) req_.query = target.substr(q + 1);
    CallContext ctx{req_, "rid-r", "us-east-1", {}, std::move(body), "", std::nullopt, ""};
    http::Response resp = service_.Handle(ctx);
    operation_ = ctx.operation;
    return resp;
  }

  TestRestService service_;
  http::Request req_;
  std::string operation_;
};

TEST_F(RestJsonServiceTest, RoutesByMethodAndPath) {
  http::Response resp = Call("GET", "/things/abc");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("content-type"), "application/json");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "rid-r");
  EXPECT_EQ(json::parse(resp.body)["Id"], "abc");
  EXPECT_EQ(operation_, "GetThing");

  resp = Call("GET", "/things/abc/parts/p1");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(json::parse(resp.body), json::parse(R"({"Id": "abc", "Part": "p1"})"));
  EXPECT_EQ(operation_, "GetPart");
}

TEST_F(RestJsonServiceTest, LabelsAreDecodedAfterSplittingThePath) {
  http::Response resp =
      Call("GET", "/things/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A1%3Acollaboration%2Fid%20x");
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(json::parse(resp.body)["Id"], "arn:aws:cleanrooms:us-east-1:1:collaboration/id x");
  // An unencoded slash does split the path, so it no longer matches the one-label route.
  EXPECT_EQ(Call("GET", "/things/a/b").status, 404);
}

TEST_F(RestJsonServiceTest, TrailingSlashMatchesTheSameRoute) {
  http::Response resp = Call("GET", "/things/");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(operation_, "ListThings");
}

TEST_F(RestJsonServiceTest, UnknownPathIs404AndWrongMethodIs405) {
  http::Response not_found = Call("GET", "/nothing/here");
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.headers.Get("x-amzn-errortype"), "UnknownOperationException");
  http::Response wrong_method = Call("PATCH", "/things/abc");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers.Get("x-amzn-errortype"), "UnknownOperationException");
}

TEST_F(RestJsonServiceTest, EmptyLabelDoesNotMatch) {
  EXPECT_EQ(Call("GET", "/things//parts/p1").status, 404);
}

TEST_F(RestJsonServiceTest, NoContentRouteSendsNoBody) {
  http::Response resp = Call("DELETE", "/things/abc");
  EXPECT_EQ(resp.status, 204);
  EXPECT_EQ(resp.body, "");
  EXPECT_FALSE(resp.headers.Has("content-type"));
  EXPECT_EQ(operation_, "DeleteThing");
}

TEST_F(RestJsonServiceTest, SuccessStatusComesFromTheRoute) {
  http::Response resp = Call("POST", "/things", R"({"Name": "t"})");
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(json::parse(resp.body)["Body"]["Name"], "t");
}

TEST_F(RestJsonServiceTest, QueryIsAMultimapOfDecodedValues) {
  http::Response resp = Call("GET", "/things?tag=a&name=x+y%21&tag=b%2Fc&flag");
  ASSERT_EQ(resp.status, 200);
  json body = json::parse(resp.body);
  EXPECT_EQ(body["Tags"], json::parse(R"(["a", "b/c"])"));
  EXPECT_EQ(body["Name"], "x y!");
}

TEST_F(RestJsonServiceTest, BodyIsAnEmptyObjectWhenAbsent) {
  http::Response resp = Call("POST", "/things", "  ");
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(json::parse(resp.body)["Body"], json::object());
}

TEST_F(RestJsonServiceTest, InvalidJsonBodyIsValidationException) {
  http::Response resp = Call("POST", "/things", "{oops");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ValidationException");
  EXPECT_EQ(Call("POST", "/things", "[1]").headers.Get("x-amzn-errortype"), "ValidationException");
}

TEST_F(RestJsonServiceTest, MalformedEscapesAreValidationExceptions) {
  EXPECT_EQ(Call("GET", "/things/%zz").headers.Get("x-amzn-errortype"), "ValidationException");
  EXPECT_EQ(Call("GET", "/things?tag=%4").headers.Get("x-amzn-errortype"), "ValidationException");
}

TEST_F(RestJsonServiceTest, OperationErrorsAreRenderedAsRestJson) {
  http::Response resp = Call("PUT", "/broken");
  EXPECT_EQ(resp.status, 409);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ConflictException");
  EXPECT_EQ(json::parse(resp.body)["message"], "busy");
}

}  // namespace
}  // namespace cleanroom::protocol
