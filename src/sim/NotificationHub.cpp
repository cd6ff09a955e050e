#include "sim/NotificationHub.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include <algorithm>

#include "sim/NotificationFrames.h"
#include "sim/NotificationTopics.h"
#include "sim/RandomIds.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

// How long a control call waits for each socket to act; a socket thread looks at its requests
// every NotificationSocket::kTickMs, so this is only reached when a client does not read.
constexpr long kControlWaitMs = 7000;

Poco::Timestamp::TimeDiff seconds(int count) {
  return static_cast<Poco::Timestamp::TimeDiff>(count) * Poco::Timestamp::resolution();
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : ", ") + value;
  return text;
}

}  // namespace

NotificationHub::NotificationHub(const OrgSpec& spec, const OrgAccess& access)
    : access_(access), heartbeatIntervalS_(spec.heartbeatIntervalS), channelLifetimeS_(spec.channelLifetimeS) {}

void NotificationHub::setSocketBaseUrl(const std::string& base) {
  std::lock_guard<std::mutex> lock(mutex_);
  socketBaseUrl_ = base;
}

std::string NotificationHub::connectUriLocked(const std::string& channelId) const {
  return socketBaseUrl_ + "/channels/" + channelId;
}

NotificationHub::Channel* NotificationHub::findLocked(const std::string& channelId) {
  for (auto& channel : channels_) {
    if (channel.id == channelId) return &channel;
  }
  return nullptr;
}

NotificationHub::Channel& NotificationHub::requireLocked(const std::string& channelId) {
  purgeExpiredLocked();
  Channel* channel = findLocked(channelId);
  if (!channel) throw Poco::NotFoundException("notification channel " + channelId + " does not exist (or expired)");
  return *channel;
}

void NotificationHub::purgeExpiredLocked() {
  const Poco::Timestamp now;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (now < it->expires) {
      ++it;
      continue;
    }
    if (it->socket) it->socket->closeWithNotice(kChannelExpiredMessage, 0);
    it = channels_.erase(it);
  }
}

// Oldest last use first, unconnected channels before connected ones (the documented order).
void NotificationHub::evictOneLocked() {
  auto victim = channels_.end();
  for (auto it = channels_.begin(); it != channels_.end(); ++it) {
    if (victim == channels_.end()) {
      victim = it;
      continue;
    }
    const bool itIdle = !it->socket;
    const bool victimIdle = !victim->socket;
    if ((itIdle && !victimIdle) || (itIdle == victimIdle && it->lastUsed < victim->lastUsed)) victim = it;
  }
  if (victim == channels_.end()) return;
  Poco::Logger::get("evalbridge.sim").information("notification channel %s removed: limit of %z channels",
                                                  victim->id, kMaxChannels);
  if (victim->socket) victim->socket->closeWithNotice("The notification channel was removed: channel limit reached", 0);
  channels_.erase(victim);
}

NotificationHub::ChannelView NotificationHub::create(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  purgeExpiredLocked();
  while (channels_.size() >= kMaxChannels) evictOneLocked();
  Channel channel;
  // Opaque, like Genesys's "streaming-0-…" ids; random so channels never repeat across runs.
  channel.id = "streaming-0-" + randomHex(26);
  channel.token = token;
  channel.expires += seconds(channelLifetimeS_);
  channels_.push_back(channel);
  return ChannelView{channel.id, connectUriLocked(channel.id), channel.expires, true};
}

std::vector<NotificationHub::ChannelView> NotificationHub::list(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  purgeExpiredLocked();
  std::vector<ChannelView> views;
  for (const auto& channel : channels_) {
    views.push_back(ChannelView{channel.id, connectUriLocked(channel.id), channel.expires, channel.token == token});
  }
  return views;
}

bool NotificationHub::touch(const std::string& channelId) {
  std::lock_guard<std::mutex> lock(mutex_);
  purgeExpiredLocked();
  Channel* channel = findLocked(channelId);
  if (channel) channel->lastUsed = Poco::Timestamp();
  return channel != nullptr;
}

