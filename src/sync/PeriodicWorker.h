#pragma once
// A thread that runs one task again and again: the task returns how long to wait before its next
// run; kick() ends the wait early (e.g. a webhook changed a state: write back now); a stop
// request on the ShutdownToken ends the wait at once and the loop after the current run.
// The task is never run concurrently with itself.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <Poco/Event.h>

#include "http/ShutdownToken.h"

namespace evalbridge {

class PeriodicWorker {
 public:
  using Task = std::function<std::chrono::milliseconds()>;

  PeriodicWorker(std::string name, ShutdownToken& shutdown, Task task);
  ~PeriodicWorker();  // joins (after a stop request the current run finishes first)
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  void start();
  void kick();
  // Waits until the loop has ended (after a stop request), up to `timeout`.
  bool waitFinished(std::chrono::milliseconds timeout);
  const std::string& name() const { return name_; }

 private:
  void loop();

  std::string name_;
  ShutdownToken& shutdown_;
  Task task_;
  Poco::Event wake_{Poco::Event::EVENT_AUTORESET};
  Poco::Event finished_{Poco::Event::EVENT_MANUALRESET};
  std::optional<ShutdownToken::Subscription> onStop_;
  std::thread thread_;
};

}  // namespace evalbridge
