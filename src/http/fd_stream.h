// A blocking socket stream with poll()-based timeouts and a shutdown signal, shaped as a
// Boost.Asio SyncReadStream/SyncWriteStream so that Boost.Beast's parser can read from it.
#ifndef CLEANROOM_HTTP_FD_STREAM_H_
#define CLEANROOM_HTTP_FD_STREAM_H_

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstddef>
#include <string_view>

namespace cleanroom::http {

// Not thread-safe; owned by one connection thread. Does not own the descriptors.
class FdStream {
 public:
  FdStream(int fd, int stop_fd, int timeout_ms)
      : fd_(fd), stop_fd_(stop_fd), timeout_ms_(timeout_ms) {}

  // While set, a pending shutdown interrupts reads (used between requests on an idle
  // keep-alive connection).
  void set_interruptible(bool value) { interruptible_ = value; }
  uint64_t bytes_read() const { return bytes_read_; }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end; ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return ReadInto(static_cast<char*>(b.data()), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end; ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() > 0) {
        ec = WriteAll(std::string_view(static_cast<const char*>(b.data()), b.size()));
        return ec ? 0 : b.size();
      }
    }
    ec = {};
    return 0;
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Writes all of `data`, waiting up to the timeout for the peer to accept each piece.
  boost::system::error_code WriteAll(std::string_view data);

 private:
  size_t ReadInto(char* buf, size_t n, boost::system::error_code& ec);

  int fd_;
  int stop_fd_;
  int timeout_ms_;
  bool interruptible_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace cleanroom::http

#endif  // CLEANROOM_HTTP_FD_STREAM_H_
