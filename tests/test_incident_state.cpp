// Incident state coming back from ServiceNow into the ledger (SPEC section 7): ordering by
// sys_mod_count, the polling fallback's keyset paging against the simulator, the write-back
// outbox to Genesys data tables, and what a rescore after closure may do. Real SQLite, real HTTP.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <set>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/SqliteDatabase.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/IncidentStates.h"
#include "ledger/Ledger.h"
#include "servicenow/ServiceNowClient.h"
#include "support/BridgeFixture.h"
#include "support/LedgerBackends.h"
#include "sync/DataTableWriteBack.h"
#include "sync/IncidentStatePuller.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using evalbridge::test::LedgerPlace;
using evalbridge::test::ledgerPlace;
using evalbridge::test::BridgeFixture;

namespace {

const std::string kOrgId = "8c7d8a7e-1111-2222-3333-444455556666";

Poco::JSON::Object::Ptr changes(std::initializer_list<std::pair<std::string, std::string>> fields) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
  for (const auto& [name, value] : fields) object->set(name, value);
  return object;
}

// Ledger records with an incident, by sys_id.
std::map<std::string, LedgerRecord> incidentsInLedger(Ledger& ledger) {
  std::map<std::string, LedgerRecord> out;
  RecordFilter all;
  all.limit = 100000;
  for (auto& record : ledger.list(all))
    if (!record.incident.sysId.empty()) out[record.incident.sysId] = record;
  return out;
}

std::string field(const Poco::JSON::Object::Ptr& object, const std::string& name) {
  return object->optValue<std::string>(name, "");
}

IncidentStateUpdate updateOf(const std::string& evaluationId, const std::string& state, std::optional<std::int64_t> mod,
                             const std::string& updatedOn) {
  IncidentStateUpdate update;
  update.correlationId = correlationIdFor(kOrgId, evaluationId);
  update.sysId = "sys-" + evaluationId;
  update.number = "INC-" + evaluationId;
  update.state = state;
  update.updatedOn = updatedOn;
  update.modCount = mod;
  return update;
}

// An evaluation of kOrgId that matched the mapping: observed, it is a pending create.
Observation matchedIn(const std::string& orgName, const std::string& evaluationId) {
  Observation seen;
  seen.orgId = kOrgId;
  seen.orgName = orgName;
  seen.evaluationId = evaluationId;
  seen.matched = true;
  seen.fieldsJson = "{}";
  return seen;
}

}  // namespace

TEST_CASE("incident state names and codes", "[incident-state]") {
  CHECK(incidentStateCode("resolved") == std::optional<std::string>("6"));
  CHECK(incidentStateCode("Resolved") == std::optional<std::string>("6"));
  CHECK(incidentStateCode("closed") == std::optional<std::string>("7"));
  CHECK(incidentStateCode("canceled") == std::optional<std::string>("8"));
  CHECK(incidentStateCode("cancelled") == std::optional<std::string>("8"));
  CHECK(incidentStateCode("on hold") == std::optional<std::string>("3"));
  CHECK(incidentStateCode("in_progress") == std::optional<std::string>("2"));
  CHECK(incidentStateCode("6") == std::optional<std::string>("6"));
  CHECK(incidentStateCode("42") == std::optional<std::string>("42"));
  CHECK_FALSE(incidentStateCode("finished"));
  CHECK(incidentStateName("7") == "Closed");
  CHECK(incidentStateName("42") == "42");
  CHECK(isFinalIncidentState("6"));
  CHECK_FALSE(isFinalIncidentState("3"));
}

