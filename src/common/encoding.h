// Byte encodings used by the AWS protocols: hex, base64 and RFC 3986 percent-encoding.
#ifndef CLEANROOM_COMMON_ENCODING_H_
#define CLEANROOM_COMMON_ENCODING_H_

#include <optional>
#include <string>
#include <string_view>

namespace cleanroom {

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Decodes hex (either case). Returns nullopt on odd length or a non-hex digit.
std::optional<std::string> HexDecode(std::string_view hex);

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Decodes standard base64 (padding required when the length is not a multiple of 4 is
// tolerated). Returns nullopt on any character outside the alphabet.
std::optional<std::string> Base64Decode(std::string_view text);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when `keep_slash`).
std::string UriEncode(std::string_view text, bool keep_slash = false);
// Decodes %XX escapes; with `plus_as_space` a '+' becomes ' ' (form encoding). Returns nullopt
// on a malformed escape.
std::optional<std::string> UriDecode(std::string_view text, bool plus_as_space = false);

// True if `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace cleanroom

#endif  // CLEANROOM_COMMON_ENCODING_H_
