#include "sync/PeriodicWorker.h"

#include <algorithm>

#include <Poco/Logger.h>

namespace evalbridge {

PeriodicWorker::PeriodicWorker(std::string name, ShutdownToken& shutdown, Task task)
    : name_(std::move(name)), shutdown_(shutdown), task_(std::move(task)) {}

PeriodicWorker::~PeriodicWorker() {
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::start() {
  // Subscribe before starting: a stop requested from now on wakes the wait at once.
  onStop_.emplace(shutdown_.onStop([this] { wake_.set(); }));
  thread_ = std::thread([this] { loop(); });
}

void PeriodicWorker::kick() { wake_.set(); }

bool PeriodicWorker::waitFinished(std::chrono::milliseconds timeout) {
  if (!thread_.joinable()) return true;
  return finished_.tryWait(static_cast<long>(std::max<long long>(0, timeout.count())));
}

void PeriodicWorker::loop() {
  while (!shutdown_.stopRequested()) {
    std::chrono::milliseconds delay{1000};
    try {
      delay = task_();
    } catch (const std::exception& e) {
      // A task reports its own failures; this only keeps a surprise from ending the daemon.
      Poco::Logger::get("evalbridge.daemon").error("%s: unexpected failure: %s", name_, std::string(e.what()));
    }
    if (shutdown_.stopRequested()) break;
    wake_.tryWait(static_cast<long>(std::max<long long>(1, delay.count())));
  }
  finished_.set();
}

}  // namespace evalbridge
