#include "genesys/MalformedEntry.h"

#include "genesys/PrivateMember.h"

namespace evalbridge {
namespace {

// Names no parsed document can carry (PrivateMember.h), so nothing read is taken for a wrapper.
// Built on first use, whatever order the program's statics are built in.
const std::string& rawMember() {
  static const std::string name = privateMemberName("__malformed");
  return name;
}
const std::string& reasonMember() {
  static const std::string name = privateMemberName("__reason");
  return name;
}

}  // namespace

Poco::JSON::Object::Ptr makeMalformedEntry(const std::string& raw, const std::string& reason) {
  Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
  entry->set(rawMember(), raw);
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
