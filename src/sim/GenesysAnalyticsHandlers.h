#pragma once
// The analytics conversation-detail job API (AnalyticsApi), for a source that uses only public
// documented APIs:
//   POST /api/v2/analytics/conversations/details/jobs AsyncConversationQuery -> 202 AsyncQueryResponse
//   GET  /api/v2/analytics/conversations/details/jobs/{jobId} -> AsyncQueryStatus
//   GET  /api/v2/analytics/conversations/details/jobs/{jobId}/results?cursor=C&pageSize=N
//        -> AnalyticsConversationAsyncQueryResponse {conversations, cursor?, dataAvailabilityDate}
//   GET  /api/v2/analytics/conversations/details/jobs/availability -> DataAvailabilityResponse
// Cautious readings (the docs are silent): data reaches analytics late, so a job holds only
// evaluations first submitted before the org's dataAvailabilityDate when the job is created; an
// evaluation's eventTime is its first submission and a rescore does not move it. A conversation
// is in the job when its conversationStart is inside the interval.
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

class AnalyticsAvailabilityHandler : public GenesysApiHandler {
 public:
  explicit AnalyticsAvailabilityHandler(GenesysOrg& org) : GenesysApiHandler(org, kConversationDetailView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
