#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <exception>
#include <limits>
#include <memory>

#include "common/buffer_pool.h"
#include "common/logging.h"
#include "common/strings.h"
#include "http/fd_stream.h"
#include "http/read_ahead.h"

namespace cleanroom::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using Parser = bhttp::request_parser<bhttp::buffer_body>;

// Size of the connection's read buffer. Beast reads at most min(64 KiB, free capacity) per
// recv(), and an empty flat_buffer has almost none, so without a reservation a chunked body
// would arrive in 512-byte reads.
constexpr size_t kConnectionBufferSize = 64 * 1024;

// Streamed response bodies of at least this many bytes are read ahead on a helper thread
// (ReadAhead); for smaller ones starting the thread would cost more than the overlap saves.
constexpr uint64_t kReadAheadMinLength = 2 * 1024 * 1024;

// Streams the request body, sending "100 Continue" on first use when the client asked for it.
//
// A Content-Length body bypasses Beast's body parsing: the bytes that arrived with the head are
// taken from `buffer`, the rest is received straight into the caller's buffer with reads as
// large as the caller asks for, so body bytes are copied once (kernel to caller). A chunked
// body goes through Beast's parser, which removes the framing. Either way Read() fills the
// caller's buffer unless the body ends first, and leaves bytes of a pipelined next request in
// `buffer`.
class ParserBodyReader final : public BodyReader {
 public:
  ParserBodyReader(FdStream& stream, beast::flat_buffer& buffer, Parser& parser,
                   bool expect_continue, uint64_t limit)
      : stream_(stream),
        buffer_(buffer),
        parser_(parser),
        expect_continue_(expect_continue),
        limit_(limit) {
    if (!parser_.is_done() && !parser_.chunked() && parser_.content_length()) {
      direct_ = true;
      remaining_ = *parser_.content_length();
    }
  }

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (done() || n == 0) return size_t{0};
    if (!error_.ok()) return error_;
    if (expect_continue_ && !continue_sent_) {
      continue_sent_ = true;
      if (stream_.WriteAll("HTTP/1.1 100 Continue\r\n\r\n")) {
        return Fail(absl::AbortedError("client went away"));
      }
    }
    absl::StatusOr<size_t> got = direct_ ? ReadDirect(buf, n) : ReadThroughParser(buf, n);
    if (!got.ok()) return got;
    received_ += *got;
    if (received_ > limit_) return Fail(absl::OutOfRangeError("request body exceeds the limit"));
    return got;
  }

  // True once the whole body has been read (always true for a request without a body).
  bool done() const { return direct_ ? remaining_ == 0 : parser_.is_done(); }
  bool continue_sent() const { return continue_sent_; }
  bool failed() const { return !error_.ok(); }

 private:
  absl::StatusOr<size_t> ReadDirect(char* buf, size_t n) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
    size_t got = 0;
    if (buffer_.size() > 0) {
      got = std::min(want, buffer_.size());
      boost::asio::buffer_copy(boost::asio::buffer(buf, got), buffer_.data());
      buffer_.consume(got);
    }
    while (got < want) {
      boost::system::error_code ec;
      const size_t k = stream_.read_some(boost::asio::buffer(buf + got, want - got), ec);
      if (ec) return Fail(SocketError(ec));
      got += k;
    }
    remaining_ -= got;
    return got;
  }

  absl::StatusOr<size_t> ReadThroughParser(char* buf, size_t n) {
    auto& body = parser_.get().body();
    body.data = buf;
    body.size = n;
    boost::system::error_code ec;
    bhttp::read(stream_, buffer_, parser_, ec);
    if (ec == bhttp::error::need_buffer) ec = {};
    const size_t got = n - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec) {
      if (ec == bhttp::error::partial_message) return Fail(SocketError(boost::asio::error::eof));
      if (IsSocketError(ec)) return Fail(SocketError(ec));
      return Fail(absl::InvalidArgumentError(StrCat("malformed request body: ", ec.message())));
    }
    return got;
  }

  static bool IsSocketError(const boost::system::error_code& ec) {
    return ec == boost::asio::error::timed_out || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset;
  }

  static absl::Status SocketError(const boost::system::error_code& ec) {
    if (ec == boost::asio::error::timed_out) {
      return absl::DeadlineExceededError("timed out reading the request body");
    }
    if (IsSocketError(ec)) return absl::AbortedError("client closed the connection mid-body");
    return absl::AbortedError(StrCat("reading the request body: ", ec.message()));
  }

  absl::Status Fail(absl::Status status) {
    error_ = status;
    return status;
  }

  FdStream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  bool expect_continue_;
  bool continue_sent_ = false;
  bool direct_ = false;
  uint64_t remaining_ = 0;  // body bytes still to receive, when `direct_`
  uint64_t limit_;
  uint64_t received_ = 0;
  absl::Status error_;
};

std::string CanonicalHeaderName(std::string_view lower) {
  if (lower == "etag") return "ETag";
  if (StartsWith(lower, "x-amz")) return std::string(lower);
  std::string out(lower);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper = (c == '-');
  }
  return out;
}

