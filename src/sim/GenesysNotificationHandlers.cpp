#include "sim/GenesysNotificationHandlers.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/String.h>

#include <set>

#include "sim/ErrorBodies.h"
#include "sim/JsonText.h"
#include "sim/NotificationTopics.h"
#include "sim/RandomIds.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// The caller's token; GenesysApiHandler has already checked that it is a valid Bearer token.
std::string callerToken(const Exchange& exchange) {
  return exchange.header("authorization").substr(7);
}

bool boolParam(const Exchange& exchange, const std::string& name, bool fallback) {
  const auto value = exchange.queryParam(name);
  if (!value) return fallback;
  if (Poco::icompare(*value, "true") == 0) return true;
  if (Poco::icompare(*value, "false") == 0) return false;
  throw Poco::InvalidArgumentException(name + ": must be true or false, not '" + *value + "'");
}

Object::Ptr channelJson(const NotificationHub::ChannelView& channel) {
  auto json = orderedObject();
  json->set("connectUri", channel.connectUri);
  json->set("id", channel.id);
  json->set("expires", formatIso8601(channel.expires));
  return json;
}

Object::Ptr listing(const Array::Ptr& entities) {
  auto json = orderedObject();
  json->set("entities", entities);
  return json;
}

Object::Ptr permittedTopic(const std::string& id) {
  auto json = orderedObject();
  json->set("id", id);
  json->set("state", "Permitted");
  return json;
}

Object::Ptr rejectedTopic(const NotificationHub::TopicOutcome& outcome) {
  auto json = orderedObject();
  json->set("id", outcome.id);
  json->set("state", "Rejected");
  json->set("rejectionReason", outcome.rejectionReason);
  if (!outcome.missingPermissions.empty()) {
    Array::Ptr missing = new Array;
    for (const auto& permission : outcome.missingPermissions) missing->add(permission);
    json->set("missingPermissions", missing);
  }
  return json;
}

Object::Ptr subscriptionListing(const std::vector<std::string>& topics) {
  Array::Ptr entities = new Array;
  for (const auto& topic : topics) entities->add(permittedTopic(topic));
  return listing(entities);
}

// The body of PUT/POST subscriptions: a JSON array of ChannelTopic, of which only `id` matters.
// Keys the model does not have are refused by name (a typo must not subscribe to nothing).
std::vector<std::string> parseTopicIds(const std::string& body) {
  static const std::set<std::string> modelKeys = {"id", "state", "rejectionReason", "missingPermissions", "selfUri"};
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw Poco::InvalidArgumentException("body is not valid JSON: " + e.displayText());
  }
  if (parsed.type() != typeid(Array::Ptr)) throw Poco::InvalidArgumentException("body must be a JSON array of ChannelTopic");
  std::vector<std::string> ids;
  const auto items = parsed.extract<Array::Ptr>();
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string where = "body[" + std::to_string(i) + "]";
    const auto item = items->get(static_cast<unsigned>(i));
    if (item.type() != typeid(Object::Ptr)) throw Poco::InvalidArgumentException(where + ": must be a ChannelTopic object");
    const auto topic = item.extract<Object::Ptr>();
    for (const auto& [key, value] : *topic) {
      if (!modelKeys.count(key)) throw Poco::InvalidArgumentException(where + "." + key + ": unknown key (not in ChannelTopic)");
    }
    if (!topic->has("id") || !topic->get("id").isString() || topic->getValue<std::string>("id").empty()) {
      throw Poco::InvalidArgumentException(where + ".id: a topic id is required");
    }
    ids.push_back(topic->getValue<std::string>("id"));
  }
  return ids;
}

// Without ignoreErrors a rejected topic fails the whole call, naming each topic and why.
Object::Ptr rejectionError(const std::vector<NotificationHub::TopicOutcome>& rejected) {
  std::string topics;
  std::string reasons;
  std::string permissions;
  for (const auto& outcome : rejected) {
    topics += (topics.empty() ? "" : ", ") + outcome.id;
    reasons += (reasons.empty() ? "" : "; ") + outcome.rejectionReason;
    for (const auto& permission : outcome.missingPermissions) {
      permissions += (permissions.empty() ? "" : ", ") + permission;
    }
  }
  auto params = orderedObject();
  params->set("topics", topics);
  if (!permissions.empty()) params->set("permissions", permissions);
  return genesysError(400, "bad.request", "Unable to subscribe to topic(s) [" + topics + "]: " + reasons, params);
}

bool isWebSocketHandshake(const Exchange& exchange) {
  return Poco::icompare(exchange.header("upgrade"), "websocket") == 0 &&
         Poco::toLower(exchange.header("connection")).find("upgrade") != std::string::npos &&
         exchange.header("sec-websocket-version") == "13" && !exchange.header("sec-websocket-key").empty();
}

}  // namespace

void ChannelCreateHandler::serveAuthorized(Exchange& exchange) {
  exchange.reply(200, channelJson(org().notifications.create(callerToken(exchange))));
}

