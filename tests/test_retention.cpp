// Ledger retention (ledger.retention, `ledger prune`, the daily prune of `run`): what goes, what
// never goes, that a dry run counts what a prune removes, and that an evaluation exported again
// after its record was pruned never becomes a second incident. Real SQLite, real HTTP against the
// simulator, and the real binary for the CLI and the daemon.
//
// Each test names the mutations it kills (what would have to break for it to fail).
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/SqliteDatabase.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "ledger/LedgerFileSize.h"
#include "ledger/Retention.h"
#include "ledger/Statement.h"
#include "support/Eventually.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/LedgerBackends.h"
#include "support/MultiOrgConfig.h"
#include "support/RunProcess.h"
#include "support/TempDir.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using evalbridge::test::LedgerPlace;
using evalbridge::test::ledgerPlace;
using evalbridge::test::BridgeFixture;
using evalbridge::test::TempDir;
using evalbridge::test::eventually;
using namespace std::chrono_literals;

namespace {

const long long kDay = 86400;

Observation matched(const std::string& org, const std::string& id, const std::string& fields = R"({"urgency":"2"})") {
  Observation o;
  o.orgId = org;
  o.orgName = org + "-name";
  o.evaluationId = id;
  o.changedDate = "2026-11-01T00:00:00Z";
  o.matched = true;
  o.fieldsJson = fields;
  o.rawJson = "{\"id\":\"" + id + "\"}";
  return o;
}

Observation skipped(const std::string& org, const std::string& id) {
  Observation o = matched(org, id, "");
  o.matched = false;
  o.fieldsJson.clear();
  o.skipReason = "score 90 not lt 70";
  return o;
}

IncidentRef incidentIn(const std::string& id, const std::string& state) {
  return {"sys-" + id, "INC-" + id, state, "2026-11-01 00:00:01", 1};
}

std::string isoDaysAgo(long long days) {
  return formatIsoTime(Poco::Timestamp() - Poco::Timespan(static_cast<long>(days), 0, 0, 0, 0));
}

// Makes one record (and its whole history) look `days` old.
void age(Ledger& ledger, const std::string& org, const std::string& id, long long days) {
  Statement record(ledger.database(), "UPDATE evaluations SET updated_at=? WHERE org_id=? AND evaluation_id=?");
  record.bind(1, isoDaysAgo(days)).bind(2, org).bind(3, id).run();
  // A skip that never reached ServiceNow is a lean row (db/004): its time is in Unix seconds.
  Statement lean(ledger.database(),
                 "UPDATE skipped_records SET updated=? WHERE evaluation_id=?"
                 " AND org_key=(SELECT org_key FROM ledger_orgs WHERE org_id=?)");
  lean.bind(1, static_cast<std::int64_t>((Poco::Timestamp() - Poco::Timespan(static_cast<long>(days), 0, 0, 0, 0)).epochTime()))
      .bind(2, id)
      .bind(3, org)
      .run();
  Statement history(ledger.database(), "UPDATE history SET at=? WHERE org_id=? AND evaluation_id=?");
  history.bind(1, isoDaysAgo(days)).bind(2, org).bind(3, id).run();
}

long long count(Ledger& ledger, const std::string& sql) {
  Statement query(ledger.database(), sql);
  query.step();
  return query.integer(0);
}

bool exists(Ledger& ledger, const std::string& org, const std::string& id) { return ledger.find(org, id).has_value(); }

// A ledger with a bit of everything, in two orgs, old enough for the default retention to act:
// old skipped, old resolved/closed/canceled, young skipped and closed, an old open incident.
void fillMixedLedger(Ledger& ledger) {
  for (const std::string org : {"org-a", "org-b"}) {
    for (int i = 0; i < 4; ++i) {
      ledger.observe({skipped(org, "old-skip-" + std::to_string(i))});
      age(ledger, org, "old-skip-" + std::to_string(i), 40);
    }
    ledger.observe({skipped(org, "young-skip")});
    age(ledger, org, "young-skip", 10);
    int n = 0;
    for (const std::string state : {"6", "7", "8"}) {
      const std::string id = "old-final-" + std::to_string(n++);
      ledger.observe({matched(org, id)});
      ledger.markDelivered(org, id, incidentIn(id, state));
      age(ledger, org, id, 200);
    }
    ledger.observe({matched(org, "young-final")});
    ledger.markDelivered(org, "young-final", incidentIn("young-final", "7"));
    age(ledger, org, "young-final", 60);
    ledger.observe({matched(org, "old-open")});
    ledger.markDelivered(org, "old-open", incidentIn("old-open", "2"));
    age(ledger, org, "old-open", 400);  // its history goes (older than 90 days), the record stays
  }
}

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}


