#include "http/fd_stream.h"

namespace cleanroom::http {

size_t FdStream::ReadInto(char* buf, size_t n, boost::system::error_code& ec) {
  for (;;) {
    ssize_t got = ::recv(fd_, buf, n, MSG_DONTWAIT);
    if (got > 0) {
      bytes_read_ += static_cast<uint64_t>(got);
      ec = {};
      return static_cast<size_t>(got);
    }
    if (got == 0) {
      ec = boost::asio::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int nfds = interruptible_ ? 2 : 1;
    int rc = ::poll(fds, static_cast<nfds_t>(nfds), timeout_ms_);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    if (rc == 0) {
      ec = boost::asio::error::timed_out;
      return 0;
    }
    if (interruptible_ && (fds[1].revents & POLLIN) && !(fds[0].revents & POLLIN)) {
      ec = boost::asio::error::operation_aborted;
      return 0;
    }
  }
}

boost::system::error_code FdStream::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd = {fd_, POLLOUT, 0};
      int rc = ::poll(&pfd, 1, timeout_ms_);
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) return boost::asio::error::timed_out;
      if (rc < 0) return boost::system::error_code(errno, boost::system::system_category());
      continue;
    }
    return boost::system::error_code(errno, boost::system::system_category());
  }
  return {};
}

}  // namespace cleanroom::http
