#include "genesys/PrivateMember.h"

#include <Poco/UUIDGenerator.h>

namespace evalbridge {

std::string privateMemberName(const std::string& base) {
  static const std::string suffix = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  return base + "." + suffix;
}

}  // namespace evalbridge
