// The exactly-once invariants of SPEC section 5, each proved on the real simulator (HTTP on
// 127.0.0.1) and a real SQLite ledger, with no mocks and no timing: faults are counted, not timed,
// and the one "when" that matters (the ledger's state at the instant a POST arrives) is read by
// the simulator itself, through its onIncidentCreate hook. Each test case names the mistake in
// the code that it catches.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/IsoTime.h"
#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "servicenow/DeliveryQueue.h"
#include "servicenow/IncidentSink.h"
#include "sim/Simulator.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/SyncOnce.h"
#include "support/ThreadLimit.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using evalbridge::test::EngineFixture;
using evalbridge::test::BridgeFixture;

namespace {

const std::string kIncidentTable = "/api/now/table/incident";

// From startFrom to now: every seeded evaluation, in one window (genesys.search.maxWindow P30D).
const SyncRange kEverything{std::string("2026-10-31T00:00:00Z"), std::nullopt};

OrgSyncReport syncOnce(const Config& config, const SyncRange& range = kEverything) {
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  auto reports = engine.syncOnce("", range);
  REQUIRE(reports.size() == 1);
  return reports[0];
}

// A fault on the incident table only (token requests and other paths are left alone).
sim::FaultRule incidentFault(const std::string& method, const std::string& kind, int status = 503, int count = -1) {
  sim::FaultRule rule;
  rule.server = "servicenow";
  rule.method = method;
  rule.pathPrefix = kIncidentTable;
  rule.kind = kind;
  rule.status = status;
  rule.count = count;
  return rule;
}

// Incident table requests with `method`, in the order the simulator answered them.
std::vector<sim::RecordedRequest> tableRequests(const sim::Simulator& simulator, const std::string& method) {
  std::vector<sim::RecordedRequest> found;
  for (auto& request : simulator.requests())
    if (request.server == "servicenow" && request.method == method && request.path.rfind(kIncidentTable, 0) == 0)
      found.push_back(request);
  return found;
}

// Creates and lookups about one correlation_id, in the order the simulator answered them (a
// record's requests come from one worker, one after the other, so this is their order too).
std::vector<sim::RecordedRequest> requestsAbout(const sim::Simulator& simulator, const std::string& correlationId) {
  std::vector<sim::RecordedRequest> found;
  for (auto& request : simulator.requests())
    if (request.server == "servicenow" && test::correlationOf(request) == correlationId) found.push_back(request);
  return found;
}

std::vector<std::string> methodsOf(const std::vector<sim::RecordedRequest>& requests) {
  std::vector<std::string> methods;
  for (const auto& request : requests) methods.push_back(request.method);
  return methods;
}

std::set<std::string> expectedCorrelationIds(BridgeFixture& fixture) {
  return test::expectedCorrelationIds(fixture.simulator, fixture.dir.file("mapping.json"));
}

// What breaks "exactly one incident per matching evaluation": each correlation_id with another
// count, as "evalbridge:...: 2 incident(s)" (empty when the invariant holds).
std::vector<std::string> notExactlyOnce(BridgeFixture& fixture) {
  const auto expected = expectedCorrelationIds(fixture);
  auto counts = test::incidentsByCorrelation(fixture.simulator);
  for (const auto& id : expected) counts.try_emplace(id, 0);
  std::vector<std::string> wrong;
  for (const auto& [id, count] : counts)
    if (count != (expected.count(id) ? 1 : 0)) wrong.push_back(id + ": " + std::to_string(count) + " incident(s)");
  return wrong;
}

// The ledger as another process sees it: a second, read-only SQLite connection to the file the
// bridge is writing. In WAL mode a reader sees every committed transaction and nothing else, so
// what it reads is what would survive a crash at that instant.
class LedgerReader {
 public:
  explicit LedgerReader(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) error_ = sqlite3_errmsg(db_);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~LedgerReader() { sqlite3_close(db_); }
  LedgerReader(const LedgerReader&) = delete;
  LedgerReader& operator=(const LedgerReader&) = delete;