// A minimal valid configuration with `retention` as the ledger.retention member ("" = none).
std::string configWithRetention(TempDir& dir, const std::string& retention) {
  return dir.write("evalbridge.json", R"({
    "ledger": { "path": "ledger.db")" + (retention.empty() ? "" : ", \"retention\": " + retention) + R"( },
    "genesys": { "orgs": [ { "name": "a", "orgId": "o-1", "region": "eu-central-1", "clientId": "c",
                             "clientSecret": "s", "mapping": "m.json" } ] },
    "servicenow": { "instanceUrl": "http://127.0.0.1:9000",
                    "auth": { "type": "basic", "username": "u", "password": "p" } }
  })");
}

std::string configError(TempDir& dir, const std::string& retention) {
  try {
    loadConfig(configWithRetention(dir, retention));
  } catch (const ConfigError& e) {
    return e.message();
  }
  return "(no error)";
}

}  // namespace

// Kills: defaults other than P30D/P180D/P90D; a key read into the wrong field; "retention" not
// allowed under "ledger"; a bad value accepted or reported without its key; an unknown key
// ignored.
TEST_CASE("ledger.retention is read as ISO 8601 durations with documented defaults and errors naming the key",
          "[retention][config]") {
  TempDir dir;
  const Config defaults = loadConfig(configWithRetention(dir, ""));
  CHECK(defaults.retention.skippedS == 30 * kDay);
  CHECK(defaults.retention.closedS == 180 * kDay);
  CHECK(defaults.retention.historyS == 90 * kDay);

  const Config some = loadConfig(configWithRetention(dir, R"({"closed": "P365D", "history": "PT12H"})"));
  CHECK(some.retention.skippedS == 30 * kDay);
  CHECK(some.retention.closedS == 365 * kDay);
  CHECK(some.retention.historyS == 12 * 3600);

  const Config all = loadConfig(configWithRetention(dir, R"({"skipped": "P2W", "closed": "PT0S", "history": "P1DT1H"})"));
  CHECK(all.retention.skippedS == 14 * kDay);
  CHECK(all.retention.closedS == 0);
  CHECK(all.retention.historyS == kDay + 3600);

  std::string error = configError(dir, R"({"skipped": "30 days"})");
  CHECK_THAT(error, Catch::Contains("ledger.retention.skipped") && Catch::Contains("ISO 8601 duration"));
  CHECK_THAT(configError(dir, R"({"closed": 180})"), Catch::Contains("ledger.retention.closed") &&
                                                         Catch::Contains("must be a string"));
  CHECK_THAT(configError(dir, R"({"history": "P1Y"})"), Catch::Contains("ledger.retention.history"));
  CHECK_THAT(configError(dir, R"({"history": "P99999D"})"), Catch::Contains("ledger.retention.history"));
  CHECK_THAT(configError(dir, R"({"close": "P1D"})"),
             Catch::Contains("ledger.retention.close") && Catch::Contains("did you mean 'closed'"));
  CHECK_THAT(configError(dir, R"("P30D")"), Catch::Contains("ledger.retention") && Catch::Contains("must be an object"));
}

// Kills: a final-state list in SQL that differs from isFinalIncidentState (e.g. "2" added, "8"
// dropped).
TEST_CASE("the prune's final states are exactly the incident states the bridge treats as final", "[retention]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  for (int code = 1; code <= 9; ++code) {
    const std::string state = std::to_string(code);
    Statement query(ledger.database(), std::string("SELECT ? IN ") + Retention::finalStatesSql());
    query.bind(1, state);
    REQUIRE(query.step());
    INFO("state " << state);
    CHECK((query.integer(0) == 1) == isFinalIncidentState(state));
  }
}

