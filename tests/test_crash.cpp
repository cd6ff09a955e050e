// kill -9 at random moments (issue 4): the real `evalbridge sync --once` binary is started against
// the simulator, slowed by latency faults, and killed with SIGKILL at random instants at least 20
// times, restarted after each kill, then run to completion. Every matching evaluation must then
// have exactly one incident: none duplicated by a crash between POST and ledger commit, none lost.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <thread>

#include "ledger/Ledger.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/RunProcess.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;

TEST_CASE("SIGKILL at random moments never duplicates or loses an incident") {
  sim::SimulatorOptions options;
  options.orgs[0].evaluationCount = 160;
  options.orgs[0].failingShare = 0.5;
  options.orgs[0].jobPollsUntilDone = 1;
  BridgeFixture fixture(options);
  fixture.writeConfig("", R"("maxConcurrency": 2, "maxRequestsPerSecond": 1000)");
  auto& simulator = fixture.simulator;
  // Slow enough that kills land during export, between POST and commit, and during lookups.
  sim::FaultRule slowServiceNow;
  slowServiceNow.server = "servicenow";
  slowServiceNow.kind = "latency";
  slowServiceNow.latencyMs = 40;
  simulator.addFault(slowServiceNow);
  sim::FaultRule slowGenesys;
  slowGenesys.server = "acme-us";
  slowGenesys.kind = "latency";
  slowGenesys.latencyMs = 5;
  simulator.addFault(slowGenesys);

  const std::vector<std::string> sync = {"--config", fixture.configPath(), "--quiet", "sync", "--once"};
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> killAfterMs(0, 300);
  int kills = 0;
  int attempts = 0;
  while (kills < 20 && attempts < 60) {
    ++attempts;
    const auto seen = simulator.requests().size();
    test::BridgeProcess bridge(sync);
    REQUIRE(bridge.started());
    // The clock starts at the process's first request (even attempts) or at its first request to
    // ServiceNow (odd ones), so neither a slow start (a sanitizer build) nor the evaluation reads
    // before the first POST use up the interval: kills land in the export, between POSTs and
    // commits, and in lookups.
    const bool fromServiceNow = attempts % 2 == 1;
    auto started = [&] {
      const auto requests = simulator.requests();
      for (std::size_t i = seen; i < requests.size(); ++i)
        if (!fromServiceNow || requests[i].server == "servicenow") return true;
      return false;
    };
    for (int i = 0; i < 4000 && !started() && !bridge.pollExited(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(killAfterMs(random)));
    if (bridge.killNow()) ++kills;
  }
  CHECK(kills >= 20);
  const auto midway = simulator.incidents().size();

  CHECK(test::runBridge(sync) == 0);

  const auto expected = test::expectedCorrelationIds(simulator, fixture.dir.file("mapping.json"));
  REQUIRE(expected.size() >= 60);
  INFO("incidents created before the final run: " << midway << " of " << expected.size());
  const auto counts = test::incidentsByCorrelation(simulator);
  for (const auto& id : expected) {
    INFO(id);
    REQUIRE(counts.count(id) == 1);
    CHECK(counts.at(id) == 1);
  }
  CHECK(simulator.incidents().size() == expected.size());
  // Restarts looked pending records up by correlation_id before posting them again.
  int lookups = 0;
  for (const auto& request : simulator.requests())
    if (request.server == "servicenow" && request.method == "GET" && !test::correlationOf(request).empty()) ++lookups;
  CHECK(lookups > 0);

  Ledger ledger(fixture.ledgerPath());
  auto stats = ledger.statsByOrg()[options.orgs[0].orgId];
  CHECK(stats.total == static_cast<long long>(simulator.evaluations("acme-us").size()));
  CHECK(stats.byStatus["created"] == static_cast<long long>(expected.size()));
  CHECK(stats.byStatus["pending"] == 0);
}
