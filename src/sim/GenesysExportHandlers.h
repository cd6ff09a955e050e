#pragma once
// The quality evaluation export job API of a simulated org (SPEC section 6):
//   POST /api/v2/quality/evaluations/export {"startTime","endTime"} -> {"id"}
//   GET  /api/v2/quality/exports/{id}          -> {"id","status",("errorMessage"|"downloadUrl")}
//   GET  /api/v2/quality/exports/{id}/results?cursor=C -> {"entities":[...],"cursor"?}
// Not part of the public API definition: its entities are full EvaluationResponse documents,
// with the names of agent, evaluator and form (as the expanded evaluation GET has them).
#include "sim/GenesysEvaluationHandlers.h"

namespace evalbridge::sim {

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

}  // namespace evalbridge::sim
