#include "http/RetryLoop.h"

#include <algorithm>

#include "common/Errors.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"

namespace evalbridge {

LoopResult runAttempts(Backoff& backoff, ShutdownToken& shutdown,
                       const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks) {
  using Clock = std::chrono::steady_clock;
  const RetrySettings& settings = backoff.settings();
  const int maxAttempts = std::max(1, settings.maxAttempts);
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(std::max(0, settings.maxElapsedS));
  LoopResult result;
  for (int number = 1;; ++number) {
    result.attempts = number;
    AttemptVerdict verdict;
    try {
      verdict = attempt(number);
    } catch (const TransientError& e) {
      verdict = AttemptVerdict::retry(e.message());
    }
    if (verdict.settled) {
      result.end = LoopEnd::Settled;
      result.failure.clear();
      return result;
    }
    result.failure = verdict.failure;
    if (hooks.onFailure) hooks.onFailure(number, verdict.failure);
    if (shutdown.stopRequested()) {
      result.end = LoopEnd::ShuttingDown;
      result.why = "shutting down";
      return result;
    }
    const auto now = Clock::now();
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const bool waitTooLong = verdict.retryAfter && *verdict.retryAfter > remaining;
    if (number >= maxAttempts) {
      result.end = LoopEnd::OutOfBudget;
      result.why = "gave up after " + std::to_string(number) + " attempt(s)";
      return result;
    }
    // A Retry-After longer than the time left cannot be honoured: give up now rather than early.
    if (remaining.count() <= 0 || waitTooLong) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
      result.end = LoopEnd::OutOfBudget;
      result.why = "gave up after " + std::to_string(number) + " attempt(s) in " + std::to_string(elapsed) +
                   " s (limit " + std::to_string(settings.maxElapsedS) + " s)";
      if (waitTooLong) result.why += "; server asked to wait " + std::to_string(verdict.retryAfter->count() / 1000) + " s";
      return result;
    }
    const auto delay = std::min(backoff.delay(number, verdict.retryAfter), remaining);
    if (hooks.onRetry) hooks.onRetry(number, verdict.failure, delay);
    if (!shutdown.sleepFor(delay)) {
      result.end = LoopEnd::ShuttingDown;
      result.why = "shutting down";
      return result;
    }
  }
}

LoopResult runAttempts(const RetrySettings& settings, ShutdownToken& shutdown,
                       const std::function<AttemptVerdict(int attempt)>& attempt, const AttemptHooks& hooks,
                       unsigned seed) {
  Backoff backoff(settings, seed);
  return runAttempts(backoff, shutdown, attempt, hooks);
}

}  // namespace evalbridge
