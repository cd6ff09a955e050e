// The HTTP server of `run` against slow and hostile clients, over real sockets on 127.0.0.1:
// slow-loris connections (health probes and the webhook keep working, trickling clients are cut
// off at the request deadline), request desync through unread bodies, pipelining, the
// keep-alive idle timeout, the connection cap, probes while every worker waits on the ledger,
// the port file, forged X-Request-Id values, the throttled warnings and the /metrics cache.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Process.h>
#include <Poco/Timestamp.h>

#include "common/Metrics.h"
#include "ledger/SqliteDatabase.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/Ledger.h"
#include "server/BridgeServer.h"
#include "server/PortFile.h"
#include "server/WebhookVerifier.h"
#include "sync/SyncStatusBoard.h"
#include "support/ServerSeed.h"
#include "support/HttpCall.h"
#include "support/LogCapture.h"
#include "support/TempDir.h"

using namespace evalbridge;
using evalbridge::test::LogCapture;
using namespace std::chrono_literals;

namespace {

const std::string kSecret = "webhook-secret-Hx71";
const std::string kOrgId = "8c7d8a7e-1111-2222-3333-444455556666";
using Clock = std::chrono::steady_clock;

std::int64_t now() { return Poco::Timestamp().epochTime(); }

std::string incidentBody(const std::string& evaluationId, const std::string& state, int modCount) {
  Poco::JSON::Object body;
  body.set("sys_id", "sys-1");
  body.set("number", "INC0010001");
  body.set("state", state);
  body.set("correlation_id", correlationIdFor(kOrgId, evaluationId));
  body.set("sys_updated_on", "2026-11-01 11:00:0" + std::to_string(modCount));
  body.set("sys_mod_count", std::to_string(modCount));
  std::ostringstream text;
  body.stringify(text);
  return text.str();
}

std::vector<std::pair<std::string, std::string>> signedHeaders(const std::string& body) {
  const std::string timestamp = std::to_string(now());
  return {{"X-Evalbridge-Timestamp", timestamp},
          {"X-Evalbridge-Signature", WebhookVerifier::sign(kSecret, timestamp, body)},
          {"Content-Type", "application/json"}};
}

// The raw request bytes of a signed webhook, with extra header lines as given.
std::string rawSignedWebhook(const std::string& body, const std::string& extraHeaderLines) {
  std::string raw = "POST /webhooks/servicenow HTTP/1.1\r\nHost: bridge\r\n";
  for (const auto& [name, value] : signedHeaders(body)) raw += name + ": " + value + "\r\n";
  return raw + extraHeaderLines + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A ledger with one delivered incident (sys-1, state 1) for "eval-1", and the server on a free port.
struct Fixture {
  test::TempDir dir;
  Ledger ledger{dir.file("ledger.db")};
  IncidentStateStore states{ledger};
  SyncStatusBoard board;
  Metrics metrics;
  ServerContext context{ledger, states, board, metrics, kSecret, 1024, 300, [] {}, {}};
  BridgeServer server;

  explicit Fixture(const ServerLimits& limits = {}) : server("127.0.0.1", 0, context, limits) {
    test::seedOneIncident(ledger, board, kOrgId);
    server.start();
  }
  int port() const { return server.boundPort(); }
};

struct RawAnswer {
  int status = 0;
  std::string body;
  bool keepAlive = true;
  std::string requestId;
};

// A client that writes raw bytes and reads answers one by one (head parsed by Poco).
class RawClient {
 public:
  explicit RawClient(int port) {
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), Poco::Timespan(2, 0));
  }
  void send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size())
      sent += static_cast<std::size_t>(
          socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent), MSG_NOSIGNAL));
  }
  // The next answer, or nothing when none comes within `timeout` or the server closed.
  std::optional<RawAnswer> receive(std::chrono::milliseconds timeout = 2000ms) {
    const auto until = Clock::now() + timeout;
    for (;;) {
      const auto headEnd = pending_.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        Poco::Net::HTTPResponse head;
        std::istringstream in(pending_.substr(0, headEnd + 4));
        head.read(in);
        const auto length = static_cast<std::size_t>(head.hasContentLength() ? head.getContentLength64() : 0);
        if (pending_.size() >= headEnd + 4 + length) {
          RawAnswer answer{static_cast<int>(head.getStatus()), pending_.substr(headEnd + 4, length), head.getKeepAlive(),
                           head.get("X-Request-Id", "")};
          pending_.erase(0, headEnd + 4 + length);
          return answer;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - Clock::now());
      if (left.count() <= 0 || !socket_.poll(Poco::Timespan(left.count()), Poco::Net::Socket::SELECT_READ))
        return std::nullopt;
      char chunk[4096];
      int n = 0;
      try {
        n = socket_.receiveBytes(chunk, sizeof chunk);
      } catch (const Poco::Exception&) {
        n = 0;
      }
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      pending_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // True when the server closes the connection within `timeout` (EOF or reset).
  bool closedWithin(std::chrono::milliseconds timeout) {
    while (!closed_ && receive(timeout)) {
    }
    return closed_;
  }
  const std::string& unparsed() const { return pending_; }

 private:
  Poco::Net::StreamSocket socket_;
  std::string pending_;
  bool closed_ = false;
};

bool isUuid(const std::string& text) {
  return text.size() == 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' && text[23] == '-';
}

// A client that opens a request and sends one more byte of its head about once a second, so
// it never finishes. When the server cuts it off, it reconnects (as an attacker would) and
// records how long the server held that connection.
class SlowLoris {
 public:
  SlowLoris(int port, int connections) : port_(port), sockets_(static_cast<std::size_t>(connections)) {
    for (auto& slot : sockets_) open(slot);
    thread_ = std::thread([this] { trickle(); });
  }
  ~SlowLoris() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int cutOff() const { return cutOff_; }
  std::chrono::milliseconds longestHeld() const { return std::chrono::milliseconds(longestHeldMs_.load()); }
  int connected() const { return connected_; }

 private:
  struct Slot {
    Poco::Net::StreamSocket socket;
    Clock::time_point opened;
    std::size_t sent = 0;
  };
  void open(Slot& slot) {
    slot.socket = Poco::Net::StreamSocket();
    slot.socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)), Poco::Timespan(2, 0));
    slot.opened = Clock::now();
    slot.sent = 0;
    ++connected_;
  }
  char nextByte(Slot& slot) {
    static const std::string start = "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ";
    const std::size_t i = slot.sent++;
    return i < start.size() ? start[i] : 'a';
  }
  // Every 100 ms: notices connections the server closed (so hold times are measured to about
  // 100 ms); every second: one more byte on each open one.
  void trickle() {
    for (int tick = 0; !stop_; ++tick) {
      const auto round = Clock::now();
      const bool sendNow = tick % 10 == 0;
      for (auto& slot : sockets_) {
        if (stop_) return;
        bool gone = false;
        try {
          // Closed by the server (EOF, or a 408 answer before it): count it and come back.
          if (slot.socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) gone = true;
          else if (sendNow) {
            const char byte = nextByte(slot);
            slot.socket.sendBytes(&byte, 1, MSG_NOSIGNAL);
          }
        } catch (const Poco::Exception&) {
          gone = true;
        }
        if (!gone) continue;
        const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - slot.opened).count();
        if (held > longestHeldMs_) longestHeldMs_ = held;
        ++cutOff_;
        --connected_;
        try {
          open(slot);
        } catch (const Poco::Exception&) {
        }
      }
      std::this_thread::sleep_until(round + 100ms);
    }
  }

  int port_;
  std::vector<Slot> sockets_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> cutOff_{0};
  std::atomic<int> connected_{0};
  std::atomic<long long> longestHeldMs_{0};
};

}  // namespace

