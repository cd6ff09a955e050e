// One bad record costs one record (issue 10): a results page with a poisoned evaluation between
// two good ones, through the real binary. The good ones become incidents, the poisoned one goes
// to the dead letter with its raw text and the reason, `sync` exits 3, and the window is
// checkpointed so the next cycle moves past it. The same for an evaluation read in full (the GET
// with expand) whose answer holds bad data, or gives the same unreadable answer twice; an answer
// that breaks off is read once more (the one retry loop, after its backoff), and a second,
// different one fails the cycle instead.
#include <catch2/catch.hpp>

#include "ledger/Ledger.h"
#include "support/DeliveryChecks.h"
#include "support/MultiOrgConfig.h"

using namespace evalbridge;
using namespace evalbridge::test;

namespace {

struct Poison {
  const char* name;
  std::string text;
};

std::string conversationIdOf(BridgeFixture& fixture, const std::string& evaluationId) {
  for (const auto& evaluation : fixture.simulator.evaluations("acme-us"))
    if (evaluation->getValue<std::string>("id") == evaluationId)
      return evaluation->getObject("conversation")->getValue<std::string>("id");
  FAIL("no evaluation " << evaluationId);
  return {};
}

// The dead letter, as `ledger list --status dead` shows it.
std::vector<LedgerRecord> deadLetters(const Ledger& ledger) {
  RecordFilter dead;
  dead.status = RecordStatus::Dead;
  return ledger.list(dead);
}

// Evaluation `evaluationId`, read in full, is the one record in the dead letter, with `raw` as
// received and a reason that names it and says `why`; and its window went on (checkpointed).
void checkAloneInDeadLetter(BridgeFixture& fixture, const std::string& orgId, const std::string& raw,
                            const std::string& evaluationId, const std::string& why) {
  Ledger ledger(fixture.ledgerPath());
  const auto records = deadLetters(ledger);
  REQUIRE(records.size() == 1);
  CHECK(records[0].rawJson == raw);
  CHECK_THAT(records[0].lastError, Catch::Contains("evaluation " + evaluationId) && Catch::Contains(why));
  CHECK(ledger.checkpoint(orgId));
}

// How many times the bridge asked for `path` (query aside).
int readsOf(BridgeFixture& fixture, const std::string& path) {
  int reads = 0;
  for (const auto& request : fixture.simulator.requests())
    if (request.server == "acme-us" && request.method == "GET" && request.path == path) ++reads;
  return reads;
}

}  // namespace

TEST_CASE("a poisoned evaluation on a page is dead-lettered alone, for the search and export sources") {
  const std::vector<Poison> poisons = {
      {"a lone UTF-16 surrogate", R"({"id":"poison-1","agent":{"name":"\ud83d"}})"},
      {"a number beyond double", R"({"id":"poison-1","answers":{"totalScore":1e400}})"},
      {"an integer beyond 64 bits", R"({"id":"poison-1","answers":{"totalScore":123456789012345678901234567890}})"},
      {"a raw control character", "{\"id\":\"poison-1\",\"answers\":{\"comments\":\"a\x01z\"}}"},
  };
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"search", "/api/v2/quality/evaluations/search"}, {"export", "/api/v2/quality/exports/"}};
  for (const auto& [source, path] : sources) {
    for (const auto& poison : poisons) {
      INFO(source << ": " << poison.name);
      BridgeFixture fixture;
      fixture.source = source;
      fixture.writeConfig();
      sim::FaultRule rule;
      rule.server = "acme-us";
      rule.pathPrefix = path;
      rule.kind = "poison";
      rule.poison = poison.text;
      // Job status polls share the export's path prefix but have no "entities" to poison; every
      // results page gets the same poisoned element (one key: one dead record).
      rule.count = source == "export" ? -1 : 1;
      fixture.simulator.addFault(rule);

      auto result = runEvalbridge(fixture, "sync --once");
      INFO(result.out << result.err);
      CHECK(result.exitCode == 3);  // finished, but a record went to the dead letter

      // Every real evaluation that matches became exactly one incident.
      const std::string orgId = fixture.simulator.options().orgs[0].orgId;
      CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, "acme-us")));
      CHECK(fixture.simulator.incidents().size() == matchingEvaluationIds(fixture, "acme-us").size());

      // The poisoned one is in the dead letter with its raw text and the parser's reason.
      Ledger ledger(fixture.ledgerPath());
      auto records = deadLetters(ledger);
      REQUIRE(records.size() == 1);
      CHECK(records[0].rawJson == poison.text);
      CHECK_THAT(records[0].lastError, Catch::Contains("not valid JSON"));

      // The window was checkpointed: the next cycle starts after it and sees nothing new.
      REQUIRE(ledger.checkpoint(orgId));
      CHECK(*ledger.checkpoint(orgId) > "2026-11-20T00:00:00Z");
      fixture.simulator.clearFaults();
      auto again = runEvalbridge(fixture, "sync --once");
      CHECK(again.exitCode == 0);
      CHECK(fixture.simulator.incidents().size() == matchingEvaluationIds(fixture, "acme-us").size());
    }
  }
}

