#include "protocol/json_rpc.h"

#include <string>

#include "common/aws_error.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cleanroom::protocol {
namespace {

using nlohmann::json;

class TestJsonService final : public JsonRpcService {
 public:
  TestJsonService() : JsonRpcService("testsvc", "TestService_20240101") {
    Register("Echo", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
      last_caller_account_ = ctx.caller.account_id;
      return json{{"Input", in}, {"Region", ctx.region}};
    });
    Register("Fail", [](CallContext&, const json&) -> absl::StatusOr<json> {
      return AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", "no such thing",
                      400);
    });
  }
  std::string last_caller_account_;
};

class JsonRpcServiceTest : public ::testing::Test {
 protected:
  http::Response Call(std::string target, std::string body) {
    req_ = http::Request();
    req_.method = "POST";
    req_.path = "/";
    if (!target.empty()) req_.headers.Set("X-Amz-Target", target);
    CallContext ctx{req_, "rid-j", "eu-west-1", {}, std::move(body), "", std::nullopt, ""};
    ctx.caller.account_id = "123456789012";
    http::Response resp = service_.Handle(ctx);
    operation_ = ctx.operation;
    return resp;
  }

  static std::string ErrorType(const http::Response& resp) {
    json body = json::parse(resp.body, nullptr, false);
    if (!body.is_object() || !body.contains("__type")) return "<none>";
    return body["__type"].get<std::string>();
  }

  TestJsonService service_;
  http::Request req_;
  std::string operation_;
};

TEST_F(JsonRpcServiceTest, DispatchesOnTheTargetAndReturnsTheOutput) {
  http::Response resp = Call("TestService_20240101.Echo", R"({"A": 1, "B": ["x"]})");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "rid-j");
  json body = json::parse(resp.body);
  EXPECT_EQ(body["Input"], json::parse(R"({"A": 1, "B": ["x"]})"));
  EXPECT_EQ(body["Region"], "eu-west-1");
  EXPECT_EQ(operation_, "Echo");
  EXPECT_EQ(service_.last_caller_account_, "123456789012");
}

TEST_F(JsonRpcServiceTest, EmptyBodyIsAnEmptyObject) {
  http::Response resp = Call("TestService_20240101.Echo", "");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(json::parse(resp.body)["Input"], json::object());
}

TEST_F(JsonRpcServiceTest, UnknownOperationIsUnknownOperationException) {
  http::Response resp = Call("TestService_20240101.Nope", "{}");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(ErrorType(resp), "UnknownOperationException");
}

TEST_F(JsonRpcServiceTest, MissingOrForeignTargetIsUnknownOperationException) {
  EXPECT_EQ(ErrorType(Call("", "{}")), "UnknownOperationException");
  EXPECT_EQ(ErrorType(Call("OtherService.Echo", "{}")), "UnknownOperationException");
  EXPECT_EQ(ErrorType(Call("TestService_20240101Echo", "{}")), "UnknownOperationException");
}

TEST_F(JsonRpcServiceTest, InvalidJsonIsSerializationException) {
  http::Response resp = Call("TestService_20240101.Echo", "{not json");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(ErrorType(resp), "SerializationException");
}

TEST_F(JsonRpcServiceTest, NonObjectJsonIsSerializationException) {
  EXPECT_EQ(ErrorType(Call("TestService_20240101.Echo", "[1, 2]")), "SerializationException");
  EXPECT_EQ(ErrorType(Call("TestService_20240101.Echo", "\"s\"")), "SerializationException");
}

TEST_F(JsonRpcServiceTest, OperationErrorsAreRenderedAsJson11) {
  http::Response resp = Call("TestService_20240101.Fail", "{}");
  EXPECT_EQ(resp.status, 400);
  json body = json::parse(resp.body);
  EXPECT_EQ(body["__type"], "ResourceNotFoundException");
  EXPECT_EQ(body["Message"], "no such thing");
}

TEST(JsonInputTest, RequiredStringNamesTheMissingOrMistypedMember) {
  json in = json::parse(R"({"Name": "n", "Count": 3, "Null": null})");
  absl::StatusOr<std::string> name = RequiredString(in, "Name");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "n");
  absl::Status missing = RequiredString(in, "Other").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetAwsCode(missing).value_or(""), "ValidationException");
  EXPECT_NE(std::string(missing.message()).find("Other"), std::string::npos);
  EXPECT_EQ(RequiredString(in, "Null").status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status mistyped = RequiredString(in, "Count").status();
  EXPECT_EQ(mistyped.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(mistyped.message()).find("Count"), std::string::npos);
}

TEST(JsonInputTest, OptionalHelpersAcceptAbsenceAndRejectWrongTypes) {
  json in = json::parse(R"({"S": "s", "I": 7, "B": true, "F": 1.5})");
  EXPECT_EQ(OptionalString(in, "S")->value_or(""), "s");
  EXPECT_FALSE(OptionalString(in, "Missing")->has_value());
  EXPECT_FALSE(OptionalString(in, "I").ok());
  EXPECT_EQ(OptionalInt(in, "I")->value_or(0), 7);
  EXPECT_FALSE(OptionalInt(in, "Missing")->has_value());
  EXPECT_FALSE(OptionalInt(in, "F").ok());
  EXPECT_FALSE(OptionalInt(in, "S").ok());
  EXPECT_EQ(OptionalBool(in, "B")->value_or(false), true);
  EXPECT_FALSE(OptionalBool(in, "Missing")->has_value());
  EXPECT_FALSE(OptionalBool(in, "I").ok());
}

}  // namespace
}  // namespace cleanroom::protocol
