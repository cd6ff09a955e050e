#include "genesys/PrivateMember.h"

#include <array>

#include <Poco/UUIDGenerator.h>

namespace evalbridge {

const std::string& privateMemberName(PrivateMember member) {
  static const std::array<std::string, 4> names = [] {
    const std::string suffix = "." + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    return std::array<std::string, 4>{"__evalbridgeProjectedFrom" + suffix, "__evalbridgeSkippedAs" + suffix,
                                      "__malformed" + suffix, "__reason" + suffix};
  }();
  return names[static_cast<std::size_t>(member)];
}

}  // namespace evalbridge