  // The status of the row carrying `correlationId`: "pending", "created", ...; "(no row)", or
  // the SQLite error, so that a failed check says what it saw.
  std::string statusOf(const std::string& correlationId) const {
    if (!error_.empty()) return "(cannot open the ledger: " + error_ + ")";
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT status FROM evaluations WHERE correlation_id = ?", -1, &statement, nullptr) !=
        SQLITE_OK)
      return std::string("(") + sqlite3_errmsg(db_) + ")";
    sqlite3_bind_text(statement, 1, correlationId.c_str(), -1, SQLITE_TRANSIENT);
    std::string status = "(no row)";
    const int step = sqlite3_step(statement);
    if (step == SQLITE_ROW)
      status = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    else if (step != SQLITE_DONE)
      status = std::string("(") + sqlite3_errmsg(db_) + ")";
    sqlite3_finalize(statement);
    return status;
  }

  // The single number `sql` selects (-1 on any error).
  long long count(const std::string& sql) const {
    sqlite3_stmt* statement = nullptr;
    long long count = -1;
    if (error_.empty() && sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
      count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return count;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

// A failing evaluation of the config's first org, as the sweep tells the ledger of it.
Observation failingEvaluation(const Config& config, const std::string& evaluationId, const std::string& changedDate) {
  Observation observation;
  observation.orgId = config.orgs[0].orgId;
  observation.orgName = config.orgs[0].name;
  observation.evaluationId = evaluationId;
  observation.changedDate = changedDate;
  observation.matched = true;
  observation.fieldsJson = R"({"short_description":"QA fail"})";
  return observation;
}

// `count` failing evaluations ("<prefix>0", ...) with their intents in the engine's ledger, keyed
// as the sweep queues them (key and changedDate; the sink reads the rest under its claim).
std::vector<LedgerRecord> queuedIntents(SyncEngine& engine, const Config& config, const std::string& prefix,
                                        int count) {
  std::vector<LedgerRecord> queued;
  for (int i = 0; i < count; ++i) {
    const Observation observation = failingEvaluation(config, prefix + std::to_string(i), "");
    REQUIRE(engine.ledger().observe({observation})[0] == Decision::Create);
    LedgerRecord key;
    key.orgId = observation.orgId;
    key.evaluationId = observation.evaluationId;
    queued.push_back(key);
  }
  return queued;
}

// From here on, this (child) process can write no file beyond `bytes` (RLIMIT_FSIZE, for real: the
// kernel refuses the write with EFBIG, as a full disk refuses it with ENOSPC). The signal the
// kernel sends with the refusal would end the process; the bridge must see the error instead.
void refuseWritesBeyond(rlim_t bytes) {
  ::signal(SIGXFSZ, SIG_IGN);
  if (!test::setSoftLimit(RLIMIT_FSIZE, bytes)) ::_exit(92);  // only ever called in a forked child
}

// The incident the simulated ServiceNow holds for `correlationId` (the test requires exactly one).
Poco::JSON::Object::Ptr incidentFor(const sim::Simulator& simulator, const std::string& correlationId) {
  Poco::JSON::Object::Ptr found;
  for (const auto& incident : simulator.incidents()) {
    if (incident->optValue<std::string>("correlation_id", "") != correlationId) continue;
    REQUIRE_FALSE(found);
    found = incident;
  }
  REQUIRE(found);
  return found;
}

// Hands the record, as the ledger has it now, to a delivery that was not asked to look first (as
// a sweep hands over an intent it recorded itself).
DeliveryOutcome deliverAsFresh(SyncEngine& engine, const Observation& observation) {
  const auto record = engine.ledger().find(observation.orgId, observation.evaluationId);
  REQUIRE(record);
  std::atomic<int> retries{0};
  return engine.sink().deliverOne(*record, false, retries);
}

}  // namespace

// Caught: no lookup after a 5xx, a reset or an unreadable 2xx (the POST is simply sent again).
TEST_CASE("an uncertain create is looked up by correlation_id and adopted, never posted twice", "[invariants]") {
  std::atomic<int> createsSeen{0};  // before the fixture: the hook may run until the simulator stops
  BridgeFixture fixture;
  int uncertainStatus = -1;  // how the simulator answered the POST whose incident it had stored
  SECTION("the connection drops after the incident was stored (ambiguous)") {
    fixture.simulator.addFault(incidentFault("POST", "ambiguous", 0, 1));
    uncertainStatus = 0;
  }
  SECTION("ServiceNow answers 503 after the incident was stored") {
    fixture.simulator.onIncidentCreated([&createsSeen](const Poco::JSON::Object&) -> std::optional<int> {
      if (createsSeen++ == 0) return 503;
      return std::nullopt;
    });
    uncertainStatus = 503;
  }
  SECTION("ServiceNow stores the incident and answers with a body cut in half") {
    fixture.simulator.addFault(incidentFault("POST", "badJson", 0, 1));
    uncertainStatus = 200;
  }
  Config config = loadConfig(fixture.configPath());
  const OrgSyncReport report = syncOnce(config);
  fixture.simulator.onIncidentCreated({});
  INFO(report.error);
  CHECK(report.ok);
  CHECK(report.delivery.adopted == 1);
  CHECK(notExactlyOnce(fixture) == std::vector<std::string>{});

  // On the wire: the uncertain POST was followed by a lookup of its correlation_id and nothing else.
  std::vector<sim::RecordedRequest> uncertain;
  for (const auto& request : tableRequests(fixture.simulator, "POST"))
    if (request.status != 201) uncertain.push_back(request);
  REQUIRE(uncertain.size() == 1);
  CHECK(uncertain[0].status == uncertainStatus);
  const std::string correlationId = test::correlationOf(uncertain[0]);
  const auto about = requestsAbout(fixture.simulator, correlationId);
  CHECK(methodsOf(about) == std::vector<std::string>{"POST", "GET"});

  // The ledger holds the incident the first POST created.
  auto record = Ledger(config.ledgerPath).findByKey(correlationId);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Created);
  for (const auto& incident : fixture.simulator.incidents())
    if (incident->getValue<std::string>("correlation_id") == correlationId)
      CHECK(record->incident.sysId == incident->getValue<std::string>("sys_id"));
}

// An intent's POST landed and its answer was lost; the evaluation then changed before any lookup
// (a push, or a sweep after a lookup that failed). The record is a pending create with new fields.
// Kills: observe() not keeping the earlier intent's fields (the create posts: two incidents);
// create() not looking first for them (the same); an adoption settled with the record's own
// content (no PATCH: the incident keeps what the lost POST carried).
TEST_CASE("an incident adopted after its evaluation changed gets the current fields by a PATCH, never a second POST",
          "[invariants]") {
  EngineFixture f;
  const Observation first = failingEvaluation(f.config, "eval-changed", "2026-11-01T00:00:00Z");
  Observation changed = first;
  changed.changedDate = "2026-11-02T00:00:00Z";
  changed.fieldsJson = R"({"short_description":"QA fail, rescored","urgency":"1"})";
  const std::string correlationId = correlationIdFor(first.orgId, first.evaluationId);
  REQUIRE(f.engine.ledger().observe({first})[0] == Decision::Create);
  test::postIncident(f.fixture, correlationId);
  REQUIRE(f.engine.ledger().observe({changed})[0] == Decision::Create);

  CHECK(deliverAsFresh(f.engine, first) == DeliveryOutcome::Adopted);
  auto record = f.engine.ledger().find(first.orgId, first.evaluationId);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Pending);  // an update of the adopted incident follows
  CHECK(record->operation == Operation::Update);
  CHECK(record->incident.sysId == incidentFor(f.fixture.simulator, correlationId)->getValue<std::string>("sys_id"));
  CHECK(deliverAsFresh(f.engine, first) == DeliveryOutcome::Updated);

