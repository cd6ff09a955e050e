// Org leases between replicas, driven tick by tick against a real PostgreSQL (no processes, no
// sleeps beyond the TTL where a lapse is the point). The replicas as processes, killed and
// paused, are in test_replicas.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "ledger/OrgFence.h"
#include "ledger/Statement.h"
#include "servicenow/IncidentSink.h"
#include "servicenow/ServiceNowClient.h"
#include "support/BridgeFixture.h"
#include "support/Eventually.h"
#include "support/LedgerBackends.h"
#include "support/PostgresServer.h"
#include "sync/OrgLeases.h"

using namespace evalbridge;
using evalbridge::test::sharedPostgres;

namespace {

const std::vector<std::string> kOrgs = {"org-a", "org-b", "org-c", "org-d"};

// One replica: its own connection (as each process has), its leases, what it counts as busy.
struct Replica {
  Replica(const std::string& url, const std::string& id, int ttlS = 3)
      : ledger(url, sharedPostgres().password()),
        leases(ledger.database(), kOrgs, id, ttlS, [this](const std::string& org) { return busy.count(org) > 0; }) {
    ledger.setFence(&leases);
  }
  std::set<std::string> held() const {
    auto orgs = leases.held();
    return {orgs.begin(), orgs.end()};
  }
  Ledger ledger;
  std::set<std::string> busy;
  OrgLeases leases;
};

std::string freshLedger() {
  static int n = 0;
  const std::string url = sharedPostgres().createDatabase("leases_" + std::to_string(++n));
  Ledger create(url, sharedPostgres().password());  // migrated once, before the replicas race
  return url;
}

Observation matchedFor(const std::string& org, const std::string& id) {
  Observation o;
  o.orgId = org;
  o.orgName = org;
  o.evaluationId = id;
  o.changedDate = "2026-11-01T00:00:00Z";
  o.matched = true;
  o.fieldsJson = R"({"short_description":"QA fail"})";
  return o;
}

std::set<std::string> both(const Replica& a, const Replica& b) {
  std::set<std::string> all = a.held();
  for (const auto& org : b.held()) REQUIRE(all.insert(org).second);  // never held twice
  return all;
}

// Behind its holder's back, the org's lease lapses (as after a pause): the next replica to tick
// takes it with a new token.
void lapse(const std::string& url, const std::string& org) {
  sharedPostgres().runSql(url.substr(url.rfind('/') + 1),
                          "UPDATE org_leases SET expires_at = 0 WHERE org_id = '" + org + "'");
}

// A fault on ServiceNow's POSTs (creates).
sim::FaultRule onCreates(const std::string& kind) {
  sim::FaultRule rule;
  rule.server = "servicenow";
  rule.method = "POST";
  rule.kind = kind;
  return rule;
}

// A replica's delivery path to the fixture's ServiceNow.
struct Sender {
  Sender(const Config& config, Ledger& ledger) : client(config.servicenow, shutdown), sink(client, ledger, shutdown) {}
  DeliveryOutcome deliver(Ledger& ledger, const std::string& id) {
    return sink.deliverOne(*ledger.find("org-a", id), false, retries);
  }
  ShutdownToken shutdown;
  ServiceNowClient client;
  IncidentSink sink;
  std::atomic<int> retries{0};
};

}  // namespace

// Kills: a share other than ceil(orgs/live); a surplus never drained; a drained lease never
// released; two replicas holding one org.
TEST_CASE("two replicas split the orgs evenly, and never hold one org twice", "[leases]") {
  const std::string url = freshLedger();
  Replica a(url, "replica-a");
  a.leases.tick();
  CHECK(a.held().size() == 4);  // alone: everything
  Replica b(url, "replica-b");
  for (int round = 0; round < 3; ++round) {
    b.leases.tick();
    a.leases.tick();
    both(a, b);
  }
  CHECK(a.held().size() == 2);
  CHECK(b.held().size() == 2);
  CHECK(both(a, b).size() == 4);
  CHECK(a.leases.liveReplicas() == 2);
  CHECK(a.leases.leader() != b.leases.leader());
}

