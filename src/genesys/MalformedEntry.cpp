#include "genesys/MalformedEntry.h"

namespace evalbridge {
namespace {

// Member names no Genesys model has, so a real evaluation is never taken for a wrapper.
const char* const kRaw = "__malformed";
const char* const kReason = "__reason";

}  // namespace

Poco::JSON::Object::Ptr makeMalformedEntry(const std::string& raw, const std::string& reason) {
  Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
  entry->set(kRaw, raw);
  entry->set(kReason, reason);
  return entry;
}

bool isMalformedEntry(const Poco::JSON::Object::Ptr& entry) { return entry && entry->has(kRaw); }

std::string malformedRawText(const Poco::JSON::Object::Ptr& entry) { return entry->optValue<std::string>(kRaw, ""); }

std::string malformedReason(const Poco::JSON::Object::Ptr& entry) {
  return entry->optValue<std::string>(kReason, "not a JSON object");
}

}  // namespace evalbridge
