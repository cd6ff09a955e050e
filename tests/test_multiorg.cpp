// Several Genesys Cloud orgs in one bridge (issue 3): each org's token stays with its org, one
// org's failure never stops another's delivery, and Genesys faults (429, 5xx, resets, failed or
// stuck jobs) are handled as documented. Real simulator over HTTP, real SQLite, real binary.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "support/SyncOnce.h"
#include "support/DeliveryChecks.h"
#include "support/MultiOrgConfig.h"
#include "support/ThreadLimit.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using namespace evalbridge::test;

namespace {

const OrgSyncReport& reportOf(const std::vector<OrgSyncReport>& reports, const std::string& org) {
  auto found = std::find_if(reports.begin(), reports.end(), [&](const auto& r) { return r.orgName == org; });
  REQUIRE(found != reports.end());
  return *found;
}

std::vector<sim::RecordedRequest> requestsTo(const BridgeFixture& fixture, const std::string& server,
                                             const std::string& method, const std::string& pathPrefix) {
  std::vector<sim::RecordedRequest> out;
  for (const auto& r : fixture.simulator.requests())
    if (r.server == server && r.method == method && r.path.rfind(pathPrefix, 0) == 0) out.push_back(r);
  return out;
}

// The config this file's tests use: every simulated org, as `simulatedOrgs` lists them.
void writeSimulatedOrgs(BridgeFixture& fixture) { writeBridgeConfig(fixture, simulatedOrgs(fixture)); }

}  // namespace

TEST_CASE("an org without quality:evaluation:view fails alone, and the other org's incidents are delivered") {
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  fixture.simulator.revokePermission("acme-us", "quality:evaluation:view");

  auto reports = syncOnce(fixture);
  REQUIRE(reports.size() == 2);
  const auto& us = reportOf(reports, "acme-us");
  const auto& eu = reportOf(reports, "acme-eu");
  CHECK_FALSE(us.ok);
  CHECK_THAT(us.error, Catch::Contains("org acme-us") && Catch::Contains("quality:evaluation:view") &&
                           Catch::Contains("missing.permissions") && Catch::Contains("inin-correlation-id") &&
                           Catch::Contains("acme-us-client"));
  CHECK(eu.ok);
  const auto expected = matchingEvaluationIds(fixture, "acme-eu");
  REQUIRE_FALSE(expected.empty());
  CHECK(eu.delivery.created == static_cast<int>(expected.size()));
  CHECK(incidentKeysOf(fixture, secondOrg().orgId) == keysFor(secondOrg().orgId, expected));
  CHECK(incidentKeysOf(fixture, sim::OrgSpec{}.orgId).empty());
}

TEST_CASE("sync --once (the binary) exits 1 and its summary names the failed org and why") {
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  fixture.simulator.revokePermission("acme-eu", "quality:evaluation:view");

  auto result = runEvalbridge(fixture, "sync --once");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.out, Catch::Contains("org acme-eu (" + secondOrg().orgId + "): FAILED"));
  CHECK_THAT(result.out, Catch::Contains("org acme-us (" + sim::OrgSpec{}.orgId + "): ok"));
  CHECK_THAT(result.out, Catch::Contains("quality:evaluation:view"));
  CHECK(incidentKeysOf(fixture, sim::OrgSpec{}.orgId) ==
        keysFor(sim::OrgSpec{}.orgId, matchingEvaluationIds(fixture, "acme-us")));
  CHECK(incidentKeysOf(fixture, secondOrg().orgId).empty());
}