TEST_CASE("the state store orders updates by mod count and keeps fields it was not sent", "[incident-state]") {
  test::TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  IncidentStateStore store(ledger);
  ledger.observe({matchedIn("acme-us", "e1")});

  // No incident yet: nothing to mirror (the poll picks it up once the ledger knows the incident).
  CHECK(store.apply(updateOf("e1", "2", 1, "2026-11-01 10:00:01"), "poll").outcome == StateOutcome::Unknown);
  ledger.markDelivered(kOrgId, "e1", IncidentRef{"sys-e1", "INC-e1", "1", "2026-11-01 10:00:00", 0});

  auto resolved = updateOf("e1", "6", 2, "2026-11-01 10:05:00");
  resolved.closeCode = "Solved (Permanently)";
  resolved.closeNotes = "coached";
  resolved.assignmentGroup = "grp-1";
  StateResult applied = store.apply(resolved, "webhook");
  CHECK(applied.outcome == StateOutcome::Applied);
  CHECK(applied.previousState == "1");
  CHECK(applied.orgName == "acme-us");
  CHECK(applied.evaluationId == "e1");

  auto record = *ledger.find(kOrgId, "e1");
  CHECK(record.incident.state == "6");
  CHECK(record.incident.modCount == 2);
  CHECK(record.closeCode == "Solved (Permanently)");
  CHECK(record.closeNotes == "coached");
  CHECK(record.assignmentGroup == "grp-1");
  CHECK(ledger.history(kOrgId, "e1").back().event == "state-webhook");
  CHECK_THAT(ledger.history(kOrgId, "e1").back().detail, Catch::Contains("New -> Resolved"));

  CHECK(store.apply(resolved, "poll").outcome == StateOutcome::Duplicate);
  CHECK(store.apply(updateOf("e1", "2", 1, "2026-11-01 10:09:00"), "poll").outcome == StateOutcome::OutOfOrder);
  // Without a mod count, sys_updated_on decides.
  CHECK(store.apply(updateOf("e1", "2", std::nullopt, "2026-11-01 10:04:59"), "poll").outcome ==
        StateOutcome::OutOfOrder);

  // A later close without close fields keeps the ones the ledger has.
  CHECK(store.apply(updateOf("e1", "7", 3, "2026-11-01 11:00:00"), "poll").outcome == StateOutcome::Applied);
  record = *ledger.find(kOrgId, "e1");
  CHECK(record.incident.state == "7");
  CHECK(record.closeCode == "Solved (Permanently)");
  CHECK(record.assignmentGroup == "grp-1");

  // A webhook delivery is remembered: the same signature again is a replay and changes nothing.
  auto reopened = updateOf("e1", "2", 4, "2026-11-01 12:00:00");
  CHECK(store.apply(reopened, "webhook", WebhookDelivery{"sig-1", 1000}).outcome == StateOutcome::Applied);
  reopened.modCount = 5;
  reopened.state = "3";
  CHECK(store.apply(reopened, "webhook", WebhookDelivery{"sig-1", 1001}).outcome == StateOutcome::Replayed);
  CHECK(ledger.find(kOrgId, "e1")->incident.state == "2");
  // Old signatures are forgotten after their window.
  CHECK(store.apply(reopened, "webhook", WebhookDelivery{"sig-1", 5000}).outcome == StateOutcome::Applied);

  CHECK(store.incidentStateCounts()[kOrgId]["3"] == 1);
  CHECK_FALSE(store.pollCursor("incident"));
  store.savePollCursor("incident", PollCursor{"2026-11-01 12:00:00", "abc"});
  CHECK(store.pollCursor("incident")->updatedOn == "2026-11-01 12:00:00");
  CHECK(store.pollCursor("incident")->sysId == "abc");
}

TEST_CASE("a poll that brings nothing new writes nothing: it does not wait for the ledger's write lock",
          "[incident-state]") {
  // Most incidents a poll reads come back as the ledger has them. Another writer holds the write
  // lock here (a second process, say): settling those must not wait for it (10 s, then BUSY).
  test::TempDir dir;
  Ledger ledger(dir.file("ledger.db"));
  IncidentStateStore store(ledger);
  ledger.observe({matchedIn("acme-us", "e1")});
  ledger.markDelivered(kOrgId, "e1", IncidentRef{"sys-e1", "INC-e1", "1", "2026-11-01 10:00:00", 0});

  SqliteDatabase other(dir.file("ledger.db"));
  other.beginWrite();
  const auto started = std::chrono::steady_clock::now();
  CHECK(store.apply(updateOf("e1", "1", 0, "2026-11-01 10:00:00"), "poll").outcome == StateOutcome::Duplicate);
  CHECK(store.apply(updateOf("e1", "1", std::nullopt, "2026-11-01 09:59:59"), "poll").outcome ==
        StateOutcome::OutOfOrder);
  CHECK(store.apply(updateOf("e2", "1", 0, "2026-11-01 10:00:00"), "poll").outcome == StateOutcome::Unknown);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  other.exec("ROLLBACK");

  // What is new is applied, under the write lock, as before.
  const StateResult applied = store.apply(updateOf("e1", "2", 1, "2026-11-01 10:01:00"), "poll");
  CHECK(applied.outcome == StateOutcome::Applied);
  CHECK(applied.previousState == "1");
  CHECK(ledger.find(kOrgId, "e1")->incident.state == "2");
}

