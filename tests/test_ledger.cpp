// The ledger on a real SQLite file: migrations, decisions for every kind of re-export, outcomes,
// dead letter and replay, checkpoints, and that state survives reopening.
#include <catch2/catch.hpp>

#include <Poco/DirectoryIterator.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "ledger/Ledger.h"
#include "ledger/Migrations.h"
#include "ledger/OrgFence.h"
#include "ledger/SqliteDatabase.h"
#include "ledger/SqliteError.h"
#include "ledger/Statement.h"
#include "ledger/Transaction.h"
#include "support/LeanSkipChecks.h"
#include "support/LedgerBackends.h"
#include "support/LogCapture.h"
#include "support/TempDir.h"

using namespace evalbridge;
using evalbridge::test::LedgerPlace;
using evalbridge::test::LogCapture;
using evalbridge::test::TempDir;
using evalbridge::test::checkLeanSkip;
using evalbridge::test::countRows;
using evalbridge::test::ledgerPlace;

namespace {

Observation matched(const std::string& id, const std::string& fields, const std::string& changed = "2026-11-01T00:00:00Z") {
  Observation o;
  o.orgId = "org-1";
  o.orgName = "acme";
  o.evaluationId = id;
  o.changedDate = changed;
  o.matched = true;
  o.fieldsJson = fields;
  o.rawJson = "{\"id\":\"" + id + "\"}";
  return o;
}

Observation skipped(const std::string& id, const std::string& reason = "score 90 not lt 70",
                    const std::string& changed = "2026-11-01T00:00:00Z") {
  Observation o = matched(id, "", changed);
  o.matched = false;
  o.fieldsJson.clear();
  o.skipReason = reason;
  return o;
}

IncidentRef incident(const std::string& number) { return {"sys" + number, number, "1", "2026-11-01 00:00:01", 0}; }

}  // namespace

// Kills: a content hash that changes with the engine behind it (another algorithm, upper-case hex,
// an engine reused without a reset): every record the ledger holds would look rescored, and be
// sent again as an update.
TEST_CASE("content hashes are lower-case hex SHA-256, the same for the same text however often computed") {
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // FIPS 180-2
  CHECK(sha256Hex("abc") == abc);
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == abc);
  std::string fromOtherThread;
  std::thread([&] { fromOtherThread = sha256Hex("abc"); }).join();
  CHECK(fromOtherThread == abc);
}

TEST_CASE("migrations create the schema once and record the version") {
  TempDir dir;
  {
    Ledger ledger(dir.file("l.db"));
    CHECK(ledger.schemaVersion() == static_cast<int>(sqliteMigrations().size()));
  }
  SqliteDatabase db(dir.file("l.db"));
  CHECK(schemaVersion(db) == static_cast<int>(sqliteMigrations().size()));
  CHECK(applyMigrations(db) == schemaVersion(db));  // second run is a no-op
  Statement mode(db, "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
}

// Two processes opening one new ledger file at once (e.g. `run` starting and an operator's
// `ledger stats`). Kills, each failing in most of these rounds: the switch to WAL not tried again
// on SQLITE_BUSY ("database is locked" at once); a migration applied without reading the version
// again under the write lock ("table evaluations already exists").
TEST_CASE("two connections opening one new ledger at once both end migrated, each migration applied once",
          "[ledger][migrations]") {
  TempDir dir;
  for (int round = 0; round < 20; ++round) {
    const std::string path = dir.file("l" + std::to_string(round) + ".db");
    std::atomic<int> ready{0};
    std::string errors[2];
    int versions[2] = {0, 0};
    auto open = [&](int i) {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      try {
        Ledger ledger(path);
        versions[i] = ledger.schemaVersion();
      } catch (const Poco::Exception& e) {
        errors[i] = e.displayText();
      }
    };
    std::thread a(open, 0);
    std::thread b(open, 1);
    a.join();
    b.join();
    INFO("round " << round);
    CHECK(errors[0] == "");
    CHECK(errors[1] == "");
    CHECK(versions[0] == static_cast<int>(sqliteMigrations().size()));
    CHECK(versions[1] == static_cast<int>(sqliteMigrations().size()));
  }
}

TEST_CASE("a ledger newer than the binary is refused") {
  TempDir dir;
  SqliteDatabase db(dir.file("l.db"));
  applyMigrations(db);
  db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00Z')");
  CHECK_THROWS_WITH(applyMigrations(db), Catch::Contains("newer than this evalbridge knows"));
}

TEST_CASE("a file that is not a ledger is refused naming it, and is not held open", "[ledger]") {
  TempDir dir;
  const std::string path = dir.write("notes.db", std::string(8192, 'x'));
  // This process's descriptors open on the file (or its -wal and -shm companions).
  auto openOnIt = [&path] {
    std::size_t count = 0;
    for (Poco::DirectoryIterator it(std::string("/proc/self/fd")), end; it != end; ++it) {
      char target[4096];
      const ssize_t length = ::readlink(it->path().c_str(), target, sizeof target);
      if (length > 0 && std::string(target, static_cast<std::size_t>(length)).rfind(path, 0) == 0) ++count;
    }
    return count;
  };
  for (int i = 0; i < 5; ++i)
    CHECK_THROWS_WITH(SqliteDatabase(path), Catch::Contains(path) && Catch::Contains("not a database"));
  CHECK(openOnIt() == 0);
}

TEST_CASE("a failing migration leaves no trace") {
  TempDir dir;
  SqliteDatabase db(dir.file("l.db"));
  std::vector<Migration> broken = {{1, "001_ok.sql", "CREATE TABLE a (x INTEGER);"},
                                   {2, "002_bad.sql", "CREATE TABLE b (x INTEGER); SELECT * FROM nowhere;"}};
  CHECK_THROWS_AS(applyMigrations(db, broken), LedgerError);
  CHECK(schemaVersion(db) == 1);
  Statement tables(db, "SELECT COUNT(*) FROM sqlite_master WHERE name='b'");
  tables.step();
  CHECK(tables.integer(0) == 0);
}

TEST_CASE("first sight: matched becomes a pending create, unmatched is recorded as skipped") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  auto decisions = ledger.observe({matched("e1", "{\"a\":\"1\"}"), skipped("e2")});
  CHECK(decisions == std::vector<Decision>{Decision::Create, Decision::Skip});

  auto pending = ledger.pending("org-1");
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].evaluationId == "e1");
  CHECK(pending[0].operation == Operation::Create);
  CHECK(pending[0].correlationId == "evalbridge:org-1:e1");
  CHECK(pending[0].rawJson.empty());  // read for delivery, which never sends it
  CHECK(ledger.find("org-1", "e1")->rawJson == "{\"id\":\"e1\"}");
  // What the sync asks after each window: the same records, by key alone.
  CHECK(ledger.pendingKeys("org-1") == std::vector<std::string>{pending[0].key()});
  CHECK(ledger.pendingKeys("org-2").empty());

  auto skip = ledger.find("org-1", "e2");
  REQUIRE(skip);
  CHECK(skip->status == RecordStatus::Skipped);
  CHECK(skip->skipReason == "score 90 not lt 70");
  CHECK(skip->rawJson.empty());
}

