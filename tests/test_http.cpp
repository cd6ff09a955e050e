// Tests for src/http: the pooled client against a real Poco HTTPServer on 127.0.0.1 (port 0)
// with scripted handlers, the retry policy, the rate limiter, the shutdown token and UrlPolicy.
#include <Poco/Event.h>
#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "common/Errors.h"
#include "http/HttpClient.h"
#include "http/RateLimiter.h"
#include "http/RetryPolicy.h"
#include "http/ShutdownToken.h"
#include "http/UrlPolicy.h"
#include "support/SelfSignedCert.h"
#include "support/TestHttpServer.h"

using namespace evalbridge;
using namespace evalbridge::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

RetrySettings fastRetry(int maxAttempts, int maxElapsedS = 60) {
  RetrySettings s;
  s.maxAttempts = maxAttempts;
  s.initialMs = 1;
  s.maxMs = 5;
  s.maxElapsedS = maxElapsedS;
  return s;
}

// A port nobody listens on (bound, then closed).
Poco::UInt16 closedPort() {
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  const Poco::UInt16 port = socket.address().port();
  socket.close();
  return port;
}

}  // namespace

// ================================ HttpClient ================================

TEST_CASE("keep-alive connections are pooled and reused", "[http][client]") {
  TestServer server([](int n, auto&, auto& response) { reply(response, 200, "ok " + std::to_string(n)); });
  HttpClient client;
  for (int i = 1; i <= 5; ++i) {
    HttpResponse r = client.send(get(server.url("/items?i=" + std::to_string(i))));
    CHECK(r.status == 200);
    CHECK(r.body == "ok " + std::to_string(i));
  }
  CHECK(server.requests() == 5);
  CHECK(server.connections() == 1);
  CHECK(server.seen()[4].uri == "/items?i=5");
}

TEST_CASE("request method, headers and body reach the server, response headers come back", "[http][client]") {
  TestServer server([](int, Poco::Net::HTTPServerRequest& request, auto& response) {
    reply(response, 201, "{\"seen\":\"" + request.getContentType() + "\"}", {{"X-Request-Id", "abc-1"}});
  });
  HttpClient client;
  HttpRequest request;
  request.method = "post";
  request.url = server.url("/api/now/table/incident");
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Basic dXNlcjpwdw=="}};
  request.body = "{\"a\":1}";
  HttpResponse r = client.send(request);
  CHECK(r.status == 201);
  CHECK(r.header("x-request-id") == "abc-1");
  CHECK(r.header("X-REQUEST-ID") == "abc-1");
  CHECK(r.header("missing").empty());
  CHECK(r.body == "{\"seen\":\"application/json\"}");
  const auto seen = server.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == "{\"a\":1}");
  CHECK(seen[0].authorization == "Basic dXNlcjpwdw==");
}

TEST_CASE("the pool is safe to use from many threads", "[http][client]") {
  TestServer server([](int, auto&, auto& response) { reply(response, 200, "ok"); });
  HttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (client.send(get(server.url("/x"))).body == "ok") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 80);
  CHECK(server.requests() == 80);
  CHECK(server.connections() <= 8);  // never more connections than requests in flight
}

TEST_CASE("a stale keep-alive connection is retried once on a fresh connection for GET", "[http][client]") {
  TestServer server([](int n, auto& request, auto& response) {
    if (n == 2)
      dropConnection(request);  // the pooled connection dies on reuse
    else
      reply(response, 200, "answer " + std::to_string(n));
  });
  HttpClient client;
  CHECK(client.send(get(server.url("/a"))).body == "answer 1");
  CHECK(client.send(get(server.url("/b"))).body == "answer 3");
  CHECK(server.requests() == 3);
  CHECK(server.connections() == 2);
}

