#include "apimodel/service_model.h"

#include <string>

#include "apimodel/test_models.h"
#include "common/strings.h"
#include "gtest/gtest.h"

namespace cleanroom::apimodel {
namespace {

TEST(ServiceModelTest, ReadsMetadata) {
  const ServiceModel& model = WidgetsModel();
  EXPECT_EQ(model.signing_name(), "widgets");
  EXPECT_EQ(model.protocol(), protocol::Protocol::kRestJson);
  EXPECT_EQ(model.protocol_name(), "rest-json");
  EXPECT_EQ(model.api_version(), "2024-01-01");
  EXPECT_EQ(model.service_id(), "Widgets");
}

TEST(ServiceModelTest, ReadsOperations) {
  const ServiceModel& model = WidgetsModel();
  ASSERT_EQ(model.operations().size(), 8u);
  EXPECT_EQ(model.operations().front().name, "CreateWidget");  // sorted by name
  const Operation* create = model.FindOperation("CreateWidget");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->method, "POST");
  EXPECT_EQ(create->request_uri, "/widgets");
  EXPECT_EQ(create->response_code, 200);
  EXPECT_EQ(create->input, model.FindShape("CreateWidgetInput"));
  EXPECT_EQ(create->output, model.FindShape("CreateWidgetOutput"));
  ASSERT_EQ(create->errors.size(), 2u);
  EXPECT_EQ(create->errors[1]->name, "ConflictException");

  const Operation* remove = model.FindOperation("DeleteWidget");
  ASSERT_NE(remove, nullptr);
  EXPECT_EQ(remove->response_code, 204);
  EXPECT_EQ(remove->uri.LabelNames(), std::vector<std::string>{"widgetId"});

  const Operation* ping = model.FindOperation("Ping");
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->input, nullptr);
  EXPECT_EQ(ping->output, nullptr);
  EXPECT_EQ(model.FindOperation("Nope"), nullptr);
}

TEST(ServiceModelTest, ReadsShapesInModelOrder) {
  const ServiceModel& model = WidgetsModel();
  const Shape* input = model.FindShape("CreateWidgetInput");
  ASSERT_NE(input, nullptr);
  EXPECT_EQ(input->type, ShapeType::kStructure);
  ASSERT_GE(input->members.size(), 3u);
  // Not alphabetical: the order the model lists them in.
  EXPECT_EQ(input->members[0].name, "name");
  EXPECT_EQ(input->members[1].name, "color");
  EXPECT_EQ(input->members[2].name, "count");
  EXPECT_TRUE(input->members[0].required);
  EXPECT_FALSE(input->members[2].required);
  EXPECT_EQ(input->required, (std::vector<std::string>{"name", "color"}));
  EXPECT_EQ(input->FindMember("count")->shape, model.FindShape("Count"));

  const Shape* count = model.FindShape("Count");
  EXPECT_EQ(count->type, ShapeType::kInteger);
  EXPECT_EQ(count->min, 1);
  EXPECT_EQ(count->max, 100);
  EXPECT_EQ(model.FindShape("Ratio")->min, 0.5);

  const Shape* color = model.FindShape("Color");
  EXPECT_EQ(color->enum_values, (std::vector<std::string>{"RED", "GREEN", "BLUE"}));
  EXPECT_EQ(model.FindShape("ColorList")->member, color);
  EXPECT_EQ(model.FindShape("TagMap")->key, model.FindShape("TagKey"));
  EXPECT_EQ(model.FindShape("TagMap")->value, model.FindShape("TagValue"));
  EXPECT_TRUE(model.FindShape("Source")->is_union);
  EXPECT_TRUE(model.FindShape("Secret")->sensitive);
  EXPECT_EQ(model.FindShape("Document")->type, ShapeType::kDocument);
  ASSERT_NE(model.FindShape("WidgetId")->pattern, nullptr);
  EXPECT_EQ(model.FindShape("WidgetId")->pattern->source(), "w-[0-9a-f]{8}");
  EXPECT_EQ(model.pattern_count(), 4u);
}

TEST(ServiceModelTest, ReadsLocationsAndErrors) {
  const ServiceModel& model = WidgetsModel();
  const Shape* file = model.FindShape("GetFileInput");
  EXPECT_EQ(file->FindMember("path")->location, Location::kUri);
  EXPECT_EQ(file->FindMember("traceId")->location, Location::kHeader);
  EXPECT_EQ(file->FindMember("traceId")->location_name, "X-Trace-Id");
  EXPECT_EQ(file->FindMember("meta")->location, Location::kHeaders);
  EXPECT_EQ(model.FindShape("GetFileOutput")->FindMember("status")->location,
            Location::kStatusCode);
  const Shape* list = model.FindShape("ListWidgetsInput");
  EXPECT_EQ(list->FindMember("colors")->location, Location::kQuery);
  EXPECT_EQ(list->FindMember("colors")->location_name, "color");
  // No locationName: the member name.
  EXPECT_EQ(list->FindMember("filters")->location_name, "filters");
  EXPECT_EQ(model.FindShape("CreateWidgetInput")->FindMember("name")->location, Location::kBody);

  const Shape* conflict = model.FindShape("ConflictException");
  EXPECT_TRUE(conflict->is_error);
  EXPECT_EQ(conflict->error_http_status, 409);
  EXPECT_EQ(conflict->error_code, "ConflictException");
  EXPECT_FALSE(model.FindShape("Widget")->is_error);
}

