// The projection (simdjson, only the paths read) must map every evaluation exactly as the whole
// Poco parse does: same match, same skip reason and code, same fields, same readiness. Each case
// is mapped both ways and compared, so a projection that drops, reorders or mis-types a value fails.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "genesys/EvaluationProjection.h"
#include "genesys/MalformedEntry.h"
#include "mapping/Mapping.h"

using namespace evalbridge;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Conditions that read leaves, nested objects and array elements.
const std::string kWhen = R"("when": { "all": [
    { "field": "status", "in": ["FINISHED", "PENDING"] },
    { "not": { "field": "agent", "exists": false } },
    { "any": [
      { "field": "answers.anyFailedKillQuestions", "eq": true },
      { "field": "answers.totalScore", "lt": 70 },
      { "field": "answers.questionGroupScores[0].questionScores[1].score", "le": 10 },
      { "field": "mediaType[1]", "eq": "email" }
    ] }
  ] })";

// Fields that copy agent, mediaType and a question group whole.
const std::string kMapping = R"({ "name": "projection", )" + kWhen + R"(,
  "fields": {
    "short_description": "{{agent.name}} {{answers.totalScore}} {{answers.questionGroupScores[0].totalScore}}",
    "description": "agent {{agent}} group {{answers.questionGroupScores[0]}} none {{nothing.here}} {{mediaType}}",
    "urgency": { "from": "answers.totalScore", "ranges": [ { "lt": 50, "value": "1" } ], "default": "3" },
    "assignment_group": { "from": "queue.name", "map": { "Billing": "Billing QA" }, "default": "QA" }
  }
})";

// Fields that read leaves only, so arrays and objects are cut down rather than copied whole.
const std::string kNarrowMapping = R"({ "name": "narrow", )" + kWhen + R"(,
  "fields": { "short_description": "{{agent.name}} {{answers.questionGroupScores[0].totalScore}} {{mediaType[0]}}" }
})";

Poco::JSON::Object::Ptr whole(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

void requireSameMapping(const Mapping& mapping, const std::string& text) {
  EvaluationProjector projector(projectionFor(mapping));
  std::string problem;
  const Poco::JSON::Object::Ptr projected = projector.project(text, problem);
  INFO(text);
  REQUIRE(projected);
  REQUIRE(problem.empty());
  const Poco::JSON::Object::Ptr full = whole(text);
  const MappingResult expected = mapping.apply(full);
  for (const char* key : {"id", "changedDate", "redacted"}) {
    CHECK(projected->has(key) == full->has(key));
    if (full->has(key)) CHECK(projected->get(key).toString() == full->get(key).toString());
  }
  // A skip the condition settles on the text holds only what the sync reads of a skip, with the
  // skip code the sync takes instead of mapping it again (OrgSync, EvaluationCompleter). That
  // code must be the whole evaluation's, and the ledger keeps no raw text of a skip.
  if (const auto code = projectedSkipCode(projected)) {
    CHECK_FALSE(expected.matched);
    CHECK(expected.error.empty());
    CHECK(*code == expected.skipCode);
    CHECK_FALSE(projectedRawText(projected));
    return;
  }
  // Anything else answers every lookup as the whole one does, so it maps exactly the same, and
  // carries its raw text.
  const MappingResult got = mapping.apply(projected);
  CHECK(got.matched == expected.matched);
  CHECK(got.skipReason == expected.skipReason);
  CHECK(got.skipCode == expected.skipCode);
  CHECK(got.fields == expected.fields);
  CHECK(got.error == expected.error);
  // Whether the full evaluation must be read.
  using Readiness = Mapping::Readiness;
  CHECK((mapping.readiness(projected) == Readiness::Incomplete) == (mapping.readiness(full) == Readiness::Incomplete));
  REQUIRE(projectedRawText(projected));
  CHECK(*projectedRawText(projected) == text);
}

// The sample evaluation with `edit` applied to its parsed form, as text again.
std::string variant(const std::string& sample, const std::function<void(Poco::JSON::Object&)>& edit) {
  Poco::JSON::Object::Ptr evaluation = whole(sample);
  edit(*evaluation);
  std::ostringstream out;
  evaluation->stringify(out);
  return out.str();
}

}  // namespace

