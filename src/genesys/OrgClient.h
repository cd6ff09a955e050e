#pragma once
// Everything the bridge says to one Genesys Cloud org goes through its own OrgClient: its own
// connection pool, its own token (cached, renewed before expiry and once on a 401), sent only to
// that org's apiBase. Two orgs never share a token or a connection.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/Config.h"
#include "genesys/GenesysError.h"
#include "http/HttpClient.h"
#include "http/RetryPolicy.h"

namespace evalbridge {

class ShutdownToken;
class WorkerThreads;

struct OrgIdentity {
  std::string orgId;
  std::string orgName;
  std::string clientId;
  std::string clientName;
};

class OrgClient {
 public:
  // `readers`: the threads this org's parallel reads run on, shared with other orgs (null: each
  // batch of reads starts its own).
  OrgClient(const OrgSettings& org, ShutdownToken& shutdown, RetryObserver onRetry = {},
            WorkerThreads* readers = nullptr);
  ~OrgClient();

  const OrgSettings& org() const { return org_; }
  // The proxy rules of this org's requests, for its notification WebSocket.
  const ProxySettings& proxies() const { return http_.proxies(); }
  // The token that ends this org's work, for retry loops built on top of this client's calls.
  ShutdownToken& shutdown() const { return shutdown_; }
  WorkerThreads* readers() const { return readers_; }

  // A valid access token (fetched or renewed as needed). Throws GenesysApiError on a login
  // refusal (e.g. invalid_client: wrong secret or wrong region).
  std::string accessToken();

  // Calls {apiBase}{pathAndQuery} with the org's token; retries transient failures; renews the
  // token once on 401. Returns 2xx responses; throws GenesysApiError (explained) otherwise.
  // Thread-safe: the analytics source reads evaluations from several threads.
  HttpResponse call(const std::string& method, const std::string& pathAndQuery, const std::string& jsonBody = "");

  // Like call(), but returns any final response instead of throwing on 4xx (for probes).
  HttpResponse probe(const std::string& method, const std::string& pathAndQuery, const std::string& jsonBody = "");

  // Reads a pre-signed URL: never sends the Authorization header (the URL is its own credential).
  HttpResponse download(const std::string& url);

  // GET /api/v2/tokens/me: who the org's current token belongs to, asked now.
  OrgIdentity identity();
  // The same, asked once per token: a token's org and OAuth client never change, so a sweep that
  // still holds the token an earlier sweep checked asks nothing (in `run`, one request fewer per
  // org and cycle against the org's rate limit). A token renewed since is asked about again.
  OrgIdentity tokenIdentity();

  // Throws GenesysApiError-like explanation for a failed response of this org.
  [[noreturn]] void fail(const HttpResponse& response, const std::string& request) const;

 private:
  HttpResponse send(const std::string& method, const std::string& pathAndQuery, const std::string& body);
  HttpResponse sendRetrying(const HttpRequest& request, const std::string& what);
  void fetchToken();

  OrgSettings org_;
  ShutdownToken& shutdown_;
  RetryObserver onRetry_;
  WorkerThreads* readers_;
  HttpClient http_;
  std::mutex tokenMutex_;
  std::string token_;
  std::chrono::steady_clock::time_point renewAt_{};
  std::uint64_t tokenGeneration_ = 0;       // counts the tokens fetched
  std::uint64_t identifiedGeneration_ = 0;  // the token identified_ was asked of; 0: none yet
  OrgIdentity identified_;
};

}  // namespace evalbridge
