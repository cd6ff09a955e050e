#include "server/WebhookPayload.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/Errors.h"
#include "servicenow/ServiceNowClient.h"
#include "sync/IncidentStatePuller.h"

namespace evalbridge {

IncidentStateUpdate parseWebhookPayload(const std::string& body) {
  Poco::JSON::Object::Ptr json;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) throw PermanentError("the body must be a JSON object");
    json = parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const PermanentError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw PermanentError("the body is not valid JSON: " + e.message());
  }
  // Same reading as a Table API record: values may be plain or {value, display_value}.
  const Incident incident = incidentFromJson(json);
  IncidentStateUpdate update = stateUpdateFrom(incident);
  // A webhook may send only some fields: an absent one leaves the ledger's value alone.
  if (!json->has("assignment_group")) update.assignmentGroup.reset();
  if (!json->has("close_code")) update.closeCode.reset();
  if (!json->has("close_notes")) update.closeNotes.reset();
  if (json->has("sys_mod_count") && !incident.modCount && !json->get("sys_mod_count").isEmpty() &&
      !json->get("sys_mod_count").toString().empty())
    throw PermanentError("sys_mod_count must be a number");

  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"sys_id", &update.sysId},
                                    {"state", &update.state},
                                    {"correlation_id", &update.correlationId},
                                    {"sys_updated_on", &update.updatedOn}}) {
    if (value->empty()) throw PermanentError(std::string(name) + " is required");
  }
  if (update.correlationId.rfind("evalbridge:", 0) != 0)
    throw PermanentError("correlation_id '" + update.correlationId.substr(0, 100) +
                         "' is not the bridge's (evalbridge:{orgId}:{evaluationId})");
  validateQueryValue(update.correlationId, "correlation_id");
  return update;
}

}  // namespace evalbridge
