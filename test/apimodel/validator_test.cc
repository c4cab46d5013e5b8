#include "apimodel/validator.h"

#include <string>

#include "apimodel/test_models.h"
#include "common/aws_error.h"
#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/errors.h"

namespace cleanroom::apimodel {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class ValidatorTest : public ::testing::Test {
 protected:
  const Operation& Op(std::string_view name) { return *WidgetsModel().FindOperation(name); }

  absl::StatusOr<json> Create(const json& body) {
    return BindRestJsonInput(WidgetsModel(), Op("CreateWidget"), {}, {}, body);
  }

  // The message of a failed CreateWidget call ("" if it succeeded).
  std::string CreateError(json body) {
    if (!body.contains("name")) body["name"] = "w";
    if (!body.contains("color")) body["color"] = "RED";
    absl::StatusOr<json> result = Create(body);
    return result.ok() ? "" : std::string(result.status().message());
  }

  static json FieldList(const absl::Status& status) {
    auto fields = GetAwsJsonFields(status);
    auto it = fields.find("fieldList");
    return it == fields.end() ? json() : json::parse(it->second);
  }
};

TEST_F(ValidatorTest, KeepsModeledMembersAndDropsUnknownOnesAndNulls) {
  absl::StatusOr<json> input = Create(
      {{"name", "w1"}, {"color", "RED"}, {"unknown", 1}, {"count", nullptr}, {"Legacy", "x"}});
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, json({{"name", "w1"}, {"color", "RED"}, {"Legacy", "x"}}));
}

TEST_F(ValidatorTest, MissingRequiredMembers) {
  absl::StatusOr<json> input = Create(json::object());
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(input.status().message(),
            "2 validation errors detected: "
            "Value null at 'name' failed to satisfy constraint: Member must not be null; "
            "Value null at 'color' failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(FieldList(input.status()),
            json::parse(R"([{"name": "name", "message": "Member must not be null"},
                            {"name": "color", "message": "Member must not be null"}])"));
  EXPECT_EQ(GetAwsCode(input.status()), "ValidationException");
  EXPECT_EQ(GetAwsHttpStatus(input.status()), 400);
  EXPECT_EQ(GetAwsFields(input.status()).at("reason"), "FIELD_VALIDATION_FAILED");
}

TEST_F(ValidatorTest, RendersAsRestJsonValidationException) {
  absl::StatusOr<json> input = Create({{"name", "w"}, {"color", "PINK"}});
  ASSERT_FALSE(input.ok());
  http::Response resp =
      protocol::RenderError(protocol::Protocol::kRestJson, input.status(), "rid-1");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-errortype"), "ValidationException");
  json body = json::parse(resp.body);
  EXPECT_EQ(body["message"],
            "1 validation error detected: Value 'PINK' at 'color' failed to satisfy constraint: "
            "Member must satisfy enum value set: [RED, GREEN, BLUE]");
  EXPECT_EQ(body["reason"], "FIELD_VALIDATION_FAILED");
  EXPECT_EQ(body["fieldList"], json::parse(R"([{"name": "color",
                "message": "Member must satisfy enum value set: [RED, GREEN, BLUE]"}])"));
}

TEST_F(ValidatorTest, WrongJsonTypes) {
  EXPECT_EQ(CreateError({{"name", 5}}),
            "1 validation error detected: Value '5' at 'name' failed to satisfy constraint: "
            "Member must be of type string");
  EXPECT_THAT(CreateError({{"count", "3"}}),
              HasSubstr("Value '3' at 'count' failed to satisfy constraint: Member must be of "
                        "type integer"));
  EXPECT_THAT(CreateError({{"count", 3.5}}), HasSubstr("Member must be of type integer"));
  EXPECT_THAT(CreateError({{"count", 4294967296}}), HasSubstr("Member must be of type integer"));
  EXPECT_THAT(CreateError({{"size", 1e30}}), HasSubstr("Member must be of type long"));
  EXPECT_THAT(CreateError({{"enabled", "true"}}), HasSubstr("Member must be of type boolean"));
  EXPECT_THAT(CreateError({{"createdAfter", "2024-01-01T00:00:00Z"}}),
              HasSubstr("Member must be of type timestamp"));
  EXPECT_THAT(CreateError({{"labels", "a"}}), HasSubstr("Member must be of type list"));
  EXPECT_THAT(CreateError({{"tags", json::array()}}), HasSubstr("Member must be of type map"));
  EXPECT_THAT(CreateError({{"source", "x"}}), HasSubstr("Member must be of type structure"));
  // A capitalised member is named with a lower-case first letter, as AWS does.
  EXPECT_THAT(CreateError({{"Legacy", true}}),
              HasSubstr("Value 'true' at 'legacy' failed to satisfy constraint"));
}

