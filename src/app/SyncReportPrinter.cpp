#include "app/SyncReportPrinter.h"

#include <ostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSONString.h>

#include "app/Commands.h"
#include "sync/DataTableWriteBack.h"
#include "sync/IncidentStatePuller.h"

namespace evalbridge {

void printReportsText(const std::vector<OrgSyncReport>& reports, std::ostream& out) {
  for (const auto& r : reports) {
    out << "org " << r.orgName << " (" << r.orgId << "): " << (r.ok ? "ok" : "FAILED") << "\n"
        << "  exported " << r.exported << " evaluation(s) in " << r.windows << " window(s): " << r.matched
        << " to deliver, " << r.skipped << " skipped, " << r.unchanged << " already known";
    if (r.stale) out << ", " << r.stale << " stale";
    if (r.malformed) out << ", " << r.malformed << " malformed (dead letter)";
    if (r.fetched) out << "; " << r.fetched << " read in full for fields the results lack";
    out << "\n  incidents: " << r.delivery.created << " created, " << r.delivery.updated << " updated, "
        << r.delivery.adopted << " adopted, " << r.delivery.dead << " dead-lettered, " << r.delivery.leftPending
        << " still pending (" << r.delivery.retries << " retries)\n";
    if (!r.checkpoint.empty()) out << "  checkpoint: " << r.checkpoint << "\n";
    if (!r.ok) out << "  error: " << r.error << "\n";
  }
}

void printReportsJson(const std::vector<OrgSyncReport>& reports, std::ostream& out, int exitCode,
                      const PullReport* pull, const WriteBackReport* writeBack) {
  Poco::JSON::Array orgs;
  for (const auto& r : reports) {
    Poco::JSON::Object org(Poco::JSON_PRESERVE_KEY_ORDER);
    org.set("org", r.orgName);
    org.set("orgId", r.orgId);
    org.set("ok", r.ok);
    if (!r.ok) org.set("error", r.error);
    org.set("windows", r.windows);
    org.set("exported", r.exported);
    org.set("toDeliver", r.matched);
    org.set("skipped", r.skipped);
    org.set("unchanged", r.unchanged);
    org.set("stale", r.stale);
    org.set("malformed", r.malformed);
    org.set("fetchedInFull", r.fetched);
    org.set("created", r.delivery.created);
    org.set("updated", r.delivery.updated);
    org.set("adopted", r.delivery.adopted);
    org.set("dead", r.delivery.dead);
    org.set("pending", r.delivery.leftPending);
    org.set("retries", r.delivery.retries);
    org.set("checkpoint", r.checkpoint);
    orgs.add(org);
  }
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("exitCode", exitCode);
  root.set("orgs", orgs);
  if (pull) {
    Poco::JSON::Object state(Poco::JSON_PRESERVE_KEY_ORDER);
    state.set("ok", pull->ok);
    if (!pull->ok) state.set("error", pull->error);
    state.set("read", pull->read);
    state.set("applied", pull->applied);
    root.set("incidentState", state);
  }
  if (writeBack) {
    Poco::JSON::Object rows(Poco::JSON_PRESERVE_KEY_ORDER);
    rows.set("written", writeBack->written);
    rows.set("failed", writeBack->failed);
    root.set("writeBack", rows);
  }
  root.stringify(out, 2);
  out << "\n";
}

int exitCodeFor(const std::vector<OrgSyncReport>& reports) {
  bool dead = false;
  for (const auto& r : reports) {
    if (!r.ok) return kExitFailure;
    dead = dead || r.delivery.dead > 0 || r.malformed > 0;
  }
  return dead ? kExitDeadLetters : kExitOk;
}

}  // namespace evalbridge