NotificationHub::TopicOutcome NotificationHub::judgeLocked(const std::string& topic) const {
  TopicOutcome outcome;
  outcome.id = topic;
  const NotificationTopic* known = findNotificationTopic(topic);
  if (!known || revokedTopics_.count(topic)) {
    outcome.permitted = false;
    outcome.rejectionReason = "Topic " + topic + " is not available to this organization";
    return outcome;
  }
  for (const auto& permission : known->requiresPermissions) {
    if (!access_.hasPermission(permission)) outcome.missingPermissions.push_back(permission);
  }
  if (!outcome.missingPermissions.empty()) {
    outcome.permitted = false;
    outcome.rejectionReason = "Missing permission(s) for topic " + topic + ": " + joined(outcome.missingPermissions);
  }
  return outcome;
}

bool NotificationHub::deliverableLocked(const std::string& topic) const {
  return judgeLocked(topic).permitted;
}

NotificationHub::SubscribeResult NotificationHub::subscribe(const std::string& channelId,
                                                            const std::vector<std::string>& topics, Change change,
                                                            bool ignoreErrors) {
  std::lock_guard<std::mutex> lock(mutex_);
  Channel& channel = requireLocked(channelId);
  SubscribeResult result;
  std::vector<std::string> accepted;
  for (const auto& topic : topics) {
    TopicOutcome outcome = judgeLocked(topic);
    if (!outcome.permitted) {
      result.rejected.push_back(std::move(outcome));
    } else if (!contains(accepted, topic)) {
      accepted.push_back(topic);
    }
  }
  if (!result.rejected.empty() && !ignoreErrors) {
    result.subscriptions = channel.topics;
    return result;  // all or nothing
  }
  if (change == Change::Replace) channel.topics.clear();
  for (const auto& topic : accepted) {
    if (!contains(channel.topics, topic)) channel.topics.push_back(topic);
  }
  channel.lastUsed = Poco::Timestamp();
  result.applied = true;
  result.subscriptions = channel.topics;
  return result;
}

std::vector<std::string> NotificationHub::subscriptions(const std::string& channelId) {
  std::lock_guard<std::mutex> lock(mutex_);
  return requireLocked(channelId).topics;
}

void NotificationHub::unsubscribeAll(const std::string& channelId) {
  std::lock_guard<std::mutex> lock(mutex_);
  Channel& channel = requireLocked(channelId);
  channel.topics.clear();
  channel.lastUsed = Poco::Timestamp();
}

std::vector<std::string> NotificationHub::availableTopics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& topic : notificationTopics()) {
    if (!revokedTopics_.count(topic.id)) ids.push_back(topic.id);
  }
  return ids;
}

void NotificationHub::requireKnownTopic(const std::string& topic) const {
  if (!findNotificationTopic(topic)) throw Poco::NotFoundException("unknown notification topic '" + topic + "'");
}

bool NotificationHub::serveSocket(const std::string& channelId,
                                  const std::function<Poco::Net::WebSocket()>& handshake, Poco::Event* stopping) {
  std::shared_ptr<NotificationSocket> socket;
  std::shared_ptr<NotificationSocket> replaced;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    purgeExpiredLocked();
    Channel* channel = findLocked(channelId);
    if (channel) {
      NotificationSocket::Settings settings;
      settings.heartbeatIntervalS = heartbeatIntervalS_;
      settings.expires = channel->expires;
      settings.stopping = stopping;
      settings.counters = channel->counters;
      settings.onExpired = [this, channelId] { forget(channelId); };
      socket = std::make_shared<NotificationSocket>(std::move(settings));
      replaced = channel->socket;
      channel->socket = socket;
      channel->lastUsed = Poco::Timestamp();
    }
  }
  if (!socket) return false;  // expired between the route's check and now
  if (replaced) replaced->drop();
  try {
    socket->run(handshake());
  } catch (...) {  // the handshake failed: nothing was served
    socket->abandon();
    detach(channelId, socket);
    throw;
  }
  detach(channelId, socket);
  return true;
}

void NotificationHub::forget(const std::string& channelId) {
  std::lock_guard<std::mutex> lock(mutex_);
  channels_.erase(std::remove_if(channels_.begin(), channels_.end(),
                                 [&](const Channel& channel) { return channel.id == channelId; }),
                  channels_.end());
}

void NotificationHub::detach(const std::string& channelId, const std::shared_ptr<NotificationSocket>& socket) {
  std::lock_guard<std::mutex> lock(mutex_);
  Channel* channel = findLocked(channelId);
  if (channel && channel->socket == socket) channel->socket.reset();
}

