#include "server/ConnectionLoop.h"

#include <sys/socket.h>

#include <sstream>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>

#include "server/BufferedResponse.h"
#include "server/JsonReply.h"

namespace evalbridge {
namespace {

constexpr int kReadChunk = 16 * 1024;
// How often deadlines are checked at the latest (they are precise to about this).
const Poco::Timespan kPollTimeout(0, 100 * 1000);

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.server"); }

// Sends what the socket takes without waiting (the loop never blocks on one client); an answer
// the client does not read in time is its loss.
void sendWithoutWaiting(Poco::Net::StreamSocket& socket, const std::string& bytes) {
  try {
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()), MSG_NOSIGNAL);
  } catch (const Poco::Exception&) {
  }
}

std::string errorAnswer(int status, const std::string& reason) {
  BufferedResponse response;
  response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
  response.setKeepAlive(false);
  response.set("Server", "evalbridge");
  replyError(response, status, reason);
  return response.serialize(false);
}

std::string continueAnswer() {
  Poco::Net::HTTPResponse response(Poco::Net::HTTPMessage::HTTP_1_1, Poco::Net::HTTPResponse::HTTP_CONTINUE);
  std::ostringstream out;
  response.write(out);
  return out.str();
}

}  // namespace

ConnectionLoop::ConnectionLoop(const Poco::Net::ServerSocket& listener, const ServerLimits& limits,
                               const FramingLimits& framing, Dispatch dispatch)
    : listener_(listener), limits_(limits), framing_(framing), dispatch_(std::move(dispatch)) {}

ConnectionLoop::~ConnectionLoop() { stop(); }

void ConnectionLoop::start() {
  listener_.setBlocking(false);
  pollSet_.add(listener_, Poco::Net::PollSet::POLL_READ);
  started_ = true;
  thread_.startFunc([this] { run(); });
}

void ConnectionLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (started_) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [socket, connection] : waiting_) {
    try {
      pollSet_.remove(socket);
    } catch (const Poco::Exception&) {
    }
  }
  waiting_.clear();
  listener_.close();
}

void ConnectionLoop::run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    Poco::Net::PollSet::SocketModeMap ready;
    try {
      ready = pollSet_.poll(kPollTimeout);
    } catch (const Poco::Exception& e) {
      logger().error("http loop: poll failed: %s", e.displayText());
      Poco::Thread::sleep(100);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [socket, mode] : ready) {
      if (socket == listener_) accept();
      else read(socket);
    }
    expire(Connection::Clock::now());
  }
}

void ConnectionLoop::accept() {
  Poco::Net::StreamSocket socket;
  try {
    socket = listener_.acceptConnection();
    socket.setBlocking(false);
  } catch (const Poco::Exception&) {
    return;  // the client gave up before we took it, or no descriptor is left: poll again
  }
  if (open_ >= limits_.maxConnections) {
    // Shed load at once: no buffer, no worker, and the socket closes when this returns.
    sendWithoutWaiting(socket, errorAnswer(503, "too many connections"));
    return;
  }
  auto connection = std::make_unique<Connection>(socket, open_);
  connection->phase = Connection::Phase::Reading;
  connection->deadline = Connection::Clock::now() + limits_.requestTimeout;
  watch(std::move(connection));
}

void ConnectionLoop::read(const Poco::Net::Socket& socket) {
  auto found = waiting_.find(socket);
  if (found == waiting_.end()) return;
  Connection& connection = *found->second;
  char chunk[kReadChunk];
  int received = 0;
  try {
    received = connection.socket.receiveBytes(chunk, kReadChunk);
  } catch (const Poco::Exception&) {
    unwatch(socket);  // reset by the client
    return;
  }
  if (received < 0) return;  // nothing after all
  if (connection.phase == Connection::Phase::Lingering) {
    if (received == 0) unwatch(socket);
    return;
  }
  if (received == 0) {
    connection.peerClosed = true;
  } else {
    if (connection.phase == Connection::Phase::Idle) {
      // The next request has begun: from now on it has requestTimeout to arrive whole.
      connection.phase = Connection::Phase::Reading;
      connection.deadline = Connection::Clock::now() + limits_.requestTimeout;
    }
    connection.buffer.append(chunk, static_cast<std::size_t>(received));
  }
  std::unique_ptr<Connection> taken = unwatch(socket);
  if (advance(taken) == Step::Wait) watch(std::move(taken));
}