// A probe's bound beside 200 slow clients. AddressSanitizer slows the server severalfold and CI
// runs two tests at once; starved probes (workers held by the slow clients) take seconds either way.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kProbeBoundMs = 1500;
#else
constexpr double kProbeBoundMs = 500;
#endif

TEST_CASE("200 slow-loris connections: probes answer within 500 ms, the webhook works, trickling clients are cut off",
          "[server][hostile][slow]") {
  Fixture fx;  // default limits: 5 s per request, 8 workers
  SlowLoris loris(fx.port(), 200);
  std::this_thread::sleep_for(1500ms);  // every slow connection has sent a few bytes by now
  REQUIRE(loris.connected() == 200);

  std::vector<double> latenciesMs;
  int answered = 0;
  for (int probe = 0; probe < 20; ++probe) {
    const auto started = Clock::now();
    int status = 0;
    try {
      status = test::httpCall(fx.port(), "GET", probe % 2 ? "/healthz" : "/readyz").status;
    } catch (const Poco::Exception&) {
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    latenciesMs.push_back(ms);
    // /readyz is 503 here (no cycle has run): the point is that it answers, and in time.
    if ((status == 200 || (probe % 2 == 0 && status == 503)) && ms < kProbeBoundMs) ++answered;
    if (probe == 10) {
      const std::string body = incidentBody("eval-1", "6", 1);
      CHECK(test::httpCall(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body)).status == 200);
    }
    std::this_thread::sleep_for(250ms);
  }
  // Every connection of the first wave is cut off at about 5 s; give the trickle round time to see it.
  for (int wait = 0; wait < 30 && loris.cutOff() < 200; ++wait) std::this_thread::sleep_for(100ms);
  const double worst = *std::max_element(latenciesMs.begin(), latenciesMs.end());
  double sum = 0;
  for (double ms : latenciesMs) sum += ms;
  WARN("probe latency under 200 slow connections: mean " << sum / latenciesMs.size() << " ms, worst " << worst
                                                           << " ms; slow connections cut off: " << loris.cutOff()
                                                           << ", longest held " << loris.longestHeld().count() << " ms");
  CHECK(answered == 20);
  CHECK(fx.ledger.find(kOrgId, "eval-1")->incident.state == "6");
  // The 5 s deadline is total, not per read: every trickling connection was cut off at about
  // 5 s (the server checks deadlines every 100 ms, the client notices within 100 ms), though it
  // sent a byte every second. (The margin allows for a loaded CI machine under ASan, where 200
  // connections were seen held 6.08 s; a per-read deadline would never cut them off at all.)
  CHECK(loris.cutOff() >= 200);
  CHECK(loris.longestHeld() <= 7000ms);
  loris.stop();
}