TEST_CASE("the poll's encoded queries page on (sys_updated_on, sys_id) with AND-only conditions", "[incident-state]") {
  CHECK(IncidentStatePuller::queryAfter("") == "correlation_idSTARTSWITHevalbridge:^ORDERBYsys_updated_on^ORDERBYsys_id");
  CHECK(IncidentStatePuller::queryAfter("2026-11-01 10:00:00") ==
        "correlation_idSTARTSWITHevalbridge:^sys_updated_on>2026-11-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id");
  CHECK(IncidentStatePuller::queryWithinSecond("2026-11-01 10:00:00", "") ==
        "correlation_idSTARTSWITHevalbridge:^sys_updated_on>=2026-11-01 10:00:00^sys_updated_on<=2026-11-01 10:00:00"
        "^ORDERBYsys_id");
  CHECK(IncidentStatePuller::queryWithinSecond("2026-11-01 10:00:00", "ab12") ==
        "correlation_idSTARTSWITHevalbridge:^sys_updated_on>=2026-11-01 10:00:00^sys_updated_on<=2026-11-01 10:00:00"
        "^sys_id>ab12^ORDERBYsys_id");
}

// Kills: a poll that trusts the instance to apply its paging conditions. ServiceNow ignores a
// query part it cannot apply; had it ignored "sys_id>", a second with a full page of updates was
// read again for ever. Here every poll is answered with the same full page.
TEST_CASE("a poll whose paging condition the instance ignores stops with an error, never reads one page for ever",
          "[incident-state][poll]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  IncidentStateStore store(engine.ledger());
  sim::FaultRule samePage;
  samePage.server = "servicenow";
  samePage.method = "GET";
  samePage.pathPrefix = "/api/now/table/incident";
  samePage.kind = "poisonBody";
  samePage.poison = R"({"result":[)"
                    R"({"sys_id":"0a","number":"INC0000001","state":"2","correlation_id":"evalbridge:x:1",)"
                    R"("sys_updated_on":"2026-11-01 10:00:00","sys_mod_count":"1"},)"
                    R"({"sys_id":"0b","number":"INC0000002","state":"2","correlation_id":"evalbridge:x:2",)"
                    R"("sys_updated_on":"2026-11-01 10:00:00","sys_mod_count":"1"}]})";
  fixture.simulator.addFault(samePage);
  auto pollWithin30s = [&shutdown](IncidentStatePuller& puller) {
    auto poll = std::async(std::launch::async, [&puller] { return puller.pullOnce(); });
    if (poll.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      shutdown.requestStop();  // ends the loop, so the test fails instead of hanging
      poll.wait();
      FAIL("the poll was still reading the same page after 30 s");
    }
    return poll.get();
  };
  SECTION("within a second: sys_id> ignored") {
    IncidentStatePuller puller(engine.serviceNow(), store, shutdown, 2);
    const PullReport report = pollWithin30s(puller);
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.error, Catch::Contains("INC0000001") && Catch::Contains("ignored part of the encoded query"));
    CHECK(report.pages == 1);  // the first page; the next, within its second, was the same
  }
  SECTION("after the cursor: sys_updated_on> ignored") {
    IncidentStatePuller puller(engine.serviceNow(), store, shutdown, 3);
    REQUIRE(pollWithin30s(puller).ok);  // a short first page: the cursor is its last record
    const PullReport report = pollWithin30s(puller);
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.error, Catch::Contains("sys_updated_on after 2026-11-01 10:00:00") &&
                                 Catch::Contains("ignored part of the encoded query"));
  }
}

