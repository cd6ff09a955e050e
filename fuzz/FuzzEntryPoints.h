#pragma once
// What each fuzz target does with one input; shared by the libFuzzer targets (fuzz/*.cpp) and by
// the Catch2 test that replays the inputs they found (tests/test_fuzz_regressions.cpp), so a
// regression input is checked by the normal build exactly as the fuzzer ran it.
//
// A target may reject its input only with the documented exception; anything else (a crash, a
// sanitizer report, another exception escaping, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <Poco/JSON/Object.h>

#include "common/Errors.h"
#include "genesys/ExportResultReader.h"
#include "mapping/Mapping.h"

namespace evalbridge::fuzz {

// A mapping using every kind of rule, applied to whatever the export parser yields.
inline const Mapping& sampleMapping() {
  static const Mapping mapping = Mapping::parse(R"({
  "name": "fuzz",
  "when": { "any": [ { "field": "answers.anyFailedKillQuestions", "eq": true },
                     { "all": [ { "field": "answers.totalScore", "lt": 70 }, { "field": "queue.name", "exists": true } ] },
                     { "not": { "field": "status", "in": ["FINISHED", "PENDING"] } } ] },
  "fields": {
    "short_description": "QA fail: {{agent.name ?? \"unknown\"}} scored {{answers.totalScore}} on {{evaluationForm.name}}",
    "description": "{{answers.questionGroupScores[0].questionScores[1].comments}} {{conversation.id}}",
    "urgency": { "from": "answers.totalScore", "ranges": [ { "lt": 50, "value": "1" }, { "lt": 70, "value": "2" } ], "default": "3" },
    "assignment_group": { "from": "queue.name", "map": { "Billing": "Billing QA" }, "default": "Contact Center QA" }
  }
})", "fuzz-mapping.json");
  return mapping;
}

// The streaming export-result parser, then the mapping on every entity it yields.
inline void exportResult(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  ExportResultReader reader(1 << 20);
  try {
    reader.read(in, [](const Poco::JSON::Object::Ptr& entity, const std::string&, const std::string&) {
      if (entity) sampleMapping().apply(entity);
    });
  } catch (const MalformedResultError&) {
    // the documented rejection
  }
}

// The mapping loader; a mapping that loads is applied to a small evaluation.
inline void mappingFile(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Mapping mapping = Mapping::parse(text, "fuzz.json");
    Poco::JSON::Object::Ptr evaluation = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr answers = new Poco::JSON::Object;
    answers->set("totalScore", 42.5);
    answers->set("anyFailedKillQuestions", true);
    evaluation->set("answers", answers);
    evaluation->set("id", "e1");
    mapping.apply(evaluation);
  } catch (const ConfigError&) {
    // the documented rejection: file, JSON path and reason
  }
}

}  // namespace evalbridge::fuzz