TEST_CASE("what a delivery reads: a pending record without its raw text, and nothing for any other") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"1\"}"), matched("e2", "{\"a\":\"2\"}"), skipped("e3")});
  ledger.observe({skipped("e4")}, Ledger::SkipWrites::Buffered);

  const auto pending = ledger.findPending("org-1", "e1");
  REQUIRE(pending);
  const auto whole = ledger.find("org-1", "e1");
  REQUIRE(whole);
  CHECK(pending->status == RecordStatus::Pending);
  CHECK(pending->operation == Operation::Create);
  CHECK(pending->correlationId == whole->correlationId);
  CHECK(pending->fieldsJson == "{\"a\":\"1\"}");
  CHECK(pending->rawJson.empty());  // the only column left out
  CHECK(whole->rawJson == "{\"id\":\"e1\"}");

  ledger.markDelivered("org-1", "e1", incident("INC1"));
  ledger.markDead("org-1", "e2", "refused");
  for (const char* id : {"e1", "e2", "e3", "e4", "e5"}) {
    INFO(id);
    CHECK(ledger.find("org-1", id).has_value() == (std::string(id) != "e5"));
    CHECK_FALSE(ledger.findPending("org-1", id));
  }
  CHECK_FALSE(ledger.findPending("org-2", "e1"));
}

// Kills: findPending reading through the writer's connection (it would wait for the transaction
// to end, as every delivery waited behind a page's intents or a batch of outcomes).
TEST_CASE("a delivery reads its pending record while a write transaction is open, as last committed") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  INFO(evalbridge::test::backendName(place.backend));
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"1\"}")});
  std::promise<void> open;
  std::promise<void> release;
  std::thread writer([&] {
    Transaction transaction(ledger.database());
    Statement(ledger.database(), "UPDATE evaluations SET fields_json='{\"a\":\"2\"}' WHERE evaluation_id='e1'").run();
    open.set_value();
    release.get_future().wait();
    transaction.commit();
  });
  open.get_future().wait();
  auto read = std::async(std::launch::async, [&] { return ledger.findPending("org-1", "e1"); });
  const bool answered = read.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  release.set_value();  // before any check: a blocked read ends only with the transaction
  writer.join();
  CHECK(answered);
  const auto during = read.get();
  REQUIRE(during);
  CHECK(during->fieldsJson == (answered ? "{\"a\":\"1\"}" : "{\"a\":\"2\"}"));
  CHECK(ledger.findPending("org-1", "e1")->fieldsJson == "{\"a\":\"2\"}");  // committed now
}

