#include "sim/EvaluationEvent.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include "sim/JsonText.h"

namespace evalbridge::sim {
namespace {

Poco::JSON::Object::Ptr topicUser(const Poco::JSON::Object::Ptr& user) {
  auto json = orderedObject();
  json->set("id", user->getValue<std::string>("id"));
  return json;
}

void copyIfPresent(const Poco::JSON::Object::Ptr& from, Poco::JSON::Object::Ptr to, const char* field) {
  if (from->has(field)) to->set(field, from->get(field));
}

}  // namespace

std::string topicStatus(const std::string& evaluationStatus) {
  if (evaluationStatus == "PENDING") return "Pending";
  if (evaluationStatus == "INPROGRESS") return "InProgress";
  if (evaluationStatus == "FINISHED") return "Finished";
  if (evaluationStatus == "INREVIEW") return "InReview";
  if (evaluationStatus == "RETRACTED") return "Retracted";
  throw Poco::InvalidArgumentException("evaluation status '" + evaluationStatus + "' has no topic spelling");
}

Poco::JSON::Object::Ptr evaluationEventBody(const Poco::JSON::Object::Ptr& stored, const std::string& eventType,
                                            const std::string& divisionId) {
  const auto form = stored->getObject("evaluationForm");
  auto body = orderedObject();
  body->set("id", stored->getValue<std::string>("id"));
  body->set("conversationId", stored->getObject("conversation")->getValue<std::string>("id"));
  body->set("agent", topicUser(stored->getObject("agent")));
  body->set("evaluator", topicUser(stored->getObject("evaluator")));
  body->set("eventTime", stored->getValue<std::string>("changedDate"));
  body->set("evaluationFormId", form->getValue<std::string>("id"));
  body->set("formName", form->getValue<std::string>("name"));
  body->set("status", topicStatus(stored->getValue<std::string>("status")));
  copyIfPresent(stored, body, "agentHasRead");
  copyIfPresent(stored, body, "releaseDate");  // only once submitted
  copyIfPresent(stored, body, "assignedDate");
  body->set("changedDate", stored->getValue<std::string>("changedDate"));
  body->set("eventType", eventType);
  if (!divisionId.empty()) {
    Poco::JSON::Array::Ptr divisions = new Poco::JSON::Array;
    divisions->add(divisionId);
    body->set("divisionIds", divisions);
  }
  body->set("rescore", stored->optValue<bool>("rescore", false));
  copyIfPresent(stored, body, "conversationDate");
  copyIfPresent(stored, body, "mediaType");  // shares the array: `stored` is the caller's copy
  return body;
}

}  // namespace evalbridge::sim