TEST_CASE("polling brings every state change back, pages of one second included, and skips none",
          "[incident-state][poll]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  IncidentStateStore store(engine.ledger());
  auto incidents = fixture.simulator.incidents();
  REQUIRE(incidents.size() >= 5);

  int observed = 0;
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown, 2,
                             [&observed](const IncidentStateUpdate&, const StateResult&) { ++observed; });
  // First poll: everything the bridge created, already known (its own creations are no echo).
  PullReport first = puller.pullOnce();
  INFO(first.error);
  REQUIRE(first.ok);
  CHECK(first.read == static_cast<int>(incidents.size()));
  CHECK(first.applied == 0);
  CHECK(first.duplicates == static_cast<int>(incidents.size()));
  CHECK(observed == first.read);

  // Resolve every incident at once: most land in the same second, more than a page of 2.
  for (const auto& incident : incidents)
    fixture.simulator.updateIncident(field(incident, "sys_id"),
                                     changes({{"state", "6"}, {"close_code", "Solved (Permanently)"}}));
  PullReport second = puller.pullOnce();
  REQUIRE(second.ok);
  CHECK(second.applied == static_cast<int>(incidents.size()));
  auto mirrored = incidentsInLedger(engine.ledger());
  for (const auto& incident : fixture.simulator.incidents()) {
    const auto& record = mirrored.at(field(incident, "sys_id"));
    CHECK(record.incident.state == "6");
    CHECK(record.closeCode == "Solved (Permanently)");
    CHECK(std::to_string(*record.incident.modCount) == field(incident, "sys_mod_count"));
    CHECK(record.incident.updatedOn == field(incident, "sys_updated_on"));
  }

  // A change landing in the second the last poll already read is still found (that second is
  // read again), and nothing else is applied twice.
  const std::string firstSysId = field(incidents.front(), "sys_id");
  fixture.simulator.updateIncident(firstSysId, changes({{"state", "7"}}));
  PullReport third = puller.pullOnce();
  REQUIRE(third.ok);
  CHECK(third.applied == 1);
  CHECK(incidentsInLedger(engine.ledger()).at(firstSysId).incident.state == "7");
  CHECK(puller.pullOnce().applied == 0);

  // On the wire: only keyset conditions (the simulator refuses ^OR / ^NQ), a page size, fields.
  int polls = 0;
  for (const auto& request : fixture.simulator.requests()) {
    if (request.server != "servicenow" || request.method != "GET" || request.path != "/api/now/table/incident")
      continue;
    const std::string query = Poco::URI("/?" + request.query).getQueryParameters().front().second;
    if (query.rfind("correlation_idSTARTSWITHevalbridge:", 0) != 0) continue;
    ++polls;
    CHECK(request.status == 200);
    CHECK(request.query.find("sysparm_limit=2") != std::string::npos);
    CHECK(request.query.find("sysparm_no_count=true") != std::string::npos);
  }
  CHECK(polls >= 4);
}