// Kills: measure() and prune() using different conditions (any comparison, cutoff or status
// changed in one of them); history of pruned records not deleted or not counted; old history of
// kept records counted twice; a batch loop that stops after the first batch (batches of 3 here);
// per-org attribution mixed up.
TEST_CASE("a dry run counts exactly what the prune then removes, per org, over many small batches", "[retention]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  fillMixedLedger(ledger);
  const Poco::Timestamp now;
  Retention retention(ledger.database(), RetentionPolicy{}, RetentionLimits{3, 0});

  const long long recordsBefore = count(ledger, "SELECT COUNT(*) FROM ledger_records");
  const long long historyBefore = count(ledger, "SELECT COUNT(*) FROM history");
  const PruneReport dry = retention.measure(now);
  CHECK(dry.dryRun);
  CHECK(count(ledger, "SELECT COUNT(*) FROM ledger_records") == recordsBefore);  // a dry run removes nothing
  CHECK(count(ledger, "SELECT COUNT(*) FROM history") == historyBefore);
  REQUIRE(dry.byOrg.size() == 2);
  for (const std::string org : {"org-a", "org-b"}) {
    CHECK(dry.byOrg.at(org).skipped == 4);
    CHECK(dry.byOrg.at(org).closed == 3);
  }

  const PruneReport done = retention.prune(now);
  CHECK_FALSE(done.interrupted);
  CHECK(done.batches > 4);
  for (const std::string org : {"org-a", "org-b"}) {
    INFO(org);
    CHECK(done.byOrg.at(org).skipped == dry.byOrg.at(org).skipped);
    CHECK(done.byOrg.at(org).closed == dry.byOrg.at(org).closed);
    CHECK(done.byOrg.at(org).history == dry.byOrg.at(org).history);
  }
  CHECK(recordsBefore - count(ledger, "SELECT COUNT(*) FROM ledger_records") == dry.total().records());
  CHECK(historyBefore - count(ledger, "SELECT COUNT(*) FROM history") == dry.total().history);
  // What stays: the young ones and the open incident (whose old history went).
  for (const std::string org : {"org-a", "org-b"}) {
    CHECK(exists(ledger, org, "young-skip"));
    CHECK(exists(ledger, org, "young-final"));
    CHECK(exists(ledger, org, "old-open"));
    CHECK(ledger.history(org, "old-open").empty());
    CHECK_FALSE(ledger.history(org, "young-final").empty());
    CHECK_FALSE(exists(ledger, org, "old-skip-0"));
    CHECK_FALSE(exists(ledger, org, "old-final-2"));
  }
  // Nothing left to do: a second dry run and prune find nothing.
  CHECK(retention.measure(now).byOrg.empty());
  CHECK(retention.prune(now).byOrg.empty());
}

// Kills: deleting by age alone (status or incident state not checked); pending updates of a
// resolved incident treated as closed; dead records pruned; the history of pending/dead records
// pruned by age; an empty incident state counted as final.
TEST_CASE("pending, dead and not-final records are never pruned, even with zero retention", "[retention]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  const std::string org = "org-a";
  ledger.observe({matched(org, "pending-create")});
  ledger.markAttemptFailed(org, "pending-create", "timeout");
  ledger.observe({matched(org, "pending-update")});
  ledger.markDelivered(org, "pending-update", incidentIn("pending-update", "6"));
  REQUIRE(ledger.observe({matched(org, "pending-update", R"({"urgency":"1"})")})[0] == Decision::Update);
  ledger.observe({matched(org, "dead")});
  ledger.markDead(org, "dead", "create failed: 400 invalid");
  Observation malformed = matched(org, "malformed");
  malformed.deadReason = "not an object";
  ledger.observe({malformed});
  int n = 0;
  for (const std::string state : {"1", "2", "3", ""}) {
    const std::string id = "open-" + std::to_string(n++);
    ledger.observe({matched(org, id)});
    ledger.markDelivered(org, id, incidentIn(id, state));
  }
  for (const auto& record : ledger.list(RecordFilter{std::nullopt, std::nullopt, std::nullopt, 1000}))
    age(ledger, org, record.evaluationId, 3650);

  Retention retention(ledger.database(), RetentionPolicy{0, 0, 0}, RetentionLimits{2, 0});
  const PruneReport dry = retention.measure(Poco::Timestamp());
  CHECK(dry.total().records() == 0);
  const PruneReport done = retention.prune(Poco::Timestamp());
  CHECK(done.total().records() == 0);
  CHECK(done.total().history == dry.total().history);
  for (const std::string id : {"pending-create", "pending-update", "dead", "malformed", "open-0", "open-1", "open-2",
                               "open-3"}) {
    INFO(id);
    CHECK(exists(ledger, org, id));
  }
  // The story of what someone still has to act on is kept whole; that of open incidents goes.
  for (const std::string id : {"pending-create", "pending-update", "dead", "malformed"})
    CHECK_FALSE(ledger.history(org, id).empty());
  CHECK(ledger.history(org, "open-1").empty());
  CHECK(ledger.find(org, "pending-update")->status == RecordStatus::Pending);
  CHECK(count(ledger, "SELECT COUNT(*) FROM pruned_records") == 0);
}