// Kills: a check that trusts the local lease alone (the takeover here happens while A's local
// lease is still valid); a write that does not check.
TEST_CASE("a replica whose lease was taken over can neither write nor pass the fence", "[leases][fencing]") {
  const std::string url = freshLedger();
  Replica a(url, "replica-a");
  a.leases.tick();
  REQUIRE(a.leases.holds("org-a"));
  a.ledger.observe({matchedFor("org-a", "e1")});
  // Behind A's back, its lease on org-a lapses (as after a pause) and B takes it.
  lapse(url, "org-a");
  Replica b(url, "replica-b");
  b.leases.tick();
  REQUIRE(b.leases.holds("org-a"));
  CHECK_THROWS_AS(a.leases.check(a.ledger.database(), "org-a", OrgFence::Purpose::Request, kAnyLease), LeaseLost);
  CHECK_THROWS_AS(a.leases.check(a.ledger.database(), "org-a", OrgFence::Purpose::Write, kAnyLease), LeaseLost);
  CHECK_THROWS_AS(a.ledger.observe({matchedFor("org-a", "e2")}), LeaseLost);
  CHECK_THROWS_AS(a.ledger.markDead("org-a", "e1", "from the old holder"), LeaseLost);
  CHECK_THROWS_AS(a.ledger.setCheckpoint("org-a", "org-a", "2026-11-02T00:00:00Z"), LeaseLost);
  CHECK_FALSE(b.ledger.find("org-a", "e2"));
  CHECK(b.ledger.find("org-a", "e1")->status == RecordStatus::Pending);
  CHECK_FALSE(b.ledger.checkpoint("org-a"));
  // The new holder writes; A's other orgs are still A's.
  b.ledger.observe({matchedFor("org-a", "e2")});
  a.ledger.observe({matchedFor("org-b", "e3")});
  CHECK_FALSE(a.leases.holds("org-a"));
}

// Kills: leases that never expire; a takeover that keeps the old token (the fence would pass).
TEST_CASE("a replica that stops renewing loses its orgs to the others within the TTL plus a tick",
          "[leases][failover]") {
  const std::string url = freshLedger();
  std::map<std::string, long long> tokens;
  {
    Replica dead(url, "replica-dead");
    dead.leases.tick();
    REQUIRE(dead.held().size() == 4);
    for (const auto& org : kOrgs) tokens[org] = 1;
  }  // never ticks again: as if killed
  Replica survivor(url, "replica-survivor");
  const auto started = std::chrono::steady_clock::now();
  std::vector<LeaseChange> taken;
  while (taken.size() < 4 && std::chrono::steady_clock::now() - started < std::chrono::seconds(20)) {
    for (const auto& change : survivor.leases.tick())
      if (change.kind == LeaseChange::Kind::Acquired) taken.push_back(change);
    std::this_thread::sleep_for(survivor.leases.renewInterval());
  }
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(taken.size() == 4);
  for (const auto& change : taken) CHECK(change.token == tokens[change.orgId] + 1);
  CHECK(took <= std::chrono::seconds(3) + survivor.leases.renewInterval() + std::chrono::seconds(2));
}

// Kills: releasing a lease while this replica still has work for the org in flight; refusing the
// outcome of a request already sent for an org being handed over (its incident would exist with
// the record still pending, and the next holder could post it again); a new request allowed.
TEST_CASE("a surplus org is released only when its work here has finished", "[leases][rebalance]") {
  const std::string url = freshLedger();
  Replica a(url, "replica-a");
  a.leases.tick();
  a.busy = {"org-a", "org-b", "org-c", "org-d"};  // every org has a delivery in flight
  Replica b(url, "replica-b");
  b.leases.tick();
  a.leases.tick();  // drains two
  a.leases.tick();
  b.leases.tick();
  CHECK(a.held().size() == 2);  // draining ones no longer count as worked here...
  CHECK(b.held().empty());      // ...but are not given up while busy
  for (const auto& org : kOrgs) {
    if (a.held().count(org)) continue;
    INFO(org << " is draining");
    CHECK_NOTHROW(a.leases.check(a.ledger.database(), org, OrgFence::Purpose::Write, kAnyLease));
    CHECK_THROWS_AS(a.leases.check(a.ledger.database(), org, OrgFence::Purpose::Request, kAnyLease), LeaseLost);
  }
  a.busy.clear();
  a.leases.tick();  // released
  b.leases.tick();  // taken
  CHECK(b.held().size() == 2);
  CHECK(both(a, b).size() == 4);
}

// Kills: a clean stop that leaves the others waiting out the TTL.
TEST_CASE("a replica that stops cleanly hands its orgs over at once", "[leases]") {
  const std::string url = freshLedger();
  Replica b(url, "replica-b");
  {
    Replica a(url, "replica-a");
    a.leases.tick();
    b.leases.tick();
    a.leases.releaseAll();
  }
  b.leases.tick();
  CHECK(b.held().size() == 4);
  CHECK(b.leases.liveReplicas() == 1);
}

