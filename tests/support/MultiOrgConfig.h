#pragma once
// A config for the bridge with one entry per simulated org, each of which a test may bend
// (another source, a wrong secret, another org's login host, a wrong orgId), and running the real
// `evalbridge` binary against it.
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "support/BridgeFixture.h"
#include "support/RunProcess.h"

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
  std::string extra;                 // more members of the org entry, e.g. R"("notifications": false)"
};

struct BridgeConfigOptions {
  std::string genesysExtra;    // extra members of "genesys", e.g. R"("analytics": {"lookback": "P30D"})"
  std::string exportExtra;     // extra members of "genesys.export"
  std::string serviceNowPassword;  // "" = the simulator's
  std::string serviceNowTable = "incident";
  std::string serviceNowUrl;   // "" = the simulator's
  std::string serviceNowAuth;  // the "auth" object, "" = basic auth as the simulator's user
  std::string sync;            // the "sync" object's members, e.g. R"("maxConcurrentOrgs": 1)"
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
               (org.extra.empty() ? "" : ", " + org.extra) + " }";
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
    "auth": )" + (options.serviceNowAuth.empty() ? R"({ "type": "basic", "username": ")" + sn.username +
                                                          R"(", "password": "${file:sn.secret}" })"
                                                    : options.serviceNowAuth) + R"(,
    "retry": { "maxAttempts": 8, "initialMs": 20, "maxMs": 200, "maxElapsedS": 60 } })" +
                                          (options.sync.empty() ? "" : ",\n  \"sync\": { " + options.sync + " }") + R"(
})");
}

// Runs the real binary as `evalbridge --config CONFIG WORDS...`; `words` are split at spaces
// (test arguments have none inside them).
inline ProcessResult runEvalbridge(BridgeFixture& fixture, const std::string& words) {
  std::vector<std::string> args = {"--config", fixture.configPath()};
  std::istringstream split(words);
  for (std::string word; split >> word;) args.push_back(word);
  return runEvalbridge(args);
}

inline Poco::JSON::Object::Ptr parseJsonObject(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace evalbridge::test