  CHECK(tableRequests(f.fixture.simulator, "POST").size() == 1);  // the one whose answer was lost
  const auto patches = tableRequests(f.fixture.simulator, "PATCH");
  REQUIRE(patches.size() == 1);
  CHECK(patches[0].body.find("QA fail, rescored") != std::string::npos);
  const auto incident = incidentFor(f.fixture.simulator, correlationId);
  CHECK(incident->getValue<std::string>("short_description") == "QA fail, rescored");
  CHECK(incident->getValue<std::string>("urgency") == "1");
  CHECK(f.engine.ledger().find(first.orgId, first.evaluationId)->status == RecordStatus::Updated);
}

// The same lost answer, but the evaluation first stopped matching (skipped) and later failed again.
// Kills: the skip dropping the earlier intent's fields (the new match posts: two incidents).
TEST_CASE("a create whose answer was lost, then skipped, then matching again is looked up and adopted, never "
          "posted twice",
          "[invariants]") {
  EngineFixture f;
  const Observation first = failingEvaluation(f.config, "eval-back", "2026-11-01T00:00:00Z");
  Observation passing = first;
  passing.changedDate = "2026-11-02T00:00:00Z";
  passing.matched = false;
  passing.fieldsJson.clear();
  passing.skipReason = "answers.totalScore 90 is not lt 70";
  Observation failingAgain = first;
  failingAgain.changedDate = "2026-11-03T00:00:00Z";
  failingAgain.fieldsJson = R"({"short_description":"QA fail again"})";
  const std::string correlationId = correlationIdFor(first.orgId, first.evaluationId);
  REQUIRE(f.engine.ledger().observe({first})[0] == Decision::Create);
  test::postIncident(f.fixture, correlationId);
  REQUIRE(f.engine.ledger().observe({passing})[0] == Decision::Skip);
  REQUIRE(f.engine.ledger().observe({failingAgain})[0] == Decision::Create);

  CHECK(deliverAsFresh(f.engine, first) == DeliveryOutcome::Adopted);
  CHECK(deliverAsFresh(f.engine, first) == DeliveryOutcome::Updated);
  CHECK(tableRequests(f.fixture.simulator, "POST").size() == 1);
  CHECK(incidentFor(f.fixture.simulator, correlationId)->getValue<std::string>("short_description") == "QA fail again");
}

