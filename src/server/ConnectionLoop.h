#pragma once
// The one thread that accepts connections and reads requests, so that a slow client costs a
// socket and a buffer, never a worker thread: a request reaches a worker only once it is in
// memory whole (RequestFraming.h). It enforces the limits of ServerLimits.h: the total deadline
// per request, the keep-alive idle timeout and the connection cap.
//
// Why a loop over Poco::Net::PollSet (epoll) rather than Poco's HTTPServer or SocketReactor:
// HTTPServer gives each connection a pool thread for its whole life and only has a per-read
// timeout, which is what let eight trickling clients take the server down; SocketReactor has no
// per-connection deadline and dispatches through self-deleting handler objects, which makes the
// hand-over of a connection to a worker and back racy to get right. Here the loop owns every
// waiting connection in one map under one mutex, and a connection is either in that map (and
// the poll set) or with exactly one worker.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include <Poco/Net/PollSet.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Thread.h>

#include "server/Connection.h"
#include "server/RequestFraming.h"
#include "server/ServerLimits.h"

namespace evalbridge {

class ConnectionLoop {
 public:
  // Called on the loop's thread (or in resume()) with a complete request; the callee owns the
  // connection from then on and gives it back with resume() or linger().
  using Dispatch = std::function<void(std::unique_ptr<Connection>, FramedRequest)>;

  ConnectionLoop(const Poco::Net::ServerSocket& listener, const ServerLimits& limits, const FramingLimits& framing,
                 Dispatch dispatch);
  ~ConnectionLoop();  // stop()
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  void start();
  // Stops accepting and closes every connection the loop holds; later resume()/linger() close.
  void stop();

  // A worker answered and the connection stays open: wait for (or dispatch) the next request.
  void resume(std::unique_ptr<Connection> connection);
  // A worker answered with "Connection: close" and shut down its sending side.
  void linger(std::unique_ptr<Connection> connection);

  std::size_t openConnections() const { return open_; }

 private:
  enum class Step { Wait, Dispatched, Close };

  void run();
  void accept();
  void read(const Poco::Net::Socket& socket);
  // Frames what the connection holds: dispatches a complete request, refuses a bad one.
  Step advance(std::unique_ptr<Connection>& connection);
  void refuse(Connection& connection, int status, const std::string& reason);
  void expire(Connection::Clock::time_point now);
  void watch(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> unwatch(const Poco::Net::Socket& socket);

  Poco::Net::ServerSocket listener_;
  ServerLimits limits_;
  FramingLimits framing_;
  Dispatch dispatch_;
  std::atomic<std::size_t> open_{0};  // every connection not yet closed, wherever it is

  std::mutex mutex_;  // guards the members below and the poll set's membership
  Poco::Net::PollSet pollSet_;
  std::map<Poco::Net::Socket, std::unique_ptr<Connection>> waiting_;
  bool stopping_ = false;

  Poco::Thread thread_{"http-loop"};
  bool started_ = false;
};

}  // namespace evalbridge
