// Unit tests of the mapping engine (src/mapping): loading and validating mapping files, the
// `when` conditions, templates, field rules, and the shipped mappings in mappings/.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/DateTime.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "common/Errors.h"
#include "mapping/Document.h"
#include "mapping/Mapping.h"
#include "mapping/Value.h"
#include "support/TempDir.h"

namespace Catch {
template <>
struct StringMaker<std::pair<std::string, std::string>> {
  static std::string convert(const std::pair<std::string, std::string>& p) {
    return "{" + StringMaker<std::string>::convert(p.first) + ", " + StringMaker<std::string>::convert(p.second) + "}";
  }
};
}  // namespace Catch

using evalbridge::ConfigError;
using evalbridge::IncidentFields;
using evalbridge::Mapping;
using evalbridge::MappingResult;
using evalbridge::test::readAll;

namespace {

const std::string kSourceDir = EVALBRIDGE_SOURCE_DIR;

Poco::JSON::Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The sample evaluation: the shared copy when present, else the one kept under tests/data.
Poco::JSON::Object::Ptr sampleEvaluation() {
  std::string shared = kSourceDir + "/../shared/examples/evaluation.json";
  std::string local = kSourceDir + "/tests/data/mapping/evaluation.json";
  std::string text = std::filesystem::exists(shared) ? readAll(shared) : readAll(local);
  REQUIRE(!text.empty());
  return json(text);
}

const char* kSpecMapping = R"({
  "name": "qa-failures",
  "when": { "any": [
    { "field": "answers.anyFailedKillQuestions", "eq": true },
    { "field": "answers.totalScore", "lt": 70 }
  ] },
  "fields": {
    "short_description": "QA fail: {{agent.name}} scored {{answers.totalScore}} on {{evaluationForm.name}}",
    "description": "Conversation {{conversation.id}} evaluated by {{evaluator.name}}.\n{{answers.comments}}",
    "urgency": { "from": "answers.totalScore", "ranges": [ { "lt": 50, "value": "1" }, { "lt": 70, "value": "2" } ], "default": "3" },
    "assignment_group": { "from": "queue.name", "map": { "Billing": "Billing QA" }, "default": "Contact Center QA" },
    "category": "inquiry"
  }
})";

// The message of the ConfigError that loading `text` (as "m.json") throws; "" if it loads.
std::string loadError(const std::string& text) {
  try {
    Mapping::parse(text, "m.json");
  } catch (const ConfigError& e) {
    return e.message();
  }
  return "";
}

std::string withWhen(const std::string& when) {
  return R"({"name":"t","when":)" + when + R"(,"fields":{"x":"y"}})";
}

std::string withField(const std::string& value) {
  return R"({"name":"t","fields":{"a":)" + value + "}}";
}

MappingResult applyWhen(const std::string& when, const std::string& evaluation) {
  return Mapping::parse(withWhen(when), "t.json").apply(json(evaluation));
}

bool matches(const std::string& when, const std::string& evaluation) {
  MappingResult r = applyWhen(when, evaluation);
  REQUIRE(r.error.empty());
  return r.matched;
}

// Renders field "a" of a mapping whose only field is `value`; "<omitted>" when left out.
std::string render(const std::string& value, const std::string& evaluation) {
  MappingResult r = Mapping::parse(withField(value), "t.json").apply(json(evaluation));
  REQUIRE(r.matched);
  REQUIRE(r.error.empty());
  if (r.fields.empty()) return "<omitted>";
  REQUIRE(r.fields.size() == 1);
  REQUIRE(r.fields[0].first == "a");
  return r.fields[0].second;
}

std::string tmpl(const std::string& templateText, const std::string& evaluation) {
  std::ostringstream quoted;
  Poco::JSON::Stringifier::condense(Poco::Dynamic::Var(templateText), quoted);
  return render(quoted.str(), evaluation);
}

}  // namespace

TEST_CASE("SPEC example mapping against the sample evaluation", "[mapping]") {
  Mapping m = Mapping::parse(kSpecMapping, "spec.json");
  CHECK(m.name() == "qa-failures");
  CHECK(m.sourceName() == "spec.json");
  CHECK(m.description().empty());
  MappingResult r = m.apply(sampleEvaluation());
  REQUIRE(r.matched);
  CHECK(r.skipReason.empty());
  CHECK(r.error.empty());
  IncidentFields expected = {
      {"short_description", "QA fail: Sam Okafor scored 62.5 on Billing Call Quality v3"},
      {"description",
       "Conversation b2d4e6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b evaluated by Dana Ruiz.\n"
       "Agent read the full card number back to the caller."},
      {"urgency", "2"},
      {"assignment_group", "Billing QA"},
      {"category", "inquiry"},
  };
  CHECK(r.fields == expected);
}

TEST_CASE("SPEC example: a passing evaluation is skipped with the reason", "[mapping]") {
  Mapping m = Mapping::parse(kSpecMapping, "spec.json");
  Poco::JSON::Object::Ptr ev = sampleEvaluation();
  Poco::JSON::Object::Ptr answers = ev->getObject("answers");
  answers->set("anyFailedKillQuestions", false);
  answers->set("totalScore", 85);
  MappingResult r = m.apply(ev);
  CHECK_FALSE(r.matched);
  CHECK(r.fields.empty());
  CHECK(r.error.empty());
  CHECK(r.skipReason ==
        "when did not match: any[0] answers.anyFailedKillQuestions is false (wanted eq true); "
        "any[1] answers.totalScore is 85 (wanted lt 70)");
  // The ledger's short form: the same text whatever the values were.
  CHECK(r.skipCode ==
        "when did not match: any[0] answers.anyFailedKillQuestions (wanted eq true); "
        "any[1] answers.totalScore (wanted lt 70)");
  answers->set("totalScore", 91.5);
  CHECK(m.apply(ev).skipCode == r.skipCode);
  // The sync asks for the code alone: the same code, no reason with values.
  const MappingResult codeOnly = m.apply(ev, /*withSkipReason=*/false);
  CHECK_FALSE(codeOnly.matched);
  CHECK(codeOnly.skipCode == r.skipCode);
  CHECK(codeOnly.skipReason.empty());

  answers->set("totalScore", 45.25);
  r = m.apply(ev);
  REQUIRE(r.matched);
  CHECK(r.fields[0].second == "QA fail: Sam Okafor scored 45.25 on Billing Call Quality v3");
  CHECK(r.fields[2] == std::make_pair(std::string("urgency"), std::string("1")));

  // Another queue: the map's default.
  ev->getObject("queue")->set("name", "Sales");
  r = m.apply(ev);
  CHECK(r.fields[3] == std::make_pair(std::string("assignment_group"), std::string("Contact Center QA")));
}

TEST_CASE("comparison operators on numbers", "[mapping][when]") {
  const std::string ev = R"({"n": 70, "d": 62.5, "s": "62.5", "b": true, "z": null})";
  CHECK(matches(R"({"field":"n","eq":70})", ev));
  CHECK(matches(R"({"field":"n","eq":70.0})", ev));
  CHECK_FALSE(matches(R"({"field":"n","eq":71})", ev));
  CHECK(matches(R"({"field":"d","eq":62.5})", ev));
  CHECK_FALSE(matches(R"({"field":"d","ne":62.5})", ev));
  CHECK(matches(R"({"field":"d","ne":62})", ev));
  CHECK(matches(R"({"field":"n","lt":70.5})", ev));
  CHECK_FALSE(matches(R"({"field":"n","lt":70})", ev));
  CHECK(matches(R"({"field":"n","le":70})", ev));
  CHECK_FALSE(matches(R"({"field":"n","le":69.99})", ev));
  CHECK(matches(R"({"field":"n","gt":69})", ev));
  CHECK_FALSE(matches(R"({"field":"n","gt":70})", ev));
  CHECK(matches(R"({"field":"n","ge":70})", ev));
  CHECK_FALSE(matches(R"({"field":"n","ge":70.01})", ev));
  CHECK(matches(R"({"field":"d","lt":-1e300})", ev) == false);
  CHECK(matches(R"({"field":"n","gt":-5})", ev));
  // A numeric string is not a number: type mismatch is false for eq/lt/le/gt/ge/in.
  CHECK_FALSE(matches(R"({"field":"s","lt":70})", ev));
  CHECK_FALSE(matches(R"({"field":"s","ge":0})", ev));
  CHECK_FALSE(matches(R"({"field":"s","eq":62.5})", ev));
  CHECK_FALSE(matches(R"({"field":"d","eq":"62.5"})", ev));
  CHECK(matches(R"({"field":"s","eq":"62.5"})", ev));
  CHECK(matches(R"({"field":"s","ne":62.5})", ev));  // ne is "not eq"
  CHECK_FALSE(matches(R"({"field":"b","eq":1})", ev));
  CHECK_FALSE(matches(R"({"field":"b","lt":2})", ev));
}