TEST_F(ValidatorTest, AcceptsIntegralNumbersWrittenAsFloats) {
  absl::StatusOr<json> input =
      Create({{"name", "w"}, {"color", "RED"}, {"count", 3.0}, {"createdAfter", 1717171717.5}});
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ((*input)["count"], 3);
  EXPECT_TRUE((*input)["count"].is_number_integer());
  EXPECT_EQ((*input)["createdAfter"], 1717171717.5);
}

TEST_F(ValidatorTest, StringLengthsCountCodePoints) {
  // Ten two-byte characters: 20 bytes, 10 code points.
  EXPECT_EQ(CreateError({{"name", "éééééééééé"}}), "");
  EXPECT_EQ(CreateError({{"name", "ééééééééééé"}}),
            "1 validation error detected: Value 'ééééééééééé' at 'name' failed to satisfy "
            "constraint: Member must have length less than or equal to 10");
  EXPECT_EQ(CreateError({{"name", "\xF0\x9F\x9A\x80"}}), "");  // one supplementary character
  EXPECT_THAT(CreateError({{"name", ""}}),
              HasSubstr("Value '' at 'name' failed to satisfy constraint: Member must have "
                        "length greater than or equal to 1"));
}

TEST_F(ValidatorTest, NumberRanges) {
  EXPECT_THAT(CreateError({{"count", 0}}),
              HasSubstr("Value '0' at 'count' failed to satisfy constraint: Member must have "
                        "value greater than or equal to 1"));
  EXPECT_THAT(CreateError({{"count", 101}}),
              HasSubstr("Member must have value less than or equal to 100"));
  EXPECT_EQ(CreateError({{"count", 100}}), "");
  EXPECT_THAT(CreateError({{"ratio", 0.25}}),
              HasSubstr("Value '0.25' at 'ratio' failed to satisfy constraint: Member must have "
                        "value greater than or equal to 0.5"));
  EXPECT_THAT(CreateError({{"ratio", 1.5}}),
              HasSubstr("Member must have value less than or equal to 1"));
  EXPECT_EQ(CreateError({{"ratio", 0.75}}), "");
}

TEST_F(ValidatorTest, ListsCheckSizeAndEveryElement) {
  EXPECT_THAT(CreateError({{"labels", json::array()}}),
              HasSubstr("Value '[]' at 'labels' failed to satisfy constraint: Member must have "
                        "length greater than or equal to 1"));
  EXPECT_THAT(CreateError({{"labels", {"a", "b", "c", "d"}}}),
              HasSubstr("Value '[\"a\",\"b\",\"c\",\"d\"]' at 'labels' failed to satisfy "
                        "constraint: Member must have length less than or equal to 3"));
  EXPECT_EQ(CreateError({{"labels", {"ok", nullptr, "far-too-long-label"}}}),
            "2 validation errors detected: "
            "Value null at 'labels.2.member' failed to satisfy constraint: Member must not be "
            "null; "
            "Value 'far-too-long-label' at 'labels.3.member' failed to satisfy constraint: "
            "Member must have length less than or equal to 10");
}