TEST_CASE("write-back creates each row with POST, updates it with PUT, and writes again only on change",
          "[incident-state][write-back]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  config.orgs[0].writeBackDatatableId = "dt-outcomes";
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  IncidentStateStore store(engine.ledger());
  DataTableWriteBack writeBack(config, store, shutdown);
  REQUIRE(writeBack.enabled());

  auto ledgerIncidents = incidentsInLedger(engine.ledger());
  fixture.simulator.clearRequests();
  WriteBackReport first = writeBack.runOnce();
  CHECK(first.failed == 0);
  CHECK(first.written == static_cast<int>(ledgerIncidents.size()));
  // New rows are created with POST .../rows (the simulator, like the API, never creates on PUT).
  auto rowWrites = [&](const std::string& method) {
    int n = 0;
    for (const auto& request : fixture.simulator.requests())
      n += request.method == method && request.path.find("/api/v2/flows/datatables/dt-outcomes/rows") == 0;
    return n;
  };
  CHECK(rowWrites("POST") == static_cast<int>(ledgerIncidents.size()));
  CHECK(rowWrites("PUT") == 0);

  auto matchesLedger = [&] {
    auto rows = fixture.simulator.dataTableRows("acme-us")["dt-outcomes"];
    auto inLedger = incidentsInLedger(engine.ledger());
    CHECK(rows.size() == inLedger.size());
    for (const auto& [sysId, record] : inLedger) {
      REQUIRE(rows.count(record.evaluationId) == 1);
      const auto& row = rows.at(record.evaluationId);
      CHECK(field(row, "key") == record.evaluationId);
      CHECK(field(row, "incidentNumber") == record.incident.number);
      CHECK(field(row, "state") == record.incident.state);
      CHECK(field(row, "link") == fixture.simulator.serviceNowUrl() + "/nav_to.do?uri=incident.do?sys_id=" + sysId);
    }
  };
  matchesLedger();
  CHECK(writeBack.runOnce().written == 0);  // nothing changed: nothing written

  // A state change (webhook or poll) makes exactly that row due again.
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown);
  const auto incident = fixture.simulator.incidents().front();
  fixture.simulator.updateIncident(field(incident, "sys_id"), changes({{"state", "6"}}));
  REQUIRE(puller.pullOnce().applied == 1);
  fixture.simulator.clearRequests();
  CHECK(writeBack.runOnce().written == 1);
  matchesLedger();
  int puts = 0;
  for (const auto& request : fixture.simulator.requests()) {
    if (request.method != "PUT") continue;
    ++puts;
    CHECK(request.server == "acme-us");
    CHECK(request.path.rfind("/api/v2/flows/datatables/dt-outcomes/rows/", 0) == 0);
    CHECK(request.headers.at("authorization").rfind("Bearer ", 0) == 0);
  }
  CHECK(puts == 1);
  CHECK(rowWrites("POST") == 0);

  // A refusal (missing permission) keeps the row due; it is written once the permission is back.
  fixture.simulator.updateIncident(field(incident, "sys_id"), changes({{"state", "7"}}));
  REQUIRE(puller.pullOnce().applied == 1);
  fixture.simulator.revokePermission("acme-us", "architect:datatableRow:edit");
  WriteBackReport refused = writeBack.runOnce();
  CHECK(refused.failed == 1);
  CHECK(refused.written == 0);
  fixture.simulator.grantPermission("acme-us", "architect:datatableRow:edit");
  CHECK(writeBack.runOnce().written == 1);
  matchesLedger();

  // The ledger's memory of which rows exist can be wrong: a row deleted in Architect (PUT -> 404
  // -> POST), or created by a run that died before recording it (POST -> 409 -> PUT).
  const auto behind = engine.ledger().findByKey(field(incident, "number"));
  REQUIRE(behind);
  fixture.simulator.deleteDataTableRow("acme-us", "dt-outcomes", behind->evaluationId);
  fixture.simulator.updateIncident(field(incident, "sys_id"), changes({{"state", "2"}}));
  REQUIRE(puller.pullOnce().applied == 1);
  fixture.simulator.clearRequests();
  CHECK(writeBack.runOnce().written == 1);
  CHECK(rowWrites("PUT") == 1);
  CHECK(rowWrites("POST") == 1);
  matchesLedger();

  engine.ledger().database().exec("DELETE FROM writeback_rows");
  fixture.simulator.clearRequests();
  CHECK(writeBack.runOnce().written == static_cast<int>(ledgerIncidents.size()));
  CHECK(rowWrites("POST") == static_cast<int>(ledgerIncidents.size()));  // each answered 409 ...
  CHECK(rowWrites("PUT") == static_cast<int>(ledgerIncidents.size()));   // ... and sent again as PUT
  matchesLedger();
}

TEST_CASE("a rescore after ServiceNow closed the incident neither reopens nor recreates it",
          "[incident-state][closed]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  IncidentStateStore store(engine.ledger());
  const std::size_t incidentCount = fixture.simulator.incidents().size();
  const auto incident = fixture.simulator.incidents().front();
  const std::string sysId = field(incident, "sys_id");
  const std::string evaluationId = field(incident, "correlation_id").substr(std::string("evalbridge:" + kOrgId + ":").size());

  fixture.simulator.updateIncident(sysId, changes({{"state", "7"}, {"close_code", "Solved (Permanently)"}}));
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown);
  REQUIRE(puller.pullOnce().applied == 1);

  // Rescored in Genesys, a minute ago (inside the next cycle's window), still failing.
  const std::string changed = Poco::DateTimeFormatter::format(
      Poco::DateTime(Poco::Timestamp() - Poco::Timespan(60, 0)), "%Y-%m-%dT%H:%M:%SZ");
  fixture.simulator.rescore("acme-us", evaluationId, 12, changed);
  fixture.simulator.clearRequests();
  auto report = engine.syncOnce("", {}).at(0);
  REQUIRE(report.ok);
  CHECK(report.delivery.created == 0);
  CHECK(fixture.simulator.incidents().size() == incidentCount);  // not recreated

  Poco::JSON::Object::Ptr after;
  for (const auto& candidate : fixture.simulator.incidents())
    if (field(candidate, "sys_id") == sysId) after = candidate;
  REQUIRE(after);
  CHECK(field(after, "state") == "7");  // not reopened
  CHECK(engine.ledger().find(kOrgId, evaluationId)->incident.state == "7");
  for (const auto& request : fixture.simulator.requests())
    CHECK_FALSE((request.server == "servicenow" && request.method == "POST"));
}

