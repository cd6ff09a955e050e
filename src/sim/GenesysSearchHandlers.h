#pragma once
// The evaluation search (QualityApi post_quality_evaluations_search):
//   POST /api/v2/quality/evaluations/search  EvaluationSearchRequestDTO
//   -> EvaluationSearchResponse {pageSize, pageNumber, results:[EvaluationSearchItemResponse]}
// (no total: the official model has none). Rules in EvaluationSearch; item shape in EvaluationViews.
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

inline const char* const kEvaluationSearchAny = "quality:evaluation:searchAny";

class EvaluationSearchHandler : public GenesysApiHandler {
 public:
  explicit EvaluationSearchHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationSearchAny) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