// Kills: deliveries that fail (every one, for good) when the second connection cannot be opened,
// instead of reading through the first.
TEST_CASE("without a second connection a delivery's read goes through the first, and says so once") {
  TempDir dir;
  Ledger ledger(dir.file("ledger.db"));
  ledger.observe({matched("e1", "{\"a\":\"1\"}"), matched("e2", "{\"a\":\"2\"}")});
  // The name is gone, the open file is not: the first connection works on, a second cannot open.
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((dir.file("ledger.db") + suffix).c_str());
  LogCapture log("evalbridge.ledger");
  REQUIRE(ledger.findPending("org-1", "e1"));
  CHECK(ledger.findPending("org-1", "e1")->fieldsJson == "{\"a\":\"1\"}");
  CHECK(ledger.findPending("org-1", "e2")->fieldsJson == "{\"a\":\"2\"}");
  int warnings = 0;
  for (const auto& line : log.lines()) warnings += line.first.find("second connection") != std::string::npos;
  CHECK(warnings == 1);
}

TEST_CASE("re-export of the same content changes nothing, and a rescore becomes an update") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"1\"}")});
  ledger.markDelivered("org-1", "e1", incident("INC001"));
  CHECK(ledger.find("org-1", "e1")->status == RecordStatus::Created);
  CHECK(ledger.find("org-1", "e1")->rawJson.empty());

  CHECK(ledger.observe({matched("e1", "{\"a\":\"1\"}")})[0] == Decision::Unchanged);
  CHECK(ledger.observe({matched("e1", "{\"a\":\"2\"}", "2026-11-02T00:00:00Z")})[0] == Decision::Update);
  auto row = ledger.find("org-1", "e1");
  CHECK(row->status == RecordStatus::Pending);
  CHECK(row->operation == Operation::Update);
  CHECK(row->previousFieldsJson == "{\"a\":\"1\"}");
  CHECK(row->fieldsJson == "{\"a\":\"2\"}");
  CHECK(row->incident.number == "INC001");

  ledger.markDelivered("org-1", "e1", IncidentRef{"sysINC001", "", "", "", 1});
  row = ledger.find("org-1", "e1");
  CHECK(row->status == RecordStatus::Updated);
  CHECK(row->incident.number == "INC001");  // kept when the update response omits it
  CHECK(row->incident.modCount == 1);
}

TEST_CASE("an older changedDate than the ledger's is stale and ignored") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"2\"}", "2026-11-05T00:00:00Z")});
  CHECK(ledger.observe({matched("e1", "{\"a\":\"1\"}", "2026-11-01T00:00:00Z")})[0] == Decision::Stale);
  CHECK(ledger.find("org-1", "e1")->fieldsJson == "{\"a\":\"2\"}");
}

TEST_CASE("a skipped evaluation that later matches becomes a create, and a delivered one that stops matching is updated") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({skipped("e1")});
  CHECK(ledger.observe({skipped("e1")})[0] == Decision::Unchanged);
  CHECK(ledger.observe({matched("e1", "{\"a\":\"1\"}", "2026-11-02T00:00:00Z")})[0] == Decision::Create);
  ledger.markDelivered("org-1", "e1", incident("INC7"));
  CHECK(ledger.observe({skipped("e1", "score 95 not lt 70", "2026-11-03T00:00:00Z")})[0] == Decision::Update);
  auto row = ledger.find("org-1", "e1");
  CHECK(row->fieldsJson == "{}");
  CHECK(row->skipReason == "score 95 not lt 70");
}

TEST_CASE("dead letter keeps the record and replay brings it back") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"1\"}"), matched("e2", "{\"a\":\"2\"}")});
  ledger.markAttemptFailed("org-1", "e1", "HTTP 503");
  ledger.markDead("org-1", "e1", "HTTP 400: invalid field urgency");
  ledger.markDead("org-1", "e2", "HTTP 403: ACL");
  auto dead = ledger.find("org-1", "e1");
  CHECK(dead->status == RecordStatus::Dead);
  CHECK(dead->lastError == "HTTP 400: invalid field urgency");
  CHECK(dead->rawJson == "{\"id\":\"e1\"}");
  CHECK(dead->attempts == 1);
  CHECK(ledger.observe({matched("e1", "{\"a\":\"1\"}")})[0] == Decision::StillDead);

  CHECK(ledger.replay("org-1", "e1") == 1);
  CHECK(ledger.find("org-1", "e1")->status == RecordStatus::Pending);
  CHECK(ledger.find("org-1", "e1")->attempts == 0);
  CHECK(ledger.find("org-1", "e2")->status == RecordStatus::Dead);
  CHECK(ledger.replay("", "") == 1);
  CHECK(ledger.pending("org-1").size() == 2);
  auto events = ledger.history("org-1", "e1");
  REQUIRE(events.size() == 4);
  CHECK(events[0].event == "intent-create");
  CHECK(events[3].event == "replay");
}

