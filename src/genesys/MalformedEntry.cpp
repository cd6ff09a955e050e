#include "genesys/MalformedEntry.h"

#include "genesys/PrivateMember.h"

namespace evalbridge {
namespace {

// Names no parsed document can carry (PrivateMember.h), so nothing read is taken for a wrapper.
const std::string& rawMember() { return privateMemberName(PrivateMember::MalformedRaw); }
const std::string& reasonMember() { return privateMemberName(PrivateMember::MalformedReason); }

}  // namespace

Poco::JSON::Object::Ptr makeMalformedEntry(std::string_view raw, const std::string& reason) {
  Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
  entry->set(rawMember(), std::string(raw));
  entry->set(reasonMember(), reason);
  return entry;
}

bool isMalformedEntry(const Poco::JSON::Object::Ptr& entry) { return entry && entry->has(rawMember()); }

std::string malformedRawText(const Poco::JSON::Object::Ptr& entry) {
  return entry->optValue<std::string>(rawMember(), "");
}

std::string malformedReason(const Poco::JSON::Object::Ptr& entry) {
  return entry->optValue<std::string>(reasonMember(), "not a JSON object");
}

}  // namespace evalbridge