TEST_CASE("a pooled connection the server closed while it was idle is not used for a POST", "[http][client]") {
  // The first answer says keep-alive, then the server closes the connection (FIN) while it sits
  // in the pool. The POST must notice before sending (a POST is never retried automatically):
  // caught if the idle check stops seeing the closed connection as readable.
  TestServer server([](int n, auto& request, auto& response) {
    if (n == 1) {
      auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
      Poco::Net::StreamSocket socket = impl.detachSocket();
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: keep-alive\r\n\r\nanswer 1";
      socket.sendBytes(answer.data(), static_cast<int>(answer.size()));
      socket.shutdownSend();
      socket.close();
    } else {
      reply(response, 200, "answer " + std::to_string(n));
    }
  });
  HttpClient client;
  CHECK(client.send(get(server.url("/a"))).body == "answer 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the FIN reaches the pooled socket
  HttpRequest post;
  post.method = "POST";
  post.url = server.url("/create");
  post.body = "{}";
  CHECK(client.send(post).body == "answer 2");
  CHECK(server.connections() == 2);
}

TEST_CASE("a stale keep-alive connection is NOT retried for POST", "[http][client]") {
  TestServer server([](int n, auto& request, auto& response) {
    if (n == 2)
      dropConnection(request);
    else
      reply(response, 200, "answer " + std::to_string(n));
  });
  HttpClient client;
  CHECK(client.send(get(server.url("/a"))).body == "answer 1");
  HttpRequest post;
  post.method = "POST";
  post.url = server.url("/create");
  post.body = "{}";
  try {
    client.send(post);
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::StartsWith("POST http://127.0.0.1:" + std::to_string(server.port()) + "/create: ") &&
                                Catch::Contains("not retried automatically"));
  }
  CHECK(server.requests() == 2);
  // The next request works on a fresh connection.
  CHECK(client.send(get(server.url("/c"))).body == "answer 3");
}

TEST_CASE("a connection closed without an answer is a TransientError naming host:port, not the query",
          "[http][client]") {
  TestServer server([](int, auto& request, auto&) { dropConnection(request); });
  HttpClient client;
  try {
    client.send(get(server.url("/download?signature=SECRET-SIG-123")));
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("127.0.0.1:" + std::to_string(server.port())));
    CHECK_THAT(e.message(), Catch::Contains("GET http://127.0.0.1:" + std::to_string(server.port()) + "/download"));
    CHECK_THAT(e.message(), !Catch::Contains("SECRET-SIG-123"));
    CHECK_THAT(e.message(), !Catch::Contains("signature"));
  }
  CHECK(server.requests() == 1);  // a fresh connection is not retried by the client
}

TEST_CASE("connection refused is a TransientError", "[http][client]") {
  const Poco::UInt16 port = closedPort();
  HttpClient client;
  try {
    client.send(get("http://127.0.0.1:" + std::to_string(port) + "/x"));
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(),
               Catch::Contains("127.0.0.1:" + std::to_string(port)) && Catch::Contains("connection refused"));
  }
}

TEST_CASE("a slow server times out with a TransientError", "[http][client]") {
  Poco::Event release(Poco::Event::EVENT_MANUALRESET);
  TestServer server([&](int, auto&, auto& response) {
    release.tryWait(3000);
    reply(response, 200, "late");
  });
  struct SetOnExit {
    Poco::Event& event;
    ~SetOnExit() { event.set(); }
  } setOnExit{release};
  HttpClientOptions options;
  options.timeoutMs = 300;
  HttpClient client(options);
  const auto start = Clock::now();
  try {
    client.send(get(server.url("/slow")));
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("timed out") && Catch::Contains("300 ms") &&
                                Catch::Contains("127.0.0.1:" + std::to_string(server.port())));
  }
  CHECK(msSince(start) >= 250);
  CHECK(msSince(start) < 2500);
}

namespace {

long peakRssKiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Peak RSS is only meaningful without AddressSanitizer's shadow memory and quarantine.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMeasureRss = false;
#else
constexpr bool kMeasureRss = true;
#endif

}  // namespace

TEST_CASE("a 1 GB answer fails cleanly at the body limit, in bounded memory", "[http][client][limits]") {
  // The server promises 1 GB and starts sending it; the client must stop at maxBodyBytes.
  TestServer server([&](int, auto&, auto& response) {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentLength64(1LL << 30);
    std::ostream& out = response.send();
    const std::string chunk(1 << 16, 'x');
    for (long long sent = 0; sent < (1LL << 30) && out.good(); sent += static_cast<long long>(chunk.size()))
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  });
  const long before = peakRssKiB();
  HttpClient client;  // default limit: 32 MiB
  const auto start = Clock::now();
  try {
    client.send(get(server.url("/huge")));
    FAIL("expected PermanentError");
  } catch (const PermanentError& e) {
    CHECK_THAT(e.message(), Catch::Contains("larger than 33554432 bytes") && Catch::Contains("/huge"));
  }
  CHECK(msSince(start) < 20000);
  if (kMeasureRss) CHECK(peakRssKiB() - before < 64 * 1024);  // under 64 MiB more than before
}