// A dead create may have been posted before it died (an uncertain answer, then a permanent one).
// Kills: either replay dropping its fields as an earlier intent's (a later create would then post
// without a lookup, or an incident it adopts would keep the first POST's fields).
TEST_CASE("a replayed dead create keeps its fields as an earlier intent's, mapped again or not", "[ledger]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("plain", R"({"a":"1"})"), matched("again", R"({"a":"2"})"), matched("gone", R"({"a":"3"})")});
  for (const char* id : {"plain", "again", "gone"}) {
    ledger.markAttemptFailed("org-1", id, "timeout");
    ledger.markDead("org-1", id, "looking up correlation_id failed: HTTP 403");
  }
  ledger.observe({matched("linked", R"({"a":"4"})")});
  ledger.markDelivered("org-1", "linked", incident("INC4"));
  ledger.observe({matched("linked", R"({"a":"5"})", "2026-11-02T00:00:00Z")});
  ledger.markDead("org-1", "linked", "HTTP 400");

  CHECK(ledger.replay("org-1", "plain") == 1);
  CHECK(ledger.find("org-1", "plain")->previousFieldsJson == R"({"a":"1"})");
  CHECK(ledger.replayRemapped("org-1", "again", Remapping{true, R"({"a":"2b"})", ""}));
  CHECK(ledger.find("org-1", "again")->previousFieldsJson == R"({"a":"2"})");
  CHECK(ledger.find("org-1", "again")->fieldsJson == R"({"a":"2b"})");
  CHECK(ledger.replayRemapped("org-1", "gone", Remapping{false, "", "score 90 not lt 70"}));
  CHECK(ledger.find("org-1", "gone")->status == RecordStatus::Skipped);
  REQUIRE(ledger.observe({matched("gone", R"({"a":"3b"})", "2026-11-02T00:00:00Z")})[0] == Decision::Create);
  CHECK(ledger.find("org-1", "gone")->previousFieldsJson == R"({"a":"3"})");
  // With an incident, what it has is kept as it was (the replay's update says what changed).
  CHECK(ledger.replayRemapped("org-1", "linked", Remapping{true, R"({"a":"5b"})", ""}));
  CHECK(ledger.find("org-1", "linked")->operation == Operation::Update);
  CHECK(ledger.find("org-1", "linked")->previousFieldsJson == R"({"a":"4"})");
}

// Kills: a newer content that cannot be mapped dropped as "unchanged" (nothing reaches the dead
// letter, the checkpoint passes it, and the rescore or the first match is lost for good).
TEST_CASE("a known evaluation whose newer content cannot be mapped goes to the dead letter with its raw text",
          "[ledger]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("delivered", R"({"a":"1"})"), skipped("lean")});
  ledger.markDelivered("org-1", "delivered", incident("INC1"));
  auto unmappable = [](const std::string& id, const std::string& changed) {
    Observation o = skipped(id, "", changed);
    o.skipReason.clear();
    o.rawJson = R"({"id":")" + id + R"(","answers":"not an object"})";
    o.deadReason = "mapping: answers.totalScore: not a number";
    return o;
  };
  CHECK(ledger.observe({unmappable("delivered", "2026-10-01T00:00:00Z")})[0] == Decision::Stale);
  CHECK(ledger.observe({unmappable("delivered", "2026-11-02T00:00:00Z")})[0] == Decision::Dead);
  auto dead = ledger.find("org-1", "delivered");
  REQUIRE(dead);
  CHECK(dead->status == RecordStatus::Dead);
  CHECK(dead->lastError == "mapping: answers.totalScore: not a number");
  CHECK(dead->rawJson == unmappable("delivered", "").rawJson);
  CHECK(dead->incident.sysId == "sysINC1");  // still linked: a replay updates that incident
  CHECK(dead->previousFieldsJson == R"({"a":"1"})");
  CHECK(ledger.observe({unmappable("delivered", "2026-11-02T00:00:00Z")})[0] == Decision::StillDead);

  CHECK(ledger.observe({unmappable("lean", "2026-11-02T00:00:00Z")})[0] == Decision::Dead);
  CHECK(ledger.find("org-1", "lean")->status == RecordStatus::Dead);
  CHECK(countRows(place, "skipped_records") == 0);
  CHECK(ledger.history("org-1", "lean").back().event == "dead");
}

