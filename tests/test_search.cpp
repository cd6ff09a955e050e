// The "search" source, the default, against the simulator: the official evaluation search swept
// in windows on submittedDate, names read with the evaluation GET and expand (only where the
// mapping needs them), paging by date, rescores that update their incident, unfinished and
// redacted evaluations, and an org that lacks quality:evaluation:searchAny.
#include <catch2/catch.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include "common/IsoTime.h"
#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "support/SyncOnce.h"
#include "support/DeliveryChecks.h"
#include "support/MultiOrgConfig.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using namespace evalbridge::test;

namespace {

const char* const kSearch = "/api/v2/quality/evaluations/search";
const char* const kEvaluations = "/api/v2/quality/conversations/";

std::vector<sim::RecordedRequest> requestsTo(const BridgeFixture& fixture, const std::string& method,
                                             const std::string& prefix) {
  std::vector<sim::RecordedRequest> found;
  for (const auto& r : fixture.simulator.requests())
    if (r.server == "acme-us" && r.method == method && r.path.rfind(prefix, 0) == 0) found.push_back(r);
  return found;
}

// The simulator's evaluation GET, as a client that forgot `expand` would call it.
Poco::JSON::Object::Ptr evaluationWithout(BridgeFixture& fixture, const Poco::JSON::Object::Ptr& evaluation,
                                          const std::string& query) {
  std::string token;
  for (const auto& t : fixture.simulator.tokensIssuedBy("acme-us")) token = t;
  Poco::URI base(fixture.simulator.orgUrl("acme-us"));
  Poco::Net::HTTPClientSession session(base.getHost(), base.getPort());
  const std::string path = std::string(kEvaluations) + evaluation->getObject("conversation")->getValue<std::string>("id") +
                           "/evaluations/" + evaluation->getValue<std::string>("id") + query;
  Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + token);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  REQUIRE(response.getStatus() == 200);
  return parseJsonObject(body);
}

std::string nameOf(const Poco::JSON::Object::Ptr& evaluation, const std::string& member) {
  auto object = evaluation->getObject(member);
  return object ? object->optValue<std::string>("name", "") : "";
}

}  // namespace

TEST_CASE("the search source delivers every matching evaluation, with names read through expand") {
  BridgeFixture fixture;
  auto reports = syncOnce(fixture);
  REQUIRE(reports.size() == 1);
  INFO(reports[0].error);
  REQUIRE(reports[0].ok);

  const auto expected = matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(expected.size() > 5);
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));

  // Every incident names the agent and the form: they come only from the evaluation GET with
  // expand (a search result has bare references, and its form has no name at all).
  std::map<std::string, Poco::JSON::Object::Ptr> byKey;
  for (const auto& evaluation : fixture.simulator.evaluations("acme-us"))
    byKey["evalbridge:" + orgId + ":" + evaluation->getValue<std::string>("id")] = evaluation;
  for (const auto& incident : fixture.simulator.incidents()) {
    const auto& evaluation = byKey.at(incident->getValue<std::string>("correlation_id"));
    const std::string text = incident->getValue<std::string>("short_description");
    CHECK_THAT(text, Catch::Contains(nameOf(evaluation, "agent")) && Catch::Contains(nameOf(evaluation, "evaluationForm")));
  }

  // On the wire: searches with one DATE_RANGE on submittedDate, and one expanded GET per
  // evaluation that fails (the mapping's `when` settles the others from the result alone).
  const auto searches = requestsTo(fixture, "POST", kSearch);
  REQUIRE_FALSE(searches.empty());
  for (const auto& search : searches) {
    auto range = parseJsonObject(search.body)->getArray("query")->getObject(0);
    CHECK(range->getValue<std::string>("type") == "DATE_RANGE");
    CHECK(range->getValue<std::string>("field") == "submittedDate");
  }
  const auto gets = requestsTo(fixture, "GET", kEvaluations);
  CHECK(gets.size() == expected.size());
  CHECK(reports[0].fetched == static_cast<int>(expected.size()));
  for (const auto& get : gets) CHECK(get.query == "expand=agent%2Cevaluator%2CevaluationForm");
  CHECK(requestsTo(fixture, "POST", "/api/v2/quality/evaluations/export").empty());
  CHECK(requestsTo(fixture, "POST", "/api/v2/analytics").empty());

  // Without expand the same GET has no names, so a mapping would render blanks: the names above
  // prove the bridge asked with expand.
  const auto sample = byKey.at(fixture.simulator.incidents().front()->getValue<std::string>("correlation_id"));
  auto bare = evaluationWithout(fixture, sample, "");
  CHECK(nameOf(bare, "agent").empty());
  CHECK(nameOf(bare, "evaluator").empty());
  CHECK(nameOf(bare, "evaluationForm").empty());
  auto expanded = evaluationWithout(fixture, sample, "?expand=agent,evaluator,evaluationForm");
  CHECK(nameOf(expanded, "agent") == nameOf(sample, "agent"));
  Mapping mapping = Mapping::loadFile(fixture.dir.file("mapping.json"));
  CHECK(mapping.readiness(bare) == Mapping::Readiness::Incomplete);
}

