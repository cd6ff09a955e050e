#include "sim/JsonText.h"

#include <Poco/Exception.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include <sstream>

namespace evalbridge::sim {

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    parsed = parser.parse(text);
  } catch (const Poco::Exception& e) {
    throw Poco::InvalidArgumentException("body is not valid JSON: " + e.displayText());
  }
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
    throw Poco::InvalidArgumentException("body must be a JSON object");
  }
  return parsed.extract<Poco::JSON::Object::Ptr>();
}

std::string toJson(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string toJson(const Poco::JSON::Array::Ptr& array) {
  std::ostringstream out;
  array->stringify(out);
  return out.str();
}

Poco::JSON::Object::Ptr deepCopy(const Poco::JSON::Object::Ptr& object) {
  return parseObject(toJson(object));
}

Poco::JSON::Object::Ptr orderedObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

std::string fieldAsText(const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) return "";
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto object = value.extract<Poco::JSON::Object::Ptr>();
    if (object->has("value")) return fieldAsText(object->get("value"));
    return toJson(object);
  }
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    return toJson(value.extract<Poco::JSON::Array::Ptr>());
  }
  return value.convert<std::string>();
}

}  // namespace evalbridge::sim
