#include "server/WarningThrottle.h"

namespace evalbridge {

WarningThrottle::WarningThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}

std::optional<std::uint64_t> WarningThrottle::admit() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (last_ && now - *last_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_ = now;
  const std::uint64_t held = suppressed_;
  suppressed_ = 0;
  return held;
}

}  // namespace evalbridge