TEST_CASE("an evaluation read in full keeps the text Genesys sent, byte for byte, as its raw record") {
  // ServiceNow refuses every create (422): each matching record is dead-lettered with its raw
  // text, the record a person replays. That text is the GET's answer as received, not the bridge's
  // rewriting of a parsed tree (key order, number formats and escapes would change).
  BridgeFixture fixture;
  fixture.simulator.addFault(servicenowRefusesCreates());
  syncOnce(fixture);

  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  Ledger ledger(fixture.ledgerPath());
  const auto gets = requestsTo(fixture, "GET", kEvaluations);
  REQUIRE(gets.size() > 2);
  for (const auto& get : gets) {
    REQUIRE(get.status == 200);
    const auto evaluation = parseJsonObject(get.responseBody);
    const auto record = ledger.find(orgId, evaluation->getValue<std::string>("id"));
    REQUIRE(record);
    CHECK(record->status == RecordStatus::Dead);
    CHECK(record->rawJson == get.responseBody);
  }
}

TEST_CASE("a second sweep over the same windows creates nothing, and a rescore PATCHes its incident") {
  BridgeFixture fixture;
  REQUIRE(syncOnce(fixture).at(0).ok);
  const auto before = fixture.simulator.incidents();
  REQUIRE(before.size() > 2);

  auto again = syncOnce(fixture, SyncRange{std::string("2026-10-31T00:00:00Z"), std::nullopt});
  REQUIRE(again.at(0).ok);
  CHECK(again[0].delivery.created == 0);
  CHECK(again[0].delivery.updated == 0);
  CHECK(fixture.simulator.incidents().size() == before.size());

  // A QA lead rescores the evaluation behind one incident; submittedDate moves with it, so the
  // next sweep (from the checkpoint) finds it again.
  Ledger ledger(fixture.ledgerPath());
  const auto record = ledger.findByKey(before.front()->getValue<std::string>("correlation_id"));
  REQUIRE(record);
  fixture.simulator.rescore("acme-us", record->evaluationId, 12.5,
                            formatIsoTime(Poco::Timestamp() - Poco::Timespan(60, 0)));
  fixture.simulator.clearRequests();
  auto rescored = syncOnce(fixture);
  REQUIRE(rescored.at(0).ok);
  CHECK(rescored[0].delivery.updated == 1);
  CHECK(rescored[0].delivery.created == 0);
  CHECK(fixture.simulator.incidents().size() == before.size());
  const auto patches = [&] {
    int n = 0;
    for (const auto& r : fixture.simulator.requests()) n += r.server == "servicenow" && r.method == "PATCH";
    return n;
  }();
  CHECK(patches == 1);
  CHECK_THAT(fixture.simulator.incidents().front()->getValue<std::string>("short_description"),
             Catch::Contains("scored 12.5"));
}

