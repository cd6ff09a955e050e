#pragma once
// Notification channels (NotificationsApi) of a simulated org, and the WebSocket they connect to:
//   POST   /api/v2/notifications/channels                          -> Channel {connectUri, id, expires}
//   GET    /api/v2/notifications/channels[?includechannels=token|oauthclient] -> ChannelEntityListing
//   HEAD   /api/v2/notifications/channels/{channelId}              -> 200, or 404 unknown/expired
//   GET    /api/v2/notifications/channels/{channelId}/subscriptions -> ChannelTopicEntityListing
//   PUT    .../subscriptions[?ignoreErrors=true]  [ChannelTopic]    -> replaces; ChannelTopicEntityListing
//   POST   .../subscriptions[?ignoreErrors=true]  [ChannelTopic]    -> adds;     ChannelTopicEntityListing
//   DELETE .../subscriptions                                        -> 204
//   GET    /api/v2/notifications/availabletopics[?expand=…&includePreview=…] -> AvailableTopicEntityListing
//   GET    /channels/{channelId}  (WebSocket upgrade; the channel's connectUri) -> 101, 404, 400
// All /api/v2 calls need a token of this org and no permission ("Requires no permissions");
// subscribing checks the topic's own permissions. The WebSocket needs no token: the channel id
// is the credential, as in Genesys.
#include "sim/GenesysApiHandler.h"
#include "sim/NotificationHub.h"

namespace evalbridge::sim {

class ChannelCreateHandler : public GenesysApiHandler {
 public:
  explicit ChannelCreateHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class ChannelListHandler : public GenesysApiHandler {
 public:
  explicit ChannelListHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class ChannelHeadHandler : public GenesysApiHandler {
 public:
  explicit ChannelHeadHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class SubscriptionsGetHandler : public GenesysApiHandler {
 public:
  explicit SubscriptionsGetHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

// PUT (Replace) and POST (Add).
class SubscriptionsChangeHandler : public GenesysApiHandler {
 public:
  SubscriptionsChangeHandler(GenesysOrg& org, NotificationHub::Change change)
      : GenesysApiHandler(org, ""), change_(change) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;

 private:
  const NotificationHub::Change change_;
};

class SubscriptionsDeleteHandler : public GenesysApiHandler {
 public:
  explicit SubscriptionsDeleteHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class AvailableTopicsHandler : public GenesysApiHandler {
 public:
  explicit AvailableTopicsHandler(GenesysOrg& org) : GenesysApiHandler(org, "") {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

// The connectUri. Logged and open to faults like every request (a "status" fault on pathPrefix
// "/channels/" makes connects fail); a known channel and a proper handshake get 101 and the
// connection is handed to the org's NotificationHub for as long as it stays open.
class NotificationSocketHandler : public SimHandler {
 public:
  explicit NotificationSocketHandler(GenesysOrg& org) : org_(org) {}

 protected:
  void serve(Exchange& exchange) override;

 private:
  GenesysOrg& org_;
};

}  // namespace evalbridge::sim
