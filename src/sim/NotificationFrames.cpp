#include "sim/NotificationFrames.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include "sim/JsonText.h"
#include "sim/RandomIds.h"

namespace evalbridge::sim {
namespace {

std::string metadataFrame(const std::string& topic, const std::string& message) {
  auto body = orderedObject();
  body->set("message", message);
  auto frame = orderedObject();
  frame->set("topicName", topic);
  frame->set("eventBody", body);
  return toJson(frame);
}

}  // namespace

std::string eventFrame(const std::string& topic, const Poco::JSON::Object::Ptr& body) {
  auto metadata = orderedObject();
  metadata->set("CorrelationId", randomUuid());
  auto frame = orderedObject();
  frame->set("topicName", topic);
  frame->set("version", "2");
  frame->set("eventBody", body);
  frame->set("metadata", metadata);
  return toJson(frame);
}

std::string heartbeatFrame() {
  return metadataFrame("channel.metadata", "WebSocket Heartbeat");
}

std::string pongFrame() {
  return metadataFrame("channel.metadata", "pong");
}

std::string socketClosingFrame(const std::string& message) {
  return metadataFrame("v2.system.socket_closing", message);
}

bool isPingRequest(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    const auto parsed = parser.parse(text);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return false;
    const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    return object->has("message") && object->get("message").isString() &&
           object->getValue<std::string>("message") == "ping";
  } catch (const Poco::Exception&) {
    return false;  // not JSON: not a ping; the socket ignores it
  }
}

}  // namespace evalbridge::sim
