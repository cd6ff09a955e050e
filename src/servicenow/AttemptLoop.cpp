#include "servicenow/AttemptLoop.h"

#include <algorithm>

#include "common/Errors.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"

namespace evalbridge {

LoopEnd runAttempts(const RetrySettings& settings, ShutdownToken& shutdown,
                    const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks,
                    unsigned seed) {
  using Clock = std::chrono::steady_clock;
  Backoff backoff(settings, seed);
  const int maxAttempts = std::max(1, settings.maxAttempts);
  const auto deadline = Clock::now() + std::chrono::seconds(std::max(0, settings.maxElapsedS));
  for (int number = 1;; ++number) {
    AttemptVerdict verdict;
    try {
      verdict = attempt(number);
    } catch (const TransientError& e) {
      verdict = AttemptVerdict::retry(e.message());
    }
    if (verdict.settled) return LoopEnd::Settled;
    if (hooks.onFailure) hooks.onFailure(number, verdict.failure);
    if (shutdown.stopRequested()) return LoopEnd::ShuttingDown;
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    // A Retry-After longer than the time left cannot be honoured: give up now rather than early.
    if (number >= maxAttempts || remaining.count() <= 0 || (verdict.retryAfter && *verdict.retryAfter > remaining))
      return LoopEnd::OutOfBudget;
    const auto delay = std::min(backoff.delay(number, verdict.retryAfter), remaining);
    if (hooks.onRetry) hooks.onRetry(number, verdict.failure, delay);
    if (!shutdown.sleepFor(delay)) return LoopEnd::ShuttingDown;
  }
}

}  // namespace evalbridge
