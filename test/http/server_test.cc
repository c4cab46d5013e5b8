#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "gtest/gtest.h"

namespace cleanroom::http {
namespace {

constexpr int kTimeoutMs = 5000;

// A loopback TCP client that sends and receives raw bytes. Every read has a timeout, so a
// misbehaving server fails the test instead of hanging it.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() { Close(); }

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Everything up to and including the first `delim`; nullopt on timeout or close.
  std::optional<std::string> ReadUntil(std::string_view delim) {
    for (;;) {
      size_t pos = pending_.find(delim);
      if (pos != std::string::npos) return Take(pos + delim.size());
      if (!Fill(kTimeoutMs)) return std::nullopt;
    }
  }

  // Exactly `n` bytes; nullopt on timeout or close.
  std::optional<std::string> ReadExactly(size_t n) {
    while (pending_.size() < n) {
      if (!Fill(kTimeoutMs)) return std::nullopt;
    }
    return Take(n);
  }

  // Whatever arrives within `ms` milliseconds.
  std::string ReadAvailable(int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0 || !Fill(static_cast<int>(left))) break;
    }
    return Take(pending_.size());
  }

  // True if the peer closes the connection within the timeout (bytes still arriving are
  // collected and can be read afterwards with ReadAvailable).
  bool WaitForClose() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (!closed_by_peer_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return false;
      if (!Fill(static_cast<int>(left)) && !closed_by_peer_) return false;
    }
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  std::string Take(size_t n) {
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
  }

  // Appends what arrives within `timeout_ms`. False on timeout, close or error.
  bool Fill(int timeout_ms) {
    if (fd_ < 0 || closed_by_peer_) return false;
    pollfd pfd{fd_, POLLIN, 0};
    int rc = ::poll(&pfd, 1, timeout_ms);
    if (rc <= 0) return false;
    char buf[16 * 1024];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_by_peer_ = true;  // FIN or RST
      return false;
    }
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_by_peer_ = false;
  std::string pending_;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Reads one response; the body is Content-Length bytes unless `head_request` or the status
// carries none.
std::optional<RawResponse> ReadResponse(RawConnection& conn, bool head_request = false) {
  std::optional<std::string> head = conn.ReadUntil("\r\n\r\n");
  if (!head) return std::nullopt;
  RawResponse resp;
  std::vector<std::string_view> lines = Split(*head, '\n');
  std::string_view status_line = Trim(lines[0]);
  if (!StartsWith(status_line, "HTTP/1.1 ") || status_line.size() < 12) return std::nullopt;
  uint64_t status = 0;
  if (!ParseUint64(status_line.substr(9, 3), &status)) return std::nullopt;
  resp.status = static_cast<int>(status);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = Trim(lines[i]);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    resp.headers[ToLower(line.substr(0, colon))] = std::string(Trim(line.substr(colon + 1)));
  }
  bool no_body = head_request || resp.status < 200 || resp.status == 204 || resp.status == 304;
  auto cl = resp.headers.find("content-length");
  if (!no_body && cl != resp.headers.end()) {
    uint64_t length = 0;
    if (!ParseUint64(cl->second, &length)) return std::nullopt;
    std::optional<std::string> body = conn.ReadExactly(static_cast<size_t>(length));
    if (!body) return std::nullopt;
    resp.body = std::move(*body);
  }
  return resp;
}

std::string Header(const RawResponse& resp, const std::string& name) {
  auto it = resp.headers.find(name);
  return it == resp.headers.end() ? "<absent>" : it->second;
}

struct Rendered {
  int status;
  std::string code;
};

