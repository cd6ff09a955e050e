#include "http/ShutdownToken.h"

#include <algorithm>

namespace evalbridge {

ShutdownToken::ShutdownToken() : event_(Poco::Event::EVENT_MANUALRESET) {}

void ShutdownToken::requestStop() {
  stop_.store(true);
  event_.set();
  // Callbacks run under the listeners lock, so an unsubscribe that returned cannot race a
  // callback still running.
  std::lock_guard<std::mutex> lock(listenersMutex_);
  auto listeners = std::move(listeners_);
  listeners_.clear();
  for (auto& entry : listeners) entry.second();
}

bool ShutdownToken::stopRequested() const {
  return stop_.load();
}

bool ShutdownToken::sleepFor(std::chrono::milliseconds duration) {
  if (stop_.load()) return false;
  if (duration.count() <= 0) return true;
  // Poco::Event::tryWait takes a long of milliseconds; chunk very long waits.
  auto remaining = duration;
  const std::chrono::milliseconds chunk(24LL * 3600 * 1000);
  while (remaining.count() > 0) {
    const auto step = std::min(remaining, chunk);
    if (event_.tryWait(static_cast<long>(step.count()))) return false;
    remaining -= step;
  }
  return !stop_.load();
}

ShutdownToken::Subscription ShutdownToken::onStop(std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(listenersMutex_);
  const std::uint64_t id = nextListenerId_++;
  listeners_.emplace(id, std::move(callback));
  return Subscription(this, id);
}

void ShutdownToken::unsubscribe(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(listenersMutex_);
  listeners_.erase(id);
}

ShutdownToken::Subscription::~Subscription() {
  if (token_ != nullptr) token_->unsubscribe(id_);
}

}  // namespace evalbridge
