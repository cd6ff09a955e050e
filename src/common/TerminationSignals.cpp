#include "common/TerminationSignals.h"

#include <pthread.h>

namespace evalbridge {

TerminationSignals::TerminationSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int TerminationSignals::wait() const {
  int received = 0;
  while (sigwait(&signals_, &received) != 0) {
  }
  return received;
}

}  // namespace evalbridge
