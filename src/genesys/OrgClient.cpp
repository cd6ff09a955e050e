#include "genesys/OrgClient.h"

#include <sstream>

#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include "genesys/GenesysRetry.h"
#include "http/BasicAuth.h"
#include "http/ShutdownToken.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.genesys"); }

std::string pathOnly(const std::string& pathAndQuery) { return pathAndQuery.substr(0, pathAndQuery.find('?')); }

}  // namespace

OrgClient::OrgClient(const OrgSettings& org, ShutdownToken& shutdown, RetryObserver onRetry, WorkerThreads* readers)
    : org_(org),
      shutdown_(shutdown),
      onRetry_(std::move(onRetry)),
      readers_(readers),
      http_(HttpClientOptions{org.timeoutMs, org.caFile, true}) {}

OrgClient::~OrgClient() = default;

void OrgClient::fetchToken() {
  HttpRequest request;
  request.method = "POST";
  request.url = org_.loginBase + "/oauth/token";
  request.headers = {{"Authorization", basicAuthorization(org_.clientId, org_.clientSecret)},
                     {"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  HttpResponse response = sendRetrying(request, "POST /oauth/token");
  if (response.status != 200) fail(response, "POST /oauth/token");
  try {
    Poco::JSON::Parser parser;
    auto body = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    token_ = body->getValue<std::string>("access_token");
    int expiresIn = body->optValue<int>("expires_in", 3600);
    // Renew when 90% of the lifetime has passed (at least 30 s early), so no call carries a
    // token that expires in flight.
    int margin = std::max(30, expiresIn / 10);
    renewAt_ = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(0, expiresIn - margin));
    ++tokenGeneration_;
  } catch (const Poco::Exception& e) {
    throw TransientError("org " + org_.name + ": login at " + org_.loginBase +
                         " answered 200 without a usable access_token (" + e.message() + ")");
  }
  logger().debug("org %s: new access token", org_.name);
}

std::string OrgClient::accessToken() {
  std::lock_guard<std::mutex> lock(tokenMutex_);
  if (token_.empty() || std::chrono::steady_clock::now() >= renewAt_) fetchToken();
  return token_;
}

HttpResponse OrgClient::send(const std::string& method, const std::string& pathAndQuery, const std::string& body) {
  HttpRequest request;
  request.method = method;
  // The token only ever goes to this org's own API host: the URL is built here, never taken
  // from a response.
  request.url = org_.apiBase + pathAndQuery;
  request.body = body;
  for (int attempt = 0;; ++attempt) {
    const std::string token = accessToken();
    request.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    HttpResponse response = sendRetrying(request, method + " " + pathOnly(pathAndQuery));
    if (response.status == 401 && attempt == 0) {
      // Expired or revoked token: renew once and try again; a second 401 is final. Only the
      // token this call used is dropped, so concurrent callers do not renew it over and over.
      std::lock_guard<std::mutex> lock(tokenMutex_);
      if (token_ == token) token_.clear();
      logger().information("org %s: %s %s answered 401; renewing the token once", org_.name, method,
                           pathOnly(pathAndQuery));
      continue;
    }
    return response;
  }
}

HttpResponse OrgClient::probe(const std::string& method, const std::string& pathAndQuery, const std::string& jsonBody) {
  return send(method, pathAndQuery, jsonBody);
}

HttpResponse OrgClient::call(const std::string& method, const std::string& pathAndQuery, const std::string& jsonBody) {
  HttpResponse response = send(method, pathAndQuery, jsonBody);
  if (response.status < 200 || response.status > 299) fail(response, method + " " + pathOnly(pathAndQuery));
  return response;
}

HttpResponse OrgClient::download(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  // The URL carries its own signature: never log it whole.
  HttpResponse response = sendRetrying(request, "GET (pre-signed export download)");
  if (response.status < 200 || response.status > 299) {
    // The URL carries its own signature: never log it whole.
    throw PermanentError("org " + org_.name + ": download of export results failed with HTTP " +
                         std::to_string(response.status) + " (the pre-signed URL may have expired)");
  }
  return response;
}

HttpResponse OrgClient::sendRetrying(const HttpRequest& request, const std::string& what) {
  return sendToGenesys(http_, request, org_.retry, shutdown_, GenesysCallSite{org_.name, what}, onRetry_);
}

OrgIdentity OrgClient::identity() {
  HttpResponse response = call("GET", "/api/v2/tokens/me");
  OrgIdentity identity;
  try {
    Poco::JSON::Parser parser;
    auto body = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    if (auto organization = body->getObject("organization")) {
      identity.orgId = organization->optValue<std::string>("id", "");
      identity.orgName = organization->optValue<std::string>("name", "");
    }
    if (auto client = body->getObject("OAuthClient")) {
      identity.clientId = client->optValue<std::string>("id", "");
      identity.clientName = client->optValue<std::string>("name", "");
    }
  } catch (const Poco::Exception& e) {
    throw PermanentError("org " + org_.name + ": GET /api/v2/tokens/me returned an unreadable body: " + e.message());
  }
  return identity;
}

OrgIdentity OrgClient::tokenIdentity() {
  accessToken();  // the token this sweep starts with
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(tokenMutex_);
    if (identifiedGeneration_ == tokenGeneration_) return identified_;  // a fetched token is never 0
    generation = tokenGeneration_;
  }
  OrgIdentity answer = identity();
  std::lock_guard<std::mutex> lock(tokenMutex_);
  // Remembered for the token asked about. Had the call renewed it (a 401), the next sweep asks
  // again: only ever too often, never too seldom.
  identifiedGeneration_ = generation;
  identified_ = answer;
  return answer;
}

void OrgClient::fail(const HttpResponse& response, const std::string& request) const {
  GenesysErrorInfo info = parseGenesysError(response);
  GenesysErrorContext where{org_.name, org_.orgId, org_.clientId,
                            request.rfind("POST /oauth/token", 0) == 0 ? org_.loginBase : org_.apiBase, request};
  std::string explanation = explainGenesysError(info, where);
  logger().error(explanation);
  if (isTransientStatus(response.status)) throw TransientError(explanation);
  throw GenesysApiError(explanation, info);
}

}  // namespace evalbridge