TEST_CASE("a server that drips its answer is cut off at the request's deadline", "[http][client][limits]") {
  // One byte every 100 ms: each read is well within the 300 ms read timeout, so only an overall
  // deadline (2 x timeoutMs for a whole body) ends it.
  TestServer server([&](int, auto&, auto& response) {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentLength(100);
    std::ostream& out = response.send();
    for (int i = 0; i < 100 && out.good(); ++i) {
      out << 'x' << std::flush;
      Poco::Thread::sleep(100);
    }
  });
  HttpClientOptions options;
  options.timeoutMs = 300;
  HttpClient client(options);
  const auto start = Clock::now();
  try {
    client.send(get(server.url("/drip")));
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("did not arrive in time") && Catch::Contains("/drip"));
  }
  CHECK(msSince(start) < 2000);  // the drip alone would take 10 s
}

TEST_CASE("sendStreaming hands the body over as a stream and then reuses the connection", "[http][client]") {
  const std::size_t size = 1 << 20;
  TestServer server([&](int, auto&, Poco::Net::HTTPServerResponse& response) {
    response.setChunkedTransferEncoding(true);
    response.setContentType("application/x-ndjson");
    std::ostream& out = response.send();
    std::string block(4096, 'x');
    for (std::size_t sent = 0; sent < size; sent += block.size()) out << block;
  });
  HttpClient client;
  std::size_t total = 0;
  int reads = 0;
  int status = 0;
  std::string type;
  client.sendStreaming(get(server.url("/results")), [&](const HttpResponseHead& head, std::istream& body) {
    status = head.status;
    type = head.header("Content-Type");
    char buffer[1000];
    while (body.read(buffer, sizeof buffer) || body.gcount() > 0) {
      total += static_cast<std::size_t>(body.gcount());
      ++reads;
    }
  });
  CHECK(status == 200);
  CHECK(type == "application/x-ndjson");
  CHECK(total == size);
  CHECK(reads > 1);
  client.send(get(server.url("/results")));
  CHECK(server.connections() == 1);
}

TEST_CASE("sendStreaming: a consumer that stops early does not leave a half-read connection in the pool",
          "[http][client]") {
  TestServer server([&](int, auto&, Poco::Net::HTTPServerResponse& response) {
    response.setChunkedTransferEncoding(true);
    std::ostream& out = response.send();
    for (int i = 0; i < 256; ++i) out << std::string(4096, 'y');
  });
  HttpClient client;
  client.sendStreaming(get(server.url("/big")), [](const HttpResponseHead&, std::istream& body) {
    char buffer[10];
    body.read(buffer, sizeof buffer);
  });
  HttpResponse second = client.send(get(server.url("/big")));
  CHECK(second.body.size() == 256u * 4096u);
  CHECK(server.connections() == 2);
}

TEST_CASE("sendStreaming: the consumer's own exception propagates unchanged", "[http][client]") {
  TestServer server([](int, auto&, auto& response) { reply(response, 200, "abc"); });
  HttpClient client;
  CHECK_THROWS_AS(client.sendStreaming(get(server.url("/")), [](const HttpResponseHead&,
                                                                std::istream&) { throw std::runtime_error("mine"); }),
                  std::runtime_error);
  CHECK(client.send(get(server.url("/"))).body == "abc");
}

TEST_CASE("plain http to a non-loopback host is refused before connecting", "[http][client]") {
  HttpClient client;
  CHECK_THROWS_AS(client.send(get("http://10.0.0.1/x")), PermanentError);
  CHECK_THROWS_AS(client.send(get("ftp://127.0.0.1/x")), PermanentError);
  CHECK_THROWS_AS(client.send(get("not a url at all")), PermanentError);
}

