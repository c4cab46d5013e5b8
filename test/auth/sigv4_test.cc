#include "auth/sigv4.h"

#include <string>
#include <utility>
#include <vector>

#include "common/aws_error.h"
#include "common/time_format.h"
#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace cleanroom::auth {
namespace {

constexpr std::string_view kSecret = "testsecret";

// A request as the server receives it: the raw request-target split at the first '?'.
http::Request MakeRequest(std::string method, std::string target,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  http::Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  const size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& [name, value] : headers) req.headers.Add(name, value);
  return req;
}

int64_t Epoch(std::string_view amz_date) {
  std::optional<int64_t> t = ParseAmzDate(amz_date);
  EXPECT_TRUE(t.has_value()) << amz_date;
  return t.value_or(0);
}

std::string AwsCode(const absl::Status& status) { return GetAwsCode(status).value_or(""); }

SigV4Auth MustParse(const http::Request& req) {
  absl::StatusOr<std::optional<SigV4Auth>> auth = ParseSigV4(req);
  EXPECT_TRUE(auth.ok()) << auth.status();
  if (!auth.ok() || !auth->has_value()) {
    ADD_FAILURE() << "no SigV4 claims";
    return SigV4Auth();
  }
  return **auth;
}

// ---- §5.1 vector 1: Clean Rooms CreateCollaboration ----

constexpr std::string_view kVector1Body =
    R"({"members": [], "name": "X", "description": "D", "creatorMemberAbilities": ["CAN_QUERY", )"
    R"("CAN_RECEIVE_RESULTS"], "creatorDisplayName": "Analytics Lead", "dataEncryptionMetadata": )"
    R"({"preserveNulls": true, "allowCleartext": false, "allowDuplicates": false, )"
    R"("allowJoinsOnColumnsWithDifferentNames": false}, "queryLogStatus": "ENABLED", )"
    R"("analyticsEngine": "SPARK"})";