void NotificationHub::publish(const std::string& topic, const Poco::JSON::Object::Ptr& eventBody) {
  const std::string frame = eventFrame(topic, eventBody);  // one CorrelationId per event
  std::lock_guard<std::mutex> lock(mutex_);
  purgeExpiredLocked();
  const bool deliverable = deliverableLocked(topic);
  for (auto& channel : channels_) {
    if (!contains(channel.topics, topic)) continue;
    if (!deliverable || !channel.socket) {
      ++channel.counters->undelivered;
      continue;
    }
    if (losePending_ > 0) {  // lost on purpose, after the decision to send it
      --losePending_;
      ++eventsLost_;
      continue;
    }
    switch (channel.socket->enqueue(frame)) {
      case NotificationSocket::Queued::Yes:
        break;
      case NotificationSocket::Queued::Full:
        ++eventsLost_;
        Poco::Logger::get("evalbridge.sim").warning("notification channel %s: client too slow, event lost", channel.id);
        break;
      case NotificationSocket::Queued::Closed:
        ++channel.counters->undelivered;
        break;
    }
  }
}

NotificationHub::Sockets NotificationHub::openSocketsLocked() const {
  Sockets sockets;
  for (const auto& channel : channels_) {
    if (channel.socket && channel.socket->open()) sockets.push_back(channel.socket);
  }
  return sockets;
}

int NotificationHub::dropSockets() {
  Sockets sockets;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sockets = openSocketsLocked();
  }
  for (const auto& socket : sockets) socket->drop();
  for (const auto& socket : sockets) socket->waitFinished(kControlWaitMs);
  return static_cast<int>(sockets.size());
}

int NotificationHub::closeSockets(const std::string& message, int graceMs) {
  if (graceMs < 0) throw Poco::InvalidArgumentException("graceMs: must be >= 0");
  Sockets sockets;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sockets = openSocketsLocked();
  }
  const std::string notice = message.empty() ? std::string(kSocketClosingMessage) : message;
  for (const auto& socket : sockets) socket->closeWithNotice(notice, graceMs);
  for (const auto& socket : sockets) {
    if (graceMs == 0) {
      socket->waitFinished(kControlWaitMs);
    } else {
      socket->waitNoticeSent(kControlWaitMs);
    }
  }
  return static_cast<int>(sockets.size());
}

int NotificationHub::expireChannels() {
  Sockets sockets;
  int expired = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    purgeExpiredLocked();
    sockets = openSocketsLocked();
    expired = static_cast<int>(channels_.size());
    channels_.clear();
  }
  for (const auto& socket : sockets) socket->closeWithNotice(kChannelExpiredMessage, 0);
  for (const auto& socket : sockets) socket->waitFinished(kControlWaitMs);
  return expired;
}

void NotificationHub::lose(int count) {
  if (count < 0) throw Poco::InvalidArgumentException("count: must be >= 0");
  std::lock_guard<std::mutex> lock(mutex_);
  losePending_ = count;
}

void NotificationHub::revokeTopic(const std::string& topic) {
  requireKnownTopic(topic);
  std::lock_guard<std::mutex> lock(mutex_);
  revokedTopics_.insert(topic);
}

void NotificationHub::grantTopic(const std::string& topic) {
  requireKnownTopic(topic);
  std::lock_guard<std::mutex> lock(mutex_);
  revokedTopics_.erase(topic);
}

NotificationState NotificationHub::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  purgeExpiredLocked();
  NotificationState state;
  for (const auto& channel : channels_) {
    NotificationChannelState entry;
    entry.id = channel.id;
    entry.expires = formatIso8601(channel.expires);
    entry.connected = channel.socket && channel.socket->open();
    entry.subscriptions = channel.topics;
    entry.eventsSent = channel.counters->sent;
    entry.eventsUndelivered = channel.counters->undelivered;
    state.channels.push_back(std::move(entry));
  }
  state.eventsLost = eventsLost_;
  state.losePending = losePending_;
  state.revokedTopics.assign(revokedTopics_.begin(), revokedTopics_.end());
  return state;
}

}  // namespace evalbridge::sim
