#include "config/Regions.h"

#include <Poco/String.h>

namespace evalbridge {

const std::vector<GenesysRegion>& genesysRegions() {
  static const std::vector<GenesysRegion> regions = {
      {"us-east-1", "mypurecloud.com"},
      {"us-east-2", "use2.us-gov-pure.cloud"},
      {"us-west-2", "usw2.pure.cloud"},
      {"ca-central-1", "cac1.pure.cloud"},
      {"sa-east-1", "sae1.pure.cloud"},
      {"mx-central-1", "mxc1.pure.cloud"},
      {"eu-west-1", "mypurecloud.ie"},
      {"eu-west-2", "euw2.pure.cloud"},
      {"eu-central-1", "mypurecloud.de"},
      {"eu-central-2", "euc2.pure.cloud"},
      {"eusc-de-east-1", "edee1.eusc-pure.cloud"},
      {"me-central-1", "mec1.pure.cloud"},
      {"ap-south-1", "aps1.pure.cloud"},
      {"ap-southeast-1", "apse1.pure.cloud"},
      {"ap-southeast-2", "mypurecloud.com.au"},
      {"ap-northeast-1", "mypurecloud.jp"},
      {"ap-northeast-2", "apne2.pure.cloud"},
      {"ap-northeast-3", "apne3.pure.cloud"},
  };
  return regions;
}

std::optional<GenesysRegion> resolveRegion(const std::string& nameOrDomain) {
  std::string key = Poco::toLower(Poco::trim(nameOrDomain));
  if (!key.empty() && key.back() == '.') key.pop_back();
  if (key.empty()) return std::nullopt;
  for (const auto& region : genesysRegions())
    if (key == region.name || key == region.domain) return region;
  return std::nullopt;
}

std::string regionNamesList() {
  std::string out;
  for (const auto& region : genesysRegions()) {
    if (!out.empty()) out += ", ";
    out += region.name;
  }
  return out;
}

}  // namespace evalbridge