TEST_CASE("a GET with a body on a kept-alive connection: the body is never taken for a request",
          "[server][hostile][desync]") {
  Fixture fx;
  const std::string smuggled = "GET /nope HTTP/1.1\r\nHost: bridge\r\n\r\n";

  SECTION("a body within the limit is read and dropped: exactly two answers, in order") {
    RawClient client(fx.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\nContent-Length: " + std::to_string(smuggled.size()) +
                "\r\n\r\n" + smuggled);
    client.send("GET /webhooks/servicenow HTTP/1.1\r\nHost: bridge\r\n\r\n");
    auto first = client.receive();
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK(first->keepAlive);
    auto second = client.receive();
    REQUIRE(second);
    CHECK(second->status == 405);  // the webhook's answer to GET, not the smuggled 404
    CHECK_FALSE(client.receive(500ms));
    CHECK(client.unparsed().empty());
  }

  SECTION("a body over server.maxBodyBytes is not read: the answer closes the connection") {
    RawClient client(fx.port());
    const std::string padding(2048 - smuggled.size(), ' ');  // the fixture allows 1024 bytes
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\nContent-Length: 2048\r\n\r\n" + smuggled + padding);
    auto first = client.receive();
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK_FALSE(first->keepAlive);
    CHECK(client.closedWithin(3000ms));
    CHECK(client.unparsed().empty());
  }

  SECTION("a body of unknown length (chunked) is refused and the connection closed") {
    RawClient client(fx.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\nTransfer-Encoding: chunked\r\n\r\n" +
                std::to_string(smuggled.size()) + "\r\n" + smuggled + "\r\n0\r\n\r\n");
    auto first = client.receive();
    REQUIRE(first);
    CHECK(first->status == 411);
    CHECK(client.closedWithin(3000ms));
    CHECK(client.unparsed().empty());
  }

  SECTION("two pipelined requests in one write get two answers in order") {
    RawClient client(fx.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\n\r\nGET /nope HTTP/1.1\r\nHost: bridge\r\n\r\n");
    auto first = client.receive();
    auto second = client.receive();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(second->status == 404);
  }
}

TEST_CASE("keep-alive idle timeout, request deadline and connection cap", "[server][hostile][limits]") {
  ServerLimits limits;
  limits.keepAliveTimeout = 300ms;
  limits.requestTimeout = 500ms;
  limits.maxConnections = 10;
  Fixture fx(limits);

  SECTION("an idle kept-alive connection is closed after the idle timeout") {
    RawClient client(fx.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\n\r\n");
    REQUIRE(client.receive());
    const auto idleSince = Clock::now();
    CHECK(client.closedWithin(2000ms));
    CHECK(Clock::now() - idleSince < 1000ms);
  }

  SECTION("a request that does not arrive whole in time gets 408 and is closed") {
    RawClient client(fx.port());
    client.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\n");  // no blank line: never complete
    auto answer = client.receive(2000ms);
    REQUIRE(answer);
    CHECK(answer->status == 408);
    CHECK(client.closedWithin(1000ms));
  }

  SECTION("connections over the cap are answered 503 at once; below it, service resumes") {
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 10; ++i) {
      held.push_back(std::make_unique<RawClient>(fx.port()));
      held.back()->send("G");  // a request begun, never finished (until the 500 ms deadline)
    }
    std::this_thread::sleep_for(100ms);
    RawClient over(fx.port());
    const auto started = Clock::now();
    auto refused = over.receive(1000ms);
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(Clock::now() - started < 300ms);
    held.clear();
    std::this_thread::sleep_for(200ms);
    CHECK(test::httpCall(fx.port(), "GET", "/healthz").status == 200);
  }
}

TEST_CASE("/healthz answers while every worker waits on the ledger", "[server][hostile][probes]") {
  Fixture fx;
  std::vector<std::thread> webhooks;
  std::atomic<int> webhookAnswers{0};
  {
    // Hold the ledger: each webhook takes a worker and waits for the ledger's lock.
    std::lock_guard<std::recursive_mutex> ledgerBusy(fx.ledger.database().mutex());
    for (int i = 0; i < 12; ++i)
      webhooks.emplace_back([&fx, &webhookAnswers, i] {
        const std::string body = incidentBody("eval-unknown-" + std::to_string(i), "6", 1);
        if (test::httpCall(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body)).status == 202)
          ++webhookAnswers;
      });
    std::this_thread::sleep_for(300ms);
    for (int probe = 0; probe < 5; ++probe) {
      const auto started = Clock::now();
      CHECK(test::httpCall(fx.port(), "GET", "/healthz").status == 200);
      CHECK(Clock::now() - started < 500ms);
    }
  }
  for (auto& thread : webhooks) thread.join();
  CHECK(webhookAnswers == 12);  // and they were all answered once the ledger was free
}