TEST(ServiceModelTest, AcceptsBotocoreReferenceForm) {
  absl::StatusOr<std::unique_ptr<ServiceModel>> model = ServiceModel::Parse(R"({
    "metadata": {"protocol": "json", "endpointPrefix": "things", "jsonVersion": "1.1",
                 "targetPrefix": "Things"},
    "operations": {"Go": {"name": "Go", "http": {"method": "POST", "requestUri": "/"},
                          "input": {"shape": "GoRequest"},
                          "errors": [{"shape": "Oops"}], "documentation": "x"}},
    "shapes": {
      "GoRequest": {"type": "structure", "members": {"Items": {"shape": "Items"}}},
      "Items": {"type": "list", "member": {"shape": "Item", "locationName": "item"}},
      "Item": {"type": "string", "documentation": "ignored"},
      "Oops": {"type": "structure", "members": {}, "exception": true, "fault": true,
               "error": {"code": "OopsCode"}}
    }})");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->signing_name(), "things");  // falls back to the endpoint prefix
  EXPECT_EQ((*model)->protocol(), protocol::Protocol::kJson11);
  EXPECT_EQ((*model)->FindShape("Items")->member, (*model)->FindShape("Item"));
  const Shape* oops = (*model)->FindShape("Oops");
  EXPECT_TRUE(oops->is_fault);
  EXPECT_EQ(oops->error_http_status, 500);
  EXPECT_EQ(oops->error_code, "OopsCode");
}

// Parses a one-operation rest-json model whose operation and shapes are given.
absl::Status ParseWith(std::string_view operation, std::string_view shapes) {
  std::string text =
      StrCat(R"({"metadata": {"protocol": "rest-json", "signingName": "t"}, "operations": {"Op": )",
             operation, R"(}, "shapes": {)", shapes, "}}");
  return ServiceModel::Parse(text).status();
}

constexpr std::string_view kOp = R"({"http": {"method": "GET", "requestUri": "/x"},
                                     "input": "In"})";

TEST(ServiceModelTest, RejectsBrokenModels) {
  EXPECT_TRUE(ParseWith(kOp, R"("In": {"type": "structure", "members": {}})").ok());

  EXPECT_FALSE(ServiceModel::Parse("not json").ok());
  EXPECT_FALSE(
      ServiceModel::Parse(R"({"metadata": {"protocol": "ec2", "signingName": "x"}})").ok());
  // An unknown shape reference, type or location.
  EXPECT_FALSE(
      ParseWith(kOp, R"("In": {"type": "structure", "members": {"a": {"shape": "Nope"}}})").ok());
  EXPECT_FALSE(ParseWith(kOp, R"("In": {"type": "tuple"})").ok());
  EXPECT_FALSE(ParseWith(kOp, R"("In": {"type": "structure", "members": {"a": {"shape": "S",
                         "location": "cookie"}}}, "S": {"type": "string"})")
                   .ok());
  // A required member that does not exist; a list without a member.
  EXPECT_FALSE(
      ParseWith(kOp, R"("In": {"type": "structure", "members": {}, "required": ["a"]})").ok());
  EXPECT_FALSE(ParseWith(kOp, R"("In": {"type": "structure", "members": {"a": {"shape": "L"}}},
                                 "L": {"type": "list"})")
                   .ok());
  // A pattern RE2 cannot run.
  absl::Status bad_pattern =
      ParseWith(kOp, R"("In": {"type": "structure", "members": {"a": {"shape": "S"}}},
              "S": {"type": "string", "pattern": "(a)\\1"})");
  EXPECT_FALSE(bad_pattern.ok());
  EXPECT_NE(std::string(bad_pattern.message()).find("shape S"), std::string::npos);
  // Labels and URI members must agree.
  EXPECT_FALSE(ParseWith(R"({"http": {"method": "GET", "requestUri": "/x/{id}"}, "input": "In"})",
                         R"("In": {"type": "structure", "members": {}})")
                   .ok());
  EXPECT_FALSE(ParseWith(kOp, R"("In": {"type": "structure", "members": {"id": {"shape": "S",
                         "location": "uri", "locationName": "id"}}}, "S": {"type": "string"})")
                   .ok());
  // A malformed requestUri; an input that is not a structure.
  EXPECT_FALSE(ParseWith(R"({"http": {"method": "GET", "requestUri": "/x/a{id}"}})", "").ok());
  EXPECT_FALSE(ParseWith(kOp, R"("In": {"type": "string"})").ok());
}

}  // namespace
}  // namespace cleanroom::apimodel
