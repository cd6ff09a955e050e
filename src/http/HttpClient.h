#pragma once
// The one HTTP client every outbound call goes through (Genesys and ServiceNow).
// - https:// with certificate verification (system CA store plus an optional caFile);
//   http:// only to loopback hosts (checked by UrlPolicy before a request is sent).
// - Keep-alive sessions are pooled per scheme+host+port and reused; safe to use from many threads.
// - HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower-case forms) are honoured.
// - Connection failures, resets and timeouts throw TransientError; the response is returned
//   for every HTTP status (the caller classifies it, see RetryPolicy.h).
#include <chrono>
#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/ProxySettings.h"

namespace evalbridge {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path?query
  HttpHeaders headers;
  std::string body;  // sent when non-empty (or when method is POST/PUT/PATCH)
};

struct HttpResponseHead {
  int status = 0;
  std::string reason;
  HttpHeaders headers;
  // Case-insensitive header lookup; "" when absent.
  std::string header(const std::string& name) const;
};

struct HttpResponse : HttpResponseHead {
  std::string body;
};

struct HttpClientOptions {
  int timeoutMs = 30000;   // connect, send and receive timeout (each read)
  std::string caFile;      // extra CA bundle (PEM); the system store is always used too
  bool useProxyFromEnvironment = true;
  // send() reads a body whole: one larger than this fails the request (PermanentError) instead
  // of filling memory. Streamed bodies (sendStreaming) are bounded by their reader instead.
  std::size_t maxBodyBytes = 32 * 1024 * 1024;
  // Every request must be answered whole within this many multiples of timeoutMs (send) or of
  // kStreamingDeadlineFactor x timeoutMs (sendStreaming): per-read timeouts alone let a server
  // that drips bytes hold a request forever.
  int deadlineFactor = 2;
};

// A streamed body (an export download of hundreds of MB) gets this many times longer.
constexpr int kStreamingDeadlineFactor = 30;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole body.
  HttpResponse send(const HttpRequest& request);
  // The proxy rules this client follows (HTTPS_PROXY etc. unless useProxyFromEnvironment is off),
  // for connections it does not make itself (the notification WebSocket).
  const ProxySettings& proxies() const;

  // Sends the request and hands the body to `consume` as a stream, so large bodies are never
  // held in memory. The stream must be read by `consume` before it returns.
  using BodyConsumer = std::function<void(const HttpResponseHead&, std::istream& body)>;
  void sendStreaming(const HttpRequest& request, const BodyConsumer& consume);

 private:
  void exchange(const HttpRequest& request, const BodyConsumer& consume, std::size_t maxBodyBytes,
                std::chrono::milliseconds deadline);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One finished request, as seen by the process-wide observer (latency histograms). `status` is 0
// when no response arrived (connection failure, timeout); URLs are not included (they may carry
// signatures), only the target host.
struct HttpExchange {
  std::string method;
  std::string scheme;
  std::string host;
  int port = 0;
  int status = 0;
  double seconds = 0;
};
using HttpExchangeObserver = std::function<void(const HttpExchange&)>;

// Installs (or, with an empty function, removes) the observer every HttpClient reports to after
// each request. Process-wide so the metrics need no plumbing through every client; thread-safe.
void setHttpExchangeObserver(HttpExchangeObserver observer);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string urlEncode(const std::string& value);

}  // namespace evalbridge
