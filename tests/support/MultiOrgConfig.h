#pragma once
// A config for the bridge with one entry per simulated org, each of which a test may bend
// (another source, a wrong secret, another org's login host, a wrong orgId), plus helpers to run
// the real `evalbridge` binary and to read the simulator's request log.
#include <cstdlib>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "mapping/Mapping.h"
#include "support/BridgeFixture.h"

namespace evalbridge::test {

struct OrgEntry {
  std::string name;
  std::string orgId;
  std::string apiBase;
  std::string loginBase;
  std::string clientId;
  std::string clientSecret;
  std::string source = "export";
  std::string region = "us-east-1";
  std::string writeBackDatatableId;  // "" = no write-back
};

struct BridgeConfigOptions {
  std::string genesysExtra;    // extra members of "genesys", e.g. R"("analytics": {"lookback": "P30D"})"
  std::string exportExtra;     // extra members of "genesys.export"
  std::string serviceNowPassword;  // "" = the simulator's
  std::string serviceNowTable = "incident";
  std::string serviceNowUrl;   // "" = the simulator's
};

inline std::vector<OrgEntry> simulatedOrgs(BridgeFixture& fixture) {
  std::vector<OrgEntry> orgs;
  for (const auto& spec : fixture.simulator.options().orgs) {
    const std::string url = fixture.simulator.orgUrl(spec.name);
    OrgEntry org;
    org.name = spec.name;
    org.orgId = spec.orgId;
    org.apiBase = org.loginBase = url;
    org.clientId = spec.clientId;
    org.clientSecret = spec.clientSecret;
    orgs.push_back(org);
  }
  return orgs;
}

inline void writeBridgeConfig(BridgeFixture& fixture, const std::vector<OrgEntry>& orgs,
                              const BridgeConfigOptions& options = {}) {
  std::string orgText;
  for (const auto& org : orgs) {
    writeText(fixture.dir.file(org.name + ".secret"), org.clientSecret);
    if (!orgText.empty()) orgText += ",\n";
    orgText += R"({ "name": ")" + org.name + R"(", "orgId": ")" + org.orgId + R"(", "region": ")" + org.region +
               R"(", "apiBase": ")" + org.apiBase + R"(", "loginBase": ")" + org.loginBase + R"(", "clientId": ")" +
               org.clientId + R"(", "clientSecret": "${file:)" + org.name + R"(.secret}", "source": ")" + org.source +
               R"(", "mapping": "mapping.json", "startFrom": "2026-10-31T00:00:00Z")" +
               (org.writeBackDatatableId.empty() ? "" : R"(, "writeBack": { "datatableId": ")" + org.writeBackDatatableId + R"(" })") +
               " }";
  }
  const auto& sn = fixture.simulator.options().servicenow;
  writeText(fixture.dir.file("sn.secret"), options.serviceNowPassword.empty() ? sn.password : options.serviceNowPassword);
  writeText(fixture.configPath(), R"({
  "ledger": { "path": "ledger.db" },
  "genesys": { "orgs": [ )" + orgText + R"( ],
    "retry": { "maxAttempts": 6, "initialMs": 10, "maxMs": 100, "maxElapsedS": 30 },
    "export": { "maxWindow": "P30D", "pollInitialMs": 10, "pollMaxMs": 50)" +
                                          (options.exportExtra.empty() ? "" : ", " + options.exportExtra) + " }" +
                                          (options.genesysExtra.empty() ? "" : ", " + options.genesysExtra) + R"( },
  "servicenow": { "instanceUrl": ")" + (options.serviceNowUrl.empty() ? fixture.simulator.serviceNowUrl() : options.serviceNowUrl) +
                                          R"(", "table": ")" + options.serviceNowTable + R"(",
    "auth": { "type": "basic", "username": ")" + sn.username + R"(", "password": "${file:sn.secret}" },
    "retry": { "maxAttempts": 8, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60 } }
})");
}

struct ProcessResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

inline std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs the real binary with `arguments` (already shell-safe: test paths have no spaces).
inline ProcessResult runEvalbridge(BridgeFixture& fixture, const std::string& arguments) {
  const std::string out = fixture.dir.file("stdout.txt");
  const std::string err = fixture.dir.file("stderr.txt");
  const std::string command = std::string(EVALBRIDGE_BINARY) + " --config " + fixture.configPath() + " " + arguments +
                              " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  ProcessResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = readAll(out);
  result.err = readAll(err);
  return result;
}

inline Poco::JSON::Object::Ptr parseJsonObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The evaluation ids of an org that the fixture's mapping turns into incidents (computed from the
// simulator's data, not hard-coded).
inline std::set<std::string> matchingEvaluationIds(BridgeFixture& fixture, const std::string& org) {
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  std::set<std::string> ids;
  for (const auto& evaluation : fixture.simulator.evaluations(org))
    if (mapping.apply(evaluation).matched) ids.insert(evaluation->getValue<std::string>("id"));
  return ids;
}

// correlation_ids of the incidents in the simulated ServiceNow that belong to `orgId`.
inline std::set<std::string> incidentKeysOf(BridgeFixture& fixture, const std::string& orgId) {
  std::set<std::string> keys;
  const std::string prefix = "evalbridge:" + orgId + ":";
  for (const auto& incident : fixture.simulator.incidents()) {
    const std::string key = incident->optValue<std::string>("correlation_id", "");
    if (key.rfind(prefix, 0) == 0) keys.insert(key);
  }
  return keys;
}

inline std::set<std::string> keysFor(const std::string& orgId, const std::set<std::string>& evaluationIds) {
  std::set<std::string> keys;
  for (const auto& id : evaluationIds) keys.insert("evalbridge:" + orgId + ":" + id);
  return keys;
}

}  // namespace evalbridge::test
