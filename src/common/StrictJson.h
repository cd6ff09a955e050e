#pragma once
// Poco's JSON parser, plus what hand-written files need: the first duplicate key is reported
// (Poco would keep the last one silently, hiding a typo'd override), object key order can be kept,
// and a bare scalar document is reported instead of Poco's "empty stack". Used for the config
// file and mapping files; each formats the reported path in its own style.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Dynamic/Var.h>

namespace evalbridge {

struct JsonPathStep {
  bool isIndex = false;
  std::string key;        // when !isIndex
  std::size_t index = 0;  // when isIndex
};

struct DuplicateJsonKey {
  std::vector<JsonPathStep> objectPath;  // where the object holding the duplicate is (empty: the root)
  std::string key;
};

struct StrictJson {
  Poco::Dynamic::Var value;                  // empty when the document is a bare scalar
  std::optional<DuplicateJsonKey> duplicate;  // the first duplicate key, if any
  std::string rootScalarType;                // "a string", "a number", "a boolean" or "null" for a bare scalar
};

// Throws Poco::Exception (e.g. Poco::JSON::JSONException) for text that is not JSON.
StrictJson parseStrictJson(const std::string& text, bool preserveKeyOrder);

}  // namespace evalbridge