TEST_CASE("comparison operators on strings and booleans", "[mapping][when]") {
  const std::string ev = R"({"date": "2026-11-21T09:15:00.000Z", "name": "Billing", "t": true, "f": false})";
  CHECK(matches(R"({"field":"name","eq":"Billing"})", ev));
  CHECK_FALSE(matches(R"({"field":"name","eq":"billing"})", ev));  // exact, case-sensitive
  CHECK_FALSE(matches(R"({"field":"name","eq":"Billing "})", ev));
  CHECK(matches(R"({"field":"name","ne":"Sales"})", ev));
  // Lexicographic order, which is chronological for ISO 8601 timestamps in one format.
  CHECK(matches(R"({"field":"date","ge":"2026-11-01T00:00:00Z"})", ev));
  CHECK(matches(R"({"field":"date","lt":"2026-12-01"})", ev));
  CHECK_FALSE(matches(R"({"field":"date","lt":"2026-11-21T09:15:00.000Z"})", ev));
  CHECK(matches(R"({"field":"date","le":"2026-11-21T09:15:00.000Z"})", ev));
  CHECK(matches(R"({"field":"name","gt":"Add"})", ev));
  CHECK_FALSE(matches(R"({"field":"name","gt":"billing"})", ev));  // 'B' < 'b'
  CHECK_FALSE(matches(R"({"field":"name","lt":5})", ev));
  CHECK(matches(R"({"field":"t","eq":true})", ev));
  CHECK_FALSE(matches(R"({"field":"t","eq":false})", ev));
  CHECK(matches(R"({"field":"f","eq":false})", ev));
  CHECK(matches(R"({"field":"f","ne":true})", ev));
  CHECK_FALSE(matches(R"({"field":"f","eq":"false"})", ev));
  CHECK_FALSE(matches(R"({"field":"f","eq":0})", ev));
}

TEST_CASE("in and exists", "[mapping][when]") {
  const std::string ev = R"({"form": {"name": "Billing Call Quality v3"}, "n": 3, "z": null, "e": "", "arr": []})";
  CHECK(matches(R"({"field":"form.name","in":["Sales","Billing Call Quality v3"]})", ev));
  CHECK_FALSE(matches(R"({"field":"form.name","in":["Sales","Billing"]})", ev));
  CHECK(matches(R"({"field":"n","in":[1,2,3.0]})", ev));
  CHECK_FALSE(matches(R"({"field":"n","in":["3",true]})", ev));
  CHECK(matches(R"({"field":"form.name","exists":true})", ev));
  CHECK_FALSE(matches(R"({"field":"form.name","exists":false})", ev));
  CHECK(matches(R"({"field":"e","exists":true})", ev));    // an empty string exists
  CHECK(matches(R"({"field":"arr","exists":true})", ev));  // so does an empty array
  CHECK_FALSE(matches(R"({"field":"z","exists":true})", ev));
  CHECK(matches(R"({"field":"z","exists":false})", ev));
  CHECK(matches(R"({"field":"nope","exists":false})", ev));
  CHECK(matches(R"({"field":"form.nope.deeper","exists":false})", ev));
  CHECK(matches(R"({"field":"n.x","exists":false})", ev));  // stepping into a number
}

TEST_CASE("missing and null fields", "[mapping][when]") {
  for (const std::string field : {"missing", "z", "obj.missing", "z.deeper", "arr[5]", "arr[0].x", "n[0]"}) {
    INFO(field);
    const std::string ev = R"({"z": null, "obj": {}, "arr": [1], "n": 1})";
    auto leaf = [&](const std::string& op, const std::string& value) {
      return R"({"field":")" + field + R"(",")" + op + R"(":)" + value + "}";
    };
    CHECK_FALSE(matches(leaf("eq", "1"), ev));
    CHECK_FALSE(matches(leaf("eq", "\"\""), ev));
    CHECK(matches(leaf("ne", "1"), ev));
    CHECK(matches(leaf("ne", "\"\""), ev));
    CHECK_FALSE(matches(leaf("lt", "1e300"), ev));
    CHECK_FALSE(matches(leaf("le", "1"), ev));
    CHECK_FALSE(matches(leaf("gt", "-1e300"), ev));
    CHECK_FALSE(matches(leaf("ge", "\"\""), ev));
    CHECK_FALSE(matches(leaf("in", "[1, \"\", false]"), ev));
    CHECK_FALSE(matches(leaf("exists", "true"), ev));
    CHECK(matches(leaf("exists", "false"), ev));
  }
}

TEST_CASE("nested any / all / not and their skip reasons", "[mapping][when]") {
  const std::string when = R"({"all": [
      {"field": "status", "eq": "FINISHED"},
      {"not": {"field": "form", "in": ["Calibration", "Training"]}},
      {"any": [
        {"all": [{"field": "form", "eq": "Billing"}, {"field": "score", "lt": 85}]},
        {"field": "score", "lt": 70}
      ]}
  ]})";
  CHECK(matches(when, R"({"status":"FINISHED","form":"Billing","score":80})"));
  CHECK(matches(when, R"({"status":"FINISHED","form":"Sales","score":69.9})"));
  CHECK(matches(when, R"({"status":"FINISHED","score":1})"));

  MappingResult r = applyWhen(when, R"({"status":"FINISHED","form":"Sales","score":80})");
  CHECK_FALSE(r.matched);
  CHECK(r.skipReason ==
        "when did not match: all[2].any[0].all[0] form is \"Sales\" (wanted eq \"Billing\"); "
        "all[2].any[1] score is 80 (wanted lt 70)");

  r = applyWhen(when, R"({"status":"FINISHED","form":"Training","score":10})");
  CHECK(r.skipReason ==
        "when did not match: all[1].not form is \"Training\" (wanted not in [\"Calibration\",\"Training\"])");

  r = applyWhen(when, R"({"status":null,"form":"Billing","score":10})");
  CHECK(r.skipReason == "when did not match: all[0] status is null (wanted eq \"FINISHED\")");

  r = applyWhen(when, R"({"form":"Billing","score":10})");
  CHECK(r.skipReason == "when did not match: all[0] status is missing (wanted eq \"FINISHED\")");

  // A bare leaf at the root has no location.
  r = applyWhen(R"({"field":"a.b[1]","exists":true})", R"({"a":{"b":[1]}})");
  CHECK(r.skipReason == "when did not match: a.b[1] is missing (wanted exists true)");

  // not over any: every child that matched is named.
  r = applyWhen(R"({"not":{"any":[{"field":"x","gt":1},{"field":"y","eq":true},{"field":"x","lt":0}]}})",
                R"({"x":5,"y":true})");
  CHECK(r.skipReason ==
        "when did not match: not.any[0] x is 5 (wanted not gt 1); not.any[1] y is true (wanted not eq true)");

  // not over all: all of them matched, so all are named.
  r = applyWhen(R"({"not":{"all":[{"field":"x","ge":5},{"field":"s","ne":"a"}]}})", R"({"x":5,"s":"b"})");
  CHECK(r.skipReason ==
        "when did not match: not.all[0] x is 5 (wanted not ge 5); not.all[1] s is \"b\" (wanted not ne \"a\")");

  // Double negation.
  CHECK(matches(R"({"not":{"not":{"field":"x","eq":1}}})", R"({"x":1})"));
  r = applyWhen(R"({"not":{"not":{"field":"x","eq":1}}})", R"({"x":2})");
  CHECK(r.skipReason == "when did not match: not.not x is 2 (wanted eq 1)");
}