TEST_F(ValidatorTest, MapsCheckSizeKeysAndValues) {
  EXPECT_EQ(CreateError({{"tags", {{"ABC", "v"}}}}),
            "1 validation error detected: Value 'ABC' at 'tags' failed to satisfy constraint: "
            "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
            "[a-z]+]");
  EXPECT_EQ(CreateError({{"tags", {{"team", "123456789"}}}}),
            "1 validation error detected: Value '123456789' at 'tags.team' failed to satisfy "
            "constraint: Member must have length less than or equal to 8");
  EXPECT_THAT(CreateError({{"tags", {{"a", "1"}, {"b", "2"}, {"c", "3"}}}}),
              HasSubstr("at 'tags' failed to satisfy constraint: Member must have length less "
                        "than or equal to 2"));
  EXPECT_THAT(CreateError({{"tags", {{"a", nullptr}}}}),
              HasSubstr("Value null at 'tags.a' failed to satisfy constraint: Member must not "
                        "be null"));
  absl::StatusOr<json> ok = Create({{"name", "w"}, {"color", "RED"}, {"tags", {{"team", "x"}}}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["tags"], json({{"team", "x"}}));
}

TEST_F(ValidatorTest, UnionsNeedExactlyOneMember) {
  EXPECT_EQ(CreateError({{"source", {{"url", "https://example.com"}}}}), "");
  std::string two = CreateError({{"source", {{"text", "s3cr"}, {"url", "https://example.com"}}}});
  // Source holds a sensitive member, so the union itself is not echoed either.
  EXPECT_THAT(two, HasSubstr("Value at 'source' failed to satisfy constraint: Member must have "
                             "exactly one of the following members set: [text, url]"));
  EXPECT_THAT(two, Not(HasSubstr("s3cr")));
  EXPECT_THAT(two, HasSubstr("1 validation error detected"));
  EXPECT_THAT(CreateError({{"source", json::object()}}),
              HasSubstr("Member must have exactly one of the following members set: [text, url]"));
  // A null member does not count as set.
  EXPECT_EQ(CreateError({{"source", {{"text", nullptr}, {"url", "https://example.com"}}}}), "");
}

TEST_F(ValidatorTest, SensitiveValuesAreNeverEchoed) {
  std::string text = CreateError({{"source", {{"text", "hunter22"}}}});
  EXPECT_EQ(text,
            "1 validation error detected: Value at 'source.text' failed to satisfy constraint: "
            "Member must have length less than or equal to 5");
  EXPECT_THAT(text, Not(HasSubstr("hunter22")));

  // Everything inside a sensitive structure is hidden, not only sensitive leaves.
  std::string secret =
      CreateError({{"secret", {{"pin", "12ab"}, {"hint", "my dog's name, backwards"}}}});
  EXPECT_THAT(secret, HasSubstr("Value at 'secret.pin' failed to satisfy constraint: Member must "
                                "satisfy regular expression pattern: \\d{4}"));
  EXPECT_THAT(secret, HasSubstr("Value at 'secret.hint' failed to satisfy constraint: Member "
                                "must have length less than or equal to 10"));
  EXPECT_THAT(secret, Not(HasSubstr("12ab")));
  EXPECT_THAT(secret, Not(HasSubstr("backwards")));
  EXPECT_THAT(CreateError({{"secret", {{"pin", 1234}}}}),
              HasSubstr("Value at 'secret.pin' failed to satisfy constraint: Member must be of "
                        "type string"));
  EXPECT_THAT(CreateError({{"secret", json::object()}}),
              HasSubstr("Value null at 'secret.pin' failed to satisfy constraint: Member must "
                        "not be null"));
}

TEST_F(ValidatorTest, LongValuesAreCut) {
  std::string long_name(300, 'x');
  std::string message = CreateError({{"name", long_name}});
  EXPECT_THAT(message, HasSubstr(StrCat("Value '", std::string(256, 'x'), "...' at 'name'")));
  EXPECT_THAT(message, Not(HasSubstr(std::string(257, 'x'))));
}

TEST_F(ValidatorTest, DocumentsAreKeptAsSent) {
  json extra = json::parse(R"({"a": null, "b": [1, "two", {"c": true}]})");
  absl::StatusOr<json> input = Create({{"name", "w"}, {"color", "RED"}, {"extra", extra}});
  ASSERT_TRUE(input.ok());
  EXPECT_EQ((*input)["extra"], extra);
}

TEST_F(ValidatorTest, BindsLabelsAndTypedQueryParameters) {
  absl::StatusOr<json> input = BindRestJsonInput(
      WidgetsModel(), Op("GetWidget"), {{"widgetId", "w-0123abcd"}},
      {{"verbose", "true"}, {"asOf", "2024-01-01T00:00:00Z"}, {"ignored", "x"}}, json::object());
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, json({{"widgetId", "w-0123abcd"}, {"verbose", true}, {"asOf", 1704067200}}));

  input = BindRestJsonInput(WidgetsModel(), Op("GetWidget"), {{"widgetId", "w-0123abcd"}},
                            {{"asOf", "2024-01-01T01:00:00.5+01:00"}}, json::object());
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ((*input)["asOf"], 1704067200.5);
}

