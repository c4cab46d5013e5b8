// The embedded AWS Clean Rooms model: it parses, every pattern compiles, and requests are
// checked against it with AWS's messages.
#include <set>
#include <string>

#include "apimodel/embedded_models.h"
#include "apimodel/service_model.h"
#include "apimodel/validator.h"
#include "common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUuid[] = "aaaaaaaa-1111-2222-3333-444444444444";

const Shape& ShapeNamed(std::string_view name) {
  const Shape* shape = CleanRoomsModel().FindShape(name);
  EXPECT_NE(shape, nullptr) << name;
  return *shape;
}

// True if `value` satisfies the pattern of Clean Rooms shape `shape`.
bool Matches(std::string_view shape, std::string_view value) {
  const Pattern* pattern = ShapeNamed(shape).pattern;
  EXPECT_NE(pattern, nullptr) << shape;
  return pattern != nullptr && pattern->Matches(value);
}

absl::StatusOr<json> Bind(std::string_view operation,
                          const std::map<std::string, std::string>& labels,
                          const std::multimap<std::string, std::string>& query, const json& body) {
  const Operation* op = CleanRoomsModel().FindOperation(operation);
  EXPECT_NE(op, nullptr) << operation;
  return BindRestJsonInput(CleanRoomsModel(), *op, labels, query, body);
}

json FieldList(const absl::Status& status) {
  auto fields = GetAwsJsonFields(status);
  return fields.count("fieldList") ? json::parse(fields.at("fieldList")) : json();
}

json ValidConfiguredTable() {
  return json::parse(R"({
    "name": "customers",
    "tableReference": {"glue": {"databaseName": "org_a_db", "tableName": "customers"}},
    "allowedColumns": ["age_group", "region"],
    "analysisMethod": "DIRECT_QUERY"})");
}

TEST(CleanRoomsModelTest, EmbeddedModelParsesWithEveryPattern) {
  absl::StatusOr<std::unique_ptr<ServiceModel>> model = ServiceModel::Parse(CleanRoomsModelJson());
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->signing_name(), "cleanrooms");
  EXPECT_EQ((*model)->protocol(), protocol::Protocol::kRestJson);
  EXPECT_EQ((*model)->api_version(), "2022-02-17");
  EXPECT_EQ((*model)->operations().size(), 88u);
  // Every distinct pattern of the model compiled (Parse fails otherwise).
  std::set<std::string> patterns;
  const json raw = json::parse(CleanRoomsModelJson());
  for (const auto& [name, shape] : raw["shapes"].items()) {
    if (shape.contains("pattern")) patterns.insert(shape["pattern"].get<std::string>());
  }
  EXPECT_EQ(patterns.size(), 40u);
  EXPECT_EQ((*model)->pattern_count(), patterns.size());
  size_t with_pattern = 0;
  for (const char* name : {"UUID", "DisplayName", "RoleArn", "AnalysisRuleColumnName",
                           "ProtectedQueryS3OutputConfigurationBucketString"}) {
    with_pattern += (*model)->FindShape(name)->pattern != nullptr;
  }
  EXPECT_EQ(with_pattern, 5u);
}

TEST(CleanRoomsModelTest, SharedInstanceIsTheEmbeddedModel) {
  const ServiceModel& model = CleanRoomsModel();
  EXPECT_EQ(&model, &CleanRoomsModel());
  const Operation* create = model.FindOperation("CreateConfiguredTable");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->method, "POST");
  EXPECT_EQ(create->request_uri, "/configuredTables");
  const Operation* remove = model.FindOperation("DeleteConfiguredTable");
  ASSERT_NE(remove, nullptr);
  EXPECT_EQ(remove->response_code, 204);
  const Shape& validation = ShapeNamed("ValidationException");
  EXPECT_TRUE(validation.is_error);
  EXPECT_EQ(validation.error_http_status, 400);
  EXPECT_EQ(ShapeNamed("ServiceQuotaExceededException").error_http_status, 402);
}

TEST(CleanRoomsModelTest, ColumnNamePatterns) {
  EXPECT_FALSE(Matches("AnalysisRuleColumnName", "AgeGroup"));
  EXPECT_TRUE(Matches("AnalysisRuleColumnName", "age_group"));
  EXPECT_TRUE(Matches("AnalysisRuleColumnName", "age group-2"));
  EXPECT_FALSE(Matches("AnalysisRuleColumnName", "age--group"));
  EXPECT_FALSE(Matches("AnalysisRuleColumnName", "-age"));
}