TEST_CASE("leaf patterns: each way of failing has its own skip code and each leaf its own place, also past 64 leaves", "[mapping][when]") {
  // The mapping keeps one code per pattern of leaf truths; evaluations that fail differently must
  // never share one, whichever came first.
  const Mapping nested = Mapping::parse(withWhen(R"({"all": [
      {"field": "status", "eq": "FINISHED"},
      {"any": [{"field": "score", "lt": 70}, {"field": "killed", "eq": true}]}]})"),
                                        "t.json");
  const std::string unfinished = "all[0] status (wanted eq \"FINISHED\")";
  const std::string passed = "all[1].any[0] score (wanted lt 70); all[1].any[1] killed (wanted eq true)";
  for (int round = 0; round < 2; ++round) {  // the second round reads what the first one kept
    INFO("round " << round);
    CHECK(nested.apply(json(R"({"status":"PENDING","score":10})")).skipCode == "when did not match: " + unfinished);
    CHECK(nested.apply(json(R"({"status":"FINISHED","score":90,"killed":false})")).skipCode ==
          "when did not match: " + passed);
    CHECK(nested.apply(json(R"({"status":"PENDING","score":90})")).skipCode ==
          "when did not match: " + unfinished + "; " + passed);
    const auto passing = json(R"({"status":"FINISHED","score":90,"killed":false})");
    CHECK(nested.knownSkipCode(evalbridge::mapping::ObjectDocument(*passing)) == "when did not match: " + passed);
    // The values are not part of the code: another passing score gives the same one.
    CHECK(nested.apply(json(R"({"status":"FINISHED","score":71,"killed":false})")).skipCode ==
          "when did not match: " + passed);
  }

  // Each leaf keeps its own place in the pattern whatever its siblings settled: the first leaf
  // decides `any` (or `all`) here, and the leaf after the group is still c.
  const std::string anyFirst = R"({"all":[{"any":[{"field":"a","eq":1},{"field":"b","eq":1}]},{"field":"c","eq":1}]})";
  CHECK_FALSE(matches(anyFirst, R"({"a":1,"b":1,"c":0})"));
  CHECK(matches(anyFirst, R"({"a":1,"b":0,"c":1})"));
  const std::string allFirst = R"({"any":[{"all":[{"field":"a","eq":1},{"field":"b","eq":1}]},{"field":"c","eq":1}]})";
  CHECK_FALSE(matches(allFirst, R"({"a":0,"b":1,"c":0})"));
  CHECK(matches(allFirst, R"({"a":0,"b":0,"c":1})"));

  // Seventy leaves: past the 64 a pattern can hold, each evaluation is explained on its own.
  std::string when = R"({"all":[)";
  std::string allOnes = "{";
  for (int i = 0; i < 70; ++i) {
    when += std::string(i ? "," : "") + R"({"field":"f)" + std::to_string(i) + R"(","eq":1})";
    allOnes += std::string(i ? "," : "") + "\"f" + std::to_string(i) + "\":1";
  }
  when += "]}";
  allOnes += "}";
  const Mapping wide = Mapping::parse(withWhen(when), "t.json");
  for (int failing : {3, 66, 67, 3}) {
    const std::string name = "f" + std::to_string(failing);
    Poco::JSON::Object::Ptr evaluation = json(allOnes);
    evaluation->set(name, 0);
    CHECK(wide.apply(evaluation).skipCode ==
          "when did not match: all[" + std::to_string(failing) + "] " + name + " (wanted eq 1)");
    CHECK(wide.knownSkipCode(evalbridge::mapping::ObjectDocument(*evaluation)) ==
          "when did not match: all[" + std::to_string(failing) + "] " + name + " (wanted eq 1)");
    // With a path of `when` absent, the rest of the evaluation might still decide: no code yet.
    evaluation->remove(failing == 3 ? "f68" : "f1");
    CHECK_FALSE(wide.knownSkipCode(evalbridge::mapping::ObjectDocument(*evaluation)));
  }
}

TEST_CASE("skip reasons are one bounded line", "[mapping][when]") {
  std::string when = R"({"any":[)";
  for (int i = 0; i < 60; ++i) {
    if (i) when += ",";
    when += R"({"field":"text","eq":"something else entirely, quite long as well"})";
  }
  when += "]}";
  std::string longText(5000, 'x');
  longText += "\nsecond line";
  Poco::JSON::Object::Ptr ev = new Poco::JSON::Object;
  ev->set("text", longText);
  MappingResult r = Mapping::parse(withWhen(when), "t.json").apply(ev);
  CHECK_FALSE(r.matched);
  CHECK(r.skipReason.size() <= 603);
  CHECK(r.skipReason.find('\n') == std::string::npos);
  CHECK(r.skipReason.rfind("when did not match: any[0] text is \"xxxx", 0) == 0);
  CHECK(r.skipReason.substr(r.skipReason.size() - 3) == "...");

  // Control characters in values are escaped, not printed.
  ev->set("text", std::string("a\nb\"c\x01"));
  r = Mapping::parse(withWhen(R"({"field":"text","eq":"x"})"), "t.json").apply(ev);
  CHECK(r.skipReason == "when did not match: text is \"a\\nb\\\"c\\u0001\" (wanted eq \"x\")");
}

TEST_CASE("no when: everything matches", "[mapping][when]") {
  Mapping m = Mapping::parse(R"({"name":"all","fields":{"x":"{{id}}"}})", "t.json");
  MappingResult r = m.apply(json("{}"));
  CHECK(r.matched);
  CHECK(r.fields == IncidentFields{{"x", ""}});
  r = m.apply(Poco::JSON::Object::Ptr());  // a null pointer is an empty evaluation
  CHECK(r.matched);
  CHECK(r.fields == IncidentFields{{"x", ""}});
}

TEST_CASE("templates: paths, indexes, defaults, whitespace", "[mapping][template]") {
  const std::string ev = readAll(kSourceDir + "/tests/data/mapping/evaluation.json");
  REQUIRE(!ev.empty());
  CHECK(tmpl("{{agent.name}}", ev) == "Sam Okafor");
  CHECK(tmpl("{{ agent.name }}", ev) == "Sam Okafor");
  CHECK(tmpl("{{\tagent.name\n}}", ev) == "Sam Okafor");
  CHECK(tmpl("x{{agent.name}}{{queue.name}}y", ev) == "xSam OkaforBillingy");
  CHECK(tmpl("{{answers.questionGroupScores[0].questionScores[0].comments}}", ev) == "PCI violation");
  CHECK(tmpl("{{answers.questionGroupScores[0].questionScores[1].questionId}}", ev) == "q-greeting");
  CHECK(tmpl("{{mediaType[0]}}", ev) == "CALL");
  CHECK(tmpl("[{{mediaType[1]}}]", ev) == "[]");
  CHECK(tmpl("{{mediaType[1] ?? \"none\"}}", ev) == "none");
  CHECK(tmpl("{{agent.nickname}}", ev) == "");
  CHECK(tmpl("{{agent.nickname ?? \"unknown\"}}", ev) == "unknown");
  CHECK(tmpl("{{agent.nickname??\"unknown\"}}", ev) == "unknown");
  CHECK(tmpl("{{ agent.nickname  ??  \"a \\\"b\\\" \\\\ c\" }}", ev) == "a \"b\" \\ c");
  CHECK(tmpl("{{agent.nickname ?? \"\"}}", ev) == "");
  CHECK(tmpl("{{agent.nickname ?? \"}} {{\"}}", ev) == "}} {{");
  CHECK(tmpl("{{agent.name ?? \"unknown\"}}", ev) == "Sam Okafor");
  CHECK(tmpl("{{answers.agentComments ?? \"none\"}}", ev) == "");  // "" is a value, not missing
  CHECK(tmpl("{{answers.totalScore}}|{{answers.totalNonCriticalScore}}|{{answers.maxTotalRawScore}}", ev) ==
        "62.5|71|40");
  CHECK(tmpl("{{answers.anyFailedKillQuestions}}/{{rescore}}", ev) == "true/false");
  CHECK(tmpl("{{mediaType}}", ev) == "[\"CALL\"]");
  CHECK(tmpl("{{evaluator}}", ev) == "{\"id\":\"c0ffee00-1111-4222-8333-944455556666\",\"name\":\"Dana Ruiz\"}");
  CHECK(tmpl("plain text, { single } braces and }} closers", ev) == "plain text, { single } braces and }} closers");
  CHECK(tmpl("", ev) == "");
}

