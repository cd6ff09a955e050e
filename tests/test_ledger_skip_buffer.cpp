// Buffered lean skips (Ledger::bufferSkips, SkipBuffer): a buffered skip answers as a written one,
// reaches the file with its org's checkpoint, a full buffer or the ledger's close, and a page or a
// write that rolls back leaves the buffer as it was. On real SQLite and PostgreSQL.
#include <catch2/catch.hpp>

#include "ledger/Ledger.h"
#include "ledger/OrgFence.h"
#include "ledger/SkipBuffer.h"
#include "ledger/Statement.h"
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

Observation skipped(const std::string& id, const std::string& changed = "2026-11-02T00:00:00Z",
                    const std::string& orgId = "org-1") {
  Observation o;
  o.orgId = orgId;
  o.orgName = orgId == "org-1" ? "acme" : "beta";
  o.evaluationId = id;
  o.changedDate = changed;
  o.skipReason = "when did not match: answers.totalScore (wanted lt 70)";
  return o;
}

Observation matched(const std::string& id, const std::string& changed) {
  Observation o = skipped(id, changed);
  o.matched = true;
  o.skipReason.clear();
  o.fieldsJson = R"({"short_description":"x"})";
  o.rawJson = "{\"id\":\"" + id + "\"}";
  return o;
}

// The sweep's pages: new skips wait in the buffer.
std::vector<Decision> observeBuffered(Ledger& ledger, const std::vector<Observation>& page) {
  return ledger.observe(page, Ledger::SkipWrites::Buffered);
}

// A ledger on either backend whose sweep pages buffer up to `rows` skips.
struct BufferingLedger {
  TempDir dir;
  LedgerPlace place;
  Ledger ledger;
  BufferingLedger(LedgerBackend backend, std::size_t rows)
      : place(ledgerPlace(backend, dir)), ledger(place.location, place.password) {
    ledger.bufferSkips(rows);
  }
};

struct SwitchableFence : OrgFence {
  std::string refused;
  LeaseToken current(const std::string&) const override { return 1; }
  void check(Database&, const std::string& orgId, Purpose, LeaseToken) override {
    if (orgId == refused) throw LeaseLost(orgId + " is held elsewhere");
  }
};

}  // namespace

TEST_CASE("a buffered skip answers as a written one and reaches the file with its org's checkpoint",
          "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  CHECK(observeBuffered(ledger, {skipped("e1"), skipped("e2")}) == std::vector<Decision>{Decision::Skip, Decision::Skip});
  CHECK(countRows(place, "skipped_records") == 0);  // buffered, not written
  const auto row = ledger.find("org-1", "e1");
  checkLeanSkip(row, "org-1", "acme", "e1", "2026-11-02T00:00:00Z",
                "when did not match: answers.totalScore (wanted lt 70)");
  CHECK(ledger.statsByOrg().at("org-1").byStatus.at("skipped") == 2);
  // Seen again on a later page: known, not a second skip (the page's lookup must not call it new).
  CHECK(observeBuffered(ledger, {skipped("e1")})[0] == Decision::Unchanged);
  // An older export of it is stale, by the buffered changedDate.
  CHECK(observeBuffered(ledger, {matched("e2", "2026-11-01T00:00:00Z")})[0] == Decision::Stale);
  CHECK(countRows(place, "skipped_records") == 0);
  ledger.setCheckpoint("org-1", "acme", "2026-11-03T00:00:00Z");
  CHECK(countRows(place, "skipped_records") == 2);
  CHECK(countRows(place, "evaluations") == 0);
  CHECK(ledger.find("org-1", "e1")->firstSeenAt == row->firstSeenAt);  // as written, as buffered
  CHECK(ledger.statsByOrg().at("org-1").byStatus.at("skipped") == 2);
}

TEST_CASE("a buffered skip that starts to match becomes one full record and is never written lean",
          "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  observeBuffered(ledger, {skipped("e1", "2026-11-02T00:00:00Z")});
  const std::string firstSeen = ledger.find("org-1", "e1")->firstSeenAt;
  CHECK(observeBuffered(ledger, {matched("e1", "2026-11-03T00:00:00Z")})[0] == Decision::Create);
  ledger.setCheckpoint("org-1", "acme", "2026-11-04T00:00:00Z");
  CHECK(countRows(place, "skipped_records") == 0);
  CHECK(countRows(place, "evaluations") == 1);
  const auto row = ledger.find("org-1", "e1");
  REQUIRE(row);
  CHECK(row->status == RecordStatus::Pending);
  CHECK(row->firstSeenAt == firstSeen);
  CHECK(ledger.list({}).size() == 1);
}

