// `evalbridge demo`: the whole pipeline against the bundled simulators, in-process: the first
// cycle creates the incidents, the second proves that reading everything again creates nothing
// new, the third shows a rescore updating its incident and a resolution flowing back.
#include <fstream>
#include <ostream>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timespan.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include "app/Commands.h"
#include "app/DemoMapping.h"
#include "app/SyncReportPrinter.h"
#include "common/Errors.h"
#include "http/ShutdownToken.h"
#include "common/IsoTime.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "sim/Simulator.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"

namespace evalbridge {
namespace {

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  if (!file) throw PermanentError("demo: cannot write " + path);
}

// The simulator's default two orgs (each its own login and API host, client and token), read
// with the default source: the official evaluation search, plus the evaluation GET with expand
// for the names of the evaluations that fail.
sim::SimulatorOptions demoScenario() {
  sim::SimulatorOptions options = sim::defaultScenario();
  options.orgs.at(1).evaluationCount = 30;
  return options;
}

std::string demoConfig(const sim::Simulator& simulator) {
  std::string orgs;
  for (const auto& org : simulator.options().orgs) {
    if (!orgs.empty()) orgs += ",\n";
    orgs += R"(      { "name": ")" + org.name + R"(", "orgId": ")" + org.orgId + R"(", "region": "us-east-1",
        "apiBase": ")" + simulator.orgUrl(org.name) + R"(", "loginBase": ")" + simulator.orgUrl(org.name) + R"(",
        "clientId": ")" + org.clientId + R"(", "clientSecret": "${file:secrets/)" + org.name + R"(.secret}",
        "mapping": "qa-failures.json", "startFrom": "2026-11-01T00:00:00Z" })";
  }
  return R"({
  "ledger": { "path": "evalbridge.db" },
  "genesys": {
    "orgs": [
)" + orgs + R"(
    ],
    "search": { "maxWindow": "P7D", "overlap": "PT10M" }
  },
  "servicenow": {
    "instanceUrl": ")" + simulator.serviceNowUrl() + R"(",
    "auth": { "type": "basic", "username": ")" + simulator.options().servicenow.username +
         R"(", "password": "${file:secrets/servicenow.secret}" },
    "maxConcurrency": 8, "maxRequestsPerSecond": 50
  }
}
)";
}

}  // namespace

int runDemoCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"keep"});
  // The demo's story is on stdout; per-record logs would drown it (--verbose brings them back).
  if (!line.has("verbose")) Poco::Logger::setLevel("", Poco::Message::PRIO_WARNING);
  const bool keep = line.has("keep");
  const std::string dir = keep ? Poco::Path(line.required("keep")).absolute().toString()
                               : Poco::TemporaryFile::tempName() + "-evalbridge-demo";
  Poco::File(dir + "/secrets").createDirectories();
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      if (keep) return;
      try {
        Poco::File(dir).remove(true);
      } catch (...) {
      }
    }
  } cleanup{dir, keep};

  sim::Simulator simulator(demoScenario());
  simulator.start();
  out << "evalbridge demo: simulators on 127.0.0.1 (ServiceNow " << simulator.serviceNowUrl() << ")\n";
  for (const auto& org : simulator.options().orgs)
    out << "  Genesys Cloud org " << org.name << " (" << org.orgId << ") at " << simulator.orgUrl(org.name) << ", "
        << simulator.evaluations(org.name).size() << " evaluations\n";

  for (const auto& org : simulator.options().orgs) writeFile(dir + "/secrets/" + org.name + ".secret", org.clientSecret);
  writeFile(dir + "/secrets/servicenow.secret", simulator.options().servicenow.password);
  writeFile(dir + "/qa-failures.json", demoMappingText());
  writeFile(dir + "/evalbridge.json", demoConfig(simulator));
  Config config = loadConfig(dir + "/evalbridge.json");
  out << "  working folder: " << dir << (keep ? "" : " (removed at exit; --keep DIR keeps it)") << "\n\n";

  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);

  out << "cycle 1: search, map, deliver\n";
  auto first = engine.syncOnce("", {});
  printReportsText(first, out);
  const size_t incidentsAfterFirst = simulator.incidents().size();
  out << "ServiceNow now holds " << incidentsAfterFirst << " incident(s)";
  if (incidentsAfterFirst > 0) {
    auto sample = simulator.incidents().front();
    out << "; e.g. " << sample->optValue<std::string>("number", "") << ": "
        << sample->optValue<std::string>("short_description", "") << " -> "
        << sample->optValue<std::string>("assignment_group", "");
  }
  out << "\n\ncycle 2: the same evaluations again, from the start\n";
  auto second = engine.syncOnce("", SyncRange{std::string("2026-11-01T00:00:00Z"), std::nullopt});
  printReportsText(second, out);
  const size_t incidentsAfterSecond = simulator.incidents().size();
  out << "ServiceNow holds " << incidentsAfterSecond << " incident(s): "
      << (incidentsAfterSecond == incidentsAfterFirst ? "no duplicates" : "DUPLICATES CREATED") << "\n\n";

  // State flows back: a ServiceNow user resolves one incident, and a rescore of another
  // evaluation updates its incident instead of opening a new one.
  bool backAndForthOk = true;
  if (incidentsAfterFirst > 1) {
    auto resolved = simulator.incidents().front();
    auto rescored = simulator.incidents().back();
    Poco::JSON::Object::Ptr change = new Poco::JSON::Object;
    change->set("state", "6");
    change->set("close_code", "Solved (Permanently)");
    change->set("close_notes", "Agent coached on PCI read-back");
    simulator.updateIncident(resolved->getValue<std::string>("sys_id"), change);
    // The ledger knows which org and evaluation stand behind an incident's correlation_id.
    const auto behind = engine.ledger().findByKey(rescored->getValue<std::string>("correlation_id"));
    if (!behind) throw PermanentError("demo: the ledger has no record for " + rescored->getValue<std::string>("number"));
    simulator.rescore(behind->orgName, behind->evaluationId, 41.5, formatIsoTime(Poco::Timestamp() - Poco::Timespan(60, 0)));

    out << "a ServiceNow user resolves " << resolved->getValue<std::string>("number") << "; the QA team rescores the "
        << "evaluation behind " << rescored->getValue<std::string>("number") << " to 41.5\n\ncycle 3: search, deliver, pull state back\n";
    auto third = engine.syncOnce("", {});
    printReportsText(third, out);
    IncidentStateStore states(engine.ledger());
    IncidentStatePuller puller(engine.serviceNow(), states, shutdown);
    const PullReport pull = puller.pullOnce();
    out << "incident state: " << pull.read << " read from ServiceNow, " << pull.applied << " changed in the ledger\n";
    auto resolvedRecord = engine.ledger().findByKey(resolved->getValue<std::string>("number"));
    auto rescoredRecord = engine.ledger().findByKey(rescored->getValue<std::string>("number"));
    if (resolvedRecord)
      out << "  " << resolvedRecord->incident.number << " in the ledger: " << incidentStateName(resolvedRecord->incident.state)
          << ", " << resolvedRecord->closeCode << "\n";
    if (rescoredRecord)
      out << "  " << rescoredRecord->incident.number << " in the ledger: " << toString(rescoredRecord->status)
          << " (PATCH with a work note listing the changed fields; no new incident)\n";
    backAndForthOk = exitCodeFor(third) == kExitOk && pull.ok && resolvedRecord &&
                     resolvedRecord->incident.state == "6" && rescoredRecord &&
                     rescoredRecord->status == RecordStatus::Updated && simulator.incidents().size() == incidentsAfterFirst;
    out << "ServiceNow holds " << simulator.incidents().size() << " incident(s)\n\n";
  }

  out << "ledger " << config.ledgerPath << ":\n";
  for (const auto& [orgId, counts] : engine.ledger().statsByOrg()) {
    out << "  " << orgId << ": " << counts.total << " exported";
    for (const auto& [status, count] : counts.byStatus) out << ", " << count << " " << status;
    out << "\n";
  }
  if (keep) out << "\ntry: evalbridge --config " << dir << "/evalbridge.json ledger list\n";
  int code = std::max(exitCodeFor(first), exitCodeFor(second));
  if (incidentsAfterSecond != incidentsAfterFirst || !backAndForthOk) code = kExitFailure;
  return code;
}

}  // namespace evalbridge