// Replicas: this one's lease lapsed mid-sweep and came back; meanwhile another replica posted an
// intent this one had queued (or wrote itself) and died before recording the answer.
// Kills: create() not looking first after a lease change during the sweep (a second incident).
TEST_CASE("after a lease change during the sweep, a queued create is looked up first, never posted twice",
          "[invariants]") {
  EngineFixture f;
  const Observation observation = failingEvaluation(f.config, "eval-handed-over", "2026-11-01T00:00:00Z");
  f.engine.ledger().beginSweep(observation.orgId);
  REQUIRE(f.engine.ledger().observe({observation})[0] == Decision::Create);  // queued, not yet sent
  test::postIncident(f.fixture, correlationIdFor(observation.orgId, observation.evaluationId));
  f.engine.ledger().leaseChanged(observation.orgId);
  CHECK(deliverAsFresh(f.engine, observation) == DeliveryOutcome::Adopted);
  CHECK(tableRequests(f.fixture.simulator, "POST").size() == 1);  // the other replica's
  f.engine.ledger().beginSweep(observation.orgId);  // the next sweep settles pending records itself
  CHECK_FALSE(f.engine.ledger().leaseChangedDuringSweep(observation.orgId));
}

// Kills: a sweep that goes on after its org's lease changed (what it knows of pending records, and
// which intents it wrote itself, is from before another replica may have held the org).
TEST_CASE("a sweep whose org's lease changes ends at its next page, and the next sweep delivers each once",
          "[invariants]") {
  sim::SimulatorOptions options;
  options.orgs[0].evaluationCount = 60;
  options.orgs[0].failingShare = 0.5;
  BridgeFixture fixture(options);
  // Small, slow pages: the first POST (which changes the lease) comes long before the last page.
  fixture.searchExtra = R"("pageSize": 5)";
  fixture.writeConfig();
  sim::FaultRule slowSearch;
  slowSearch.server = options.orgs[0].name;
  slowSearch.kind = "latency";
  slowSearch.pathPrefix = "/api/v2/quality/evaluations/search";
  slowSearch.latencyMs = 200;
  fixture.simulator.addFault(slowSearch);
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  const std::string orgId = config.orgs[0].orgId;
  std::atomic<bool> changed{false};
  fixture.simulator.onIncidentCreate([&](const Poco::JSON::Object&) {
    if (!changed.exchange(true)) engine.ledger().leaseChanged(orgId);
  });
  auto reports = engine.syncOnce("", kEverything);
  fixture.simulator.onIncidentCreate({});
  fixture.simulator.clearFaults();
  REQUIRE(reports.size() == 1);
  CHECK_FALSE(reports[0].ok);
  CHECK_THAT(reports[0].error, Catch::Contains("lease changed during this sweep"));
  CHECK(reports[0].exported < options.orgs[0].evaluationCount);  // it did not read on to the last page
  const OrgSyncReport next = syncOnce(config);
  CHECK(next.ok);
  for (const auto& [key, count] : test::incidentsByCorrelation(fixture.simulator)) {
    INFO(key);
    CHECK(count == 1);
  }
  CHECK(test::incidentKeysOf(fixture, orgId) ==
        test::expectedCorrelationIds(fixture.simulator, fixture.dir.file("mapping.json")));
}

