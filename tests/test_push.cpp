// Push pickup (SPEC section 6, "Push"): `run`'s daemon, in-process, against the simulator's
// notification channels over real HTTP and WebSocket. An evaluation submitted while the bridge
// runs becomes an incident by push, long before the next sweep; a socket that drops, a closing
// notice and a channel expiry lose nothing and duplicate nothing; an org whose topic is refused
// runs sweep-only while the other org's push works; the push and the sweep never deliver one
// evaluation twice.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include "common/Metrics.h"
#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "mapping/Mapping.h"
#include "support/Eventually.h"
#include "support/DeliveryChecks.h"
#include "support/MultiOrgConfig.h"
#include "support/ThreadLimit.h"
#include "sync/Daemon.h"
#include "sync/PushPickup.h"
#include "sync/SyncMetrics.h"

using namespace evalbridge;
using namespace evalbridge::test;
using namespace std::chrono_literals;

namespace {


std::string isoNow(int offsetS = 0) {
  return Poco::DateTimeFormatter::format(Poco::DateTime(Poco::Timestamp() + Poco::Timespan(offsetS, 0)),
                                         "%Y-%m-%dT%H:%M:%SZ");
}

// Orgs whose added evaluations are a second apart (not an hour: they must be in the past, where
// a sweep can find them) and whose channels live `channelLifetimeS`.
sim::SimulatorOptions pushOrgs(int orgs, int channelLifetimeS = 86400) {
  sim::SimulatorOptions options;
  if (orgs > 1) options.orgs.push_back(secondOrg());
  for (auto& org : options.orgs) {
    org.spacingSeconds = 1;
    org.evaluationCount = 10;
    org.channelLifetimeS = channelLifetimeS;
  }
  return options;
}

// The config of `run` for every simulated org, sweeping every `intervalS`.
void writePushConfig(BridgeFixture& fixture, int intervalS, const std::string& usExtra = "") {
  auto orgs = simulatedOrgs(fixture);
  for (auto& org : orgs) {
    org.source = "search";
    if (org.name == "acme-us") org.extra = usExtra;
  }
  BridgeConfigOptions options;
  options.sync = R"("intervalS": )" + std::to_string(intervalS);
  options.genesysExtra = R"("search": { "maxWindow": "P30D", "overlap": "PT10M" })";
  writeBridgeConfig(fixture, orgs, options);
}

std::set<std::string> incidentKeysFor(BridgeFixture& fixture, const std::string& org) {
  std::set<std::string> keys;
  for (const auto& [key, count] : incidentsByCorrelation(fixture.simulator))
    if (key.find(":" + fixture.simulator.options().orgs.at(org == "acme-us" ? 0 : 1).orgId + ":") != std::string::npos)
      keys.insert(key);
  return keys;
}

// Every correlation id with more than one incident ("" when none).
std::string duplicates(BridgeFixture& fixture) {
  std::string out;
  for (const auto& [key, count] : incidentsByCorrelation(fixture.simulator))
    if (count > 1) out += key + " x" + std::to_string(count) + " ";
  return out;
}

// What is wrong with "every matching evaluation in the simulator is exactly one incident" ("" when
// nothing is).
std::string notExactlyOnceKeys(BridgeFixture& fixture) {
  const auto expected = expectedCorrelationIds(fixture.simulator, fixture.dir.file("mapping.json"));
  auto counts = incidentsByCorrelation(fixture.simulator);
  std::string wrong;
  for (const auto& key : expected)
    if (counts[key] != 1) wrong += key + ": " + std::to_string(counts[key]) + " incident(s); ";
  for (const auto& [key, count] : counts)
    if (count > 0 && !expected.count(key)) wrong += key + ": unexpected; ";
  return wrong;
}

// The in-process daemon of `run`.
struct RunningDaemon {
  Config config;
  ShutdownToken shutdown;
  Metrics metrics;
  std::unique_ptr<Daemon> daemon;