TEST_CASE("a full buffer is written with the page that fills it, and the ledger's close writes the rest",
          "[ledger][lean][buffer]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), dir);
  {
    Ledger ledger(place.location, place.password);
    ledger.bufferSkips(2);
    observeBuffered(ledger, {skipped("e1"), skipped("e2")});
    CHECK(countRows(place, "skipped_records") == 0);
    observeBuffered(ledger, {skipped("e3")});  // three buffered: more than two
    CHECK(countRows(place, "skipped_records") == 3);
    observeBuffered(ledger, {skipped("e4")});
    CHECK(countRows(place, "skipped_records") == 3);
  }
  CHECK(countRows(place, "skipped_records") == 4);
}

TEST_CASE("a full buffer that cannot be written stays buffered, is reported, and its org's checkpoint writes it",
          "[ledger][lean][buffer]") {
  TempDir dir;
  const LedgerPlace place = ledgerPlace(LedgerBackend::Sqlite, dir);
  Ledger ledger(place.location, place.password);
  ledger.bufferSkips(2);
  // Another connection makes every write of a lean skip fail (as a full disk would).
  auto other = place.open();
  Statement(*other, "CREATE TRIGGER refuse_skips BEFORE INSERT ON skipped_records BEGIN"
                    " SELECT RAISE(ABORT, 'refused by the test'); END").run();
  LogCapture log("evalbridge.ledger");

  std::vector<Decision> decisions;
  REQUIRE_NOTHROW(decisions = observeBuffered(ledger, {skipped("e1"), skipped("e2"), skipped("e3")}));
  CHECK(decisions == std::vector<Decision>(3, Decision::Skip));  // the page itself was recorded
  CHECK(countRows(place, "skipped_records") == 0);
  std::string logged;
  for (const auto& line : log.lines()) logged += line.first + "\n";
  CHECK_THAT(logged, Catch::Contains("writing 3 buffered skipped evaluations failed") &&
                         Catch::Contains("refused by the test"));

  Statement(*other, "DROP TRIGGER refuse_skips").run();
  ledger.setCheckpoint("org-1", "acme", "2026-11-03T00:00:00Z");
  CHECK(countRows(place, "skipped_records") == 3);  // nothing was lost while they waited
}

TEST_CASE("a page observed with its skips (the push path) writes its org's buffered ones too", "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  observeBuffered(ledger, {skipped("e1"), skipped("x1", "2026-11-02T00:00:00Z", "org-2")});
  CHECK(ledger.observe({skipped("e2")})[0] == Decision::Skip);
  CHECK(countRows(place, "skipped_records") == 2);  // e1 and e2; org-2's waits
  CHECK(ledger.statsByOrg().at("org-2").byStatus.at("skipped") == 1);
}

TEST_CASE("a full buffer writes every org's skips, not only those of the page that filled it", "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 2);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  observeBuffered(ledger, {skipped("x1", "2026-11-02T00:00:00Z", "org-2"), skipped("x2", "2026-11-02T00:00:00Z", "org-2")});
  observeBuffered(ledger, {skipped("e1")});
  CHECK(countRows(place, "skipped_records") == 3);
}

TEST_CASE("skips dropped when an org's lease changed keep its sweep from checkpointing past them",
          "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  ledger.beginSweep("org-1");
  observeBuffered(ledger, {skipped("e1")});
  ledger.leaseChanged("org-1");
  CHECK_FALSE(ledger.find("org-1", "e1"));  // another replica may have changed it
  observeBuffered(ledger, {skipped("e2")});
  CHECK_THROWS_AS(ledger.setCheckpoint("org-1", "acme", "2026-11-03T00:00:00Z"), LeaseLost);
  CHECK_FALSE(ledger.checkpoint("org-1"));
  ledger.setCheckpoint("org-2", "beta", "2026-11-03T00:00:00Z");  // other orgs are not held back
  // The next sweep reads the windows again (e1 with them) and may checkpoint.
  ledger.beginSweep("org-1");
  observeBuffered(ledger, {skipped("e1"), skipped("e2")});
  ledger.setCheckpoint("org-1", "acme", "2026-11-03T00:00:00Z");
  CHECK(countRows(place, "skipped_records") == 2);
}

