#pragma once
// Push for one Genesys org (SPEC section 6, "Push"): a notification channel subscribed to
// v2.quality.evaluations, its WebSocket read on a thread of its own, and every evaluation event
// handed on as an EvaluationHint. Notifications are not durable: the sweep stays the safety net,
// so this side aims at low latency and at never losing a socket's events by its own doing.
//
// Life of a channel: create it (POST channels), open its WebSocket, subscribe (PUT subscriptions):
// only then is it Connected (a socket opened before subscribing misses nothing in between). It
// is replaced without a gap before it expires (a tenth of its life or renewLead ahead, whichever
// is earlier, at most half its life) and at once when the service announces
// v2.system.socket_closing: the new channel is connected and subscribed first, then the old
// socket is read until it answers a ping (everything sent before that is in) or closes, then it
// is closed. Events that arrive on both during the overlap are passed on once (RecentHints).
// A socket that drops without notice, or says nothing (no heartbeat, no pong) for silenceTimeout,
// is replaced after a backoff with jitter. After maxConsecutiveFailures failures in a row, or when
// Genesys refuses the topic (a missing permission, a topic not offered), the channel is SweepOnly:
// it tries once every sweepOnlyRetry, and the state's detail says why and what to change.
//
// Threading: start() starts the thread; every callback runs on it (except Disabled, reported by
// start() on the caller's thread), one at a time, never under a lock of this class. onHint must be
// quick (enqueue into a bounded queue): while it runs, the socket is not read. stop() returns
// within about a second (the wait tick, a receive, a backoff), except while a REST call is in
// flight: OrgClient's own retry waits end when the ShutdownToken is stopped, a single request
// ends at the org's timeoutMs. Tokens: REST calls go through the org's OrgClient (its token, its
// host only); the WebSocket carries no token.
#include <Poco/Event.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "genesys/EvaluationHint.h"
#include "genesys/NotificationFrame.h"

namespace evalbridge {

class OrgClient;
class RecentHints;
class ReconnectBackoff;
class ShutdownToken;

struct NotificationChannelSettings {
  std::string topic = kEvaluationsTopic;
  // Genesys sends a heartbeat about every 30 s. After pingInterval without any frame we send
  // {"message":"ping"} (0 = never); after silenceTimeout without any frame the socket counts as
  // dropped.
  std::chrono::milliseconds pingInterval{30000};
  std::chrono::milliseconds silenceTimeout{60000};
  // Reconnect waits: initial * 2^(n-1) capped at max, uniform in the upper half (ReconnectBackoff).
  std::chrono::milliseconds backoffInitial{1000};
  std::chrono::milliseconds backoffMax{60000};
  // Failures in a row (failed set-ups, and sockets lost before they were stable) before SweepOnly.
  int maxConsecutiveFailures = 5;
  // In SweepOnly (failing, or the topic refused): one attempt per this interval.
  std::chrono::milliseconds sweepOnlyRetry{std::chrono::minutes(10)};
  // A socket that lived this long resets the failure count.
  std::chrono::milliseconds stableAfter{60000};
  // Replace a channel this long before it expires (at least a tenth of its life, at most half).
  std::chrono::milliseconds renewLead{std::chrono::minutes(10)};
  // When replacing a channel: how long the old socket is read for its last events.
  std::chrono::milliseconds drainTimeout{5000};
  // How long the thread waits at most before it looks at its clock and stop flag again.
  std::chrono::milliseconds tick{250};
  std::size_t maxFrameBytes = kMaxNotificationFrameBytes;
  std::size_t recentHintCapacity = 4096;  // duplicate suppression across a channel switch
  unsigned seed = 0;                      // jitter; 0 = random (tests may fix it)
};

enum class ChannelState {
  Stopped,       // not started, or stopped
  Disabled,      // the org has "notifications": false: start() does nothing
  Connecting,    // setting up the first channel
  Connected,     // a channel is subscribed and its socket open
  Reconnecting,  // lost (drop, silence, failed set-up): waiting for the next attempt or making it
  SweepOnly,     // failing, or the topic refused: the sweep alone carries the org; tried again rarely
};
const char* channelStateName(ChannelState state);

// Counts since construction, for metrics. Each value is read on its own (not a consistent cut).
struct NotificationCounters {
  std::uint64_t framesReceived = 0;   // text frames, whatever they held
  std::uint64_t heartbeats = 0;       // channel.metadata "WebSocket Heartbeat"
  std::uint64_t pongs = 0;            // channel.metadata "pong"
  std::uint64_t hints = 0;            // hints passed to onHint
  std::uint64_t duplicateHints = 0;   // the same event again (channel switch overlap), not passed on
  std::uint64_t malformedFrames = 0;  // skipped: not JSON, too large, binary, no id/conversationId, ...
  std::uint64_t socketClosings = 0;   // v2.system.socket_closing notices
  std::uint64_t reconnects = 0;       // channels set up after the previous one was lost or closed
  std::uint64_t renewals = 0;         // channels replaced before expiry
  std::uint64_t channelsCreated = 0;  // successful POST /api/v2/notifications/channels
  std::uint64_t subscriptionRefusals = 0;
};

class NotificationChannel {
 public:
  using HintCallback = std::function<void(const EvaluationHint&)>;
  using StateCallback = std::function<void(ChannelState state, const std::string& detail)>;

