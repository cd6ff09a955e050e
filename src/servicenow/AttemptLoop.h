#pragma once
// The one retry loop of the sink (SPEC section 5), shared by create and update: an attempt either
// settles the record or reports a transient failure; the loop then waits (exponential backoff
// with full jitter, Retry-After as a floor) and tries again, until servicenow.retry.maxAttempts
// or maxElapsedS runs out, or shutdown interrupts the wait. TransientError thrown by an attempt
// counts as a transient failure. Anything else (permanent outcomes) is the attempt's to settle.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/Config.h"

namespace evalbridge {

class ShutdownToken;

// What one attempt says: settled, or failed transiently (why, and how long the server asked to wait).
struct AttemptVerdict {
  bool settled = false;
  std::string failure;
  std::optional<std::chrono::milliseconds> retryAfter;

  static AttemptVerdict done() { return AttemptVerdict{true, {}, {}}; }
  static AttemptVerdict retry(std::string why, std::optional<std::chrono::milliseconds> after = {}) {
    return AttemptVerdict{false, std::move(why), after};
  }
};

enum class LoopEnd { Settled, OutOfBudget, ShuttingDown };

struct AttemptHooks {
  // Called after every failed attempt (the last one too), e.g. to count it in the ledger.
  std::function<void(int attempt, const std::string& failure)> onFailure;
  // Called before each wait.
  std::function<void(int attempt, const std::string& failure, std::chrono::milliseconds delay)> onRetry;
};

// Runs attempt(1), attempt(2), ... as described above. `seed` 0 = random jitter.
LoopEnd runAttempts(const RetrySettings& settings, ShutdownToken& shutdown,
                    const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks = {},
                    unsigned seed = 0);

}  // namespace evalbridge
