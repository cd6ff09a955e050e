// `evalbridge sync --once`: one cycle (SPEC section 2): export, map, deliver for each org, then pull
// incident state back from ServiceNow and, for orgs with write-back, update their data tables.
#include <ostream>

#include "app/Commands.h"
#include "app/SyncReportPrinter.h"
#include "common/Errors.h"
#include "http/ShutdownToken.h"
#include "ledger/IncidentStateStore.h"
#include "sync/DataTableWriteBack.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"

namespace evalbridge {

int runSyncCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"once", "org", "from", "to", "json"});
  if (!line.has("once")) throw UsageError("evalbridge sync: --once is required (the daemon is `evalbridge run`)");
  Config config = loadCommandConfig(line);
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  SyncRange range{line.value("from"), line.value("to")};
  auto reports = engine.syncOnce(line.value("org").value_or(""), range);

  IncidentStateStore states(engine.ledger());
  IncidentStatePuller puller(engine.serviceNow(), states, shutdown);
  const PullReport pull = puller.pullOnce();
  DataTableWriteBack writeBack(config, states, shutdown, nullptr,
                               [&engine](const OrgSettings& org) -> OrgClient& { return engine.orgClient(org.name); });
  const WriteBackReport written = writeBack.enabled() ? writeBack.runOnce() : WriteBackReport{};

  int code = exitCodeFor(reports);
  if (code == kExitOk && (!pull.ok || written.failed > 0)) code = kExitFailure;
  if (line.has("json")) {
    printReportsJson(reports, out, code, &pull, &written);
  } else {
    printReportsText(reports, out);
    out << "incident state: " << pull.read << " read from ServiceNow, " << pull.applied << " changed in the ledger";
    if (!pull.ok) out << " (FAILED: " << pull.error << ")";
    out << "\n";
    if (writeBack.enabled())
      out << "write-back: " << written.written << " data table row(s) written, " << written.failed
          << " failed (retried next cycle)\n";
  }
  return code;
}

}  // namespace evalbridge
