#include "genesys/NotificationChannel.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "common/LogEvent.h"
#include "common/WorkerThreads.h"
#include "genesys/ChannelSocket.h"
#include "genesys/NotificationApi.h"
#include "genesys/OrgClient.h"
#include "genesys/RecentHints.h"
#include "genesys/ReconnectBackoff.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

Poco::Logger& logger() {
  return Poco::Logger::get("evalbridge.notifications");
}

// Genesys refused the topic: not a failure that retrying soon would fix.
class TopicRefused : public std::runtime_error {
 public:
  explicit TopicRefused(const std::string& explanation) : std::runtime_error(explanation) {}
};

std::string inWords(milliseconds duration) {
  if (duration.count() < 10000) return std::to_string(duration.count()) + " ms";
  if (duration.count() < 120000) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count() / 60000) + " min";
}

}  // namespace

const char* channelStateName(ChannelState state) {
  switch (state) {
    case ChannelState::Stopped:
      return "stopped";
    case ChannelState::Disabled:
      return "disabled";
    case ChannelState::Connecting:
      return "connecting";
    case ChannelState::Connected:
      return "connected";
    case ChannelState::Reconnecting:
      return "reconnecting";
    case ChannelState::SweepOnly:
      return "sweep-only";
  }
  return "unknown";
}

struct NotificationChannel::AtomicCounters {
  std::atomic<std::uint64_t> framesReceived{0}, heartbeats{0}, pongs{0}, hints{0}, duplicateHints{0},
      malformedFrames{0}, socketClosings{0}, reconnects{0}, renewals{0}, channelsCreated{0}, subscriptionRefusals{0};
};

// One channel with its open, subscribed socket.
struct NotificationChannel::Link {
  NotificationChannelInfo channel;
  std::unique_ptr<ChannelSocket> socket;
  Clock::time_point connectedAt;
  Clock::time_point lastFrame;  // any frame at all: the silence clock
  Clock::time_point lastPing;
  Clock::time_point renewAt;
  int pingsUnanswered = 0;
  int renewFailures = 0;
};

enum class NotificationChannel::End {
  Stop,     // stop() or shutdown
  Renew,    // the channel nears its expiry
  Closing,  // v2.system.socket_closing
  Dropped,  // the socket closed or failed without notice
  Silent,   // nothing for silenceTimeout
};

NotificationChannel::NotificationChannel(OrgClient& client, NotificationChannelSettings settings,
                                         ShutdownToken& shutdown, HintCallback onHint, StateCallback onStateChange)
    : client_(client),
      settings_(std::move(settings)),
      shutdown_(shutdown),
      onHint_(std::move(onHint)),
      onStateChange_(std::move(onStateChange)),
      counters_(std::make_unique<AtomicCounters>()) {}

NotificationChannel::~NotificationChannel() {
  stop();
}

void NotificationChannel::start() {
  if (thread_.joinable()) return;
  if (!client_.org().notifications) {
    setState(ChannelState::Disabled,
             "org " + client_.org().name + ": \"notifications\" is false; evaluations arrive by the sweep only");
    return;
  }
  stopRequested_ = false;
  wake_.reset();
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    // Push is a shortcut: the sweep carries the org without it.
    const std::string meanwhile = " for its notification channel; evaluations arrive by the sweep only until the "
                                  "bridge restarts. ";
    const std::string orElse = ", or set \"notifications\": false for orgs that can do without push";
    setState(ChannelState::SweepOnly,
             "org " + client_.org().name + ": " + refusedThreadText(e) + meanwhile + kThreadLimitAdvice + orElse);
  }
}

void NotificationChannel::stop() {
  if (!thread_.joinable()) return;
  stopRequested_ = true;
  wake_.set();
  thread_.join();
}

bool NotificationChannel::stopping() const {
  return stopRequested_ || shutdown_.stopRequested();
}