// Serializes the status line and headers. Adds Content-Length (unless the status forbids a
// body or a HEAD response already carries one) and Connection.
std::string SerializeHead(const Request& req, const Response& resp, bool keep_alive) {
  std::string head = StrCat("HTTP/1.1 ", resp.status, " ", ReasonPhrase(resp.status), "\r\n");
  bool has_length = false;
  for (const auto& [name, value] : resp.headers.fields()) {
    if (name == "content-length") has_length = true;
    if (name == "connection") continue;
    head += CanonicalHeaderName(name);
    head += ": ";
    head += value;
    head += "\r\n";
  }
  bool no_body_status = resp.status == 204 || resp.status == 304 || resp.status < 200;
  if (!no_body_status && !(req.method == "HEAD" && has_length)) {
    if (!has_length) {
      uint64_t length = resp.stream ? resp.stream_length : resp.body.size();
      head += StrCat("Content-Length: ", length, "\r\n");
    }
  }
  head += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  head += "\r\n";
  return head;
}

// Writes `resp` fully. Returns the number of body bytes written, or nullopt if the client went
// away or the body stream failed (the connection must then be closed).
std::optional<uint64_t> WriteResponse(FdStream& stream, const Request& req, Response& resp,
                                      bool keep_alive) {
  std::string head = SerializeHead(req, resp, keep_alive);
  bool send_body = req.method != "HEAD" && resp.status != 204 && resp.status != 304;
  if (!resp.stream) {
    if (send_body) head += resp.body;
    if (stream.WriteAll(head)) return std::nullopt;
    return send_body ? resp.body.size() : 0;
  }
  if (stream.WriteAll(head)) return std::nullopt;
  if (!send_body) return 0;
  if (resp.stream_length >= kReadAheadMinLength) {
    // Produce piece i + 1 (read, decrypt) on a helper thread while piece i is sent.
    ReadAhead ahead(*resp.stream, resp.stream_length, MiBBufferPool());
    for (;;) {
      absl::StatusOr<std::string_view> piece = ahead.Next();
      if (!piece.ok()) {
        Log(LogLevel::kError, "response body stream failed",
            {{"path", req.path}, {"error", piece.status().ToString()}});
        return std::nullopt;  // cannot signal the error mid-body: close the connection
      }
      if (piece->empty()) return resp.stream_length;
      if (stream.WriteAll(*piece)) return std::nullopt;
    }
  }
  BufferPool::Buffer buf = MiBBufferPool().Get();
  const size_t kChunk = MiBBufferPool().buffer_size();
  uint64_t remaining = resp.stream_length;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, kChunk));
    absl::StatusOr<size_t> got = resp.stream->Read(buf.get(), want);
    if (!got.ok() || *got == 0) {
      Log(LogLevel::kError, "response body stream failed",
          {{"path", req.path}, {"error", got.ok() ? "short stream" : got.status().ToString()}});
      return std::nullopt;  // cannot signal the error mid-body: close the connection
    }
    if (stream.WriteAll(std::string_view(buf.get(), *got))) return std::nullopt;
    remaining -= *got;
  }
  return resp.stream_length;
}

void SplitTarget(Request& req) {
  size_t q = req.target.find('?');
  if (q == std::string::npos) {
    req.path = req.target;
  } else {
    req.path = req.target.substr(0, q);
    req.query = req.target.substr(q + 1);
  }
}

}  // namespace

