#include "sim/ControlHandlers.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>

#include <set>

#include "sim/JsonText.h"
#include "sim/Scenario.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr bodyOf(const Exchange& exchange) {
  return exchange.body.empty() ? orderedObject() : parseObject(exchange.body);
}

std::string requiredString(const Object::Ptr& body, const std::string& key) {
  if (!body->has(key) || !body->get(key).isString() || body->getValue<std::string>(key).empty()) {
    throw Poco::InvalidArgumentException(key + ": a non-empty string is required");
  }
  return body->getValue<std::string>(key);
}

Object::Ptr ok() {
  auto answer = orderedObject();
  answer->set("ok", true);
  return answer;
}

Array::Ptr arrayOf(const std::vector<Object::Ptr>& objects) {
  Array::Ptr array = new Array;
  for (const auto& object : objects) array->add(object);
  return array;
}

Object::Ptr rowsToJson(const std::map<std::string, std::map<std::string, Object::Ptr>>& tables) {
  auto json = orderedObject();
  for (const auto& [table, rows] : tables) {
    auto rowsJson = orderedObject();
    for (const auto& [rowId, row] : rows) rowsJson->set(rowId, row);
    json->set(table, rowsJson);
  }
  return json;
}

void getState(Simulator& sim, Exchange& exchange) {
  exchange.reply(200, sim.stateDocument());
}

void getFaults(Simulator& sim, Exchange& exchange) {
  Array::Ptr rules = new Array;
  for (const auto& rule : sim.faults()) rules->add(toJson(rule));
  auto answer = orderedObject();
  answer->set("faults", rules);
  exchange.reply(200, answer);
}

void postFault(Simulator& sim, Exchange& exchange) {
  const FaultRule rule = faultRuleFromJson(bodyOf(exchange));
  sim.addFault(rule);
  exchange.reply(201, toJson(rule));
}

void deleteFaults(Simulator& sim, Exchange& exchange) {
  sim.clearFaults();
  exchange.reply(200, ok());
}

void grantPermission(Simulator& sim, Exchange& exchange) {
  sim.grantPermission(exchange.pathParam("name"), requiredString(bodyOf(exchange), "permission"));
  exchange.reply(200, ok());
}

void revokePermission(Simulator& sim, Exchange& exchange) {
  sim.revokePermission(exchange.pathParam("name"), requiredString(bodyOf(exchange), "permission"));
  exchange.reply(200, ok());
}

void getEvaluations(Simulator& sim, Exchange& exchange) {
  auto answer = orderedObject();
  answer->set("evaluations", arrayOf(sim.evaluations(exchange.pathParam("name"))));
  exchange.reply(200, answer);
}

void postEvaluations(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  const int count = body->has("count") && body->get("count").isInteger() ? body->getValue<int>("count") : -1;
  if (count < 0) throw Poco::InvalidArgumentException("count: a non-negative integer is required");
  const std::string from = body->optValue<std::string>("from", "");
  Array::Ptr ids = new Array;
  for (const auto& id : sim.addEvaluations(exchange.pathParam("name"), count, from)) ids->add(id);
  auto answer = orderedObject();
  answer->set("ids", ids);
  exchange.reply(201, answer);
}

void postRescore(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  if (!body->has("totalScore") || !body->get("totalScore").isNumeric()) {
    throw Poco::InvalidArgumentException("totalScore: a number is required");
  }
  sim.rescore(exchange.pathParam("name"), exchange.pathParam("id"), body->getValue<double>("totalScore"),
              requiredString(body, "changedDate"));
  exchange.reply(200, ok());
}

void postExpireTokens(Simulator& sim, Exchange& exchange) {
  sim.expireTokens(exchange.pathParam("name"));
  exchange.reply(200, ok());
}

