#include "http/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/strings.h"
#include "http/fd_stream.h"

namespace cleanroom::http {

std::string Endpoint::HostHeader() const { return StrCat(host, ":", port); }

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!StartsWith(url, kScheme)) {
    return absl::InvalidArgumentError(StrCat("endpoint must start with http://: ", url));
  }
  std::string_view rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  Endpoint ep;
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    ep.host = std::string(rest);
  } else {
    ep.host = std::string(rest.substr(0, colon));
    uint64_t port;
    if (!ParseUint64(rest.substr(colon + 1), &port) || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(StrCat("bad port in endpoint: ", url));
    }
    ep.port = static_cast<uint16_t>(port);
  }
  if (ep.host.empty()) return absl::InvalidArgumentError(StrCat("no host in endpoint: ", url));
  return ep;
}

absl::StatusOr<ClientResponse> Send(const Endpoint& endpoint, std::string_view method,
                                    std::string_view target, const Headers& headers,
                                    std::string_view body, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = StrCat(endpoint.port);
  if (getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    return absl::UnavailableError(StrCat("cannot resolve ", endpoint.host));
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(
        StrCat("cannot connect to ", endpoint.HostHeader(), " (is cleanroomd running?)"));
  }
  int stop_fd = -1;
  FdStream stream(fd, stop_fd, timeout_ms);
  std::string head = StrCat(method, " ", target, " HTTP/1.1\r\n");
  bool has_host = false;
  for (const auto& [name, value] : headers.fields()) {
    if (name == "host") has_host = true;
    head += StrCat(name, ": ", value, "\r\n");
  }
  if (!has_host) head += StrCat("host: ", endpoint.HostHeader(), "\r\n");
  head += StrCat("content-length: ", body.size(), "\r\nconnection: close\r\n\r\n");
  head += body;
  if (auto ec = stream.WriteAll(head)) {
    ::close(fd);
    return absl::UnavailableError(StrCat("send failed: ", ec.message()));
  }
  boost::beast::flat_buffer buffer;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  boost::system::error_code ec;
  boost::beast::http::read(stream, buffer, parser, ec);
  ::close(fd);
  if (ec) {
    if (ec == boost::asio::error::timed_out)
      return absl::DeadlineExceededError("request timed out");
    return absl::UnavailableError(StrCat("reading the response failed: ", ec.message()));
  }
  ClientResponse out;
  auto& msg = parser.get();
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    out.headers.Add(std::string_view(field.name_string().data(), field.name_string().size()),
                    std::string_view(field.value().data(), field.value().size()));
  }
  out.body = std::move(msg.body());
  return out;
}

}  // namespace cleanroom::http
