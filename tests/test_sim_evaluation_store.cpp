// Tests for the simulator's compact evaluation store (sim/EvaluationStore.h, EvaluationRecord.h,
// EvaluationDraw.h, EvaluationSnapshot.h): it keeps ~100 bytes per evaluation and renders documents
// on demand, and must show exactly what the store that kept every document did. The expected
// values below were recorded from that eager store (a Poco DOM per evaluation, before the change)
// with the same operations: SHA-1 of the documents' JSON texts, one text per line, and two
// documents in full.
#include <Poco/DigestEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/SHA1Engine.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "sim/EvaluationRecord.h"
#include "sim/EvaluationSearch.h"
#include "sim/EvaluationSnapshot.h"
#include "sim/EvaluationStore.h"
#include "sim/JsonText.h"
#include "sim/RandomIds.h"
#include "sim/TimeText.h"

using namespace evalbridge::sim;
using Poco::JSON::Object;

namespace {

std::string digestOf(const std::vector<std::string>& texts) {
  Poco::SHA1Engine sha;
  for (const auto& text : texts) {
    sha.update(text);
    sha.update("\n");
  }
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::vector<std::string> textsOf(const std::vector<Object::Ptr>& documents) {
  std::vector<std::string> texts;
  for (const auto& document : documents) texts.push_back(toJson(document));
  return texts;
}

std::string idOf(const Object::Ptr& evaluation) {
  return evaluation->getValue<std::string>("id");
}

std::string conversationOf(const Object::Ptr& evaluation) {
  return evaluation->getObject("conversation")->getValue<std::string>("id");
}

Poco::Timestamp at(const std::string& iso) {
  return *parseIso8601(iso);
}

// Evaluation 0 of the default OrgSpec (seed 1), as the eager store held it.
const char* const kFirstOfDefault =
    R"json({"id":"5e41ab08-7439-411e-b18d-6ce93d6cf1ee","conversation":{"id":"0b95f66d-327e-4d78-8706-1b1b93322ba9","selfUri":"/api/v2/conversations/0b95f66d-327e-4d78-8706-1b1b93322ba9"},"evaluationForm":{"id":"bf16f357-556d-410d-b56f-b73028c957a0","name":"Support Call Quality v2","selfUri":"/api/v2/quality/forms/evaluations/bf16f357-556d-410d-b56f-b73028c957a0"},"evaluator":{"id":"5865c198-4aa5-4a2e-aeac-cf3e4e37649b","name":"Noah Fischer","selfUri":"/api/v2/users/5865c198-4aa5-4a2e-aeac-cf3e4e37649b"},"agent":{"id":"f25a6760-bfd2-4364-a2e8-8cd89bbea7fb","name":"Priya Natarajan","selfUri":"/api/v2/users/f25a6760-bfd2-4364-a2e8-8cd89bbea7fb"},"queue":{"id":"a5e2d545-56c7-43ac-aa4d-e239f0459cb9","name":"Support","selfUri":"/api/v2/routing/queues/a5e2d545-56c7-43ac-aa4d-e239f0459cb9"},"status":"FINISHED","answers":{"totalScore":77,"totalCriticalScore":0,"totalNonCriticalScore":77,"maxTotalRawScore":40,"anyFailedKillQuestions":true,"comments":"Did not verify the caller's identity.","agentComments":"","questionGroupScores":[{"questionGroupId":"a76f439b-d79c-4fe4-bf6d-74c8de7a0003","totalScore":77,"maxTotalScore":100,"markedNA":false,"questionScores":[{"questionId":"q-compliance-pci","answerId":"a-no","score":0,"markedNA":false,"failedKillQuestion":true,"comments":"PCI violation"},{"questionId":"q-greeting","answerId":"a-yes","score":10,"markedNA":false,"failedKillQuestion":false,"comments":""},{"questionId":"q-resolution","answerId":"a-yes","score":10,"markedNA":false,"failedKillQuestion":false,"comments":""}]}]},"agentHasRead":false,"releaseDate":"2026-11-01T00:00:00.000Z","assignedDate":"2026-10-31T11:20:32.000Z","createdDate":"2026-10-31T11:20:32.000Z","changedDate":"2026-11-01T00:00:00.000Z","submittedDate":"2026-11-01T00:00:00.000Z","conversationDate":"2026-10-30T22:41:04.000Z","rescore":false,"neverRelease":false,"mediaType":["CALL"],"selfUri":"/api/v2/quality/conversations/0b95f66d-327e-4d78-8706-1b1b93322ba9/evaluations/5e41ab08-7439-411e-b18d-6ce93d6cf1ee"})json";

// Evaluation "09f20b2a-…" of scenario B below after its two rescores (the second at a +02:00 time
// with milliseconds), as the eager store held it: score, dates and rescore changed, the questions,
// the critical score and the conversation date (.500, from firstEvaluation) as generated.
const char* const kRescoredTwice =
    R"json({"id":"09f20b2a-f31d-4934-86e5-da0f44dd28d8","conversation":{"id":"e3e134ba-b22f-4313-b3db-7e1d07de28fe","selfUri":"/api/v2/conversations/e3e134ba-b22f-4313-b3db-7e1d07de28fe"},"evaluationForm":{"id":"4469dbd7-08e6-4fa6-874d-c5c546c6e232","name":"Support Call Quality v2","selfUri":"/api/v2/quality/forms/evaluations/4469dbd7-08e6-4fa6-874d-c5c546c6e232"},"evaluator":{"id":"07dae194-752f-4751-b3bd-4aac25633a63","name":"Noah Fischer","selfUri":"/api/v2/users/07dae194-752f-4751-b3bd-4aac25633a63"},"agent":{"id":"acb36707-5c0c-4a70-8061-a75d8a0ebf65","name":"Luca Bianchi","selfUri":"/api/v2/users/acb36707-5c0c-4a70-8061-a75d8a0ebf65"},"queue":{"id":"e71ba71b-0087-455f-9542-ee84c8740d40","name":"Support","selfUri":"/api/v2/routing/queues/e71ba71b-0087-455f-9542-ee84c8740d40"},"status":"FINISHED","answers":{"totalScore":99.25,"totalCriticalScore":100,"totalNonCriticalScore":99.25,"maxTotalRawScore":40,"anyFailedKillQuestions":false,"comments":"Promised a refund outside policy.","agentComments":"","questionGroupScores":[{"questionGroupId":"e880ad1a-a205-4bd6-94b6-6b8e0b02836e","totalScore":99.25,"maxTotalScore":100,"markedNA":false,"questionScores":[{"questionId":"q-compliance-pci","answerId":"a-yes","score":10,"markedNA":false,"failedKillQuestion":false,"comments":""},{"questionId":"q-greeting","answerId":"a-yes","score":10,"markedNA":false,"failedKillQuestion":false,"comments":""},{"questionId":"q-resolution","answerId":"a-no","score":0,"markedNA":false,"failedKillQuestion":false,"comments":""}]}]},"agentHasRead":false,"releaseDate":"2026-11-19T23:02:03.456Z","assignedDate":"2026-10-31T07:35:40.000Z","createdDate":"2026-10-31T07:35:40.000Z","changedDate":"2026-11-19T23:02:03.456Z","submittedDate":"2026-11-19T23:02:03.456Z","conversationDate":"2026-10-30T09:01:19.500Z","rescore":true,"neverRelease":false,"mediaType":["EMAIL"],"selfUri":"/api/v2/quality/conversations/e3e134ba-b22f-4313-b3db-7e1d07de28fe/evaluations/09f20b2a-f31d-4934-86e5-da0f44dd28d8"})json";

// Scenario B: sub-second first date, unfinished evaluations, adds (one with a 7-digit fraction,
// one continuing after the latest) and 75 rescores, one of them twice.
struct ScenarioB {
  EvaluationStore store;
  std::vector<std::string> rescored;

  static OrgSpec spec() {
    OrgSpec spec;
    spec.evaluationCount = 3000;
    spec.spacingSeconds = 600;
    spec.unfinishedShare = 0.15;
    spec.seed = 7;
    spec.firstEvaluation = "2026-11-01T00:00:00.5Z";
    return spec;
  }

  ScenarioB() : store(spec()) {
    store.add(200, "2026-11-03T00:00:00.1234567Z");
    store.add(5, "");
    const auto all = store.all();
    int k = 0;
    for (std::size_t i = 0; i < all.size(); i += 37) {
      if (!all[i]->has("submittedDate")) continue;
      const std::string when = k % 3 == 0
                                   ? "2026-11-10T12:00:00Z"
                                   : formatIso8601(at("2026-11-01T00:00:00Z") + Poco::Timespan(k * 7919L, 250000));
      store.rescore(idOf(all[i]), 10.0 + (k % 90) + 0.5 * (k % 2), when);
      rescored.push_back(idOf(all[i]));
      ++k;
    }
    store.rescore(rescored[1], 99.25, "2026-11-20T01:02:03.456+02:00");
  }
};

}  // namespace

TEST_CASE("Compact store: documents are the eager store's, field for field", "[sim][evaluation-store]") {
  SECTION("default org, with and without unfinished evaluations") {
    OrgSpec spec;
    EvaluationStore store(spec);
    const auto all = store.all();
    REQUIRE(all.size() == 40);
    CHECK(toJson(all[0]) == kFirstOfDefault);
    CHECK(digestOf(textsOf(all)) == "a56a46ba3a67d5300dab59a4d68819b587e8b4d6");

    spec.unfinishedShare = 0.1;
    CHECK(digestOf(textsOf(EvaluationStore(spec).all())) == "7d7906613955f7a003a04c5df86b49cb0e02921f");
  }

  SECTION("after adds and rescores, through every way out of the store") {
    ScenarioB b;
    const auto all = b.store.all();
    REQUIRE(all.size() == 3205);
    REQUIRE(b.rescored.size() == 74);
    CHECK(digestOf(textsOf(all)) == "fbfab181fd0d6a45e9e29aaae57ec8dbec8995c0");
    const auto twice =
        std::find_if(all.begin(), all.end(), [&](const Object::Ptr& e) { return idOf(e) == b.rescored[1]; });
    REQUIRE(twice != all.end());
    CHECK(toJson(*twice) == kRescoredTwice);

    // An export job's content, rendered from its snapshot of records.
    const EvaluationSnapshot exported(b.store.generator(),
                                      b.store.changedIn(at("2026-11-05T00:00:00Z"), at("2026-11-15T00:00:00Z")));
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < exported.size(); ++i) texts.push_back(toJson(exported.item(i)));
    CHECK(texts.size() == 1452);
    CHECK(digestOf(texts) == "b890eb9bf63cdf642d6c59f2cd0be2b31cacef88");

    // What analytics sees: submitted ones by conversationDate, with the first submission.
    texts.clear();
    for (const auto& record :
         b.store.submittedConversationsIn(at("2026-11-05T00:00:00Z"), at("2026-11-15T00:00:00Z"))) {
      texts.push_back(toJson(record.document(*b.store.generator())) + " " + formatIso8601(*record.firstSubmitted()));
    }
    CHECK(texts.size() == 1218);
    CHECK(digestOf(texts) == "571f2530b5de6dfe638cce79f2366fbcfc6ceb07");

    std::vector<Object::Ptr> found;
    for (std::size_t i = 0; i < all.size(); i += 101)
      found.push_back(b.store.find(conversationOf(all[i]), idOf(all[i])));
    CHECK(digestOf(textsOf(found)) == "42eb78954a25189c0a874c5a4e1ddbf469781839");

    const std::string queueId = all[5]->getObject("queue")->getValue<std::string>("id");
    const std::vector<std::pair<std::string, const char*>> pages = {
        {R"({"query":[{"type":"DATE_RANGE","field":"submittedDate","startValue":"2026-11-05T00:00:00.000Z","endValue":"2026-11-25T00:00:00.000Z"}],"pageSize":100,"pageNumber":3,"sortBy":"submittedDate","sortOrder":"ASC"})",
         "9821575adf3252a7c6d5cc1f49389092f3898dc9"},
        {R"({"query":[{"type":"DATE_RANGE","field":"releaseDate","startValue":"2026-11-05T00:00:00.000Z","endValue":"2026-11-25T00:00:00.000Z"}],"pageSize":50,"pageNumber":2,"sortBy":"releaseDate","sortOrder":"desc"})",
         "44638cac157d72230752d0a5bcd4820bde71ffc7"},
        {R"({"query":[{"type":"DATE_RANGE","field":"conversationDate","startValue":"2026-11-01T00:00:00.000Z","endValue":"2026-12-25T00:00:00.000Z"}],"pageSize":100,"pageNumber":1})",
         "df64e3f30976e0f2d47e99b3cbdcf152bb6117b6"},
        {R"({"query":[{"type":"DATE_RANGE","field":"createdDate","startValue":"2026-11-01T00:00:00.000Z","endValue":"2026-12-25T00:00:00.000Z"},{"type":"EXACT","field":"evaluationStatus","values":["inprogress","PENDING"]}],"pageSize":100,"pageNumber":1,"sortBy":"conversationDate","sortOrder":"DESC"})",
         "d2c729994eb7f3f6e16ea76686c01cacbed5359a"},
        {R"({"query":[{"type":"DATE_RANGE","field":"createdDate","startValue":"2026-11-01T00:00:00.000Z","endValue":"2026-12-25T00:00:00.000Z"},{"type":"EXACT","field":"mediaType","value":"chat"},{"type":"EXACT","field":"queueId","operator":"NOT","values":[")" +
             queueId + R"("]}],"pageSize":100,"pageNumber":2,"sortBy":"submittedDate","sortOrder":"ASC"})",
         "ea475a121685a82180353576ca5456c292706024"},
    };
    for (const auto& [request, digest] : pages) {
      INFO(request);
      const EvaluationSearch search(parseObject(request));
      const auto page = b.store.select([&](const SearchIndex& index) { return search.pick(index); });
      CHECK(digestOf(textsOf(page)) == digest);
    }
  }

  SECTION("an untouched store holds what the generator makes, rendered the same every time") {
    OrgSpec spec;
    spec.evaluationCount = 300;
    spec.unfinishedShare = 0.2;
    spec.seed = 42;
    const EvaluationStore store(spec);
    const EvaluationGenerator generator(spec.seed, spec.failingShare, spec.unfinishedShare);
    const auto all = store.all();
    const auto again = store.all();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto changed = at(spec.firstEvaluation) + Poco::Timespan(static_cast<long>(i) * spec.spacingSeconds, 0);
      INFO("evaluation " << i);
      REQUIRE(toJson(all[i]) == toJson(generator.make(i, changed)));
      REQUIRE(toJson(again[i]) == toJson(all[i]));
    }
  }
}

