#pragma once
// The analytics conversation-detail job API, for a source that uses only public documented APIs:
//   POST /api/v2/analytics/conversations/details/jobs {"interval":"START/END",...} -> 202 {"jobId"}
//   GET  /api/v2/analytics/conversations/details/jobs/{jobId} -> {"state",...}
//   GET  /api/v2/analytics/conversations/details/jobs/{jobId}/results?cursor=C
//        -> {"conversations":[{...,"evaluations":[{"evaluationId",...}]}],"cursor"?}
// A conversation is in the job when its conversationStart is inside the interval.
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

inline const char* const kConversationDetailView = "analytics:conversationDetail:view";

class AnalyticsJobCreateHandler : public GenesysApiHandler {
 public:
  explicit AnalyticsJobCreateHandler(GenesysOrg& org) : GenesysApiHandler(org, kConversationDetailView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class AnalyticsJobStatusHandler : public GenesysApiHandler {
 public:
  explicit AnalyticsJobStatusHandler(GenesysOrg& org) : GenesysApiHandler(org, kConversationDetailView) {}

 protected:
  bool isJobStatusPoll() const override { return true; }
  void serveAuthorized(Exchange& exchange) override;
};

class AnalyticsJobResultsHandler : public GenesysApiHandler {
 public:
  explicit AnalyticsJobResultsHandler(GenesysOrg& org) : GenesysApiHandler(org, kConversationDetailView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
