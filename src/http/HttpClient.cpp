#include "http/HttpClient.h"

#include <poll.h>

#include "http/GuardedBody.h"
#include "http/TlsClientContext.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <sstream>

#include "common/Errors.h"
#include "http/UrlPolicy.h"

namespace evalbridge {

namespace {

using Clock = std::chrono::steady_clock;

// A pooled connection idle longer than this is closed instead of reused: many servers and load
// balancers drop idle keep-alive connections after 15..60 s.
constexpr std::chrono::seconds kMaxIdle(15);
constexpr std::size_t kMaxIdlePerHost = 32;

struct Target {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  Poco::UInt16 port = 0;
  std::string pathAndQuery;
  std::string path;      // for messages: never the query (it may carry signatures or keys)
  std::string hostPort;  // "host:port", IPv6 in brackets
  std::string key;       // pool key: scheme://host:port
};

Target parseTarget(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw PermanentError("invalid request URL (not a URL)");
  }
  Target t;
  t.scheme = Poco::toLower(uri.getScheme());
  t.host = uri.getHost();
  if ((t.scheme != "http" && t.scheme != "https") || t.host.empty())
    throw PermanentError("invalid request URL: need an absolute http:// or https:// URL");
  t.port = uri.getPort();
  t.path = uri.getPath().empty() ? "/" : uri.getPath();
  t.pathAndQuery = uri.getPathAndQuery();
  if (t.pathAndQuery.empty() || t.pathAndQuery[0] != '/') t.pathAndQuery = "/" + t.pathAndQuery;
  t.hostPort = (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
  t.key = t.scheme + "://" + t.hostPort;
  if (t.scheme == "http" && !isLoopbackHost(t.host))
    throw PermanentError("refusing plain http:// to " + t.hostPort + " (only loopback hosts may use http; use https)");
  return t;
}

void ignoreSigpipeOnce() {
  // A write to a socket the peer has closed must become an error, not kill the process.
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);
  });
}

bool isIdempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

bool isCertificateProblem(const Poco::Exception& e) {
  if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) != nullptr) return true;
  if (dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e) != nullptr) return true;
  if (dynamic_cast<const Poco::Net::SSLException*>(&e) != nullptr) {
    const std::string text = Poco::toLower(e.displayText());
    return text.find("certificate") != std::string::npos;
  }
  return false;
}

// Failures that mean "the connection was already dead": nothing of the response was read.
bool isDeadConnection(const Poco::Exception& e) {
  return dynamic_cast<const Poco::Net::NoMessageException*>(&e) != nullptr ||
         dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) != nullptr ||
         dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) != nullptr ||
         dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e) != nullptr;
}

std::string describe(const Poco::Exception& e, int timeoutMs) {
  if (dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr)
    return "timed out (no answer within " + std::to_string(timeoutMs) + " ms)";
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e) != nullptr) return "connection refused";
  if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) != nullptr) return "connection reset by peer";
  if (dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) != nullptr) return "connection aborted";
  if (dynamic_cast<const Poco::Net::NoMessageException*>(&e) != nullptr)
    return "connection closed by the server before any response";
  if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) != nullptr ||
      dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e) != nullptr)
    return "cannot resolve host name";
  if (dynamic_cast<const Poco::Net::MessageException*>(&e) != nullptr)
    return "invalid HTTP response (" + e.message() + ")";
  if (dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e) != nullptr)
    return "TLS connection closed unexpectedly";
  // Poco's displayText names the class and the OS/OpenSSL reason; it never contains the URL.
  return e.displayText();
}

std::mutex observerMutex;
std::shared_ptr<const HttpExchangeObserver> exchangeObserver;

std::shared_ptr<const HttpExchangeObserver> currentObserver() {
  std::lock_guard<std::mutex> lock(observerMutex);
  return exchangeObserver;
}

// Reports the request to the observer when it goes out of scope, however it ended.
class ExchangeReport {
 public:
  ExchangeReport(const Target& target, const std::string& method) : observer_(currentObserver()) {
    if (!observer_) return;
    exchange_.method = method;
    exchange_.scheme = target.scheme;
    exchange_.host = target.host;
    exchange_.port = target.port;
    started_ = Clock::now();
  }
  ~ExchangeReport() {
    if (!observer_) return;
    exchange_.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    try {
      (*observer_)(exchange_);
    } catch (...) {
      // An observer must never turn a finished request into a failure.
    }
  }
  void setStatus(int status) { exchange_.status = status; }

