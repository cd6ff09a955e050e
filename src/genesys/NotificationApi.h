#pragma once
// The REST half of the Genesys Notifications API, as one org's channel uses it (NotificationsApi:
// channels, subscriptions, availabletopics). Every call goes through the org's own OrgClient, so
// it carries that org's token only (renewed by OrgClient, once more on a 401) and is retried there
// like every Genesys call. The WebSocket half is ChannelSocket.
#include <string>
#include <vector>

#include <Poco/Timestamp.h>

#include "genesys/NotificationFrame.h"  // kEvaluationsTopic

namespace evalbridge {

class OrgClient;

// POST /api/v2/notifications/channels (model Channel).
struct NotificationChannelInfo {
  std::string id;
  std::string connectUri;   // the WebSocket URL; it is the channel's credential: never logged whole
  Poco::Timestamp expires;  // when Genesys forgets the channel
};

// A channel id as logs and messages may show it: the id is the channel's credential (whoever
// knows it can open the WebSocket and read the org's events), so only enough to tell channels
// apart is shown ("streaming-0-1a2b…").
std::string shortChannelId(const std::string& channelId);

// Throws GenesysApiError (4xx, explained), TransientError (5xx, connection failures, a body
// without id/connectUri/expires), like OrgClient::call.
NotificationChannelInfo createNotificationChannel(OrgClient& client);

// The outcome of subscribing a channel to one topic.
struct TopicSubscription {
  bool accepted = false;
  std::string rejectionReason;                   // Genesys's own words, when it gave any
  std::vector<std::string> missingPermissions;   // as Genesys named them
  std::vector<std::string> requiresPermissions;  // from availabletopics, read only after a refusal
  bool offered = true;                           // false: availabletopics does not list the topic
  std::string explanation;                       // when refused: what failed, where, and the fix
};

// PUT /api/v2/notifications/channels/{id}/subscriptions?ignoreErrors=true with [{"id":topic}].
// ignoreErrors=true because the refused topic then comes back as a ChannelTopic with state
// "Rejected", rejectionReason and missingPermissions, which says more than a 403's message; a
// 400/403 (a service that refuses anyway) is read as a refusal too. The topic counts as
// subscribed only when it is among the returned entities and not rejected. After a refusal,
// availabletopics is read to tell "not offered to this client" from "missing a permission".
// Throws like createNotificationChannel for everything else (404: the channel is gone).
TopicSubscription subscribeChannel(OrgClient& client, const std::string& channelId, const std::string& topic);

// HEAD /api/v2/notifications/channels/{id}: true when the channel still exists (200), false on
// 404. Throws for anything else.
bool notificationChannelExists(OrgClient& client, const std::string& channelId);

// DELETE /api/v2/notifications/channels/{id}/subscriptions, so that a channel the bridge left
// stops collecting events until it expires. Best effort: never throws (a failure is logged).
void dropChannelSubscriptions(OrgClient& client, const std::string& channelId);

// GET /api/v2/notifications/availabletopics?expand=requiresPermissions (for `doctor`).
struct AvailableTopicInfo {
  bool offered = false;                          // the topic is listed for this OAuth client
  std::vector<std::string> requiresPermissions;  // what the OAuth client's role must hold
};
AvailableTopicInfo availableTopic(OrgClient& client, const std::string& topic = kEvaluationsTopic);

}  // namespace evalbridge