TEST_CASE("HTTPS_PROXY is used for https (CONNECT), NO_PROXY and loopback bypass it", "[http][client][proxy]") {
  EnvGuard guard(kProxyVars);
  TestServer proxy([](int, auto&, auto& response) { reply(response, 502, "no"); });
  ::setenv("HTTPS_PROXY", ("http://user:pw-SECRET@127.0.0.1:" + std::to_string(proxy.port())).c_str(), 1);
  ::setenv("HTTP_PROXY", ("http://127.0.0.1:" + std::to_string(proxy.port())).c_str(), 1);  // loopback http below
  ::setenv("no_proxy", "example.org, .internal.test,10.255.255.1", 1);

  HttpClientOptions options;
  options.timeoutMs = 500;
  {
    HttpClient client(options);
    try {
      client.send(get("https://api.example.com/api/v2/tokens/me"));
      FAIL("expected an error from the proxy");
    } catch (const EvalbridgeError& e) {
      CHECK_THAT(e.message(), Catch::Contains("via proxy 127.0.0.1:" + std::to_string(proxy.port())));
      CHECK_THAT(e.message(), !Catch::Contains("pw-SECRET"));
    }
    const auto seen = proxy.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "CONNECT");
    CHECK(seen[0].uri == "api.example.com:443");
    CHECK(seen[0].proxyAuthorization == "Basic dXNlcjpwdy1TRUNSRVQ=");  // user:pw-SECRET, to the proxy only

    // NO_PROXY host: direct (fails fast: nothing listens there), the proxy sees nothing new.
    CHECK_THROWS_AS(client.send(get("https://10.255.255.1:9/x")), EvalbridgeError);
    CHECK(proxy.requests() == 1);
  }
  // The proxy never sees loopback traffic.
  TestServer target([](int, auto&, auto& response) { reply(response, 200, "direct"); });
  HttpClient client(options);
  CHECK(client.send(get(target.url("/"))).body == "direct");
  CHECK(proxy.requests() == 1);
}

TEST_CASE("a proxy URL with an unsupported scheme is a configuration error", "[http][client][proxy]") {
  EnvGuard guard(kProxyVars);
  ::setenv("https_proxy", "https://proxy.example:3128", 1);
  CHECK_THROWS_AS(HttpClient(), ConfigError);
  HttpClientOptions noProxy;
  noProxy.useProxyFromEnvironment = false;
  CHECK_NOTHROW(HttpClient(noProxy));
}

TEST_CASE("urlEncode keeps unreserved characters only", "[http]") {
  CHECK(urlEncode("abcXYZ019-._~") == "abcXYZ019-._~");
  CHECK(urlEncode("a b&c=d/e^f") == "a%20b%26c%3Dd%2Fe%5Ef");
  CHECK(urlEncode("\xC3\xA9") == "%C3%A9");
  CHECK(urlEncode("") == "");
}

// ================================ TLS ================================

using evalbridge::test::makeSelfSignedCert;
using evalbridge::test::SelfSignedCert;
using evalbridge::test::tlsServerContext;

TEST_CASE("https verifies certificates: untrusted fails, caFile trusts, wrong host name fails", "[http][tls]") {
  Poco::Net::initializeSSL();
  // The certificate names 127.0.0.1 (not localhost) so the test needs no name resolution: a
  // minimal machine may have no /etc/hosts entry for localhost.
  const SelfSignedCert cert = makeSelfSignedCert("127.0.0.1");
  TestServer server([](int, auto&, auto& response) { reply(response, 200, "secure"); }, tlsServerContext(cert));
  server.setHttps();
  const std::string url = server.url("/", "127.0.0.1");

  SECTION("not in the system store: PermanentError (retrying cannot help)") {
    HttpClient client;
    try {
      client.send(get(url));
      FAIL("expected PermanentError");
    } catch (const PermanentError& e) {
      CHECK_THAT(e.message(),
                 Catch::Contains("certificate") && Catch::Contains("127.0.0.1:" + std::to_string(server.port())));
    }
    CHECK(server.requests() == 0);
  }
  SECTION("trusted through caFile: works, and the connection is reused") {
    HttpClientOptions options;
    options.caFile = cert.certPath;
    HttpClient client(options);
    CHECK(client.send(get(url)).body == "secure");
    CHECK(client.send(get(url)).body == "secure");
    CHECK(server.connections() == 1);
  }
  SECTION("trusted CA but the name does not match the host") {
    const SelfSignedCert other = makeSelfSignedCert("other.example");
    TestServer wrong([](int, auto&, auto& response) { reply(response, 200, "secure"); }, tlsServerContext(other));
    wrong.setHttps();
    HttpClientOptions options;
    options.caFile = other.certPath;
    HttpClient client(options);
    CHECK_THROWS_AS(client.send(get(wrong.url("/", "127.0.0.1"))), PermanentError);
    CHECK(wrong.requests() == 0);
  }
  SECTION("an unreadable caFile is a configuration error") {
    HttpClientOptions options;
    options.caFile = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(HttpClient(options), ConfigError);
  }
  Poco::Net::uninitializeSSL();
}

