#include "servicenow/AccessRefusal.h"

namespace evalbridge {

bool AccessRefusal::refused(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  // A hold runs from the refusal itself: deliveries stopped by it do not extend it.
  if (now < until_) return false;
  why_ = why;
  until_ = now + hold_;
  return true;
}

std::optional<std::string> AccessRefusal::holding() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::chrono::steady_clock::now() >= until_) return std::nullopt;
  return why_;
}

}  // namespace evalbridge
