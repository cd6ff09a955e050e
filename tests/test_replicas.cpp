// `evalbridge run` replicas sharing one PostgreSQL ledger, as real processes against the
// simulator and a real PostgreSQL 15: a replica killed mid-delivery (its orgs are taken over
// within the TTL plus a renewal, nothing is lost, nothing doubled), a replica paused past its
// lease (it wakes to find it can write and send nothing for the orgs it lost), and a replica
// joining (orgs move to it without a gap or a duplicate).
#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "ledger/Ledger.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/Eventually.h"
#include "support/HttpCall.h"
#include "support/LedgerBackends.h"
#include "support/PostgresServer.h"
#include "support/RunningBridge.h"

using namespace evalbridge;
using namespace evalbridge::test;
using namespace std::chrono_literals;

namespace {

constexpr int kLeaseTtlS = 3;  // renewed every second

// `count` orgs, each with its own id, client and secret, and `evaluations` recent evaluations
// (half of them failing, so about half become incidents).
sim::SimulatorOptions manyOrgs(int count, int evaluations) {
  sim::SimulatorOptions options;
  options.orgs.clear();
  for (int i = 1; i <= count; ++i) {
    sim::OrgSpec org;
    const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
    org.name = "org-" + n;
    org.orgId = "8c7d8a7e-1111-2222-3333-4444555566" + n;
    org.orgName = "Org " + n;
    org.clientId = org.name + "-client";
    org.clientSecret = org.name + "-secret";
    org.evaluationCount = evaluations;
    org.spacingSeconds = 60;
    org.firstEvaluation = isoAgo(2 * 3600);
    org.failingShare = 0.5;
    org.jobPollsUntilDone = 0;
    org.seed = static_cast<std::uint64_t>(i);
    options.orgs.push_back(org);
  }
  return options;
}

// The fixture's `run` config on a shared PostgreSQL ledger (a new database per test).
std::string writeReplicaConfig(BridgeFixture& fixture, const std::string& database, int maxConcurrency) {
  PostgresServer& server = sharedPostgres();
  const std::string url = server.createDatabase(database);
  writeText(fixture.dir.file("ledger.secret"), server.password());
  RunSettings run;
  run.ledger = R"("url": ")" + url + R"(", "password": "${file:ledger.secret}", "leaseTtlS": )" +
               std::to_string(kLeaseTtlS);
  run.orgExtra = R"("notifications": false)";
  run.writeBack = false;
  run.serviceNowExtra = R"(, "maxConcurrency": )" + std::to_string(maxConcurrency);
  writeRunConfig(fixture, run);
  return url;
}

void slowCreates(BridgeFixture& fixture, int latencyMs) {
  sim::FaultRule slow;
  slow.server = "servicenow";
  slow.method = "POST";
  slow.kind = "latency";
  slow.latencyMs = latencyMs;
  fixture.simulator.addFault(slow);
}

// Live leases as the database has them: replica id -> org ids.
std::map<std::string, std::set<std::string>> leaseOwners(const std::string& url) {
  const std::string rows = sharedPostgres().runSql(
      url.substr(url.rfind('/') + 1),
      "SELECT owner || ' ' || org_id FROM org_leases WHERE expires_at > EXTRACT(EPOCH FROM clock_timestamp()) * 1000");
  std::map<std::string, std::set<std::string>> owners;
  std::istringstream lines(rows);
  for (std::string owner, org; lines >> owner >> org;) owners[owner].insert(org);
  return owners;
}

bool evenlySpread(const std::string& url, std::size_t replicas, std::size_t orgs) {
  const auto owners = leaseOwners(url);
  if (owners.size() != replicas) return false;
  std::size_t total = 0;
  for (const auto& [owner, held] : owners) {
    if (held.size() > (orgs + replicas - 1) / replicas) return false;
    total += held.size();
  }
  return total == orgs;
}

// The replica id a `run` process logs with its lease events.
std::string replicaIdOf(const RunningBridge& bridge) {
  std::smatch match;
  const std::string log = bridge.log();
  REQUIRE(std::regex_search(log, match, std::regex("\"replica\"\\s*:\\s*\"([^\"]+)\"")));
  return match[1];
}

void checkExactlyOnce(BridgeFixture& fixture) {
  const auto expected = expectedCorrelationIds(fixture.simulator, fixture.dir.file("mapping.json"));
  const auto created = incidentsByCorrelation(fixture.simulator);
  CHECK(created.size() == expected.size());
  for (const auto& [correlation, count] : created) {
    INFO(correlation);
    CHECK(count == 1);
    CHECK(expected.count(correlation) == 1);
  }
}

bool allDelivered(BridgeFixture& fixture) {
  return incidentsByCorrelation(fixture.simulator).size() ==
         expectedCorrelationIds(fixture.simulator, fixture.dir.file("mapping.json")).size();
}

std::uint64_t answeredPosts(BridgeFixture& fixture) {
  std::uint64_t posts = 0;
  for (const auto& request : fixture.simulator.requests())
    posts += request.server == "servicenow" && request.method == "POST";
  return posts;
}

// How many times the ledger recorded each record's incident as created (an adoption included).
std::map<std::string, int> creationsIn(const std::string& url) {
  Ledger ledger(url, sharedPostgres().password());
  std::map<std::string, int> creations;
  RecordFilter all;
  all.limit = 100000;
  for (const LedgerRecord& record : ledger.list(all)) {
    int& count = creations[record.key()];
    for (const HistoryEntry& entry : ledger.history(record.orgId, record.evaluationId)) count += entry.event == "created";
  }
  return creations;
}

long long pendingIn(const std::string& url) {
  Ledger ledger(url, sharedPostgres().password());
  long long pending = 0;
  for (auto& [org, counts] : ledger.statsByOrg()) pending += counts.byStatus["pending"];
  return pending;
}

}  // namespace