TEST_CASE("no token ever reaches another org's host or a pre-signed download URL") {
  auto options = twoOrgs();
  options.orgs[1].useDownloadUrl = true;
  options.orgs[0].tokenExpiresInS = 3600;
  BridgeFixture fixture(options);
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  auto reports = syncOnce(fixture);
  for (const auto& r : reports) CHECK(r.ok);
  fixture.simulator.expireTokens("acme-eu");  // a renewal in the middle: still only to its own org
  reports = syncOnce(fixture, SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
  for (const auto& r : reports) CHECK(r.ok);

  const auto usTokens = fixture.simulator.tokensIssuedBy("acme-us");
  const auto euTokens = fixture.simulator.tokensIssuedBy("acme-eu");
  REQUIRE_FALSE(usTokens.empty());
  REQUIRE(euTokens.size() >= 2);
  int bearerCalls = 0;
  int downloads = 0;
  for (const auto& request : fixture.simulator.requests()) {
    const auto found = request.headers.find("authorization");
    const std::string auth = found == request.headers.end() ? "" : found->second;
    if (request.server == "download") {
      ++downloads;
      CHECK(auth.empty());
    } else if (request.server == "servicenow") {
      CHECK(auth.rfind("Bearer ", 0) != 0);  // basic auth, never a Genesys token
    } else if (auth.rfind("Bearer ", 0) == 0) {
      ++bearerCalls;
      const std::string token = auth.substr(7);
      const auto& own = request.server == "acme-us" ? usTokens : euTokens;
      const auto& foreign = request.server == "acme-us" ? euTokens : usTokens;
      CHECK(own.count(token) == 1);
      CHECK(foreign.count(token) == 0);
    }
  }
  CHECK(bearerCalls > 10);
  CHECK(downloads >= 2);
}

TEST_CASE("tokens are cached per org and renewed exactly once after a 401") {
  EngineFixture cycling(writeSimulatedOrgs);
  BridgeFixture& fixture = cycling.fixture;
  SyncEngine& engine = cycling.engine;
  REQUIRE(engine.syncOnce("", {})[0].ok);
  CHECK(requestsTo(fixture, "acme-us", "POST", "/oauth/token").size() == 1);  // one login for the whole cycle

  fixture.simulator.expireTokens("acme-us");
  fixture.simulator.clearRequests();
  auto report = engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt})[0];
  CHECK(report.ok);
  CHECK(requestsTo(fixture, "acme-us", "POST", "/oauth/token").size() == 1);
  // The first call carried the expired token and got 401; exactly one 401 in the whole cycle.
  int unauthorized = 0;
  for (const auto& r : fixture.simulator.requests()) unauthorized += r.server == "acme-us" && r.status == 401;
  CHECK(unauthorized == 1);
}

TEST_CASE("a sweep asks whom its token belongs to once per token, not once per cycle") {
  EngineFixture cycling(writeSimulatedOrgs);
  BridgeFixture& fixture = cycling.fixture;
  SyncEngine& engine = cycling.engine;
  auto cycle = [&] {
    fixture.simulator.clearRequests();
    REQUIRE(engine.syncOnce("", {})[0].ok);
    return requestsTo(fixture, "acme-us", "GET", "/api/v2/tokens/me").size();
  };
  CHECK(cycle() == 1);
  CHECK(cycle() == 0);  // the same token: its org cannot have changed

  // The bridge learns of the renewal only when a call gets 401, inside the next cycle; the cycle
  // after that asks about the new token.
  fixture.simulator.expireTokens("acme-us");
  CHECK(cycle() == 0);
  CHECK(requestsTo(fixture, "acme-us", "POST", "/oauth/token").size() == 1);
  CHECK(cycle() == 1);
}

TEST_CASE("an org whose credentials belong to another orgId is refused, by the engine and by the CLI") {
  BridgeFixture fixture(twoOrgs());
  auto orgs = simulatedOrgs(fixture);
  orgs[0].orgId = "11111111-2222-3333-4444-555555555555";  // not acme-us's id
  writeBridgeConfig(fixture, orgs);

  auto reports = syncOnce(fixture);
  const auto& us = reportOf(reports, "acme-us");
  CHECK_FALSE(us.ok);
  CHECK_THAT(us.error, Catch::Contains("configured orgId is 11111111-2222-3333-4444-555555555555") &&
                           Catch::Contains("belongs to org " + sim::OrgSpec{}.orgId) &&
                           Catch::Contains("refusing to export"));
  CHECK(reportOf(reports, "acme-eu").ok);
  CHECK(requestsTo(fixture, "acme-us", "POST", "/api/v2/quality/evaluations/export").empty());

  auto result = runEvalbridge(fixture, "sync --once --org acme-us");
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.out, Catch::Contains("org acme-us") && Catch::Contains("refusing to export"));
}

