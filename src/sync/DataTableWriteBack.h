#pragma once
// Optional per org ("writeBack": {"datatableId": ...}): tells Genesys Cloud users what became of
// an evaluation by keeping a row in an Architect data table, {"key": evaluationId,
// "incidentNumber", "state", "link"}: created with POST .../datatables/{datatableId}/rows, then
// updated with PUT .../rows/{evaluationId} (see writeRow in the .cpp for the 404/409 fall-backs),
// through that org's own OrgClient (its token; shared with the org's sync when one is given).
// Works from the ledger as an outbox: a row is
// due whenever the ledger's incident number or state differs from what was last written, so a
// crash, an outage or a restart only delays it, and nothing is written twice for one state.
// Nothing here talks to ServiceNow, so a write-back can never echo into another state change.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "config/Config.h"

namespace evalbridge {

class IncidentStateStore;
class Metrics;
class OrgClient;
class ShutdownToken;
struct WriteBackDue;

struct WriteBackReport {
  int written = 0;
  int failed = 0;
};

class DataTableWriteBack {
 public:
  // `clientFor` returns the org's existing client; without it, write-back opens its own.
  using OrgClientLookup = std::function<OrgClient&(const OrgSettings&)>;
  DataTableWriteBack(const Config& config, IncidentStateStore& store, ShutdownToken& shutdown,
                     Metrics* metrics = nullptr, OrgClientLookup clientFor = {});
  ~DataTableWriteBack();

  bool enabled() const { return !orgs_.empty(); }
  // Writes every due row of every org with write-back (replicas: of the orgs this one holds).
  WriteBackReport runOnce();
  // Replicas: write back only for the orgs this replica holds. Set before the first runOnce().
  void writeOnlyWhen(std::function<bool(const std::string& orgId)> holds) { holds_ = std::move(holds); }

  // The row body for one evaluation (exposed for tests).
  static Poco::JSON::Object::Ptr rowFor(const WriteBackDue& due, const ServiceNowSettings& servicenow);

 private:
  struct OrgTarget;
  const Config& config_;
  IncidentStateStore& store_;
  ShutdownToken& shutdown_;
  Metrics* metrics_;
  std::vector<std::unique_ptr<OrgTarget>> orgs_;
  std::function<bool(const std::string&)> holds_;
};

}  // namespace evalbridge