TEST_F(ValidatorTest, UnparsableQueryTextIsATypeViolation) {
  absl::StatusOr<json> input =
      BindRestJsonInput(WidgetsModel(), Op("GetWidget"), {{"widgetId", "W-0123"}},
                        {{"verbose", "yes"}, {"asOf", "yesterday"}}, json::object());
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "4 validation errors detected: "
            "Value 'W-0123' at 'widgetId' failed to satisfy constraint: Member must have length "
            "greater than or equal to 10; "
            "Value 'W-0123' at 'widgetId' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: w-[0-9a-f]{8}; "
            "Value 'yes' at 'verbose' failed to satisfy constraint: Member must be of type "
            "boolean; "
            "Value 'yesterday' at 'asOf' failed to satisfy constraint: Member must be of type "
            "timestamp");
}

TEST_F(ValidatorTest, MissingLabelIsAMissingRequiredMember) {
  absl::StatusOr<json> input =
      BindRestJsonInput(WidgetsModel(), Op("GetWidget"), {}, {}, json::object());
  ASSERT_FALSE(input.ok());
  EXPECT_THAT(std::string(input.status().message()),
              HasSubstr("Value null at 'widgetId' failed to satisfy constraint: Member must not "
                        "be null"));
}

TEST_F(ValidatorTest, BindsQueryListsAndQueryMaps) {
  absl::StatusOr<json> input = BindRestJsonInput(WidgetsModel(), Op("ListWidgets"), {},
                                                 {{"maxResults", "5"},
                                                  {"color", "RED"},
                                                  {"color", "BLUE"},
                                                  {"region", "eu"},
                                                  {"region", "us"}},
                                                 json::object());
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, json::parse(R"({"maxResults": 5, "colors": ["RED", "BLUE"],
                                    "filters": {"region": ["eu", "us"]}})"));

  input = BindRestJsonInput(WidgetsModel(), Op("ListWidgets"), {},
                            {{"color", "RED"}, {"color", "PINK"}}, json::object());
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().message(),
            "1 validation error detected: Value 'PINK' at 'colors.2.member' failed to satisfy "
            "constraint: Member must satisfy enum value set: [RED, GREEN, BLUE]");
}

TEST_F(ValidatorTest, BindsHeaders) {
  http::Headers headers;
  headers.Add("X-Trace-Id", "trace-1");
  headers.Add("X-Retries", "3");
  headers.Add("X-Meta-Owner", "alice");
  headers.Add("x-meta-team", "data");
  headers.Add("Content-Type", "application/json");
  absl::StatusOr<json> input = BindRestJsonInput(WidgetsModel(), Op("GetFile"), {{"path", "a/b"}},
                                                 {}, headers, json::object());
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(*input, json::parse(R"({"path": "a/b", "traceId": "trace-1", "retries": 3,
                                    "meta": {"owner": "alice", "team": "data"}})"));

  http::Headers bad;
  bad.Add("X-Retries", "many");
  input =
      BindRestJsonInput(WidgetsModel(), Op("GetFile"), {{"path", "a"}}, {}, bad, json::object());
  ASSERT_FALSE(input.ok());
  EXPECT_THAT(std::string(input.status().message()),
              HasSubstr("Value 'many' at 'retries' failed to satisfy constraint: Member must be "
                        "of type integer"));
}

