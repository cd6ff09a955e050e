#pragma once
// The "search" source, the default: the official org-wide bulk query
//   POST /api/v2/quality/evaluations/search   (permission quality:evaluation:searchAny)
// swept in windows on genesys.search.dateField (default submittedDate, the last submission, so
// a rescore is found again and updates its incident). Each window is one DATE_RANGE query, at
// most 3 months long (the documented limit; genesys.search.maxWindow), read page by page as
// SearchPaging.h describes. Results are EvaluationSearchItemResponse objects: they lack what the
// evaluation GET adds with expand (names of agent, evaluator and form); the sync reads those in
// full only where the mapping needs them (EvaluationCompleter).
#include <string>

#include "genesys/EvaluationSource.h"

namespace evalbridge {

class OrgClient;

class SearchSource : public EvaluationSource {
 public:
  explicit SearchSource(OrgClient& client);
  WindowStop fetch(const TimeWindow& window, const EvaluationPageHandler& handler) override;

 private:
  OrgClient& client_;
};

}  // namespace evalbridge