TEST_CASE("search pages by date: a window larger than a page is read whole, one page at a time") {
  BridgeFixture fixture;
  fixture.searchExtra = R"("pageSize": 7)";
  fixture.writeConfig();
  auto reports = syncOnce(fixture);
  REQUIRE(reports.at(0).ok);

  Ledger ledger(fixture.ledgerPath());
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  for (const auto& evaluation : fixture.simulator.evaluations("acme-us")) {
    INFO(evaluation->getValue<std::string>("id"));
    CHECK(ledger.find(orgId, evaluation->getValue<std::string>("id")));
  }
  // Each next request starts at the date of the last result read, on page 1 (keyset paging).
  const auto searches = requestsTo(fixture, "POST", kSearch);
  REQUIRE(searches.size() >= 6);  // 40 evaluations, 7 per page
  std::string previousStart;
  for (const auto& search : searches) {
    auto body = parseJsonObject(search.body);
    CHECK(body->getValue<int>("pageSize") == 7);
    CHECK(body->getValue<int>("pageNumber") == 1);
    const std::string start = body->getArray("query")->getObject(0)->getValue<std::string>("startValue");
    CHECK(start > previousStart);
    previousStart = start;
  }
  CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, "acme-us")));
}

TEST_CASE("without maxWindow, a quiet range is one request, and a long window that runs into a full page stops there") {
  // The simulator's 40 evaluations lie an hour apart from 2026-11-01T00:00Z; the range starts a
  // day before. Each window is one run of keyset pages that share its endValue.
  auto windowEnds = [](const BridgeFixture& fixture) {
    std::vector<std::string> ends;
    for (const auto& search : requestsTo(fixture, "POST", kSearch)) {
      const auto end = parseJsonObject(search.body)->getArray("query")->getObject(0)->getValue<std::string>("endValue");
      if (ends.empty() || ends.back() != end) ends.push_back(end);
    }
    return ends;
  };
  const SyncRange range{std::string("2026-10-31T00:00:00Z"), std::string("2026-11-20T00:00:00Z")};
  const std::string orgId = "8c7d8a7e-1111-2222-3333-444455556666";
  SECTION("every window quiet (40 evaluations, pages of 100): the whole range in one request") {
    BridgeFixture fixture;
    fixture.searchMaxWindow = "";
    fixture.writeConfig();
    auto report = syncOnce(fixture, range).at(0);
    REQUIRE(report.ok);
    CHECK(report.windows == 1);
    CHECK(requestsTo(fixture, "POST", kSearch).size() == 1);
    CHECK(report.checkpoint == "2026-11-20T00:00:00Z");
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, "acme-us")));
  }
  SECTION("pages of 7: the long window stops at its first page's last date, one-day windows follow") {
    BridgeFixture fixture;
    fixture.searchMaxWindow = "";
    fixture.searchExtra = R"("pageSize": 7)";
    fixture.writeConfig();
    auto report = syncOnce(fixture, range).at(0);
    REQUIRE(report.ok);
    // The 7th evaluation is dated 06:00: the next window starts there (1 ms early, as any window).
    const auto searches = requestsTo(fixture, "POST", kSearch);
    REQUIRE(searches.size() >= 2);
    CHECK(parseJsonObject(searches[1].body)->getArray("query")->getObject(0)->getValue<std::string>("startValue") ==
          "2026-11-01T05:59:59.999Z");
    // Busy one-day windows from the stop; after the first quiet one, the rest of the range at once.
    CHECK(windowEnds(fixture) == std::vector<std::string>{"2026-11-20T00:00:00.000Z", "2026-11-02T06:00:00.000Z",
                                                          "2026-11-03T06:00:00.000Z", "2026-11-04T06:00:00.000Z",
                                                          "2026-11-20T00:00:00.000Z"});
    CHECK(report.checkpoint == "2026-11-20T00:00:00Z");
    CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, "acme-us")));
  }
  SECTION("a sweep that fails after a stopped window keeps its checkpoint at the stop, not at the window's end") {
    BridgeFixture fixture;
    fixture.searchMaxWindow = "";
    fixture.searchExtra = R"("pageSize": 7)";
    fixture.writeConfig();
    sim::FaultRule refused;  // the first search answers; every later one is refused for good
    refused.server = "acme-us";
    refused.method = "POST";
    refused.pathPrefix = kSearch;
    refused.kind = "status";
    refused.status = 400;
    refused.after = 1;
    fixture.simulator.addFault(refused);
    auto report = syncOnce(fixture, range).at(0);
    CHECK_FALSE(report.ok);
    CHECK(report.checkpoint == "2026-11-01T06:00:00Z");
  }
  SECTION("maxWindow set: every window is that long, and none stops early") {
    BridgeFixture fixture;
    fixture.searchMaxWindow = "P5D";
    fixture.searchExtra = R"("pageSize": 7)";
    fixture.writeConfig();
    REQUIRE(syncOnce(fixture, range).at(0).ok);
    CHECK(windowEnds(fixture) == std::vector<std::string>{"2026-11-05T00:00:00.000Z", "2026-11-10T00:00:00.000Z",
                                                          "2026-11-15T00:00:00.000Z", "2026-11-20T00:00:00.000Z"});
  }
}

