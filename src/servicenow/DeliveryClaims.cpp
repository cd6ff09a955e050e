#include "servicenow/DeliveryClaims.h"

namespace evalbridge {

std::optional<DeliveryClaims::Claim> DeliveryClaims::tryClaim(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!keys_.insert(key).second) return std::nullopt;
  return std::optional<Claim>(std::in_place, *this, key);
}

bool DeliveryClaims::claimed(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return keys_.count(key) > 0;
}

bool DeliveryClaims::anyWithPrefix(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto first = keys_.lower_bound(prefix);  // the keys are ordered: those with the prefix follow it
  return first != keys_.end() && first->compare(0, prefix.size(), prefix) == 0;
}

void DeliveryClaims::release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  keys_.erase(key);
}

}  // namespace evalbridge