// Caught: a PATCH that failed transiently sent to the dead letter instead of being retried.
TEST_CASE("a rescore whose PATCH fails transiently once is sent again within the budget and lands", "[invariants]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  REQUIRE(syncOnce(config).ok);
  const Observation observation = test::firstMatching(fixture);
  const std::string correlationId = correlationIdFor(observation.orgId, observation.evaluationId);
  fixture.simulator.rescore("acme-us", observation.evaluationId, 10, "2026-11-20T00:00:00Z");
  int failedStatus = -1;
  SECTION("503") {
    fixture.simulator.addFault(incidentFault("PATCH", "status", 503, 1));
    failedStatus = 503;
  }
  SECTION("connection reset") {
    fixture.simulator.addFault(incidentFault("PATCH", "reset", 0, 1));
    failedStatus = 0;
  }
  fixture.simulator.clearRequests();
  const OrgSyncReport report = syncOnce(config);
  INFO(report.error);
  CHECK(report.ok);
  CHECK(report.delivery.updated == 1);
  CHECK(report.delivery.retries == 1);
  CHECK(report.delivery.dead == 0);

  const auto patches = tableRequests(fixture.simulator, "PATCH");
  REQUIRE(patches.size() == 2);
  CHECK(patches[0].status == failedStatus);
  CHECK(patches[1].status == 200);
  auto record = Ledger(config.ledgerPath).findByKey(correlationId);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Updated);
  CHECK(record->incident.modCount == 1);  // the failed PATCH changed nothing; the retry did
  CHECK(patches[1].path == kIncidentTable + "/" + record->incident.sysId);
}

// Caught: the outcome recorded (or the record marked delivered) before the POST is sent: a crash
// between the two would leave a "delivered" record whose incident may not exist.
TEST_CASE("every create reaches ServiceNow while its intent is committed as pending in the ledger", "[invariants]") {
  std::mutex mutex;
  std::map<std::string, std::string> statusAtPost;  // correlation_id -> ledger status as its POST arrived
  int posts = 0;
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  // Runs on the simulator's thread before it stores the incident, while the bridge waits for the
  // answer: what it reads is the ledger at the instant the POST arrived.
  fixture.simulator.onIncidentCreate([&](const Poco::JSON::Object& body) {
    const std::string correlationId = body.optValue<std::string>("correlation_id", "");
    const std::string status = LedgerReader(fixture.ledgerPath()).statusOf(correlationId);
    std::lock_guard<std::mutex> lock(mutex);
    statusAtPost[correlationId] = status;
    ++posts;
  });
  SECTION("records found in the export") {}
  SECTION("a record left pending by an earlier run (looked up, then posted)") {
    Ledger ledger(config.ledgerPath);
    REQUIRE(ledger.observe({test::firstMatching(fixture)})[0] == Decision::Create);
  }
  const OrgSyncReport report = syncOnce(config);
  fixture.simulator.onIncidentCreate({});
  INFO(report.error);
  CHECK(report.ok);

  const auto expected = expectedCorrelationIds(fixture);
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(posts == static_cast<int>(expected.size()));  // the hook saw every create, once
  std::vector<std::string> notPending;  // "correlation_id: status" for each one seen otherwise
  for (const auto& id : expected) {
    auto seen = statusAtPost.find(id);
    const std::string status = seen == statusAtPost.end() ? "(never posted)" : seen->second;
    if (status != "pending") notPending.push_back(id + ": " + status);
  }
  CHECK(notPending == std::vector<std::string>{});
}

