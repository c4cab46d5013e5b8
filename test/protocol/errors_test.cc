#include "protocol/errors.h"

#include <string>

#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cleanroom::protocol {
namespace {

using ::testing::HasSubstr;

absl::Status NoSuchBucket() {
  return WithAwsField(AwsError(absl::StatusCode::kNotFound, "NoSuchBucket",
                               "The specified bucket <b> & more does not exist", 404),
                      "BucketName", "my&bucket");
}

TEST(RenderErrorTest, RestXmlCarriesCodeMessageExtraFieldsAndRequestId) {
  http::Response resp = RenderError(Protocol::kRestXml, NoSuchBucket(), "req-123");
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.Get("content-type"), "application/xml");
  EXPECT_EQ(resp.headers.Get("x-amz-request-id"), "req-123");
  EXPECT_THAT(resp.body, HasSubstr("<Error><Code>NoSuchBucket</Code>"));
  EXPECT_THAT(resp.body,
              HasSubstr("<Message>The specified bucket &lt;b&gt; &amp; more does not exist"
                        "</Message>"));
  EXPECT_THAT(resp.body, HasSubstr("<BucketName>my&amp;bucket</BucketName>"));
  EXPECT_THAT(resp.body, HasSubstr("<RequestId>req-123</RequestId></Error>"));
}

TEST(RenderErrorTest, QueryUsesErrorResponseWithSenderType) {
  absl::Status st = AwsError(absl::StatusCode::kNotFound, "NoSuchEntity", "No user <x>", 404);
  http::Response resp = RenderError(Protocol::kQuery, st, "req-q");
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.Get("content-type"), "text/xml");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "req-q");
  EXPECT_THAT(resp.body, HasSubstr("<ErrorResponse"));
  EXPECT_THAT(resp.body, HasSubstr("<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
                                   "<Message>No user &lt;x&gt;</Message></Error>"));
  EXPECT_THAT(resp.body, HasSubstr("<RequestId>req-q</RequestId></ErrorResponse>"));
}

TEST(RenderErrorTest, QueryMarksServerFaultsAsReceiver) {
  http::Response resp = RenderError(Protocol::kQuery, absl::InternalError("boom"), "r");
  EXPECT_EQ(resp.status, 500);
  EXPECT_THAT(resp.body, HasSubstr("<Type>Receiver</Type><Code>InternalFailure</Code>"));
}

TEST(RenderErrorTest, Json11UsesTypeAndCapitalisedMessage) {
  absl::Status st = WithAwsField(
      AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException", "no secret", 400),
      "SecretId", "s1");
  http::Response resp = RenderError(Protocol::kJson11, st, "req-j");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "req-j");
  EXPECT_FALSE(resp.headers.Has("x-amzn-errortype"));
  nlohmann::json body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["__type"], "ResourceNotFoundException");
  EXPECT_EQ(body["Message"], "no secret");
  EXPECT_FALSE(body.contains("message"));
  EXPECT_EQ(body["SecretId"], "s1");
}

TEST(RenderErrorTest, RestJsonUsesErrorTypeHeaderAndExtraMembers) {
  absl::Status st =
      AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", "bad \"input\"", 400);
  st = WithAwsField(st, "reason", "FIELD_VALIDATION_FAILED");
  st = WithAwsJsonField(st, "fieldList", R"([{"name":"x","message":"too long"}])");
  http::Response resp = RenderError(Protocol::kRestJson, st, "req-r");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ValidationException");
  EXPECT_EQ(resp.headers.Get("content-type"), "application/json");
  EXPECT_EQ(resp.headers.Get("x-amzn-requestid"), "req-r");
  nlohmann::json body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["message"], "bad \"input\"");
  EXPECT_FALSE(body.contains("__type"));
  EXPECT_EQ(body["reason"], "FIELD_VALIDATION_FAILED");
  ASSERT_TRUE(body["fieldList"].is_array());
  EXPECT_EQ(body["fieldList"][0]["name"], "x");
  EXPECT_EQ(body["fieldList"][0]["message"], "too long");
}

TEST(RenderErrorTest, JsonBodyStaysValidForInvalidUtf8Messages) {
  absl::Status st = absl::InvalidArgumentError("bad byte \xff here");
  http::Response resp = RenderError(Protocol::kRestJson, st, "r");
  nlohmann::json body = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(body.is_discarded()) << resp.body;
}

struct DefaultCase {
  absl::StatusCode code;
  int s3_status;
  const char* s3_code;
  int query_status;
  const char* query_code;
  int json_status;
  const char* json_code;
};