TEST_CASE("a page that rolls back takes its buffered skips with it", "[ledger][lean][buffer]") {
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  SwitchableFence fence;
  fence.refused = "org-2";
  ledger.setFence(&fence);
  observeBuffered(ledger, {skipped("e0")});
  CHECK_THROWS_AS(observeBuffered(ledger, {skipped("e1"), skipped("x1", "2026-11-02T00:00:00Z", "org-2")}), LeaseLost);
  CHECK_FALSE(ledger.find("org-1", "e1"));
  CHECK(ledger.find("org-1", "e0"));
  CHECK(ledger.statsByOrg().at("org-1").total == 1);
  fence.refused.clear();
  ledger.flushSkips();
  CHECK(countRows(place, "skipped_records") == 1);
  ledger.setFence(nullptr);
}

TEST_CASE("skips buffered for an org whose lease is gone are dropped unwritten", "[ledger][lean][buffer]") {
  // Another replica holds the org now and reads its windows again; a late write from this one
  // could sit beside a record that replica made.
  BufferingLedger buffering(GENERATE(LedgerBackend::Sqlite, LedgerBackend::Postgres), 100);
  const LedgerPlace& place = buffering.place;
  Ledger& ledger = buffering.ledger;
  SwitchableFence fence;
  ledger.setFence(&fence);
  observeBuffered(ledger, {skipped("e1"), skipped("e2")});
  observeBuffered(ledger, {skipped("x1", "2026-11-02T00:00:00Z", "org-2")});
  fence.refused = "org-1";
  ledger.flushSkips();
  CHECK(countRows(place, "skipped_records") == 1);  // org-2's
  CHECK_FALSE(ledger.find("org-1", "e1"));
  CHECK(ledger.find("org-2", "x1"));
  ledger.setFence(nullptr);
}

TEST_CASE("the skip buffer undoes a rolled-back transaction's adds, erases and takes in reverse", "[ledger][buffer]") {
  SkipBuffer buffer;
  SkipBuffer::Row row;
  row.orgKey = 1;
  row.seenAt = 100;
  buffer.add("o", "a", row);
  buffer.add("o", "b", row);
  buffer.transactionEnded(true);

  // Erase one, take the org (to write it), add a new one: all undone.
  CHECK(buffer.erase("o", "a"));
  CHECK(buffer.take("o").size() == 1);
  CHECK(buffer.size() == 0);
  buffer.add("o", "c", row);
  buffer.transactionEnded(false);
  CHECK(buffer.size() == 2);
  CHECK(buffer.find("o", "a") != nullptr);
  CHECK(buffer.find("o", "b") != nullptr);
  CHECK(buffer.find("o", "c") == nullptr);

  // Taken and committed: written, gone.
  CHECK(buffer.take("o").size() == 2);
  buffer.transactionEnded(true);
  CHECK(buffer.size() == 0);
  CHECK(buffer.orgs().empty());

  // Many erased (rows that started to match): the org's rows move to a fresh arena, all of them.
  for (int i = 0; i < 3000; ++i) buffer.add("q", "k" + std::to_string(i), row);
  buffer.transactionEnded(true);
  for (int i = 10; i < 3000; ++i) CHECK(buffer.erase("q", "k" + std::to_string(i)));
  buffer.transactionEnded(true);
  CHECK(buffer.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(buffer.find("q", "k" + std::to_string(i)) != nullptr);
  CHECK(buffer.take("q").size() == 10);
  buffer.transactionEnded(true);

  // Discarded in a transaction that then rolls back: stays gone.
  buffer.add("p", "d", row);
  buffer.transactionEnded(true);
  buffer.add("p", "e", row);
  buffer.discard("p");
  buffer.transactionEnded(false);
  CHECK(buffer.size() == 0);
  CHECK(buffer.find("p", "d") == nullptr);
}
