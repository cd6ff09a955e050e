#pragma once
// Classification and backoff for the one retry loop (http/RetryLoop.h, SPEC section 5):
// exponential backoff with full jitter, Retry-After honoured (seconds or HTTP-date), and
// sendWithRetry, the loop applied to one idempotent HTTP request. Sleeps go through
// ShutdownToken so SIGTERM interrupts them.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <random>

#include "http/HttpClient.h"
#include "http/RetrySettings.h"

namespace evalbridge {

class ShutdownToken;

// 408, 425, 429 and every 5xx.
bool isTransientStatus(int status);

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`).
// Returns nothing for an empty or unparseable value; never negative.
std::optional<std::chrono::milliseconds> parseRetryAfter(
    const std::string& value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Delay before retry number `attempt` (1 = first retry): uniform in [0, min(maxMs, initialMs*2^(attempt-1))];
// a Retry-After from the server is a floor (the delay is never shorter than it, and may exceed maxMs).
class Backoff {
 public:
  // seed 0 means "seed from std::random_device"; tests pass a fixed seed.
  explicit Backoff(RetrySettings settings, unsigned seed = 0);
  std::chrono::milliseconds delay(int attempt, std::optional<std::chrono::milliseconds> retryAfter = {});
  const RetrySettings& settings() const { return settings_; }

 private:
  RetrySettings settings_;
  std::minstd_rand random_;
};

// Observes each retry decision (for logs and metrics).
struct RetryEvent {
  int attempt = 0;               // the attempt that failed (1-based)
  std::string reason;            // "HTTP 503", "connection reset", ...
  std::chrono::milliseconds delay{0};
};
using RetryObserver = std::function<void(const RetryEvent&)>;

// What a retry loop says about the call in its messages.
struct RetryContext {
  std::string what;                            // message prefix, e.g. "org acme-us: GET /api/v2/..."
  std::vector<std::string> diagnosticHeaders;  // response headers quoted in reasons (e.g. inin-correlation-id)
};

// Sends an idempotent request (GET, token, job status) through runAttempts: transient statuses
// and TransientError are retried; any other status is returned to the caller. When attempts or
// elapsed time run out, throws TransientError with the last reason; when shutdown is requested
// while waiting, throws TransientError("shutting down").
HttpResponse sendWithRetry(HttpClient& client, const HttpRequest& request, Backoff& backoff,
                           ShutdownToken& shutdown, const RetryObserver& observer = {},
                           const RetryContext& context = {});

}  // namespace evalbridge