TEST_CASE("a projected evaluation maps exactly as the whole one", "[projection]") {
  const Mapping mapping = Mapping::parse(kMapping, "projection.json");
  const Mapping narrow = Mapping::parse(kNarrowMapping, "narrow.json");
  const std::string sample = readFile(std::string(EVALBRIDGE_SOURCE_DIR) + "/tests/data/evaluation.json");
  using Object = Poco::JSON::Object;
  auto answers = [](Object& e) { return e.getObject("answers"); };
  auto passing = [&](Object& e) {
    answers(e)->set("totalScore", 85);
    answers(e)->set("anyFailedKillQuestions", false);
  };
  std::vector<std::string> cases = {
      sample,
      variant(sample, [](Object& e) { e.set("status", "INPROGRESS"); }),
      variant(sample,
              [&](Object& e) {
                answers(e)->set("totalScore", 80);
                answers(e)->set("anyFailedKillQuestions", false);
              }),
      variant(sample, [&](Object& e) { answers(e)->set("totalScore", 45); }),
      variant(sample, [](Object& e) { e.set("answers", Poco::Dynamic::Var()); }),  // null: lookups through it give Null
      variant(sample, [](Object& e) { e.remove("agent"); }),
      variant(sample, [](Object& e) { e.set("agent", "just a string"); }),  // a key step into a string: Missing
      variant(
          sample,
          [&](Object& e) { answers(e)->set("questionGroupScores", Poco::JSON::Array::Ptr(new Poco::JSON::Array)); }),
      variant(sample,
              [&](Object& e) {
                Poco::JSON::Array::Ptr groups = new Poco::JSON::Array;
                groups->add("not an object");  // an element nothing can be found in: Missing, not Null
                answers(e)->set("questionGroupScores", groups);
              }),
      variant(sample,
              [](Object& e) {
                Poco::JSON::Array::Ptr media = new Poco::JSON::Array;
                media->add("call");
                media->add("email");
                media->add("chat");
                e.set("mediaType", media);
              }),
      variant(sample, [](Object& e) { e.set("mediaType", Poco::JSON::Array::Ptr(new Poco::JSON::Array)); }),
      // Passing evaluations: the skip reason names each leaf's value, so Missing and Null differ.
      variant(sample,
              [&](Object& e) {
                passing(e);
                Poco::JSON::Array::Ptr groups = new Poco::JSON::Array;
                groups->add("not an object");
                answers(e)->set("questionGroupScores", groups);
              }),
      variant(sample,
              [&](Object& e) {
                passing(e);
                Poco::JSON::Array::Ptr media = new Poco::JSON::Array;
                media->add("call");  // mediaType[1] is past the end: Missing
                e.set("mediaType", media);
              }),
      variant(sample,
              [&](Object& e) {
                passing(e);
                e.set("mediaType", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
              }),
      variant(sample, [&](Object& e) { answers(e)->set("totalScore", Poco::UInt64(18446744073709551615ULL)); }),
      variant(sample, [&](Object& e) { answers(e)->set("totalScore", -12); }),
      variant(sample, [](Object& e) { e.set("redacted", true); }),
  };
  // A repeated key: the last one counts, as with Poco (Object::stringify cannot write these).
  cases.push_back(
      R"({"id":"e1","status":"FINISHED","status":"PENDING","agent":{"name":"A"},"answers":{"totalScore":10}})");
  cases.push_back(
      R"({"id":"e2","status":"FINISHED","agent":{"name":"A"},"answers":{"totalScore":10},"answers":"gone"})");
  cases.push_back(
      R"({"id":"e3","agent":{"name":"A"},"answers":{"totalScore":90},"answers":{"totalScore":20},"status":"FINISHED"})");
  cases.push_back(R"({"id":"e4","status":"FINISHED","agent":null,"answers":{"totalScore":1e2,"comments":"\u00e9\n"}})");
  cases.push_back(R"({"id":"e5","status":"FINISHED","agent":{},"mediaType":["x","email"],"answers":{}})");
  for (const std::string& text : cases) {
    requireSameMapping(mapping, text);
    requireSameMapping(narrow, text);
  }
}

TEST_CASE("the default mapping maps the sample the same way projected", "[projection]") {
  const Mapping mapping = Mapping::loadFile(std::string(EVALBRIDGE_SOURCE_DIR) + "/mappings/qa-failures.json");
  const std::string sample = readFile(std::string(EVALBRIDGE_SOURCE_DIR) + "/tests/data/evaluation.json");
  requireSameMapping(mapping, sample);
  EvaluationProjector projector(projectionFor(mapping));
  std::string problem;
  const auto projected = projector.project(sample, problem);
  REQUIRE(projected);
  // Only what is read: no question scores, no agentHasRead.
  CHECK_FALSE(projected->getObject("answers")->has("questionGroupScores"));
  CHECK_FALSE(projected->has("agentHasRead"));
  CHECK(projected->getObject("conversation")->has("id"));
  CHECK_FALSE(projected->getObject("conversation")->has("startTime"));
}

TEST_CASE("a skip the condition settles on the text keeps only what the sync reads of a skip", "[projection]") {
  const Mapping mapping = Mapping::loadFile(std::string(EVALBRIDGE_SOURCE_DIR) + "/mappings/qa-failures.json");
  const std::string sample = readFile(std::string(EVALBRIDGE_SOURCE_DIR) + "/tests/data/evaluation.json");
  EvaluationProjector projector(projectionFor(mapping, {"releaseDate"}));
  auto projectedFrom = [&](const std::function<void(Poco::JSON::Object&)>& edit) {
    const std::string text = variant(sample, edit);
    std::string problem;
    const Poco::JSON::Object::Ptr projected = projector.project(text, problem);
    REQUIRE(projected);
    requireSameMapping(mapping, text);
    return projected;
  };
  auto passing = [](Poco::JSON::Object& e) {
    e.set("status", "FINISHED");
    e.getObject("answers")->set("totalScore", 95);
    e.getObject("answers")->set("anyFailedKillQuestions", false);
  };
  const Poco::JSON::Object::Ptr skipped = projectedFrom(passing);
  // What the sync reads of a skip is there (its key, changedDate, redaction and the source's
  // date); the condition's paths, the fields' paths, conversation.id (a settled skip is never
  // read again) and the raw text are not.
  CHECK(skipped->has("id"));
  CHECK(skipped->has("changedDate"));
  CHECK(skipped->has("releaseDate"));
  CHECK_FALSE(skipped->has("status"));
  CHECK_FALSE(skipped->has("answers"));
  CHECK_FALSE(skipped->has("conversation"));
  CHECK_FALSE(skipped->has("agent"));
  CHECK_FALSE(skipped->has("queue"));
  CHECK_FALSE(projectedRawText(skipped));
  std::vector<std::string> kept;
  skipped->getNames(kept);
  CHECK(kept.size() == 4);  // the three and the skip code
  // It carries the skip code the whole evaluation maps to, so the sync does not map it again.
  const auto skipCode = projectedSkipCode(skipped);
  REQUIRE(skipCode);
  CHECK_THAT(*skipCode, Catch::Matchers::StartsWith("when did not match: "));
  CHECK(*skipCode == mapping.apply(whole(variant(sample, passing)), false).skipCode);

  // A failing evaluation is read in full at once.
  const Poco::JSON::Object::Ptr failing = projectedFrom([&](Poco::JSON::Object& e) {
    passing(e);
    e.getObject("answers")->set("totalScore", 40);
  });
  CHECK(failing->has("agent"));
  CHECK(projectedRawText(failing));
  CHECK_FALSE(projectedSkipCode(failing));
  // So is a passing one the sync would dead-letter: its raw text goes to the dead letter.
  CHECK(projectedRawText(projectedFrom([&](Poco::JSON::Object& e) {
    passing(e);
    e.remove("id");
  })));
  CHECK(projectedRawText(projectedFrom([&](Poco::JSON::Object& e) {
    passing(e);
    e.set("changedDate", 17);
  })));
  // And one whose condition cannot be decided on what the result holds (the full read decides).
  CHECK(projectedRawText(projectedFrom([&](Poco::JSON::Object& e) {
    passing(e);
    e.getObject("answers")->remove("totalScore");
  })));
}

TEST_CASE("a skip is settled on the text as the whole evaluation reads it", "[projection]") {
  // Whether the projection settled a skip on simdjson's view (requireSameMapping checks that it
  // is then the whole evaluation's skip, code and all, and otherwise maps the same).
  auto settled = [](const Mapping& mapping, const std::string& text) {
    requireSameMapping(mapping, text);
    EvaluationProjector projector(projectionFor(mapping));
    std::string problem;
    return projectedSkipCode(projector.project(text, problem)).has_value();
  };
  const Mapping keyed = Mapping::parse(
      R"({"name":"keyed","when":{"all":[{"field":"status","eq":"FINISHED"},{"field":"answers.totalScore","lt":70}]},
          "fields":{"short_description":"{{status}} {{answers.totalScore}}"}})",
      "keyed.json");
  // Of a repeated key the last one counts: these match, so none may be settled as a skip.
  CHECK_FALSE(settled(keyed, R"({"id":"d1","status":"PENDING","status":"FINISHED","answers":{"totalScore":10}})"));
  CHECK_FALSE(settled(keyed, R"({"id":"d2","status":"FINISHED","answers":{"totalScore":90},"answers":{"totalScore":10}})"));
  CHECK_FALSE(settled(keyed, R"({"id":"d3","status":"FINISHED","answers":{"totalScore":90,"totalScore":10}})"));
  // And these are skips.
  CHECK(settled(keyed, R"({"id":"d4","status":"FINISHED","status":"PENDING","answers":{"totalScore":10}})"));
  CHECK(settled(keyed, R"({"id":"d5","status":"FINISHED","answers":{"totalScore":10,"totalScore":95}})"));
  // A null is present (the full read would give null too), anywhere on the path.
  CHECK(settled(keyed, R"({"id":"d6","status":null,"answers":{"totalScore":10}})"));
  CHECK(settled(keyed, R"({"id":"d7","status":"FINISHED","answers":null})"));
  // A key step into a scalar finds nothing: the full read decides.
  CHECK_FALSE(settled(keyed, R"({"id":"d8","status":"FINISHED","answers":5})"));

  const Mapping indexed = Mapping::parse(
      R"({"name":"indexed","when":{"field":"media[1]","eq":"email"},"fields":{"short_description":"{{media[1]}}"}})",
      "indexed.json");
  CHECK(settled(indexed, R"({"id":"i1","media":["call","chat"]})"));
  CHECK(settled(indexed, R"({"id":"i2","media":["call",null]})"));
  CHECK_FALSE(settled(indexed, R"({"id":"i3","media":["call","email"]})"));
  CHECK_FALSE(settled(indexed, R"({"id":"i4","media":["call"]})"));  // past the end
  CHECK_FALSE(settled(indexed, R"({"id":"i5","media":"call"})"));    // not an array
  CHECK_FALSE(settled(indexed, R"({"id":"i6","media":{"1":"chat"}})"));
}