// Kills: `<` turned into `>` or `<=` on the history cutoff; the cutoff computed as now + duration;
// history of a kept record deleted with it; records deleted because their history is old.
TEST_CASE("history rows are pruned by age, and only those older than the history retention", "[retention]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("org-a", "e1")});
  ledger.markDelivered("org-a", "e1", incidentIn("e1", "2"));
  Statement clear(ledger.database(), "DELETE FROM history");
  clear.run();
  for (long long days : {200, 91, 89, 1}) {
    Statement insert(ledger.database(),
                     "INSERT INTO history (org_id, evaluation_id, at, event, detail) VALUES ('org-a','e1',?,?,'')");
    insert.bind(1, isoDaysAgo(days)).bind(2, "event-" + std::to_string(days)).run();
  }
  Retention retention(ledger.database(), RetentionPolicy{30 * kDay, 180 * kDay, 90 * kDay});
  CHECK(retention.measure(Poco::Timestamp()).byOrg.at("org-a").history == 2);
  const PruneReport done = retention.prune(Poco::Timestamp());
  CHECK(done.byOrg.at("org-a").history == 2);
  CHECK(done.byOrg.at("org-a").records() == 0);
  std::vector<std::string> left;
  for (const auto& entry : ledger.history("org-a", "e1")) left.push_back(entry.event);
  CHECK(left == std::vector<std::string>{"event-89", "event-1"});
  CHECK(exists(ledger, "org-a", "e1"));
}

// Kills: no restore hook in observe() (the record comes back as a new create: Decision::Create);
// a tombstone without sys_id/state/hash (the restored record would not be Unchanged, or would be
// a create); tombstones only for some statuses; the tombstone kept after a restore (a second
// prune would then hide a newer state); a tombstone for plain skipped records; no tombstone for a
// create whose answer was lost before it was skipped, or one without its attempt (a later match
// would then post without a lookup).
TEST_CASE("a pruned record comes back from its tombstone and is decided as if it had never gone", "[retention]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  const std::string org = "org-a";
  ledger.observe({matched(org, "closed")});
  ledger.markDelivered(org, "closed", incidentIn("closed", "7"));
  ledger.observe({matched(org, "tried")});  // a create that may have landed, then stopped matching
  ledger.markAttemptFailed(org, "tried", "timeout");
  REQUIRE(ledger.observe({skipped(org, "tried")})[0] == Decision::Skip);
  ledger.observe({matched(org, "landed")});  // a create whose answer was lost, then stopped matching
  REQUIRE(ledger.observe({skipped(org, "landed")})[0] == Decision::Skip);
  ledger.observe({skipped(org, "plain")});
  Retention retention(ledger.database(), RetentionPolicy{0, 0, 0}, RetentionLimits{5000, 0});
  const PruneReport done = retention.prune(Poco::Timestamp() + Poco::Timespan(2, 0));
  CHECK(done.total().records() == 4);
  CHECK(count(ledger, "SELECT COUNT(*) FROM ledger_records") == 0);
  CHECK(count(ledger, "SELECT COUNT(*) FROM pruned_records") == 3);  // closed, tried and landed, not plain

  // The same content again: nothing to do, and the incident is known again.
  CHECK(ledger.observe({matched(org, "closed")})[0] == Decision::Unchanged);
  auto back = ledger.find(org, "closed");
  REQUIRE(back);
  CHECK(back->status == RecordStatus::Created);
  CHECK(back->incident.sysId == "sys-closed");
  CHECK(back->incident.number == "INC-closed");
  CHECK(back->incident.state == "7");
  CHECK(back->correlationId == correlationIdFor(org, "closed"));
  CHECK(ledger.history(org, "closed").back().event == "restored");
  CHECK(count(ledger, "SELECT COUNT(*) FROM pruned_records WHERE evaluation_id='closed'") == 0);
  // A rescore: an update of that incident (a work note on a closed one), never a create.
  CHECK(ledger.observe({matched(org, "closed", R"({"urgency":"1"})")})[0] == Decision::Update);
  CHECK(ledger.find(org, "closed")->operation == Operation::Update);

  // The record whose create may have landed comes back as it was (skipped, with its attempt).
  CHECK(ledger.observe({skipped(org, "tried")})[0] == Decision::Unchanged);
  CHECK(ledger.find(org, "tried")->attempts == 1);
  // A plain skipped record is simply recorded again.
  CHECK(ledger.observe({skipped(org, "plain")})[0] == Decision::Skip);
  // Matching again, a create that may have landed keeps that mark, so its delivery looks first
  // (IncidentSink::create) and an incident it finds is brought up to date.
  for (const std::string id : {"tried", "landed"}) {
    INFO(id);
    CHECK(ledger.observe({matched(org, id, R"({"urgency":"1"})")})[0] == Decision::Create);
    CHECK_FALSE(ledger.find(org, id)->previousFieldsJson.empty());
  }
}