class ServerTest : public ::testing::Test {
 protected:
  // Starts a server on a free loopback port answering with `handler`.
  void StartServer(Handler handler, ServerOptions options = ServerOptions()) {
    options.host = "127.0.0.1";
    options.port = 0;
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        options,
        [this, handler = std::move(handler)](Request& req) {
          ++handler_calls_;
          return handler(req);
        },
        [this](const Request&, int status, std::string_view code, std::string_view) {
          std::lock_guard<std::mutex> lock(mu_);
          rendered_.push_back({status, std::string(code)});
          Response resp;
          resp.status = status;
          resp.body = StrCat("rendered:", code);
          return resp;
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }

  std::vector<Rendered> rendered() {
    std::lock_guard<std::mutex> lock(mu_);
    return rendered_;
  }

  std::unique_ptr<Server> server_;
  std::atomic<int> handler_calls_{0};
  std::mutex mu_;
  std::vector<Rendered> rendered_;
};

// Answers with the request body and what the server parsed from the request.
Response Echo(Request& req) {
  Response resp;
  absl::StatusOr<std::string> body = ReadAll(*req.body, size_t{1} << 30);
  if (!body.ok()) {
    resp.status = 500;
    resp.body = std::string(body.status().message());
    return resp;
  }
  resp.headers.Set("x-method", req.method);
  resp.headers.Set("x-path", req.path);
  resp.headers.Set("x-query", req.query);
  resp.headers.Set("x-chunked", req.chunked ? "yes" : "no");
  resp.headers.Set("x-content-length",
                   req.content_length ? StrCat(*req.content_length) : std::string("none"));
  resp.headers.Set("x-remote", req.remote_address);
  resp.body = std::move(*body);
  return resp;
}

TEST_F(ServerTest, ServesTwoRequestsOnOneKeepAliveConnection) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());

  ASSERT_TRUE(conn.Send("GET /a/b%20c?x=1&y HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> first = ReadResponse(conn);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(Header(*first, "connection"), "keep-alive");
  EXPECT_EQ(Header(*first, "x-method"), "GET");
  EXPECT_EQ(Header(*first, "x-path"), "/a/b%20c");
  EXPECT_EQ(Header(*first, "x-query"), "x=1&y");

  ASSERT_TRUE(conn.Send("POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"));
  std::optional<RawResponse> second = ReadResponse(conn);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(Header(*second, "x-path"), "/second");
  EXPECT_EQ(second->body, "abc");
  // Both requests arrived over the same TCP connection.
  EXPECT_EQ(Header(*first, "x-remote"), Header(*second, "x-remote"));
  EXPECT_EQ(handler_calls_.load(), 2);
}

TEST_F(ServerTest, ClosesAfterAResponseWhenTheClientAsksForIt) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(Header(*resp, "connection"), "close");
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(ServerTest, ContentLengthBodyReachesTheHandler) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "hello world");
  EXPECT_EQ(Header(*resp, "x-content-length"), "11");
  EXPECT_EQ(Header(*resp, "x-chunked"), "no");
}

TEST_F(ServerTest, PipelinedRequestAfterAContentLengthBodyIsServed) {
  // Both requests, and the first one's body, arrive in one segment: the body must end exactly
  // at its Content-Length and leave the next request's bytes for the next parse.
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(
      conn.Send("PUT /first HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde"
                "PUT /second HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"));
  std::optional<RawResponse> first = ReadResponse(conn);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Header(*first, "x-path"), "/first");
  EXPECT_EQ(first->body, "abcde");
  std::optional<RawResponse> second = ReadResponse(conn);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Header(*second, "x-path"), "/second");
  EXPECT_EQ(second->body, "xyz");
}