// Kills: the earlier intent's fields kept only for a record with failed attempts, or only for a
// delivered record that names a sys_id (each would let the next create post without a lookup).
TEST_CASE("a changed record keeps an earlier intent's fields for every create that may have been posted",
          "[ledger]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  const std::string v2 = "2026-11-02T00:00:00Z";

  SECTION("a record dead from first sight, whose fields were never known") {
    Observation unreadable = skipped("e1");
    unreadable.skipReason.clear();
    unreadable.deadReason = "export: not a JSON object";
    REQUIRE(ledger.observe({unreadable})[0] == Decision::Dead);
    REQUIRE(ledger.observe({matched("e1", R"({"a":"2"})", v2)})[0] == Decision::Create);
    const auto record = ledger.find("org-1", "e1");
    CHECK(record->previousFieldsJson == "{}");  // so its create looks the correlation_id up first
    CHECK(record->fieldsJson == R"({"a":"2"})");
  }
  SECTION("a delivered record whose answer named no sys_id") {
    ledger.observe({matched("e1", R"({"a":"1"})")});
    ledger.markDelivered("org-1", "e1", IncidentRef{"", "INC1", "1", "2026-11-01 00:00:01", 0});
    REQUIRE(ledger.find("org-1", "e1")->status == RecordStatus::Created);
    REQUIRE(ledger.observe({matched("e1", R"({"a":"2"})", v2)})[0] == Decision::Create);
    CHECK(ledger.find("org-1", "e1")->previousFieldsJson == R"({"a":"1"})");
  }
  SECTION("a pending create that stopped matching, then matches again") {
    ledger.observe({matched("e1", R"({"a":"1"})")});
    REQUIRE(ledger.observe({skipped("e1", "score 90 not lt 70", v2)})[0] == Decision::Skip);
    REQUIRE(ledger.observe({matched("e1", R"({"a":"3"})", "2026-11-03T00:00:00Z")})[0] == Decision::Create);
    CHECK(ledger.find("org-1", "e1")->previousFieldsJson == R"({"a":"1"})");
  }
}

TEST_CASE("stats count every record by org and status") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{}"), skipped("e2"), skipped("e3")});
  Observation other = matched("x1", "{}");
  other.orgId = "org-2";
  ledger.observe({other});
  ledger.markDelivered("org-1", "e1", incident("INC1"));
  auto stats = ledger.statsByOrg();
  CHECK(stats["org-1"].total == 3);
  CHECK(stats["org-1"].byStatus["created"] == 1);
  CHECK(stats["org-1"].byStatus["skipped"] == 2);
  CHECK(stats["org-2"].byStatus["pending"] == 1);
}

TEST_CASE("findByKey accepts the forms people paste") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{}")});
  ledger.markDelivered("org-1", "e1", incident("INC0010001"));
  for (const char* key : {"org-1:e1", "evalbridge:org-1:e1", "INC0010001", "e1", "sysINC0010001"}) {
    INFO(key);
    auto row = ledger.findByKey(key);
    REQUIRE(row);
    CHECK(row->evaluationId == "e1");
  }
  CHECK_FALSE(ledger.findByKey("nope"));
}

TEST_CASE("checkpoints only move forward and survive reopening") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  {
    Ledger ledger(place.location, place.password);
    CHECK_FALSE(ledger.checkpoint("org-1"));
    ledger.setCheckpoint("org-1", "acme", "2026-11-02T00:00:00Z");
    ledger.setCheckpoint("org-1", "acme", "2026-11-01T00:00:00Z");
    ledger.observe({matched("e1", "{}")});
  }
  Ledger reopened(place.location, place.password);
  CHECK(reopened.checkpoint("org-1") == std::string("2026-11-02T00:00:00Z"));
  CHECK(reopened.pending("org-1").size() == 1);
}

TEST_CASE("the schema itself refuses a second row for one evaluation") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{}")});
  const std::unique_ptr<Database> db = place.open();
  CHECK_THROWS_AS(db->exec("INSERT INTO evaluations (org_id, evaluation_id, org_name, status, correlation_id,"
                          " content_hash, first_seen_at, updated_at) VALUES ('org-1','e1','a','skipped','x','h','t','t')"),
                  LedgerError);
}

TEST_CASE("a changed evaluation whose incident is closed becomes a follow-up create when the mapping asks") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({matched("e1", "{\"a\":\"1\"}")});
  ledger.markDelivered("org-1", "e1", IncidentRef{"sys1", "INC1", "7", "2026-11-01 00:00:01", 2});

  Observation rescored = matched("e1", "{\"a\":\"2\"}", "2026-11-02T00:00:00Z");
  rescored.followUpAfterClose = true;
  CHECK(ledger.observe({rescored})[0] == Decision::Create);
  auto row = ledger.find("org-1", "e1");
  CHECK(row->correlationId == "evalbridge:org-1:e1:followup-1");
  CHECK(row->operation == Operation::Create);
  CHECK(row->incident.sysId.empty());
  CHECK(row->fieldsJson.find("\"parent_incident\":\"sys1\"") != std::string::npos);
  CHECK(row->fieldsJson.find("follow-up to INC1 (Closed)") != std::string::npos);

  ledger.markDelivered("org-1", "e1", IncidentRef{"sys2", "INC2", "6", "2026-11-02 00:00:01", 0});
  rescored = matched("e1", "{\"a\":\"3\"}", "2026-11-03T00:00:00Z");
  rescored.followUpAfterClose = true;
  CHECK(ledger.observe({rescored})[0] == Decision::Create);
  CHECK(ledger.find("org-1", "e1")->correlationId == "evalbridge:org-1:e1:followup-2");

  // Without followUpAfterClose, a closed incident gets an update (the sink sends a work note only).
  ledger.markDelivered("org-1", "e1", IncidentRef{"sys3", "INC3", "8", "2026-11-03 00:00:01", 0});
  CHECK(ledger.observe({matched("e1", "{\"a\":\"4\"}", "2026-11-04T00:00:00Z")})[0] == Decision::Update);
}