// ================================ RetryPolicy ================================

TEST_CASE("transient statuses", "[http][retry]") {
  for (int s : {408, 425, 429, 500, 502, 503, 504, 599}) CHECK(isTransientStatus(s));
  for (int s : {200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 600}) CHECK_FALSE(isTransientStatus(s));
}

TEST_CASE("parseRetryAfter: seconds, HTTP-date, garbage", "[http][retry]") {
  // 2015-10-21T07:28:00Z
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1445412480));
  CHECK(parseRetryAfter("120", now) == milliseconds(120000));
  CHECK(parseRetryAfter(" 5 ", now) == milliseconds(5000));
  CHECK(parseRetryAfter("0", now) == milliseconds(0));
  CHECK(parseRetryAfter("99999999999999999999", now) == milliseconds(24LL * 3600 * 1000));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now) == milliseconds(30000));
  CHECK(parseRetryAfter("Wednesday, 21-Oct-15 07:28:30 GMT", now) == milliseconds(30000));
  CHECK(parseRetryAfter("Wed Oct 21 07:28:30 2015", now) == milliseconds(30000));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now) == milliseconds(0));  // past: no wait
  CHECK_FALSE(parseRetryAfter("", now));
  CHECK_FALSE(parseRetryAfter("soon", now));
  CHECK_FALSE(parseRetryAfter("-5", now));
  CHECK_FALSE(parseRetryAfter("1.5", now));
  CHECK_FALSE(parseRetryAfter("5s", now));
  CHECK_FALSE(parseRetryAfter("Wed, 99 Foo 2015 07:28:30 GMT", now));
  CHECK_FALSE(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT trailing", now));
  CHECK_FALSE(parseRetryAfter("2015-10-21T07:28:30Z", now));
}

TEST_CASE("Backoff: full jitter within the exponential cap, Retry-After as a floor, deterministic per seed",
          "[http][retry]") {
  RetrySettings settings;
  settings.initialMs = 100;
  settings.maxMs = 1000;
  Backoff a(settings, 42);
  Backoff b(settings, 42);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const long long cap = std::min(1000LL, 100LL << (attempt - 1));
    long long lowest = cap;
    long long highest = 0;
    for (int i = 0; i < 500; ++i) {
      const long long d = a.delay(attempt).count();
      CHECK(d == b.delay(attempt).count());
      REQUIRE(d >= 0);
      REQUIRE(d <= cap);
      lowest = std::min(lowest, d);
      highest = std::max(highest, d);
    }
    CHECK(lowest < cap / 5);       // full jitter reaches down to ~0 ...
    CHECK(highest > cap * 4 / 5);  // ... and up to the cap
  }
  CHECK(a.delay(0).count() <= 100);                             // attempt < 1 counts as 1
  CHECK(a.delay(1000).count() <= 1000);                         // no overflow for huge attempts
  CHECK(a.delay(1, milliseconds(5000)) == milliseconds(5000));  // floor, even above maxMs
  CHECK(a.delay(8, milliseconds(0)).count() <= 1000);
  Backoff c(settings, 7);
  std::vector<long long> fromA, fromC;
  for (int i = 0; i < 20; ++i) {
    fromA.push_back(a.delay(5).count());
    fromC.push_back(c.delay(5).count());
  }
  CHECK(fromA != fromC);
}