bool NotificationChannel::sleepFor(milliseconds duration) {
  const auto until = Clock::now() + duration;
  while (!stopping()) {
    const auto left = duration_cast<milliseconds>(until - Clock::now());
    if (left.count() <= 0) return true;
    wake_.tryWait(static_cast<long>(left.count()));
  }
  return false;
}

ChannelState NotificationChannel::state() const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  return state_;
}

std::string NotificationChannel::stateDetail() const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  return detail_;
}

std::string NotificationChannel::channelId() const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  return channelId_;
}

void NotificationChannel::setChannelId(const std::string& id) {
  std::lock_guard<std::mutex> lock(stateMutex_);
  channelId_ = id;
}

NotificationCounters NotificationChannel::counters() const {
  NotificationCounters out;
  const AtomicCounters& c = *counters_;
  out.framesReceived = c.framesReceived;
  out.heartbeats = c.heartbeats;
  out.pongs = c.pongs;
  out.hints = c.hints;
  out.duplicateHints = c.duplicateHints;
  out.malformedFrames = c.malformedFrames;
  out.socketClosings = c.socketClosings;
  out.reconnects = c.reconnects;
  out.renewals = c.renewals;
  out.channelsCreated = c.channelsCreated;
  out.subscriptionRefusals = c.subscriptionRefusals;
  return out;
}

void NotificationChannel::setState(ChannelState state, const std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    if (state == state_ && detail == detail_) return;
    state_ = state;
    detail_ = detail;
  }
  const auto priority = state == ChannelState::SweepOnly      ? Poco::Message::PRIO_WARNING
                        : state == ChannelState::Reconnecting ? Poco::Message::PRIO_NOTICE
                                                              : Poco::Message::PRIO_INFORMATION;
  logEvent(logger(), priority, "notifications " + std::string(channelStateName(state)) + ": " + detail,
           {{"org", client_.org().name}, {"state", channelStateName(state)}});
  if (!onStateChange_) return;
  try {
    onStateChange_(state, detail);
  } catch (const std::exception& e) {
    logger().error("org %s: notification state callback failed: %s", client_.org().name, errorText(e));
  } catch (...) {
    logger().error("org %s: notification state callback failed", client_.org().name);
  }
}

std::unique_ptr<NotificationChannel::Link> NotificationChannel::establish() {
  auto link = std::make_unique<Link>();
  link->channel = createNotificationChannel(client_);
  ++counters_->channelsCreated;
  ChannelSocket::Options options;
  options.caFile = client_.org().caFile;
  options.connectTimeoutMs = client_.org().timeoutMs;
  options.maxMessageBytes = settings_.maxFrameBytes;
  options.proxies = client_.proxies();
  // Connected before subscribing, so that no event finds the channel subscribed but without a socket.
  link->socket = std::make_unique<ChannelSocket>(link->channel.connectUri, options);
  const TopicSubscription subscription = subscribeChannel(client_, link->channel.id, settings_.topic);
  if (!subscription.accepted) {
    ++counters_->subscriptionRefusals;
    link->socket->close();
    throw TopicRefused(subscription.explanation);
  }
  const auto now = Clock::now();
  link->connectedAt = link->lastFrame = link->lastPing = now;
  // Time left by our clock; replace the channel a tenth of its life or renewLead ahead, whichever
  // is earlier, but never in its first half (a short-lived channel would be replaced at once).
  const milliseconds left(std::max<Poco::Timestamp::TimeDiff>(0, (link->channel.expires - Poco::Timestamp()) / 1000));
  const milliseconds lead = std::min(std::max(left / 10, settings_.renewLead), left / 2);
  // At least a second: a channel that comes back already expired (a clock far off, a broken
  // answer) must not be replaced in a tight loop.
  link->renewAt = now + std::max(milliseconds(1000), left - lead);
  return link;
}