TEST(ResolveErrorTest, DefaultsFollowTheCanonicalCodePerProtocol) {
  const DefaultCase cases[] = {
      {absl::StatusCode::kInvalidArgument, 400, "InvalidArgument", 400, "ValidationError", 400,
       "ValidationException"},
      {absl::StatusCode::kUnauthenticated, 403, "AccessDenied", 403, "InvalidClientTokenId", 403,
       "UnrecognizedClientException"},
      {absl::StatusCode::kPermissionDenied, 403, "AccessDenied", 403, "AccessDenied", 403,
       "AccessDeniedException"},
      {absl::StatusCode::kNotFound, 404, "NotFound", 404, "NoSuchEntity", 404,
       "ResourceNotFoundException"},
      {absl::StatusCode::kAlreadyExists, 409, "Conflict", 409, "EntityAlreadyExists", 409,
       "ConflictException"},
      {absl::StatusCode::kFailedPrecondition, 409, "InvalidRequest", 409, "DeleteConflict", 409,
       "ConflictException"},
      {absl::StatusCode::kResourceExhausted, 400, "TooManyBuckets", 400, "LimitExceeded", 402,
       "ServiceQuotaExceededException"},
      {absl::StatusCode::kUnimplemented, 501, "NotImplemented", 400, "InvalidAction", 400,
       "UnknownOperationException"},
      {absl::StatusCode::kDataLoss, 400, "BadDigest", 400, "ValidationError", 400,
       "ValidationException"},
      {absl::StatusCode::kUnavailable, 503, "ServiceUnavailable", 503, "ServiceUnavailable", 503,
       "ServiceUnavailableException"},
      {absl::StatusCode::kInternal, 500, "InternalError", 500, "InternalFailure", 500,
       "InternalServerException"},
  };
  for (const DefaultCase& c : cases) {
    absl::Status st(c.code, "m");
    SCOPED_TRACE(absl::StatusCodeToString(c.code));
    ResolvedError s3 = ResolveError(Protocol::kRestXml, st);
    EXPECT_EQ(s3.http_status, c.s3_status);
    EXPECT_EQ(s3.code, c.s3_code);
    ResolvedError query = ResolveError(Protocol::kQuery, st);
    EXPECT_EQ(query.http_status, c.query_status);
    EXPECT_EQ(query.code, c.query_code);
    for (Protocol json : {Protocol::kJson11, Protocol::kRestJson}) {
      ResolvedError j = ResolveError(json, st);
      EXPECT_EQ(j.http_status, c.json_status);
      EXPECT_EQ(j.code, c.json_code);
    }
  }
}

TEST(ResolveErrorTest, PayloadCodeAndStatusOverrideTheDefaults) {
  absl::Status st = AwsError(absl::StatusCode::kInvalidArgument, "EntityTooSmall", "m", 422);
  ResolvedError r = ResolveError(Protocol::kRestXml, st);
  EXPECT_EQ(r.code, "EntityTooSmall");
  EXPECT_EQ(r.http_status, 422);
}

TEST(ResolveErrorTest, PayloadCodeWithoutStatusKeepsTheDefaultStatus) {
  absl::Status st = AwsError(absl::StatusCode::kNotFound, "NoSuchKey", "m");
  ResolvedError r = ResolveError(Protocol::kRestXml, st);
  EXPECT_EQ(r.code, "NoSuchKey");
  EXPECT_EQ(r.http_status, 404);
}

std::string CodeFor(Protocol p, std::string_view aws_code) {
  return ResolveError(p, AwsError(absl::StatusCode::kPermissionDenied, aws_code, "m", 403)).code;
}

TEST(ResolveErrorTest, TranslatesSignatureDoesNotMatch) {
  EXPECT_EQ(CodeFor(Protocol::kRestXml, "SignatureDoesNotMatch"), "SignatureDoesNotMatch");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "SignatureDoesNotMatch"), "SignatureDoesNotMatch");
  EXPECT_EQ(CodeFor(Protocol::kJson11, "SignatureDoesNotMatch"), "InvalidSignatureException");
  EXPECT_EQ(CodeFor(Protocol::kRestJson, "SignatureDoesNotMatch"), "InvalidSignatureException");
}

TEST(ResolveErrorTest, TranslatesInvalidAccessKeyId) {
  EXPECT_EQ(CodeFor(Protocol::kRestXml, "InvalidAccessKeyId"), "InvalidAccessKeyId");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "InvalidAccessKeyId"), "InvalidClientTokenId");
  EXPECT_EQ(CodeFor(Protocol::kJson11, "InvalidAccessKeyId"), "UnrecognizedClientException");
  EXPECT_EQ(CodeFor(Protocol::kRestJson, "InvalidAccessKeyId"), "UnrecognizedClientException");
}

TEST(ResolveErrorTest, TranslatesOtherAuthenticationCodes) {
  EXPECT_EQ(CodeFor(Protocol::kRestXml, "RequestTimeTooSkewed"), "RequestTimeTooSkewed");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "RequestTimeTooSkewed"), "SignatureDoesNotMatch");
  EXPECT_EQ(CodeFor(Protocol::kJson11, "RequestTimeTooSkewed"), "InvalidSignatureException");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "AuthorizationHeaderMalformed"), "IncompleteSignature");
  EXPECT_EQ(CodeFor(Protocol::kRestJson, "AuthorizationHeaderMalformed"),
            "IncompleteSignatureException");
  EXPECT_EQ(CodeFor(Protocol::kJson11, "MissingAuthenticationToken"),
            "MissingAuthenticationTokenException");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "MissingAuthenticationToken"), "MissingAuthenticationToken");
  EXPECT_EQ(CodeFor(Protocol::kRestJson, "AccessDenied"), "AccessDeniedException");
  EXPECT_EQ(CodeFor(Protocol::kRestXml, "AccessDenied"), "AccessDenied");
}

TEST(ResolveErrorTest, LeavesServiceCodesUntranslated) {
  EXPECT_EQ(CodeFor(Protocol::kJson11, "ResourceNotFoundException"), "ResourceNotFoundException");
  EXPECT_EQ(CodeFor(Protocol::kQuery, "NoSuchEntity"), "NoSuchEntity");
}

TEST(XmlEscapeTest, EscapesMarkupCharacters) {
  EXPECT_EQ(XmlEscape("a&b<c>d\"e'f\rg"), "a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g");
}

TEST(XmlEscapeTest, LeavesOtherTextAlone) {
  EXPECT_EQ(XmlEscape(""), "");
  EXPECT_EQ(XmlEscape("plain text/key\n\xc3\xa9"), "plain text/key\n\xc3\xa9");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");
}

}  // namespace
}  // namespace cleanroom::protocol