  explicit RunningDaemon(BridgeFixture& fixture) : config(loadConfig(fixture.configPath())) {
    declareBridgeMetrics(metrics, config);
    daemon = std::make_unique<Daemon>(config, shutdown, metrics);
    daemon->start();
  }
  ~RunningDaemon() {
    shutdown.requestStop();
    daemon->waitStopped(30s);
  }
  OrgPushStatus push(const std::string& org) const {
    for (const auto& status : daemon->push().status())
      if (status.orgName == org) return status;
    FAIL("no push status for " << org);
    return {};
  }
  bool connected(const std::string& org) const { return push(org).state == ChannelState::Connected; }
};

// The startup sweep has run (the org's first cycle is recorded) and the channel is subscribed.
void waitReady(RunningDaemon& running, const std::vector<std::string>& orgs) {
  for (const auto& org : orgs) {
    REQUIRE(eventually([&] { return running.daemon->status().status(org).cycles > 0; }, 30s));
    REQUIRE(eventually([&] { return running.connected(org); }, 30s));
  }
}

}  // namespace

TEST_CASE("an evaluation submitted while run is up becomes its incident by push, not by the next sweep", "[push]") {
  BridgeFixture fixture(pushOrgs(1));
  writePushConfig(fixture, 3600);  // no second sweep during the test
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});
  const auto before = fixture.simulator.incidents().size();

  const auto ids = fixture.simulator.addEvaluations("acme-us", 30, isoNow(-60));
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  std::set<std::string> expected;
  for (const auto& evaluation : fixture.simulator.evaluations("acme-us"))
    if (mapping.apply(evaluation).matched) expected.insert(correlationIdFor(running.config.orgs[0].orgId,
                                                                            evaluation->getValue<std::string>("id")));
  REQUIRE(expected.size() > before);
  CHECK(eventually([&] { return incidentKeysFor(fixture, "acme-us") == expected; }, 15s));
  CHECK(duplicates(fixture).empty());
  const auto status = running.push("acme-us");
  CHECK(status.counts.received >= ids.size());
  CHECK(status.counts.fetched >= ids.size());
  CHECK(status.counts.delivered == expected.size() - before);
  // One sweep only (at the start): the new incidents came by push.
  CHECK(running.daemon->status().status("acme-us").cycles == 1);
}

TEST_CASE("an evaluation picked up by push is read as the sweep reads it: its dead letter keeps the GET's text byte for byte",
          "[push]") {
  // ServiceNow refuses every create (422), so each record stays dead with its raw text, the record
  // a person replays. That text is the evaluation GET's answer as received, not a parsed tree
  // written out again (key order, numbers and escapes would change).
  BridgeFixture fixture(pushOrgs(1));
  writePushConfig(fixture, 3600);  // no second sweep during the test
  fixture.simulator.addFault(servicenowRefusesCreates());
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});

  const auto ids = fixture.simulator.addEvaluations("acme-us", 20, isoNow(-60));
  const std::set<std::string> added(ids.begin(), ids.end());
  std::set<std::string> failing;  // the added ones the mapping sends to ServiceNow
  for (const auto& id : matchingEvaluationIds(fixture, "acme-us"))
    if (added.count(id)) failing.insert(id);
  REQUIRE_FALSE(failing.empty());
  const std::string orgId = running.config.orgs[0].orgId;
  auto deadOnes = [&] {
    std::size_t dead = 0;
    for (const auto& id : failing) {
      const auto record = running.daemon->ledger().find(orgId, id);
      if (record && record->status == RecordStatus::Dead) ++dead;
    }
    return dead;
  };
  REQUIRE(eventually([&] { return deadOnes() == failing.size(); }, 15s));
  CHECK(running.daemon->status().status("acme-us").cycles == 1);  // they came by push

  std::size_t compared = 0;
  for (const auto& request : fixture.simulator.requests()) {
    const std::string id = request.path.substr(request.path.rfind('/') + 1);
    if (request.method != "GET" || request.path.rfind("/api/v2/quality/conversations/", 0) != 0 || !failing.count(id))
      continue;
    CHECK(running.daemon->ledger().find(orgId, id)->rawJson == request.responseBody);
    ++compared;
  }
  CHECK(compared >= failing.size());
}

