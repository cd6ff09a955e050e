#pragma once
// The "analytics" source: built only on public, documented Genesys Cloud endpoints, for orgs
// where the evaluation export API is not available.
//   1. POST /api/v2/analytics/conversations/details/jobs {interval, evaluationFilters} -> {jobId}
//   2. GET  .../jobs/{jobId} until state FULFILLED (FAILED/CANCELLED/EXPIRED: resubmitted, bounded
//      by genesys.export.maxResubmits; given up after genesys.export.jobTimeoutS)
//   3. GET  .../jobs/{jobId}/results?cursor=C, page by page
//   4. per page, GET /api/v2/quality/conversations/{cid}/evaluations/{eid} for each evaluation
//      that belongs to the window (bounded concurrency), handed on as one page.
// How the interval is chosen (late evaluations of older conversations): see AnalyticsQuery.h.
//
// Rescores: the official docs do not say that a rescore moves an evaluation's analytics
// eventTime, and the cautious reading is that it does not. This source therefore does NOT find
// rescores: it reads an evaluation in the window of its eventTime, once. Use the "search" source
// (submittedDate moves on every submission) where rescores must update incidents.
#include <string>

#include "genesys/EvaluationSource.h"

namespace evalbridge {

class OrgClient;
class ShutdownToken;

class AnalyticsSource : public EvaluationSource {
 public:
  AnalyticsSource(OrgClient& client, ShutdownToken& shutdown);
  WindowStop fetch(const TimeWindow& window, const EvaluationPageHandler& handler) override;
  // GET .../details/jobs/availability -> dataAvailabilityDate: analytics data before it is
  // complete; later data may still arrive, so no window may end after it.
  std::optional<Poco::Timestamp> completeUntil() override;

 private:
  std::string submit(const TimeWindow& interval);
  void readPages(const std::string& jobId, const TimeWindow& window, const EvaluationPageHandler& handler);

  OrgClient& client_;
  ShutdownToken& shutdown_;
};

}  // namespace evalbridge