TEST_CASE("templates: null and nested values", "[mapping][template]") {
  const std::string ev =
      R"({"z": null, "a": {"b": [[1, 2], [3]], "c": [{"d": null}]}, "obj": {"k": "v\n\"q\"", "n": 1.50}, "e": {}})";
  CHECK(tmpl("{{z}}", ev) == "");
  CHECK(tmpl("{{z ?? \"dflt\"}}", ev) == "dflt");
  CHECK(tmpl("{{z.y ?? \"dflt\"}}", ev) == "dflt");
  CHECK(tmpl("{{a.b[0][1]}}{{a.b[1][0]}}", ev) == "23");
  CHECK(tmpl("{{a.b[1][1] ?? \"-\"}}", ev) == "-");
  CHECK(tmpl("{{a.c[0].d ?? \"null\"}}", ev) == "null");
  CHECK(tmpl("{{obj}}", ev) == R"({"k":"v\n\"q\"","n":1.5})");
  CHECK(tmpl("{{e}}", ev) == "{}");
  CHECK(tmpl("{{a.b}}", ev) == "[[1,2],[3]]");
}

TEST_CASE("templates: values are inserted as text, never evaluated", "[mapping][template]") {
  const std::string ev = R"({"agent": {"name": "{{secret}}", "evil": "{{agent.name ?? \"x\"}}"}, "secret": "s3cr3t"})";
  CHECK(tmpl("{{agent.name}}", ev) == "{{secret}}");
  CHECK(tmpl("Hello {{agent.evil}}!", ev) == "Hello {{agent.name ?? \"x\"}}!");
}