http::Request Vector1Request() {
  return MakeRequest(
      "POST", "/collaborations",
      {{"Host", "127.0.0.1:18443"},
       {"Accept-Encoding", "identity"},
       {"Content-Type", "application/json"},
       {"User-Agent",
        "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44-fc-v657 md/arch#x86_64 "
        "lang/python#3.11.7 md/pyimpl#CPython m/b,N,Z,D,g cfg/retry-mode#legacy "
        "botocore/1.43.11"},
       {"X-Amz-Date", "20261124T013728Z"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/20261124/us-east-1/cleanrooms/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=88f68862a62e921378e88bffbb65c76d6cbd0a61fd17ac91796b32e289f4e55c"},
       {"amz-sdk-invocation-id", "e6742734-0867-460c-bdfa-f38123f0422b"},
       {"amz-sdk-request", "attempt=1"},
       {"Content-Length", "359"}});
}

TEST(SigV4VectorTest, CleanRoomsPostMatchesExactly) {
  ASSERT_EQ(kVector1Body.size(), 359u);
  const std::string body_hash = crypto::Sha256Hex(kVector1Body);
  ASSERT_EQ(body_hash, "aff6802ac893958bf72634bcc3f6f2b6e05be75fbcc2a6652b76f9cdd897bc49");

  const http::Request req = Vector1Request();
  const SigV4Auth auth = MustParse(req);
  EXPECT_EQ(auth.scope.access_key_id, "AKIDEXAMPLETEST");
  EXPECT_EQ(auth.scope.date, "20261124");
  EXPECT_EQ(auth.scope.region, "us-east-1");
  EXPECT_EQ(auth.scope.service, "cleanrooms");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_EQ(auth.amz_date, "20261124T013728Z");
  EXPECT_FALSE(auth.presigned);

  const std::string canonical =
      CanonicalRequest(req, auth.signed_headers, body_hash, /*s3=*/false, /*presigned=*/false);
  EXPECT_EQ(canonical,
            "POST\n"
            "/collaborations\n"
            "\n"
            "content-type:application/json\n"
            "host:127.0.0.1:18443\n"
            "x-amz-date:20261124T013728Z\n"
            "\n"
            "content-type;host;x-amz-date\n"
            "aff6802ac893958bf72634bcc3f6f2b6e05be75fbcc2a6652b76f9cdd897bc49");
  const std::string string_to_sign = StringToSign(auth.amz_date, auth.scope, canonical);
  EXPECT_EQ(string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20261124T013728Z\n"
            "20261124/us-east-1/cleanrooms/aws4_request\n"
            "e407b6ed8deb84aa90bc93a343fdc4bb9260d8adfba3f2ed848f81c41cb86fc5");
  EXPECT_EQ(
      ComputeSignature(SigningKey(kSecret, "20261124", "us-east-1", "cleanrooms"), string_to_sign),
      "88f68862a62e921378e88bffbb65c76d6cbd0a61fd17ac91796b32e289f4e55c");

  EXPECT_TRUE(VerifySigV4(req, auth, kSecret, body_hash, Epoch("20261124T013728Z")).ok());
}

TEST(SigV4VectorTest, SignRequestReproducesCleanRoomsVector) {
  http::Request req = MakeRequest("POST", "/collaborations",
                                  {{"Host", "127.0.0.1:18443"},
                                   {"Content-Type", "application/json"},
                                   {"User-Agent", "aws-cli/1.45.11"},
                                   {"Expect", "100-continue"}});
  SignRequest(req, crypto::Sha256Hex(kVector1Body),
              {"AKIDEXAMPLETEST", "", "us-east-1", "cleanrooms"}, kSecret,
              Epoch("20261124T013728Z"), /*s3=*/false);
  EXPECT_EQ(req.headers.Get("x-amz-date"), "20261124T013728Z");
  EXPECT_FALSE(req.headers.Has("x-amz-content-sha256"));
  EXPECT_EQ(req.headers.Get("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/20261124/us-east-1/cleanrooms/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
            "Signature=88f68862a62e921378e88bffbb65c76d6cbd0a61fd17ac91796b32e289f4e55c");
}

// ---- §5.1 vector 2: path double-encoding ----

http::Request Vector2Request() {
  return MakeRequest(
      "DELETE",
      "/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A123456789012%3Acollaboration%2F"
      "aaaaaaaa-1111-2222-3333-444444444444?tagKeys=k1&tagKeys=k2",
      {{"Host", "127.0.0.1:18443"},
       {"X-Amz-Date", "20261124T013808Z"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/20261124/us-east-1/cleanrooms/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=4692568b92c31a8993c9c4f94cab576d9cfc37cd2cbaccb7fd017be5c2249ced"}});
}

TEST(SigV4VectorTest, DeleteWithDoubleEncodedPathMatchesExactly) {
  const http::Request req = Vector2Request();
  const SigV4Auth auth = MustParse(req);
  const std::string canonical = CanonicalRequest(req, auth.signed_headers, kEmptyPayloadSha256,
                                                 /*s3=*/false, /*presigned=*/false);
  EXPECT_EQ(canonical,
            "DELETE\n"
            "/tags/arn%253Aaws%253Acleanrooms%253Aus-east-1%253A123456789012%253Acollaboration%"
            "252Faaaaaaaa-1111-2222-3333-444444444444\n"
            "tagKeys=k1&tagKeys=k2\n"
            "host:127.0.0.1:18443\n"
            "x-amz-date:20261124T013808Z\n"
            "\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::Sha256Hex(canonical),
            "718dd8c49b81bbfa1fae545bd49f1edd6787c7f7f7e113336f573aa802447b87");
  EXPECT_EQ(ComputeSignature(SigningKey(kSecret, "20261124", "us-east-1", "cleanrooms"),
                             StringToSign(auth.amz_date, auth.scope, canonical)),
            "4692568b92c31a8993c9c4f94cab576d9cfc37cd2cbaccb7fd017be5c2249ced");
  EXPECT_TRUE(
      VerifySigV4(req, auth, kSecret, crypto::Sha256Hex(""), Epoch("20261124T013808Z")).ok());
}

// ---- §5.1 vector 3: S3 PutObject over http ----

http::Request Vector3Request() {
  return MakeRequest(
      "PUT", "/org-a-data/data/customers.csv",
      {{"Host", "127.0.0.1:18443"},
       {"Accept-Encoding", "identity"},
       {"Expect", "100-continue"},
       {"x-amz-checksum-crc32", "n7sxBA=="},
       {"x-amz-sdk-checksum-algorithm", "CRC32"},
       {"User-Agent", "aws-cli/1.45.11"},
       {"X-Amz-Content-SHA256", "427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05"},
       {"X-Amz-Date", "20261124T013826Z"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/20261124/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;"
        "x-amz-sdk-checksum-algorithm, "
        "Signature=ff93958771c2748a425606536878747dc28fbf3bc4d9694a1bbdce9d7a3f16a6"},
       {"Content-Length", "3"}});
}

TEST(SigV4VectorTest, S3PutObjectMatchesExactly) {
  ASSERT_EQ(crypto::Sha256Hex("vm\n"),
            "427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05");
  const http::Request req = Vector3Request();
  const SigV4Auth auth = MustParse(req);
  EXPECT_EQ(auth.scope.service, "s3");
  EXPECT_EQ(auth.payload_hash_header,
            "427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05");
  const std::string canonical =
      CanonicalRequest(req, auth.signed_headers, auth.payload_hash_header, /*s3=*/true,
                       /*presigned=*/false);
  EXPECT_EQ(
      canonical,
      "PUT\n"
      "/org-a-data/data/customers.csv\n"
      "\n"
      "host:127.0.0.1:18443\n"
      "x-amz-checksum-crc32:n7sxBA==\n"
      "x-amz-content-sha256:427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05\n"
      "x-amz-date:20261124T013826Z\n"
      "x-amz-sdk-checksum-algorithm:CRC32\n"
      "\n"
      "host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm\n"
      "427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05");
  EXPECT_EQ(ComputeSignature(SigningKey(kSecret, "20261124", "us-east-1", "s3"),
                             StringToSign(auth.amz_date, auth.scope, canonical)),
            "ff93958771c2748a425606536878747dc28fbf3bc4d9694a1bbdce9d7a3f16a6");
  EXPECT_TRUE(
      VerifySigV4(req, auth, kSecret, auth.payload_hash_header, Epoch("20261124T013826Z")).ok());
}

TEST(SigV4VectorTest, SignRequestReproducesS3Vector) {
  http::Request req = MakeRequest("PUT", "/org-a-data/data/customers.csv",
                                  {{"Host", "127.0.0.1:18443"},
                                   {"Expect", "100-continue"},
                                   {"x-amz-checksum-crc32", "n7sxBA=="},
                                   {"x-amz-sdk-checksum-algorithm", "CRC32"},
                                   {"User-Agent", "aws-cli/1.45.11"}});
  SignRequest(req, crypto::Sha256Hex("vm\n"), {"AKIDEXAMPLETEST", "20200101", "us-east-1", "s3"},
              kSecret, Epoch("20261124T013826Z"), /*s3=*/true);
  EXPECT_EQ(req.headers.Get("x-amz-content-sha256"),
            "427f93cafd9cc19be6eec03e590c9c6cdf9f688a5eaf21fa8d72351e2b15fd05");
  EXPECT_EQ(req.headers.Get("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/20261124/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;"
            "x-amz-sdk-checksum-algorithm, "
            "Signature=ff93958771c2748a425606536878747dc28fbf3bc4d9694a1bbdce9d7a3f16a6");
}

// ---- Canonicalization pieces ----

TEST(CanonicalUriTest, NonS3NormalizesAndEncodesAgain) {
  EXPECT_EQ(CanonicalUri("", false), "/");
  EXPECT_EQ(CanonicalUri("/", false), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c", false), "/a/c");
  EXPECT_EQ(CanonicalUri("//a//b/", false), "/a/b/");
  EXPECT_EQ(CanonicalUri("/..", false), "/");
  EXPECT_EQ(CanonicalUri("/a/..", false), "/");
  EXPECT_EQ(CanonicalUri("/a/.", false), "/a");
  EXPECT_EQ(CanonicalUri("/a%20b/c~d_e-f.g", false), "/a%2520b/c~d_e-f.g");
  EXPECT_EQ(CanonicalUri("/a:b@c", false), "/a%3Ab%40c");
}

TEST(CanonicalUriTest, S3IsVerbatim) {
  EXPECT_EQ(CanonicalUri("", true), "/");
  EXPECT_EQ(CanonicalUri("/org-a-data/data/my%20file%2B1%20%C3%A9.csv", true),
            "/org-a-data/data/my%20file%2B1%20%C3%A9.csv");
  EXPECT_EQ(CanonicalUri("/b//a/../k", true), "/b//a/../k");
}

TEST(CanonicalQueryTest, SortsAndReencodes) {
  EXPECT_EQ(CanonicalQuery("", false), "");
  EXPECT_EQ(CanonicalQuery("list-type=2&prefix=&encoding-type=url", false),
            "encoding-type=url&list-type=2&prefix=");
  EXPECT_EQ(CanonicalQuery("status=ACTIVE&maxResults=5", false), "maxResults=5&status=ACTIVE");
  EXPECT_EQ(CanonicalQuery("tagKeys=k2&tagKeys=k1", false), "tagKeys=k1&tagKeys=k2");
  EXPECT_EQ(CanonicalQuery("versioning", false), "versioning=");
  EXPECT_EQ(CanonicalQuery("uploads&prefix=a", false), "prefix=a&uploads=");
  EXPECT_EQ(CanonicalQuery("k=a%20b+c%7e%2f", false), "k=a%20b%2Bc~%2F");
  EXPECT_EQ(CanonicalQuery("k=a=b", false), "k=a%3Db");
  EXPECT_EQ(CanonicalQuery("a&&b", false), "a=&b=");
  EXPECT_EQ(CanonicalQuery("k=%zz", false), "k=%25zz");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=1", false), "X-Amz-Signature=abc&a=1");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=1", true), "a=1");
}

TEST(CanonicalHeadersTest, TrimsCollapsesAndJoins) {
  http::Headers headers;
  headers.Add("Host", "example.com");
  headers.Add("X-Multi", "  a   b \t c  ");
  headers.Add("x-rep", "1");
  headers.Add("X-Rep", " 2 ");
  EXPECT_EQ(CanonicalHeaders(headers, {"host", "x-multi", "x-rep", "x-missing"}),
            "host:example.com\nx-multi:a b c\nx-rep:1,2\nx-missing:\n");
}

TEST(SigningKeyTest, IsTheHmacChain) {
  EXPECT_EQ(SigningKey("s", "20261124", "r", "svc"),
            crypto::HmacSha256(
                crypto::HmacSha256(crypto::HmacSha256(crypto::HmacSha256("AWS4s", "20261124"), "r"),
                                   "svc"),
                "aws4_request"));
}

// ---- Parsing ----

absl::Status ParseError(const http::Request& req) { return ParseSigV4(req).status(); }

TEST(ParseSigV4Test, NoAuthIsNullopt) {
  absl::StatusOr<std::optional<SigV4Auth>> auth =
      ParseSigV4(MakeRequest("GET", "/b?list-type=2", {{"Host", "h"}}));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE(auth->has_value());
}

TEST(ParseSigV4Test, AcceptsAnyWhitespaceAfterCommas) {
  const http::Request req =
      MakeRequest("GET", "/",
                  {{"Host", "h"},
                   {"X-Amz-Date", "20261124T013728Z"},
                   {"Authorization",
                    "AWS4-HMAC-SHA256  Credential=AK/20261124/eu-west-1/sts/"
                    "aws4_request,SignedHeaders=host;x-amz-date,\t Signature=abc"}});
  const SigV4Auth auth = MustParse(req);
  EXPECT_EQ(auth.scope.region, "eu-west-1");
  EXPECT_EQ(auth.scope.service, "sts");
  EXPECT_EQ(auth.signature, "abc");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

TEST(ParseSigV4Test, FallsBackToTheDateHeader) {
  const SigV4Auth auth = MustParse(MakeRequest(
      "GET", "/",
      {{"Host", "h"},
       {"Date", "Tue, 24 Nov 2026 01:37:28 GMT"},
       {"Authorization",
        "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders=date;host, "
        "Signature=abc"}}));
  EXPECT_EQ(auth.amz_date, "20261124T013728Z");
}

TEST(ParseSigV4Test, RejectsOtherAlgorithms) {
  for (std::string value : {"AWS AKIDEXAMPLE:c2lnbmF0dXJl", "Bearer token",
                            "AWS4-ECDSA-P256-SHA256 Credential=a/b/c/d/aws4_request",
                            "AWS4-HMAC-SHA256X Credential=x"}) {
    absl::Status status = ParseError(MakeRequest("GET", "/", {{"Authorization", value}}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_EQ(AwsCode(status), "InvalidRequest") << value;
    EXPECT_NE(status.message().find("only AWS4-HMAC-SHA256 is supported"), std::string::npos);
    EXPECT_EQ(GetAwsHttpStatus(status), 400);
  }
  // SigV2 presigned URL.
  absl::Status v2 =
      ParseError(MakeRequest("GET", "/b/k?AWSAccessKeyId=AK&Expires=1&Signature=x", {}));
  EXPECT_EQ(AwsCode(v2), "InvalidRequest");
}

TEST(ParseSigV4Test, MissingPartsAreIncompleteSignature) {
  absl::Status status = ParseError(MakeRequest(
      "GET", "/",
      {{"Authorization",
        "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders=host"}}));
  EXPECT_EQ(AwsCode(status), "IncompleteSignature");
  EXPECT_EQ(AwsCode(ParseError(MakeRequest("GET", "/", {{"Authorization", "AWS4-HMAC-SHA256"}}))),
            "IncompleteSignature");
}

TEST(ParseSigV4Test, MalformedHeaders) {
  const std::vector<std::string> bad = {
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws5_request, SignedHeaders=host, "
      "Signature=a",
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s, SignedHeaders=host, Signature=a",
      "AWS4-HMAC-SHA256 Credential=AK/2026112/r/s/aws4_request, SignedHeaders=host, Signature=a",
      "AWS4-HMAC-SHA256 Credential=/20261124/r/s/aws4_request, SignedHeaders=host, Signature=a",
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders=host;;x, "
      "Signature=a",
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders=host, Signature=",
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders=host, Signature=a, "
      "Signature=b",
      "AWS4-HMAC-SHA256 Credential=AK/20261124/r/s/aws4_request, SignedHeaders, Signature=a",
  };
  for (const std::string& value : bad) {
    absl::Status status = ParseError(MakeRequest("GET", "/", {{"Authorization", value}}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_EQ(AwsCode(status), "AuthorizationHeaderMalformed") << value;
    EXPECT_EQ(GetAwsHttpStatus(status), 400);
  }
}

TEST(ParseSigV4Test, PresignedParametersAreDecoded) {
  const SigV4Auth auth = MustParse(MakeRequest(
      "GET",
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Fs3%"
      "2Faws4_request&X-Amz-Date=20261124T013728Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&"
      "X-Amz-Signature=abc",
      {{"Host", "h"}}));
  EXPECT_TRUE(auth.presigned);
  EXPECT_EQ(auth.scope.access_key_id, "AK");
  EXPECT_EQ(auth.scope.date, "20261124");
  EXPECT_EQ(auth.scope.service, "s3");
  EXPECT_EQ(auth.amz_date, "20261124T013728Z");
  EXPECT_EQ(auth.expires_seconds, 3600);
  EXPECT_EQ(auth.signature, "abc");
}

TEST(ParseSigV4Test, PresignedErrors) {
  const std::string base =
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Fs3%"
      "2Faws4_request&X-Amz-Date=20261124T013728Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  // Missing X-Amz-Expires.
  EXPECT_EQ(AwsCode(ParseError(MakeRequest("GET", base, {}))), "AuthorizationQueryParametersError");
  EXPECT_EQ(AwsCode(ParseError(MakeRequest("GET", base + "&X-Amz-Expires=abc", {}))),
            "AuthorizationQueryParametersError");
  EXPECT_EQ(AwsCode(ParseError(
                MakeRequest("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Signature=abc", {}))),
            "AuthorizationQueryParametersError");
  // Both mechanisms at once.
  EXPECT_EQ(AwsCode(ParseError(MakeRequest("GET", base + "&X-Amz-Expires=60",
                                           {{"Authorization", "AWS4-HMAC-SHA256 x"}}))),
            "InvalidArgument");
}

// ---- Verification ----

class VerifyTest : public ::testing::Test {
 protected:
  // Signs a Glue-style POST with SignRequest at kNow.
  http::Request Signed(std::string_view secret = kSecret) {
    http::Request req = MakeRequest("POST", "/",
                                    {{"Host", "127.0.0.1:18443"},
                                     {"Content-Type", "application/x-amz-json-1.1"},
                                     {"X-Amz-Target", "AWSGlue.GetTables"}});
    SignRequest(req, crypto::Sha256Hex(kBody), {"AKID", "", "us-east-1", "glue"}, secret, kNow,
                false);
    return req;
  }
  absl::Status Verify(const http::Request& req, int64_t now = kNow) {
    absl::StatusOr<std::optional<SigV4Auth>> auth = ParseSigV4(req);
    if (!auth.ok()) return auth.status();
    EXPECT_TRUE(auth->has_value());
    return VerifySigV4(req, **auth, kSecret, crypto::Sha256Hex(kBody), now);
  }

  static constexpr std::string_view kBody = R"({"DatabaseName": "org_a_db"})";
  static constexpr int64_t kNow = 1795484248;  // 2026-11-24T01:37:28Z
};

TEST_F(VerifyTest, CorrectRequestPasses) {
  http::Request req = Signed();
  EXPECT_EQ(req.headers.Get("x-amz-date"), "20261124T013728Z");
  EXPECT_TRUE(Verify(req).ok()) << Verify(req);
}

TEST_F(VerifyTest, WrongSecretFails) {
  absl::Status status = Verify(Signed("othersecret"));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AwsCode(status), "SignatureDoesNotMatch");
  EXPECT_EQ(GetAwsHttpStatus(status), 403);
  EXPECT_EQ(status.message(),
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
}

TEST_F(VerifyTest, TamperedHeaderValueFails) {
  http::Request req = Signed();
  req.headers.Set("X-Amz-Target", "AWSGlue.DeleteDatabase");
  EXPECT_EQ(AwsCode(Verify(req)), "SignatureDoesNotMatch");
}

TEST_F(VerifyTest, UnsignedHeaderMayChange) {
  http::Request req = Signed();
  req.headers.Add("User-Agent", "something");
  EXPECT_TRUE(Verify(req).ok());
}

TEST_F(VerifyTest, TamperedPathOrQueryFails) {
  http::Request req = Signed();
  req.path = "/other";
  EXPECT_EQ(AwsCode(Verify(req)), "SignatureDoesNotMatch");
  req = Signed();
  req.query = "x=1";
  EXPECT_EQ(AwsCode(Verify(req)), "SignatureDoesNotMatch");
}

TEST_F(VerifyTest, TamperedBodyHashFails) {
  http::Request req = Signed();
  const SigV4Auth auth = MustParse(req);
  EXPECT_EQ(AwsCode(VerifySigV4(req, auth, kSecret, crypto::Sha256Hex("{}"), kNow)),
            "SignatureDoesNotMatch");
}

TEST_F(VerifyTest, ClockSkewOver15MinutesIsRejected) {
  const http::Request req = Signed();
  EXPECT_TRUE(Verify(req, kNow + 15 * 60).ok());
  EXPECT_TRUE(Verify(req, kNow - 15 * 60).ok());
  for (int64_t now : {kNow + 15 * 60 + 1, kNow - 15 * 60 - 1, kNow + 86400}) {
    absl::Status status = Verify(req, now);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(AwsCode(status), "RequestTimeTooSkewed");
    EXPECT_EQ(status.message(),
              "The difference between the request time and the current time is too large.");
    EXPECT_EQ(GetAwsHttpStatus(status), 403);
  }
}

TEST_F(VerifyTest, DateMustMatchScopeAndBeWellFormed) {
  http::Request req = Signed();
  std::string authorization(*req.headers.Get("authorization"));
  authorization.replace(authorization.find("20261124"), 8, "20261123");
  req.headers.Set("Authorization", authorization);
  EXPECT_EQ(AwsCode(Verify(req)), "AuthorizationHeaderMalformed");

  req = Signed();
  req.headers.Set("X-Amz-Date", "2026-11-24T01:37:28Z");
  EXPECT_EQ(AwsCode(Verify(req)), "AccessDenied");
  req.headers.Remove("X-Amz-Date");
  EXPECT_EQ(AwsCode(Verify(req)), "AccessDenied");
}

TEST_F(VerifyTest, HostMustBeSigned) {
  http::Request req = MakeRequest("GET", "/", {{"Host", "h"}, {"X-Amz-Date", "20261124T013728Z"}});
  const std::string key = SigningKey(kSecret, "20261124", "us-east-1", "glue");
  SigV4Scope scope{"AKID", "20261124", "us-east-1", "glue"};
  const std::string sig = ComputeSignature(
      key,
      StringToSign("20261124T013728Z", scope,
                   CanonicalRequest(req, {"x-amz-date"}, crypto::Sha256Hex(kBody), false, false)));
  req.headers.Set("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/glue/aws4_request, "
                  "SignedHeaders=x-amz-date, Signature=" +
                      sig);
  EXPECT_EQ(AwsCode(Verify(req)), "AuthorizationHeaderMalformed");
}

// ---- Presigned URLs ----

class PresignTest : public ::testing::Test {
 protected:
  // Presigns GET /bucket/my%20key at kNow and returns the request as the server sees it.
  http::Request Presigned(int64_t expires) {
    http::Request client = MakeRequest("GET", "/bucket/my%20key?versionId=v1", {{"Host", "h:9"}});
    PresignRequest(client, {"AKID", "", "us-east-1", "s3"}, kSecret, kNow, expires,
                   kUnsignedPayload, /*s3=*/true);
    return MakeRequest("GET", client.target, {{"Host", "h:9"}, {"User-Agent", "curl"}});
  }
  absl::Status Verify(const http::Request& req, int64_t now) {
    absl::StatusOr<std::optional<SigV4Auth>> auth = ParseSigV4(req);
    if (!auth.ok()) return auth.status();
    EXPECT_TRUE(auth->has_value());
    EXPECT_TRUE((*auth)->presigned);
    return VerifySigV4(req, **auth, kSecret, kUnsignedPayload, now);
  }

  static constexpr int64_t kNow = 1795484248;  // 2026-11-24T01:37:28Z
};

TEST_F(PresignTest, RoundTrip) {
  const http::Request req = Presigned(3600);
  EXPECT_EQ(req.path, "/bucket/my%20key");
  EXPECT_NE(req.query.find("X-Amz-Credential=AKID%2F20261124%2Fus-east-1%2Fs3%2Faws4_request"),
            std::string::npos);
  EXPECT_TRUE(Verify(req, kNow).ok()) << Verify(req, kNow);
  EXPECT_TRUE(Verify(req, kNow + 3600).ok());
}

TEST_F(PresignTest, ExpiredIsRejected) {
  const http::Request req = Presigned(60);
  absl::Status status = Verify(req, kNow + 61);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AwsCode(status), "AccessDenied");
  EXPECT_EQ(status.message(), "Request has expired");
  EXPECT_EQ(GetAwsHttpStatus(status), 403);
}

TEST_F(PresignTest, NotYetValidIsRejected) {
  EXPECT_EQ(AwsCode(Verify(Presigned(60), kNow - 3600)), "AccessDenied");
}

TEST_F(PresignTest, ExpiresOutOfRangeIsRejected) {
  EXPECT_EQ(AwsCode(Verify(Presigned(604801), kNow)), "AuthorizationQueryParametersError");
  EXPECT_EQ(AwsCode(Verify(Presigned(0), kNow)), "AuthorizationQueryParametersError");
  EXPECT_TRUE(Verify(Presigned(604800), kNow).ok());
}

TEST_F(PresignTest, TamperingIsRejected) {
  http::Request req = Presigned(3600);
  req.path = "/bucket/other";
  EXPECT_EQ(AwsCode(Verify(req, kNow)), "SignatureDoesNotMatch");
  req = Presigned(3600);
  req.query.replace(req.query.find("versionId=v1"), 12, "versionId=v2");
  EXPECT_EQ(AwsCode(Verify(req, kNow)), "SignatureDoesNotMatch");
  req = Presigned(3600);
  req.query.replace(req.query.find("X-Amz-Expires=3600"), 18, "X-Amz-Expires=7200");
  EXPECT_EQ(AwsCode(Verify(req, kNow)), "SignatureDoesNotMatch");
  req = Presigned(3600);
  req.headers.Set("Host", "evil:9");
  EXPECT_EQ(AwsCode(Verify(req, kNow)), "SignatureDoesNotMatch");
}

// The presigned-URL example of the Amazon S3 API reference ("Authenticating Requests: Using
// Query Parameters").
TEST(PresignAwsExampleTest, MatchesPublishedSignature) {
  http::Request req = MakeRequest(
      "GET",
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
      "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
      {{"Host", "examplebucket.s3.amazonaws.com"}});
  const SigV4Auth auth = MustParse(req);
  EXPECT_TRUE(VerifySigV4(req, auth, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", kUnsignedPayload,
                          Epoch("20130524T000100Z"))
                  .ok());
}

}  // namespace
}  // namespace cleanroom::auth