TEST(CleanRoomsModelTest, NamePatternsRejectBlankAndAcceptUnicode) {
  EXPECT_FALSE(Matches("CollaborationName", "   "));
  EXPECT_TRUE(Matches("CollaborationName", "Q3 retail overlap"));
  EXPECT_TRUE(Matches("DisplayName", "Analytics Lead"));
  EXPECT_TRUE(Matches("DisplayName", "Équipe données — 東京"));
  EXPECT_TRUE(Matches("DisplayName", "Rocket \xF0\x9F\x9A\x80"));
  EXPECT_FALSE(Matches("DisplayName", "two\nlines"));
  EXPECT_TRUE(Matches("CollaborationDescription", "two\nlines"));
  EXPECT_FALSE(Matches("CollaborationDescription", " \n "));
}

TEST(CleanRoomsModelTest, BucketPatternRejectsIpLikeNames) {
  const char* shape = "ProtectedQueryS3OutputConfigurationBucketString";
  EXPECT_FALSE(Matches(shape, "192.168.1.1"));
  EXPECT_TRUE(Matches(shape, "my-results"));
  EXPECT_TRUE(Matches(shape, "results.example.com"));
  EXPECT_FALSE(Matches(shape, "My_Results"));
}

TEST(CleanRoomsModelTest, IdentifierAndArnPatterns) {
  EXPECT_TRUE(Matches("UUID", kUuid));
  EXPECT_FALSE(Matches("UUID", "AAAAAAAA-1111-2222-3333-444444444444"));
  EXPECT_FALSE(Matches("CollaborationIdentifier", "aaaaaaaa11112222333344444444444444444"));
  EXPECT_TRUE(Matches("RoleArn", "arn:aws:iam::123456789012:role/CleanRoomsGlueRole"));
  EXPECT_TRUE(Matches("RoleArn", "arn:aws:iam::123456789012:role/service-role/a+b=c.d@e"));
  EXPECT_FALSE(Matches("RoleArn", "arn:aws:iam::123456789012:role/a,b"));  // ',' is not allowed
  EXPECT_FALSE(Matches("RoleArn", "arn:aws:iam::123456789012:user/alice"));
  EXPECT_TRUE(Matches("AnalysisTemplateArnOrQueryWildcard", "ANY_QUERY"));
  EXPECT_TRUE(Matches("AnalysisTemplateArnOrQueryWildcard", "ANY_JOB"));
  EXPECT_TRUE(Matches("AnalysisTemplateArnOrQueryWildcard",
                      std::string("arn:aws:cleanrooms:us-east-1:123456789012:membership/") + kUuid +
                          "/analysistemplate/" + kUuid));
  EXPECT_FALSE(Matches("AnalysisTemplateArnOrQueryWildcard", "ANY_QUERYX"));
  // Two alternatives joined by "$|^".
  EXPECT_TRUE(Matches("AdditionalAnalysesResourceArn",
                      "arn:aws:cleanrooms:us-east-1:*:membership/*/"
                      "configuredaudiencemodelassociation/*"));
  EXPECT_TRUE(Matches("AdditionalAnalysesResourceArn",
                      "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/abc/"
                      "configured-model-algorithm-association/x/y.z"));
  EXPECT_FALSE(
      Matches("AdditionalAnalysesResourceArn",
              "arn:aws:cleanrooms:us-east-1:123456789012:membership/abc/analysistemplate/x"));
}

TEST(CleanRoomsModelTest, CreateConfiguredTableReportsEnumAndPattern) {
  json body = ValidConfiguredTable();
  body["analysisMethod"] = "FOO";
  body["allowedColumns"] = {"AgeGroup"};
  absl::StatusOr<json> input = Bind("CreateConfiguredTable", {}, {}, body);
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(input.status().message(),
            "2 validation errors detected: "
            "Value 'AgeGroup' at 'allowedColumns.1.member' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: [a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?; "
            "Value 'FOO' at 'analysisMethod' failed to satisfy constraint: Member must satisfy "
            "enum value set: [DIRECT_QUERY, DIRECT_JOB, MULTIPLE]");
  EXPECT_EQ(FieldList(input.status()), json::parse(R"([
      {"name": "allowedColumns.1.member",
       "message": "Member must satisfy regular expression pattern: [a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?"},
      {"name": "analysisMethod",
       "message": "Member must satisfy enum value set: [DIRECT_QUERY, DIRECT_JOB, MULTIPLE]"}])"));
  EXPECT_EQ(GetAwsFields(input.status()).at("reason"), "FIELD_VALIDATION_FAILED");
}

TEST(CleanRoomsModelTest, CreateConfiguredTableAcceptsAValidRequest) {
  json body = ValidConfiguredTable();
  body["unknownMember"] = "ignored";
  absl::StatusOr<json> input = Bind("CreateConfiguredTable", {}, {}, body);
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, ValidConfiguredTable());
}