// End to end against the simulator (SyncEngine in-process): deliver, resolve one incident in
// ServiceNow and pull the state, prune with zero retention, export the same window again from the
// start, then rescore the pruned evaluation.
// Kills: everything above that lets a re-exported pruned evaluation reach the sink as a create
// (no tombstone, no restore, restore without sys_id): that POSTs a second incident; a closed rule
// that ignores the incident state (the open incidents would be pruned too); a restore that loses
// the incident state (the rescore would then rewrite a resolved incident instead of a work note).
TEST_CASE("an evaluation exported again after its record was pruned is never created twice", "[retention][e2e]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  Ledger& ledger = engine.ledger();
  const std::string orgId = config.orgs[0].orgId;

  auto first = engine.syncOnce("", {});
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].ok);
  const auto expected = evalbridge::test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(expected.size() >= 2);
  const std::size_t incidents = fixture.simulator.incidents().size();
  REQUIRE(incidents == expected.size());

  const std::string resolvedId = *expected.begin();
  const auto record = ledger.find(orgId, resolvedId);
  REQUIRE(record);
  Poco::JSON::Object::Ptr resolve = new Poco::JSON::Object;
  resolve->set("state", "6");
  fixture.simulator.updateIncident(record->incident.sysId, resolve);
  IncidentStateStore store(ledger);
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown);
  REQUIRE(puller.pullOnce().applied >= 1);
  REQUIRE(ledger.find(orgId, resolvedId)->incident.state == "6");

  // Zero retention, and "now" a little ahead so rows written this second count as older.
  Retention retention(ledger.database(), RetentionPolicy{0, 0, 0});
  const PruneReport pruned = retention.prune(Poco::Timestamp() + Poco::Timespan(2, 0));
  CHECK(pruned.byOrg.at(orgId).closed == 1);  // only the resolved one: the others are open
  CHECK(pruned.byOrg.at(orgId).skipped == first[0].skipped);
  REQUIRE_FALSE(ledger.find(orgId, resolvedId));
  for (const auto& id : expected)
    if (id != resolvedId) CHECK(ledger.find(orgId, id));

  // The same window again, from the start.
  fixture.simulator.clearRequests();
  auto again = engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
  REQUIRE(again[0].ok);
  CHECK(again[0].delivery.created == 0);
  CHECK(again[0].delivery.adopted == 0);
  CHECK(fixture.simulator.incidents().size() == incidents);
  auto byCorrelation = evalbridge::test::incidentsByCorrelation(fixture.simulator);
  for (const auto& id : expected) CHECK(byCorrelation[correlationIdFor(orgId, id)] == 1);
  const std::string correlation = correlationIdFor(orgId, resolvedId);
  for (const auto& request : fixture.simulator.requests()) {
    if (request.server != "servicenow") continue;
    CHECK(request.method != "POST");
    // Not even a lookup was needed: the ledger knew the incident again.
    CHECK(request.query.find(resolvedId) == std::string::npos);
  }
  auto restored = ledger.find(orgId, resolvedId);
  REQUIRE(restored);
  CHECK(restored->status == RecordStatus::Created);
  CHECK(restored->incident.sysId == record->incident.sysId);
  CHECK(restored->incident.state == "6");

  // Pruned again, then rescored in Genesys: the resolved incident gets a work note, no new one.
  retention.prune(Poco::Timestamp() + Poco::Timespan(2, 0));
  REQUIRE_FALSE(ledger.find(orgId, resolvedId));
  fixture.simulator.rescore("acme-us", resolvedId, 12.5, "2026-11-23T12:00:00Z");
  fixture.simulator.clearRequests();
  auto rescored = engine.syncOnce("", SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
  REQUIRE(rescored[0].ok);
  CHECK(rescored[0].delivery.created == 0);
  CHECK(rescored[0].delivery.updated == 1);
  CHECK(fixture.simulator.incidents().size() == incidents);
  int patches = 0;
  for (const auto& request : fixture.simulator.requests()) {
    if (request.server != "servicenow") continue;
    CHECK(request.method != "POST");
    if (request.method == "PATCH" && request.path.find(record->incident.sysId) != std::string::npos) {
      ++patches;
      CHECK_THAT(request.body, Catch::Contains("work_notes"));
      CHECK_THAT(request.body, !Catch::Contains("\"urgency\""));  // a resolved incident keeps its fields
    }
  }
  CHECK(patches == 1);
  CHECK(evalbridge::test::incidentsByCorrelation(fixture.simulator)[correlation] == 1);
}