// includechannels=token (the default) lists the channels made with this token; oauthclient lists
// every channel of the client, but "Channel Ids for other access tokens will not be shown, but
// will be presented to show their existence": those come as {expires} only.
void ChannelListHandler::serveAuthorized(Exchange& exchange) {
  const std::string include = exchange.queryParam("includechannels").value_or("token");
  if (include != "token" && include != "oauthclient") {
    throw Poco::InvalidArgumentException("includechannels: must be token or oauthclient, not '" + include + "'");
  }
  Array::Ptr entities = new Array;
  for (const auto& channel : org().notifications.list(callerToken(exchange))) {
    if (channel.createdByCaller) {
      entities->add(channelJson(channel));
    } else if (include == "oauthclient") {
      auto hidden = orderedObject();
      hidden->set("expires", formatIso8601(channel.expires));
      entities->add(hidden);
    }
  }
  exchange.reply(200, listing(entities));
}

void ChannelHeadHandler::serveAuthorized(Exchange& exchange) {
  const std::string id = exchange.pathParam("channelId");
  if (!org().notifications.touch(id)) throw Poco::NotFoundException("notification channel " + id + " does not exist (or expired)");
  exchange.replyText(200, "application/json", "");
}

void SubscriptionsGetHandler::serveAuthorized(Exchange& exchange) {
  exchange.reply(200, subscriptionListing(org().notifications.subscriptions(exchange.pathParam("channelId"))));
}

void SubscriptionsChangeHandler::serveAuthorized(Exchange& exchange) {
  const bool ignoreErrors = boolParam(exchange, "ignoreErrors", false);
  const auto topics = parseTopicIds(exchange.body);
  const auto result = org().notifications.subscribe(exchange.pathParam("channelId"), topics, change_, ignoreErrors);
  if (!result.applied) {
    exchange.reply(400, rejectionError(result.rejected));
    return;
  }
  // Each topic once: one this call asked for and was refused shows as Rejected even when the
  // channel still holds an older subscription to it (POST adds, it does not take away).
  std::set<std::string> refused;
  for (const auto& outcome : result.rejected) refused.insert(outcome.id);
  std::vector<std::string> permitted;
  for (const auto& topic : result.subscriptions) {
    if (!refused.count(topic)) permitted.push_back(topic);
  }
  auto answer = subscriptionListing(permitted);
  for (const auto& outcome : result.rejected) answer->getArray("entities")->add(rejectedTopic(outcome));
  exchange.reply(200, answer);
}

void SubscriptionsDeleteHandler::serveAuthorized(Exchange& exchange) {
  org().notifications.unsubscribeAll(exchange.pathParam("channelId"));
  exchange.replyText(204, "", "");
}

void AvailableTopicsHandler::serveAuthorized(Exchange& exchange) {
  std::vector<std::string> expandValues;
  for (const auto& [name, value] : exchange.queryParams) {
    if (name == "expand") expandValues.push_back(value);
  }
  const auto expand = parseTopicExpand(expandValues);
  boolParam(exchange, "includePreview", true);  // validated; every simulated topic is Public
  Array::Ptr entities = new Array;
  for (const auto& id : org().notifications.availableTopics()) {
    entities->add(availableTopicJson(*findNotificationTopic(id), expand));
  }
  exchange.reply(200, listing(entities));
}

void NotificationSocketHandler::serve(Exchange& exchange) {
  const std::string channelId = exchange.pathParam("channelId");
  if (!org_.notifications.touch(channelId)) {
    exchange.reply(404, genesysError(404, "not.found", "notification channel " + channelId + " does not exist (or expired)"));
    return;
  }
  if (!isWebSocketHandshake(exchange)) {
    exchange.reply(400, genesysError(400, "bad.request",
                                     "a WebSocket handshake is required (Upgrade: websocket, Connection: Upgrade, "
                                     "Sec-WebSocket-Version: 13, Sec-WebSocket-Key)"));
    return;
  }
  exchange.replyText(101, "", "");
  GenesysOrg& org = org_;
  Poco::Event* stopping = context().stopping;
  exchange.upgrade = [&org, channelId, stopping](Poco::Net::HTTPServerRequest& request,
                                                 Poco::Net::HTTPServerResponse& response) {
    try {
      response.set("inin-correlation-id", randomUuid());
      const bool served = org.notifications.serveSocket(
          channelId, [&] { return Poco::Net::WebSocket(request, response); }, stopping);
      if (!served) {  // it expired in the instant since serve() looked: as if it had been gone then
        const auto error = errorDocumentFor(ServerKind::GenesysOrg, 404, "notification channel expired");
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.setContentType(error.contentType);
        response.sendBuffer(error.body.data(), error.body.size());
      }
    } catch (const Poco::Exception& e) {
      Poco::Logger::get("evalbridge.sim").warning("notification socket %s: %s", channelId, e.displayText());
    }
  };
}

}  // namespace evalbridge::sim
