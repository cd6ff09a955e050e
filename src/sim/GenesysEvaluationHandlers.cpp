#include "sim/GenesysEvaluationHandlers.h"

#include <Poco/Exception.h>

#include "sim/EvaluationViews.h"

namespace evalbridge::sim {

void EvaluationGetHandler::serveAuthorized(Exchange& exchange) {
  const auto expand = parseEvaluationExpand(exchange.queryParam("expand"));
  auto evaluation = org().evaluations.find(exchange.pathParam("conversationId"), exchange.pathParam("evaluationId"));
  if (!evaluation) throw Poco::NotFoundException("evaluation " + exchange.pathParam("evaluationId"));
  exchange.reply(200, evaluationResponse(evaluation, expand));
}

}  // namespace evalbridge::sim