TEST_CASE("a rescore announced by push updates the existing incident", "[push]") {
  BridgeFixture fixture(pushOrgs(1));
  writePushConfig(fixture, 3600);
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});
  const auto ids = fixture.simulator.addEvaluations("acme-us", 1, isoNow(-30));
  // A failing score first (an incident), then a rescore that changes it.
  fixture.simulator.rescore("acme-us", ids[0], 40, isoNow(-20));
  const std::string key = correlationIdFor(running.config.orgs[0].orgId, ids[0]);
  REQUIRE(eventually([&] { return incidentsByCorrelation(fixture.simulator).count(key) == 1; }, 15s));
  fixture.simulator.rescore("acme-us", ids[0], 45, isoNow(-10));
  CHECK(eventually(
      [&] {
        auto record = running.daemon->ledger().find(running.config.orgs[0].orgId, ids[0]);
        return record && record->status == RecordStatus::Updated;
      },
      15s));
  CHECK(incidentsByCorrelation(fixture.simulator).at(key) == 1);
}

TEST_CASE("nothing is lost while the socket is down: the channel recovers and the sweep finds the rest", "[push]") {
  BridgeFixture fixture(pushOrgs(1));
  writePushConfig(fixture, 4);  // a sweep every 4 s: the safety net for what no socket carried
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});
  // Connects refused for a while, so the evaluations below are certainly added with no socket.
  sim::FaultRule refuse;
  refuse.server = "acme-us";
  refuse.pathPrefix = "/channels/";
  refuse.kind = "status";
  refuse.status = 503;
  refuse.count = 3;
  fixture.simulator.addFault(refuse);
  REQUIRE(fixture.simulator.dropNotificationSockets("acme-us") == 1);
  fixture.simulator.addEvaluations("acme-us", 20, isoNow(-40));
  CHECK(eventually([&] { return notExactlyOnceKeys(fixture).empty(); }, 30s));
  INFO(notExactlyOnceKeys(fixture));
  CHECK(duplicates(fixture).empty());
  CHECK(eventually([&] { return running.connected("acme-us"); }, 30s));
  CHECK(running.push("acme-us").channel.reconnects >= 1);
  // And push works again after the recovery.
  const auto later = fixture.simulator.addEvaluations("acme-us", 10, isoNow(-2));
  CHECK(eventually([&] { return notExactlyOnceKeys(fixture).empty(); }, 30s));
  CHECK(duplicates(fixture).empty());
}

TEST_CASE("a channel expiry and a closing notice in the middle of a run lose nothing and duplicate nothing", "[push]") {
  BridgeFixture fixture(pushOrgs(1, 6));  // channels live 6 s: renewed during the test
  writePushConfig(fixture, 3600);         // no sweep after the first: push alone must carry it
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});
  // Evaluations keep coming, 5 per second for 10 s, across a renewal and a closing notice.
  for (int i = 0; i < 50; ++i) {
    fixture.simulator.addEvaluations("acme-us", 1, isoNow(-1));
    if (i == 20) fixture.simulator.closeNotificationSockets("acme-us", "", 500);
    std::this_thread::sleep_for(200ms);
  }
  CHECK(eventually([&] { return notExactlyOnceKeys(fixture).empty(); }, 20s));
  INFO(notExactlyOnceKeys(fixture));
  CHECK(duplicates(fixture).empty());
  const auto status = running.push("acme-us");
  CHECK(status.channel.renewals + status.channel.reconnects >= 2);  // the expiry and the notice
  CHECK(running.daemon->status().status("acme-us").cycles == 1);
}