TEST_CASE("with the shipped mapping, unfinished evaluations raise no incident") {
  sim::SimulatorOptions options;
  options.orgs[0].unfinishedShare = 0.4;
  BridgeFixture fixture(options);
  writeText(fixture.dir.file("mapping.json"), readAll(std::string(EVALBRIDGE_SOURCE_DIR) + "/mappings/qa-failures.json"));
  // conversationDate: unlike submittedDate, it finds evaluations that were never submitted.
  fixture.searchExtra = R"("dateField": "conversationDate")";
  fixture.writeConfig();
  // Conversations happen up to 48 h before their evaluation: start early enough to see them all.
  REQUIRE(syncOnce(fixture, SyncRange{std::string("2026-10-25T00:00:00Z"), std::nullopt}).at(0).ok);

  Ledger ledger(fixture.ledgerPath());
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  int unfinished = 0;
  for (const auto& evaluation : fixture.simulator.evaluations("acme-us")) {
    if (evaluation->getValue<std::string>("status") == "FINISHED") continue;
    ++unfinished;
    auto record = ledger.find(orgId, evaluation->getValue<std::string>("id"));
    REQUIRE(record);
    CHECK(record->status == RecordStatus::Skipped);
    CHECK_THAT(record->skipReason, Catch::Contains("status"));
  }
  CHECK(unfinished > 3);
  CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, matchingEvaluationIds(fixture, "acme-us")));
}

TEST_CASE("an org without quality:evaluation:searchAny fails, naming the permission") {
  BridgeFixture fixture;
  fixture.simulator.revokePermission("acme-us", "quality:evaluation:searchAny");
  auto reports = syncOnce(fixture);
  REQUIRE(reports.size() == 1);
  CHECK_FALSE(reports[0].ok);
  CHECK_THAT(reports[0].error, Catch::Contains("quality:evaluation:searchAny"));
  CHECK(fixture.simulator.incidents().empty());
}

TEST_CASE("an evaluation read twice at a page boundary while its create is in flight is posted once") {
  // Keyset paging reads the last result of each page again at the top of the next. With slow
  // creates, that result's intent is still pending (the ledger answers Create again) while the
  // next page is mapped: it must not be handed to delivery a second time.
  sim::SimulatorOptions options;
  options.orgs[0].evaluationCount = 12;
  options.orgs[0].failingShare = 1.0;  // every evaluation matches, so every boundary one is posted
  BridgeFixture fixture(options);
  fixture.searchExtra = R"("pageSize": 3)";
  fixture.writeConfig();
  sim::FaultRule slow;
  slow.server = "servicenow";
  slow.method = "POST";
  slow.kind = "latency";
  slow.latencyMs = 400;
  fixture.simulator.addFault(slow);

  auto report = syncOnce(fixture).at(0);
  INFO(report.error);
  REQUIRE(report.ok);
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  const auto expected = matchingEvaluationIds(fixture, "acme-us");
  CHECK(expected.size() == 12);
  CHECK(fixture.simulator.incidents().size() == expected.size());
  CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));
  int posts = 0;
  for (const auto& r : fixture.simulator.requests()) posts += r.server == "servicenow" && r.method == "POST";
  CHECK(posts == static_cast<int>(expected.size()));
}
