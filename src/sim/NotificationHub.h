#pragma once
// One org's notification channels (NotificationsApi): which exist and until when, who created
// them, what each is subscribed to, which WebSocket is open on each, and what happened to the
// events published to them. Publishing puts one frame on the queue of every open socket whose
// channel subscribed to the topic; each socket's own thread writes it (NotificationSocket), so a
// publisher (Simulator::addEvaluations) never waits on a client. Thread-safe.
//
// Lock order: the hub's mutex, then a socket's. Sockets call back into the hub (expiry, end)
// without holding their own lock, and the hub never waits for a socket while holding its lock.
#include <Poco/Event.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Timestamp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sim/NotificationSocket.h"
#include "sim/OrgAccess.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class NotificationHub {
 public:
  // "There is a limit of 20 channels per user/app combination. Creating a 21st channel will remove
  // the channel with oldest last used date. Channels without an active connection will be removed
  // first." (NotificationsApi post_notifications_channels). One client per org here.
  static constexpr std::size_t kMaxChannels = 20;

  NotificationHub(const OrgSpec& spec, const OrgAccess& access);

  // "ws://127.0.0.1:PORT", set by the Simulator at each start(); connectUri follows it.
  void setSocketBaseUrl(const std::string& base);

  struct ChannelView {
    std::string id;
    std::string connectUri;
    Poco::Timestamp expires;
    bool createdByCaller = false;  // list(): created with the token asking
  };
  ChannelView create(const std::string& token);
  std::vector<ChannelView> list(const std::string& token);  // creation order
  // True when the channel exists and has not expired (HEAD); counts as a use.
  bool touch(const std::string& channelId);

  struct TopicOutcome {
    std::string id;
    bool permitted = true;
    std::string rejectionReason;
    std::vector<std::string> missingPermissions;
  };
  struct SubscribeResult {
    bool applied = false;                    // false: some topic was rejected and errors were not ignored
    std::vector<std::string> subscriptions;  // the channel's topics afterwards
    std::vector<TopicOutcome> rejected;      // in request order
  };
  enum class Change { Replace, Add };
  // Throws NotFoundException for an unknown or expired channel. Without ignoreErrors a single
  // rejected topic leaves the subscriptions as they were.
  SubscribeResult subscribe(const std::string& channelId, const std::vector<std::string>& topics, Change change,
                            bool ignoreErrors);
  std::vector<std::string> subscriptions(const std::string& channelId);
  void unsubscribeAll(const std::string& channelId);
  // The topic ids this org offers now (the catalog minus revoked topics).
  std::vector<std::string> availableTopics() const;
  // Throws NotFoundException for a topic that is not in the catalog.
  void requireKnownTopic(const std::string& topic) const;

  // Serves a WebSocket connection to `channelId` on the calling server thread until it closes:
  // registers it on the channel, then runs `handshake` (which answers 101 and yields the socket),
  // then the socket's loop. False, without calling `handshake`, when the channel is unknown or
  // expired. A socket already open on the channel is dropped: the newest connection wins, so a
  // client that reconnects after a silent failure is never locked out.
  bool serveSocket(const std::string& channelId, const std::function<Poco::Net::WebSocket()>& handshake,
                   Poco::Event* stopping);

  // One event (eventBody) of `topic` to every subscribed channel; never waits for a client.
  void publish(const std::string& topic, const Poco::JSON::Object::Ptr& eventBody);

  // Control (Simulator methods of the same meaning).
  int dropSockets();
  int closeSockets(const std::string& message, int graceMs);
  int expireChannels();
  void lose(int count);
  void revokeTopic(const std::string& topic);
  void grantTopic(const std::string& topic);
  NotificationState state();

 private:
  struct Channel {
    std::string id;
    std::string token;  // the bearer token that created it
    Poco::Timestamp expires;
    Poco::Timestamp lastUsed;
    std::vector<std::string> topics;
    std::shared_ptr<NotificationSocket> socket;  // the open one, if any
    std::shared_ptr<ChannelCounters> counters = std::make_shared<ChannelCounters>();
  };
  using Sockets = std::vector<std::shared_ptr<NotificationSocket>>;

  Channel* findLocked(const std::string& channelId);
  Channel& requireLocked(const std::string& channelId);
  // Forget expired channels / the channel that makes room for a new one; an open socket on one
  // gets the closing notice (its thread closes it).
  void purgeExpiredLocked();
  void evictOneLocked();
  TopicOutcome judgeLocked(const std::string& topic) const;
  bool deliverableLocked(const std::string& topic) const;
  Sockets openSocketsLocked() const;
  std::string connectUriLocked(const std::string& channelId) const;
  void forget(const std::string& channelId);  // a socket saw its channel expire
  void detach(const std::string& channelId, const std::shared_ptr<NotificationSocket>& socket);

  const OrgAccess& access_;
  const int heartbeatIntervalS_;
  const int channelLifetimeS_;

  mutable std::mutex mutex_;
  std::string socketBaseUrl_;
  std::vector<Channel> channels_;  // creation order; at most kMaxChannels
  std::set<std::string> revokedTopics_;
  int losePending_ = 0;
  std::uint64_t eventsLost_ = 0;
};

}  // namespace evalbridge::sim