// Through the real binary, with --ledger and no config (the default retention).
// Kills: `ledger prune --dry-run` removing anything; --dry-run not recognised as a flag (it would
// swallow --json); the JSON counts not per org or not equal to the prune's; `ledger stats`
// without the file size, or a size that leaves out the -wal file; `stats` not showing what a
// prune would remove; a prune that ignores --ledger.
TEST_CASE("the CLI: ledger prune --dry-run counts, ledger prune removes, ledger stats shows size and prunable",
          "[retention][cli]") {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  {
    Ledger ledger(path);
    fillMixedLedger(ledger);
  }
  auto dry = evalbridge::test::runEvalbridge({"ledger", "prune", "--dry-run", "--json", "--ledger", path});
  INFO(dry.err);
  REQUIRE(dry.exitCode == 0);
  auto dryJson = parseObject(dry.out);
  CHECK(dryJson->getValue<bool>("dryRun"));
  CHECK(dryJson->getObject("retention")->getValue<std::string>("closed") == "P180D");
  CHECK(dryJson->getObject("retention")->getValue<std::string>("source") == "defaults");
  auto wouldRemove = dryJson->getObject("wouldRemove");
  REQUIRE(wouldRemove->has("org-a"));
  CHECK(wouldRemove->getObject("org-a")->getValue<long long>("skipped") == 4);
  CHECK(wouldRemove->getObject("org-b")->getValue<long long>("closed") == 3);
  {
    Ledger ledger(path);
    CHECK(ledger.statsByOrg()["org-a"].total == 10);  // nothing removed
    // stats, with this connection open so the -wal file exists and must be counted.
    ledger.addHistory("org-a", "old-open", "note", "keeps the WAL non-empty");
    auto stats = evalbridge::test::runEvalbridge({"ledger", "stats", "--json", "--ledger", path});
    REQUIRE(stats.exitCode == 0);
    auto statsJson = parseObject(stats.out);
    auto file = statsJson->getObject("ledgerFile");
    REQUIRE(file);
    CHECK(file->getValue<long long>("walBytes") > 0);
    CHECK(file->getValue<long long>("databaseBytes") >= 4096);
    CHECK(file->getValue<long long>("bytes") ==
          file->getValue<long long>("databaseBytes") + file->getValue<long long>("walBytes"));
    auto prunable = statsJson->getObject("org-a")->getObject("prunableNow");
    CHECK(prunable->getValue<long long>("skipped") == 4);
    CHECK(prunable->getValue<long long>("closed") == 3);
    CHECK(statsJson->getObject("org-a")->getValue<long long>("exported") == 10);
    auto text = evalbridge::test::runEvalbridge({"ledger", "stats", "--ledger", path});
    CHECK_THAT(text.out, Catch::Contains("ledger file: ") && Catch::Contains("a prune now would remove") &&
                             Catch::Contains("org-b: 4 skipped record(s), 3 record(s) with a final incident"));
  }
  auto real = evalbridge::test::runEvalbridge({"ledger", "prune", "--json", "--ledger", path});
  REQUIRE(real.exitCode == 0);
  auto removed = parseObject(real.out)->getObject("removed");
  for (const std::string org : {"org-a", "org-b"})
    for (const std::string kind : {"skipped", "closed", "history"})
      CHECK(removed->getObject(org)->getValue<long long>(kind) ==
            wouldRemove->getObject(org)->getValue<long long>(kind));
  Ledger after(path);
  CHECK(after.statsByOrg()["org-a"].total == 3);
  auto text = evalbridge::test::runEvalbridge({"ledger", "prune", "--dry-run", "--ledger", path});
  CHECK_THAT(text.out, Catch::Contains("nothing") && Catch::Contains("dry run"));
}

