#pragma once
// The notification topics a simulated org offers (GET /api/v2/notifications/availabletopics),
// and how one is described. One topic today: v2.quality.evaluations, whose event body is
// EvaluationQualityV2TopicEvaluationV2 (EvaluationEvent). The permission it requires is the
// simulator's assumption (sim/README.md); clients are expected to read it from requiresPermissions
// rather than hard-code it, so this is the one place that states it.
#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace evalbridge::sim {

inline const char* const kEvaluationsTopic = "v2.quality.evaluations";

struct NotificationTopic {
  std::string id;
  std::string description;
  std::vector<std::string> requiresPermissions;  // all of them are needed
};

const std::vector<NotificationTopic>& notificationTopics();
const NotificationTopic* findNotificationTopic(const std::string& id);

// The `expand` query of availabletopics: comma lists, possibly repeated, of the documented values
// (description, enforced, schema, visibility, transports, publicApiTemplateUriPaths,
// requiresPermissions, permissionDetails, topicParameters). Throws InvalidArgumentException for
// anything else, so a typo does not silently return less.
std::set<std::string> parseTopicExpand(const std::vector<std::string>& values);

// An AvailableTopic: `id` always, the other documented fields only when expanded (the cautious
// reading: a client must ask for what it relies on).
Poco::JSON::Object::Ptr availableTopicJson(const NotificationTopic& topic, const std::set<std::string>& expand);

}  // namespace evalbridge::sim