Server::Server(const ServerOptions& options, Handler handler, ErrorRenderer errors)
    : options_(options), handler_(std::move(handler)), errors_(std::move(errors)) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler,
                                                      ErrorRenderer errors) {
  std::unique_ptr<Server> server(new Server(options, std::move(handler), std::move(errors)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  std::string host = options.host == "localhost" ? "127.0.0.1" : options.host;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(StrCat("not an IPv4 address: ", options.host));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 512) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        StrCat("cannot listen on ", options.host, ":", options.port, ": ", strerror(err)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  server->listen_fd_ = fd;
  server->port_ = ntohs(addr.sin_port);
  server->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->stop_fd_ < 0) return absl::InternalError("eventfd() failed");
  server->accept_thread_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

Server::~Server() {
  Shutdown();
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void Server::Shutdown() {
  if (stopping_.exchange(true)) {
    if (accept_thread_.joinable()) accept_thread_.join();
    return;
  }
  uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof(one));
  if (accept_thread_.joinable()) accept_thread_.join();
  std::unique_lock<std::mutex> lock(mu_);
  bool drained = idle_cv_.wait_for(lock, std::chrono::milliseconds(options_.shutdown_grace_ms),
                                   [&] { return active_connections_ == 0; });
  if (!drained) {
    // Past the grace period: cut the remaining connections so their threads finish; they must
    // be gone before the server (which they use) is destroyed.
    for (int fd : active_fds_) ::shutdown(fd, SHUT_RDWR);
    idle_cv_.wait(lock, [&] { return active_connections_ == 0; });
  }
}

void Server::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) break;
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char ip[INET_ADDRSTRLEN] = {0};
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
    std::string remote = StrCat(ip, ":", ntohs(peer.sin_port));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active_connections_ >= options_.max_connections) {
        static constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!::send(fd, kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(fd);
        continue;
      }
      ++active_connections_;
      active_fds_.insert(fd);
    }
    std::thread([this, fd, remote] {
      ServeConnection(fd, remote);
      std::lock_guard<std::mutex> lock(mu_);
      active_fds_.erase(fd);
      ::close(fd);
      --active_connections_;
      idle_cv_.notify_all();
    }).detach();
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void Server::ServeConnection(int fd, std::string remote) {
  FdStream stream(fd, stop_fd_, options_.io_timeout_ms);
  beast::flat_buffer buffer;
  buffer.reserve(kConnectionBufferSize);
  bool keep_alive = true;
  while (keep_alive && !stopping_) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::system::error_code ec;
    stream.set_interruptible(buffer.size() == 0);
    bhttp::read_header(stream, buffer, parser, ec);
    stream.set_interruptible(false);
    auto started = std::chrono::steady_clock::now();

    Request req;
    req.remote_address = remote;
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == boost::asio::error::eof ||
          ec == boost::asio::error::operation_aborted || ec == boost::asio::error::timed_out ||
          ec == boost::asio::error::connection_reset) {
        return;  // idle close, shutdown or a silent client
      }
      int status = ec == bhttp::error::header_limit ? 431 : 400;
      std::string_view code = status == 431 ? "RequestHeaderSectionTooLarge" : "BadRequest";
      std::string message = status == 431
                                ? "Your request header section exceeds the maximum allowed size."
                                : StrCat("Malformed HTTP request: ", ec.message());
      Response resp = errors_(req, status, code, message);
      WriteResponse(stream, req, resp, false);
      Log(LogLevel::kInfo, "request", {{"remote", remote}, {"status", status}, {"error", message}});
      return;
    }

    auto& msg = parser.get();
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    SplitTarget(req);
    for (const auto& field : msg) {
      req.headers.Add(std::string_view(field.name_string().data(), field.name_string().size()),
                      std::string_view(field.value().data(), field.value().size()));
    }
    if (auto cl = parser.content_length()) req.content_length = *cl;
    req.chunked = parser.chunked();
    bool expect_continue = false;
    if (auto expect = req.headers.Get("expect"))
      expect_continue = EqualsIgnoreCase(*expect, "100-continue");

    Response resp;
    bool body_usable = true;
    if (auto te = req.headers.Get("transfer-encoding"); te && !req.chunked) {
      // Only "chunked" is understood; anything else cannot be framed safely (RFC 9112 6.1).
      resp = errors_(req, 501, "NotImplemented",
                     StrCat("Transfer-Encoding '", *te, "' is not supported; use chunked"));
      body_usable = false;
      keep_alive = false;
    } else if (req.content_length && *req.content_length > options_.max_body_bytes) {
      resp = errors_(req, 413, "EntityTooLarge",
                     "Your proposed upload exceeds the maximum allowed size.");
      body_usable = false;
    }
    ParserBodyReader body(stream, buffer, parser, expect_continue, options_.max_body_bytes);
    req.body = &body;
    if (body_usable) {
      try {
        resp = handler_(req);
      } catch (const std::exception& e) {
        Log(LogLevel::kError, "handler threw", {{"error", e.what()}, {"path", req.path}});
        resp = errors_(req, 500, "InternalError",
                       "We encountered an internal error. Please try again.");
      }
    }

    // The body must be consumed before the next request can be read. If the client was told
    // to wait (100-continue not sent) it will not send it; otherwise drain a bounded amount.
    keep_alive = keep_alive && msg.keep_alive() && !stopping_;
    if (!body.done()) {
      if (body.failed() || (expect_continue && !body.continue_sent())) {
        keep_alive = false;
      } else {
        char sink[64 * 1024];
        uint64_t drained = 0;
        while (!body.done() && drained < 8 * 1024 * 1024) {
          absl::StatusOr<size_t> n = body.Read(sink, sizeof(sink));
          if (!n.ok() || *n == 0) break;
          drained += *n;
        }
        if (!body.done()) keep_alive = false;
      }
    }
    std::optional<uint64_t> sent = WriteResponse(stream, req, resp, keep_alive);
    if (!sent) keep_alive = false;
    double latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    nlohmann::json fields = {{"method", req.method},
                             {"path", req.path},
                             {"status", resp.status},
                             {"latency_ms", latency_ms},
                             {"account", resp.log_account},
                             {"service", resp.log_service},
                             {"operation", resp.log_operation},
                             {"bytes_out", sent.value_or(0)},
                             {"remote", remote}};
    Log(LogLevel::kInfo, "request", std::move(fields));
  }
}

}  // namespace cleanroom::http
