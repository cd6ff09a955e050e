#pragma once
// One open notification WebSocket, server side. The server thread that accepted the upgrade runs
// run() and is the only one that touches the socket: it writes the queued event frames in the
// order they were queued, heartbeats and pongs, reads the client's frames, and closes the socket
// when told to (drop, closing notice), when the channel expires, or when the simulator stops.
// Other threads only queue frames and post requests, so a publisher never waits on a client and
// a slow client holds up nothing but its own thread.
//
// The thread is one of the org server's pool (32), so the loop never blocks for long: it sleeps on
// a condition variable for at most kTickMs between looks at the socket, the stop event and the
// clock. Writes have a send timeout; a client that stops reading is dropped when it runs out.
#include <Poco/Event.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Timestamp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace evalbridge::sim {

// Per-channel counters, shared by the channel and every socket opened on it.
struct ChannelCounters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> undelivered{0};
};

class NotificationSocket {
 public:
  struct Settings {
    int heartbeatIntervalS = 30;            // 0 = no heartbeats
    Poco::Timestamp expires;                // the channel's end: closing notice, then close
    Poco::Event* stopping = nullptr;        // set when the simulator stops: drop at once
    std::shared_ptr<ChannelCounters> counters;
    std::function<void()> onExpired;        // run once, on this socket's thread, at expiry
  };
  enum class Queued { Yes, Full, Closed };
  static constexpr std::size_t kMaxQueuedFrames = 10000;
  static constexpr long kTickMs = 50;

  // Created before the handshake, so frames published while the 101 is on its way are queued,
  // not missed: a client that has its 101 gets every event published after it.
  explicit NotificationSocket(Settings settings);
  NotificationSocket(const NotificationSocket&) = delete;
  NotificationSocket& operator=(const NotificationSocket&) = delete;

  // --- any thread ---
  // Queues one event frame; Full when kMaxQueuedFrames wait already, Closed once it has ended.
  Queued enqueue(const std::string& frame);
  // Close the TCP connection with a reset: no notice, no close frame.
  void drop();
  // Send the socket_closing notice, keep delivering for graceMs, then close frame and close.
  void closeWithNotice(const std::string& message, int graceMs);
  // Both return true once it happened (or the socket ended anyway), false on timeout.
  bool waitNoticeSent(long milliseconds);
  bool waitFinished(long milliseconds);
  bool open() const;

  // --- the thread that accepted the upgrade ---
  // Serves the socket the handshake produced; returns when it is closed.
  void run(const Poco::Net::WebSocket& socket);
  // The handshake failed: end without a socket (queued frames count as undelivered).
  void abandon();

 private:
  void loop();
  bool readFromClient();  // false when the client closed
  void sendText(const std::string& text);
  void closeGracefully();
  void abort();
  void finish();

  std::optional<Poco::Net::WebSocket> socket_;  // set by run()
  const Settings settings_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool dropRequested_ = false;
  std::optional<std::pair<std::string, int>> closeRequested_;  // message, graceMs
  bool finished_ = false;

  // Only the socket's thread touches these.
  std::deque<std::string> sending_;  // taken from queue_, not yet written
  bool noticeSent_ = false;
  std::optional<Poco::Timestamp> closeAt_;

  Poco::Event noticeSentEvent_{Poco::Event::EVENT_MANUALRESET};
  Poco::Event finishedEvent_{Poco::Event::EVENT_MANUALRESET};
};

}  // namespace evalbridge::sim