TEST_CASE("429 with Retry-After is honoured on Genesys calls") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  sim::FaultRule rule;
  rule.server = "acme-us";
  rule.method = "GET";
  rule.pathPrefix = "/api/v2/quality/exports/";
  rule.kind = "status";
  rule.status = 429;
  rule.retryAfter = "1";
  rule.count = 1;
  fixture.simulator.addFault(rule);

  auto report = syncOnce(fixture)[0];
  CHECK(report.ok);
  auto polls = requestsTo(fixture, "acme-us", "GET", "/api/v2/quality/exports/");
  REQUIRE(polls.size() >= 2);
  CHECK(polls[0].status == 429);
  CHECK(polls[1].time - polls[0].time >= 0.99);  // waited the full Retry-After, not the 10 ms backoff
  CHECK(report.delivery.created == static_cast<int>(matchingEvaluationIds(fixture, "acme-us").size()));
}

TEST_CASE("502, 503, 504 and connection resets from Genesys are retried") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  for (int status : {502, 503, 504}) {
    sim::FaultRule rule;
    rule.server = "acme-us";
    rule.pathPrefix = "/api/v2/quality/exports/";
    rule.kind = "status";
    rule.status = status;
    rule.count = 1;
    fixture.simulator.addFault(rule);
  }
  sim::FaultRule reset;
  reset.server = "acme-us";
  reset.pathPrefix = "/api/v2/tokens/me";
  reset.kind = "reset";
  reset.count = 1;
  fixture.simulator.addFault(reset);

  auto report = syncOnce(fixture)[0];
  INFO(report.error);
  CHECK(report.ok);
  CHECK(report.delivery.created == static_cast<int>(matchingEvaluationIds(fixture, "acme-us").size()));
  std::map<int, int> statuses;
  for (const auto& r : fixture.simulator.requests())
    if (r.server == "acme-us") ++statuses[r.status];
  CHECK(statuses[502] == 1);
  CHECK(statuses[503] == 1);
  CHECK(statuses[504] == 1);
  CHECK(statuses[0] == 1);  // the reset
}

TEST_CASE("a FAILED export job is resubmitted and delivered, and beyond maxResubmits the org fails clearly") {
  BridgeFixture fixture;
  SECTION("one failure: resubmitted") {
    writeBridgeConfig(fixture, simulatedOrgs(fixture));
    sim::FaultRule rule;
    rule.server = "acme-us";
    rule.kind = "jobStatus";
    rule.jobStatus = "FAILED";
    rule.count = 1;
    fixture.simulator.addFault(rule);
    auto report = syncOnce(fixture)[0];
    CHECK(report.ok);
    CHECK(requestsTo(fixture, "acme-us", "POST", "/api/v2/quality/evaluations/export").size() == 2);
    CHECK(report.delivery.created == static_cast<int>(matchingEvaluationIds(fixture, "acme-us").size()));
  }
  SECTION("more failures than maxResubmits: the org fails and says why") {
    BridgeConfigOptions options;
    options.exportExtra = R"("maxResubmits": 1)";
    writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
    sim::FaultRule rule;
    rule.server = "acme-us";
    rule.kind = "jobStatus";
    rule.jobStatus = "EXPIRED";
    rule.count = 2;
    fixture.simulator.addFault(rule);
    auto report = syncOnce(fixture)[0];
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.error, Catch::Contains("org acme-us") && Catch::Contains("EXPIRED 2 times") &&
                                 Catch::Contains("maxResubmits"));
    CHECK(requestsTo(fixture, "acme-us", "POST", "/api/v2/quality/evaluations/export").size() == 2);
    CHECK(fixture.simulator.incidents().empty());
  }
}

