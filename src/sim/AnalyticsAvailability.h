#pragma once
// The analytics "data availability date" of one org: data about events after it has not reached
// the analytics store yet. By default it follows the real clock minus the org's analyticsLagS;
// a test can pin it (and unpin it) to make "data reaches analytics late" happen on demand.
// Thread-safe.
#include <Poco/Timestamp.h>

#include <mutex>
#include <optional>

namespace evalbridge::sim {

class AnalyticsAvailability {
 public:
  explicit AnalyticsAvailability(int lagSeconds) : lagSeconds_(lagSeconds) {}

  Poco::Timestamp now() const;
  // nullopt: follow the clock again.
  void fix(std::optional<Poco::Timestamp> date);

 private:
  const int lagSeconds_;
  mutable std::mutex mutex_;
  std::optional<Poco::Timestamp> fixed_;
};

}  // namespace evalbridge::sim