// {"dataAvailabilityDate":"ISO8601"} pins it; {"dataAvailabilityDate":null} follows the clock again.
void postAnalyticsAvailability(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  if (!body->has("dataAvailabilityDate")) throw Poco::InvalidArgumentException("dataAvailabilityDate: is required");
  const auto value = body->get("dataAvailabilityDate");
  if (!value.isEmpty() && !value.isString()) {
    throw Poco::InvalidArgumentException("dataAvailabilityDate: an ISO 8601 string or null is required");
  }
  const std::string name = exchange.pathParam("name");
  sim.setDataAvailability(name, value.isEmpty() ? std::nullopt : std::optional<std::string>(value.toString()));
  auto answer = orderedObject();
  answer->set("dataAvailabilityDate", sim.dataAvailability(name));
  exchange.reply(200, answer);
}

void getIncidents(Simulator& sim, Exchange& exchange) {
  auto answer = orderedObject();
  answer->set("result", arrayOf(sim.incidents()));
  exchange.reply(200, answer);
}

void postIncident(Simulator& sim, Exchange& exchange) {
  const std::string sysId = exchange.pathParam("sys_id");
  sim.updateIncident(sysId, bodyOf(exchange));
  for (const auto& incident : sim.incidents()) {
    if (incident->getValue<std::string>("sys_id") != sysId) continue;
    auto answer = orderedObject();
    answer->set("result", incident);
    exchange.reply(200, answer);
    return;
  }
  throw Poco::NotFoundException("incident " + sysId);
}

void getRequests(Simulator& sim, Exchange& exchange) {
  Poco::UInt64 since = 0;
  const std::string text = exchange.queryParam("since").value_or("0");
  if (!Poco::NumberParser::tryParseUnsigned64(text, since)) {
    throw Poco::InvalidArgumentException("since: not a sequence number: '" + text + "'");
  }
  Array::Ptr requests = new Array;
  for (const auto& request : sim.requestsSince(since)) requests->add(toJson(request));
  auto answer = orderedObject();
  answer->set("requests", requests);
  exchange.reply(200, answer);
}

void deleteRequests(Simulator& sim, Exchange& exchange) {
  sim.clearRequests();
  exchange.reply(200, ok());
}

void getDataTables(Simulator& sim, Exchange& exchange) {
  auto answer = orderedObject();
  for (const auto& org : sim.options().orgs) answer->set(org.name, rowsToJson(sim.dataTableRows(org.name)));
  exchange.reply(200, answer);
}

// The notification bodies are small and new: a key they do not take is refused by name, so
// {"grace":500} fails instead of closing at once.
void onlyKeys(const Object::Ptr& body, const std::set<std::string>& allowed) {
  for (const auto& [key, value] : *body) {
    if (!allowed.count(key)) throw Poco::InvalidArgumentException(key + ": unknown key");
  }
}

Object::Ptr counted(const std::string& name, int count) {
  auto answer = orderedObject();
  answer->set(name, count);
  return answer;
}

Object::Ptr notificationStateJson(const NotificationState& state) {
  Array::Ptr channels = new Array;
  for (const auto& channel : state.channels) {
    Array::Ptr topics = new Array;
    for (const auto& topic : channel.subscriptions) topics->add(topic);
    auto json = orderedObject();
    json->set("id", channel.id);
    json->set("expires", channel.expires);
    json->set("connected", channel.connected);
    json->set("subscriptions", topics);
    json->set("eventsSent", channel.eventsSent);
    json->set("eventsUndelivered", channel.eventsUndelivered);
    channels->add(json);
  }
  Array::Ptr revoked = new Array;
  for (const auto& topic : state.revokedTopics) revoked->add(topic);
  auto answer = orderedObject();
  answer->set("channels", channels);
  answer->set("eventsLost", state.eventsLost);
  answer->set("losePending", state.losePending);
  answer->set("revokedTopics", revoked);
  return answer;
}

void getNotifications(Simulator& sim, Exchange& exchange) {
  exchange.reply(200, notificationStateJson(sim.notificationState(exchange.pathParam("name"))));
}

void postDropSockets(Simulator& sim, Exchange& exchange) {
  onlyKeys(bodyOf(exchange), {});
  exchange.reply(200, counted("dropped", sim.dropNotificationSockets(exchange.pathParam("name"))));
}

