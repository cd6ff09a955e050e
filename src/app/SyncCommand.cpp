#include <ostream>

#include "app/Commands.h"
#include "app/SyncReportPrinter.h"
#include "common/Errors.h"
#include "http/ShutdownToken.h"
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
  if (line.has("json"))
    printReportsJson(reports, out);
  else
    printReportsText(reports, out);
  return exitCodeFor(reports);
}

}  // namespace evalbridge