TEST_CASE("sendWithRetry honours Retry-After and retries transient statuses", "[http][retry]") {
  TestServer server([](int n, auto&, auto& response) {
    if (n == 1)
      reply(response, 429, "slow down", {{"Retry-After", "1"}});
    else if (n == 2)
      reply(response, 503, "busy");
    else
      reply(response, 200, "done");
  });
  HttpClient client;
  Backoff backoff(fastRetry(5), 1);
  ShutdownToken shutdown;
  std::vector<RetryEvent> events;
  const auto start = Clock::now();
  HttpResponse r = sendWithRetry(client, get(server.url("/x")), backoff, shutdown,
                                 [&](const RetryEvent& e) { events.push_back(e); });
  const auto elapsed = msSince(start);
  CHECK(r.status == 200);
  CHECK(r.body == "done");
  CHECK(server.requests() == 3);
  CHECK(elapsed >= 1000);
  CHECK(elapsed < 3000);
  REQUIRE(events.size() == 2);
  CHECK(events[0].attempt == 1);
  CHECK_THAT(events[0].reason, Catch::StartsWith("HTTP 429"));
  CHECK(events[0].delay >= milliseconds(1000));
  CHECK(events[1].attempt == 2);
  CHECK_THAT(events[1].reason, Catch::StartsWith("HTTP 503"));
  CHECK(events[1].delay <= milliseconds(5));
}

TEST_CASE("sendWithRetry gives up after maxAttempts with the last reason", "[http][retry]") {
  TestServer server([](int, auto&, auto& response) { reply(response, 503, "down"); });
  HttpClient client;
  Backoff backoff(fastRetry(3), 1);
  ShutdownToken shutdown;
  try {
    sendWithRetry(client, get(server.url("/x")), backoff, shutdown);
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("gave up after 3 attempt(s)") && Catch::Contains("HTTP 503"));
  }
  CHECK(server.requests() == 3);
}

TEST_CASE("sendWithRetry retries connection errors too", "[http][retry]") {
  HttpClient client;
  Backoff backoff(fastRetry(2), 1);
  ShutdownToken shutdown;
  int observed = 0;
  try {
    sendWithRetry(client, get("http://127.0.0.1:" + std::to_string(closedPort()) + "/"), backoff, shutdown,
                  [&](const RetryEvent&) { ++observed; });
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("gave up after 2 attempt(s)") && Catch::Contains("connection refused"));
  }
  CHECK(observed == 1);
}

TEST_CASE("sendWithRetry stops at once when Retry-After exceeds the elapsed-time budget", "[http][retry]") {
  TestServer server([](int, auto&, auto& response) { reply(response, 429, "", {{"Retry-After", "5"}}); });
  HttpClient client;
  Backoff backoff(fastRetry(10, 2), 1);
  ShutdownToken shutdown;
  const auto start = Clock::now();
  try {
    sendWithRetry(client, get(server.url("/x")), backoff, shutdown);
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("limit 2 s") && Catch::Contains("server asked to wait 5 s") &&
                                Catch::Contains("HTTP 429"));
  }
  CHECK(server.requests() == 1);
  CHECK(msSince(start) < 1000);
}

TEST_CASE("sendWithRetry: a shutdown request interrupts a long Retry-After wait", "[http][retry]") {
  TestServer server([](int, auto&, auto& response) { reply(response, 503, "", {{"Retry-After", "30"}}); });
  HttpClient client;
  Backoff backoff(fastRetry(10, 600), 1);
  ShutdownToken shutdown;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(200));
    shutdown.requestStop();
  });
  const auto start = Clock::now();
  try {
    sendWithRetry(client, get(server.url("/x")), backoff, shutdown);
    FAIL("expected TransientError");
  } catch (const TransientError& e) {
    CHECK(e.message() == "shutting down");
  }
  stopper.join();
  CHECK(msSince(start) >= 150);
  CHECK(msSince(start) < 2000);
  CHECK(server.requests() == 1);
}

