#include <ostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSONString.h>

#include "app/Commands.h"
#include "app/EvaluationFile.h"
#include "mapping/Mapping.h"
#include "sync/EvaluationCompleter.h"

namespace evalbridge {

int runMapCommand(const CommandLine& line, std::ostream& out) {
  allowOnly(line, {"mapping", "input", "json", "org-id"});
  Mapping mapping = Mapping::loadFile(line.required("mapping"));
  auto evaluations = readEvaluationFile(line.required("input"));
  const std::string orgId = line.value("org-id").value_or("{orgId}");
  int matched = 0;
  Poco::JSON::Array results;
  for (size_t i = 0; i < evaluations.size(); ++i) {
    const auto& evaluation = evaluations[i];
    std::string id = evaluation->optValue<std::string>("id", "");
    MappingResult result;
    if (auto reason = skipBeforeMapping(evaluation))
      result.skipReason = *reason;  // as the sync decides it
    else
      result = mapping.apply(evaluation);
    if (result.matched) ++matched;
    if (line.has("json")) {
      Poco::JSON::Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
      entry.set("evaluationId", id);
      entry.set("matched", result.matched);
      if (result.matched) {
        Poco::JSON::Object fields(Poco::JSON_PRESERVE_KEY_ORDER);
        for (const auto& [name, value] : result.fields) fields.set(name, value);
        fields.set("correlation_id", "evalbridge:" + orgId + ":" + id);
        fields.set("correlation_display", "evalbridge");
        entry.set("incident", fields);
      } else {
        entry.set("skipReason", result.skipReason);
      }
      results.add(entry);
      continue;
    }
    out << "[" << (i + 1) << "] evaluation " << (id.empty() ? "(no id)" : id) << ": ";
    if (!result.matched) {
      out << "skipped: " << result.skipReason << "\n";
      continue;
    }
    out << "incident\n";
    for (const auto& [name, value] : result.fields) {
      // Multi-line values (descriptions) stay inside their field's indentation.
      std::string indented = value;
      for (size_t at = indented.find('\n'); at != std::string::npos; at = indented.find('\n', at + 1))
        indented.insert(at + 1, std::string(name.size() + 6, ' '));
      out << "    " << name << ": " << indented << "\n";
    }
    out << "    correlation_id: evalbridge:" << orgId << ":" << id << "\n";
  }
  if (line.has("json")) {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("mapping", mapping.name());
    root.set("evaluations", static_cast<int>(evaluations.size()));
    root.set("incidents", matched);
    root.set("skipped", static_cast<int>(evaluations.size()) - matched);
    root.set("results", results);
    root.stringify(out, 2);
    out << "\n";
  } else {
    out << "mapping " << mapping.name() << ": " << evaluations.size() << " evaluation(s), " << matched
        << " incident(s), " << (evaluations.size() - static_cast<size_t>(matched)) << " skipped\n";
  }
  return kExitOk;
}

}  // namespace evalbridge
