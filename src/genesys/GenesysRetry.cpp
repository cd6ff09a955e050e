#include "genesys/GenesysRetry.h"

#include <Poco/Logger.h>


namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.genesys"); }

}  // namespace

HttpResponse sendToGenesys(HttpClient& client, const HttpRequest& request, const RetrySettings& settings,
                           ShutdownToken& shutdown, const GenesysCallSite& site, const RetryObserver& observer) {
  // Each call gets its own Backoff (it keeps jitter state, and calls run concurrently).
  Backoff backoff(settings);
  const RetryContext context{"org " + site.orgName + ": " + site.request, {"inin-correlation-id"}};
  auto logAndObserve = [&](const RetryEvent& event) {
    logger().warning("%s failed (attempt %d): %s; retrying in %d ms", context.what, event.attempt, event.reason,
                     static_cast<int>(event.delay.count()));
    if (observer) observer(event);
  };
  return sendWithRetry(client, request, backoff, shutdown, logAndObserve, context);
}

}  // namespace evalbridge
