// A restJson1 service driven by its service model: routing, request binding and validation,
// and response rendering all come from the model, so a service only binds a handler per
// operation it implements.
//
//   class CleanRoomsService : public apimodel::ModeledRestJsonService {
//    public:
//     CleanRoomsService() : ModeledRestJsonService(apimodel::CleanRoomsModel()) {
//       Bind("GetCollaboration", [this](protocol::CallContext& ctx, const nlohmann::json& in) {
//         return GetCollaboration(ctx, in);   // in["collaborationIdentifier"] is validated
//       });
//     }
//   };
//
// Handle() answers each request as follows:
//  - Routing: method + the operation's requestUri. The raw path is split at '/' and each
//    segment percent-decoded, so a label may hold "%2F" (ARNs); a literal segment beats a
//    label and a label beats a greedy `{label+}`; literal query parts of a requestUri
//    ("?tagging") must be present. Sets ctx.operation. No route: 404
//    UnknownOperationException (405 when the path matches but not the method).
//  - An operation of the model with no bound handler: 501 NotImplementedException,
//    "<Operation> is not supported by cleanroomd yet" (clients do not retry 501).
//  - A body that is not a JSON object: 400 ValidationException.
//  - Input binding and validation (validator.h): 400 ValidationException with reason
//    FIELD_VALIDATION_FAILED and a fieldList.
//  - The handler's output: HTTP status = the operation's responseCode (a 204 carries no
//    body) unless a member with location "statusCode" sets it; members with location
//    "header"/"headers" become headers; the rest is the JSON body (or the payload member).
//    Content-Type: application/json and x-amzn-RequestId are set.
//  - In builds without NDEBUG every output is checked against the operation's output shape
//    (ValidateOutput); a violation answers 500 InternalServerException listing them, so tests
//    catch malformed responses.
//  - Handler errors (absl::Status, with AwsError codes) and exceptions (500) are rendered as
//    restJson1 errors (protocol::RenderError).
//
// Thread-safety: bind every handler before the first Handle; after that Handle may run on
// many threads at once (handlers must be thread-safe themselves).
#ifndef CLEANROOM_APIMODEL_MODELED_REST_JSON_SERVICE_H_
#define CLEANROOM_APIMODEL_MODELED_REST_JSON_SERVICE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "apimodel/service_model.h"
#include "nlohmann/json.hpp"
#include "protocol/service.h"

namespace cleanroom::apimodel {

class ModeledRestJsonService : public protocol::Service {
 public:
  // `input` is the validated input object (member name -> value). The result is the output
  // object, keyed by the output shape's member names.
  using Handler = std::function<absl::StatusOr<nlohmann::json>(protocol::CallContext& ctx,
                                                               const nlohmann::json& input)>;

  // `model` is not owned and must outlive the service; it must be a rest-json model.
  explicit ModeledRestJsonService(const ServiceModel& model);

  std::string_view signing_name() const override { return model_.signing_name(); }
  protocol::Protocol protocol() const override { return model_.protocol(); }
  http::Response Handle(protocol::CallContext& ctx) override;

  const ServiceModel& model() const { return model_; }
  // True if `operation` has a handler.
  bool IsBound(std::string_view operation) const;

 protected:
  // Binds the handler of `operation`, replacing any earlier one. Aborts if the model has no
  // such operation (a programming error).
  void Bind(std::string_view operation, Handler handler);
  // Binds an operation the model does not have (an extension of the API, signed and
  // authenticated like the rest): `method` + `request_uri` in the model's template syntax
  // ("/collaborations/{collaborationIdentifier}/events"), tried only when no model operation
  // matches the path. Its input is not validated: it holds the path labels and the first value
  // of each query parameter, as strings, and the handler checks them. The output is the JSON
  // body of a 200 response. Aborts if `request_uri` does not parse.
  void BindExtension(std::string_view method, std::string_view request_uri, std::string operation,
                     Handler handler);

 private:
  struct Route {
    const Operation* operation;
    Handler handler;  // empty until bound
  };

  http::Response Render(protocol::CallContext& ctx, const Operation& operation,
                        const nlohmann::json& output) const;

  struct Extension {
    std::string method;
    RequestUri uri;
    std::string operation;
    Handler handler;
  };
  // Answers with the extension matching the request, or nullopt if none does.
  std::optional<http::Response> HandleExtension(
      protocol::CallContext& ctx, const std::vector<std::string>& segments,
      const std::multimap<std::string, std::string>& query);

  const ServiceModel& model_;
  std::vector<Route> routes_;  // one per operation, in model order
  std::vector<Extension> extensions_;
};

}  // namespace cleanroom::apimodel

#endif  // CLEANROOM_APIMODEL_MODELED_REST_JSON_SERVICE_H_
