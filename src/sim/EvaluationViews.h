#pragma once
// The store keeps each evaluation in its fullest form (agent, evaluator and form with names).
// The public API shows less, and differently per endpoint: these functions cut a stored
// evaluation down to what one endpoint's official model carries.
//   evaluation GET without expand: agent, evaluator, evaluationForm are bare {id, selfUri};
//   with expand=agent / evaluator / evaluationForm: that reference also has its name;
//   search results (EvaluationSearchItemResponse): agent and evaluator bare, and the form an
//   EvaluationFormSearchResponse, a model without a name.
// queue keeps {id, name, selfUri} everywhere.
#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>

namespace evalbridge::sim {

// The `expand` query of the evaluation GET: a comma list of agent, assignee, evaluator,
// evaluationForm (the documented values). Throws InvalidArgumentException for anything else.
std::set<std::string> parseEvaluationExpand(const std::optional<std::string>& expand);

Poco::JSON::Object::Ptr evaluationResponse(const Poco::JSON::Object::Ptr& stored, const std::set<std::string>& expand);
Poco::JSON::Object::Ptr evaluationSearchItem(const Poco::JSON::Object::Ptr& stored);

}  // namespace evalbridge::sim
