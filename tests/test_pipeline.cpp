// The real pipeline (config -> token -> export job -> mapping -> ledger -> ServiceNow) against
// the simulator over HTTP on 127.0.0.1, asserting on the incident store and on the wire.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;
using evalbridge::test::incidentsByCorrelation;
using evalbridge::test::matchingEvaluationIds;

TEST_CASE("one cycle exports, maps and creates exactly the matching incidents, and a second creates nothing") {
  sim::SimulatorOptions options;
  options.orgs.push_back(test::secondOrg());
  BridgeFixture fixture(options);  // the default source: evaluation search
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;

  std::size_t expectedTotal = 0;
  {
    SyncEngine engine(config, shutdown);
    auto reports = engine.syncOnce("", {});
    REQUIRE(reports.size() == 2);
    for (const auto& report : reports) {
      INFO(report.orgName << ": " << report.error);
      CHECK(report.ok);
      const auto& org = *config.findOrg(report.orgName);
      auto expected = matchingEvaluationIds(fixture, org.name);
      expectedTotal += expected.size();
      CHECK(report.exported == static_cast<int>(fixture.simulator.evaluations(org.name).size()));
      CHECK(report.delivery.created == static_cast<int>(expected.size()));
      CHECK(report.skipped == report.exported - static_cast<int>(expected.size()));
      REQUIRE_FALSE(expected.empty());
      auto counts = incidentsByCorrelation(fixture.simulator);
      for (const auto& id : expected) CHECK(counts[correlationIdFor(org.orgId, id)] == 1);
    }
  }
  CHECK(fixture.simulator.incidents().size() == expectedTotal);

  // The incident carries the mapped fields and the bridge's correlation fields.
  auto incident = fixture.simulator.incidents().front();
  CHECK(incident->getValue<std::string>("short_description").rfind("QA fail: ", 0) == 0);
  CHECK(incident->getValue<std::string>("correlation_display") == "evalbridge");

  // Second cycle over the same window, in a new process-like engine (fresh token, same ledger).
  fixture.simulator.clearRequests();
  {
    SyncEngine engine(config, shutdown);
    auto reports = engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
    for (const auto& report : reports) {
      CHECK(report.ok);
      CHECK(report.delivery.created == 0);
      CHECK(report.matched == 0);
      CHECK(report.unchanged == report.exported);
    }
  }
  CHECK(fixture.simulator.incidents().size() == expectedTotal);
  for (const auto& request : fixture.simulator.requests())
    CHECK_FALSE((request.server == "servicenow" && request.method == "POST"));

  // The ledger holds every exported evaluation as created or skipped.
  Ledger ledger(config.ledgerPath);
  for (const auto& org : config.orgs) {
    auto stats = ledger.statsByOrg()[org.orgId];
    CHECK(stats.total == static_cast<long long>(fixture.simulator.evaluations(org.name).size()));
    CHECK(stats.byStatus["created"] + stats.byStatus["skipped"] == stats.total);
    CHECK(ledger.checkpoint(org.orgId));
  }
}

TEST_CASE("what goes over the wire: per-org tokens, job polling, no token on the download URL") {
  sim::SimulatorOptions options;
  options.orgs.push_back(test::secondOrg());
  options.orgs[1].useDownloadUrl = true;
  options.orgs[0].jobPollsUntilDone = 3;
  BridgeFixture fixture(options);
  fixture.source = "export";  // job polling and the pre-signed download are the export's
  fixture.writeConfig();
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  engine.syncOnce("", {});

  int statusPolls = 0;
  int downloads = 0;
  for (const auto& request : fixture.simulator.requests()) {
    auto auth = request.headers.count("authorization") ? request.headers.at("authorization") : "";
    if (request.server == "download") {
      ++downloads;
      CHECK(auth.empty());
    } else if (request.server == "acme-us" || request.server == "acme-eu") {
      if (auth.rfind("Bearer ", 0) == 0) {
        // A token is only ever sent to the org that issued it.
        CHECK(fixture.simulator.tokensIssuedBy(request.server).count(auth.substr(7)) == 1);
      }
      if (request.server == "acme-us" && request.method == "GET" && request.path.find("/api/v2/quality/exports/") == 0 &&
          request.path.find("/results") == std::string::npos)
        ++statusPolls;
    }
  }
  CHECK(downloads >= 1);
  CHECK(statusPolls >= 3);
}

TEST_CASE("a rescore updates the existing incident with a work note instead of creating one") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  engine.syncOnce("", {});
  const auto before = fixture.simulator.incidents().size();

  auto ids = matchingEvaluationIds(fixture, "acme-us");
  REQUIRE_FALSE(ids.empty());
  const std::string id = *ids.begin();
  fixture.simulator.rescore("acme-us", id, 12.5, "2026-11-23T12:00:00Z");
  auto reports = engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
  CHECK(reports[0].delivery.updated == 1);
  CHECK(reports[0].delivery.created == 0);
  CHECK(fixture.simulator.incidents().size() == before);

  Ledger ledger(config.ledgerPath);
  auto record = ledger.find(config.orgs[0].orgId, id);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Updated);
  for (const auto& incident : fixture.simulator.incidents()) {
    if (incident->getValue<std::string>("correlation_id") != record->correlationId) continue;
    CHECK(incident->getValue<std::string>("short_description").find("12.5") != std::string::npos);
    CHECK(incident->getValue<std::string>("urgency") == "1");
  }
}