TEST_CASE("an evaluation read in full with a value no strict parser takes is dead-lettered alone, as is the same unreadable answer twice, and a read that breaks off is read again") {
  // The search result was fine; the evaluation GET (with expand, for the names) is not. Bad data
  // (the object is whole, one value is refused) is the same at every read: that record goes to the
  // dead letter and the window goes on. A body that breaks off may be a transfer gone wrong: the
  // org's cycle fails without dead-lettering anything, and the next cycle reads it again.
  const std::string evaluationGet = "/api/v2/quality/conversations/";
  BridgeFixture fixture;
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  std::set<std::string> expected = matchingEvaluationIds(fixture, "acme-us");
  sim::FaultRule rule;
  rule.server = "acme-us";
  rule.method = "GET";
  rule.pathPrefix = evaluationGet;
  rule.count = 1;

  SECTION("a lone UTF-16 surrogate in an agent's name") {
    rule.kind = "poisonBody";
    rule.poison = R"({"id":"read-in-full","agent":{"name":"\ud83d"},"changedDate":"2026-11-20T00:00:00Z"})";
    fixture.simulator.addFault(rule);
    auto result = runEvalbridge(fixture, "sync --once");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 3);  // finished, but a record went to the dead letter

    // The read that got the poison, and the evaluation it was for.
    std::string poisonedId;
    for (const auto& r : fixture.simulator.requests())
      if (r.server == "acme-us" && r.method == "GET" && r.path.rfind(evaluationGet, 0) == 0 && r.responseBody == rule.poison)
        poisonedId = r.path.substr(r.path.rfind('/') + 1);
    REQUIRE(expected.erase(poisonedId) == 1);  // only evaluations that fail are read in full
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));

    checkAloneInDeadLetter(fixture, orgId, rule.poison, poisonedId, "read in full: not valid JSON (");
  }

  SECTION("a body cut off once is read once more and used") {
    rule.kind = "badJson";
    fixture.simulator.addFault(rule);
    auto result = runEvalbridge(fixture, "sync --once");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 0);
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));
    CHECK(fixture.simulator.incidents().size() == expected.size());
    CHECK(deadLetters(Ledger(fixture.ledgerPath())).empty());
  }

  // One evaluation's GET, so that its second read meets the second rule.
  const std::string onePath = evaluationGet + conversationIdOf(fixture, *expected.begin()) + "/evaluations/" +
                              *expected.begin();
  rule.pathPrefix = onePath;
  // That GET answers `body` twice; a sync runs.
  auto answeredTwice = [&](const std::string& body) {
    rule.kind = "poisonBody";
    rule.poison = body;
    rule.count = 2;
    fixture.simulator.addFault(rule);
    auto result = runEvalbridge(fixture, "sync --once");
    CHECK(readsOf(fixture, onePath) == 2);
    return result;
  };

  SECTION("the same unreadable answer twice is bad data: that record is dead-lettered and the window goes on") {
    auto result = answeredTwice(R"([{"id":"not an evaluation"}])");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 3);
    const std::string poisonedId = *expected.begin();
    expected.erase(expected.begin());
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));

    checkAloneInDeadLetter(fixture, orgId, rule.poison, poisonedId, "read in full twice, the same answer both times");
  }

  SECTION("an empty answer twice is not taken for data: the cycle fails without dead-lettering") {
    auto result = answeredTwice("");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 1);
    CHECK(deadLetters(Ledger(fixture.ledgerPath())).empty());
  }

  SECTION("a read refused until its own retries are spent is not read again: one budget per read, not two") {
    fixture.genesysRetry = R"({ "maxAttempts": 3, "initialMs": 5, "maxMs": 10, "maxElapsedS": 30 })";
    fixture.writeConfig();
    rule.kind = "status";
    rule.status = 503;
    rule.count = -1;
    fixture.simulator.addFault(rule);
    auto result = runEvalbridge(fixture, "sync --once");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 1);
    CHECK(readsOf(fixture, onePath) == 3);
    CHECK(deadLetters(Ledger(fixture.ledgerPath())).empty());
  }

  SECTION("two different unreadable answers fail the cycle without dead-lettering, and the next cycle reads it again") {
    rule.kind = "badJson";
    fixture.simulator.addFault(rule);
    rule.kind = "poisonBody";
    rule.poison = R"({"id":)";
    fixture.simulator.addFault(rule);
    auto result = runEvalbridge(fixture, "sync --once");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 1);  // the org's cycle failed: nothing was lost, nothing dead-lettered
    CHECK(readsOf(fixture, onePath) == 2);
    CHECK(deadLetters(Ledger(fixture.ledgerPath())).empty());
    auto again = runEvalbridge(fixture, "sync --once");
    INFO(again.out << again.err);
    CHECK(again.exitCode == 0);
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));
    CHECK(fixture.simulator.incidents().size() == expected.size());
  }
}