TEST_CASE("the port file is 0600 and replaces a symlink at its path without following it",
          "[server][hostile][portfile]") {
  test::TempDir dir;
  const std::string victim = dir.file("victim.txt");
  {
    std::ofstream out(victim);
    out << "keep me\n";
  }
  const std::string path = dir.file("bridge.port");
  REQUIRE(::symlink(victim.c_str(), path.c_str()) == 0);
  // The old code wrote through "<path>.tmp": a symlink planted there must not be followed either.
  REQUIRE(::symlink(victim.c_str(), (path + ".tmp").c_str()) == 0);
  const mode_t previous = ::umask(0);  // even a permissive umask gives 0600
  writePortFile(path, "127.0.0.1:8089");
  ::umask(previous);

  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  CHECK(S_ISREG(info.st_mode));
  CHECK((info.st_mode & 0777) == 0600);
  std::ifstream written(path);
  std::string line;
  std::getline(written, line);
  CHECK(line == "127.0.0.1:8089");
  std::ifstream kept(victim);
  std::getline(kept, line);
  CHECK(line == "keep me");
  // No temporary file is left behind (victim.txt, bridge.port and the planted bridge.port.tmp).
  std::vector<std::string> names;
  Poco::File(dir.path()).list(names);
  CHECK(names.size() == 3);

  // A directory that cannot be written is an error, not a silent fallback.
  CHECK_THROWS(writePortFile(dir.file("missing/bridge.port"), "127.0.0.1:1"));
}

TEST_CASE("a forged X-Request-Id never reaches the log or the answer as sent", "[server][hostile][log]") {
  Fixture fx;
  LogCapture capture("evalbridge.webhook");
  int sent = 0;  // each body differs: the same signed delivery twice would be a replay (409)
  auto body = [&sent] { return incidentBody("eval-unknown-" + std::to_string(++sent), "6", 1); };  // 202, logged
  const std::vector<std::string> forged = {
      "abc\r\n 2026-11-01T10:00:00Z E evalbridge.webhook: forged line",  // folded onto the id by the parser
      "id with spaces",
      "quote\"and=equals",
      std::string(65, 'a'),
  };
  for (const auto& id : forged) {
    RawClient client(fx.port());
    client.send(rawSignedWebhook(body(), "X-Request-Id: " + id + "\r\n"));
    auto answer = client.receive();
    REQUIRE(answer);
    CHECK(answer->status == 202);
    CHECK(isUuid(answer->requestId));
  }
  {
    RawClient client(fx.port());
    client.send(rawSignedWebhook(body(), "X-Request-Id: req-42.retry_1\r\n"));
    auto answer = client.receive();
    REQUIRE(answer);
    CHECK(answer->requestId == "req-42.retry_1");  // a safe id is kept, so callers can correlate
  }
  const auto lines = capture.lines();
  REQUIRE(lines.size() == forged.size() + 1);
  for (std::size_t i = 0; i < forged.size(); ++i) {
    CHECK(isUuid(lines[i].second));
    CHECK(lines[i].first.find("forged") == std::string::npos);
  }
  CHECK(lines.back().second == "req-42.retry_1");
}