// Reads one text frame and acts on it; true (with `end` set) when the socket must be left.
bool NotificationChannel::handle(Link& link, const std::string& text, End& end) {
  ++counters_->framesReceived;
  const NotificationFrame frame = parseNotificationFrame(text, settings_.maxFrameBytes);
  switch (frame.kind) {
    case NotificationFrame::Kind::Heartbeat:
      ++counters_->heartbeats;
      return false;
    case NotificationFrame::Kind::Pong:
      ++counters_->pongs;
      link.pingsUnanswered = std::max(0, link.pingsUnanswered - 1);
      return false;
    case NotificationFrame::Kind::Metadata:
    case NotificationFrame::Kind::OtherTopic:
      logger().debug("org %s: notification of topic %s ignored", client_.org().name, frame.topicName);
      return false;
    case NotificationFrame::Kind::SocketClosing:
      ++counters_->socketClosings;
      end = End::Closing;
      return true;
    case NotificationFrame::Kind::Malformed: {
      const std::uint64_t count = ++counters_->malformedFrames;
      // The content is customer data (or junk): only the topic and the reason are logged, and a
      // flood is logged sparsely.
      const auto priority = count <= 10 || count % 1000 == 0 ? Poco::Message::PRIO_WARNING : Poco::Message::PRIO_DEBUG;
      logEvent(logger(), priority,
               "notification frame skipped (topic " + (frame.topicName.empty() ? "?" : frame.topicName) +
                   "): " + frame.problem + "; " + std::to_string(count) + " skipped so far",
               {{"org", client_.org().name}});
      return false;
    }
    case NotificationFrame::Kind::Evaluation:
      passOn(frame.hint);
      return false;
  }
  return false;
}

void NotificationChannel::passOn(const EvaluationHint& hint) {
  if (!recent_->firstTime(hint)) {
    ++counters_->duplicateHints;
    return;
  }
  ++counters_->hints;
  try {
    onHint_(hint);
  } catch (const std::exception& e) {
    // The receiver's problem must not stop the channel; the sweep will bring the evaluation.
    logEvent(logger(), Poco::Message::PRIO_ERROR, "notification hint not taken: " + errorText(e),
             {{"org", client_.org().name}, {"evaluationId", hint.evaluationId}});
  } catch (...) {
    logEvent(logger(), Poco::Message::PRIO_ERROR, "notification hint not taken: unknown exception",
             {{"org", client_.org().name}, {"evaluationId", hint.evaluationId}});
  }
}

// Waits up to `wait` for one message on the link's socket; true (with `end` set) when the socket
// must be left.
bool NotificationChannel::read(Link& link, milliseconds wait, End& end) {
  const ChannelSocket::Message message = link.socket->receive(wait);
  switch (message.kind) {
    case ChannelSocket::Message::Kind::None:
      return false;
    case ChannelSocket::Message::Kind::Control:
      link.lastFrame = Clock::now();
      return false;
    case ChannelSocket::Message::Kind::Text:
      link.lastFrame = Clock::now();
      return handle(link, message.text, end);
    case ChannelSocket::Message::Kind::Skipped:
      link.lastFrame = Clock::now();
      ++counters_->framesReceived;
      ++counters_->malformedFrames;
      logEvent(logger(), Poco::Message::PRIO_WARNING, "notification frame skipped: " + message.detail,
               {{"org", client_.org().name}});
      return false;
    case ChannelSocket::Message::Kind::Closed:
      if (message.oversized) ++counters_->malformedFrames;
      logEvent(logger(), Poco::Message::PRIO_NOTICE,
               "notification socket of channel " + shortChannelId(link.channel.id) + " ended: " + message.detail,
               {{"org", client_.org().name}});
      end = End::Dropped;
      return true;
  }
  return false;
}

