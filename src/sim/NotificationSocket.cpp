#include "sim/NotificationSocket.h"

#include <Poco/Buffer.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>

#include <chrono>

#include "sim/NotificationFrames.h"

namespace evalbridge::sim {
namespace {

using Poco::Net::WebSocket;

constexpr int kClientFrameLimit = 64 * 1024;  // clients send pings, nothing big
const Poco::Timespan kIoTimeout(5, 0);        // a send that cannot finish in 5 s: the client is gone
const Poco::Timespan kDrainTime(1, 0);        // after our close frame, how long we read the client's reply

Poco::Timestamp::TimeDiff millis(long count) {
  return static_cast<Poco::Timestamp::TimeDiff>(count) * 1000;
}

}  // namespace

NotificationSocket::NotificationSocket(Settings settings) : settings_(std::move(settings)) {}

NotificationSocket::Queued NotificationSocket::enqueue(const std::string& frame) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return Queued::Closed;
    if (queue_.size() >= kMaxQueuedFrames) return Queued::Full;
    queue_.push_back(frame);
  }
  wake_.notify_one();
  return Queued::Yes;
}

void NotificationSocket::drop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dropRequested_ = true;
  }
  wake_.notify_one();
}

void NotificationSocket::closeWithNotice(const std::string& message, int graceMs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closeRequested_) closeRequested_ = std::make_pair(message, graceMs < 0 ? 0 : graceMs);
  }
  wake_.notify_one();
}

bool NotificationSocket::waitNoticeSent(long milliseconds) {
  return noticeSentEvent_.tryWait(milliseconds);
}

bool NotificationSocket::waitFinished(long milliseconds) {
  return finishedEvent_.tryWait(milliseconds);
}

bool NotificationSocket::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !finished_;
}

void NotificationSocket::run(const Poco::Net::WebSocket& socket) {
  socket_.emplace(socket);
  try {
    loop();
  } catch (const Poco::Exception& e) {
    // Reset by the client, broken pipe, a send that timed out: this socket is over either way.
    Poco::Logger::get("evalbridge.sim").debug("notification socket ended: %s", e.displayText());
    try {
      socket_->close();
    } catch (const Poco::Exception&) {
    }
  }
  finish();
}

void NotificationSocket::abandon() {
  finish();
}

void NotificationSocket::loop() {
  socket_->setNoDelay(true);
  socket_->setSendTimeout(kIoTimeout);
  socket_->setReceiveTimeout(kIoTimeout);  // only bounds a frame already begun: we poll before reading
  socket_->setMaxPayloadSize(kClientFrameLimit);
  const Poco::Timestamp::TimeDiff heartbeatEvery = millis(settings_.heartbeatIntervalS * 1000L);
  Poco::Timestamp nextHeartbeat;
  nextHeartbeat += heartbeatEvery;

  while (true) {
    bool dropNow = false;
    std::optional<std::pair<std::string, int>> closeNow;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kTickMs),
                     [&] { return !queue_.empty() || dropRequested_ || (closeRequested_ && !noticeSent_); });
      sending_.insert(sending_.end(), queue_.begin(), queue_.end());
      queue_.clear();
      dropNow = dropRequested_;
      if (closeRequested_ && !noticeSent_) closeNow = closeRequested_;
    }
    if (dropNow || (settings_.stopping && settings_.stopping->tryWait(0))) {
      abort();
      return;
    }
    while (!sending_.empty()) {
      sendText(sending_.front());
      sending_.pop_front();
      ++settings_.counters->sent;
    }
    const Poco::Timestamp now;
    if (closeNow && !noticeSent_) {
      sendText(socketClosingFrame(closeNow->first));
      noticeSent_ = true;
      noticeSentEvent_.set();
      closeAt_ = now + millis(closeNow->second);
    }
    if (!noticeSent_ && settings_.expires <= now) {
      if (settings_.onExpired) settings_.onExpired();  // the channel id is unknown from here on
      sendText(socketClosingFrame(kChannelExpiredMessage));
      noticeSent_ = true;
      noticeSentEvent_.set();
      closeAt_ = now;
    }
    if (closeAt_ && *closeAt_ <= now) {
      closeGracefully();
      return;
    }
    if (heartbeatEvery > 0 && nextHeartbeat <= now) {
      sendText(heartbeatFrame());
      nextHeartbeat += heartbeatEvery;
    }
    if (!readFromClient()) return;
  }
}

// Reads whatever the client sent, without waiting. Genesys answers an application-level
// {"message":"ping"} with a pong message; a WebSocket PING control frame gets a PONG frame.
// Other text is ignored.
bool NotificationSocket::readFromClient() {
  Poco::Buffer<char> buffer(0);
  while (socket_->poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
    int flags = 0;
    buffer.resize(0);
    const int length = socket_->receiveFrame(buffer, flags);
    const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
    if (length == 0 && flags == 0) {  // EOF: the client went away without a close frame
      socket_->close();
      return false;
    }
    if (opcode == WebSocket::FRAME_OP_CLOSE) {  // answer the client's close, then hang up
      socket_->shutdown();
      socket_->close();
      return false;
    }
    if (opcode == WebSocket::FRAME_OP_PING) {
      socket_->sendFrame(buffer.begin(), length, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PONG);
    } else if (opcode == WebSocket::FRAME_OP_TEXT && isPingRequest(std::string(buffer.begin(), buffer.size()))) {
      sendText(pongFrame());
    }
  }
  return true;
}

void NotificationSocket::sendText(const std::string& text) {
  socket_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
}

// Close frame 1001 (going away), FIN, then read until the client's EOF (briefly) so that the
// close does not turn into a reset that could swallow frames the client has not read yet.
void NotificationSocket::closeGracefully() {
  socket_->shutdown(WebSocket::WS_ENDPOINT_GOING_AWAY, "Socket closing");
  socket_->shutdownSend();
  Poco::Buffer<char> buffer(0);
  const Poco::Timestamp start;
  while (start.elapsed() < kDrainTime.totalMicroseconds()) {
    if (!socket_->poll(Poco::Timespan(0, 100 * 1000), Poco::Net::Socket::SELECT_READ)) continue;
    int flags = 0;
    buffer.resize(0);
    if (socket_->receiveFrame(buffer, flags) == 0 && flags == 0) break;
    if ((flags & WebSocket::FRAME_OP_BITMASK) == WebSocket::FRAME_OP_CLOSE) break;
  }
  socket_->close();
}

// A reset (linger 0): what a crashed proxy or a cut network looks like to the client.
void NotificationSocket::abort() {
  socket_->setLinger(true, 0);
  socket_->close();
}

void NotificationSocket::finish() {
  std::size_t unsent = sending_.size();
  sending_.clear();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    unsent += queue_.size();
    queue_.clear();
  }
  settings_.counters->undelivered += unsent;
  noticeSentEvent_.set();
  finishedEvent_.set();
}

}  // namespace evalbridge::sim