TEST_CASE("an export job that never completes times out with a clear message") {
  sim::SimulatorOptions options;
  options.orgs[0].jobPollsUntilDone = 1000000;
  BridgeFixture fixture(options);
  BridgeConfigOptions config;
  config.exportExtra = R"("jobTimeoutS": 1)";
  writeBridgeConfig(fixture, simulatedOrgs(fixture), config);
  auto report = syncOnce(fixture)[0];
  CHECK_FALSE(report.ok);
  CHECK_THAT(report.error, Catch::Contains("org acme-us") && Catch::Contains("within 1 s") &&
                               Catch::Contains("jobTimeoutS"));
}

TEST_CASE("a range longer than maxWindow is exported in maxWindow-sized windows") {
  BridgeFixture fixture;
  BridgeConfigOptions options;
  writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
  // maxWindow P1D via a config rewrite: the fixture default is P30D.
  std::string text = readAll(fixture.configPath());
  text.replace(text.find("\"P30D\""), 6, "\"P1D\"");
  writeText(fixture.configPath(), text);

  auto report = syncOnce(fixture, SyncRange{std::string("2026-11-01T00:00:00Z"), std::string("2026-11-03T12:00:00Z")})[0];
  CHECK(report.ok);
  CHECK(report.windows == 3);
  std::vector<std::pair<std::string, std::string>> windows;
  for (const auto& r : requestsTo(fixture, "acme-us", "POST", "/api/v2/quality/evaluations/export")) {
    auto body = parseJsonObject(r.body);
    windows.emplace_back(body->getValue<std::string>("startTime"), body->getValue<std::string>("endTime"));
  }
  CHECK(windows == std::vector<std::pair<std::string, std::string>>{
                       {"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"},
                       {"2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"},
                       {"2026-11-03T00:00:00Z", "2026-11-03T12:00:00Z"}});
  // 40 evaluations an hour apart from 2026-11-01T00:00Z: all inside the range.
  CHECK(report.exported == 40);
}

namespace {

// [first, last] arrival time of the requests each org's server received.
std::map<std::string, std::pair<double, double>> activityByOrg(const BridgeFixture& fixture) {
  std::map<std::string, std::pair<double, double>> spans;
  for (const auto& r : fixture.simulator.requests()) {
    if (r.server == "servicenow" || r.server == "download" || r.server == "control") continue;
    auto [it, fresh] = spans.try_emplace(r.server, r.time, r.time);
    if (!fresh) {
      it->second.first = std::min(it->second.first, r.time);
      it->second.second = std::max(it->second.second, r.time);
    }
  }
  return spans;
}

bool overlapping(const std::pair<double, double>& a, const std::pair<double, double>& b) {
  return a.first < b.second && b.first < a.second;
}

}  // namespace

TEST_CASE("sync.maxConcurrentOrgs bounds the org cycles that run at once") {
  BridgeFixture fixture(twoOrgs());
  // 30 ms on every Genesys call: two orgs running at once certainly overlap in time.
  for (const char* org : {"acme-us", "acme-eu"}) {
    sim::FaultRule slow;
    slow.server = org;
    slow.kind = "latency";
    slow.latencyMs = 30;
    fixture.simulator.addFault(slow);
  }
  SECTION("one at a time: one org's calls all end before the other's begin") {
    BridgeConfigOptions options;
    options.sync = R"("maxConcurrentOrgs": 1)";
    writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
    const auto reports = syncOnce(fixture);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].ok);
    CHECK(reports[1].ok);
    const auto spans = activityByOrg(fixture);
    REQUIRE(spans.size() == 2);
    CHECK_FALSE(overlapping(spans.at("acme-us"), spans.at("acme-eu")));
    // Reports keep the config's order whatever order the orgs ran in.
    CHECK(reports[0].orgName == "acme-us");
    CHECK(reports[1].orgName == "acme-eu");
  }
  SECTION("the default lets both run at once (so the check above can fail)") {
    writeBridgeConfig(fixture, simulatedOrgs(fixture));
    const auto reports = syncOnce(fixture);
    REQUIRE(reports.size() == 2);
    const auto spans = activityByOrg(fixture);
    REQUIRE(spans.size() == 2);
    CHECK(overlapping(spans.at("acme-us"), spans.at("acme-eu")));
  }
}