ConnectionLoop::Step ConnectionLoop::advance(std::unique_ptr<Connection>& connection) {
  FramedRequest framed = frameRequest(connection->buffer, framing_);
  switch (framed.state) {
    case FramedRequest::State::Complete:
      connection->buffer.erase(0, framed.consumed);
      connection->continueSent = false;
      dispatch_(std::move(connection), std::move(framed));
      return Step::Dispatched;
    case FramedRequest::State::Refused:
      refuse(*connection, framed.status, framed.reason);
      return Step::Wait;
    case FramedRequest::State::Incomplete:
      break;
  }
  if (connection->peerClosed) {
    connection.reset();
    return Step::Close;
  }
  if (framed.expectsContinue && !connection->continueSent) {
    sendWithoutWaiting(connection->socket, continueAnswer());
    connection->continueSent = true;
  }
  return Step::Wait;
}

void ConnectionLoop::refuse(Connection& connection, int status, const std::string& reason) {
  sendWithoutWaiting(connection.socket, errorAnswer(status, reason));
  try {
    connection.socket.shutdownSend();
  } catch (const Poco::Exception&) {
  }
  connection.buffer.clear();
  connection.phase = Connection::Phase::Lingering;
  connection.deadline = Connection::Clock::now() + limits_.lingerTimeout;
}

void ConnectionLoop::expire(Connection::Clock::time_point now) {
  std::vector<Poco::Net::Socket> expired;
  for (const auto& [socket, connection] : waiting_)
    if (connection->deadline <= now) expired.push_back(socket);
  for (const auto& socket : expired) {
    std::unique_ptr<Connection> connection = unwatch(socket);
    // A request cut off halfway is told why; an idle or lingering connection just closes.
    if (connection->phase == Connection::Phase::Reading && !connection->buffer.empty())
      sendWithoutWaiting(connection->socket, errorAnswer(408, "the request did not arrive in time"));
  }
}

void ConnectionLoop::resume(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  connection->socket.setBlocking(false);
  // A pipelined request may be in the buffer already: it starts its deadline now.
  connection->phase = connection->buffer.empty() ? Connection::Phase::Idle : Connection::Phase::Reading;
  connection->deadline =
      Connection::Clock::now() + (connection->buffer.empty() ? limits_.keepAliveTimeout : limits_.requestTimeout);
  if (!connection->buffer.empty() && advance(connection) != Step::Wait) return;
  watch(std::move(connection));
}

void ConnectionLoop::linger(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  connection->socket.setBlocking(false);
  connection->buffer.clear();
  connection->phase = Connection::Phase::Lingering;
  connection->deadline = Connection::Clock::now() + limits_.lingerTimeout;
  watch(std::move(connection));
}

void ConnectionLoop::watch(std::unique_ptr<Connection> connection) {
  try {
    pollSet_.add(connection->socket, Poco::Net::PollSet::POLL_READ);
  } catch (const Poco::Exception&) {
    return;  // closed meanwhile: the connection closes here
  }
  const Poco::Net::Socket key = connection->socket;
  waiting_[key] = std::move(connection);
}

std::unique_ptr<Connection> ConnectionLoop::unwatch(const Poco::Net::Socket& socket) {
  auto found = waiting_.find(socket);
  if (found == waiting_.end()) return nullptr;
  std::unique_ptr<Connection> connection = std::move(found->second);
  waiting_.erase(found);
  try {
    pollSet_.remove(connection->socket);
  } catch (const Poco::Exception&) {
  }
  return connection;
}

}  // namespace evalbridge
