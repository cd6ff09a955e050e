#pragma once
// A Genesys response body that must be a JSON object. A body that is not (a proxy's HTML error
// page, a truncated reply) is a TransientError naming the call: a later attempt may get it right.
#include <string>

#include <Poco/JSON/Object.h>

namespace evalbridge {

Poco::JSON::Object::Ptr parseResponseObject(const std::string& body, const std::string& what);

}  // namespace evalbridge