TEST_CASE("refused unsigned webhooks log one warning per interval, with a count of the rest",
          "[server][hostile][log]") {
  ServerLimits limits;
  limits.refusedWarningInterval = 400ms;
  Fixture fx(limits);
  LogCapture capture("evalbridge.webhook");
  const std::string body = incidentBody("eval-1", "6", 1);
  for (int i = 0; i < 30; ++i)
    CHECK(test::httpCall(fx.port(), "POST", "/webhooks/servicenow", body, {{"Content-Type", "application/json"}})
              .status == 401);
  CHECK(capture.lines().size() == 1);
  std::this_thread::sleep_for(500ms);
  CHECK(test::httpCall(fx.port(), "POST", "/webhooks/servicenow", body).status == 401);
  const auto lines = capture.lines();
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[1].first, Catch::Contains("29 more"));
  CHECK(fx.metrics.value("evalbridge_webhook_requests_total", {{"code", "401"}}) == 31);
}

TEST_CASE("/metrics renders (and so reads the ledger) at most once per cache period",
          "[server][hostile][metrics]") {
  ServerLimits limits;
  limits.metricsCacheTtl = 400ms;
  Fixture fx(limits);
  std::atomic<int> collected{0};
  fx.metrics.addCollector([&collected](Metrics& m) { m.set("scrape_collections", {}, ++collected); });
  for (int i = 0; i < 25; ++i) CHECK(test::httpCall(fx.port(), "GET", "/metrics").status == 200);
  CHECK(collected == 1);
  std::this_thread::sleep_for(500ms);
  CHECK_THAT(test::httpCall(fx.port(), "GET", "/metrics").body, Catch::Contains("scrape_collections 2\n"));
}

TEST_CASE("run: the port file, the ledger and its WAL are owner-only, and a symlink at the port file is replaced",
          "[server][hostile][portfile]") {
  test::TempDir dir;
  Poco::File(std::string(EVALBRIDGE_SOURCE_DIR) + "/mappings/qa-failures.json").copyTo(dir.file("mapping.json"));
  {
    // Unreachable Genesys and ServiceNow: the cycles fail, the server and the ledger are up.
    std::ofstream config(dir.file("config.json"));
    config << R"({
  "ledger": { "path": "ledger.db" },
  "genesys": { "orgs": [ { "name": "acme-us", "orgId": ")" << kOrgId << R"(", "region": "us-east-1",
      "apiBase": "http://127.0.0.1:9", "loginBase": "http://127.0.0.1:9", "clientId": "client-id-unused",
      "clientSecret": "client-secret-unused", "mapping": "mapping.json" } ] },
  "servicenow": { "instanceUrl": "http://127.0.0.1:9",
    "auth": { "type": "basic", "username": "svc_evalbridge", "password": "password-unused" } },
  "server": { "listen": "127.0.0.1:0" }
})";
    std::ofstream victim(dir.file("victim.txt"));
    victim << "keep me\n";
  }
  const std::string portFile = dir.file("bridge.port");
  REQUIRE(::symlink(dir.file("victim.txt").c_str(), portFile.c_str()) == 0);
  const mode_t previous = ::umask(022);  // what a shell usually has: `run` must not rely on it
  Poco::ProcessHandle bridge = Poco::Process::launch(
      "/bin/sh", {"-c", std::string("exec '") + EVALBRIDGE_BINARY + "' --config config.json run --port-file '" + portFile +
                            "' > run.out 2> run.log"},
      dir.path());
  ::umask(previous);
  struct stat info {};
  for (int i = 0; i < 100 && !(::lstat(portFile.c_str(), &info) == 0 && S_ISREG(info.st_mode)); ++i)
    std::this_thread::sleep_for(100ms);
  const auto modeOf = [](const std::string& path) {
    struct stat file {};
    return ::stat(path.c_str(), &file) == 0 ? static_cast<int>(file.st_mode & 0777) : -1;
  };
  CHECK(S_ISREG(info.st_mode));
  CHECK(modeOf(portFile) == 0600);
  CHECK(modeOf(dir.file("ledger.db")) == 0600);
  if (Poco::File(dir.file("ledger.db-wal")).exists()) CHECK(modeOf(dir.file("ledger.db-wal")) == 0600);
  std::ifstream victim(dir.file("victim.txt"));
  std::string line;
  std::getline(victim, line);
  CHECK(line == "keep me");
  Poco::Process::requestTermination(bridge.id());
  CHECK(bridge.wait() == 0);
}