// Caught: a refused lookup (4xx) taken for "not found", and the record posted.
TEST_CASE("a 4xx on the correlation lookup sends the record to the dead letter with the reason and creates nothing",
          "[invariants]") {
  const int status = GENERATE(400, 403);
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  const Observation observation = test::firstMatching(fixture);
  const std::string correlationId = correlationIdFor(observation.orgId, observation.evaluationId);
  {
    // An intent left by an earlier run: it may have been posted, so it is looked up first.
    Ledger ledger(config.ledgerPath);
    REQUIRE(ledger.observe({observation})[0] == Decision::Create);
  }
  fixture.simulator.addFault(incidentFault("GET", "status", status));
  // An empty window: only the settling of pending records runs, so the lookup decides alone.
  const OrgSyncReport report =
      syncOnce(config, SyncRange{std::string("2026-01-01T00:00:00Z"), std::string("2026-01-01T00:00:01Z")});
  INFO(report.error);
  CHECK(report.delivery.dead == 1);
  CHECK(report.delivery.created == 0);

  auto record = Ledger(config.ledgerPath).findByKey(correlationId);
  REQUIRE(record);
  CHECK(record->status == RecordStatus::Dead);
  INFO(record->lastError);
  CHECK(record->lastError.rfind("looking up correlation_id failed: HTTP " + std::to_string(status), 0) == 0);
  CHECK(record->lastError.find("simulated fault") != std::string::npos);  // ServiceNow's own message
  CHECK(fixture.simulator.incidents().empty());
  CHECK(tableRequests(fixture.simulator, "POST").empty());
  CHECK(methodsOf(requestsAbout(fixture.simulator, correlationId)) == std::vector<std::string>{"GET"});
}

// Caught: the window checkpointed although a record in it is still pending (it would never be
// exported again), or a record left pending posted without a lookup (its earlier POST may have
// landed).
TEST_CASE("a create that outlasts the retry budget stays pending, holds the checkpoint back, and is looked up "
          "before it is posted next cycle",
          "[invariants]") {
  BridgeFixture fixture;
  fixture.serviceNowRetry = R"({ "maxAttempts": 2, "initialMs": 10, "maxMs": 20, "maxElapsedS": 30 })";
  fixture.writeConfig();
  Config config = loadConfig(fixture.configPath());
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  // No `from`: the export starts at the checkpoint (none yet: startFrom); one window up to `to`.
  const SyncRange range{std::nullopt, std::string("2026-11-05T00:00:00Z")};
  const auto expected = expectedCorrelationIds(fixture);
  REQUIRE_FALSE(expected.empty());

  fixture.simulator.addFault(incidentFault("POST", "status", 503));
  const OrgSyncReport first = syncOnce(config, range);
  CHECK_FALSE(first.ok);
  CHECK(first.delivery.leftPending == static_cast<int>(expected.size()));
  CHECK(fixture.simulator.incidents().empty());
  {
    Ledger ledger(config.ledgerPath);
    CHECK(ledger.pending(orgId).size() == expected.size());
    CHECK(ledger.checkpoint(orgId).value_or("(none)") == "(none)");  // the window is exported again next cycle
  }

  fixture.simulator.clearFaults();
  fixture.simulator.clearRequests();
  const OrgSyncReport second = syncOnce(config, range);
  INFO(second.error);
  CHECK(second.ok);
  CHECK(second.delivery.created == static_cast<int>(expected.size()));
  CHECK(notExactlyOnce(fixture) == std::vector<std::string>{});
  for (const auto& correlationId : expected) {
    INFO(correlationId);
    CHECK(methodsOf(requestsAbout(fixture.simulator, correlationId)) == std::vector<std::string>{"GET", "POST"});
  }
  Ledger ledger(config.ledgerPath);
  CHECK(ledger.pending(orgId).empty());
  CHECK(ledger.checkpoint(orgId).value_or("(none)") == "2026-11-05T00:00:00Z");
}

