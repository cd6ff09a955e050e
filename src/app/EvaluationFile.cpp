#include "app/EvaluationFile.h"

#include <fstream>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "common/Errors.h"

namespace evalbridge {
namespace {

std::vector<Poco::JSON::Object::Ptr> objectsOf(const Poco::JSON::Array::Ptr& array, const std::string& path) {
  std::vector<Poco::JSON::Object::Ptr> out;
  for (unsigned i = 0; i < array->size(); ++i) {
    auto object = array->getObject(i);
    if (!object) throw ConfigError(path + ": entry [" + std::to_string(i) + "] is not a JSON object");
    out.push_back(object);
  }
  return out;
}

}  // namespace

std::vector<Poco::JSON::Object::Ptr> readEvaluationFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw ConfigError(path + ": cannot open the input file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(text);
    if (root.type() == typeid(Poco::JSON::Array::Ptr)) return objectsOf(root.extract<Poco::JSON::Array::Ptr>(), path);
    auto object = root.extract<Poco::JSON::Object::Ptr>();
    if (auto entities = object->getArray("entities")) return objectsOf(entities, path);
    return {object};
  } catch (const Poco::Exception& whole) {
    // Not one JSON document: try one evaluation per line.
    std::vector<Poco::JSON::Object::Ptr> out;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        Poco::JSON::Parser parser;
        auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
        out.push_back(object);
      } catch (const Poco::Exception& e) {
        if (number == 1) throw ConfigError(path + ": not JSON: " + whole.message());
        throw ConfigError(path + ": line " + std::to_string(number) + ": not a JSON object: " + e.message());
      }
    }
    return out;
  }
}

}  // namespace evalbridge