TEST(CleanRoomsModelTest, MissingRequiredName) {
  json body = ValidConfiguredTable();
  body.erase("name");
  absl::StatusOr<json> input = Bind("CreateConfiguredTable", {}, {}, body);
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(FieldList(input.status()),
            json::parse(R"([{"name": "name", "message": "Member must not be null"}])"));
}

TEST(CleanRoomsModelTest, TableReferenceUnionWithTwoKeys) {
  json body = ValidConfiguredTable();
  body["tableReference"]["athena"] = {
      {"workGroup", "primary"}, {"databaseName", "db"}, {"tableName", "t"}};
  absl::StatusOr<json> input = Bind("CreateConfiguredTable", {}, {}, body);
  ASSERT_FALSE(input.ok());
  std::string message(input.status().message());
  EXPECT_THAT(message, HasSubstr("1 validation error detected: Value '"));
  EXPECT_THAT(message, HasSubstr("' at 'tableReference' failed to satisfy constraint: Member "
                                 "must have exactly one of the following members set: "
                                 "[glue, snowflake, athena]"));
  EXPECT_EQ(FieldList(input.status())[0]["name"], "tableReference");
}

TEST(CleanRoomsModelTest, ListCollaborationsMaxResultsFromTheQueryString) {
  absl::StatusOr<json> zero = Bind("ListCollaborations", {}, {{"maxResults", "0"}}, json::object());
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(),
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");

  absl::StatusOr<json> too_many =
      Bind("ListCollaborations", {}, {{"maxResults", "101"}}, json::object());
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(),
            "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 100");

  absl::StatusOr<json> text =
      Bind("ListCollaborations", {}, {{"maxResults", "abc"}}, json::object());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            "1 validation error detected: Value 'abc' at 'maxResults' failed to satisfy "
            "constraint: Member must be of type integer");
  EXPECT_EQ(
      FieldList(text.status()),
      json::parse(R"([{"name": "maxResults", "message": "Member must be of type integer"}])"));

  absl::StatusOr<json> ok =
      Bind("ListCollaborations", {}, {{"maxResults", "100"}, {"memberStatus", "ACTIVE"}},
           json::object());
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok, json({{"maxResults", 100}, {"memberStatus", "ACTIVE"}}));
}

TEST(CleanRoomsModelTest, SensitiveTemplateTextIsNotEchoed) {
  const std::string secret_sql = "SELECT secret_column FROM t WHERE x = 'hunter2'";
  json body = {{"name", "tmpl"},
               {"format", "SQL"},
               {"source", {{"text", secret_sql}, {"artifacts", json::object()}}},
               {"analysisParameters",
                {{{"name", "bad name"}, {"type", "VARCHAR"}, {"defaultValue", "hunter2"}}}}};
  absl::StatusOr<json> input =
      Bind("CreateAnalysisTemplate", {{"membershipIdentifier", kUuid}}, {}, body);
  ASSERT_FALSE(input.ok());
  std::string message(input.status().message());
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(message, Not(HasSubstr("secret_column")));
  // AnalysisParameter is a sensitive structure: nothing inside it is echoed.
  EXPECT_THAT(message, HasSubstr("Value at 'analysisParameters.1.member.name' failed to satisfy "
                                 "constraint: Member must satisfy regular expression pattern: "
                                 "[0-9a-zA-Z_]+"));
  EXPECT_THAT(FieldList(input.status()).dump(), Not(HasSubstr("hunter2")));

  json sql = {{"type", "SQL"},
              {"sqlParameters", {{"queryString", secret_sql}, {"analysisTemplateArn", "nope"}}}};
  absl::StatusOr<json> query =
      Bind("StartProtectedQuery", {{"membershipIdentifier", kUuid}}, {}, sql);
  ASSERT_FALSE(query.ok());
  EXPECT_THAT(std::string(query.status().message()),
              HasSubstr("Value at 'sqlParameters.analysisTemplateArn' failed to satisfy "
                        "constraint: Member must satisfy regular expression pattern"));
  EXPECT_THAT(std::string(query.status().message()), Not(HasSubstr("nope")));
}

TEST(CleanRoomsModelTest, UntagResourceBindsArnLabelAndTagKeyList) {
  const std::string arn =
      std::string("arn:aws:cleanrooms:us-east-1:123456789012:collaboration/") + kUuid;
  absl::StatusOr<json> input = Bind("UntagResource", {{"resourceArn", arn}},
                                    {{"tagKeys", "a"}, {"tagKeys", "b"}}, json::object());
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, json({{"resourceArn", arn}, {"tagKeys", {"a", "b"}}}));
}

}  // namespace
}  // namespace cleanroom::apimodel