// Caught: delivering without a claim, or from the queued copy instead of the ledger's current
// record. Two paths (the sweep and the push) may come to deliver one pending record at once, and
// the ledger answers "create" to both while the intent is pending.
TEST_CASE("one pending record handed to two deliveries at once is posted once", "[invariants]") {
  BridgeFixture fixture;
  // Each POST takes 300 ms, so the second delivery certainly starts while the first is in flight.
  sim::FaultRule slow = incidentFault("POST", "latency");
  slow.latencyMs = 300;
  fixture.simulator.addFault(slow);
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  const Observation observation = failingEvaluation(config, "eval-claimed", "2026-11-01T00:00:00Z");
  REQUIRE(engine.ledger().observe({observation})[0] == Decision::Create);
  const LedgerRecord queued = *engine.ledger().find(observation.orgId, observation.evaluationId);

  std::atomic<int> retries{0};
  DeliveryOutcome first = DeliveryOutcome::LeftPending;
  DeliveryOutcome second = DeliveryOutcome::LeftPending;
  std::thread sweep([&] { first = engine.sink().deliverOne(queued, false, retries); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(engine.sink().inFlight(queued.key()));
  second = engine.sink().deliverOne(queued, false, retries);
  sweep.join();
  CHECK(first == DeliveryOutcome::Created);
  CHECK(second == DeliveryOutcome::Elsewhere);
  CHECK_FALSE(engine.sink().inFlight(queued.key()));
  // The queued copy again, after the first delivery settled it: the ledger says created.
  CHECK(engine.sink().deliverOne(queued, false, retries) == DeliveryOutcome::Elsewhere);
  CHECK(tableRequests(fixture.simulator, "POST").size() == 1);
  CHECK(fixture.simulator.incidents().size() == 1);
}

TEST_CASE("a sweep's queue times each incident it delivered, once, from the changedDate the sweep read",
          "[invariants]") {
  BridgeFixture fixture;
  Config config = loadConfig(fixture.configPath());
  ShutdownToken shutdown;
  SyncEngine engine(config, shutdown);
  const std::string anHourAgo = formatIsoTime(Poco::Timestamp() - Poco::Timespan(3600, 0));
  std::vector<LedgerRecord> queued;
  for (const char* id : {"eval-timed", "eval-undated"}) {
    const Observation observation = failingEvaluation(config, id, id == std::string("eval-timed") ? anHourAgo : "");
    REQUIRE(engine.ledger().observe({observation})[0] == Decision::Create);
    LedgerRecord key;  // as the sweep queues it: the key and the changedDate it read
    key.orgId = observation.orgId;
    key.evaluationId = observation.evaluationId;
    key.changedDate = observation.changedDate;
    queued.push_back(key);
  }
  DeliveryQueue queue(engine.sink());
  queue.submit(queued, false);
  queue.submit({queued[0]}, false);  // queued again by an overlapping window: not delivered twice
  const DeliveryCounts counts = queue.drain();
  CHECK(counts.created == 2);
  CHECK(counts.elsewhere == 1);
  // The undated one is delivered but not timed; the other is timed once, at about an hour.
  REQUIRE(counts.pickupSeconds.size() == 1);
  CHECK(counts.pickupSeconds[0] >= 3600);
  CHECK(counts.pickupSeconds[0] < 3600 + 120);
  DeliveryCounts total;
  addDelivery(total, counts);
  addDelivery(total, counts);
  CHECK(total.pickupSeconds.size() == 2);  // a cycle's windows add up
}

// Caught: a delivery that frees a place in a full backlog without waking the submitter (submit
// then waits for the held create as well), or the last one settling without waking drain.
TEST_CASE("a queue with a full backlog takes the next record as soon as one settles, and drains once all have",
          "[invariants]") {
  EngineFixture f;
  const std::vector<LedgerRecord> queued = queuedIntents(f.engine, f.config, "eval-backlog-", 12);
  sim::FaultRule slow = incidentFault("POST", "latency");
  slow.latencyMs = 4000;  // the first create is held; the others pass it
  slow.count = 1;
  f.fixture.simulator.addFault(slow);
  DeliveryQueue queue(f.engine.sink(), 2);
  const auto started = std::chrono::steady_clock::now();
  queue.submit(queued, false);  // returns once ten have settled, beside the held one
  // Not waiting for the held create: each record that settled made room at once. (Eleven quick
  // creates take well under a second, even under the sanitizers.)
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(3000));
  const DeliveryCounts counts = queue.drain();
  CHECK(counts.created == 12);
  CHECK(counts.leftPending == 0);
  CHECK(tableRequests(f.fixture.simulator, "POST").size() == 12);
  const auto incidents = test::incidentsByCorrelation(f.fixture.simulator);
  CHECK(incidents.size() == 12);
  for (const auto& [correlationId, count] : incidents) CHECK(count == 1);
}

// Caught: a sink with more delivery threads than ServiceNow permits (the extra ones only wait for a
// permit, and each request's end woke one of them).
TEST_CASE("a sink delivers on as many threads as it has permits, all of them busy under load", "[invariants]") {
  EngineFixture f;
  const int permits = f.config.servicenow.maxConcurrency;
  const std::vector<LedgerRecord> queued = queuedIntents(f.engine, f.config, "eval-load-", 3 * permits);
  sim::FaultRule slow = incidentFault("POST", "latency");
  slow.latencyMs = 100;  // every permit is taken while records wait
  f.fixture.simulator.addFault(slow);
  DeliveryQueue queue(f.engine.sink());
  queue.submit(queued, false);
  CHECK(queue.drain().created == 3 * permits);
  CHECK(f.engine.sink().workers().started() == permits);
}

// Caught: a create posted although its intent's commit failed (the disk refused the write).
TEST_CASE("a ledger that cannot write the intents posts nothing, and the next cycle delivers each once",
          "[invariants]") {
  BridgeFixture fixture;
  const Config config = loadConfig(fixture.configPath());
  { Ledger ledger(config.ledgerPath); }  // migrated and closed: what follows only adds rows
  const int code = test::inChild([&] {
    ShutdownToken shutdown;
    SyncEngine engine(config, shutdown);
    refuseWritesBeyond(0);  // the WAL, where every commit goes first, cannot take a byte
    const auto reports = engine.syncOnce("", kEverything);
    if (reports.size() != 1 || reports[0].ok) return test::checkFailed(1, "the cycle did not fail");
    // SQLite says "disk I/O error" for this refusal, "database or disk is full" for ENOSPC.
    if (reports[0].error.find("ledger " + config.ledgerPath) == std::string::npos)
      return test::checkFailed(2, "the error does not name the ledger: " + reports[0].error);
    return 0;
  });
  REQUIRE(code == 0);
  CHECK(tableRequests(fixture.simulator, "POST").empty());
  CHECK(syncOnce(config).ok);
  CHECK(notExactlyOnce(fixture).empty());
}

// Caught: an outcome the ledger could not record taken as settled (the record must stay pending,
// and its next delivery look the correlation_id up and adopt the incident instead of a POST).
TEST_CASE("an outcome the ledger cannot write leaves the record pending, and the next cycle adopts it, no second POST",
          "[invariants]") {
  BridgeFixture fixture;
  sim::FaultRule slow = incidentFault("POST", "latency");
  slow.latencyMs = 1000;  // time enough to stop the writes between the intents and the outcomes
  fixture.simulator.addFault(slow);
  const Config config = loadConfig(fixture.configPath());
  { Ledger ledger(config.ledgerPath); }
  const std::string pendingRows = "SELECT COUNT(*) FROM evaluations WHERE status='pending'";
  const int code = test::inChild([&] {
    ShutdownToken shutdown;
    SyncEngine engine(config, shutdown);
    // Once the intents are committed (the creates are on their way), the WAL may not grow: every
    // outcome commit fails.
    std::thread watcher([&] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      const LedgerReader reader(config.ledgerPath);
      while (reader.count(pendingRows) <= 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      struct stat wal {};
      ::stat((config.ledgerPath + "-wal").c_str(), &wal);
      refuseWritesBeyond(static_cast<rlim_t>(wal.st_size));
    });
    const auto reports = engine.syncOnce("", kEverything);
    watcher.join();
    if (reports.size() != 1 || reports[0].ok) return test::checkFailed(1, "the cycle did not fail");
    return 0;
  });
  REQUIRE(code == 0);
  const auto posted = tableRequests(fixture.simulator, "POST");
  REQUIRE_FALSE(posted.empty());  // the creates went out, their outcomes were lost
  CHECK(LedgerReader(config.ledgerPath).count(pendingRows) > 0);

  const OrgSyncReport next = syncOnce(config);
  CHECK(next.ok);
  CHECK(next.delivery.adopted == static_cast<int>(posted.size()));
  CHECK(tableRequests(fixture.simulator, "POST").size() == expectedCorrelationIds(fixture).size());
  CHECK(notExactlyOnce(fixture).empty());
  CHECK(LedgerReader(config.ledgerPath).count(pendingRows) == 0);
}