  // `client` and `shutdown` must outlive this object. The org's "notifications" setting decides
  // between a thread (true) and Disabled (false).
  NotificationChannel(OrgClient& client, NotificationChannelSettings settings, ShutdownToken& shutdown,
                      HintCallback onHint, StateCallback onStateChange = {});
  ~NotificationChannel();  // stop()
  NotificationChannel(const NotificationChannel&) = delete;
  NotificationChannel& operator=(const NotificationChannel&) = delete;

  void start();  // no-op when running
  // No-op when not running; start() may be called again afterwards. Never from a callback (it
  // joins the thread that runs them).
  void stop();

  ChannelState state() const;
  std::string stateDetail() const;
  std::string channelId() const;  // the current channel ("" when none): for status pages and tests
  NotificationCounters counters() const;

 private:
  struct Link;
  enum class End;

  // The channel thread: the life cycle, then what one link does.
  void run();
  std::unique_ptr<Link> connect();
  std::unique_ptr<Link> replace(std::unique_ptr<Link> old, End why);
  void lose(std::unique_ptr<Link> link, End why);
  void afterFailure(const std::string& why);
  void refused(const std::string& explanation);
  void connected(const Link& link);
  void failed(const std::string& why);
  std::unique_ptr<Link> establish();
  End serve(Link& link);
  void drain(Link& link);
  void leave(Link& link, bool dropSubscriptions);
  bool read(Link& link, std::chrono::milliseconds wait, End& end);
  bool handle(Link& link, const std::string& text, End& end);
  void passOn(const EvaluationHint& hint);
  bool sleepFor(std::chrono::milliseconds duration);
  bool stopping() const;
  void setState(ChannelState state, const std::string& detail);
  void setChannelId(const std::string& id);

  OrgClient& client_;
  const NotificationChannelSettings settings_;
  ShutdownToken& shutdown_;
  const HintCallback onHint_;
  const StateCallback onStateChange_;

  std::thread thread_;
  std::atomic<bool> stopRequested_{false};
  Poco::Event wake_;  // auto-reset: stop() and the ShutdownToken cut a wait short

  mutable std::mutex stateMutex_;
  ChannelState state_ = ChannelState::Stopped;
  std::string detail_;
  std::string channelId_;

  struct AtomicCounters;
  std::unique_ptr<AtomicCounters> counters_;
  // The channel thread's only.
  std::unique_ptr<RecentHints> recent_;
  std::unique_ptr<ReconnectBackoff> backoff_;
  int streak_ = 0;  // failures in a row
  bool everConnected_ = false;
};

}  // namespace evalbridge
