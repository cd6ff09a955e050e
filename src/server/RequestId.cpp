#include "server/RequestId.h"

#include <algorithm>

#include <Poco/Ascii.h>
#include <Poco/UUIDGenerator.h>

namespace evalbridge {
namespace {

constexpr std::size_t kMaxLength = 64;

bool safe(char c) { return Poco::Ascii::isAlphaNumeric(c) || c == '.' || c == '_' || c == '-'; }

}  // namespace

std::string requestIdFrom(const std::string& header) {
  if (!header.empty() && header.size() <= kMaxLength && std::all_of(header.begin(), header.end(), safe)) return header;
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

}  // namespace evalbridge
