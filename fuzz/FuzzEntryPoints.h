#pragma once
// What each fuzz target does with one input; shared by the libFuzzer targets (fuzz/*.cpp) and by
// the Catch2 test that replays the inputs they found (tests/test_fuzz_regressions.cpp), so a
// regression input is checked by the normal build exactly as the fuzzer ran it.
//
// A target may reject its input only with the documented exception; anything else (a crash, a
// sanitizer report, another exception escaping, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "common/Errors.h"
#include "genesys/EvaluationProjection.h"
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

// What the mapping made of an element, and the skip code the projection decided it with, if it
// did (the sync takes that code instead of applying the mapping).
struct MappedElement {
  MappingResult result;
  std::optional<std::string> decidedSkipCode;
};

// What the mapping made of each element of a results document (nothing where the reader refused
// the element); empty when the document itself was refused.
inline std::vector<std::optional<MappedElement>> mappedElements(const std::string& text, EvaluationProjector* projector) {
  std::istringstream in(text);
  ExportResultReader reader(1 << 20);
  reader.setProjector(projector);
  std::vector<std::optional<MappedElement>> results;
  try {
    reader.read(in, [&](const Poco::JSON::Object::Ptr& entity, std::string_view, const std::string&) {
      if (!entity) {
        results.push_back(std::nullopt);
        return;
      }
      // A skip the projection settled is not mapped again (it holds only what the sync reads of a
      // skip): the sync takes its code.
      auto decided = projectedSkipCode(entity);
      results.push_back(MappedElement{decided ? MappingResult() : sampleMapping().apply(entity), std::move(decided)});
    });
  } catch (const MalformedResultError&) {
    results.clear();  // the documented rejection
  }
  return results;
}

// Each element's text as the reader hands it out, read `readAheadBytes` at a time; nothing when
// the reader refuses the document.
inline std::optional<std::vector<std::string>> elementTexts(const std::string& text, std::size_t readAheadBytes) {
  std::istringstream in(text);
  ExportResultReader reader(1 << 20, "entities", readAheadBytes);
  std::vector<std::string> texts;
  try {
    reader.read(in, [&](const Poco::JSON::Object::Ptr&, std::string_view raw, const std::string&) {
      texts.emplace_back(raw);
    });
  } catch (const MalformedResultError&) {
    return std::nullopt;
  }
  return texts;
}

// The streaming export-result parser, then the mapping on every entity it yields; and the same
// with the projection the sync reads results with (EvaluationProjection.h). Every element both
// accept must map the same way, or the projection is wrong: that is a finding, not a rejection.
inline void exportResult(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const auto paths = projectionFor(sampleMapping());
  EvaluationProjector projector(paths);
  const auto whole = mappedElements(text, nullptr);
  const auto projected = mappedElements(text, &projector);
  if (whole.size() != projected.size()) std::abort();  // the same scanner delimits both
  // Wherever a read-ahead block ends (here: anywhere), the reader yields the same texts.
  if (elementTexts(text, ExportResultReader::kReadAheadBytes) != elementTexts(text, 3)) std::abort();
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (!whole[i] || !projected[i]) continue;  // one of the parsers refused the element
    const MappingResult& a = whole[i]->result;
    // A skip the projection decided must be the skip the whole evaluation maps to, code and all.
    if (const auto& code = projected[i]->decidedSkipCode) {
      if (a.matched || !a.error.empty() || *code != a.skipCode) std::abort();
      continue;
    }
    const MappingResult& b = projected[i]->result;
    if (a.matched != b.matched || a.skipReason != b.skipReason || a.skipCode != b.skipCode || a.fields != b.fields ||
        a.error != b.error)
      std::abort();
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
