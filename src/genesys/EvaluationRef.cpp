#include "genesys/EvaluationRef.h"

#include "http/HttpClient.h"

namespace evalbridge {

std::string evaluationPath(const EvaluationRef& ref) {
  return "/api/v2/quality/conversations/" + urlEncode(ref.conversationId) + "/evaluations/" +
         urlEncode(ref.evaluationId) + "?expand=" + urlEncode(kEvaluationExpand);
}

}  // namespace evalbridge
