#pragma once
// One client connection of `run`'s server. It is owned by exactly one party at a time: the
// ConnectionLoop while bytes of a request are awaited (or discarded), then a worker while the
// request is answered, then the loop again if it is kept alive. Destroying it closes the socket.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

namespace evalbridge {

struct Connection {
  using Clock = std::chrono::steady_clock;
  enum class Phase {
    Idle,       // kept alive, waiting for the next request (keep-alive timeout)
    Reading,    // a request has begun, or the connection is new (request timeout)
    Lingering,  // answered with "Connection: close": discarding what the client still sends
  };

  // Counts itself in `open` until destroyed (the server's connection cap).
  Connection(const Poco::Net::StreamSocket& socket, std::atomic<std::size_t>& open);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Poco::Net::StreamSocket socket;
  Poco::Net::SocketAddress peer;
  Poco::Net::SocketAddress local;
  std::string buffer;  // read, not yet part of an answered request (a pipelined request waits here)
  Phase phase = Phase::Reading;
  Clock::time_point deadline;
  bool continueSent = false;  // "100 Continue" was sent for the current request
  bool peerClosed = false;    // the client shut down its sending side

 private:
  std::atomic<std::size_t>& open_;
};

}  // namespace evalbridge
