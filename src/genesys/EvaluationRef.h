#pragma once
// One evaluation to read in full with the evaluation GET (QualityApi
// get_quality_conversation_evaluation):
//   GET /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}
//       ?expand=agent,evaluator,evaluationForm
// Without `expand`, agent, evaluator and evaluationForm are bare references ({id, selfUri}):
// their names, which mappings put into incidents and route on, come only with it.
#include <string>

namespace evalbridge {

inline const char* const kEvaluationExpand = "agent,evaluator,evaluationForm";

struct EvaluationRef {
  std::string conversationId;
  std::string evaluationId;
  std::string eventTime;  // analytics eventTime as Genesys wrote it; "" when absent or unknown
};

// GET path (with the expand query) of one full evaluation.
std::string evaluationPath(const EvaluationRef& ref);

}  // namespace evalbridge