TEST_F(ValidatorTest, OperationWithoutInputBindsAnEmptyObject) {
  absl::StatusOr<json> input =
      BindRestJsonInput(WidgetsModel(), Op("Ping"), {}, {}, json::object());
  ASSERT_TRUE(input.ok());
  EXPECT_EQ(*input, json::object());
}

TEST_F(ValidatorTest, ValidateInputChecksOneShape) {
  const Shape& widget = *WidgetsModel().FindShape("Widget");
  absl::StatusOr<json> ok = ValidateInput(widget, {{"widgetId", "w-0123abcd"}, {"name", "n"}});
  EXPECT_TRUE(ok.ok());
  absl::StatusOr<json> bad = ValidateInput(widget, {{"widgetId", "w-0123abcd"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("Value null at 'name' failed to satisfy constraint"));
}

TEST(ValidateOutputTest, AcceptsAConformingResponse) {
  const Shape& output = *WidgetsModel().FindShape("GetWidgetOutput");
  json response = json::parse(R"({"widget": {"widgetId": "w-0123abcd", "name": "n",
      "color": "GREEN", "createdAt": 1717171717.123, "source": {"url": "https://x"}}})");
  EXPECT_TRUE(ValidateOutput(output, response).empty());
  // Lengths and patterns are the server's own business in responses.
  response["widget"]["name"] = "a name longer than ten";
  response["widget"]["widgetId"] = "not-a-widget-id";
  EXPECT_TRUE(ValidateOutput(output, response).empty());
}

TEST(ValidateOutputTest, ReportsEveryStrictViolation) {
  const Shape& output = *WidgetsModel().FindShape("GetWidgetOutput");
  json response = json::parse(R"({"widget": {"name": "n", "color": "PINK", "extra": 1,
      "createdAt": "2024-01-01T00:00:00Z", "source": {"text": "a", "url": "https://x"}}})");
  std::vector<FieldViolation> violations = ValidateOutput(output, response);
  std::vector<std::pair<std::string, std::string>> got;
  for (const FieldViolation& v : violations) got.emplace_back(v.path, v.message);
  EXPECT_THAT(got,
              ::testing::UnorderedElementsAre(
                  std::pair<std::string, std::string>{"widget.widgetId", "Member must not be null"},
                  std::pair<std::string, std::string>{
                      "widget.color", "Member must satisfy enum value set: [RED, GREEN, BLUE]"},
                  std::pair<std::string, std::string>{"widget.createdAt",
                                                      "Member must be of type timestamp"},
                  std::pair<std::string, std::string>{
                      "widget.source",
                      "Member must have exactly one of the following members set: [text, url]"},
                  std::pair<std::string, std::string>{"widget.extra",
                                                      "Member is not defined in shape Widget"}));
}

TEST(ValidateOutputTest, NullsAreViolationsEvenForOptionalMembers) {
  const Shape& output = *WidgetsModel().FindShape("GetWidgetOutput");
  std::vector<FieldViolation> violations = ValidateOutput(
      output, json::parse(R"({"widget": {"widgetId": "w-0123abcd", "name": "n", "color": null}})"));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].path, "widget.color");
  EXPECT_EQ(violations[0].message, "Member must not be null");
  EXPECT_EQ(ValidateOutput(output, json::object()).size(), 1u);  // widget is required
  ASSERT_EQ(ValidateOutput(output, json::array()).size(), 1u);
  EXPECT_EQ(ValidateOutput(output, json::array())[0].path, "");
}

TEST(FieldValidationErrorTest, CarriesReasonAndFieldList) {
  absl::Status status = FieldValidationError("Invalid SQL", {{"queryString", "bad syntax"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  http::Response resp = protocol::RenderError(protocol::Protocol::kRestJson, status, "rid");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(json::parse(resp.body),
            json::parse(R"({"message": "Invalid SQL", "reason": "FIELD_VALIDATION_FAILED",
                "fieldList": [{"name": "queryString", "message": "bad syntax"}]})"));
  http::Response bare =
      protocol::RenderError(protocol::Protocol::kRestJson, FieldValidationError("x", {}), "rid");
  EXPECT_FALSE(json::parse(bare.body).contains("fieldList"));
}

}  // namespace
}  // namespace cleanroom::apimodel
