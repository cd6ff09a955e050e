#include "sim/NotificationTopics.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>

#include "sim/JsonText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr stringArray(const std::vector<std::string>& values) {
  Array::Ptr array = new Array;
  for (const auto& value : values) array->add(value);
  return array;
}

// A JSON schema of the event body as the simulator sends it (EvaluationEvent), enough for a
// client that inspects the schema to find the fields; the SDK model is the authority.
Object::Ptr evaluationEventSchema() {
  auto typed = [](const std::string& type, const std::string& format = "") {
    auto property = orderedObject();
    property->set("type", type);
    if (!format.empty()) property->set("format", format);
    return property;
  };
  auto user = orderedObject();
  user->set("type", "object");
  auto userProperties = orderedObject();
  userProperties->set("id", typed("string"));
  userProperties->set("displayName", typed("string"));
  user->set("properties", userProperties);
  auto strings = typed("array");
  strings->set("items", typed("string"));

  auto properties = orderedObject();
  properties->set("id", typed("string"));
  properties->set("conversationId", typed("string"));
  properties->set("agent", user);
  properties->set("evaluator", user);
  properties->set("eventTime", typed("string", "date-time"));
  properties->set("evaluationFormId", typed("string"));
  properties->set("formName", typed("string"));
  auto status = typed("string");
  status->set("enum", stringArray({"Pending", "InProgress", "Finished", "InReview", "Retracted"}));
  properties->set("status", status);
  properties->set("agentHasRead", typed("boolean"));
  properties->set("releaseDate", typed("string", "date-time"));
  properties->set("assignedDate", typed("string", "date-time"));
  properties->set("changedDate", typed("string", "date-time"));
  properties->set("eventType", typed("string"));
  properties->set("divisionIds", strings);
  properties->set("rescore", typed("boolean"));
  properties->set("conversationDate", typed("string", "date-time"));
  properties->set("mediaType", strings);

  auto schema = orderedObject();
  schema->set("id", "urn:jsonschema:com:inin:quality:evaluations:EvaluationQualityV2TopicEvaluationV2");
  schema->set("type", "object");
  schema->set("title", "EvaluationQualityV2TopicEvaluationV2");
  schema->set("properties", properties);
  return schema;
}

}  // namespace

const std::vector<NotificationTopic>& notificationTopics() {
  static const std::vector<NotificationTopic> topics = {
      {kEvaluationsTopic, "Quality evaluations of the organization: created, changed, rescored",
       {"quality:evaluation:view"}},
  };
  return topics;
}

const NotificationTopic* findNotificationTopic(const std::string& id) {
  for (const auto& topic : notificationTopics()) {
    if (topic.id == id) return &topic;
  }
  return nullptr;
}

std::set<std::string> parseTopicExpand(const std::vector<std::string>& values) {
  static const std::set<std::string> documented = {
      "description",  "enforced",           "schema",           "visibility",     "transports",
      "publicApiTemplateUriPaths", "requiresPermissions", "permissionDetails", "topicParameters"};
  std::set<std::string> expand;
  for (const auto& value : values) {
    Poco::StringTokenizer items(value, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& item : items) {
      if (!documented.count(item)) throw Poco::InvalidArgumentException("expand: '" + item + "' is not a documented value");
      expand.insert(item);
    }
  }
  return expand;
}

Object::Ptr availableTopicJson(const NotificationTopic& topic, const std::set<std::string>& expand) {
  auto json = orderedObject();
  if (expand.count("description")) json->set("description", topic.description);
  json->set("id", topic.id);
  if (expand.count("permissionDetails")) {
    auto details = orderedObject();
    details->set("type", "requiresPermissions");
    details->set("permissions", stringArray(topic.requiresPermissions));
    details->set("allowsCurrentUser", false);
    details->set("enforced", true);
    Array::Ptr list = new Array;
    list->add(details);
    json->set("permissionDetails", list);
  }
  if (expand.count("requiresPermissions")) json->set("requiresPermissions", stringArray(topic.requiresPermissions));
  if (expand.count("enforced")) json->set("enforced", true);
  if (expand.count("visibility")) json->set("visibility", "Public");
  // The one topic there is; a second one would bring its own schema.
  if (expand.count("schema") && topic.id == kEvaluationsTopic) json->set("schema", evaluationEventSchema());
  if (expand.count("transports")) json->set("transports", stringArray({"All"}));
  if (expand.count("publicApiTemplateUriPaths")) json->set("publicApiTemplateUriPaths", stringArray({}));
  if (expand.count("topicParameters")) json->set("topicParameters", stringArray({}));
  return json;
}

}  // namespace evalbridge::sim