TEST_CASE("a ledger written by schema 2 is migrated in place and loses nothing", "[ledger][migrations]") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  const auto& all = sqliteMigrations();
  REQUIRE(all.size() >= 3);
  {
    // The ledger as the previous release left it: migrations 1 and 2, and one row of each kind.
    SqliteDatabase db(path);
    CHECK(applyMigrations(db, {all[0], all[1]}) == 2);
    db.exec(
        "INSERT INTO evaluations (org_id, evaluation_id, org_name, status, operation, correlation_id, changed_date,"
        " content_hash, fields_json, raw_json, skip_reason, sys_id, incident_number, incident_state, attempts,"
        " last_error, first_seen_at, updated_at) VALUES"
        " ('o1','e-created','acme','created',NULL,'evalbridge:o1:e-created','2026-11-01T00:00:00Z','h1',"
        "  '{\"short_description\":\"x\"}',NULL,NULL,'sys-1','INC0010001','6',0,NULL,'2026-11-01T00:00:00Z','2026-11-02T00:00:00Z'),"
        " ('o1','e-pending','acme','pending','create','evalbridge:o1:e-pending','2026-11-01T01:00:00Z','h2',"
        "  '{\"short_description\":\"y\"}','{\"id\":\"e-pending\"}',NULL,NULL,NULL,NULL,2,'HTTP 503','2026-11-01T01:00:00Z','2026-11-01T01:00:00Z'),"
        " ('o1','e-skipped','acme','skipped',NULL,'evalbridge:o1:e-skipped','2026-11-01T02:00:00Z','skip',"
        "  NULL,NULL,'when did not match',NULL,NULL,NULL,0,NULL,'2026-11-01T02:00:00Z','2026-11-01T02:00:00Z'),"
        " ('o1','e-dead','acme','dead',NULL,'evalbridge:o1:e-dead','2026-11-01T03:00:00Z','h4',"
        "  NULL,'{\"id\":\"e-dead\"}',NULL,NULL,NULL,NULL,1,'HTTP 400','2026-11-01T03:00:00Z','2026-11-01T03:00:00Z')");
    db.exec("INSERT INTO checkpoints (org_id, org_name, window_end, updated_at) VALUES"
            " ('o1','acme','2026-11-02T00:00:00Z','2026-11-02T00:00:00Z')");
    db.exec("INSERT INTO history (org_id, evaluation_id, at, event, detail) VALUES"
            " ('o1','e-created','2026-11-01T00:00:00Z','created','INC0010001 (sys_id sys-1)')");
  }

  Ledger ledger(path);  // applies every newer migration
  CHECK(ledger.schemaVersion() == all.back().version);
  const auto created = ledger.find("o1", "e-created");
  REQUIRE(created);
  CHECK(created->status == RecordStatus::Created);
  CHECK(created->incident.sysId == "sys-1");
  CHECK(created->incident.number == "INC0010001");
  CHECK(created->incident.state == "6");
  const auto pending = ledger.find("o1", "e-pending");
  REQUIRE(pending);
  CHECK(pending->status == RecordStatus::Pending);
  CHECK(pending->attempts == 2);
  CHECK(pending->rawJson == R"({"id":"e-pending"})");
  CHECK(ledger.find("o1", "e-skipped")->skipReason == "when did not match");
  CHECK(ledger.find("o1", "e-dead")->lastError == "HTTP 400");
  CHECK(ledger.checkpoint("o1") == std::optional<std::string>("2026-11-02T00:00:00Z"));
  CHECK(ledger.history("o1", "e-created").size() == 1);
  const auto stats = ledger.statsByOrg().at("o1");
  CHECK(stats.total == 4);
  CHECK(ledger.pending("o1").size() == 1);
}