TEST_CASE("sendWithRetry returns a permanent status at once", "[http][retry]") {
  TestServer server([](int n, auto&, auto& response) { reply(response, n == 1 ? 404 : 200, "nope"); });
  HttpClient client;
  Backoff backoff(fastRetry(5), 1);
  ShutdownToken shutdown;
  int observed = 0;
  HttpResponse r =
      sendWithRetry(client, get(server.url("/missing")), backoff, shutdown, [&](const RetryEvent&) { ++observed; });
  CHECK(r.status == 404);
  CHECK(r.body == "nope");
  CHECK(server.requests() == 1);
  CHECK(observed == 0);
}

// ================================ ShutdownToken ================================

TEST_CASE("ShutdownToken sleeps, and wakes sleepers and subscribers on stop", "[http][shutdown]") {
  ShutdownToken token;
  CHECK_FALSE(token.stopRequested());
  auto start = Clock::now();
  CHECK(token.sleepFor(milliseconds(50)));
  CHECK(msSince(start) >= 45);

  int calls = 0;
  auto subscription = token.onStop([&] { ++calls; });
  int removedCalls = 0;
  {
    auto removed = token.onStop([&] { ++removedCalls; });
  }

  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(100));
    token.requestStop();
  });
  start = Clock::now();
  CHECK_FALSE(token.sleepFor(std::chrono::hours(1)));
  CHECK(msSince(start) < 2000);
  stopper.join();
  CHECK(token.stopRequested());
  CHECK(calls == 1);
  CHECK(removedCalls == 0);
  token.requestStop();  // idempotent; callbacks run once
  CHECK(calls == 1);
  start = Clock::now();
  CHECK_FALSE(token.sleepFor(milliseconds(500)));
  CHECK(msSince(start) < 100);
}

// ================================ RateLimiter ================================

TEST_CASE("RateLimiter: never more than N starts in any sliding second, never more than M in flight",
          "[http][ratelimit]") {
  constexpr int perSecond = 5;
  constexpr int concurrent = 2;
  RateLimiter limiter(perSecond, concurrent);
  ShutdownToken shutdown;
  std::mutex mutex;
  std::vector<Clock::time_point> starts;
  std::atomic<int> inFlight{0};
  std::atomic<int> maxInFlight{0};
  std::atomic<int> emptyPermits{0};
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      RateLimiter::Permit permit = limiter.acquire(shutdown);
      if (!permit) {  // Catch2 assertions are not thread-safe: count, check on the main thread
        ++emptyPermits;
        return;
      }
      const int now = ++inFlight;
      int seen = maxInFlight.load();
      while (now > seen && !maxInFlight.compare_exchange_weak(seen, now)) {
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        starts.push_back(permit.startedAt());
      }
      std::this_thread::sleep_for(milliseconds(30));
      --inFlight;  // before the permit is released
    });
  }
  for (auto& t : threads) t.join();
  CHECK(emptyPermits == 0);
  REQUIRE(starts.size() == 12);
  std::sort(starts.begin(), starts.end());
  for (std::size_t i = 0; i + perSecond < starts.size(); ++i)
    CHECK(starts[i + perSecond] - starts[i] >= std::chrono::seconds(1));
  CHECK(maxInFlight.load() <= concurrent);
  CHECK(maxInFlight.load() >= 1);
  CHECK(limiter.inFlight() == 0);
  CHECK(msSince(begin) >= 2000);  // 12 starts at 5/s: the 11th cannot start before 2 s
  CHECK(msSince(begin) < 4000);
}