// Kills: parsing the mapping once per org (a thousand orgs held a thousand copies), and the
// opposite mistake, one mapping for every org whatever file it names.
TEST_CASE("orgs that name one mapping file share one parsed copy, and an org naming another file gets its own") {
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  Config config = loadConfig(fixture.configPath());
  REQUIRE(config.orgs.size() == 2);
  ShutdownToken shutdown;
  {
    SyncEngine engine(config, shutdown);
    CHECK(&engine.mapping("acme-us") == &engine.mapping("acme-eu"));
  }
  const std::string other = fixture.dir.write("other-mapping.json", readAll(config.orgs[1].mappingPath));
  config.orgs[1].mappingPath = other;
  SyncEngine engine(config, shutdown);
  CHECK(&engine.mapping("acme-us") != &engine.mapping("acme-eu"));
  for (const auto& report : engine.syncOnce("", {})) CHECK(report.ok);
}

TEST_CASE("when the system refuses every new thread, each org's cycle fails and says why, and nothing is lost") {
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  const std::map<std::string, std::set<std::string>> matching = {
      {sim::OrgSpec{}.orgId, matchingEvaluationIds(fixture, "acme-us")},
      {secondOrg().orgId, matchingEvaluationIds(fixture, "acme-eu")}};
  giveToNobody(fixture.dir.path());

  // Two orgs would take two threads, their full reads helpers, their deliveries workers: the
  // system gives none. The cycle must end (no wait for a delivery that was never queued) and
  // say what to change.
  const int code = inChild([&] {
    refuseNewThreads();
    Config config = loadConfig(fixture.configPath());
    ShutdownToken shutdown;
    SyncEngine engine(config, shutdown);
    const auto reports = engine.syncOnce("", {});
    if (reports.size() != 2) return checkFailed(1, "two reports");
    for (const auto& report : reports) {
      if (report.ok) return checkFailed(2, report.orgName + " reported ok");
      if (report.error.find("the system refuses to start a thread") == std::string::npos ||
          report.error.find("ulimit -u") == std::string::npos)
        return checkFailed(3, report.orgName + ": " + report.error);
    }
    return 0;
  });
  REQUIRE(code == 0);
  CHECK(fixture.simulator.incidents().empty());
  {
    // The intents recorded before the refusal wait in the ledger for the next cycle.
    Ledger ledger(fixture.ledgerPath());
    std::size_t pending = 0;
    for (const auto& [orgId, ids] : matching)
      for (const auto& record : ledger.pending(orgId)) {
        CHECK(ids.count(record.evaluationId) == 1);
        ++pending;
      }
    CHECK(pending > 0);
  }

  // Threads again: every failing evaluation becomes one incident, none twice.
  const auto reports = syncOnce(fixture);
  for (const auto& report : reports) CHECK(report.ok);
  std::size_t expected = 0;
  for (const auto& [orgId, ids] : matching) {
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, ids));
    expected += ids.size();
  }
  CHECK(fixture.simulator.incidents().size() == expected);
}

TEST_CASE("sync --once (the binary) started with a soft limit of 8 open files raises it to the hard one") {
  // 8 is far too few for two orgs' connections and the ledger's three files: without the raise,
  // requests fail with "Too many open files" (measured before the change: exit 1).
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  auto result = runProcess("/bin/sh", {"-c", "ulimit -Sn 8 && exec \"$0\" \"$@\"", EVALBRIDGE_BINARY, "--config",
                                       fixture.configPath(), "sync", "--once"});
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.err, !Catch::Contains("Too many open files"));
  for (const auto& [name, orgId] : {std::pair{"acme-us", sim::OrgSpec{}.orgId}, {"acme-eu", secondOrg().orgId}})
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, name)));
}
