#pragma once
// The quality evaluation export job API of a simulated org (SPEC section 6):
//   POST /api/v2/quality/evaluations/export {"startTime","endTime"} -> {"id"}
//   GET  /api/v2/quality/exports/{id}          -> {"id","status",("errorMessage"|"downloadUrl")}
//   GET  /api/v2/quality/exports/{id}/results?cursor=C -> {"entities":[...],"cursor"?}
// and the single-evaluation read the analytics source uses:
//   GET  /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}
#include "sim/GenesysApiHandler.h"

namespace evalbridge::sim {

inline const char* const kEvaluationView = "quality:evaluation:view";

class ExportCreateHandler : public GenesysApiHandler {
 public:
  explicit ExportCreateHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class ExportStatusHandler : public GenesysApiHandler {
 public:
  explicit ExportStatusHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationView) {}

 protected:
  bool isJobStatusPoll() const override { return true; }
  void serveAuthorized(Exchange& exchange) override;
};

class ExportResultsHandler : public GenesysApiHandler {
 public:
  explicit ExportResultsHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

class EvaluationGetHandler : public GenesysApiHandler {
 public:
  explicit EvaluationGetHandler(GenesysOrg& org) : GenesysApiHandler(org, kEvaluationView) {}

 protected:
  void serveAuthorized(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
