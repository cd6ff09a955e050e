#include "genesys/JsonResponse.h"

#include <Poco/JSON/Parser.h>

#include "common/Errors.h"

namespace evalbridge {

Poco::JSON::Object::Ptr parseResponseObject(const std::string& body, const std::string& what) {
  Poco::Dynamic::Var value;
  try {
    Poco::JSON::Parser parser;
    value = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw TransientError(what + ": the response is not valid JSON (" + e.message() + ")");
  }
  if (value.type() != typeid(Poco::JSON::Object::Ptr)) throw TransientError(what + ": the response is not a JSON object");
  return value.extract<Poco::JSON::Object::Ptr>();
}

}  // namespace evalbridge
