#pragma once
// Small helpers over Poco::JSON for the simulator: parse a request body that must be an object,
// render compactly, deep-copy (Poco JSON objects are shared, mutable pointers; state handed out
// of the simulator must not alias its internals), and read typed fields with useful errors.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>

namespace evalbridge::sim {

// Throws Poco::InvalidArgumentException (with the parser's reason) when `text` is not a JSON object.
Poco::JSON::Object::Ptr parseObject(const std::string& text);
std::string toJson(const Poco::JSON::Object::Ptr& object);
std::string toJson(const Poco::JSON::Array::Ptr& array);
Poco::JSON::Object::Ptr deepCopy(const Poco::JSON::Object::Ptr& object);
// An empty object that keeps keys in insertion order, so generated documents read like the
// real services' (id first, selfUri last).
Poco::JSON::Object::Ptr orderedObject();

// A field rendered as text the way ServiceNow stores it: strings as they are, numbers and
// booleans in their JSON spelling, null as "", objects by their "value" (a reference field).
std::string fieldAsText(const Poco::Dynamic::Var& value);

}  // namespace evalbridge::sim