TEST_CASE("Compact store: a rescore and an add survive regeneration", "[sim][evaluation-store]") {
  OrgSpec spec;
  spec.evaluationCount = 40;  // changedDate 2026-11-01T00:00 + i h
  EvaluationStore store(spec);
  const auto before = store.all();
  const Object::Ptr target = before[6];
  const std::string id = idOf(target);
  const std::string conversation = conversationOf(target);

  // An export job taken now keeps the evaluation as it is now.
  const EvaluationSnapshot earlier(store.generator(),
                                   store.changedIn(at("2026-11-01T00:00:00Z"), at("2026-11-03T00:00:00Z")));

  // Later, tying evaluation 19: it goes before it (as a stable sort of the store would put it).
  store.rescore(id, 12.5, "2026-11-01T20:00:00+01:00");
  const auto added = store.add(2, "2026-11-01T19:00:00Z");      // the same instant: after both; then 20:00
  store.rescore(idOf(before[30]), 88, "2026-11-01T03:00:00Z");  // earlier, tying evaluation 3: after it

  // Every way out renders the changed evaluation, however often it is rendered.
  auto checkRescored = [&](const Object::Ptr& evaluation) {
    REQUIRE(evaluation);
    CHECK(idOf(evaluation) == id);
    CHECK(evaluation->getValue<bool>("rescore"));
    CHECK(evaluation->getValue<std::string>("status") == "FINISHED");
    const auto answers = evaluation->getObject("answers");
    CHECK(answers->getValue<double>("totalScore") == 12.5);
    CHECK(answers->getValue<double>("totalNonCriticalScore") == 12.5);
    CHECK(answers->getArray("questionGroupScores")->getObject(0)->getValue<double>("totalScore") == 12.5);
    for (const char* field : {"changedDate", "submittedDate", "releaseDate"}) {
      CHECK(evaluation->getValue<std::string>(field) == "2026-11-01T19:00:00.000Z");
    }
    // What the rescore does not touch stays as generated.
    for (const char* field : {"conversationDate", "assignedDate", "createdDate", "selfUri"}) {
      CHECK(evaluation->getValue<std::string>(field) == target->getValue<std::string>(field));
    }
    CHECK(toJson(answers->getArray("questionGroupScores")->getObject(0)->getArray("questionScores")) ==
          toJson(
              target->getObject("answers")->getArray("questionGroupScores")->getObject(0)->getArray("questionScores")));
  };
  const auto all = store.all();
  REQUIRE(all.size() == 42);
  // In changedDate order, equal dates in the order they got there.
  std::vector<std::string> order;
  for (const auto& evaluation : all) order.push_back(idOf(evaluation));
  const std::vector<std::string> expectedOrder = [&] {
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) {
      if (i == 6 || i == 30) continue;
      if (i == 19) ids.push_back(id);
      ids.push_back(idOf(before[static_cast<std::size_t>(i)]));
      if (i == 3) ids.push_back(idOf(before[30]));
      if (i == 19) ids.push_back(added[0]);
      if (i == 20) ids.push_back(added[1]);
    }
    return ids;
  }();
  CHECK(order == expectedOrder);
  checkRescored(all[static_cast<std::size_t>(std::find(order.begin(), order.end(), id) - order.begin())]);
  checkRescored(store.find(conversation, id));
  checkRescored(store.find(conversation, id));
  CHECK_FALSE(store.find(conversationOf(before[7]), id));  // the id on another conversation
  const auto published = store.withIds({id, "not-an-id", added[1]});
  REQUIRE(published.size() == 2);
  checkRescored(published[0]);
  CHECK(idOf(published[1]) == added[1]);

  const EvaluationSearch search(parseObject(
      R"({"query":[{"type":"DATE_RANGE","field":"submittedDate","startValue":"2026-11-01T19:00:00.000Z","endValue":"2026-11-01T19:00:00.000Z"}],"pageNumber":1,"sortBy":"submittedDate","sortOrder":"ASC"})"));
  const auto page = store.select([&](const SearchIndex& index) { return search.pick(index); });
  REQUIRE(page.size() == 3);  // evaluation 19, the rescored one and the one added at that instant: by id
  CHECK(std::set<std::string>{idOf(page[0]), idOf(page[1]), idOf(page[2])} ==
        std::set<std::string>{idOf(before[19]), id, added[0]});
  CHECK(idOf(page[0]) < idOf(page[1]));
  CHECK(idOf(page[1]) < idOf(page[2]));
  for (const auto& evaluation : page) {
    if (idOf(evaluation) == id) checkRescored(evaluation);
  }

  const EvaluationSnapshot later(store.generator(),
                                 store.changedIn(at("2026-11-01T19:00:00Z"), at("2026-11-01T20:00:00Z")));
  REQUIRE(later.size() == 3);  // in store order: the rescored one, evaluation 19, the added one
  checkRescored(later.item(0));
  CHECK(idOf(later.item(1)) == idOf(before[19]));
  CHECK(idOf(later.item(2)) == added[0]);

  // The snapshot taken before the rescore still shows the old content.
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (idOf(earlier.item(i)) == id) CHECK(toJson(earlier.item(i)) == toJson(target));
  }
  // Added evaluations are what the generator makes for the next indexes at their dates.
  const EvaluationGenerator generator(spec.seed, spec.failingShare, spec.unfinishedShare);
  CHECK(toJson(store.find(conversationOf(published[1]), added[1])) ==
        toJson(generator.make(41, at("2026-11-01T20:00:00Z"))));
}