TEST_CASE("a skip that never reached ServiceNow is a lean row: same answers, no full row, no history",
          "[ledger][lean]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  CHECK(ledger.observe({skipped("e1", "when did not match: answers.totalScore (wanted lt 70)")})[0] == Decision::Skip);
  checkLeanSkip(ledger.find("org-1", "e1"), "org-1", "acme", "e1", "2026-11-01T00:00:00Z",
                "when did not match: answers.totalScore (wanted lt 70)");
  CHECK(ledger.history("org-1", "e1").empty());
  CHECK(ledger.findByKey("evalbridge:org-1:e1")->evaluationId == "e1");
  CHECK(ledger.findByKey("org-1:e1")->evaluationId == "e1");
  RecordFilter onlySkipped;
  onlySkipped.status = RecordStatus::Skipped;
  CHECK(ledger.list(onlySkipped).size() == 1);
  CHECK(ledger.list({}).size() == 1);
  CHECK(ledger.statsByOrg().at("org-1").byStatus.at("skipped") == 1);
  CHECK(countRows(place, "evaluations") == 0);
  CHECK(countRows(place, "skipped_records") == 1);
  CHECK(countRows(place, "history") == 0);
  // Many evaluations failing the same way share one reason text.
  ledger.observe({skipped("e2", "when did not match: answers.totalScore (wanted lt 70)"),
                  skipped("e3", "when did not match: answers.totalScore (wanted lt 70)")});
  CHECK(countRows(place, "skip_reasons") == 1);
  CHECK(ledger.observe({skipped("e1")})[0] == Decision::Unchanged);
}

TEST_CASE("a lean skip that starts to match becomes one full pending create, first seen when it was",
          "[ledger][lean]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({skipped("e1", "r", "2026-11-02T00:00:00Z")});
  const std::string firstSeen = ledger.find("org-1", "e1")->firstSeenAt;
  // An older export of it that matched is stale: the lean row stays as it was.
  CHECK(ledger.observe({matched("e1", "{\"a\":\"0\"}", "2026-11-01T00:00:00Z")})[0] == Decision::Stale);
  CHECK(countRows(place, "skipped_records") == 1);
  CHECK(ledger.observe({matched("e1", "{\"a\":\"1\"}", "2026-11-03T00:00:00Z")})[0] == Decision::Create);
  CHECK(countRows(place, "skipped_records") == 0);
  CHECK(countRows(place, "evaluations") == 1);
  const auto row = ledger.find("org-1", "e1");
  REQUIRE(row);
  CHECK(row->status == RecordStatus::Pending);
  CHECK(row->firstSeenAt == firstSeen);
  CHECK(ledger.list({}).size() == 1);  // one record, not a lean and a full one
  CHECK(ledger.pending("org-1").size() == 1);
}

TEST_CASE("a skip whose changedDate is not in the ledger's own form keeps a full row, unaltered", "[ledger][lean]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  ledger.observe({skipped("e1", "r", "2026-11-01T00:00:00.250Z"), skipped("e2", "r", "")});
  CHECK(ledger.find("org-1", "e1")->changedDate == "2026-11-01T00:00:00.250Z");
  CHECK(ledger.find("org-1", "e2")->changedDate.empty());
  CHECK(countRows(place, "evaluations") == 1);       // e1
  CHECK(countRows(place, "skipped_records") == 1);   // e2 (no date is representable)
}

TEST_CASE("a ledger written by schema 3 moves its plain skips to lean rows and loses nothing",
          "[ledger][migrations][lean]") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  const auto& all = sqliteMigrations();
  REQUIRE(all.size() >= 4);
  {
    SqliteDatabase db(path);
    CHECK(applyMigrations(db, {all[0], all[1], all[2]}) == 3);
    db.exec(
        "INSERT INTO evaluations (org_id, evaluation_id, org_name, status, operation, correlation_id, changed_date,"
        " content_hash, skip_reason, attempts, last_error, first_seen_at, updated_at) VALUES"
        // plain skips: move
        " ('o1','s1','acme','skipped',NULL,'evalbridge:o1:s1','2026-11-01T02:00:00Z','skipped',"
        "  'when did not match: answers.totalScore is 91 (wanted lt 70)',0,NULL,'2026-11-01T02:00:05Z','2026-11-03T00:00:00Z'),"
        " ('o2','s2','beta','skipped',NULL,'evalbridge:o2:s2',NULL,'skipped',NULL,0,NULL,'2026-11-01T02:00:05Z','2026-11-01T02:00:05Z'),"
        // a skip after an attempted create: stays full (a later match must look its incident up)
        " ('o1','s3','acme','skipped',NULL,'evalbridge:o1:s3','2026-11-01T02:00:00Z','skipped',"
        "  'r',1,'HTTP 503','2026-11-01T02:00:05Z','2026-11-01T02:00:05Z'),"
        // a follow-up's correlation id: stays full
        " ('o1','s4','acme','skipped',NULL,'evalbridge:o1:s4:followup-1','2026-11-01T02:00:00Z','skipped',"
        "  'r',0,NULL,'2026-11-01T02:00:05Z','2026-11-01T02:00:05Z')");
    db.exec("INSERT INTO history (org_id, evaluation_id, at, event, detail) VALUES"
            " ('o1','s1','2026-11-01T02:00:05Z','skipped','when did not match: answers.totalScore is 91 (wanted lt 70)')");
  }
  Ledger ledger(path);
  const LedgerPlace place{LedgerBackend::Sqlite, path, ""};
  CHECK(ledger.schemaVersion() == all.back().version);
  CHECK(countRows(place, "skipped_records") == 2);
  CHECK(countRows(place, "evaluations") == 2);
  const auto s1 = ledger.find("o1", "s1");
  REQUIRE(s1);
  CHECK(s1->status == RecordStatus::Skipped);
  CHECK(s1->orgName == "acme");
  CHECK(s1->correlationId == "evalbridge:o1:s1");
  CHECK(s1->changedDate == "2026-11-01T02:00:00Z");
  CHECK(s1->skipReason == "when did not match: answers.totalScore is 91 (wanted lt 70)");
  CHECK(s1->firstSeenAt == "2026-11-01T02:00:05Z");
  CHECK(s1->updatedAt == "2026-11-03T00:00:00Z");
  CHECK(ledger.history("o1", "s1").size() == 1);
  const auto s2 = ledger.find("o2", "s2");
  REQUIRE(s2);
  CHECK(s2->orgName == "beta");
  CHECK(s2->changedDate.empty());
  CHECK(s2->skipReason.empty());
  CHECK(ledger.find("o1", "s3")->attempts == 1);
  CHECK(ledger.find("o1", "s4")->correlationId == "evalbridge:o1:s4:followup-1");
  CHECK(ledger.statsByOrg().at("o1").byStatus.at("skipped") == 3);
  CHECK(ledger.statsByOrg().at("o2").total == 1);
}

