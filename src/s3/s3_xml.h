// Small helpers shared by the S3 handlers: error constructors and XML building/parsing.
#ifndef CLEANROOM_S3_S3_XML_H_
#define CLEANROOM_S3_S3_XML_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/message.h"
#include "pugixml.hpp"

namespace cleanroom::s3 {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// An S3 error with its code and HTTP status.
absl::Status S3Err(std::string_view code, std::string_view message, int http_status,
                   absl::StatusCode canonical = absl::StatusCode::kInvalidArgument);

// S3's MalformedXML error.
absl::Status MalformedXml();

// "<Tag>escaped</Tag>".
std::string XmlElement(std::string_view tag, std::string_view text);

// A 200 response with `body` as application/xml, prefixed by the XML declaration.
http::Response XmlResponse(std::string body);

// Reads the whole (small, verified) body of an S3 request and parses it as XML. MalformedXML
// when it is not well-formed; `limit` bounds the size.
absl::StatusOr<pugi::xml_document> ParseXmlBody(http::BodyReader& body, size_t limit);

// The text of the first child element named `name` (namespace prefixes ignored), or "".
std::string ChildText(const pugi::xml_node& node, std::string_view name);

}  // namespace cleanroom::s3

#endif  // CLEANROOM_S3_S3_XML_H_
