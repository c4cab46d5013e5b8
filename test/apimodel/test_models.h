// A small restJson1 model for the apimodel tests, in the trimmed form that
// scripts/trim-service-model.py writes. It covers what the Clean Rooms model lacks: headers,
// a statusCode member, greedy labels, query literals, maps bound to the query string,
// timestamps in labels and query, sensitive structures and documents.
#ifndef CLEANROOM_TEST_APIMODEL_TEST_MODELS_H_
#define CLEANROOM_TEST_APIMODEL_TEST_MODELS_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "apimodel/service_model.h"

namespace cleanroom::apimodel {

inline constexpr std::string_view kWidgetsModel = R"json({
 "metadata": {"apiVersion": "2024-01-01", "protocol": "rest-json", "serviceId": "Widgets",
              "signingName": "widgets", "endpointPrefix": "widgets-api"},
 "operations": {
  "CreateWidget": {"http": {"method": "POST", "requestUri": "/widgets", "responseCode": 200},
                   "input": "CreateWidgetInput", "output": "CreateWidgetOutput",
                   "errors": ["ValidationException", "ConflictException"]},
  "GetWidget": {"http": {"method": "GET", "requestUri": "/widgets/{widgetId}"},
                "input": "GetWidgetInput", "output": "GetWidgetOutput"},
  "GetWidgetReport": {"http": {"method": "GET", "requestUri": "/widgets/report"},
                      "output": "GetWidgetReportOutput"},
  "ListWidgets": {"http": {"method": "GET", "requestUri": "/widgets"},
                  "input": "ListWidgetsInput", "output": "ListWidgetsOutput"},
  "DeleteWidget": {"http": {"method": "DELETE", "requestUri": "/widgets/{widgetId}",
                            "responseCode": 204},
                   "input": "DeleteWidgetInput", "output": "DeleteWidgetOutput"},
  "GetFile": {"http": {"method": "GET", "requestUri": "/files/{path+}"},
              "input": "GetFileInput", "output": "GetFileOutput"},
  "GetFileTagging": {"http": {"method": "GET", "requestUri": "/files/{path+}?tagging"},
                     "input": "GetFileTaggingInput", "output": "GetFileTaggingOutput"},
  "Ping": {"http": {"method": "POST", "requestUri": "/ping"}}
 },
 "shapes": {
  "Boolean": {"type": "boolean"},
  "Color": {"type": "string", "enum": ["RED", "GREEN", "BLUE"]},
  "ColorList": {"type": "list", "member": "Color"},
  "ConflictException": {"type": "structure", "members": {"message": {"shape": "String"}},
                        "error": {"httpStatusCode": 409, "senderFault": true},
                        "exception": true},
  "Count": {"type": "integer", "min": 1, "max": 100},
  "CreateWidgetInput": {"type": "structure",
   "members": {"name": {"shape": "WidgetName"}, "color": {"shape": "Color"},
               "count": {"shape": "Count"}, "ratio": {"shape": "Ratio"},
               "labels": {"shape": "LabelList"}, "tags": {"shape": "TagMap"},
               "source": {"shape": "Source"}, "secret": {"shape": "Secret"},
               "enabled": {"shape": "Boolean"}, "createdAfter": {"shape": "Timestamp"},
               "size": {"shape": "Long"}, "extra": {"shape": "Document"},
               "Legacy": {"shape": "String"}},
   "required": ["name", "color"]},
  "CreateWidgetOutput": {"type": "structure", "members": {"widget": {"shape": "Widget"}},
                         "required": ["widget"]},
  "DeleteWidgetInput": {"type": "structure",
   "members": {"widgetId": {"shape": "WidgetId", "location": "uri",
                            "locationName": "widgetId"}},
   "required": ["widgetId"]},
  "DeleteWidgetOutput": {"type": "structure", "members": {}},
  "Document": {"type": "structure", "document": true},
  "GetFileInput": {"type": "structure",
   "members": {"path": {"shape": "String", "location": "uri", "locationName": "path"},
               "traceId": {"shape": "String", "location": "header",
                           "locationName": "X-Trace-Id"},
               "retries": {"shape": "Count", "location": "header", "locationName": "X-Retries"},
               "meta": {"shape": "StringMap", "location": "headers", "locationName": "x-meta-"}},
   "required": ["path"]},
  "GetFileOutput": {"type": "structure",
   "members": {"status": {"shape": "Integer", "location": "statusCode"},
               "etag": {"shape": "String", "location": "header", "locationName": "ETag"},
               "lastModified": {"shape": "Timestamp", "location": "header",
                                "locationName": "Last-Modified"},
               "content": {"shape": "String"}}},
  "GetFileTaggingInput": {"type": "structure",
   "members": {"path": {"shape": "String", "location": "uri", "locationName": "path"}},
   "required": ["path"]},
  "GetFileTaggingOutput": {"type": "structure", "members": {"tags": {"shape": "TagMap"}}},
  "GetWidgetInput": {"type": "structure",
   "members": {"widgetId": {"shape": "WidgetId", "location": "uri", "locationName": "widgetId"},
               "verbose": {"shape": "Boolean", "location": "querystring",
                           "locationName": "verbose"},
               "asOf": {"shape": "Timestamp", "location": "querystring", "locationName": "asOf"}},
   "required": ["widgetId"]},
  "GetWidgetOutput": {"type": "structure", "members": {"widget": {"shape": "Widget"}},
                      "required": ["widget"]},
  "GetWidgetReportOutput": {"type": "structure", "members": {"report": {"shape": "String"}}},
  "Integer": {"type": "integer"},
  "LabelList": {"type": "list", "member": "WidgetName", "min": 1, "max": 3},
  "ListWidgetsInput": {"type": "structure",
   "members": {"maxResults": {"shape": "Count", "location": "querystring",
                              "locationName": "maxResults"},
               "colors": {"shape": "ColorList", "location": "querystring",
                          "locationName": "color"},
               "filters": {"shape": "StringListMap", "location": "querystring"}}},
  "ListWidgetsOutput": {"type": "structure",
   "members": {"widgets": {"shape": "WidgetList"}, "nextToken": {"shape": "String"}},
   "required": ["widgets"]},
  "Long": {"type": "long"},
  "Pin": {"type": "string", "pattern": "\\d{4}"},
  "Ratio": {"type": "double", "min": 0.5, "max": 1},
  "Secret": {"type": "structure", "sensitive": true,
   "members": {"pin": {"shape": "Pin"}, "hint": {"shape": "WidgetName"}},
   "required": ["pin"]},
  "SecretText": {"type": "string", "max": 5, "sensitive": true},
  "Source": {"type": "structure", "union": true,
   "members": {"text": {"shape": "SecretText"}, "url": {"shape": "Url"}}},
  "String": {"type": "string"},
  "StringList": {"type": "list", "member": "String"},
  "StringListMap": {"type": "map", "key": "String", "value": "StringList"},
  "StringMap": {"type": "map", "key": "String", "value": "String"},
  "TagKey": {"type": "string", "min": 1, "max": 5, "pattern": "[a-z]+"},
  "TagMap": {"type": "map", "key": "TagKey", "value": "TagValue", "max": 2},
  "TagValue": {"type": "string", "max": 8},
  "Timestamp": {"type": "timestamp"},
  "Url": {"type": "string", "pattern": "https://.*"},
  "ValidationException": {"type": "structure",
   "members": {"message": {"shape": "String"}, "reason": {"shape": "String"}},
   "error": {"httpStatusCode": 400, "senderFault": true}, "exception": true},
  "Widget": {"type": "structure",
   "members": {"widgetId": {"shape": "WidgetId"}, "name": {"shape": "WidgetName"},
               "color": {"shape": "Color"}, "createdAt": {"shape": "Timestamp"},
               "source": {"shape": "Source"}},
   "required": ["widgetId", "name"]},
  "WidgetId": {"type": "string", "min": 10, "max": 10, "pattern": "w-[0-9a-f]{8}"},
  "WidgetList": {"type": "list", "member": "Widget"},
  "WidgetName": {"type": "string", "min": 1, "max": 10}
 }
})json";

// The widgets model, parsed once.
inline const ServiceModel& WidgetsModel() {
  static const ServiceModel* const model = [] {
    absl::StatusOr<std::unique_ptr<ServiceModel>> parsed = ServiceModel::Parse(kWidgetsModel);
    if (!parsed.ok()) {
      std::fprintf(stderr, "widgets model: %s\n", std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return parsed->release();
  }();
  return *model;
}

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_TEST_APIMODEL_TEST_MODELS_H_