NotificationChannel::End NotificationChannel::serve(Link& link) {
  while (true) {
    if (stopping()) return End::Stop;
    const auto now = Clock::now();
    if (now >= link.renewAt) return End::Renew;
    if (now - link.lastFrame > settings_.silenceTimeout) return End::Silent;
    if (settings_.pingInterval.count() > 0 && now - std::max(link.lastFrame, link.lastPing) >= settings_.pingInterval) {
      try {
        link.socket->sendText(notificationPingText());
      } catch (const Poco::Exception& e) {
        logEvent(logger(), Poco::Message::PRIO_NOTICE, e.message(), {{"org", client_.org().name}});
        return End::Dropped;
      }
      link.lastPing = now;
      ++link.pingsUnanswered;
    }
    // Wake for whichever comes first: the tick, the renewal, the silence limit.
    auto next = std::min({now + settings_.tick, link.renewAt, link.lastFrame + settings_.silenceTimeout});
    const auto wait = std::max(milliseconds(1), duration_cast<milliseconds>(next - now));
    End end = End::Stop;
    if (read(link, wait, end)) return end;
  }
}

// The old socket of a channel being replaced: everything Genesys sent it before the new channel
// was subscribed must still be read. A ping is answered after what was queued before it, so the
// last pong marks the end; a socket that closes or stays silent ends it too.
void NotificationChannel::drain(Link& link) {
  try {
    link.socket->sendText(notificationPingText());
    ++link.pingsUnanswered;
  } catch (const Poco::Exception&) {
    // Cannot ping: read what is there until the socket closes or the time is up.
  }
  const auto until = Clock::now() + settings_.drainTimeout;
  while (!stopping()) {
    const auto left = duration_cast<milliseconds>(until - Clock::now());
    if (left.count() <= 0) return;
    End end = End::Stop;
    // A closing notice now changes nothing: the socket still delivers until it closes.
    if (read(link, std::min(left, settings_.tick), end) && end == End::Dropped) return;
    if (link.pingsUnanswered == 0) return;
  }
}

void NotificationChannel::leave(Link& link, bool dropSubscriptions) {
  link.socket->close();
  // A channel left before its expiry would collect events for nobody until it expires.
  if (dropSubscriptions) dropChannelSubscriptions(client_, link.channel.id);
}

void NotificationChannel::failed(const std::string& why) {
  logEvent(logger(), Poco::Message::PRIO_WARNING, why, {{"org", client_.org().name}});
}

void NotificationChannel::afterFailure(const std::string& why) {
  const std::string& org = client_.org().name;
  const int maxFailures = std::max(1, settings_.maxConsecutiveFailures);
  ++streak_;
  if (streak_ >= maxFailures) {
    setState(ChannelState::SweepOnly,
             "org " + org + ": notifications failed " + std::to_string(streak_) + " times in a row (last: " + why +
                 "); evaluations arrive by the sweep only; trying again every " + inWords(settings_.sweepOnlyRetry));
    sleepFor(settings_.sweepOnlyRetry);
    streak_ = maxFailures - 1;  // one attempt per sweepOnlyRetry until a socket is stable again
    return;
  }
  const milliseconds delay = backoff_->delay(streak_);
  setState(ChannelState::Reconnecting, "org " + org + ": " + why + "; next attempt in " + inWords(delay));
  sleepFor(delay);
}

void NotificationChannel::refused(const std::string& explanation) {
  setState(ChannelState::SweepOnly,
           explanation + " Push is tried again every " + inWords(settings_.sweepOnlyRetry) + ".");
  sleepFor(settings_.sweepOnlyRetry);
}

void NotificationChannel::connected(const Link& link) {
  setChannelId(link.channel.id);
  setState(ChannelState::Connected, "org " + client_.org().name + ": channel " + shortChannelId(link.channel.id) +
                                        " subscribed to " + settings_.topic + " on " + link.socket->where() +
                                        ", expires " + formatIsoTime(link.channel.expires));
}