TEST_CASE("number formatting", "[mapping][number]") {
  using evalbridge::mapping::formatNumber;
  CHECK(formatNumber(62.5) == "62.5");
  CHECK(formatNumber(70.0) == "70");
  CHECK(formatNumber(-0.0) == "0");
  CHECK(formatNumber(0.0) == "0");
  CHECK(formatNumber(-1.5) == "-1.5");
  CHECK(formatNumber(0.1) == "0.1");
  CHECK(formatNumber(0.1 + 0.2) == "0.30000000000000004");
  CHECK(formatNumber(1.0 / 3.0) == "0.3333333333333333");
  CHECK(formatNumber(100.0) == "100");
  CHECK(formatNumber(1000000.0) == "1000000");
  CHECK(formatNumber(123456.789) == "123456.789");
  CHECK(formatNumber(1e20) == "100000000000000000000");
  CHECK(formatNumber(1e21) == "1e+21");
  CHECK(formatNumber(1.5e21) == "1.5e+21");
  CHECK(formatNumber(-2.5e300) == "-2.5e+300");
  CHECK(formatNumber(0.000001) == "0.000001");
  CHECK(formatNumber(0.0000012) == "0.0000012");
  CHECK(formatNumber(1e-7) == "1e-7");
  CHECK(formatNumber(1.25e-10) == "1.25e-10");
  CHECK(formatNumber(5e-324) == "5e-324");
  CHECK(formatNumber(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(formatNumber(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(formatNumber(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(formatNumber(-std::numeric_limits<double>::infinity()) == "-Infinity");

  // Through a template: JSON integers print exactly, even beyond 2^53.
  const std::string ev =
      R"({"i": 9007199254740993, "u": 18446744073709551615, "neg": -42, "big": 1e21, "d": 2.50, "e": 1E2, "m": -0.0})";
  CHECK(tmpl("{{i}} {{u}} {{neg}} {{big}} {{d}} {{e}} {{m}}", ev) ==
        "9007199254740993 18446744073709551615 -42 1e+21 2.5 100 0");
  // Literal numbers and booleans as field values.
  CHECK(render("70.0", "{}") == "70");
  CHECK(render("3", "{}") == "3");
  CHECK(render("-0.25", "{}") == "-0.25");
  CHECK(render("true", "{}") == "true");
  CHECK(render("false", "{}") == "false");
}

TEST_CASE("map rules", "[mapping][rules]") {
  const std::string ev =
      R"({"queue": {"name": "Billing"}, "score": 0, "half": 2.50, "flag": false, "z": null, "o": {"a": 1}})";
  CHECK(render(R"({"from":"queue.name","map":{"Billing":"Billing QA"},"default":"CC QA"})", ev) == "Billing QA");
  CHECK(render(R"({"from":"queue.name","map":{"billing":"x"},"default":"CC QA"})", ev) == "CC QA");
  CHECK(render(R"({"from":"queue.name","map":{"billing":"x"}})", ev) == "<omitted>");
  CHECK(render(R"({"from":"queue.id","map":{"":"empty"},"default":"missing"})", ev) == "missing");
  CHECK(render(R"({"from":"z","map":{"":"empty","null":"null"},"default":"missing"})", ev) == "missing");
  CHECK(render(R"({"from":"z","map":{"":"empty"}})", ev) == "<omitted>");
  // Numbers and booleans are looked up by their text.
  CHECK(render(R"({"from":"score","map":{"0":"zero","0.0":"no"},"default":"d"})", ev) == "zero");
  CHECK(render(R"({"from":"half","map":{"2.50":"no","2.5":"yes"}})", ev) == "yes");
  CHECK(render(R"({"from":"flag","map":{"true":"T","false":"F"}})", ev) == "F");
  CHECK(render(R"({"from":"o","map":{"{\"a\":1}":"json"}})", ev) == "json");
  // Values and defaults may be numbers and booleans.
  CHECK(render(R"({"from":"queue.name","map":{"Billing":1}})", ev) == "1");
  CHECK(render(R"({"from":"queue.name","map":{"Billing":2.0}})", ev) == "2");
  CHECK(render(R"({"from":"queue.name","map":{"Billing":true}})", ev) == "true");
  CHECK(render(R"({"from":"nope","map":{"x":"y"},"default":3})", ev) == "3");
  CHECK(render(R"({"from":"nope","map":{"x":"y"},"default":false})", ev) == "false");
  CHECK(render(R"({"from":"nope","map":{"x":"y"},"default":""})", ev) == "");
  // Map values are text, not templates.
  CHECK(render(R"({"from":"queue.name","map":{"Billing":"{{queue.name}}"}})", ev) == "{{queue.name}}");
}

TEST_CASE("ranges rules", "[mapping][rules]") {
  const std::string rule =
      R"({"from":"s","ranges":[{"lt":50,"value":"1"},{"le":70,"value":"2"},{"gt":90,"value":"5"},{"ge":80,"value":4}],"default":"3"})";
  auto at = [&](const std::string& s) { return render(rule, R"({"s":)" + s + "}"); };
  CHECK(at("-1e300") == "1");
  CHECK(at("49.999") == "1");
  CHECK(at("50") == "2");
  CHECK(at("70") == "2");
  CHECK(at("70.0001") == "3");
  CHECK(at("79.9") == "3");
  CHECK(at("80") == "4");
  CHECK(at("90") == "4");
  CHECK(at("90.5") == "5");    // first range that holds wins: gt 90 comes before ge 80
  CHECK(at("\"10\"") == "3");  // a numeric string is not a number
  CHECK(at("true") == "3");
  CHECK(at("null") == "3");
  CHECK(at("[1]") == "3");
  CHECK(render(rule, "{}") == "3");
  CHECK(render(R"({"from":"s","ranges":[{"lt":50,"value":"1"}]})", R"({"s":60})") == "<omitted>");
  CHECK(render(R"({"from":"s","ranges":[{"lt":50,"value":"1"}]})", R"({"s":40})") == "1");
  CHECK(render(R"({"from":"s","ranges":[{"ge":0,"value":false}]})", R"({"s":0})") == "false");
  CHECK(render(R"({"from":"a[1].b","ranges":[{"gt":0,"value":"pos"}],"default":"other"})", R"({"a":[{},{"b":0.5}]})") ==
        "pos");
}

TEST_CASE("fields keep file order, and omitted fields are left out", "[mapping]") {
  Mapping m = Mapping::parse(R"({"name":"o","fields":{
      "zeta":"1", "alpha":{"from":"nope","map":{"a":"b"}}, "mid":2, "beta":"{{x}}"}})",
                             "t.json");
  MappingResult r = m.apply(json(R"({"x":"X"})"));
  CHECK(r.fields == IncidentFields{{"zeta", "1"}, {"mid", "2"}, {"beta", "X"}});
}

TEST_CASE("template load errors name the field and offset", "[mapping][errors]") {
  auto err = [](const std::string& t) {
    std::ostringstream quoted;
    Poco::JSON::Stringifier::condense(Poco::Dynamic::Var(t), quoted);
    return loadError(withField(quoted.str()));
  };
  CHECK(err("x {{agent.name") == "m.json: $.fields.a: unclosed '{{' at offset 2");
  CHECK(err("QA fail: {{agent.name}} {{") == "m.json: $.fields.a: unclosed '{{' at offset 24");
  CHECK(err("{{a ?? \"x}}") == "m.json: $.fields.a: unterminated default string at offset 7");
  CHECK(err("{{}}") == "m.json: $.fields.a: empty path in '{{ }}' at offset 2");
  CHECK(err("{{ ?? \"x\" }}") == "m.json: $.fields.a: empty path in '{{ }}' at offset 3");
  CHECK(err("{{ a..b }}") == "m.json: $.fields.a: bad path 'a..b': empty segment at offset 5");
  CHECK(err("{{a.}}") == "m.json: $.fields.a: bad path 'a.': empty segment at offset 4");
  CHECK(err("{{.a}}") == "m.json: $.fields.a: bad path '.a': empty segment at offset 2");
  CHECK(err("{{a[x]}}") == "m.json: $.fields.a: bad path 'a[x]': index must be a non-negative integer at offset 4");
  CHECK(err("{{a[-1]}}") == "m.json: $.fields.a: bad path 'a[-1]': index must be a non-negative integer at offset 4");
  CHECK(err("{{a[]}}") == "m.json: $.fields.a: bad path 'a[]': index must be a non-negative integer at offset 4");
  CHECK(err("{{a[1}}") == "m.json: $.fields.a: bad path 'a[1': unclosed '[' at offset 3");
  CHECK(err("{{a[1]b}}") == "m.json: $.fields.a: bad path 'a[1]b': invalid character 'b' at offset 6");
  CHECK(err("{{[0]}}") == "m.json: $.fields.a: bad path '[0]': index without a name before it at offset 2");
  CHECK(err("{{a[12345678901]}}") == "m.json: $.fields.a: bad path 'a[12345678901]': index too large at offset 4");
  CHECK(err("{{a}b}}") == "m.json: $.fields.a: bad path 'a}b': invalid character '}' at offset 3");
  CHECK(err("{{{a}}}") == "m.json: $.fields.a: bad path '{a': invalid character '{' at offset 2");
  CHECK(err("{{a b}}") == "m.json: $.fields.a: expected '}}' or '?? \"default\"' at offset 4");
  CHECK(err("{{a ?? \"x\" y}}") == "m.json: $.fields.a: expected '}}' at offset 11");
  CHECK(err("{{a ?? unknown}}") ==
        "m.json: $.fields.a: the default after ?? must be a double-quoted string at offset 7");
  CHECK(err("{{a ?? 'x'}}") == "m.json: $.fields.a: the default after ?? must be a double-quoted string at offset 7");
  CHECK(err("{{a ?? \"x\\n\"}}") ==
        "m.json: $.fields.a: bad escape in default string (only \\\" and \\\\ are allowed) at offset 9");
  // The JSON path of a field whose name is not an identifier.
  CHECK(loadError(R"({"name":"t","fields":{"short description":"{{"}})") ==
        "m.json: $.fields[\"short description\"]: unclosed '{{' at offset 0");
}

TEST_CASE("condition load errors name the node", "[mapping][errors]") {
  const std::string ops = " (expected one of eq, ne, lt, le, gt, ge, in, exists)";
  CHECK(loadError(withWhen(R"({"any":[{"field":"a","eq":1},{"field":"b","gte":2}]})")) ==
        "m.json: $.when.any[1]: unknown operator 'gte'" + ops);
  CHECK(loadError(withWhen(R"({"all":[{"not":{"any":[{"field":"x","foo":1}]}}]})")) ==
        "m.json: $.when.all[0].not.any[0]: unknown operator 'foo'" + ops);
  CHECK(loadError(withWhen(R"({"field":"a","lt":1,"gt":0})")) ==
        "m.json: $.when: more than one operator ('lt' and 'gt'); use all");
  CHECK(loadError(withWhen(R"({"field":"a"})")) ==
        "m.json: $.when: condition on 'a' has no operator (one of eq, ne, lt, le, gt, ge, in, exists)");
  CHECK(loadError(withWhen(R"({"eq":1})")) == "m.json: $.when: operator 'eq' needs a 'field'");
  CHECK(loadError(withWhen(R"({})")) ==
        "m.json: $.when: empty condition: expected any, all, not, or field with one of eq, ne, lt, le, gt, ge, in, "
        "exists");
  CHECK(loadError(withWhen(R"({"any":[]})")) == "m.json: $.when.any: must not be empty");
  CHECK(loadError(withWhen(R"({"all":[]})")) == "m.json: $.when.all: must not be empty");
  CHECK(loadError(withWhen(R"({"any":{"field":"a","eq":1}})")) ==
        "m.json: $.when.any: must be an array of conditions, got an object");
  CHECK(loadError(withWhen(R"({"not":[{"field":"a","eq":1}]})")) ==
        "m.json: $.when.not: a condition must be an object, got an array");
  CHECK(loadError(withWhen(R"({"any":[{"field":"a","eq":1}],"field":"a"})")) ==
        "m.json: $.when: 'any' cannot be combined with 'field'");
  CHECK(loadError(withWhen(R"({"any":[{"field":"a","eq":1}],"all":[{"field":"a","eq":1}]})")) ==
        "m.json: $.when: 'any' cannot be combined with 'all'");
  CHECK(loadError(withWhen(R"({"any":[{"field":"a","eq":1}, 5]})")) ==
        "m.json: $.when.any[1]: a condition must be an object, got a number");
  CHECK(loadError(withWhen(R"([{"field":"a","eq":1}])")) ==
        "m.json: $.when: a condition must be an object, got an array");
  CHECK(loadError(withWhen(R"({"field":"a","in":"x"})")) ==
        "m.json: $.when.in: needs an array of strings, numbers or booleans, got a string");
  CHECK(loadError(withWhen(R"({"field":"a","in":[]})")) == "m.json: $.when.in: must not be empty");
  CHECK(loadError(withWhen(R"({"field":"a","in":["a",null]})")) ==
        "m.json: $.when.in[1]: needs a string, number or boolean, got null");
  CHECK(loadError(withWhen(R"({"field":"a","in":[["a"]]})")) ==
        "m.json: $.when.in[0]: needs a string, number or boolean, got an array");
  CHECK(loadError(withWhen(R"({"field":"a","exists":1})")) ==
        "m.json: $.when.exists: needs true or false, got a number");
  CHECK(loadError(withWhen(R"({"field":"a","exists":"true"})")) ==
        "m.json: $.when.exists: needs true or false, got a string");
  for (const std::string op : {"lt", "le", "gt", "ge"}) {
    CHECK(loadError(withWhen(R"({"field":"a",")" + op + R"(":true})")) ==
          "m.json: $.when." + op + ": needs a number or string, got a boolean");
    CHECK(loadError(withWhen(R"({"field":"a",")" + op + R"(":null})")) ==
          "m.json: $.when." + op + ": needs a number or string, got null");
    CHECK(loadError(withWhen(R"({"field":"a",")" + op + R"(":[1]})")) ==
          "m.json: $.when." + op + ": needs a number or string, got an array");
  }
  CHECK(loadError(withWhen(R"({"field":"a","eq":null})")) ==
        "m.json: $.when.eq: needs a string, number or boolean, got null (to test for presence use exists)");
  CHECK(loadError(withWhen(R"({"field":"a","ne":{}})")) ==
        "m.json: $.when.ne: needs a string, number or boolean, got an object (to test for presence use exists)");
  CHECK(loadError(withWhen(R"({"field":1,"eq":1})")) ==
        "m.json: $.when.field: must be a string (a dotted path), got a number");
  CHECK(loadError(withWhen(R"({"field":"a..b","eq":1})")) ==
        "m.json: $.when.field: bad path 'a..b': empty segment at offset 2");
  CHECK(loadError(withWhen(R"({"field":"","eq":1})")) == "m.json: $.when.field: bad path '': empty path at offset 0");
  CHECK(loadError(withWhen(R"({"field":"agent name","eq":1})")) ==
        "m.json: $.when.field: bad path 'agent name': invalid character ' ' at offset 5");
}

TEST_CASE("field rule load errors name the key", "[mapping][errors]") {
  const std::string shape =
      "must be a string (template), number, boolean, or an object with 'from' and 'map' or 'ranges', got ";
  CHECK(loadError(withField("null")) == "m.json: $.fields.a: " + shape + "null");
  CHECK(loadError(withField("[\"x\"]")) == "m.json: $.fields.a: " + shape + "an array");
  CHECK(loadError(withField(R"({"from":"a","map":{"x":"y"},"defualt":"z"})")) ==
        "m.json: $.fields.a: unknown key 'defualt' (allowed: from, map, ranges, default)");
  CHECK(loadError(withField(R"({"map":{"x":"y"}})")) ==
        "m.json: $.fields.a: missing 'from' (the path whose value is looked up)");
  CHECK(loadError(withField(R"({"from":"a","map":{"x":"y"},"ranges":[]})")) ==
        "m.json: $.fields.a: has both 'map' and 'ranges'; use one");
  CHECK(loadError(withField(R"({"from":"a","default":"y"})")) ==
        "m.json: $.fields.a: needs 'map' or 'ranges' next to 'from'");
  CHECK(loadError(withField(R"({"from":["a"],"map":{"x":"y"}})")) ==
        "m.json: $.fields.a.from: must be a string (a dotted path), got an array");
  CHECK(loadError(withField(R"({"from":"a[","map":{"x":"y"}})")) ==
        "m.json: $.fields.a.from: bad path 'a[': unclosed '[' at offset 1");
  CHECK(loadError(withField(R"({"from":"a","map":["x"]})")) ==
        "m.json: $.fields.a.map: must be an object, got an array");
  CHECK(loadError(withField(R"({"from":"a","map":{}})")) == "m.json: $.fields.a.map: must not be empty");
  CHECK(loadError(withField(R"({"from":"a","map":{"x":{"y":1}}})")) ==
        "m.json: $.fields.a.map.x: must be a string, number or boolean, got an object");
  CHECK(loadError(withField(R"({"from":"a","map":{"ok":"1","Tech Support":null}})")) ==
        "m.json: $.fields.a.map[\"Tech Support\"]: must be a string, number or boolean, got null");
  CHECK(loadError(withField(R"({"from":"a","ranges":{"lt":1}})")) ==
        "m.json: $.fields.a.ranges: must be an array of {\"lt\"|\"le\"|\"gt\"|\"ge\": NUMBER, \"value\": V}, got an "
        "object");
  CHECK(loadError(withField(R"({"from":"a","ranges":[]})")) == "m.json: $.fields.a.ranges: must not be empty");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":1,"value":"1"},"x"]})")) ==
        "m.json: $.fields.a.ranges[1]: must be an object like {\"lt\": 50, \"value\": \"1\"}, got a string");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"value":"1"}]})")) ==
        "m.json: $.fields.a.ranges[0]: needs one of lt, le, gt, ge");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"ge":1,"lt":5,"value":"1"}]})")) ==
        "m.json: $.fields.a.ranges[0]: more than one bound ('ge' and 'lt'); order the ranges instead");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":"50","value":"1"}]})")) ==
        "m.json: $.fields.a.ranges[0].lt: must be a number, got a string");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":50}]})")) ==
        "m.json: $.fields.a.ranges[0]: missing 'value'");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":50,"value":[1]}]})")) ==
        "m.json: $.fields.a.ranges[0].value: must be a string, number or boolean, got an array");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":50,"value":"1","label":"x"}]})")) ==
        "m.json: $.fields.a.ranges[0]: unknown key 'label' (allowed: one of lt, le, gt, ge, and value)");
  CHECK(loadError(withField(R"({"from":"a","map":{"x":"y"},"default":null})")) ==
        "m.json: $.fields.a.default: must be a string, number or boolean, got null");
  CHECK(loadError(withField(R"({"from":"a","ranges":[{"lt":1,"value":"1"}],"default":{}})")) ==
        "m.json: $.fields.a.default: must be a string, number or boolean, got an object");
}

