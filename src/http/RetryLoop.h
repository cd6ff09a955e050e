#pragma once
// The one retry loop (SPEC section 5) behind every outbound call: Genesys and ServiceNow requests,
// OAuth tokens, result pages, the incident-state pull, write-back, and the sink's creates and
// updates. An attempt either settles (whatever its outcome: the caller decides what success or a
// permanent failure means) or reports a transient failure, with the server's Retry-After when it
// sent one. The loop then waits (exponential backoff with full jitter, Retry-After as a floor,
// never past the budget) and tries again, until the attempts or the elapsed time run out, or a
// shutdown interrupts the wait. A TransientError thrown by an attempt is a transient failure.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "http/RetrySettings.h"

namespace evalbridge {

class Backoff;
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

struct LoopResult {
  LoopEnd end = LoopEnd::Settled;
  int attempts = 0;
  std::string failure;  // the last transient failure (when not settled)
  // Why the loop stopped, for messages: "gave up after 3 attempt(s)", "gave up after 4
  // attempt(s) in 61 s (limit 60 s); server asked to wait 120 s", "shutting down".
  std::string why;
};

struct AttemptHooks {
  // Called after every failed attempt (the last one too), e.g. to count it in the ledger.
  std::function<void(int attempt, const std::string& failure)> onFailure;
  // Called before each wait.
  std::function<void(int attempt, const std::string& failure, std::chrono::milliseconds delay)> onRetry;
};

// Runs attempt(1), attempt(2), ... as described above, with `backoff`'s settings as the budget.
LoopResult runAttempts(Backoff& backoff, ShutdownToken& shutdown,
                       const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks = {});

// The same with a fresh Backoff over `settings` (`seed` 0 = random jitter).
LoopResult runAttempts(const RetrySettings& settings, ShutdownToken& shutdown,
                       const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks = {},
                       unsigned seed = 0);

}  // namespace evalbridge
