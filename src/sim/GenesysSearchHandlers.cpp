#include "sim/GenesysSearchHandlers.h"

#include <Poco/JSON/Array.h>

#include "sim/EvaluationSearch.h"
#include "sim/EvaluationViews.h"
#include "sim/JsonText.h"

namespace evalbridge::sim {

void EvaluationSearchHandler::serveAuthorized(Exchange& exchange) {
  const EvaluationSearch search(parseObject(exchange.body));
  Poco::JSON::Array::Ptr results = new Poco::JSON::Array;
  const auto matching = org().evaluations.where([&](const Poco::JSON::Object::Ptr& e) { return search.matches(e); });
  for (const auto& evaluation : search.page(matching)) results->add(evaluationSearchItem(evaluation));
  auto answer = orderedObject();
  answer->set("pageSize", search.pageSize());
  answer->set("pageNumber", search.pageNumber());
  answer->set("results", results);
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