TEST_CASE("mapping-level load errors", "[mapping][errors]") {
  CHECK(loadError(R"({"name":"t","fields":{"correlation_id":"x"}})") ==
        "m.json: $.fields.correlation_id: set by evalbridge; a mapping cannot override it");
  CHECK(loadError(R"({"name":"t","fields":{"ok":"1","correlation_display":"x"}})") ==
        "m.json: $.fields.correlation_display: set by evalbridge; a mapping cannot override it");
  CHECK(loadError(R"({"name":"t","fields":{"Correlation_ID":{"from":"id","map":{"a":"b"}}}})") ==
        "m.json: $.fields.Correlation_ID: set by evalbridge; a mapping cannot override it");
  CHECK(loadError(R"({"name":"t","fields":{"":"x"}})") == "m.json: $.fields[\"\"]: field names must not be empty");
  CHECK(loadError(R"({"name":"t","fields":{}})") == "m.json: $.fields: must not be empty");
  CHECK(loadError(R"({"name":"t","fields":[["a","b"]]})") == "m.json: $.fields: must be an object, got an array");
  CHECK(loadError(R"({"name":"t"})") == "m.json: $: missing 'fields'");
  CHECK(loadError(R"({"fields":{"a":"b"}})") == "m.json: $: missing 'name'");
  CHECK(loadError(R"({"name":"","fields":{"a":"b"}})") == "m.json: $.name: must be a non-empty string, got \"\"");
  CHECK(loadError(R"({"name":7,"fields":{"a":"b"}})") == "m.json: $.name: must be a non-empty string, got a number");
  CHECK(loadError(R"({"name":"t","description":["x"],"fields":{"a":"b"}})") ==
        "m.json: $.description: must be a string, got an array");
  CHECK(loadError(R"({"name":"t","feilds":{"a":"b"}})") ==
        "m.json: $: unknown key 'feilds' (allowed: name, description, when, fields, afterClose)");
  CHECK(loadError(R"({"name":"t","fields":{"a":"b"},"When":{"field":"a","eq":1}})") ==
        "m.json: $: unknown key 'When' (allowed: name, description, when, fields, afterClose)");
  CHECK(loadError(R"({"name":"t","fields":{"a":"b"},"afterClose":"reopen"})") ==
        "m.json: $.afterClose: must be \"workNote\" or \"followUp\"");
  CHECK(loadError(R"({"name":"t","fields":{"a":"b"},"afterClose":true})") ==
        "m.json: $.afterClose: must be \"workNote\" or \"followUp\"");
  CHECK(loadError(R"(["name"])") == "m.json: $: a mapping must be a JSON object, got an array");
  CHECK(loadError(R"("name")") == "m.json: $: a mapping must be a JSON object, got a string");
  // Duplicate keys are errors (Poco would silently keep the last one).
  CHECK(loadError(R"({"name":"t","fields":{"a":"1","b":"2","a":"3"}})") == "m.json: $.fields: duplicate key 'a'");
  CHECK(loadError(R"({"name":"t","name":"u","fields":{"a":"1"}})") == "m.json: $: duplicate key 'name'");
  CHECK(loadError(withWhen(R"({"any":[{"field":"a","eq":1},[],{"field":"b","eq":1,"eq":2}]})")) ==
        "m.json: $.when.any[2]: duplicate key 'eq'");
  CHECK(loadError(withField(R"({"from":"q","map":{"Billing":"x","Sales":"y","Billing":"z"}})")) ==
        "m.json: $.fields.a.map: duplicate key 'Billing'");
  // Invalid JSON: the parser's message.
  CHECK(loadError(R"({"name":"t", "fields": })") == "m.json: invalid JSON: unexpected byte '}' in value");
  CHECK(loadError(R"({"name":"t")") == "m.json: invalid JSON: expected ',' or '}' after member value");
  CHECK(loadError("") == "m.json: invalid JSON: unexpected end of text");
  CHECK(loadError(R"({"name":"t","fields":{"a":"b"}} x)") ==
        "m.json: invalid JSON: Excess characters found after JSON end.");
  // The error is a ConfigError (exit code 2).
  CHECK_THROWS_AS(Mapping::parse("{}", "x.json"), ConfigError);
}