 private:
  std::shared_ptr<const HttpExchangeObserver> observer_;
  HttpExchange exchange_;
  Clock::time_point started_;
};

}  // namespace

void setHttpExchangeObserver(HttpExchangeObserver observer) {
  std::lock_guard<std::mutex> lock(observerMutex);
  exchangeObserver = observer ? std::make_shared<const HttpExchangeObserver>(std::move(observer)) : nullptr;
}

// ---------------------------------------------------------------------------------------------

std::string HttpResponseHead::header(const std::string& name) const {
  for (const auto& h : headers)
    if (Poco::icompare(h.first, name) == 0) return h.second;
  return {};
}

std::string urlEncode(const std::string& value) {
  // Poco encodes controls, non-ASCII and its own "illegal" set; the RFC 3986 delimiters are added
  // so that only unreserved characters stay as they are (a value can never end a path segment or
  // start a new query parameter).
  std::string out;
  Poco::URI::encode(value, ":/?#[]@!$&'()*+,;=", out);
  return out;
}

struct HttpClient::Impl {
  struct Idle {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    Clock::time_point since;
  };

  HttpClientOptions options;
  ProxySettings proxies;
  std::mutex mutex;
  std::map<std::string, std::vector<Idle>> idle;

  explicit Impl(HttpClientOptions opts) : options(std::move(opts)) {
    if (options.useProxyFromEnvironment) proxies = ProxySettings::fromEnvironment();
    // A configured CA file is loaded now, so that a bad one fails at start. The system's bundle
    // is loaded by the first https request (sharedTlsClientContext keeps each one): a bridge
    // that only talks plain http to loopback (tests, the demo, benchmarks) never parses a few
    // hundred certificates or maps their code.
    if (!options.caFile.empty()) sharedTlsClientContext(options.caFile);
  }

  std::unique_ptr<Poco::Net::HTTPClientSession> create(const Target& t) const {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (t.scheme == "https")
      session = std::make_unique<Poco::Net::HTTPSClientSession>(t.host, t.port, sharedTlsClientContext(options.caFile));
    else
      session = std::make_unique<Poco::Net::HTTPClientSession>(t.host, t.port);
    const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(options.timeoutMs) * 1000);
    session->setTimeout(timeout, timeout, timeout);
    session->setKeepAlive(true);
    session->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(kMaxIdle.count()) + 5, 0));
    proxies.apply(*session, t.scheme, t.host);
    return session;
  }

  // A pooled connection that is still open and has nothing to read; else nullptr.
  std::unique_ptr<Poco::Net::HTTPClientSession> takeIdle(const Target& t) {
    std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> discard;  // closed outside the lock
    std::unique_ptr<Poco::Net::HTTPClientSession> found;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = idle.find(t.key);
      if (it == idle.end()) return nullptr;
      auto& list = it->second;
      const auto now = Clock::now();
      while (!list.empty()) {
        Idle entry = std::move(list.back());
        list.pop_back();
        if (now - entry.since <= kMaxIdle) {
          found = std::move(entry.session);
          break;
        }
        discard.push_back(std::move(entry.session));
      }
    }
    if (found) {
      // Readable while idle means the server closed it (EOF) or sent junk: not reusable.
      bool usable = found->connected();
      if (usable) {
        // One poll(2) on the descriptor: Socket::poll costs an epoll instance per call (create,
        // add, wait, close), four system calls on every request that reuses a connection.
        pollfd descriptor{found->socket().impl()->sockfd(), POLLIN | POLLPRI, 0};
        usable = ::poll(&descriptor, 1, 0) == 0;
      }
      if (!usable) found.reset();
    }
    return found;
  }

  void giveBack(const Target& t, std::unique_ptr<Poco::Net::HTTPClientSession> session) {
    std::lock_guard<std::mutex> lock(mutex);
    auto& list = idle[t.key];
    if (list.size() >= kMaxIdlePerHost) return;  // session closes when it goes out of scope
    list.push_back(Idle{std::move(session), Clock::now()});
  }

  void dropIdle(const Target& t) {
    std::vector<Idle> victims;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = idle.find(t.key);
      if (it != idle.end()) victims.swap(it->second);
    }
  }
};

HttpClient::HttpClient(HttpClientOptions options) {
  ignoreSigpipeOnce();
  impl_ = std::make_unique<Impl>(std::move(options));  // OpenSSL: set up by the first TLS context
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request) {
  HttpResponse result;
  const auto& options = impl_->options;
  exchange(
      request,
      [&result](const HttpResponseHead& head, std::istream& body) {
        static_cast<HttpResponseHead&>(result) = head;
        Poco::StreamCopier::copyToString(body, result.body);
      },
      options.maxBodyBytes, std::chrono::milliseconds(static_cast<long long>(options.timeoutMs) * options.deadlineFactor));
  return result;
}