TEST_CASE("an org whose topic is refused runs sweep-only and says why, and the other org's push is untouched",
          "[push]") {
  BridgeFixture fixture(pushOrgs(2));
  fixture.simulator.revokeTopic("acme-us", "v2.quality.evaluations");
  writePushConfig(fixture, 3600);
  RunningDaemon running(fixture);
  REQUIRE(eventually([&] { return running.push("acme-us").state == ChannelState::SweepOnly; }, 30s));
  CHECK_THAT(running.push("acme-us").detail, Catch::Contains("v2.quality.evaluations"));
  CHECK(running.daemon->status().status("acme-us").push == "sweep-only");
  waitReady(running, {"acme-eu"});
  const auto ids = fixture.simulator.addEvaluations("acme-eu", 20, isoNow(-30));
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  std::set<std::string> expected;
  for (const auto& evaluation : fixture.simulator.evaluations("acme-eu"))
    if (mapping.apply(evaluation).matched)
      expected.insert(correlationIdFor(running.config.orgs[1].orgId, evaluation->getValue<std::string>("id")));
  CHECK(eventually([&] { return incidentKeysFor(fixture, "acme-eu") == expected; }, 15s));
  // Tokens never cross: every request an org's server saw carried a token that org issued.
  for (const std::string org : {"acme-us", "acme-eu"}) {
    const auto issued = fixture.simulator.tokensIssuedBy(org);
    for (const auto& request : fixture.simulator.requests()) {
      if (request.server != org || !request.headers.count("authorization")) continue;
      const std::string bearer = request.headers.at("authorization");
      if (bearer.rfind("Bearer ", 0) != 0) continue;
      INFO(org << " " << request.method << " " << request.path);
      CHECK(issued.count(bearer.substr(7)) == 1);
    }
  }
}

TEST_CASE("the push and a sweep running at the same time deliver every evaluation once", "[push]") {
  BridgeFixture fixture(pushOrgs(1));
  // Each create takes 800 ms, so the sweep (every second) meets records the push is still posting.
  sim::FaultRule slow;
  slow.server = "servicenow";
  slow.method = "POST";
  slow.pathPrefix = "/api/now/table/incident";
  slow.kind = "latency";
  slow.latencyMs = 800;
  fixture.simulator.addFault(slow);
  writePushConfig(fixture, 1);
  RunningDaemon running(fixture);
  waitReady(running, {"acme-us"});
  for (int i = 0; i < 6; ++i) {
    fixture.simulator.addEvaluations("acme-us", 5, isoNow(-2));
    std::this_thread::sleep_for(300ms);
  }
  CHECK(eventually([&] { return notExactlyOnceKeys(fixture).empty(); }, 30s));
  INFO(notExactlyOnceKeys(fixture));
  CHECK(duplicates(fixture).empty());
  CHECK(running.daemon->status().status("acme-us").cycles > 1);
}

TEST_CASE("push whose workers the system refuses is off, and start() neither throws nor opens a channel", "[push]") {
  BridgeFixture fixture(pushOrgs(2));
  writePushConfig(fixture, 3600);
  // The child makes no request; a stopped simulator leaves no thread whose lock a fork could copy.
  fixture.simulator.stop();
  const int code = inChild([&] {
    const Config config = loadConfig(fixture.configPath());
    ShutdownToken shutdown;
    SyncEngine engine(config, shutdown);
    PushPickup pickup(engine, config, shutdown, nullptr);
    if (!pickup.enabled()) return checkFailed(1, "push is not configured");
    refuseNewThreads();
    pickup.start();  // the sweep carries every org
    for (const auto& org : pickup.status())
      if (org.state != ChannelState::Stopped) return checkFailed(2, org.orgName + ": " + org.detail);
    return 0;
  });
  CHECK(code == 0);
  // Not one channel was asked for.
  for (const auto& request : fixture.simulator.requests())
    CHECK(request.path.find("/notifications") == std::string::npos);
}
