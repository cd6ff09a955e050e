#include "http/GuardedBody.h"

#include <algorithm>

#include "common/Errors.h"

namespace evalbridge {

GuardedBodyBuf::GuardedBodyBuf(std::streambuf& source, Clock::time_point deadline, std::size_t maxBytes,
                               std::string what)
    : source_(source), deadline_(deadline), maxBytes_(maxBytes), what_(std::move(what)) {
  setg(buffer_, buffer_, buffer_);
}

GuardedBodyBuf::int_type GuardedBodyBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (atEnd_) return traits_type::eof();
  if (Clock::now() > deadline_)
    throw TransientError(what_ + ": the response did not arrive in time (the server sends too slowly)");
  // One read of the source (sgetc fills its buffer with whatever the socket has), then take only
  // what it holds: never block for more than one socket read.
  if (traits_type::eq_int_type(source_.sgetc(), traits_type::eof())) {
    atEnd_ = true;
    return traits_type::eof();
  }
  const std::streamsize available = std::max<std::streamsize>(1, source_.in_avail());
  const std::streamsize got = source_.sgetn(buffer_, std::min<std::streamsize>(available, sizeof buffer_));
  if (got <= 0) {
    atEnd_ = true;
    return traits_type::eof();
  }
  total_ += static_cast<std::size_t>(got);
  if (maxBytes_ > 0 && total_ > maxBytes_)
    throw PermanentError(what_ + ": the response body is larger than " + std::to_string(maxBytes_) +
                         " bytes; refusing to read more");
  setg(buffer_, buffer_, buffer_ + got);
  return traits_type::to_int_type(*gptr());
}

GuardedBody::GuardedBody(std::streambuf& source, GuardedBodyBuf::Clock::time_point deadline, std::size_t maxBytes,
                         std::string what)
    : std::istream(nullptr), buf_(source, deadline, maxBytes, std::move(what)) {
  rdbuf(&buf_);
}

}  // namespace evalbridge