const ProxySettings& HttpClient::proxies() const { return impl_->proxies; }

void HttpClient::sendStreaming(const HttpRequest& request, const BodyConsumer& consume) {
  const auto& options = impl_->options;
  exchange(request, consume, 0,
           std::chrono::milliseconds(static_cast<long long>(options.timeoutMs) * options.deadlineFactor *
                                     kStreamingDeadlineFactor));
}

void HttpClient::exchange(const HttpRequest& request, const BodyConsumer& consume, std::size_t maxBodyBytes,
                          std::chrono::milliseconds deadline) {
  const auto due = GuardedBodyBuf::Clock::now() + deadline;
  const Target target = parseTarget(request.url);
  const std::string method = Poco::toUpper(request.method.empty() ? std::string("GET") : request.method);
  const bool idempotent = isIdempotent(method);
  const bool withBody = !request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  const int timeoutMs = impl_->options.timeoutMs;
  const std::string where = method + " " + target.scheme + "://" + target.hostPort + target.path +
                            impl_->proxies.via(target.scheme, target.host);
  ExchangeReport report(target, method);

  for (int round = 0;; ++round) {
    std::unique_ptr<Poco::Net::HTTPClientSession> session = round == 0 ? impl_->takeIdle(target) : nullptr;
    const bool reused = session != nullptr;
    if (!session) session = impl_->create(target);

    Poco::Net::HTTPRequest req(method, target.pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    for (const auto& h : request.headers) {
      if (Poco::icompare(h.first, "Content-Length") == 0 || Poco::icompare(h.first, "Host") == 0) continue;
      req.add(h.first, h.second);
    }
    if (withBody) req.setContentLength(static_cast<std::streamsize>(request.body.size()));

    Poco::Net::HTTPResponse response;
    std::istream* body = nullptr;
    try {
      std::ostream& out = session->sendRequest(req);  // connects (and handshakes) when needed
      if (withBody) out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
      body = &session->receiveResponse(response);
    } catch (const Poco::Exception& e) {
      session.reset();
      if (reused && isDeadConnection(e)) {
        impl_->dropIdle(target);  // its siblings are probably just as stale
        if (idempotent && round == 0) continue;
        throw TransientError(where + ": reused keep-alive connection failed before any response (" +
                             describe(e, timeoutMs) + "); " + method +
                             " is not retried automatically: the server may or may not have received it");
      }
      if (isCertificateProblem(e))
        throw PermanentError(where + ": TLS certificate verification failed: " + e.displayText());
      throw TransientError(where + ": " + describe(e, timeoutMs));
    }

    HttpResponseHead head;
    head.status = static_cast<int>(response.getStatus());
    report.setStatus(head.status);
    head.reason = response.getReason();
    for (const auto& h : response) head.headers.emplace_back(h.first, h.second);

    // Reading the body: a network failure makes the stream throw (badbit), so a consumer never
    // mistakes a truncated body for a complete one.
    body->exceptions(std::ios::badbit);
    GuardedBody guarded(*body->rdbuf(), due, maxBodyBytes, where);
    guarded.exceptions(std::ios::badbit);
    try {
      consume(head, guarded);
    } catch (const Poco::Exception& e) {
      const bool network = session->networkException() != nullptr;
      session.reset();
      if (network)
        throw TransientError(where + ": connection lost while reading the response body: " + describe(e, timeoutMs));
      throw;
    } catch (...) {
      const bool network = session->networkException() != nullptr;
      session.reset();
      if (network) throw TransientError(where + ": connection lost while reading the response body");
      throw;
    }

    // Reuse the connection only when the body was read to its end and the server keeps it open.
    bool reusable = response.getKeepAlive();
    if (reusable && !guarded.atEnd()) {
      // The consumer stopped before the end was seen: reusable only if nothing is left.
      try {
        guarded.exceptions(std::ios::goodbit);
        reusable = !guarded.bad() && guarded.peek() == std::char_traits<char>::eof() && guarded.atEnd();
      } catch (...) {
        reusable = false;
      }
    }
    if (reusable && session->networkException() == nullptr) impl_->giveBack(target, std::move(session));
    return;
  }
}

}  // namespace evalbridge