TEST_CASE("a reason first seen in a rolled-back page is not remembered under a key another reason then gets",
          "[ledger][lean]") {
  // The org and reason keys are cached; one read inside a transaction that rolls back must be
  // forgotten: SQLite gives the same key to the next new reason, PostgreSQL never writes it.
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  struct RefuseOrg2 : OrgFence {
    LeaseToken current(const std::string&) const override { return 1; }
    void check(Database&, const std::string& orgId, Purpose, LeaseToken) override {
      if (orgId == "org-2") throw LeaseLost("org-2 is held elsewhere");
    }
  } fence;
  ledger.setFence(&fence);
  ledger.observe({skipped("e0", "reason zero")});  // a committed reason and org first
  Observation elsewhere = skipped("x1", "reason B");
  elsewhere.orgId = "org-2";
  CHECK_THROWS_AS(ledger.observe({skipped("e1", "reason A"), elsewhere}), LeaseLost);
  CHECK_FALSE(ledger.find("org-1", "e1"));
  CHECK(ledger.observe({skipped("e2", "reason B")})[0] == Decision::Skip);
  CHECK(ledger.observe({skipped("e3", "reason A")})[0] == Decision::Skip);
  CHECK(ledger.find("org-1", "e0")->skipReason == "reason zero");
  CHECK(ledger.find("org-1", "e2")->skipReason == "reason B");
  CHECK(ledger.find("org-1", "e3")->skipReason == "reason A");
  CHECK(countRows(place, "skip_reasons") == 3);
}

TEST_CASE("a relaxed transaction leaves the connection waiting for the disk again, committed or not", "[ledger]") {
  // Intents rely on it: after an outcome batch or a checkpoint, the next commit must be full.
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  const auto db = place.open();
  const bool sqlite = place.backend == LedgerBackend::Sqlite;
  auto setting = [&] {
    Statement query(*db, sqlite ? "PRAGMA synchronous" : "SHOW synchronous_commit");
    REQUIRE(query.step());
    return query.text(0);
  };
  const std::string full = setting();
  CHECK(full == (sqlite ? "2" : "on"));
  {
    Transaction relaxed(*db, Transaction::Durability::Relaxed);
    CHECK(setting() == (sqlite ? "1" : "off"));
    relaxed.commit();
  }
  CHECK(setting() == full);
  { Transaction rolledBack(*db, Transaction::Durability::Relaxed); }
  CHECK(setting() == full);
  {
    Transaction plain(*db);
    CHECK(setting() == full);
  }
}

TEST_CASE("an evaluation seen twice on one page is recorded once", "[ledger]") {
  // The page's one lookup says which evaluations are new; a second sight must read the row the
  // first one wrote (a search re-reads the boundary of each page).
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  Ledger ledger(place.location, place.password);
  const auto skips = ledger.observe({skipped("d1"), skipped("d2"), skipped("d1")});
  CHECK(skips == std::vector<Decision>{Decision::Skip, Decision::Skip, Decision::Unchanged});
  const auto creates = ledger.observe({matched("m1", R"({"a":"1"})"), matched("m1", R"({"a":"1"})"), skipped("d2")});
  CHECK(creates[0] == Decision::Create);
  CHECK(creates[1] != Decision::Skip);
  CHECK(creates[2] == Decision::Unchanged);
  CHECK(countRows(place, "skipped_records") == 2);
  CHECK(countRows(place, "evaluations") == 1);
}
