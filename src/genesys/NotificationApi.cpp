#include "genesys/NotificationApi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/String.h>

#include <algorithm>
#include <sstream>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "genesys/GenesysError.h"
#include "genesys/JsonResponse.h"
#include "genesys/OrgClient.h"

namespace evalbridge {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Poco::Logger& logger() {
  return Poco::Logger::get("evalbridge.notifications");
}

const char* const kChannelsPath = "/api/v2/notifications/channels";

std::string channelPath(const std::string& channelId) {
  return std::string(kChannelsPath) + "/" + urlEncode(channelId);
}

std::vector<std::string> stringArray(const Object& object, const std::string& name) {
  std::vector<std::string> out;
  const Array::Ptr array = object.getArray(name);
  if (!array) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
    if (item.isString()) out.push_back(item.extract<std::string>());
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The ChannelTopic for `topic` among the answer's entities, or null.
Object::Ptr findTopic(const Object& listing, const std::string& topic) {
  const Array::Ptr entities = listing.getArray("entities");
  if (!entities) return nullptr;
  for (std::size_t i = 0; i < entities->size(); ++i) {
    const Object::Ptr entity = entities->getObject(static_cast<unsigned>(i));
    if (entity && entity->optValue<std::string>("id", "") == topic) return entity;
  }
  return nullptr;
}

// What a person must change, in GenesysError's style: org, request, reason, then the fix.
std::string explainRefusal(const OrgClient& client, const std::string& topic, const TopicSubscription& outcome,
                           const std::string& request, int status) {
  const OrgSettings& org = client.org();
  std::ostringstream out;
  out << "org " << org.name << " (" << org.orgId << "): " << request << " on " << org.apiBase << " refused topic "
      << topic;
  if (status != 200) out << " with HTTP " << status;
  if (!outcome.rejectionReason.empty()) out << ": " << outcome.rejectionReason;
  out << ". ";
  std::vector<std::string> needed = outcome.missingPermissions;
  if (needed.empty()) needed = outcome.requiresPermissions;
  if (!outcome.offered) {
    out << "GET /api/v2/notifications/availabletopics does not list " << topic << " for OAuth client " << org.clientId
        << ": the org does not offer it to this client (quality management not licensed or not enabled for the "
           "org). Fix: enable quality management in org "
        << org.name << ", or set \"notifications\": false on this org to sweep only.";
  } else if (!needed.empty()) {
    out << (outcome.missingPermissions.empty() ? "The topic requires: " : "Missing permission(s): ") << joined(needed)
        << ". Fix: in Genesys Cloud org " << org.name << ", go to Admin > Roles/Permissions, add " << joined(needed)
        << " to a role, then in Admin > OAuth > client " << org.clientId
        << " > Roles, assign that role in the division that holds the evaluations (or all divisions). OAuth scopes "
           "do not apply to client-credentials grants; the role does.";
  } else {
    out << "Fix: check the roles of OAuth client " << org.clientId << " in org " << org.name
        << " (Admin > OAuth > client > Roles) against GET /api/v2/notifications/availabletopics"
           "?expand=requiresPermissions.";
  }
  out << " Until then this org's evaluations arrive by the sweep only.";
  return out.str();
}

}  // namespace

std::string shortChannelId(const std::string& channelId) {
  constexpr std::size_t kShown = 16;  // "streaming-0-" and four characters of the random part
  return channelId.size() <= kShown ? channelId : channelId.substr(0, kShown) + "...";
}

NotificationChannelInfo createNotificationChannel(OrgClient& client) {
  const std::string what = "org " + client.org().name + ": POST " + kChannelsPath;
  const HttpResponse response = client.call("POST", kChannelsPath);
  const Object::Ptr body = parseResponseObject(response.body, what);
  NotificationChannelInfo channel;
  channel.id = body->optValue<std::string>("id", "");
  channel.connectUri = body->optValue<std::string>("connectUri", "");
  const auto expires = parseIsoTime(body->optValue<std::string>("expires", ""));
  if (channel.id.empty() || channel.connectUri.empty() || !expires) {
    throw TransientError(what + ": the answer lacks id, connectUri or a readable expires");
  }
  channel.expires = *expires;
  return channel;
}

TopicSubscription subscribeChannel(OrgClient& client, const std::string& channelId, const std::string& topic) {
  const std::string request = "PUT " + std::string(kChannelsPath) + "/{id}/subscriptions";
  Object::Ptr item = new Object;
  item->set("id", topic);
  Array::Ptr body = new Array;
  body->add(item);
  std::ostringstream json;
  body->stringify(json);
  const HttpResponse response =
      client.probe("PUT", channelPath(channelId) + "/subscriptions?ignoreErrors=true", json.str());

  TopicSubscription outcome;
  if (response.status == 400 || response.status == 403) {
    // A service that refuses despite ignoreErrors: Genesys's error names what is missing.
    const GenesysErrorInfo error = parseGenesysError(response);
    outcome.rejectionReason = error.message;
    outcome.missingPermissions = error.permissions;
  } else if (response.status < 200 || response.status > 299) {
    client.fail(response, request);  // 404: the channel is gone; 5xx after retries; ...
  } else {
    const Object::Ptr listing = parseResponseObject(response.body, "org " + client.org().name + ": " + request);
    const Object::Ptr entity = findTopic(*listing, topic);
    const std::string state = entity ? entity->optValue<std::string>("state", "") : "";
    if (entity && Poco::icompare(state, "rejected") != 0) {
      outcome.accepted = true;
      return outcome;
    }
    if (entity) {
      outcome.rejectionReason = entity->optValue<std::string>("rejectionReason", "");
      outcome.missingPermissions = stringArray(*entity, "missingPermissions");
    } else {
      outcome.rejectionReason = "the answer does not list the topic among the channel's subscriptions";
    }
  }
  // Refused: say whether the topic is offered at all and what it needs (one extra call, rare).
  try {
    const AvailableTopicInfo available = availableTopic(client, topic);
    outcome.offered = available.offered;
    outcome.requiresPermissions = available.requiresPermissions;
  } catch (const Poco::Exception& e) {
    logger().warning("org %s: cannot read availabletopics after a refused subscription: %s", client.org().name,
                     e.message());
  }
  outcome.explanation = explainRefusal(client, topic, outcome, request, response.status);
  return outcome;
}

bool notificationChannelExists(OrgClient& client, const std::string& channelId) {
  const HttpResponse response = client.probe("HEAD", channelPath(channelId));
  if (response.status == 404) return false;
  if (response.status < 200 || response.status > 299)
    client.fail(response, "HEAD " + std::string(kChannelsPath) + "/{id}");
  return true;
}

void dropChannelSubscriptions(OrgClient& client, const std::string& channelId) {
  try {
    const HttpResponse response = client.probe("DELETE", channelPath(channelId) + "/subscriptions");
    if (response.status != 404 && (response.status < 200 || response.status > 299)) {
      logger().information("org %s: leaving channel %s: DELETE subscriptions answered HTTP %d", client.org().name,
                           shortChannelId(channelId), response.status);
    }
  } catch (const Poco::Exception& e) {
    logger().information("org %s: leaving channel %s: DELETE subscriptions failed: %s", client.org().name,
                         shortChannelId(channelId), e.message());
  }
}

AvailableTopicInfo availableTopic(OrgClient& client, const std::string& topic) {
  const std::string path = "/api/v2/notifications/availabletopics?expand=requiresPermissions";
  const HttpResponse response = client.call("GET", path);
  const Object::Ptr listing =
      parseResponseObject(response.body, "org " + client.org().name + ": GET /api/v2/notifications/availabletopics");
  AvailableTopicInfo info;
  const Object::Ptr entity = findTopic(*listing, topic);
  if (!entity) return info;
  info.offered = true;
  info.requiresPermissions = stringArray(*entity, "requiresPermissions");
  return info;
}

}  // namespace evalbridge
