#pragma once
// A stop request shared by every loop that waits: sleeps are Poco::Event::tryWait, so a
// SIGTERM wakes them at once instead of after the full backoff.
#include <atomic>
#include <chrono>

#include <Poco/Event.h>

namespace evalbridge {

class ShutdownToken {
 public:
  ShutdownToken();
  void requestStop();
  bool stopRequested() const;
  // Waits up to `duration`; returns false when a stop was requested (before or during the wait).
  bool sleepFor(std::chrono::milliseconds duration);

 private:
  std::atomic<bool> stop_{false};
  Poco::Event event_;
};

}  // namespace evalbridge
