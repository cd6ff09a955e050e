#pragma once
// SIGTERM and SIGINT taken synchronously, as Poco's ServerApplication::waitForTerminationRequest
// does, for the two daemons (`evalbridge run`, `evalbridge-sim`), which are not Poco
// Applications: the signals are blocked before any thread starts (every thread inherits the
// mask), and the main thread waits for one with sigwait, so no handler runs in signal context.
#include <signal.h>

namespace evalbridge {

class TerminationSignals {
 public:
  // Blocks the signals in the calling thread; construct it before starting any thread.
  TerminationSignals();
  // Waits until one arrives; returns its number.
  int wait() const;

 private:
  sigset_t signals_;
};

}  // namespace evalbridge
