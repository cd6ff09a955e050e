#pragma once
// How long a notification channel waits before its next attempt to (re)connect: exponential,
// capped, with "equal jitter" (a random point in the upper half of the step). Unlike the request
// retry loop's full jitter (http/RetryPolicy.h), which may wait almost nothing, a reconnect
// always waits at least half its step: a channel that keeps failing must not hammer the
// service, and the jitter still spreads many orgs (or replicas) reconnecting after one outage.
#include <chrono>
#include <random>

namespace evalbridge {

class ReconnectBackoff {
 public:
  // seed 0: seeded from std::random_device; tests pass a fixed seed.
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, unsigned seed = 0);

  // The wait before reconnect attempt `failures` (1 = after the first failure):
  // step = min(max, initial * 2^(failures-1)), uniform in [step/2, step].
  std::chrono::milliseconds delay(int failures);

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::minstd_rand random_;
};

}  // namespace evalbridge
