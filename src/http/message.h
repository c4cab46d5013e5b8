// HTTP/1.1 message types shared by the server, the protocol layer and the services.
//
// Request bodies are streamed: a handler pulls bytes through `Request::body` and never needs
// the whole body in memory. Responses carry either a small in-memory body or a `BodySource`
// that the server drains while writing.
#ifndef CLEANROOM_HTTP_MESSAGE_H_
#define CLEANROOM_HTTP_MESSAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace cleanroom::http {

// Header fields in arrival order. Names are stored lower-cased; lookups are case-insensitive.
class Headers {
 public:
  void Add(std::string_view name, std::string_view value);
  // Replaces every field named `name` with one field.
  void Set(std::string_view name, std::string_view value);
  void Remove(std::string_view name);
  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  // All values of `name`, in order.
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// A pull-based byte stream (a request body, a decoded body, a stored object).
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to `n` bytes into `buf`; returns the count, 0 only at the end of the stream.
  // Errors: kDeadlineExceeded (client too slow), kAborted (client went away),
  // kInvalidArgument (malformed framing), kDataLoss (integrity check failed).
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

// Reads `reader` to its end. Returns kOutOfRange if it holds more than `limit` bytes.
absl::StatusOr<std::string> ReadAll(BodyReader& reader, size_t limit);

// A BodyReader over an in-memory string (tests, small bodies).
class StringReader final : public BodyReader {
 public:
  explicit StringReader(std::string data) : data_(std::move(data)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

struct Request {
  std::string method;        // "GET", "PUT", ...
  std::string target;        // raw request-target as received, e.g. "/b/k%20x?uploads"
  std::string path;          // raw (still percent-encoded) path part of `target`
  std::string query;         // raw query string after '?', without the '?'
  Headers headers;
  std::optional<uint64_t> content_length;  // absent for chunked bodies
  bool chunked = false;                    // Transfer-Encoding: chunked
  BodyReader* body = nullptr;              // never null while a handler runs
  std::string remote_address;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;                    // used when `stream` is null
  std::unique_ptr<BodyReader> stream;  // if set, exactly `stream_length` bytes are sent from it
  uint64_t stream_length = 0;
  // Set by handlers for the per-request log line.
  std::string log_account;
  std::string log_service;
  std::string log_operation;
};

// The standard reason phrase for `status` ("Not Found").
std::string_view ReasonPhrase(int status);

}  // namespace cleanroom::http

#endif  // CLEANROOM_HTTP_MESSAGE_H_
