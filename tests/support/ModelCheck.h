#pragma once
// Checks a JSON document against the model descriptions in tests/models/ (facts taken from the
// official Genesys Cloud SDK: JSON names, types, enums; `required` = what the simulator always
// sends). A violation names the JSON path ("$.answers.questionGroupScores[0].score: ...") for:
// a field the model does not have, a required field that is missing, a value of the wrong type
// (or null: the API leaves unset fields out), an enum value outside the documented set.
// A referenced model without a description is itself a violation, so the check cannot pass by
// not knowing. Header-only: the tests' CMake links no support sources.
#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace evalbridge::test {

class ModelCatalog {
 public:
  // Every *.json in `directory`, keyed by its "name".
  static ModelCatalog load(const std::string& directory) {
    ModelCatalog catalog;
    for (Poco::DirectoryIterator it(directory), end; it != end; ++it) {
      if (Poco::Path(it->path()).getExtension() != "json") continue;
      std::ifstream in(it->path());
      std::stringstream text;
      text << in.rdbuf();
      Poco::JSON::Parser parser;
      auto model = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
      catalog.models_[model->getValue<std::string>("name")] = model;
    }
    return catalog;
  }

  bool has(const std::string& name) const { return models_.count(name) > 0; }
  std::size_t size() const { return models_.size(); }

  // Empty when `document` conforms to `modelName`.
  std::vector<std::string> check(const std::string& modelName, const Poco::Dynamic::Var& document) const {
    std::vector<std::string> violations;
    checkModel(modelName, document, "$", violations);
    return violations;
  }
  std::vector<std::string> checkText(const std::string& modelName, const std::string& json) const {
    Poco::Dynamic::Var document;
    try {
      Poco::JSON::Parser parser;
      document = parser.parse(json);
    } catch (const Poco::Exception& e) {
      return {"$: not JSON: " + e.displayText()};
    }
    return check(modelName, document);
  }

 private:
  using Object = Poco::JSON::Object;
  using Var = Poco::Dynamic::Var;

  static bool isObject(const Var& value) { return value.type() == typeid(Object::Ptr); }
  static bool isArray(const Var& value) { return value.type() == typeid(Poco::JSON::Array::Ptr); }

  void checkModel(const std::string& name, const Var& value, const std::string& path,
                  std::vector<std::string>& out) const {
    auto found = models_.find(name);
    if (found == models_.end()) {
      out.push_back(path + ": no model description for " + name + " (tests/models/" + name + ".json)");
      return;
    }
    if (!isObject(value)) {
      out.push_back(path + ": expected an object (" + name + ")");
      return;
    }
    const auto& model = found->second;
    auto object = value.extract<Object::Ptr>();
    auto properties = model->getObject("properties");
    auto extra = model->getObject("additionalProperties");  // a map-like model (a data table row)
    for (const auto& [key, field] : *object) {
      const std::string fieldPath = path + "." + key;
      if (properties->has(key)) {
        checkType(properties->getObject(key), field, fieldPath, out);
      } else if (extra) {
        checkType(extra, field, fieldPath, out);
      } else {
        out.push_back(fieldPath + ": unknown field (not in " + name + ")");
      }
    }
    for (const auto& required : *model->getArray("required")) {
      if (!object->has(required.toString())) {
        out.push_back(path + "." + required.toString() + ": required field missing (" + name + ")");
      }
    }
  }

  void checkType(const Object::Ptr& type, const Var& value, const std::string& path,
                 std::vector<std::string>& out) const {
    const std::string kind = type->getValue<std::string>("type");
    if (kind == "any") return;
    if (value.isEmpty()) {
      out.push_back(path + ": null (the API leaves unset fields out)");
      return;
    }
    auto wrong = [&](const std::string& expected) { out.push_back(path + ": expected " + expected); };
    if (kind == "string") {
      if (!value.isString()) return wrong("a string");
      if (auto allowed = type->getArray("enum")) {
        bool known = false;
        for (const auto& item : *allowed) known = known || item.toString() == value.toString();
        if (!known) out.push_back(path + ": '" + value.toString() + "' is not a documented value");
      }
    } else if (kind == "integer") {
      if (value.isBoolean() || !value.isInteger()) wrong("an integer");
    } else if (kind == "number") {
      if (value.isBoolean() || !value.isNumeric()) wrong("a number");
    } else if (kind == "boolean") {
      if (!value.isBoolean()) wrong("true or false");
    } else if (kind == "datetime") {
      static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
      if (!value.isString() || !std::regex_match(value.toString(), shape)) wrong("a date-time yyyy-MM-ddTHH:mm:ss.SSSZ");
    } else if (kind == "date") {
      static const std::regex shape(R"(\d{4}-\d{2}-\d{2})");
      if (!value.isString() || !std::regex_match(value.toString(), shape)) wrong("a date yyyy-MM-dd");
    } else if (kind == "array") {
      if (!isArray(value)) return wrong("an array");
      auto array = value.extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < array->size(); ++i) {
        checkType(type->getObject("items"), array->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]",
                  out);
      }
    } else if (kind == "map") {
      if (!isObject(value)) return wrong("an object (a map)");
      for (const auto& [key, item] : *value.extract<Object::Ptr>()) {
        checkType(type->getObject("values"), item, path + "." + key, out);
      }
    } else if (kind == "object") {
      checkModel(type->getValue<std::string>("ref"), value, path, out);
    } else {
      out.push_back(path + ": the model description has an unknown type '" + kind + "'");
    }
  }

  std::map<std::string, Object::Ptr> models_;
};

// Renders violations one per line, for failure messages.
inline std::string joinViolations(const std::vector<std::string>& violations) {
  std::string text;
  for (const auto& violation : violations) text += violation + "\n";
  return text;
}

}  // namespace evalbridge::test
