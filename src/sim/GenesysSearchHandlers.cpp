#include "sim/GenesysSearchHandlers.h"

#include <Poco/JSON/Array.h>

#include "sim/EvaluationSearch.h"
#include "sim/EvaluationViews.h"
#include "sim/JsonText.h"

namespace evalbridge::sim {

void EvaluationSearchHandler::serveAuthorized(Exchange& exchange) {
  const EvaluationSearch search(parseObject(exchange.body));
  Poco::JSON::Array::Ptr results = new Poco::JSON::Array;
  const auto page = org().evaluations.select([&](const SearchIndex& index) { return search.pick(index); });
  for (const auto& evaluation : page) results->add(evaluationSearchItem(evaluation));
  auto answer = orderedObject();
  answer->set("pageSize", search.pageSize());
  answer->set("pageNumber", search.pageNumber());
  answer->set("results", results);
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
