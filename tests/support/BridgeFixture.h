#pragma once
// A running simulator plus a config folder (config, mapping, secrets) pointing the bridge at it:
// what every integration test starts from. Everything is real: HTTP on 127.0.0.1, a SQLite file.
#include <string>

#include <Poco/Net/NetSSL.h>

#include "sim/Simulator.h"
#include "support/TempDir.h"

namespace evalbridge::test {

// The simulator's second default org (acme-eu), smaller so tests stay fast, and with every
// evaluation finished so that every source sees all of them (unfinished evaluations, which the
// search on submittedDate and analytics never list, have tests of their own).
inline sim::OrgSpec secondOrg() {
  sim::OrgSpec eu = sim::defaultScenario().orgs.at(1);
  eu.evaluationCount = 20;
  eu.unfinishedShare = 0.0;
  return eu;
}

// The default options (acme-us) plus secondOrg() (acme-eu): the multi-org tests' simulator.
inline sim::SimulatorOptions twoOrgs() {
  sim::SimulatorOptions options;
  options.orgs.push_back(secondOrg());
  return options;
}

class BridgeFixture {
 public:
  explicit BridgeFixture(sim::SimulatorOptions options = {}) : simulator(std::move(options)) {
    Poco::Net::initializeSSL();
    simulator.start();
    writeText(dir.file("mapping.json"), R"({
  "name": "test-failures",
  "when": { "any": [ { "field": "answers.anyFailedKillQuestions", "eq": true },
                     { "field": "answers.totalScore", "lt": 70 } ] },
  "fields": {
    "short_description": "QA fail: {{agent.name}} scored {{answers.totalScore}} on {{evaluationForm.name}}",
    "urgency": { "from": "answers.totalScore", "ranges": [ { "lt": 50, "value": "1" }, { "lt": 70, "value": "2" } ], "default": "3" },
    "assignment_group": { "from": "queue.name", "map": { "Billing": "Billing QA" }, "default": "Contact Center QA" }
  }
})");
    writeConfig();
  }
  ~BridgeFixture() { Poco::Net::uninitializeSSL(); }

  // Extra JSON members for genesys.export and servicenow (e.g. "\"maxConcurrency\": 2").
  // Every org uses `source` (the default source unless a test sets another before writing).
  void writeConfig(const std::string& exportExtra = "", const std::string& serviceNowExtra = "") {
    std::string orgs;
    for (const auto& org : simulator.options().orgs) {
      writeText(dir.file(org.name + ".secret"), org.clientSecret);
      if (!orgs.empty()) orgs += ",";
      orgs += R"({ "name": ")" + org.name + R"(", "orgId": ")" + org.orgId + R"(", "region": "us-east-1",
        "apiBase": ")" + simulator.orgUrl(org.name) + R"(", "loginBase": ")" + simulator.orgUrl(org.name) + R"(",
        "clientId": ")" + org.clientId + R"(", "clientSecret": "${file:)" + org.name + R"(.secret}",
        "mapping": "mapping.json", "startFrom": "2026-10-31T00:00:00Z", "source": ")" + source + R"(" })";
    }
    writeText(dir.file("sn.secret"), simulator.options().servicenow.password);
    writeText(configPath(), R"({
  "ledger": { "path": "ledger.db" },
  "genesys": { "orgs": [ )" + orgs + R"( ],)" + (genesysRetry.empty() ? "" : R"( "retry": )" + genesysRetry + ",") + R"(
    "search": { )" + searchMembers() + R"( },
    "export": { "maxWindow": "P30D", "pollInitialMs": 10, "pollMaxMs": 50)" +
                                (exportExtra.empty() ? "" : ", " + exportExtra) + R"( } },
  "servicenow": { "instanceUrl": ")" + simulator.serviceNowUrl() + R"(",
    "auth": { "type": "basic", "username": ")" + simulator.options().servicenow.username +
                                R"(", "password": "${file:sn.secret}" },
    "retry": )" + serviceNowRetry + (serviceNowExtra.empty() ? "" : ", " + serviceNowExtra) + R"( }
})");
  }

  std::string searchMembers() const {
    std::string members = searchMaxWindow.empty() ? "" : R"("maxWindow": ")" + searchMaxWindow + "\"";
    if (!members.empty() && !searchExtra.empty()) members += ", ";
    return members + searchExtra;
  }

  std::string configPath() const { return dir.file("evalbridge.json"); }
  std::string ledgerPath() const { return dir.file("ledger.db"); }

  std::string source = "search";
  std::string searchMaxWindow = "P30D";  // "" = not set (the sweep's windows adapt)
  std::string searchExtra;  // extra members of "genesys.search" (e.g. "\"pageSize\": 7")
  // "genesys.retry" ("" = the defaults).
  std::string genesysRetry;
  // "servicenow.retry": generous enough that transient faults settle within one cycle.
  std::string serviceNowRetry = R"({ "maxAttempts": 8, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60 })";
  TempDir dir;
  sim::Simulator simulator;
};

}  // namespace evalbridge::test
