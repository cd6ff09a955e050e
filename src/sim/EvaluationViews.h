#pragma once
// The store renders each evaluation in its fullest form (agent, evaluator and form with names).
// The public API shows less, and differently per endpoint: these functions cut such a document
// down to what one endpoint's official model carries. They change the document they are given
// (the store renders a new one per request, so nobody else holds it) and return it: copying it
// first would cost as much as rendering it.
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

Poco::JSON::Object::Ptr evaluationResponse(Poco::JSON::Object::Ptr evaluation, const std::set<std::string>& expand);
Poco::JSON::Object::Ptr evaluationSearchItem(Poco::JSON::Object::Ptr evaluation);

}  // namespace evalbridge::sim