// The first channel, or the next one after a loss; null after a failure (already waited for).
std::unique_ptr<NotificationChannel::Link> NotificationChannel::connect() {
  // After a failure the state already says why and when; the first set-up says that it starts.
  if (!everConnected_ && streak_ == 0)
    setState(ChannelState::Connecting, "org " + client_.org().name + ": setting up a notification channel");
  std::unique_ptr<Link> link;
  try {
    link = establish();
  } catch (const TopicRefused& e) {
    refused(e.what());
    return nullptr;
  } catch (const std::exception& e) {
    if (!stopping()) afterFailure("setting up a notification channel failed: " + errorText(e));
    return nullptr;
  }
  if (everConnected_) ++counters_->reconnects;
  everConnected_ = true;
  connected(*link);
  return link;
}

// Renewal or closing notice: the new channel first, so no event falls between the two. Returns
// the link to go on with: the new one, the old one (set-up failed, the old still works), or null.
std::unique_ptr<NotificationChannel::Link> NotificationChannel::replace(std::unique_ptr<Link> old, End why) {
  std::unique_ptr<Link> next;
  try {
    next = establish();
  } catch (const TopicRefused& e) {
    leave(*old, !stopping());
    setChannelId("");
    refused(e.what());
    return nullptr;
  } catch (const std::exception& e) {
    if (why == End::Renew) {
      // The old channel works until it expires: keep it, try again soon.
      const milliseconds delay = backoff_->delay(++old->renewFailures);
      failed("renewing channel " + shortChannelId(old->channel.id) + " failed: " + errorText(e) + "; trying again in " +
             inWords(delay));
      old->renewAt = Clock::now() + delay;
    } else {
      // The old socket delivers until the service closes it: read it to its end; its loss then
      // leads to a new set-up after a backoff, like any loss.
      failed("the service is closing the socket of channel " + shortChannelId(old->channel.id) +
             " and a new channel could not be set up: " + errorText(e));
    }
    return old;
  }
  drain(*old);
  leave(*old, !stopping());
  ++(why == End::Renew ? counters_->renewals : counters_->reconnects);
  connected(*next);
  return next;
}

// Dropped or silent: the old channel may still exist, but a new one is as cheap and surely subscribed.
void NotificationChannel::lose(std::unique_ptr<Link> link, End why) {
  const std::string what = why == End::Silent
                               ? "nothing received for " + inWords(settings_.silenceTimeout) + " on channel " +
                                     shortChannelId(link->channel.id)
                               : "the socket of channel " + shortChannelId(link->channel.id) + " was lost";
  leave(*link, false);
  link.reset();
  setChannelId("");
  afterFailure(what);
}

void NotificationChannel::run() {
  // A shutdown must cut every wait short, not only the next look at the flag.
  auto subscription = shutdown_.onStop([this] { wake_.set(); });
  recent_ = std::make_unique<RecentHints>(settings_.recentHintCapacity);
  backoff_ = std::make_unique<ReconnectBackoff>(settings_.backoffInitial, settings_.backoffMax, settings_.seed);
  streak_ = 0;
  everConnected_ = false;
  std::unique_ptr<Link> link;
  while (!stopping()) {
    try {
      if (!link) {
        link = connect();
        continue;
      }
      const End end = serve(*link);
      if (Clock::now() - link->connectedAt >= settings_.stableAfter) streak_ = 0;
      if (end == End::Stop) break;
      if (end == End::Renew || end == End::Closing) {
        link = replace(std::move(link), end);
      } else {
        lose(std::move(link), end);
      }
    } catch (const std::exception& e) {
      // Nothing may end this thread but a stop: a surprise costs the current socket, no more.
      logger().error("org %s: notification channel: unexpected error: %s", client_.org().name, errorText(e));
      link.reset();
      setChannelId("");
      afterFailure("unexpected error: " + errorText(e));
    }
  }
  if (link) leave(*link, false);  // no REST call on the way out: a shutdown must not wait for one
  setChannelId("");
  setState(ChannelState::Stopped, "org " + client_.org().name + ": notifications stopped");
}

}  // namespace evalbridge