// Delivers everything, closes the first incident in ServiceNow (state `closedState`), pulls that
// state into the ledger, then rescores the incident's evaluation and runs the next cycle.
struct ClosedThenRescored {
  std::string sysId;
  std::string evaluationId;
  size_t incidentsBefore = 0;
};

ClosedThenRescored closeThenRescore(BridgeFixture& fixture, SyncEngine& engine, IncidentStatePuller& puller,
                                    const std::string& closedState) {
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  ClosedThenRescored result;
  result.incidentsBefore = fixture.simulator.incidents().size();
  const auto incident = fixture.simulator.incidents().front();
  result.sysId = field(incident, "sys_id");
  result.evaluationId =
      field(incident, "correlation_id").substr(std::string("evalbridge:" + kOrgId + ":").size());
  fixture.simulator.updateIncident(result.sysId, changes({{"state", closedState}}));
  REQUIRE(puller.pullOnce().applied == 1);

  const std::string changed = Poco::DateTimeFormatter::format(
      Poco::DateTime(Poco::Timestamp() - Poco::Timespan(60, 0)), "%Y-%m-%dT%H:%M:%SZ");
  fixture.simulator.rescore("acme-us", result.evaluationId, 12, changed);
  fixture.simulator.clearRequests();
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  return result;
}

// For an incident in a final state (Resolved/Closed/Canceled in the ledger), a rescore sends the
// work note only: never the mapped fields, never a state.
TEST_CASE("a rescore after closure sends a work note only", "[incident-state][closed]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  IncidentStateStore store(engine.ledger());
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown);
  closeThenRescore(fixture, engine, puller, "6");
  int patches = 0;
  for (const auto& request : fixture.simulator.requests()) {
    if (request.server != "servicenow" || request.method != "PATCH") continue;
    ++patches;
    Poco::JSON::Parser parser;
    auto body = parser.parse(request.body).extract<Poco::JSON::Object::Ptr>();
    std::vector<std::string> names;
    body->getNames(names);
    CHECK(names == std::vector<std::string>{"work_notes"});
  }
  CHECK(patches == 1);
}

TEST_CASE("with afterClose followUp, a rescore after closure opens a follow-up that references the closed incident",
          "[incident-state][closed]") {
  BridgeFixture fixture;
  {
    std::ifstream in(fixture.dir.file("mapping.json"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string name = "\"name\": \"test-failures\",";
    REQUIRE(text.find(name) != std::string::npos);
    text.replace(text.find(name), name.size(), name + " \"afterClose\": \"followUp\",");
    test::writeText(fixture.dir.file("mapping.json"), text);
  }
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  IncidentStateStore store(engine.ledger());
  IncidentStatePuller puller(engine.serviceNow(), store, shutdown);
  const auto closed = closeThenRescore(fixture, engine, puller, "7");
  const size_t before = closed.incidentsBefore;
  const std::string originalSysId = closed.sysId;
  const std::string evaluationId = closed.evaluationId;

  // The closed incident was not touched; one new incident references it.
  for (const auto& request : fixture.simulator.requests())
    CHECK_FALSE((request.server == "servicenow" && request.method == "PATCH"));
  REQUIRE(fixture.simulator.incidents().size() == before + 1);
  const auto followUp = fixture.simulator.incidents().back();
  CHECK(field(followUp, "correlation_id") == "evalbridge:" + kOrgId + ":" + evaluationId + ":followup-1");
  CHECK(field(followUp, "parent_incident") == originalSysId);
  CHECK(field(followUp, "short_description").find("12") != std::string::npos);

  // The ledger follows the new incident; its state flows back under the new correlation_id.
  auto record = engine.ledger().find(kOrgId, evaluationId);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Created);
  CHECK(record->incident.sysId == field(followUp, "sys_id"));
  fixture.simulator.updateIncident(field(followUp, "sys_id"), changes({{"state", "6"}}));
  CHECK(puller.pullOnce().applied == 1);
  CHECK(engine.ledger().find(kOrgId, evaluationId)->incident.state == "6");

  // Exported again unchanged: nothing new.
  REQUIRE(engine.syncOnce("", {}).at(0).ok);
  CHECK(fixture.simulator.incidents().size() == before + 1);
}
