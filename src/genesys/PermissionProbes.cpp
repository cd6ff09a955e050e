#include "genesys/PermissionProbes.h"

#include "genesys/AnalyticsQuery.h"

namespace evalbridge {
namespace {

// An id no real object has (Genesys ids are random UUIDs).
const std::string kNoSuchId = "00000000-0000-0000-0000-000000000000";

PermissionProbe evaluationView() {
  PermissionProbe probe;
  probe.check = std::string("permission ") + kEvaluationViewPermission;
  probe.permission = kEvaluationViewPermission;
  probe.method = "GET";
  probe.path = "/api/v2/quality/conversations/" + kNoSuchId + "/evaluations/" + kNoSuchId;
  probe.shownRequest = "GET /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}";
  probe.passing = {200, 400, 404};
  return probe;
}

PermissionProbe conversationDetailView() {
  PermissionProbe probe;
  probe.check = std::string("permission ") + kConversationDetailViewPermission;
  probe.permission = kConversationDetailViewPermission;
  probe.method = "GET";
  probe.path = std::string(kAnalyticsJobsPath) + "/" + kNoSuchId;
  probe.shownRequest = std::string("GET ") + kAnalyticsJobsPath + "/{jobId}";
  probe.passing = {200, 400, 404};
  return probe;
}

// An export request with an empty range: an org that offers the API rejects it (400) without
// creating a job; one that does not answers 404 (or 501).
PermissionProbe exportAvailable() {
  PermissionProbe probe;
  probe.check = "export API available";
  probe.permission = kEvaluationViewPermission;
  probe.method = "POST";
  probe.path = "/api/v2/quality/evaluations/export";
  probe.body = R"({"startTime":"2000-01-01T00:00:00Z","endTime":"2000-01-01T00:00:00Z"})";
  probe.shownRequest = "POST /api/v2/quality/evaluations/export (empty range, creates nothing)";
  probe.passing = {200, 201, 202, 400, 422};
  probe.availabilityCheck = true;
  return probe;
}

}  // namespace

std::vector<PermissionProbe> permissionProbesFor(const std::string& source) {
  if (source == "analytics") return {conversationDetailView(), evaluationView()};
  return {evaluationView(), exportAvailable()};
}

std::vector<std::string> permissionsFor(const std::string& source) {
  if (source == "analytics") return {kConversationDetailViewPermission, kEvaluationViewPermission};
  return {kEvaluationViewPermission};
}

}  // namespace evalbridge
