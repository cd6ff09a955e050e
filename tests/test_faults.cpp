// Delivery under a storm of ServiceNow faults (issue 4): throttling with Retry-After, 503s,
// connection resets and ambiguous creates (the incident is created, the answer never arrives),
// then permanent 400s. Asserts zero duplicates, zero lost, and Retry-After honoured on the wire.
#include <catch2/catch.hpp>

#include <map>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/RunProcess.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;

namespace {

sim::FaultRule serviceNowFault(const std::string& kind, double probability, std::uint64_t seed) {
  sim::FaultRule rule;
  rule.server = "servicenow";
  rule.kind = kind;
  rule.probability = probability;
  rule.seed = seed;
  return rule;
}

// Runs cycles until nothing is pending (transient failures may outlast one cycle's retry budget).
void syncUntilSettled(const Config& config, int maxCycles) {
  ShutdownToken shutdown;
  for (int cycle = 0; cycle < maxCycles; ++cycle) {
    {
      SyncEngine engine(config, shutdown);
      engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
    }
    Ledger ledger(config.ledgerPath);
    if (ledger.pending(config.orgs[0].orgId).empty()) return;
  }
}

}  // namespace

TEST_CASE("a fault storm on ServiceNow: no duplicate, nothing lost, Retry-After honoured") {
  sim::SimulatorOptions options;
  options.orgs[0].evaluationCount = 60;
  options.orgs[0].failingShare = 0.5;
  BridgeFixture fixture(options);
  fixture.writeConfig("", R"("maxConcurrency": 8, "maxRequestsPerSecond": 200)");
  auto& simulator = fixture.simulator;

  auto throttle = serviceNowFault("status", 0.30, 11);
  throttle.status = 429;
  throttle.retryAfter = "1";
  simulator.addFault(throttle);
  auto unavailable = serviceNowFault("status", 0.10, 12);
  unavailable.status = 503;
  simulator.addFault(unavailable);
  simulator.addFault(serviceNowFault("reset", 0.05, 13));
  auto ambiguous = serviceNowFault("ambiguous", 0.10, 14);
  ambiguous.method = "POST";
  simulator.addFault(ambiguous);

  Config config = loadConfig(fixture.configPath());
  syncUntilSettled(config, 4);

  const auto expected = test::expectedCorrelationIds(simulator, fixture.dir.file("mapping.json"));
  REQUIRE(expected.size() >= 20);
  const auto counts = test::incidentsByCorrelation(simulator);
  for (const auto& id : expected) {
    INFO(id);
    CHECK(counts.count(id) == 1);   // none lost
    if (counts.count(id)) CHECK(counts.at(id) == 1);  // none duplicated
  }
  CHECK(simulator.incidents().size() == expected.size());

  // The faults really happened, and the ambiguous creates were adopted, not re-posted.
  std::map<int, int> statuses;
  for (const auto& request : simulator.requests())
    if (request.server == "servicenow") ++statuses[request.status];
  CHECK(statuses[429] > 0);
  CHECK(statuses[503] > 0);
  CHECK(statuses[0] > 0);  // resets and ambiguous creates

  // Retry-After: after a 429 about an evaluation, the next request about it came >= 1 s later.
  std::map<std::string, double> throttledAt;
  int checked = 0;
  for (const auto& request : simulator.requests()) {
    if (request.server != "servicenow") continue;
    const std::string id = test::correlationOf(request);
    if (id.empty()) continue;
    auto throttled = throttledAt.find(id);
    if (throttled != throttledAt.end()) {
      INFO(id << " requested again " << request.time - throttled->second << " s after a 429 with Retry-After: 1");
      CHECK(request.time - throttled->second >= 0.999);
      throttledAt.erase(throttled);
      ++checked;
    }
    if (request.status == 429) throttledAt[id] = request.time;
  }
  CHECK(checked > 5);

  Ledger ledger(config.ledgerPath);
  auto stats = ledger.statsByOrg()[config.orgs[0].orgId];
  CHECK(stats.byStatus["created"] == static_cast<long long>(expected.size()));
  CHECK(stats.byStatus["pending"] == 0);
  CHECK(stats.byStatus["dead"] == 0);
}

TEST_CASE("permanent failures go to the dead letter with the reason, and replay delivers them once fixed") {
  BridgeFixture fixture;
  auto& simulator = fixture.simulator;
  auto rejected = serviceNowFault("status", 1.0, 21);
  rejected.status = 400;
  rejected.method = "POST";
  rejected.count = 3;
  simulator.addFault(rejected);

  Config config = loadConfig(fixture.configPath());
  const auto expected = test::expectedCorrelationIds(simulator, fixture.dir.file("mapping.json"));
  {
    ShutdownToken shutdown;
    SyncEngine engine(config, shutdown);
    auto reports = engine.syncOnce("", {});
    CHECK(reports[0].delivery.dead == 3);
    CHECK(reports[0].delivery.created == static_cast<int>(expected.size()) - 3);
  }
  {
    Ledger ledger(config.ledgerPath);
    RecordFilter dead;
    dead.status = RecordStatus::Dead;
    auto records = ledger.list(dead);
    REQUIRE(records.size() == 3);
    for (const auto& record : records) {
      CHECK(record.lastError.find("create failed: HTTP 400") == 0);
      CHECK_FALSE(record.rawJson.empty());  // the raw evaluation is kept
    }
  }
  CHECK(test::runBridge({"--config", fixture.configPath(), "sync", "--once"}) == 0);  // nothing new; dead stay dead
  CHECK(simulator.incidents().size() == expected.size() - 3);

  simulator.clearFaults();
  CHECK(test::runBridge({"--config", fixture.configPath(), "ledger", "replay", "--all"}) == 0);
  CHECK(test::runBridge({"--config", fixture.configPath(), "sync", "--once"}) == 0);
  const auto counts = test::incidentsByCorrelation(simulator);
  for (const auto& id : expected) CHECK(counts.count(id) == 1);
  for (const auto& [id, count] : counts) CHECK(count == 1);
  CHECK(simulator.incidents().size() == expected.size());
}
