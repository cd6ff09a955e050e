#include "genesys/MalformedEntry.h"

#include "genesys/PrivateMember.h"

namespace evalbridge {
namespace {

// Names no parsed document can carry (PrivateMember.h), so nothing read is taken for a wrapper.
const std::string kRaw = privateMemberName("__malformed");
const std::string kReason = privateMemberName("__reason");

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