TEST_CASE("loadFile names the file", "[mapping][errors]") {
  const std::string missing = kSourceDir + "/tests/data/mapping/does-not-exist.json";
  try {
    Mapping::loadFile(missing);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.message() == missing + ": cannot open mapping file: No such file or directory");
  }
  const std::string dir = kSourceDir + "/tests/data/mapping";
  try {
    Mapping::loadFile(dir);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.message() == dir + ": cannot read mapping file: it is a directory");
  }
  const std::string bad = kSourceDir + "/tests/data/mapping/bad-operator.json";
  try {
    Mapping::loadFile(bad);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.message() ==
          bad + ": $.when.any[1]: unknown operator 'gte' (expected one of eq, ne, lt, le, gt, ge, in, exists)");
  }
  Mapping m = Mapping::loadFile(kSourceDir + "/tests/data/mapping/spec-example.json");
  CHECK(m.sourceName() == kSourceDir + "/tests/data/mapping/spec-example.json");
  CHECK(m.apply(sampleEvaluation()).fields == Mapping::parse(kSpecMapping, "x").apply(sampleEvaluation()).fields);
}

TEST_CASE("shipped mappings load and map the sample", "[mapping][shipped]") {
  const std::string dir = kSourceDir + "/mappings";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    CHECK_NOTHROW(Mapping::loadFile(entry.path().string()));
    ++count;
  }
  CHECK(count >= 3);

  Poco::JSON::Object::Ptr ev = sampleEvaluation();
  {
    Mapping m = Mapping::loadFile(dir + "/qa-failures.json");
    CHECK(m.name() == "qa-failures");
    CHECK_FALSE(m.description().empty());
    CHECK(m.apply(ev).fields == Mapping::parse(kSpecMapping, "x").apply(ev).fields);
  }
  {
    Mapping m = Mapping::loadFile(dir + "/critical-only.json");
    CHECK(m.name() == "critical-only");
    MappingResult r = m.apply(ev);
    REQUIRE(r.matched);
    IncidentFields expected = {
        {"short_description", "Critical QA failure: Sam Okafor on Billing (Billing Call Quality v3)"},
        {"description",
         "A kill question was failed.\n"
         "Agent: Sam Okafor (a9e8d7c6-b5a4-4938-8271-605f4e3d2c1b)\n"
         "Evaluator: Dana Ruiz\n"
         "Form: Billing Call Quality v3\n"
         "Conversation: b2d4e6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b on 2026-11-20T14:02:11.000Z\n"
         "Total score: 62.5, critical score: 0\n"
         "First question group: 50 of 100\n"
         "Comments: Agent read the full card number back to the caller."},
        {"urgency", "1"},
        {"impact", "1"},
        {"category", "inquiry"},
        {"subcategory", "Quality compliance"},
        {"assignment_group", "Billing QA"},
        {"caller_id", "svc_evalbridge"},
    };
    CHECK(r.fields == expected);
    Poco::JSON::Object::Ptr passed = json(
        R"({"status":"FINISHED","releaseDate":"2026-11-21","answers":{"anyFailedKillQuestions":false,"totalScore":10}})");
    r = m.apply(passed);
    CHECK_FALSE(r.matched);
    CHECK(r.skipReason == "when did not match: all[0] answers.anyFailedKillQuestions is false (wanted eq true)");
  }
  {
    Mapping m = Mapping::loadFile(dir + "/low-score-by-form.json");
    MappingResult r = m.apply(ev);
    REQUIRE(r.matched);
    IncidentFields expected = {
        {"short_description", "Low QA score 62.5 for Sam Okafor on Billing Call Quality v3"},
        {"description",
         "Form: Billing Call Quality v3 (7e8f9a0b-1c2d-4e3f-a4b5-c6d7e8f9a0b1)\n"
         "Agent: Sam Okafor\n"
         "Queue: Billing\n"
         "Score: 62.5 (critical 0, non-critical 71)\n"
         "Evaluator comments: Agent read the full card number back to the caller.\n"
         "Agent comments: "},
        {"urgency", "2"},
        {"impact", "1"},
        {"assignment_group", "Billing QA"},
        {"u_media_type", "Voice"},
        {"category", "inquiry"},
        {"u_qa_score", "62.5"},
    };
    CHECK(r.fields == expected);
    // Billing form at 80 still fails (threshold 85); another form at 80 passes.
    Poco::JSON::Object::Ptr e2 = sampleEvaluation();
    e2->getObject("answers")->set("totalScore", 80);
    e2->getObject("answers")->set("totalCriticalScore", 100);
    CHECK(m.apply(e2).matched);
    e2->getObject("evaluationForm")->set("name", "Technical Support v5");
    r = m.apply(e2);
    CHECK_FALSE(r.matched);
    CHECK(r.skipReason ==
          "when did not match: all[3].any[0].all[0] evaluationForm.name is \"Technical Support v5\" (wanted in "
          "[\"Billing Call Quality v3\",\"Collections Compliance v2\"]); all[3].any[1] answers.totalScore is 80 "
          "(wanted lt 70); all[3].any[2] answers.totalCriticalScore is 100 (wanted le 50)");
    e2->getObject("evaluationForm")->set("name", "Calibration Session");
    e2->getObject("answers")->set("totalScore", 10);
    r = m.apply(e2);
    CHECK(r.skipReason ==
          "when did not match: all[1].not evaluationForm.name is \"Calibration Session\" (wanted not in "
          "[\"Calibration Session\",\"New Hire Practice\"])");
  }
}

namespace {

// Random JSON values whose keys often collide with the paths the mappings use, so lookups step
// into wrong types, nulls, short arrays and deep nesting.
class Garbage {
 public:
  explicit Garbage(unsigned seed) : rng_(seed) {}

  Poco::JSON::Object::Ptr object(int depth) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    int n = pick(0, 8);
    for (int i = 0; i < n; ++i) o->set(key(), value(depth + 1));
    return o;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string key() {
    static const char* keys[] = {"agent",
                                 "name",
                                 "answers",
                                 "totalScore",
                                 "anyFailedKillQuestions",
                                 "questionGroupScores",
                                 "questionScores",
                                 "comments",
                                 "queue",
                                 "evaluationForm",
                                 "conversation",
                                 "id",
                                 "evaluator",
                                 "status",
                                 "mediaType",
                                 "rescore",
                                 "totalCriticalScore",
                                 "releaseDate",
                                 "x",
                                 ""};
    return keys[pick(0, static_cast<int>(sizeof keys / sizeof keys[0]) - 1)];
  }

