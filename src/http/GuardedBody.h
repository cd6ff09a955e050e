#pragma once
// A response body as the bridge reads it: the socket's stream behind a guard that bounds what a
// hostile or broken server can cost. Poco's timeouts apply to each read, so a server that drips
// one byte every few seconds could hold a request (and an org's cycle) forever; and a server may
// send a body of any size. The guard throws TransientError once the request's deadline has
// passed, and PermanentError once the body is larger than its limit, both naming the request.
#include <chrono>
#include <cstddef>
#include <istream>
#include <streambuf>
#include <string>

namespace evalbridge {

class GuardedBodyBuf : public std::streambuf {
 public:
  using Clock = std::chrono::steady_clock;
  // maxBytes 0 = no size limit.
  GuardedBodyBuf(std::streambuf& source, Clock::time_point deadline, std::size_t maxBytes, std::string what);

  // The source said end of body. Asking it again would be wrong: a chunked body's stream reads
  // the next chunk header from the socket, which on a kept-alive connection blocks.
  bool atEnd() const { return atEnd_; }

 protected:
  int_type underflow() override;

 private:
  std::streambuf& source_;
  Clock::time_point deadline_;
  std::size_t maxBytes_;
  std::string what_;
  std::size_t total_ = 0;
  bool atEnd_ = false;
  char buffer_[16 * 1024];
};

// An istream over a GuardedBodyBuf (exceptions on badbit, as the source stream).
class GuardedBody : public std::istream {
 public:
  GuardedBody(std::streambuf& source, GuardedBodyBuf::Clock::time_point deadline, std::size_t maxBytes,
              std::string what);
  bool atEnd() const { return buf_.atEnd(); }

 private:
  GuardedBodyBuf buf_;
};

}  // namespace evalbridge
