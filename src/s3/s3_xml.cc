#include "s3/s3_xml.h"

#include "common/aws_error.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "protocol/errors.h"

namespace cleanroom::s3 {

absl::Status S3Err(std::string_view code, std::string_view message, int http_status,
                   absl::StatusCode canonical) {
  return AwsError(canonical, code, message, http_status);
}

absl::Status MalformedXml() {
  return S3Err("MalformedXML",
               "The XML you provided was not well-formed or did not validate against our "
               "published schema",
               400);
}

std::string XmlElement(std::string_view tag, std::string_view text) {
  return StrCat("<", tag, ">", protocol::XmlEscape(text), "</", tag, ">");
}

http::Response XmlResponse(std::string body) {
  http::Response resp;
  resp.headers.Set("content-type", "application/xml");
  resp.body = StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", body);
  return resp;
}

absl::StatusOr<pugi::xml_document> ParseXmlBody(http::BodyReader& body, size_t limit) {
  absl::StatusOr<std::string> text = http::ReadAll(body, limit);
  if (!text.ok()) {
    if (text.status().code() == absl::StatusCode::kOutOfRange) {
      return S3Err("MalformedXML", "The XML you provided is too large.", 400);
    }
    return text.status();
  }
  auto malformed = [] { return MalformedXml(); };
  pugi::xml_document doc;
  pugi::xml_parse_result result =
      doc.load_buffer(text->data(), text->size(),
                      pugi::parse_default | pugi::parse_declaration | pugi::parse_doctype);
  if (!result) return malformed();
  // Exactly one root element; document type declarations (and so entities) are refused.
  int elements = 0;
  for (pugi::xml_node node : doc.children()) {
    switch (node.type()) {
      case pugi::node_element:
        ++elements;
        break;
      case pugi::node_declaration:
      case pugi::node_comment:
      case pugi::node_pi:
        break;
      default:
        return malformed();
    }
  }
  if (elements != 1) return malformed();
  return doc;
}

std::string ChildText(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node child : node.children()) {
    std::string_view n = child.name();
    size_t colon = n.find(':');
    if (colon != std::string_view::npos) n = n.substr(colon + 1);
    if (n == name) return child.text().get();
  }
  return "";
}

}  // namespace cleanroom::s3
