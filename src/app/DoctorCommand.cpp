// `evalbridge doctor [--org NAME] [--json]`: preflight every org, ServiceNow, the mapping
// files and the ledger, and explain each failure with its fix. Needs only a config that loads (exit 2
// otherwise): a broken mapping or a refused login is a finding, not a crash.
#include <future>
#include <ostream>
#include <set>

#include "app/Commands.h"
#include "app/DoctorGenesys.h"
#include "app/DoctorLedger.h"
#include "app/DoctorReport.h"
#include "app/DoctorServiceNow.h"
#include "common/Errors.h"
#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "mapping/Mapping.h"

namespace evalbridge {
namespace {

DoctorChecks checkMappings(const std::vector<const OrgSettings*>& orgs) {
  DoctorChecks checks;
  std::set<std::string> seen;
  for (const OrgSettings* org : orgs) {
    if (!seen.insert(org->mappingPath).second) continue;
    try {
      Mapping mapping = Mapping::loadFile(org->mappingPath);
      checks.push_back(DoctorCheck::ok("mappings", org->mappingPath, "valid (\"" + mapping.name() + "\")"));
    } catch (const Poco::Exception& e) {
      checks.push_back(DoctorCheck::fail("mappings", org->mappingPath, e.message(),
                                         "correct the mapping (format: mappings/README.md), then preview it with "
                                         "`evalbridge map --mapping " + org->mappingPath + " --input FILE`."));
    }
  }
  return checks;
}

}  // namespace

int runDoctorCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"org", "json"});
  Config config = loadCommandConfig(line);
  const std::string only = line.value("org").value_or("");
  if (!only.empty() && !config.findOrg(only))
    throw UsageError("evalbridge doctor: --org " + only + ": no org of that name in genesys.orgs of " +
                     config.sourceFile);
  std::vector<const OrgSettings*> orgs;
  for (const auto& org : config.orgs)
    if (only.empty() || org.name == only) orgs.push_back(&org);

  ShutdownToken shutdown;
  // Orgs (and ServiceNow) are checked concurrently: an unreachable host costs its timeout once.
  std::vector<std::future<DoctorChecks>> running;
  for (const OrgSettings* org : orgs)
    running.push_back(std::async(std::launch::async, [org, &shutdown] { return checkGenesysOrg(*org, shutdown); }));
  running.push_back(
      std::async(std::launch::async, [&config, &shutdown] { return checkServiceNow(config.servicenow, shutdown); }));

  DoctorChecks checks;
  for (auto& future : running) {
    auto part = future.get();
    checks.insert(checks.end(), part.begin(), part.end());
  }
  auto mappings = checkMappings(orgs);
  checks.insert(checks.end(), mappings.begin(), mappings.end());
  auto ledger = checkLedger(config);
  checks.insert(checks.end(), ledger.begin(), ledger.end());

  if (line.has("json"))
    printDoctorJson(checks, out);
  else
    printDoctorText(checks, out);
  return doctorExitCode(checks);
}

}  // namespace evalbridge