TEST_CASE("Compact store: rescore refusals", "[sim][evaluation-store]") {
  OrgSpec spec;
  spec.unfinishedShare = 0.5;
  EvaluationStore store(spec);
  const auto all = store.all();
  const auto unfinished =
      std::find_if(all.begin(), all.end(), [](const Object::Ptr& e) { return !e->has("submittedDate"); });
  REQUIRE(unfinished != all.end());
  CHECK_THROWS_AS(store.rescore(idOf(*unfinished), 50, "2026-12-01T00:00:00Z"), Poco::InvalidArgumentException);
  CHECK_THROWS_AS(store.rescore("not-an-id", 50, "2026-12-01T00:00:00Z"), Poco::NotFoundException);
  CHECK_THROWS_AS(store.rescore(randomUuid(), 50, "2026-12-01T00:00:00Z"), Poco::NotFoundException);
  CHECK_THROWS_AS(store.rescore(idOf(all[0]), 50, "yesterday"), Poco::InvalidArgumentException);
  CHECK(textsOf(store.all()) == textsOf(all));  // nothing changed
}

TEST_CASE("UuidBits: text round trip, and bits order ids as their texts do", "[sim][evaluation-store]") {
  SplitMix64 prng(99);
  std::vector<std::string> texts;
  std::vector<UuidBits> bits;
  for (int i = 0; i < 500; ++i) {
    bits.push_back(uuidBitsFrom(prng));
    texts.push_back(uuidText(bits.back()));
    REQUIRE(parseUuidText(texts.back()) == bits.back());
  }
  for (std::size_t i = 1; i < bits.size(); ++i) CHECK((bits[i - 1] < bits[i]) == (texts[i - 1] < texts[i]));
  SplitMix64 again(99);
  CHECK(uuidFrom(again) == texts[0]);
  std::string upper = texts[0];
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  CHECK_FALSE(parseUuidText(upper));
  CHECK_FALSE(parseUuidText("{" + texts[0] + "}"));
  CHECK_FALSE(parseUuidText(texts[0].substr(1)));
  CHECK_FALSE(parseUuidText(""));
}

TEST_CASE("Compact store: a record stays small", "[sim][evaluation-store]") {
  // Two million evaluations in one org must fit in a few hundred MB (bench.py --sizes 2000000).
  CHECK(sizeof(EvaluationRecord) <= 96);
}
