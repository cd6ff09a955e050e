#pragma once
// The single-evaluation read (QualityApi get_quality_conversation_evaluation):
//   GET /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}?expand=...
// -> EvaluationResponse; names of agent, evaluator and form only with `expand` (EvaluationViews).
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

inline const char* const kEvaluationView = "quality:evaluation:view";

class EvaluationGetHandler : public GenesysApiHandler {
 public:
  explicit EvaluationGetHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
