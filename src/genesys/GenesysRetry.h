#pragma once
// Retries for Genesys Cloud calls: http/RetryPolicy's sendWithRetry (transient statuses and
// connection errors retried with full-jitter backoff, Retry-After as a floor, bounded by attempts
// and elapsed time), plus what a Genesys operator needs in the log: each failed attempt is logged
// with the org, the request and the `inin-correlation-id` Genesys support asks for.
#include <string>

#include "config/Config.h"
#include "http/HttpClient.h"
#include "http/RetryPolicy.h"

namespace evalbridge {

class ShutdownToken;

struct GenesysCallSite {
  std::string orgName;
  std::string request;  // "GET /api/v2/quality/exports/{id}" (no query: it may carry cursors)
};

// Returns the first non-transient response; throws TransientError (naming the org, the request,
// the last reason and its inin-correlation-id) when attempts or time run out.
HttpResponse sendToGenesys(HttpClient& client, const HttpRequest& request, const RetrySettings& settings,
                           ShutdownToken& shutdown, const GenesysCallSite& site, const RetryObserver& observer = {});

}  // namespace evalbridge
