#pragma once
// Lets one warning through per interval and counts the ones it holds back, so a caller who can
// trigger a warning at will (e.g. an unsigned webhook request) cannot flood the log.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace evalbridge {

class WarningThrottle {
 public:
  explicit WarningThrottle(std::chrono::steady_clock::duration interval);

  // The number of warnings held back since the last one let through, when this one may be
  // logged; nothing when it must be held back. Thread-safe.
  std::optional<std::uint64_t> admit();

 private:
  std::chrono::steady_clock::duration interval_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  std::uint64_t suppressed_ = 0;
};

}  // namespace evalbridge