  Poco::Dynamic::Var value(int depth) {
    int kind = pick(0, depth > 4 ? 9 : 13);
    switch (kind) {
      case 0:
        return Poco::Dynamic::Var();
      case 1:
        return pick(0, 1) == 1;
      case 2:
        return pick(-1000, 1000);
      case 3:
        return static_cast<Poco::Int64>(std::numeric_limits<Poco::Int64>::min() + pick(0, 10));
      case 4:
        return std::numeric_limits<Poco::UInt64>::max() - static_cast<Poco::UInt64>(pick(0, 10));
      case 5: {
        static const double ds[] = {62.5,
                                    -0.0,
                                    1e308,
                                    -1e-320,
                                    1e21,
                                    0.1,
                                    70.0,
                                    std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity()};
        return ds[pick(0, 8)];
      }
      case 6: {
        static const char* ss[] = {"",
                                   "Billing",
                                   "{{agent.name}}",
                                   "{{",
                                   "\"\\\n\t\x01",
                                   "62.5",
                                   "true",
                                   "\xc3\xa9\xe2\x82\xac",
                                   "\xff\xfe broken utf8",
                                   "FINISHED"};
        return std::string(ss[pick(0, 9)]);
      }
      case 7:
        return static_cast<float>(pick(0, 100)) / 3.0f;  // not a type Poco's parser makes
      case 8:
        return Poco::JSON::Object::Ptr();  // null object pointer
      case 9:
        return std::string(static_cast<std::size_t>(pick(0, 3000)), 'x');
      case 10:
        return object(depth);
      case 11: {
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
        int n = pick(0, 4);
        for (int i = 0; i < n; ++i) a->add(value(depth + 1));
        return a;
      }
      case 12:
        return Poco::DateTime(2026, 11, 20);  // an arbitrary non-JSON type
      default:
        return std::vector<Poco::Dynamic::Var>{1, "two"};
    }
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("apply never throws on garbage evaluations", "[mapping][robustness]") {
  std::vector<Mapping> mappings;
  mappings.push_back(Mapping::parse(kSpecMapping, "spec"));
  for (const char* f : {"qa-failures.json", "critical-only.json", "low-score-by-form.json"})
    mappings.push_back(Mapping::loadFile(kSourceDir + "/mappings/" + f));
  mappings.push_back(Mapping::parse(R"({"name":"everything","when":{"not":{"all":[
      {"field":"answers.questionGroupScores[0].questionScores[1].comments","ne":"x"},
      {"field":"agent","exists":true},{"field":"name","in":["Billing",62.5,true]},
      {"field":"x","ge":"a"},{"field":"x","le":1e300}]}},
    "fields":{"t":"{{answers.questionGroupScores[0].questionScores[0].score ?? \"d\"}} {{agent}} {{x}} {{name[0][1]}}",
              "m":{"from":"x","map":{"1":"one","true":"t"},"default":"?"},
              "r":{"from":"answers.totalScore","ranges":[{"lt":0,"value":"neg"},{"ge":0,"value":"pos"}]}}})",
                                    "everything"));

  Garbage garbage(12345);
  int matched = 0, skipped = 0;
  for (int i = 0; i < 1500; ++i) {
    Poco::JSON::Object::Ptr ev = garbage.object(0);
    // The object as built (with non-JSON types), and as it reads back through the parser.
    std::vector<Poco::JSON::Object::Ptr> variants{ev};
    try {
      std::ostringstream text;
      ev->stringify(text);
      variants.push_back(json(text.str()));
    } catch (const Poco::Exception&) {
      // Some garbage (NaN, odd types) cannot round-trip; the object itself is still applied.
    }
    for (const auto& v : variants) {
      for (const Mapping& m : mappings) {
        MappingResult r;
        REQUIRE_NOTHROW(r = m.apply(v));
        REQUIRE(r.error.empty());
        if (r.matched) {
          ++matched;
          CHECK(r.skipReason.empty());
        } else {
          ++skipped;
          CHECK(!r.skipReason.empty());
          CHECK(r.skipReason.size() <= 603);
          CHECK(r.skipReason.find('\n') == std::string::npos);
        }
      }
    }
  }
  CHECK(matched > 0);
  CHECK(skipped > 0);
}

TEST_CASE("one mapping applied from many threads gives the same results", "[mapping][threads]") {
  Mapping m = Mapping::loadFile(kSourceDir + "/mappings/low-score-by-form.json");
  std::vector<Poco::JSON::Object::Ptr> evs;
  Garbage garbage(7);
  for (int i = 0; i < 50; ++i) evs.push_back(garbage.object(0));
  evs.push_back(sampleEvaluation());
  std::vector<MappingResult> expected;
  for (const auto& e : evs) expected.push_back(m.apply(e));

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&]() {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < evs.size(); ++i) {
          MappingResult r = m.apply(evs[i]);
          if (r.matched != expected[i].matched || r.fields != expected[i].fields ||
              r.skipReason != expected[i].skipReason)
            ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
}

TEST_CASE("a Mapping can be moved", "[mapping]") {
  Mapping a = Mapping::parse(kSpecMapping, "a");
  Mapping b = std::move(a);
  CHECK(b.name() == "qa-failures");
  Mapping c = Mapping::parse(R"({"name":"c","fields":{"x":"1"}})", "c");
  c = std::move(b);
  CHECK(c.name() == "qa-failures");
  CHECK(c.apply(sampleEvaluation()).matched);
}

TEST_CASE("afterClose: a work note by default, or a follow-up incident") {
  CHECK(Mapping::parse(R"({"name":"t","fields":{"a":"b"}})", "m.json").afterClose() == Mapping::AfterClose::WorkNote);
  CHECK(Mapping::parse(R"({"name":"t","fields":{"a":"b"},"afterClose":"workNote"})", "m.json").afterClose() ==
        Mapping::AfterClose::WorkNote);
  CHECK(Mapping::parse(R"({"name":"t","fields":{"a":"b"},"afterClose":"followUp"})", "m.json").afterClose() ==
        Mapping::AfterClose::FollowUp);
}

TEST_CASE("readiness: a result that lacks a field the mapping reads needs the full evaluation", "[mapping][readiness]") {
  Mapping m = Mapping::loadFile(kSourceDir + "/mappings/qa-failures.json");
  // What the evaluation GET with expand gives: every path present.
  CHECK(m.readiness(sampleEvaluation()) == Mapping::Readiness::Complete);
  // A search result: agent, evaluator and form are bare references. It fails, so the fields
  // (agent.name, evaluationForm.name) are needed: read it in full.
  auto failing = json(R"({"status":"FINISHED","answers":{"anyFailedKillQuestions":false,"totalScore":40},
                          "agent":{"id":"a"},"evaluator":{"id":"e"},"evaluationForm":{"id":"f"},
                          "conversation":{"id":"c"},"queue":{"name":"Billing"}})");
  CHECK(m.readiness(failing) == Mapping::Readiness::Incomplete);
  // The same result passing: `when` is false whatever the names are, so no read is needed.
  auto passing = json(R"({"status":"FINISHED","answers":{"anyFailedKillQuestions":false,"totalScore":90},
                          "agent":{"id":"a"},"evaluationForm":{"id":"f"}})");
  CHECK(m.readiness(passing) == Mapping::Readiness::SkipKnown);
  // A path of `when` itself missing: it cannot be decided.
  CHECK(m.readiness(json(R"({"status":"FINISHED","answers":{"totalScore":90}})")) == Mapping::Readiness::Incomplete);
  // A JSON null is present: the full read would give null as well.
  auto nulls = json(R"({"status":"FINISHED","answers":{"anyFailedKillQuestions":true,"totalScore":40,"comments":null},
                        "agent":{"name":null},"evaluator":{"name":"E"},"evaluationForm":{"name":"F"},
                        "conversation":{"id":"c"},"queue":{"name":"Billing"}})");
  CHECK(m.readiness(nulls) == Mapping::Readiness::Complete);
  // Without `when`, every evaluation matches: any missing field path needs the full read.
  Mapping all = Mapping::parse(R"({"name":"all","fields":{"short_description":"{{agent.name}}"}})", "all.json");
  CHECK(all.readiness(json(R"({"agent":{"id":"a"}})")) == Mapping::Readiness::Incomplete);
  CHECK(all.readiness(json(R"({"agent":{"name":"A"}})")) == Mapping::Readiness::Complete);
  // Paths read by map and ranges rules count too.
  Mapping table = Mapping::parse(R"({"name":"t","fields":{"g":{"from":"queue.name","map":{"Billing":"B"},"default":"x"}}})", "t.json");
  CHECK(table.readiness(json(R"({"queue":{"id":"q"}})")) == Mapping::Readiness::Incomplete);
}
