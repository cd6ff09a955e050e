#include "sync/DataTableWriteBack.h"

#include <sstream>

#include <Poco/Logger.h>

#include "common/LogEvent.h"
#include "genesys/OrgClient.h"
#include "http/ShutdownToken.h"
#include "ledger/IncidentStateStore.h"
#include "sync/SyncMetrics.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.writeback"); }

constexpr int kBatch = 200;

// POST creates a row and PUT updates an existing one (ArchitectApi post_flows_datatable_rows,
// put_flows_datatable_row). The ledger says which one is due; when it is wrong (a row deleted in
// Architect, or created by a run that died before recording it), a PUT answered 404 is sent again
// as a POST, and a POST answered 409 as a PUT. Any other refusal is explained and thrown.
void writeRow(OrgClient& client, const std::string& datatableId, const WriteBackDue& due, const std::string& body) {
  const std::string rowsPath = "/api/v2/flows/datatables/" + urlEncode(datatableId) + "/rows";
  bool update = due.rowWritten;
  for (int turn = 1;; ++turn) {
    HttpResponse response = update ? client.probe("PUT", rowsPath + "/" + urlEncode(due.evaluationId), body)
                                   : client.probe("POST", rowsPath, body);
    if (response.status >= 200 && response.status <= 299) return;
    const bool otherMethodFits = update ? response.status == 404 : response.status == 409;
    if (!otherMethodFits || turn == 2)
      client.fail(response, update ? "PUT /api/v2/flows/datatables/{datatableId}/rows/{rowId}"
                                   : "POST /api/v2/flows/datatables/{datatableId}/rows");
    update = !update;
  }
}

}  // namespace

struct DataTableWriteBack::OrgTarget {
  const OrgSettings& settings;
  std::unique_ptr<OrgClient> owned;  // when no shared client was given
  OrgClient& client;
  OrgTarget(const OrgSettings& org, ShutdownToken& shutdown, const OrgClientLookup& clientFor)
      : settings(org),
        owned(clientFor ? nullptr : std::make_unique<OrgClient>(org, shutdown)),
        client(clientFor ? clientFor(org) : *owned) {}
};

DataTableWriteBack::DataTableWriteBack(const Config& config, IncidentStateStore& store, ShutdownToken& shutdown,
                                       Metrics* metrics, OrgClientLookup clientFor)
    : config_(config), store_(store), shutdown_(shutdown), metrics_(metrics) {
  for (const auto& org : config.orgs)
    if (!org.writeBackDatatableId.empty()) orgs_.push_back(std::make_unique<OrgTarget>(org, shutdown, clientFor));
}

DataTableWriteBack::~DataTableWriteBack() = default;

Poco::JSON::Object::Ptr DataTableWriteBack::rowFor(const WriteBackDue& due, const ServiceNowSettings& servicenow) {
  Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
  row->set("key", due.evaluationId);
  row->set("incidentNumber", due.number);
  row->set("state", due.state);
  row->set("link", servicenow.instanceUrl + "/nav_to.do?uri=" + servicenow.table + ".do?sys_id=" + due.sysId);
  return row;
}

WriteBackReport DataTableWriteBack::runOnce() {
  WriteBackReport report;
  for (auto& org : orgs_) {
    if (holds_ && !holds_(org->settings.orgId)) continue;
    const std::string& datatableId = org->settings.writeBackDatatableId;
    // Rows that fail stay due; one pass per call so a failing org cannot spin.
    for (const WriteBackDue& due : store_.dueWriteBacks(org->settings.orgId, datatableId, kBatch)) {
      if (shutdown_.stopRequested()) return report;
      std::ostringstream body;
      rowFor(due, config_.servicenow)->stringify(body);
      const LogFields fields = {{"org", org->settings.name}, {"evaluationId", due.evaluationId},
                                {"incident", due.number}, {"state", due.state}};
      try {
        writeRow(org->client, datatableId, due, body.str());
        store_.markWrittenBack(due, datatableId);
        ++report.written;
        if (metrics_) recordWriteBack(*metrics_, org->settings.name, true);
        logEvent(logger(), Poco::Message::PRIO_INFORMATION, "data table row written", fields);
      } catch (const Poco::Exception& e) {
        store_.markWriteBackFailed(due, datatableId, e.message());
        ++report.failed;
        if (metrics_) recordWriteBack(*metrics_, org->settings.name, false);
        logEvent(logger(), Poco::Message::PRIO_WARNING, "data table row not written (retried later): " + e.message(),
                 fields);
      }
    }
  }
  return report;
}

}  // namespace evalbridge
