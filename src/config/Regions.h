#pragma once
// The public Genesys Cloud regions: region name <-> domain. Hosts are https://api.{domain} and
// https://login.{domain}.
#include <optional>
#include <string>
#include <vector>

namespace evalbridge {

struct GenesysRegion {
  std::string name;    // e.g. "eu-west-1"
  std::string domain;  // e.g. "mypurecloud.ie"
};

// Every known region, in a stable order.
const std::vector<GenesysRegion>& genesysRegions();

// Accepts a region name ("us-east-1") or a domain ("mypurecloud.com"), case-insensitive, with
// surrounding whitespace and a trailing dot ignored. Nothing for anything else.
std::optional<GenesysRegion> resolveRegion(const std::string& nameOrDomain);

// "us-east-1, us-east-2, ..." for error messages.
std::string regionNamesList();

}  // namespace evalbridge
