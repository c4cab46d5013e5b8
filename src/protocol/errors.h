// Renders an absl::Status as an AWS error response in each protocol's own form:
//   restXml (S3):   <Error><Code/><Message/>...<RequestId/></Error>
//   query (STS/IAM):
//   <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse> awsJson1_1:
//   {"__type": code, "Message": ...} restJson1:      X-Amzn-ErrorType header + {"message": ...,
//   extra members}
// The AWS code and HTTP status come from the Status payload (common/aws_error.h) when present,
// otherwise from a per-protocol default for the canonical code. Authentication codes are
// translated to each family's names (SignatureDoesNotMatch -> InvalidSignatureException, ...).
#ifndef CLEANROOM_PROTOCOL_ERRORS_H_
#define CLEANROOM_PROTOCOL_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"
#include "http/message.h"
#include "protocol/service.h"

namespace cleanroom::protocol {

struct ResolvedError {
  int http_status;
  std::string code;
};

// The code and HTTP status `status` is answered with under `protocol`.
ResolvedError ResolveError(Protocol protocol, const absl::Status& status);

http::Response RenderError(Protocol protocol, const absl::Status& status,
                           std::string_view request_id);

// XML-escapes text for element content and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace cleanroom::protocol

#endif  // CLEANROOM_PROTOCOL_ERRORS_H_