TEST_F(ServerTest, ContentLengthBodyFillsTheCallersBuffer) {
  // Part of the body arrives with the head and the rest later: one Read() with room for the
  // whole body returns all of it.
  auto first_read = std::make_shared<std::promise<std::string>>();
  std::future<std::string> first_read_done = first_read->get_future();
  StartServer([first_read](Request& req) {
    std::string buf(64, '\0');
    absl::StatusOr<size_t> n = req.body->Read(buf.data(), buf.size());
    first_read->set_value(n.ok() ? buf.substr(0, *n) : std::string(n.status().message()));
    absl::StatusOr<std::string> rest = ReadAll(*req.body, 1 << 20);
    Response resp;
    resp.body = rest.ok() ? StrCat("rest:", *rest) : "error";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(conn.Send("456789"));
  ASSERT_EQ(first_read_done.wait_for(std::chrono::milliseconds(kTimeoutMs)),
            std::future_status::ready);
  EXPECT_EQ(first_read_done.get(), "0123456789");
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->body, "rest:");
}

TEST_F(ServerTest, LargeContentLengthBodyArrivesIntact) {
  // Several MiB through one connection: no byte lost or reordered between the head's buffer
  // and direct reads.
  std::string payload(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>((i * 131) >> 3);
  StartServer([](Request& req) {
    Response resp;
    std::string buf(1 << 20, '\0');
    std::string all;
    for (;;) {
      absl::StatusOr<size_t> n = req.body->Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      all.append(buf.data(), *n);
    }
    resp.body = all;
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(
      StrCat("PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: ", payload.size(), "\r\n\r\n")));
  std::thread sender([&] { conn.Send(payload); });
  std::optional<RawResponse> resp = ReadResponse(conn);
  sender.join();
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(resp->body == payload) << "body of " << resp->body.size() << " bytes differs";
}

TEST_F(ServerTest, SlowContentLengthBodyTimesOut) {
  ServerOptions options;
  options.io_timeout_ms = 200;
  auto read_code = std::make_shared<std::promise<absl::StatusCode>>();
  std::future<absl::StatusCode> read_done = read_code->get_future();
  StartServer(
      [read_code](Request& req) {
        read_code->set_value(ReadAll(*req.body, size_t{1} << 30).status().code());
        return Response();
      },
      options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01"));
  ASSERT_EQ(read_done.wait_for(std::chrono::milliseconds(kTimeoutMs)), std::future_status::ready);
  EXPECT_EQ(read_done.get(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ServerTest, ChunkedBodyIsStreamedToTheHandler) {
  // The handler gets the first chunk while the client still holds back the end of the body:
  // the body is handed over as it arrives, not buffered until it is complete.
  auto first_piece = std::make_shared<std::promise<std::string>>();
  std::future<std::string> first_piece_seen = first_piece->get_future();
  StartServer([first_piece](Request& req) {
    Response resp;
    char buf[5];
    absl::StatusOr<size_t> n = req.body->Read(buf, sizeof(buf));
    first_piece->set_value(n.ok() ? std::string(buf, *n) : std::string(n.status().message()));
    absl::StatusOr<std::string> rest = ReadAll(*req.body, 1 << 20);
    resp.headers.Set("x-chunked", req.chunked ? "yes" : "no");
    resp.headers.Set("x-content-length", req.content_length ? "present" : "none");
    resp.body = rest.ok() ? StrCat(std::string(buf, 5), *rest) : "error";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(
      conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n6\r\n w"));
  ASSERT_EQ(first_piece_seen.wait_for(std::chrono::milliseconds(kTimeoutMs)),
            std::future_status::ready)
      << "the handler did not receive the first chunk before the body was complete";
  EXPECT_EQ(first_piece_seen.get(), "hello");
  ASSERT_TRUE(conn.Send("orld\r\n0\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "hello world");
  EXPECT_EQ(Header(*resp, "x-chunked"), "yes");
  EXPECT_EQ(Header(*resp, "x-content-length"), "none");
}

TEST_F(ServerTest, SendsContinueWhenTheHandlerReadsTheBody) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(
      "PUT /obj HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  // The client holds the body back until the interim response arrives.
  std::optional<std::string> interim = conn.ReadUntil("\r\n\r\n");
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(*interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(conn.Send("abcde"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "abcde");
}

TEST_F(ServerTest, AnswersWithoutContinueAndClosesWhenTheHandlerIgnoresTheBody) {
  StartServer([](Request&) {
    Response resp;
    resp.status = 403;
    resp.body = "denied";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(
      "PUT /obj HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 403);  // a final response, not "100 Continue"
  EXPECT_EQ(resp->body, "denied");
  EXPECT_EQ(Header(*resp, "connection"), "close");
  // The body was never sent, so the connection cannot be reused: the server closes it.
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.ReadAvailable(0), "");
}

TEST_F(ServerTest, HeaderSectionOverTheLimitIsRenderedAs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(Echo, options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(
      StrCat("GET / HTTP/1.1\r\nHost: h\r\nX-Big: ", std::string(4096, 'a'), "\r\n\r\n")));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 431);
  EXPECT_EQ(resp->body, "rendered:RequestHeaderSectionTooLarge");
  std::vector<Rendered> calls = rendered();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].status, 431);
  EXPECT_EQ(handler_calls_.load(), 0);
}

TEST_F(ServerTest, HeaderSectionWithinTheLimitIsServed) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(Echo, options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(
      conn.Send(StrCat("GET / HTTP/1.1\r\nHost: h\r\nX-Big: ", std::string(512, 'a'), "\r\n\r\n")));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(rendered().empty());
}

TEST_F(ServerTest, ClientDisconnectMidBodyMakesReadFail) {
  auto read_result = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> read_done = read_result->get_future();
  StartServer([read_result](Request& req) {
    // ReadAll returns OK only if Read reported the end of the stream (0).
    absl::StatusOr<std::string> body = ReadAll(*req.body, 1 << 20);
    read_result->set_value(body.status());
    return Response();
  });
  {
    RawConnection conn(server_->port());
    ASSERT_TRUE(conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789"));
    conn.Close();
  }
  ASSERT_EQ(read_done.wait_for(std::chrono::milliseconds(kTimeoutMs)), std::future_status::ready);
  absl::Status status = read_done.get();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
}

TEST_F(ServerTest, StreamedResponseSendsExactlyStreamLengthBytes) {
  StartServer([](Request& req) {
    if (req.path != "/stream") return Echo(req);
    Response resp;
    // The source holds more than the declared length: only stream_length bytes may be sent.
    resp.stream = std::make_unique<StringReader>(std::string(40, 's') + std::string(60, 'X'));
    resp.stream_length = 40;
    resp.body = "ignored";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(Header(*resp, "content-length"), "40");
  EXPECT_EQ(resp->body, std::string(40, 's'));
  // Nothing beyond the declared length follows: the next response starts cleanly.
  ASSERT_TRUE(conn.Send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> next = ReadResponse(conn);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(Header(*next, "x-path"), "/next");
}

TEST_F(ServerTest, StreamEndingEarlyClosesTheConnection) {
  StartServer([](Request&) {
    Response resp;
    resp.stream = std::make_unique<StringReader>(std::string(10, 's'));
    resp.stream_length = 40;
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<std::string> head = conn.ReadUntil("\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_NE(head->find("Content-Length: 40\r\n"), std::string::npos) << *head;
  // The client must be able to tell the body is truncated: the connection is closed.
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.ReadAvailable(0), std::string(10, 's'));
}

TEST_F(ServerTest, LargeStreamedResponseIsReadAheadAndSentWhole) {
  // Large enough for the read-ahead path, not a whole number of buffers.
  std::string data((5 << 20) + 7, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 31 + i / 997) & 0xff);
  StartServer([&data](Request& req) {
    if (req.path != "/big") return Echo(req);
    Response resp;
    resp.stream = std::make_unique<StringReader>(data + "not sent");
    resp.stream_length = data.size();
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(Header(*resp, "content-length"), std::to_string(data.size()));
  EXPECT_TRUE(resp->body == data);
  // The connection stays usable.
  ASSERT_TRUE(conn.Send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> next = ReadResponse(conn);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(Header(*next, "x-path"), "/next");
}

TEST_F(ServerTest, LargeStreamEndingEarlyClosesTheConnection) {
  StartServer([](Request&) {
    Response resp;
    resp.stream = std::make_unique<StringReader>(std::string(3 << 20, 's'));
    resp.stream_length = 5 << 20;
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<std::string> head = conn.ReadUntil("\r\n\r\n");
  ASSERT_TRUE(head.has_value());
  EXPECT_NE(head->find("Content-Length: 5242880\r\n"), std::string::npos) << *head;
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.ReadAvailable(0), std::string(3 << 20, 's'));
}

TEST_F(ServerTest, HeadResponseCarriesNoBody) {
  StartServer([](Request& req) {
    if (req.method != "HEAD") return Echo(req);
    Response resp;
    resp.body = "hello";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("HEAD /obj HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn, /*head_request=*/true);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(Header(*resp, "content-length"), "5");
  EXPECT_EQ(conn.ReadAvailable(200), "");
  ASSERT_TRUE(conn.Send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> next = ReadResponse(conn);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(Header(*next, "x-path"), "/after");
}

TEST_F(ServerTest, NoContentResponseCarriesNoBodyOrLength) {
  StartServer([](Request& req) {
    if (req.path != "/empty") return Echo(req);
    Response resp;
    resp.status = 204;
    resp.body = "must not be sent";
    return resp;
  });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("DELETE /empty HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 204);
  EXPECT_EQ(Header(*resp, "content-length"), "<absent>");
  ASSERT_TRUE(conn.Send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> next = ReadResponse(conn);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(Header(*next, "x-path"), "/after");
}

TEST_F(ServerTest, ShutdownReturnsPromptlyWithAnIdleKeepAliveConnection) {
  StartServer(Echo);  // default grace period (30 s) and I/O timeout (60 s)
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  ASSERT_EQ(Header(*resp, "connection"), "keep-alive");

  auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(ServerTest, ContentLengthAboveMaxBodyIsRenderedAs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(Echo, options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(StrCat("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 2048\r\n\r\n",
                               std::string(2048, 'b'))));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 413);
  EXPECT_EQ(resp->body, "rendered:EntityTooLarge");
  std::vector<Rendered> calls = rendered();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].status, 413);
  EXPECT_EQ(handler_calls_.load(), 0);
}

TEST_F(ServerTest, ContentLengthAtMaxBodyIsServed) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(Echo, options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(StrCat("PUT /obj HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n",
                               std::string(1024, 'b'))));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body.size(), 1024u);
}

TEST_F(ServerTest, ChunkedBodyAboveMaxBodyFailsTheRead) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto read_code = std::make_shared<std::promise<absl::StatusCode>>();
  std::future<absl::StatusCode> read_done = read_code->get_future();
  StartServer(
      [read_code](Request& req) {
        read_code->set_value(ReadAll(*req.body, size_t{1} << 30).status().code());
        Response resp;
        resp.status = 400;
        return resp;
      },
      options);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send(StrCat("PUT /obj HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
                               "800\r\n", std::string(2048, 'c'), "\r\n0\r\n\r\n")));
  ASSERT_EQ(read_done.wait_for(std::chrono::milliseconds(kTimeoutMs)), std::future_status::ready);
  EXPECT_EQ(read_done.get(), absl::StatusCode::kOutOfRange);
}

TEST_F(ServerTest, UnsupportedTransferEncodingIsRenderedAs501) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("PUT /obj HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 501);
  EXPECT_EQ(handler_calls_.load(), 0);
}

TEST_F(ServerTest, MalformedRequestIsRenderedAs400) {
  StartServer(Echo);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 400);
  std::vector<Rendered> calls = rendered();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].code, "BadRequest");
}

TEST_F(ServerTest, HandlerExceptionIsRenderedAs500) {
  StartServer([](Request&) -> Response { throw std::runtime_error("boom"); });
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> resp = ReadResponse(conn);
  ASSERT_TRUE(resp.has_value());
  EXPECT_EQ(resp->status, 500);
  std::vector<Rendered> calls = rendered();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].status, 500);
}

TEST(ServerStartTest, FailsWithUnavailableWhenThePortIsTaken) {
  ServerOptions options;
  options.port = 0;
  auto noop = [](Request&) { return Response(); };
  auto render = [](const Request&, int, std::string_view, std::string_view) { return Response(); };
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start(options, noop, render);
  ASSERT_TRUE(first.ok()) << first.status();
  options.port = (*first)->port();
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(options, noop, render);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cleanroom::http
