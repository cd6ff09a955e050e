#include "sync/PeriodicWorker.h"

#include <algorithm>
#include <string>
#include <system_error>

#include <Poco/Logger.h>

#include "common/Errors.h"
#include "common/WorkerThreads.h"

namespace evalbridge {

PeriodicWorker::PeriodicWorker(std::string name, ShutdownToken& shutdown, Task task)
    : name_(std::move(name)), shutdown_(shutdown), task_(std::move(task)) {}

PeriodicWorker::~PeriodicWorker() {
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::start() {
  // Subscribe before starting: a stop requested from now on wakes the wait at once.
  onStop_.emplace(shutdown_.onStop([this] { wake_.set(); }));
  try {
    thread_ = std::thread([this] { loop(); });
  } catch (const std::system_error& e) {
    // `run` needs this one (each org's sweep has its own): it cannot start without it.
    const std::string why = "; `run` holds a thread for each org's sweep and each org's notification channel: ";
    throw EvalbridgeError(name_ + ": " + refusedThreadText(e) + why + kThreadLimitAdvice);
  }
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
