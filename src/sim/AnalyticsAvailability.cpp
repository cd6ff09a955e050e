#include "sim/AnalyticsAvailability.h"

namespace evalbridge::sim {

Poco::Timestamp AnalyticsAvailability::now() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fixed_) return *fixed_;
  return Poco::Timestamp() - static_cast<Poco::Timestamp::TimeDiff>(lagSeconds_) * Poco::Timestamp::resolution();
}

void AnalyticsAvailability::fix(std::optional<Poco::Timestamp> date) {
  std::lock_guard<std::mutex> lock(mutex_);
  fixed_ = date;
}

}  // namespace evalbridge::sim