// Kills: the fence checked before the request waits for its concurrency permit (the lease can be
// lost during the wait), or not checked before the request at all.
TEST_CASE("a request that waited for its permit past a takeover is not sent", "[leases][fencing]") {
  test::BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  config.servicenow.maxConcurrency = 1;  // the second delivery waits for the first one's permit
  sim::FaultRule slow = onCreates("latency");
  slow.latencyMs = 1500;
  fixture.simulator.addFault(slow);

  const std::string url = freshLedger();
  Replica a(url, "replica-a");
  a.leases.tick();
  REQUIRE(a.leases.holds("org-a"));
  a.ledger.observe({matchedFor("org-a", "e1"), matchedFor("org-a", "e2")});
  Sender sender(config, a.ledger);
  const auto deliver = [&](const std::string& id) { return sender.deliver(a.ledger, id); };
  auto first = std::async(std::launch::async, deliver, "e1");
  // e1's POST has reached ServiceNow, which holds it 1.5 s.
  REQUIRE(test::eventually([&] { return fixture.simulator.arrivals("servicenow", "POST") == 1; }));
  auto second = std::async(std::launch::async, deliver, "e2");  // waits for the permit
  // Nothing outside shows that e2 waits for the permit. A slow start only weakens the check (e2
  // then meets the fence before it waits), it never makes it fail.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  lapse(url, "org-a");
  Replica b(url, "replica-b");
  b.leases.tick();
  REQUIRE(b.leases.holds("org-a"));

  CHECK(first.get() == DeliveryOutcome::LeftPending);   // sent before; its outcome is the new holder's
  CHECK(second.get() == DeliveryOutcome::LeftPending);  // never sent
  int posts = 0;
  for (const auto& request : fixture.simulator.requests()) posts += request.server == "servicenow" && request.method == "POST";
  CHECK(posts == 1);
  CHECK(fixture.simulator.incidents().size() == 1);
}

// Kills: the fence asked whether this replica holds the org now rather than whether it still holds
// the lease the delivery began under. A lost its lease while it waited out a Retry-After, B
// delivered the record, and A took the org back (a new token) before its wait ended: the retry
// would post a second incident.
TEST_CASE("a delivery that outlived its lease is not finished under the next one", "[leases][fencing]") {
  test::BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  sim::FaultRule throttled = onCreates("status");
  throttled.status = 429;
  throttled.retryAfter = "3";
  throttled.count = 1;
  fixture.simulator.addFault(throttled);

  const std::string url = freshLedger();
  Replica a(url, "replica-a");
  a.leases.tick();
  REQUIRE(a.leases.holds("org-a"));
  const LeaseToken begunUnder = a.ledger.currentLease("org-a");
  a.ledger.observe({matchedFor("org-a", "e1")});
  Sender senderA(config, a.ledger);
  auto delivery = std::async(std::launch::async, [&] { return senderA.deliver(a.ledger, "e1"); });
  // A's POST was throttled; A waits 3 s before its next attempt.
  REQUIRE(test::eventually([&] { return fixture.simulator.arrivals("servicenow", "POST") == 1; }));
  REQUIRE(test::eventually([&] { return senderA.retries.load() == 1; }));

  // Meanwhile A's lease lapses, B takes the org, delivers the record and hands the org back.
  lapse(url, "org-a");
  Replica b(url, "replica-b");
  b.leases.tick();
  REQUIRE(b.leases.holds("org-a"));
  Sender senderB(config, b.ledger);
  REQUIRE(senderB.deliver(b.ledger, "e1") == DeliveryOutcome::Created);
  b.leases.releaseAll();
  a.leases.tick();  // lost (its token was superseded), then taken again with a new one
  REQUIRE(a.leases.holds("org-a"));
  REQUIRE(a.ledger.currentLease("org-a") != begunUnder);

  CHECK(delivery.get() == DeliveryOutcome::LeftPending);
  CHECK(fixture.simulator.arrivals("servicenow", "POST") == 2);  // the throttled one and B's
  CHECK(fixture.simulator.incidents().size() == 1);
  // A delivery's writes are held to its lease too: under the old one each is refused and changes
  // nothing; under the lease held now, allowed.
  const IncidentRef elsewhere{"sys-from-the-old-lease", "INC-OLD", "1", "", std::nullopt};
  CHECK_THROWS_AS(a.ledger.markDelivered("org-a", "e1", elsewhere, std::nullopt, begunUnder), LeaseLost);
  CHECK_THROWS_AS(a.ledger.markAttemptFailed("org-a", "e1", "from the old lease", begunUnder), LeaseLost);
  CHECK_THROWS_AS(a.ledger.markDead("org-a", "e1", "from the old lease", begunUnder), LeaseLost);
  CHECK(a.ledger.find("org-a", "e1")->incident.number != "INC-OLD");
  CHECK(a.ledger.find("org-a", "e1")->status == RecordStatus::Created);
  CHECK_NOTHROW(a.ledger.markAttemptFailed("org-a", "e1", "under the lease held now", a.ledger.currentLease("org-a")));
}
