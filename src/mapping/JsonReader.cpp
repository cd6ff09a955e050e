#include "mapping/JsonReader.h"

#include <vector>

#include "common/Errors.h"
#include "common/StrictJson.h"
#include "mapping/Value.h"

namespace evalbridge {
namespace mapping {

namespace {

std::string formatPath(const std::vector<JsonPathStep>& steps) {
  std::string path = "$";
  for (const auto& step : steps) path = step.isIndex ? indexPath(path, step.index) : childPath(path, step.key);
  return path;
}

}  // namespace

Poco::Dynamic::Var readJson(const std::string& text) {
  StrictJson json;
  try {
    json = parseStrictJson(text, true);
  } catch (const Poco::Exception& e) {
    std::string msg = e.message().empty() ? e.displayText() : e.message();
    throw ConfigError("invalid JSON: " + msg);
  }
  if (!json.rootScalarType.empty()) throw ConfigError("$: a mapping must be a JSON object, got " + json.rootScalarType);
  if (json.duplicate) throw ConfigError(formatPath(json.duplicate->objectPath) + ": duplicate key '" + json.duplicate->key + "'");
  return json.value;
}

}  // namespace mapping
}  // namespace evalbridge
