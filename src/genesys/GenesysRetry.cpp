#include "genesys/GenesysRetry.h"

#include <atomic>
#include <chrono>
#include <random>

#include <Poco/Logger.h>

#include "common/Errors.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.genesys"); }

// Backoff keeps jitter state; each call gets its own (calls run concurrently), seeded differently.
unsigned nextSeed() {
  static std::atomic<unsigned> counter{std::random_device{}()};
  return counter.fetch_add(0x9E3779B9u) | 1u;
}

}  // namespace

HttpResponse sendToGenesys(HttpClient& client, const HttpRequest& request, const RetrySettings& settings,
                           ShutdownToken& shutdown, const GenesysCallSite& site, const RetryObserver& observer) {
  using Clock = std::chrono::steady_clock;
  Backoff backoff(settings, nextSeed());
  const int maxAttempts = std::max(1, settings.maxAttempts);
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(std::max(0, settings.maxElapsedS));

  for (int attempt = 1;; ++attempt) {
    std::string reason;
    std::optional<std::chrono::milliseconds> retryAfter;
    try {
      HttpResponse response = client.send(request);
      if (!isTransientStatus(response.status)) return response;
      reason = "HTTP " + std::to_string(response.status);
      const std::string correlationId = response.header("inin-correlation-id");
      if (!correlationId.empty()) reason += " [inin-correlation-id " + correlationId + "]";
      retryAfter = parseRetryAfter(response.header("Retry-After"));
      if (retryAfter) reason += " (Retry-After " + std::to_string(retryAfter->count() / 1000) + " s)";
    } catch (const TransientError& error) {
      reason = error.message();
    }
    const std::string what = "org " + site.orgName + ": " + site.request;

    if (attempt >= maxAttempts)
      throw TransientError(what + ": gave up after " + std::to_string(attempt) + " attempt(s): " + reason);
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0 || (retryAfter && *retryAfter > remaining)) {
      throw TransientError(what + ": gave up after " + std::to_string(attempt) + " attempt(s) (limit " +
                           std::to_string(settings.maxElapsedS) + " s): " + reason);
    }
    auto wait = std::min(backoff.delay(attempt, retryAfter), remaining);
    logger().warning("%s failed (attempt %d): %s; retrying in %d ms", what, attempt, reason,
                     static_cast<int>(wait.count()));
    if (observer) observer(RetryEvent{attempt, reason, wait});
    if (!shutdown.sleepFor(wait)) throw TransientError(what + ": shutting down");
  }
}

}  // namespace evalbridge
