#pragma once
// A record a source could not read as an evaluation: an element that is not a JSON object, a
// whole page that is not JSON, or a full read whose object holds a value no strict parser takes
// or that gave the same unreadable answer twice. Sources hand it on like an evaluation, wrapped
// with its raw text and the reason, so the sync keeps it in the dead letter instead of losing it.
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

namespace evalbridge {

Poco::JSON::Object::Ptr makeMalformedEntry(std::string_view raw, const std::string& reason);
bool isMalformedEntry(const Poco::JSON::Object::Ptr& entry);
std::string malformedRawText(const Poco::JSON::Object::Ptr& entry);
std::string malformedReason(const Poco::JSON::Object::Ptr& entry);

}  // namespace evalbridge