TEST_CASE("the projection refuses what Poco's parser refuses", "[projection]") {
  const Mapping mapping = Mapping::parse(kMapping, "projection.json");
  EvaluationProjector projector(projectionFor(mapping));
  // The first seven refuse one value of a whole object (bad data: EvaluationFetcher dead-letters
  // such a record); the others are broken structure, which a transfer gone wrong can also give.
  const std::vector<std::pair<std::string, bool>> refused = {
      {R"({"id":"a","x":"\ud800"})", true},
      {R"({"id":"a","x":1e400})", true},
      {R"({"id":"a","x":123456789012345678901234567890})", true},
      {R"({"id":"a","x":-9223372036854775809})", true},
      {"{\"id\":\"a\",\"x\":\"a\x01\"}", true},
      {"{\"id\":\"a\",\"x\":\"\xff\"}", true},
      {" \n{\"id\":\"a\",\"x\":tru}\r\n", true},  // whitespace around the object is JSON's
      {R"({"id":"a","x":[1,2})", false},
      {R"({"id":"a",})", false},
      {"{\"id\":\"a\",\"x\":\"\xff\",\"y\":[1", false},  // a refused value, but the text breaks off
  };
  for (const auto& [text, aValue] : refused) {
    INFO(text);
    std::string problem;
    CHECK_FALSE(projector.project(text, problem));
    CHECK_THAT(problem, Catch::Matchers::StartsWith("not valid JSON ("));
    CHECK(projector.refusedAValue() == aValue);
  }
  std::string problem;
  CHECK_FALSE(projector.project("[1,2]", problem));
  CHECK(problem == "not a JSON object");
  CHECK_FALSE(projector.refusedAValue());
  // The projector goes on after a bad record.
  problem.clear();
  CHECK(projector.project(R"({"id":"ok"})", problem));
  CHECK(problem.empty());
}

TEST_CASE("an object built whole has no projected text", "[projection]") {
  CHECK_FALSE(projectedRawText(whole(R"({"id":"a"})")));
  CHECK_FALSE(projectedRawText(Poco::JSON::Object::Ptr()));
}

TEST_CASE("a document parsed from outside cannot pass for what the bridge decided", "[projection]") {
  // The names the markers had before they took a per-process suffix (an evaluation file for
  // `map`, or a raw record replayed, is parsed whole and could carry them).
  const auto spoofed = whole(R"({"id":"a","__evalbridgeProjectedFrom":"x","__evalbridgeSkippedAs":"y",)"
                             R"("__malformed":"z","__reason":"r"})");
  CHECK_FALSE(projectedRawText(spoofed));
  CHECK_FALSE(projectedSkipCode(spoofed));
  CHECK_FALSE(isMalformedEntry(spoofed));
  // What the bridge built itself still reads back.
  const auto entry = makeMalformedEntry("[1", "why");
  CHECK(isMalformedEntry(entry));
  CHECK(malformedRawText(entry) == "[1");
  CHECK(malformedReason(entry) == "why");
}
