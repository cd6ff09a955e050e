#pragma once
// OAuth access tokens for the ServiceNow Table API (SPEC section 3: servicenow.auth type "oauth").
// POST {tokenUrl} (default {instanceUrl}/oauth_token.do) with a form body, grant
// client_credentials or password. The token is cached and renewed before it expires (a margin of
// a tenth of its lifetime, at least 30 s and at most 5 minutes; a renewal that gets the same token
// back keeps it to the end of the lifetime it reports), and dropped when ServiceNow
// answers 401 so the next request fetches a new one. Thread-safe: one fetch at a time, shared
// by every worker. A refused fetch is not repeated for kAccessRefusalHold: requests meanwhile
// throw the same AccessRefused. Secrets never appear in errors or logs.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "config/Config.h"
#include "http/HttpClient.h"
#include "servicenow/AccessRefusal.h"

namespace evalbridge {

class ShutdownToken;

class ServiceNowOAuth {
 public:
  // `post` sends one request (through the client's rate limiter); transient failures are retried
  // here with the servicenow.retry budget.
  using Sender = std::function<HttpResponse(const HttpRequest&)>;
  ServiceNowOAuth(const ServiceNowSettings& settings, ShutdownToken& shutdown, Sender post);

  // A valid access token, fetched or renewed as needed. Throws PermanentError when ServiceNow
  // refuses the credentials, TransientError when it cannot be reached.
  std::string accessToken();

  // Forgets `token` if it is still the cached one (after a 401), so only one renewal happens
  // when several requests fail with the same token.
  void invalidate(const std::string& token);

  // How many tokens were fetched so far (tests, metrics).
  int fetches() const;

 private:
  void fetch();
  std::string formBody() const;

  ServiceNowSettings settings_;
  ShutdownToken& shutdown_;
  Sender post_;
  mutable std::mutex mutex_;
  AccessRefusal refusal_;  // a refused token request, held a while (AccessRefusal.h)
  std::string token_;
  std::chrono::steady_clock::time_point renewAt_{};
  int fetches_ = 0;
};

// The margin before expiry at which a token of `lifetime` is renewed.
std::chrono::seconds renewalMargin(std::chrono::seconds lifetime);

}  // namespace evalbridge
