#include "genesys/NotificationFrame.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <exception>

namespace evalbridge {
namespace {

using Poco::JSON::Object;

// Nesting beyond this is no Genesys event; the limit keeps a hostile frame from costing stack.
constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxTopicChars = 128;

NotificationFrame malformed(std::string problem, std::string topic = "") {
  NotificationFrame frame;
  frame.kind = NotificationFrame::Kind::Malformed;
  frame.topicName = std::move(topic);
  frame.problem = std::move(problem);
  return frame;
}

// A member that must be a string; "" when it is absent, null or of another type.
std::string stringMember(const Object& object, const std::string& name) {
  if (!object.has(name)) return {};
  const Poco::Dynamic::Var value = object.get(name);
  return value.isString() ? value.extract<std::string>() : std::string();
}

NotificationFrame metadataFrame(const Object::Ptr& body, const std::string& topic) {
  NotificationFrame frame;
  frame.topicName = topic;
  const std::string message = body ? stringMember(*body, "message") : std::string();
  if (message == "WebSocket Heartbeat") {
    frame.kind = NotificationFrame::Kind::Heartbeat;
  } else if (message == "pong") {
    frame.kind = NotificationFrame::Kind::Pong;
  } else {
    frame.kind = NotificationFrame::Kind::Metadata;
  }
  return frame;
}

NotificationFrame evaluationFrame(const Object::Ptr& body, const std::string& topic) {
  if (!body) return malformed("the event has no eventBody object", topic);
  NotificationFrame frame;
  frame.kind = NotificationFrame::Kind::Evaluation;
  frame.topicName = topic;
  EvaluationHint& hint = frame.hint;
  hint.evaluationId = stringMember(*body, "id");
  hint.conversationId = stringMember(*body, "conversationId");
  // Without both ids the evaluation GET cannot be made: the hint is useless, the sweep will find it.
  if (hint.evaluationId.empty()) return malformed("the event body has no string id", topic);
  if (hint.conversationId.empty()) return malformed("the event body has no string conversationId", topic);
  hint.changedDate = stringMember(*body, "changedDate");
  hint.status = stringMember(*body, "status");
  hint.eventType = stringMember(*body, "eventType");
  if (body->has("rescore")) {
    const Poco::Dynamic::Var rescore = body->get("rescore");
    hint.rescore = rescore.type() == typeid(bool) && rescore.extract<bool>();
  }
  return frame;
}

}  // namespace

std::string loggableTopicName(const std::string& topicName) {
  std::string out;
  for (char c : topicName) {
    if (out.size() == kMaxTopicChars) return out + "...";
    out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  }
  return out;
}

NotificationFrame parseNotificationFrame(const std::string& text, std::size_t maxBytes) {
  if (text.size() > maxBytes) {
    return malformed("the frame has " + std::to_string(text.size()) + " bytes, more than the limit of " +
                     std::to_string(maxBytes));
  }
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(kMaxDepth);
    const Poco::Dynamic::Var parsed = parser.parse(text);
    if (parsed.type() != typeid(Object::Ptr)) return malformed("the frame is not a JSON object");
    const Object::Ptr frame = parsed.extract<Object::Ptr>();
    if (!frame) return malformed("the frame is not a JSON object");
    const std::string topic = stringMember(*frame, "topicName");
    if (topic.empty()) return malformed("the frame has no string topicName");
    const std::string shownTopic = loggableTopicName(topic);
    // getObject() is null when eventBody is absent or not an object.
    const Object::Ptr body = frame->getObject("eventBody");
    if (topic == kChannelMetadataTopic) return metadataFrame(body, shownTopic);
    if (topic == kSocketClosingTopic) {
      NotificationFrame closing;
      closing.kind = NotificationFrame::Kind::SocketClosing;
      closing.topicName = shownTopic;
      return closing;
    }
    if (topic == kEvaluationsTopic) return evaluationFrame(body, shownTopic);
    NotificationFrame other;
    other.kind = NotificationFrame::Kind::OtherTopic;
    other.topicName = shownTopic;
    return other;
  } catch (const std::exception&) {
    // Poco's message may quote the text it choked on: only the fact is reported.
    return malformed("the frame is not valid JSON");
  }
}

std::string notificationPingText() {
  return R"({"message":"ping"})";
}

}  // namespace evalbridge
