#include "genesys/PermissionProbes.h"

#include "genesys/AnalyticsQuery.h"
#include "genesys/SearchQuery.h"
#include "http/HttpClient.h"

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

// A search of one day in the year 2000, one result per page: allowed, it reads nothing.
PermissionProbe evaluationSearchAny() {
  PermissionProbe probe;
  probe.check = std::string("permission ") + kEvaluationSearchAnyPermission;
  probe.permission = kEvaluationSearchAnyPermission;
  probe.method = "POST";
  probe.path = kEvaluationSearchPath;
  probe.body = searchRequestBody("submittedDate", Poco::Timestamp::fromEpochTime(946684800),
                                 Poco::Timestamp::fromEpochTime(946771200), 1, 1);
  probe.shownRequest = std::string("POST ") + kEvaluationSearchPath + " (one day in 2000, reads nothing)";
  probe.passing = {200, 400};
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
  if (source == "export") return {evaluationView(), exportAvailable()};
  return {evaluationView(), evaluationSearchAny()};
}

std::vector<std::string> permissionsFor(const std::string& source) {
  if (source == "analytics") return {kConversationDetailViewPermission, kEvaluationViewPermission};
  if (source == "export") return {kEvaluationViewPermission};
  return {kEvaluationViewPermission, kEvaluationSearchAnyPermission};
}

std::vector<PermissionProbe> writeBackProbes(const std::string& datatableId) {
  const std::string rows = "/api/v2/flows/datatables/" + urlEncode(datatableId) + "/rows";
  PermissionProbe view;
  view.check = std::string("permission ") + kDataTableViewPermission;
  view.permission = kDataTableViewPermission;
  view.method = "GET";
  view.path = "/api/v2/flows/datatables/" + urlEncode(datatableId);
  view.shownRequest = "GET /api/v2/flows/datatables/{datatableId}";
  view.passing = {200, 404};

  // A row without its key: a client that may add rows gets 400, and nothing is created.
  PermissionProbe add;
  add.check = std::string("permission ") + kDataTableRowAddPermission;
  add.permission = kDataTableRowAddPermission;
  add.method = "POST";
  add.path = rows;
  add.body = "{}";
  add.shownRequest = "POST /api/v2/flows/datatables/{datatableId}/rows (a row without a key, creates nothing)";
  add.passing = {400, 404, 422};

  // A row that does not exist: a client that may edit rows gets 404 (PUT never creates a row).
  PermissionProbe edit;
  edit.check = std::string("permission ") + kDataTableRowEditPermission;
  edit.permission = kDataTableRowEditPermission;
  edit.method = "PUT";
  edit.path = rows + "/" + kNoSuchId;
  edit.body = "{\"key\":\"" + kNoSuchId + "\"}";
  edit.shownRequest = "PUT /api/v2/flows/datatables/{datatableId}/rows/{rowId} (a row that does not exist)";
  edit.passing = {400, 404};
  return {view, add, edit};
}

}  // namespace evalbridge