// Kills: leases that never lapse (the orphans are never taken over); a takeover that does not
// look up the orphans' pending records before posting (duplicates); an uneven share.
TEST_CASE("replicas: one of three killed mid-delivery, its orgs resume within the TTL, nothing lost or doubled",
          "[replicas][failover]") {
  BridgeFixture fixture(manyOrgs(12, 8));
  const std::string url = writeReplicaConfig(fixture, "failover", 2);
  slowCreates(fixture, 300);
  RunningBridge a(fixture, "a");
  RunningBridge b(fixture, "b");
  RunningBridge c(fixture, "c");
  REQUIRE(eventually([&] { return evenlySpread(url, 3, 12); }, 30s));
  const std::string killed = replicaIdOf(a);
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() >= 6; }, 30s));
  const std::set<std::string> orphaned = leaseOwners(url)[killed];
  REQUIRE(orphaned.size() == 4);
  a.signal(SIGKILL);
  const auto killedAt = std::chrono::steady_clock::now();
  CHECK_FALSE(allDelivered(fixture));  // really mid-way

  REQUIRE(eventually([&] {
    const auto owners = leaseOwners(url);
    std::size_t taken = 0;
    for (const auto& [owner, held] : owners)
      if (owner != killed)
        for (const auto& org : orphaned) taken += held.count(org);
    return taken == orphaned.size();
  }, 30s));
  const auto tookOver = std::chrono::steady_clock::now() - killedAt;
  // TTL + one renewal, plus 3 s for a loaded machine (sanitizers, a parallel CTest).
  CHECK(tookOver <= std::chrono::seconds(kLeaseTtlS + 1 + 3));
  CHECK(evenlySpread(url, 2, 12));
  // What the lease-churn alert and the dashboards read (deploy/prometheus/alerts.yml).
  const std::string metrics = httpCall(b.port(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("evalbridge_live_replicas 2") && Catch::Contains("evalbridge_lease_held{org=\"org-"));
  bool lostFromZero = false, acquired = false;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("evalbridge_lease_changes_total{", 0) != 0) continue;
    lostFromZero = lostFromZero || (line.find(R"(change="lost"} 0)") != std::string::npos);
    acquired = acquired || (line.find(R"(change="acquired"})") != std::string::npos && line.back() != '0');
  }
  CHECK(lostFromZero);
  CHECK(acquired);

  REQUIRE(eventually([&] { return allDelivered(fixture); }, 90s));
  checkExactlyOnce(fixture);
  CHECK(eventually([&] { return pendingIn(url) == 0; }, 30s));
  CHECK(b.terminate(30s) == 0);
  CHECK(c.terminate(30s) == 0);
}