TEST_CASE("RateLimiter: the concurrency cap holds under contention", "[http][ratelimit]") {
  RateLimiter limiter(10000, 3);
  ShutdownToken shutdown;
  std::atomic<int> inFlight{0};
  std::atomic<int> maxInFlight{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto permit = limiter.acquire(shutdown);
        const int now = ++inFlight;
        int seen = maxInFlight.load();
        while (now > seen && !maxInFlight.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(milliseconds(1));
        --inFlight;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(done == 160);
  CHECK(maxInFlight.load() <= 3);
  CHECK(limiter.inFlight() == 0);
}

TEST_CASE("RateLimiter: shutdown wakes waiters blocked on the rate and on the concurrency cap", "[http][ratelimit]") {
  SECTION("blocked by the per-second limit") {
    RateLimiter limiter(1, 10);
    ShutdownToken shutdown;
    auto first = limiter.acquire(shutdown);
    REQUIRE(first);
    std::thread stopper([&] {
      std::this_thread::sleep_for(milliseconds(100));
      shutdown.requestStop();
    });
    const auto start = Clock::now();
    auto second = limiter.acquire(shutdown);
    CHECK_FALSE(second);
    CHECK(msSince(start) < 600);
    stopper.join();
  }
  SECTION("blocked by the concurrency cap (no timed wake-up at all)") {
    RateLimiter limiter(1000, 1);
    ShutdownToken shutdown;
    auto held = limiter.acquire(shutdown);
    REQUIRE(held);
    std::thread stopper([&] {
      std::this_thread::sleep_for(milliseconds(100));
      shutdown.requestStop();
    });
    const auto start = Clock::now();
    auto blocked = limiter.acquire(shutdown);
    CHECK_FALSE(blocked);
    CHECK(msSince(start) < 600);
    stopper.join();
  }
  SECTION("already stopped: returns at once") {
    RateLimiter limiter(1, 1);
    ShutdownToken shutdown;
    shutdown.requestStop();
    CHECK_FALSE(limiter.acquire(shutdown));
    CHECK(limiter.inFlight() == 0);
  }
}

TEST_CASE("RateLimiter rejects non-positive limits", "[http][ratelimit]") {
  CHECK_THROWS_AS(RateLimiter(0, 1), Poco::InvalidArgumentException);
  CHECK_THROWS_AS(RateLimiter(1, 0), Poco::InvalidArgumentException);
}

// ================================ UrlPolicy ================================

TEST_CASE("isLoopbackHost", "[http][url]") {
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "LOCALHOST", "localhost.", "::1",
                           "[::1]", "0:0:0:0:0:0:0:1"})
    CHECK(isLoopbackHost(host));
  for (const char* host : {"10.0.0.1", "128.0.0.1", "127.0.0", "127.1", "127.0.0.1.evil.com", "localhost.evil.com",
                           "evil-localhost", "::2", "0x7f.0.0.1", "", "127.0.0.256", "0127.0.0.1"})
    CHECK_FALSE(isLoopbackHost(host));
}

TEST_CASE("requireSecureOrLoopback", "[http][url]") {
  CHECK_NOTHROW(requireSecureOrLoopback("https://acme.service-now.com", "f.json: servicenow.instanceUrl"));
  CHECK_NOTHROW(requireSecureOrLoopback("https://10.0.0.1:8443/x", "k"));
  CHECK_NOTHROW(requireSecureOrLoopback("http://127.0.0.2:8080", "k"));
  CHECK_NOTHROW(requireSecureOrLoopback("http://localhost:1234/api", "k"));
  CHECK_NOTHROW(requireSecureOrLoopback("http://[::1]:8089/", "k"));
  CHECK_NOTHROW(requireSecureOrLoopback("HTTP://127.0.0.1", "k"));
  try {
    requireSecureOrLoopback("http://10.0.0.1/api", "f.json: servicenow.instanceUrl");
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.message() ==
          "f.json: servicenow.instanceUrl: http:// is only allowed for loopback hosts (127.0.0.0/8, localhost, ::1); "
          "use https:// for 10.0.0.1");
  }
  CHECK_THROWS_AS(requireSecureOrLoopback("http://acme.service-now.com", "k"), ConfigError);
  CHECK_THROWS_AS(requireSecureOrLoopback("http://127.0.0.1.evil.com", "k"), ConfigError);
  try {
    requireSecureOrLoopback("ftp://127.0.0.1/x", "k");
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.message(), Catch::StartsWith("k: unsupported scheme 'ftp'"));
  }
  CHECK_THROWS_AS(requireSecureOrLoopback("acme.service-now.com", "k"), ConfigError);
  CHECK_THROWS_AS(requireSecureOrLoopback("https://", "k"), ConfigError);
  try {
    requireSecureOrLoopback("https://admin:hunter2@acme.service-now.com", "k");
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.message(), !Catch::Contains("hunter2"));
    CHECK_THAT(e.message(), Catch::Contains("credentials in the URL"));
  }
}