// {"message":"…","graceMs":0}, both optional.
void postCloseSockets(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  onlyKeys(body, {"message", "graceMs"});
  if (body->has("message") && !body->get("message").isString()) {
    throw Poco::InvalidArgumentException("message: must be a string");
  }
  if (body->has("graceMs") && !body->get("graceMs").isInteger()) {
    throw Poco::InvalidArgumentException("graceMs: must be an integer");
  }
  const int closed = sim.closeNotificationSockets(exchange.pathParam("name"), body->optValue<std::string>("message", ""),
                                                  body->optValue<int>("graceMs", 0));
  exchange.reply(200, counted("closed", closed));
}

void postExpireChannels(Simulator& sim, Exchange& exchange) {
  onlyKeys(bodyOf(exchange), {});
  exchange.reply(200, counted("expired", sim.expireNotificationChannels(exchange.pathParam("name"))));
}

void postLoseNotifications(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  onlyKeys(body, {"count"});
  if (!body->has("count") || !body->get("count").isInteger() || body->getValue<int>("count") < 0) {
    throw Poco::InvalidArgumentException("count: a non-negative integer is required");
  }
  sim.loseNotifications(exchange.pathParam("name"), body->getValue<int>("count"));
  exchange.reply(200, ok());
}

void postRevokeTopic(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  onlyKeys(body, {"topic"});
  sim.revokeTopic(exchange.pathParam("name"), requiredString(body, "topic"));
  exchange.reply(200, ok());
}

void postGrantTopic(Simulator& sim, Exchange& exchange) {
  auto body = bodyOf(exchange);
  onlyKeys(body, {"topic"});
  sim.grantTopic(exchange.pathParam("name"), requiredString(body, "topic"));
  exchange.reply(200, ok());
}

void notFound(Simulator&, Exchange& exchange) {
  auto answer = orderedObject();
  answer->set("error", "no control endpoint " + exchange.method + " " + exchange.path + " (see sim/README.md)");
  exchange.reply(404, answer);
}

}  // namespace

void addControlRoutes(Router& router, Simulator& simulator) {
  auto bind = [&simulator](ControlHandler::Endpoint endpoint) {
    return [&simulator, endpoint]() -> SimHandler* { return new ControlHandler(simulator, endpoint); };
  };
  router.add("GET", "/control/state", bind(getState))
      .add("GET", "/control/faults", bind(getFaults))
      .add("POST", "/control/faults", bind(postFault))
      .add("DELETE", "/control/faults", bind(deleteFaults))
      .add("POST", "/control/orgs/{name}/permissions/grant", bind(grantPermission))
      .add("POST", "/control/orgs/{name}/permissions/revoke", bind(revokePermission))
      .add("GET", "/control/orgs/{name}/evaluations", bind(getEvaluations))
      .add("POST", "/control/orgs/{name}/evaluations", bind(postEvaluations))
      .add("POST", "/control/orgs/{name}/evaluations/{id}/rescore", bind(postRescore))
      .add("POST", "/control/orgs/{name}/expire-tokens", bind(postExpireTokens))
      .add("POST", "/control/orgs/{name}/analytics/availability", bind(postAnalyticsAvailability))
      .add("GET", "/control/incidents", bind(getIncidents))
      .add("POST", "/control/incidents/{sys_id}", bind(postIncident))
      .add("GET", "/control/requests", bind(getRequests))
      .add("DELETE", "/control/requests", bind(deleteRequests))
      .add("GET", "/control/datatables", bind(getDataTables))
      .add("GET", "/control/orgs/{name}/notifications", bind(getNotifications))
      .add("POST", "/control/orgs/{name}/notifications/drop", bind(postDropSockets))
      .add("POST", "/control/orgs/{name}/notifications/close", bind(postCloseSockets))
      .add("POST", "/control/orgs/{name}/notifications/expire", bind(postExpireChannels))
      .add("POST", "/control/orgs/{name}/notifications/lose", bind(postLoseNotifications))
      .add("POST", "/control/orgs/{name}/notifications/topics/revoke", bind(postRevokeTopic))
      .add("POST", "/control/orgs/{name}/notifications/topics/grant", bind(postGrantTopic));
}

SimHandler* makeControlNotFound(Simulator& simulator) {
  return new ControlHandler(simulator, notFound);
}

}  // namespace evalbridge::sim
