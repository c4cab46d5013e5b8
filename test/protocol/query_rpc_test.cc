#include "protocol/query_rpc.h"

#include <string>

#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/errors.h"

namespace cleanroom::protocol {
namespace {

using ::testing::HasSubstr;

TEST(ParseFormTest, SplitsPairsAndDecodes) {
  absl::StatusOr<QueryParams> p = ParseForm("Action=GetCallerIdentity&Version=2011-06-15");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->size(), 2u);
  EXPECT_EQ(p->at("Action"), "GetCallerIdentity");
  EXPECT_EQ(p->at("Version"), "2011-06-15");
}

TEST(ParseFormTest, DecodesPlusAsSpaceAndPercentEscapes) {
  absl::StatusOr<QueryParams> p = ParseForm("Name=a+b%20c%2Bd&Key%3D=x%26y");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->at("Name"), "a b c+d");
  EXPECT_EQ(p->at("Key="), "x&y");
}

TEST(ParseFormTest, KeyWithoutValueAndEmptyPiecesAreHandled) {
  absl::StatusOr<QueryParams> p = ParseForm("flag&&a=1&");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->size(), 2u);
  EXPECT_EQ(p->at("flag"), "");
  EXPECT_EQ(p->at("a"), "1");
}

TEST(ParseFormTest, EmptyBodyGivesNoParameters) {
  absl::StatusOr<QueryParams> p = ParseForm("");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
}

TEST(ParseFormTest, RejectsMalformedEscapes) {
  for (const char* body : {"a=%ZZ", "a=%4", "a=%", "%G0=1"}) {
    absl::StatusOr<QueryParams> p = ParseForm(body);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(GetAwsCode(p.status()).value_or(""), "MalformedQueryString") << body;
  }
}

constexpr char kNamespace[] = "https://sts.amazonaws.com/doc/2011-06-15/";

class TestQueryService final : public QueryRpcService {
 public:
  TestQueryService() : QueryRpcService("sts", kNamespace) {
    Register("GetThing",
             [](CallContext&, const QueryParams& params) -> absl::StatusOr<std::string> {
               auto it = params.find("Name");
               std::string name = it == params.end() ? "" : it->second;
               return "<Thing>" + XmlEscape(name) + "</Thing>";
             });
    Register("Fail", [](CallContext&, const QueryParams&) -> absl::StatusOr<std::string> {
      return AwsError(absl::StatusCode::kNotFound, "NoSuchEntity", "gone", 404);
    });
  }
};

class QueryRpcServiceTest : public ::testing::Test {
 protected:
  http::Response Call(std::string body, std::string query = "") {
    req_.method = "POST";
    req_.path = "/";
    req_.query = std::move(query);
    CallContext ctx{req_, "rid-1", "us-east-1", {}, std::move(body), "", std::nullopt, ""};
    http::Response resp = service_.Handle(ctx);
    operation_ = ctx.operation;
    return resp;
  }

  TestQueryService service_;
  http::Request req_;
  std::string operation_;
};

TEST_F(QueryRpcServiceTest, ReportsSigningNameAndProtocol) {
  EXPECT_EQ(service_.signing_name(), "sts");
  EXPECT_EQ(service_.protocol(), Protocol::kQuery);
}

TEST_F(QueryRpcServiceTest, WrapsTheResultInActionResponse) {
  http::Response resp = Call("Action=GetThing&Version=2011-06-15&Name=a%3Cb");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("content-type"), "text/xml");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "rid-1");
  EXPECT_EQ(resp.body,
            "<GetThingResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetThingResult><Thing>a&lt;b</Thing></GetThingResult>"
            "<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>"
            "</GetThingResponse>");
  EXPECT_EQ(operation_, "GetThing");
}

TEST_F(QueryRpcServiceTest, ReadsParametersFromTheQueryStringWhenTheBodyIsEmpty) {
  http::Response resp = Call("", "Action=GetThing&Name=fromquery");
  EXPECT_EQ(resp.status, 200);
  EXPECT_THAT(resp.body, HasSubstr("<Thing>fromquery</Thing>"));
}

TEST_F(QueryRpcServiceTest, MissingActionIsMissingAction) {
  http::Response resp = Call("Version=2011-06-15");
  EXPECT_EQ(resp.status, 400);
  EXPECT_THAT(resp.body, HasSubstr("<ErrorResponse"));
  EXPECT_THAT(resp.body, HasSubstr("<Code>MissingAction</Code>"));
  EXPECT_THAT(resp.body, HasSubstr("<RequestId>rid-1</RequestId>"));
}

TEST_F(QueryRpcServiceTest, UnknownActionIsInvalidAction) {
  http::Response resp = Call("Action=Nope");
  EXPECT_EQ(resp.status, 400);
  EXPECT_THAT(resp.body, HasSubstr("<Code>InvalidAction</Code>"));
  EXPECT_THAT(resp.body, HasSubstr("Nope"));
}

TEST_F(QueryRpcServiceTest, MalformedBodyIsMalformedQueryString) {
  http::Response resp = Call("Action=GetThing&Name=%zz");
  EXPECT_EQ(resp.status, 400);
  EXPECT_THAT(resp.body, HasSubstr("<Code>MalformedQueryString</Code>"));
}

TEST_F(QueryRpcServiceTest, OperationErrorsAreRenderedInQueryForm) {
  http::Response resp = Call("Action=Fail");
  EXPECT_EQ(resp.status, 404);
  EXPECT_THAT(resp.body, HasSubstr("<Type>Sender</Type><Code>NoSuchEntity</Code>"
                                   "<Message>gone</Message>"));
}

}  // namespace
}  // namespace cleanroom::protocol