// Kills: a fence that is not checked before a request (the paused replica, on waking, posts what
// it had queued: duplicates) or before a write (it records the answer to the request it was paused
// in, which the other replica adopted meanwhile: a second creation); leases that do not lapse
// while a replica is paused.
TEST_CASE("replicas: a replica paused past its lease wakes unable to write or send for the orgs it lost",
          "[replicas][fencing]") {
  BridgeFixture fixture(manyOrgs(4, 12));
  const std::string url = writeReplicaConfig(fixture, "fencing", 1);
  slowCreates(fixture, 400);
  RunningBridge a(fixture, "a");
  RunningBridge b(fixture, "b");
  REQUIRE(eventually([&] { return evenlySpread(url, 2, 4); }, 30s));
  const std::string paused = replicaIdOf(a);
  const std::string other = replicaIdOf(b);
  const std::set<std::string> lost = leaseOwners(url)[paused];
  REQUIRE(lost.size() == 2);
  REQUIRE(eventually([&] { return allDelivered(fixture); }, 60s));
  // New evaluations for A's orgs alone, so a POST in flight is A's: A is paused mid-request, and
  // ServiceNow creates the incident while A sleeps (B then adopts it; A's late answer must not
  // be recorded).
  for (const auto& org : fixture.simulator.options().orgs)
    if (lost.count(org.orgId)) fixture.simulator.addEvaluations(org.name, 6, isoAgo(320));
  REQUIRE(eventually([&] { return fixture.simulator.arrivals("servicenow", "POST") > answeredPosts(fixture); }, 30s));
  a.signal(SIGSTOP);
  REQUIRE(eventually([&] { return leaseOwners(url)[other].size() == 4; }, 30s));
  REQUIRE(eventually([&] { return allDelivered(fixture); }, 90s));
  const std::size_t logBefore = a.log().size();

  a.signal(SIGCONT);
  // Its work resumes where it stopped: queued POSTs, outcomes of requests in flight, the rest of
  // a page. The fence refuses each; give it time to try.
  std::this_thread::sleep_for(std::chrono::seconds(kLeaseTtlS + 2));
  INFO("the woken replica logged:\n" << a.log().substr(logBefore));  // which record, which lease
  // Each incident recorded once: had the woken replica written an outcome for an org it lost, a
  // record the other replica adopted would hold a second creation. (Its log is no evidence: the
  // line for an outcome committed just before the pause may be written just after it.)
  for (const auto& [key, creations] : creationsIn(url)) {
    INFO(key);
    CHECK(creations <= 1);
  }
  CHECK(eventually([&] { return evenlySpread(url, 2, 4); }, 30s));  // then it rejoins with a fresh token
  checkExactlyOnce(fixture);
  CHECK(eventually([&] { return pendingIn(url) == 0; }, 30s));
  CHECK(a.terminate(30s) == 0);
  CHECK(b.terminate(30s) == 0);
}

// Kills: a joining replica that never gets a share; a lease given up with work in flight
// (the next holder posts what this one is posting: duplicates); evaluations lost in the move.
TEST_CASE("replicas: a fourth replica joins and orgs move to it without a gap or a duplicate", "[replicas][rebalance]") {
  BridgeFixture fixture(manyOrgs(12, 6));
  const std::string url = writeReplicaConfig(fixture, "rebalance", 2);
  slowCreates(fixture, 200);
  RunningBridge a(fixture, "a");
  RunningBridge b(fixture, "b");
  RunningBridge c(fixture, "c");
  REQUIRE(eventually([&] { return evenlySpread(url, 3, 12); }, 30s));
  // New evaluations everywhere while the fourth replica joins.
  // (60 s apart, the last 20 s ago: inside the sweep's overlap behind its checkpoint)
  for (const auto& org : fixture.simulator.options().orgs) fixture.simulator.addEvaluations(org.name, 4, isoAgo(200));
  RunningBridge d(fixture, "d");
  REQUIRE(eventually([&] { return evenlySpread(url, 4, 12); }, 60s));
  CHECK(leaseOwners(url)[replicaIdOf(d)].size() == 3);
  REQUIRE(eventually([&] { return allDelivered(fixture); }, 90s));
  checkExactlyOnce(fixture);
  CHECK(eventually([&] { return pendingIn(url) == 0; }, 30s));
  for (RunningBridge* bridge : {&a, &b, &c, &d}) CHECK(bridge->terminate(30s) == 0);
}