// Kills: a retention error that is not a configuration error (exit 2) naming the key; `ledger
// prune` ignoring the configured retention (the "source" would say defaults, P180D).
TEST_CASE("ledger prune uses the configured retention and refuses a bad one naming the key", "[retention][cli]") {
  TempDir dir;
  const std::string config = configWithRetention(dir, R"({"closed": "P400D"})");
  auto ok = evalbridge::test::runEvalbridge({"--config", config, "ledger", "prune", "--dry-run", "--json"});
  INFO(ok.err);
  REQUIRE(ok.exitCode == 0);
  auto policy = parseObject(ok.out)->getObject("retention");
  CHECK(policy->getValue<std::string>("closed") == "P400D");
  CHECK(policy->getValue<std::string>("skipped") == "P30D");
  CHECK(policy->getValue<std::string>("source") == config);

  const std::string bad = configWithRetention(dir, R"({"history": "ninety days"})");
  auto refused = evalbridge::test::runEvalbridge({"--config", bad, "ledger", "prune"});
  CHECK(refused.exitCode == 2);
  CHECK_THAT(refused.err, Catch::Contains("ledger.retention.history"));
}

// `run` (the real binary) prunes shortly after its start and logs what it removed.
// Kills: no retention worker in the daemon; a first prune only after a day; a prune that ignores
// the configured retention; no log line.
TEST_CASE("run prunes shortly after start and logs what it removed", "[retention][daemon]") {
  BridgeFixture fixture;
  // Skipped records go at once; a port of its own for the HTTP server.
  auto config = parseObject(evalbridge::test::readAll(fixture.configPath()));
  Poco::JSON::Object::Ptr retention = new Poco::JSON::Object;
  retention->set("skipped", "PT0S");
  config->getObject("ledger")->set("retention", retention);
  Poco::JSON::Object::Ptr server = new Poco::JSON::Object;
  server->set("listen", "127.0.0.1:0");
  config->set("server", server);
  std::ostringstream text;
  config->stringify(text);
  evalbridge::test::writeText(fixture.configPath(), text.str());

  // A first sync fills the ledger; a second later every skipped record is older than PT0S.
  REQUIRE(evalbridge::test::runEvalbridge(fixture, "sync --once").exitCode == 0);
  long long skippedBefore = 0;
  {
    Ledger ledger(fixture.ledgerPath());
    skippedBefore = ledger.statsByOrg()[fixture.simulator.options().orgs[0].orgId].byStatus["skipped"];
  }
  REQUIRE(skippedBefore > 0);
  long long createdBefore = 0;
  {
    Ledger ledger(fixture.ledgerPath());
    createdBefore = ledger.statsByOrg()[fixture.simulator.options().orgs[0].orgId].byStatus["created"];
  }
  std::this_thread::sleep_for(1100ms);

  const std::string log = fixture.dir.file("run.log");
  evalbridge::test::BridgeProcess bridge(
      {"--config", fixture.configPath(), "run", "--port-file", fixture.dir.file("port")}, "/dev/null", log);
  REQUIRE(bridge.started());
  const std::regex line("ledger prune: removed ([0-9]+) skipped record\\(s\\)");
  std::smatch found;
  std::string logText;
  const bool logged = eventually(
      [&] {
        logText = evalbridge::test::readAll(log);
        return std::regex_search(logText, found, line);
      },
      30s);
  bridge.signal(SIGTERM);
  CHECK(bridge.wait() == 0);
  INFO(logText);
  REQUIRE(logged);
  CHECK(std::stoll(found[1].str()) == skippedBefore);
  Ledger ledger(fixture.ledgerPath());
  auto stats = ledger.statsByOrg()[fixture.simulator.options().orgs[0].orgId];
  CHECK(stats.byStatus["skipped"] < skippedBefore);
  CHECK(stats.byStatus["created"] == createdBefore);  // open incidents stay
}
