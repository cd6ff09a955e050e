// The bridge's notification channel (src/genesys/NotificationChannel.h) for one org: frames read
// defensively, hints for added and rescored evaluations, heartbeats, pings and silence, drops,
// closing notices and expiry without losing events, a refused topic, tokens kept per org, and a
// prompt stop. Integration tests run the real simulator over real HTTP and WebSockets on
// 127.0.0.1; the frame parser, the backoff and the duplicate filter are tested as pure logic, and
// the WebSocket reader against a scripted server that sends what the simulator never would.
#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/Errors.h"
#include "common/IsoTime.h"
#include "config/Config.h"
#include "genesys/ChannelSocket.h"
#include "genesys/NotificationApi.h"
#include "genesys/NotificationChannel.h"
#include "genesys/NotificationFrame.h"
#include "genesys/OrgClient.h"
#include "genesys/RecentHints.h"
#include "genesys/ReconnectBackoff.h"
#include "http/ShutdownToken.h"
#include "sim/Simulator.h"
#include "support/BridgeFixture.h"
#include "support/SelfSignedCert.h"
#include "support/TestHttpServer.h"
#include "support/ThreadLimit.h"

using namespace evalbridge;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

bool waitUntil(const std::function<bool()>& condition, milliseconds timeout = milliseconds(10000)) {
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

// The org as the bridge's configuration would describe it, pointed at the simulator.
OrgSettings orgSettings(const sim::Simulator& simulator, const std::string& name) {
  const auto& specs = simulator.options().orgs;
  const auto spec = std::find_if(specs.begin(), specs.end(), [&](const sim::OrgSpec& o) { return o.name == name; });
  REQUIRE(spec != specs.end());
  OrgSettings org;
  org.name = spec->name;
  org.orgId = spec->orgId;
  org.region = "us-east-1";
  org.apiBase = simulator.orgUrl(name);
  org.loginBase = simulator.orgUrl(name);
  org.clientId = spec->clientId;
  org.clientSecret = spec->clientSecret;
  org.retry = RetrySettings{3, 20, 100, 5};
  org.timeoutMs = 5000;
  return org;
}

// Short timings so that each behaviour shows within seconds.
NotificationChannelSettings quickSettings() {
  NotificationChannelSettings settings;
  settings.pingInterval = milliseconds(1000);
  settings.silenceTimeout = milliseconds(3000);
  settings.backoffInitial = milliseconds(100);
  settings.backoffMax = milliseconds(400);
  settings.sweepOnlyRetry = milliseconds(60000);
  settings.tick = milliseconds(50);
  settings.seed = 11;
  return settings;
}

// What a channel told its owner, kept for the test to look at.
class Recorder {
 public:
  void hint(const EvaluationHint& hint) {
    std::lock_guard<std::mutex> lock(mutex_);
    hints_.push_back(hint);
  }
  void state(ChannelState state, const std::string& detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    states_.emplace_back(state, detail);
  }
  std::vector<EvaluationHint> hints() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hints_;
  }
  std::vector<std::pair<ChannelState, std::string>> states() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return states_;
  }
  std::set<std::string> hintedIds() const {
    std::set<std::string> ids;
    for (const auto& h : hints()) ids.insert(h.evaluationId);
    return ids;
  }
  bool hinted(const std::vector<std::string>& ids) const {
    const auto seen = hintedIds();
    return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return seen.count(id) > 0; });
  }
  bool everIn(ChannelState wanted) const {
    const auto all = states();
    return std::any_of(all.begin(), all.end(), [&](const auto& s) { return s.first == wanted; });
  }

 private:
  mutable std::mutex mutex_;
  std::vector<EvaluationHint> hints_;
  std::vector<std::pair<ChannelState, std::string>> states_;
};

// One org's client and channel, with a recorder.
struct ChannelUnderTest {
  ChannelUnderTest(const sim::Simulator& simulator, const std::string& orgName,
                   NotificationChannelSettings settings = quickSettings())
      : client(orgSettings(simulator, orgName), shutdown),
        channel(
            client, std::move(settings), shutdown, [this](const EvaluationHint& h) { recorder.hint(h); },
            [this](ChannelState s, const std::string& d) { recorder.state(s, d); }) {}
  ~ChannelUnderTest() { channel.stop(); }

  bool connected(milliseconds timeout = milliseconds(10000)) {
    return waitUntil([&] { return channel.state() == ChannelState::Connected; }, timeout);
  }

  ShutdownToken shutdown;
  Recorder recorder;
  OrgClient client;
  NotificationChannel channel;
};

std::vector<sim::RecordedRequest> requestsTo(const sim::Simulator& simulator, const std::string& server,
                                             const std::string& method, const std::string& path) {
  std::vector<sim::RecordedRequest> out;
  for (const auto& r : simulator.requests())
    if (r.server == server && r.method == method && r.path == path) out.push_back(r);
  return out;
}

// Adds one evaluation every `every` until stopped; remembers the ids.
class Publisher {
 public:
  Publisher(sim::Simulator& simulator, std::string org, milliseconds every)
      : thread_([this, &simulator, org, every] {
          int n = 0;
          while (!stop_) {
            const std::string from = "2027-01-01T00:" + std::to_string(10 + n / 60) + ":" + (n % 60 < 10 ? "0" : "") +
                                     std::to_string(n % 60) + "Z";
            auto added = simulator.addEvaluations(org, 1, from);
            {
              std::lock_guard<std::mutex> lock(mutex_);
              ids_.insert(ids_.end(), added.begin(), added.end());
            }
            ++n;
            std::this_thread::sleep_for(every);
          }
        }) {}
  ~Publisher() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_;
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  std::thread thread_;  // last: starts once the rest exists
};

std::string missingOf(const Recorder& recorder, const std::vector<std::string>& ids) {
  const auto seen = recorder.hintedIds();
  std::string missing;
  for (const auto& id : ids)
    if (!seen.count(id)) missing += id + " ";
  return missing;
}

// Makes every channel creation slow, so that a switch has a window in which events reach only
// the old socket: an implementation that does not read the old socket to its end loses them.
void slowChannelCreation(sim::Simulator& simulator, const std::string& org) {
  sim::FaultRule slow;
  slow.server = org;
  slow.method = "POST";
  slow.pathPrefix = "/api/v2/notifications/channels";
  slow.kind = "latency";
  slow.latencyMs = 300;
  simulator.addFault(slow);
}

sim::SimulatorOptions oneOrg(const std::function<void(sim::OrgSpec&)>& change = {}) {
  sim::SimulatorOptions options;
  options.orgs.at(0).evaluationCount = 5;
  if (change) change(options.orgs.at(0));
  return options;
}

struct SslOnce {
  SslOnce() { Poco::Net::initializeSSL(); }
  ~SslOnce() { Poco::Net::uninitializeSSL(); }
};

}  // namespace

// =============================================================================================
// Frame parser (pure)

TEST_CASE("frame parser: heartbeat, pong, other metadata and the closing notice") {
  using Kind = NotificationFrame::Kind;
  CHECK(parseNotificationFrame(R"({"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}})")
            .kind == Kind::Heartbeat);
  CHECK(parseNotificationFrame(R"({"topicName":"channel.metadata","eventBody":{"message":"pong"}})").kind ==
        Kind::Pong);
  CHECK(parseNotificationFrame(R"({"topicName":"channel.metadata","eventBody":{"message":"something new"}})").kind ==
        Kind::Metadata);
  CHECK(parseNotificationFrame(R"({"topicName":"channel.metadata"})").kind == Kind::Metadata);
  const auto closing =
      parseNotificationFrame(R"({"topicName":"v2.system.socket_closing","eventBody":{"message":"bye"}})");
  CHECK(closing.kind == Kind::SocketClosing);
  CHECK(closing.topicName == "v2.system.socket_closing");
  CHECK(parseNotificationFrame(R"({"topicName":"v2.users.x.presence","eventBody":{}})").kind == Kind::OtherTopic);
  CHECK(notificationPingText() == R"({"message":"ping"})");
}

TEST_CASE("frame parser: an evaluation event becomes a hint with every field the receiver needs") {
  const auto frame = parseNotificationFrame(R"({"topicName":"v2.quality.evaluations","version":"2",
      "eventBody":{"id":"ev-1","conversationId":"conv-1","status":"Finished","changedDate":"2026-12-02T00:00:00.000Z",
      "releaseDate":"2026-12-02T00:00:00.000Z","rescore":true,"eventType":"Update","agent":{"id":"a"}},
      "metadata":{"CorrelationId":"c"}})");
  REQUIRE(frame.kind == NotificationFrame::Kind::Evaluation);
  CHECK(frame.topicName == "v2.quality.evaluations");
  CHECK(frame.hint.evaluationId == "ev-1");
  CHECK(frame.hint.conversationId == "conv-1");
  CHECK(frame.hint.status == "Finished");
  CHECK(frame.hint.changedDate == "2026-12-02T00:00:00.000Z");
  CHECK(frame.hint.rescore);
  CHECK(frame.hint.eventType == "Update");

  // Optional fields of the wrong type are left empty rather than failing the hint.
  const auto sparse = parseNotificationFrame(
      R"({"topicName":"v2.quality.evaluations","eventBody":{"id":"ev-2","conversationId":"c2","rescore":"yes","changedDate":5,"status":null}})");
  REQUIRE(sparse.kind == NotificationFrame::Kind::Evaluation);
  CHECK_FALSE(sparse.hint.rescore);
  CHECK(sparse.hint.changedDate.empty());
  CHECK(sparse.hint.status.empty());
}

TEST_CASE("frame parser: unusable frames are Malformed with a reason that never quotes them") {
  using Kind = NotificationFrame::Kind;
  const std::string secret = "agent-secret-name";
  struct Case {
    std::string text;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"not json " + secret, "not valid JSON"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":{"id":")" + secret, "not valid JSON"},
      {R"(["v2.quality.evaluations"])", "not a JSON object"},
      {R"("v2.quality.evaluations")", "not"},
      {R"({"eventBody":{"id":"x","conversationId":"y"}})", "no string topicName"},
      {R"({"topicName":42})", "no string topicName"},
      {R"({"topicName":"v2.quality.evaluations"})", "no eventBody"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":"text"})", "no eventBody"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":{"conversationId":")" + secret + R"("}})", "no string id"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":{"id":7,"conversationId":"c"}})", "no string id"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":{"id":")" + secret + R"("}})", "no string conversationId"},
      {std::string(200, '[') + std::string(200, ']'), "not valid JSON"},
      {R"({"topicName":"v2.quality.evaluations","eventBody":{"id":"a","conversationId":"b","x":1e400}})", ""},
  };
  for (const auto& c : cases) {
    INFO(c.text.substr(0, 80));
    const auto frame = parseNotificationFrame(c.text);
    if (c.reason.empty()) {
      // 1e400: Poco either rejects it or reads infinity; either way no crash, and no hint from junk.
      CHECK((frame.kind == Kind::Malformed || frame.kind == Kind::Evaluation));
      continue;
    }
    CHECK(frame.kind == Kind::Malformed);
    CHECK_THAT(frame.problem, Catch::Contains(c.reason));
    CHECK_THAT(frame.problem, !Catch::Contains(secret));
  }

  // Over the cap: refused before parsing, whatever it holds.
  const std::string big =
      R"({"topicName":"v2.quality.evaluations","eventBody":{"id":"a","conversationId":"b","pad":")" +
      std::string(2000, 'x') + "\"}}";
  CHECK(parseNotificationFrame(big, 4096).kind == Kind::Evaluation);
  const auto tooBig = parseNotificationFrame(big, 1000);
  CHECK(tooBig.kind == Kind::Malformed);
  CHECK_THAT(tooBig.problem, Catch::Contains("limit of 1000"));

  // A topic name that could forge a log line is shown tamed.
  const auto forged = parseNotificationFrame("{\"topicName\":\"x\\nFAKE LOG LINE\",\"eventBody\":{}}");
  CHECK(forged.kind == Kind::OtherTopic);
  CHECK(forged.topicName == "x?FAKE?LOG?LINE");
  CHECK(loggableTopicName(std::string(300, 'a')).size() == 131);
}

TEST_CASE("reconnect backoff doubles up to its cap and always waits at least half a step") {
  ReconnectBackoff backoff(milliseconds(100), milliseconds(1000), 5);
  for (int round = 0; round < 50; ++round) {
    for (int failures = 1; failures <= 8; ++failures) {
      const long long step = std::min(1000LL, 100LL << (failures - 1));
      const auto delay = backoff.delay(failures).count();
      INFO("failures " << failures << " delay " << delay);
      CHECK(delay >= step / 2);
      CHECK(delay <= step);
    }
  }
  CHECK(backoff.delay(1000).count() <= 1000);  // no overflow however long it fails
  // Jitter: two backoffs with different seeds do not march in step.
  ReconnectBackoff a(milliseconds(1000), milliseconds(60000), 1);
  ReconnectBackoff b(milliseconds(1000), milliseconds(60000), 2);
  int differ = 0;
  for (int i = 0; i < 20; ++i) differ += a.delay(6) != b.delay(6) ? 1 : 0;
  CHECK(differ > 10);
}

TEST_CASE("recent hints pass an event once, a rescore again, and forget the oldest beyond capacity") {
  RecentHints recent(3);
  EvaluationHint h{"ev-1", "c", "2026-12-01T00:00:00Z", "Finished", false, "Create"};
  CHECK(recent.firstTime(h));
  CHECK_FALSE(recent.firstTime(h));
  EvaluationHint rescored = h;
  rescored.changedDate = "2026-12-02T00:00:00Z";
  rescored.rescore = true;
  CHECK(recent.firstTime(rescored));
  // Fields cannot run into each other: "ab"+"c" is not "a"+"bc".
  EvaluationHint x{"ab", "c", "c", "", false, ""};
  EvaluationHint y{"a", "c", "bc", "", false, ""};
  CHECK(recent.firstTime(x));
  CHECK(recent.firstTime(y));
  CHECK(recent.firstTime(h));  // forgotten: capacity 3
}

// =============================================================================================
// The WebSocket reader against a scripted server

namespace {

// A scripted stand-in for Genesys, for what the simulator never sends (fragments, binary frames,
// junk, oversized frames): the token and channel endpoints a NotificationChannel needs, and a
// WebSocket that sends connection i the frames of script i (the last script again for later
// connections), answers {"message":"ping"} with a pong, and records what the client sends.
class ScriptedGenesys {
 public:
  struct Frame {
    std::string payload;
    int flags;
  };
  // With `tls`, the server speaks https/wss only.
  explicit ScriptedGenesys(std::vector<std::vector<Frame>> scripts, Poco::Net::Context::Ptr tls = nullptr)
      : scripts_(std::move(scripts)), tls_(!tls.isNull()) {
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    if (tls) {
      Poco::Net::SecureServerSocket socket(tls);
      socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
      socket.listen(16);
      server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    } else {
      server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), Poco::Net::ServerSocket(0), params);
    }
    server_->start();
  }
  ~ScriptedGenesys() {
    stopping_ = true;
    server_->stopAll(true);
  }
  std::string base() const { return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + port(); }
  std::string socketUrl() const {
    return std::string(tls_ ? "wss" : "ws") + "://127.0.0.1:" + port() + "/channels/test?secret=abc";
  }
  std::string port() const { return std::to_string(server_->port()); }
  std::vector<std::string> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  int connections() const { return connections_; }

 private:
  void serveSocket(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    using Poco::Net::WebSocket;
    WebSocket ws(request, response);
    const int index = connections_++;
    const auto& script = scripts_.at(std::min<std::size_t>(static_cast<std::size_t>(index), scripts_.size() - 1));
    ws.setReceiveTimeout(Poco::Timespan(0, 100 * 1000));
    for (const auto& frame : script)
      ws.sendFrame(frame.payload.data(), static_cast<int>(frame.payload.size()), frame.flags);
    Poco::Buffer<char> buffer(0);
    while (!stopping_) {
      int flags = 0;
      buffer.resize(0);
      try {
        const int n = ws.receiveFrame(buffer, flags);
        if (n == 0 && flags == 0) return;
        const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
        const std::string text(buffer.begin(), buffer.size());
        {
          std::lock_guard<std::mutex> lock(mutex_);
          received_.push_back(std::to_string(opcode) + ":" + text);
        }
        if (opcode == WebSocket::FRAME_OP_CLOSE) return;
        if (text == notificationPingText()) {
          const std::string pong = R"({"topicName":"channel.metadata","eventBody":{"message":"pong"}})";
          ws.sendFrame(pong.data(), static_cast<int>(pong.size()), WebSocket::FRAME_TEXT);
        }
      } catch (const Poco::TimeoutException&) {
      }
    }
  }

  void serveRest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string& uri = request.getURI();
    std::string body;
    if (uri == "/oauth/token") {
      body = R"({"access_token":"scripted-token","token_type":"bearer","expires_in":3600})";
    } else if (request.getMethod() == "POST" && uri == "/api/v2/notifications/channels") {
      Poco::Timestamp expires;
      expires += Poco::Timespan(3600, 0).totalMicroseconds();
      body = R"({"connectUri":")" + socketUrl() + R"(","id":"streaming-0-scripted","expires":")" +
             formatIsoTime(expires) + R"("})";
    } else if (request.getMethod() == "PUT") {
      body = R"({"entities":[{"id":"v2.quality.evaluations","state":"Permitted"}]})";
    } else {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
      response.setContentLength(0);
      response.send();
      return;
    }
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(ScriptedGenesys& owner) : owner_(owner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      try {
        if (request.getURI().rfind("/channels/", 0) == 0) {
          owner_.serveSocket(request, response);
        } else {
          owner_.serveRest(request, response);
        }
      } catch (const Poco::Exception&) {
      }
    }

   private:
    ScriptedGenesys& owner_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(ScriptedGenesys& owner) : owner_(owner) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(owner_);
    }

   private:
    ScriptedGenesys& owner_;
  };

  std::vector<std::vector<Frame>> scripts_;
  bool tls_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<std::string> received_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

using WS = Poco::Net::WebSocket;

ChannelSocket::Message nextMessage(ChannelSocket& socket) {
  for (int i = 0; i < 100; ++i) {
    auto message = socket.receive(milliseconds(50));
    if (message.kind != ChannelSocket::Message::Kind::None) return message;
  }
  FAIL("no message within 5 s");
  return {};
}

}  // namespace

TEST_CASE(
    "channel socket: fragments joined, binary and oversized messages skipped, pings answered, an oversized frame ends "
    "it") {
  const std::string bigPart(40, 'x');
  ScriptedGenesys server({{
      {R"({"topicName":)", WS::FRAME_OP_TEXT},                             // fragment 1 (no FIN)
      {"ping-payload", WS::FRAME_FLAG_FIN | WS::FRAME_OP_PING},            // a control frame between fragments
      {R"("channel.metadata"})", WS::FRAME_FLAG_FIN | WS::FRAME_OP_CONT},  // fragment 2
      {"\x01\x02", WS::FRAME_FLAG_FIN | WS::FRAME_OP_BINARY},
      {bigPart, WS::FRAME_OP_TEXT},  // 40 + 40 > 64: skipped whole
      {bigPart, WS::FRAME_FLAG_FIN | WS::FRAME_OP_CONT},
      {"after", WS::FRAME_FLAG_FIN | WS::FRAME_OP_TEXT},                // the stream is still in step
      {std::string(100, 'y'), WS::FRAME_FLAG_FIN | WS::FRAME_OP_TEXT},  // one frame over the cap
  }});
  ChannelSocket::Options options;
  options.maxMessageBytes = 64;
  ChannelSocket socket(server.socketUrl(), options);
  CHECK(socket.where() == server.socketUrl().substr(0, server.socketUrl().find('?')));  // never the query

  auto joined = nextMessage(socket);
  REQUIRE(joined.kind == ChannelSocket::Message::Kind::Text);
  CHECK(joined.text == R"({"topicName":"channel.metadata"})");
  auto binary = nextMessage(socket);
  CHECK(binary.kind == ChannelSocket::Message::Kind::Skipped);
  CHECK_THAT(binary.detail, Catch::Contains("binary"));
  auto oversized = nextMessage(socket);
  CHECK(oversized.kind == ChannelSocket::Message::Kind::Skipped);
  CHECK_THAT(oversized.detail, Catch::Contains("more than 64 bytes"));
  auto after = nextMessage(socket);
  REQUIRE(after.kind == ChannelSocket::Message::Kind::Text);
  CHECK(after.text == "after");
  auto ended = nextMessage(socket);
  CHECK(ended.kind == ChannelSocket::Message::Kind::Closed);
  CHECK(ended.oversized);
  CHECK(socket.receive(milliseconds(10)).kind == ChannelSocket::Message::Kind::Closed);

  // The PING between fragments was answered with a PONG carrying its payload.
  CHECK(waitUntil(
      [&] {
        const auto got = server.received();
        return std::find(got.begin(), got.end(), std::to_string(WS::FRAME_OP_PONG) + ":ping-payload") != got.end();
      },
      milliseconds(3000)));
}

TEST_CASE("channel socket: wss verifies the certificate and the host name, and reads frames TLS holds back") {
  SslOnce ssl;
  // Several frames in one go: TLS may hand them over in one record, which poll() cannot see.
  std::vector<ScriptedGenesys::Frame> frames;
  for (int i = 0; i < 5; ++i) frames.push_back({"frame-" + std::to_string(i), WS::FRAME_TEXT});
  // The certificate names 127.0.0.1, so no name resolution is needed.
  const auto cert = test::makeSelfSignedCert("127.0.0.1");
  ScriptedGenesys genesys({frames}, test::tlsServerContext(cert));
  ChannelSocket::Options options;
  options.connectTimeoutMs = 3000;

  SECTION("trusted through caFile") {
    options.caFile = cert.certPath;
    ChannelSocket socket(genesys.socketUrl(), options);
    for (int i = 0; i < 5; ++i) {
      auto message = socket.receive(milliseconds(2000));
      REQUIRE(message.kind == ChannelSocket::Message::Kind::Text);
      CHECK(message.text == "frame-" + std::to_string(i));
    }
    CHECK(genesys.connections() == 1);
  }
  SECTION("not trusted") {
    try {
      ChannelSocket socket(genesys.socketUrl(), options);
      FAIL("connected to an untrusted server");
    } catch (const TransientError& e) {
      CHECK_THAT(Poco::toLower(e.message()), Catch::Contains("certificate"));
    }
    CHECK(genesys.connections() == 0);
  }
  SECTION("trusted, but issued to another name") {
    const auto other = test::makeSelfSignedCert("other.example");
    ScriptedGenesys wrong({frames}, test::tlsServerContext(other));
    options.caFile = other.certPath;
    CHECK_THROWS_AS(ChannelSocket(wrong.socketUrl(), options), TransientError);
    CHECK(wrong.connections() == 0);
  }
}

namespace {

// Answers one WebSocket handshake with the 101 and the given text frames in a single write, as a
// busy server may: the frames then arrive together with the answer and sit in the client's HTTP
// buffer, where poll() on the socket cannot see them.
class EagerSocketServer {
 public:
  explicit EagerSocketServer(std::vector<std::string> texts)
      : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)), thread_([this, texts] { serve(texts); }) {}
  ~EagerSocketServer() { thread_.join(); }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(listener_.address().port()) + "/channels/x"; }

 private:
  void serve(const std::vector<std::string>& texts) {
    try {
      listener_.setReceiveTimeout(Poco::Timespan(5, 0));
      Poco::Net::StreamSocket client = listener_.acceptConnection();
      client.setReceiveTimeout(Poco::Timespan(5, 0));
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const int n = client.receiveBytes(buffer, sizeof(buffer));
        if (n <= 0) return;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      const std::string marker = "Sec-WebSocket-Key: ";
      const auto at = Poco::toLower(request).find(Poco::toLower(marker));
      REQUIRE(at != std::string::npos);
      const std::string key = request.substr(at + marker.size(), request.find("\r\n", at) - at - marker.size());
      Poco::SHA1Engine sha1;
      sha1.update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");  // RFC 6455 4.2.2
      std::ostringstream accept;
      {
        Poco::Base64Encoder encoder(accept);
        const auto& digest = sha1.digest();
        encoder.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
        encoder.close();
      }
      std::string out =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " +
          accept.str() + "\r\n\r\n";
      for (const auto& text : texts) {
        REQUIRE(text.size() < 126);
        out += static_cast<char>(0x81);  // FIN, text
        out += static_cast<char>(text.size());
        out += text;
      }
      client.sendBytes(out.data(), static_cast<int>(out.size()));
      // Wait for the client's close (or EOF) before hanging up.
      while (client.receiveBytes(buffer, sizeof(buffer)) > 0) {
      }
    } catch (const Poco::Exception&) {
    }
  }

  Poco::Net::ServerSocket listener_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("channel socket: frames that came with the handshake answer are read at once") {
  EagerSocketServer server({"one", "two", "three"});
  ChannelSocket::Options options;
  options.connectTimeoutMs = 3000;
  ChannelSocket socket(server.url(), options);
  for (const std::string expected : {"one", "two", "three"}) {
    // Nothing more will arrive on the wire: each must come from what is already buffered.
    const auto message = socket.receive(milliseconds(300));
    REQUIRE(message.kind == ChannelSocket::Message::Kind::Text);
    CHECK(message.text == expected);
  }
  socket.close();
}

TEST_CASE("channel socket: plain ws:// only to loopback, and a refused handshake names the status") {
  ChannelSocket::Options options;
  options.connectTimeoutMs = 2000;
  CHECK_THROWS_AS(ChannelSocket("ws://example.com/channels/x", options), ConfigError);
  CHECK_THROWS_AS(ChannelSocket("http://127.0.0.1:1/channels/x", options), PermanentError);
  CHECK(loggableSocketUrl("wss://user:pw@streaming.example.com:8443/channels/abc?token=s#f") ==
        "wss://streaming.example.com:8443/channels/abc");
  // The channel id is the channel's credential: only its start is shown.
  CHECK(loggableSocketUrl("wss://streaming.mypurecloud.com/channels/streaming-0-0123456789abcdef") ==
        "wss://streaming.mypurecloud.com/channels/streaming-0-0123...");
  CHECK(shortChannelId("streaming-0-0123456789abcdef") == "streaming-0-0123...");

  sim::Simulator simulator(oneOrg());
  simulator.start();
  try {
    ChannelSocket socket(simulator.orgUrl("acme-us").replace(0, 4, "ws") + "/channels/streaming-0-unknown", options);
    FAIL("connected to a channel that does not exist");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("HTTP 404"));
  }
}

TEST_CASE("channel socket: wss goes through HTTPS_PROXY with CONNECT, NO_PROXY and loopback bypass it") {
  test::EnvGuard guard(test::kProxyVars);
  test::TestServer proxy([](int, auto&, auto& response) { test::reply(response, 502, "no"); });
  const std::string port = std::to_string(proxy.port());
  ::setenv("HTTPS_PROXY", ("http://user:pw-SECRET@127.0.0.1:" + port).c_str(), 1);
  ::setenv("HTTP_PROXY", ("http://127.0.0.1:" + port).c_str(), 1);  // for the loopback ws:// below
  ::setenv("no_proxy", "10.255.255.1", 1);
  // As NotificationChannel does: the org's client's rules (OrgClient::proxies).
  OrgSettings org;
  org.name = "acme-us";
  ShutdownToken shutdown;
  OrgClient client(org, shutdown);
  ChannelSocket::Options options;
  options.proxies = client.proxies();
  options.connectTimeoutMs = 500;
  try {
    ChannelSocket socket("wss://streaming.example.test/channels/streaming-0-abcdef0123456789", options);
    FAIL("expected the proxy's refusal");
  } catch (const TransientError& e) {
    CHECK_THAT(e.message(), Catch::Contains("via proxy 127.0.0.1:" + port));
    CHECK_THAT(e.message(), !Catch::Contains("pw-SECRET") && !Catch::Contains("abcdef0123456789"));
  }
  auto seen = proxy.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "CONNECT");
  CHECK(seen[0].uri == "streaming.example.test:443");
  CHECK(seen[0].proxyAuthorization == "Basic dXNlcjpwdy1TRUNSRVQ=");  // user:pw-SECRET

  // A NO_PROXY host goes direct (nothing answers there within the timeout); the proxy sees nothing new.
  CHECK_THROWS_AS(ChannelSocket("wss://10.255.255.1:9/channels/x", options), TransientError);
  // So does loopback: the simulator's socket is reached without the proxy.
  sim::Simulator simulator(oneOrg());
  simulator.start();
  CHECK_THROWS_WITH(ChannelSocket(simulator.orgUrl("acme-us").replace(0, 4, "ws") + "/channels/streaming-0-unknown", options),
                    Catch::Contains("HTTP 404"));
  CHECK(proxy.requests() == 1);
}

TEST_CASE("a channel counts and skips malformed frames, and goes on after a frame too large to skip") {
  SslOnce ssl;
  const std::string good1 =
      R"({"topicName":"v2.quality.evaluations","eventBody":{"id":"ev-ok-1","conversationId":"c1"}})";
  const std::string good2 =
      R"({"topicName":"v2.quality.evaluations","eventBody":{"id":"ev-ok-2","conversationId":"c2"}})";
  ScriptedGenesys genesys({
      {
          {"not json at all", WS::FRAME_TEXT},
          {R"({"topicName":"v2.quality.evaluations","eventBody":{"conversationId":"c"}})", WS::FRAME_TEXT},
          {"\x01", WS::FRAME_BINARY},
          {std::string(600, ' '), WS::FRAME_OP_TEXT},  // a message of 1200 bytes in two fragments
          {std::string(600, ' '), WS::FRAME_FLAG_FIN | WS::FRAME_OP_CONT},
          {good1, WS::FRAME_TEXT},
          {std::string(5000, 'z'), WS::FRAME_TEXT},  // one frame over the cap: this socket cannot go on
      },
      {
          {good2, WS::FRAME_TEXT},
      },
  });
  OrgSettings org;
  org.name = "scripted";
  org.orgId = "org-scripted";
  org.apiBase = org.loginBase = genesys.base();
  org.clientId = "client";
  org.clientSecret = "secret";
  org.retry = RetrySettings{2, 20, 50, 5};
  org.timeoutMs = 3000;
  ShutdownToken shutdown;
  OrgClient client(org, shutdown);
  Recorder recorder;
  auto settings = quickSettings();
  settings.maxFrameBytes = 1000;
  NotificationChannel channel(
      client, settings, shutdown, [&](const EvaluationHint& h) { recorder.hint(h); },
      [&](ChannelState s, const std::string& d) { recorder.state(s, d); });
  channel.start();
  REQUIRE(waitUntil([&] { return recorder.hinted({"ev-ok-1", "ev-ok-2"}); }));
  REQUIRE(waitUntil([&] { return channel.state() == ChannelState::Connected; }));
  const auto counters = channel.counters();
  CHECK(counters.malformedFrames == 5);
  CHECK(counters.hints == 2);
  CHECK(counters.channelsCreated == 2);
  CHECK(counters.reconnects == 1);
  CHECK(genesys.connections() == 2);
  channel.stop();
}

// =============================================================================================
// Against the simulator

TEST_CASE("hints arrive for added evaluations and for a rescore with its new changedDate") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  ChannelUnderTest org(simulator, "acme-us");
  org.channel.start();
  REQUIRE(org.connected());
  // Subscribed before Connected: the channel the sim knows lists the topic.
  const auto state = simulator.notificationState("acme-us");
  REQUIRE(state.channels.size() == 1);
  CHECK(state.channels[0].id == org.channel.channelId());
  CHECK(state.channels[0].connected);
  CHECK(state.channels[0].subscriptions == std::vector<std::string>{"v2.quality.evaluations"});

  const auto ids = simulator.addEvaluations("acme-us", 3, "2026-12-01T00:00:00Z");
  REQUIRE(waitUntil([&] { return org.recorder.hinted(ids); }));
  const auto stored = simulator.evaluations("acme-us");
  for (const auto& hint : org.recorder.hints()) {
    INFO(hint.evaluationId);
    const auto match = std::find_if(stored.begin(), stored.end(), [&](const auto& e) {
      return e->template getValue<std::string>("id") == hint.evaluationId;
    });
    REQUIRE(match != stored.end());
    CHECK(hint.conversationId == (*match)->getObject("conversation")->getValue<std::string>("id"));
    CHECK(hint.changedDate == (*match)->getValue<std::string>("changedDate"));
    CHECK_FALSE(hint.status.empty());
    CHECK_FALSE(hint.rescore);
  }

  simulator.rescore("acme-us", ids[1], 42, "2026-12-05T00:00:00Z");
  REQUIRE(waitUntil([&] {
    for (const auto& h : org.recorder.hints())
      if (h.evaluationId == ids[1] && h.rescore) return true;
    return false;
  }));
  const auto hints = org.recorder.hints();
  const auto rescored = std::find_if(hints.begin(), hints.end(), [&](const auto& h) { return h.rescore; });
  CHECK(parseIsoTime(rescored->changedDate) == parseIsoTime("2026-12-05T00:00:00Z"));
  CHECK(hints.size() == 4);
  const auto counters = org.channel.counters();
  CHECK(counters.hints == 4);
  CHECK(counters.channelsCreated == 1);
  CHECK(counters.malformedFrames == 0);
  CHECK(org.channel.state() == ChannelState::Connected);
  // The channel id is the channel's credential: the state (which is logged) shows only its start.
  CHECK_THAT(org.channel.stateDetail(), !Catch::Contains(org.channel.channelId()) && Catch::Contains("subscribed"));
}

TEST_CASE("server heartbeats keep the channel connected without pings") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg([](sim::OrgSpec& o) { o.heartbeatIntervalS = 1; }));
  simulator.start();
  auto settings = quickSettings();
  settings.pingInterval = milliseconds(0);  // never ping: only heartbeats can keep it alive
  settings.silenceTimeout = milliseconds(2500);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  std::this_thread::sleep_for(milliseconds(5500));
  const auto counters = org.channel.counters();
  CHECK(counters.heartbeats >= 4);
  CHECK(counters.pongs == 0);
  CHECK(counters.channelsCreated == 1);
  CHECK(counters.reconnects == 0);
  CHECK(org.channel.state() == ChannelState::Connected);
  CHECK_FALSE(org.recorder.everIn(ChannelState::Reconnecting));
}

TEST_CASE("pings keep a channel without heartbeats connected") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg([](sim::OrgSpec& o) { o.heartbeatIntervalS = 0; }));
  simulator.start();
  auto settings = quickSettings();
  settings.pingInterval = milliseconds(500);
  settings.silenceTimeout = milliseconds(2000);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  std::this_thread::sleep_for(milliseconds(5000));
  const auto counters = org.channel.counters();
  CHECK(counters.pongs >= 5);
  CHECK(counters.heartbeats == 0);
  CHECK(counters.channelsCreated == 1);
  CHECK(org.channel.state() == ChannelState::Connected);
  CHECK_FALSE(org.recorder.everIn(ChannelState::Reconnecting));
}

TEST_CASE("silence beyond the timeout replaces the channel") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg([](sim::OrgSpec& o) { o.heartbeatIntervalS = 0; }));
  simulator.start();
  auto settings = quickSettings();
  settings.pingInterval = milliseconds(0);  // nothing will ever arrive unasked
  settings.silenceTimeout = milliseconds(1000);
  settings.stableAfter = milliseconds(500);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  const std::string first = org.channel.channelId();
  REQUIRE(waitUntil([&] { return org.channel.counters().reconnects >= 1; }, milliseconds(5000)));
  REQUIRE(org.connected());
  CHECK(org.channel.channelId() != first);
  CHECK(org.recorder.everIn(ChannelState::Reconnecting));
  bool saidWhy = false;
  for (const auto& [state, detail] : org.recorder.states())
    saidWhy = saidWhy || (state == ChannelState::Reconnecting && detail.find("nothing received") != std::string::npos);
  CHECK(saidWhy);
  CHECK(org.channel.counters().channelsCreated >= 2);
}

TEST_CASE("a socket dropped without notice is replaced after a backoff, and later evaluations are hinted") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  auto settings = quickSettings();
  settings.backoffInitial = milliseconds(400);  // first wait in [200, 400] ms
  settings.backoffMax = milliseconds(800);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  const std::string first = org.channel.channelId();
  const double dropped = static_cast<double>(Poco::Timestamp().epochMicroseconds()) / 1e6;
  REQUIRE(simulator.dropNotificationSockets("acme-us") == 1);

  REQUIRE(waitUntil([&] { return org.channel.counters().reconnects == 1; }));
  REQUIRE(org.connected());
  CHECK(org.channel.channelId() != first);
  CHECK(org.recorder.everIn(ChannelState::Reconnecting));
  // The backoff: the next channel was asked for no sooner than half the first step.
  double nextCreate = 0;
  for (const auto& r : requestsTo(simulator, "acme-us", "POST", "/api/v2/notifications/channels"))
    if (r.time > dropped && nextCreate == 0) nextCreate = r.time;
  REQUIRE(nextCreate > 0);
  CHECK(nextCreate - dropped >= 0.19);

  const auto ids = simulator.addEvaluations("acme-us", 3, "2026-12-01T00:00:00Z");
  CHECK(waitUntil([&] { return org.recorder.hinted(ids); }));
  CHECK(org.channel.counters().channelsCreated == 2);
}

TEST_CASE("a closing notice moves to a new channel at once and no event published after it is lost") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  auto settings = quickSettings();
  // Long enough that an implementation that waited for the close (and then backed off) would
  // miss events published meanwhile.
  settings.backoffInitial = milliseconds(3000);
  settings.backoffMax = milliseconds(3000);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  const std::string first = org.channel.channelId();
  slowChannelCreation(simulator, "acme-us");

  Publisher publisher(simulator, "acme-us", milliseconds(20));
  std::this_thread::sleep_for(milliseconds(400));
  REQUIRE(simulator.closeNotificationSockets("acme-us", "", 1000) == 1);
  std::this_thread::sleep_for(milliseconds(2500));
  publisher.finish();
  const auto ids = publisher.ids();
  REQUIRE(ids.size() > 20);  // a sanity check of the publisher, even on a loaded machine
  CHECK(waitUntil([&] { return org.recorder.hinted(ids); }));
  INFO("missing: " << missingOf(org.recorder, ids));
  CHECK(org.recorder.hinted(ids));
  const auto counters = org.channel.counters();
  CHECK(counters.socketClosings == 1);
  CHECK(counters.reconnects == 1);
  CHECK(counters.channelsCreated == 2);
  CHECK(org.channel.channelId() != first);
  CHECK(counters.hints == ids.size());  // events seen on both sockets were passed on once
  CHECK_FALSE(org.recorder.everIn(ChannelState::Reconnecting));
  CHECK(simulator.notificationState("acme-us").eventsLost == 0);
}

TEST_CASE("when no new channel can be made after a closing notice, the old socket is read to its end") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  auto settings = quickSettings();
  settings.backoffInitial = milliseconds(3000);
  settings.backoffMax = milliseconds(3000);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  sim::FaultRule unavailable;
  unavailable.server = "acme-us";
  unavailable.method = "POST";
  unavailable.pathPrefix = "/api/v2/notifications/channels";
  unavailable.kind = "status";
  unavailable.status = 503;
  unavailable.count = 3;  // OrgClient's three attempts: one failed set-up
  simulator.addFault(unavailable);

  REQUIRE(simulator.closeNotificationSockets("acme-us", "", 2000) == 1);
  REQUIRE(waitUntil(
      [&] { return requestsTo(simulator, "acme-us", "POST", "/api/v2/notifications/channels").size() >= 4; }));
  std::this_thread::sleep_for(milliseconds(500));
  // Still inside the notice's grace: only the old socket can deliver these.
  const auto ids = simulator.addEvaluations("acme-us", 3, "2026-12-01T00:00:00Z");
  CHECK(waitUntil([&] { return org.recorder.hinted(ids); }, milliseconds(3000)));
  // Once it closes: a backoff, then a new channel.
  REQUIRE(waitUntil([&] { return org.channel.counters().reconnects == 1; }, milliseconds(10000)));
  CHECK(org.connected());
  CHECK(org.channel.counters().channelsCreated == 2);
}

TEST_CASE("a channel is renewed before it expires and no event is lost across the switch") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg([](sim::OrgSpec& o) { o.channelLifetimeS = 4; }));
  simulator.start();
  auto settings = quickSettings();
  settings.backoffInitial = milliseconds(3000);  // a gap would cost events
  settings.backoffMax = milliseconds(3000);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(org.connected());
  slowChannelCreation(simulator, "acme-us");

  Publisher publisher(simulator, "acme-us", milliseconds(15));
  // A 4 s channel is replaced at half its life: about three switches in 7 s.
  std::this_thread::sleep_for(milliseconds(7000));
  publisher.finish();
  const auto ids = publisher.ids();
  REQUIRE(ids.size() > 40);  // a sanity check of the publisher, even on a loaded machine
  CHECK(waitUntil([&] { return org.recorder.hinted(ids); }));
  INFO("missing: " << missingOf(org.recorder, ids));
  CHECK(org.recorder.hinted(ids));
  const auto counters = org.channel.counters();
  CHECK(counters.renewals >= 2);
  CHECK(counters.socketClosings == 0);  // never reached an expiry
  CHECK(counters.reconnects == 0);
  CHECK(counters.hints == ids.size());
  CHECK_FALSE(org.recorder.everIn(ChannelState::Reconnecting));
  // The channels left behind were unsubscribed, so they collect nothing until they expire.
  for (const auto& channel : simulator.notificationState("acme-us").channels) {
    INFO(channel.id);
    if (channel.id != org.channel.channelId()) CHECK(channel.subscriptions.empty());
  }
}

TEST_CASE(
    "a refused topic makes one org sweep-only with the fix, while the other org's channel works and tokens stay "
    "apart") {
  SslOnce ssl;
  sim::Simulator simulator(test::twoOrgs());
  simulator.start();
  simulator.revokePermission("acme-us", "quality:evaluation:view");
  auto settings = quickSettings();
  settings.sweepOnlyRetry = milliseconds(1000);
  ChannelUnderTest us(simulator, "acme-us", settings);
  ChannelUnderTest eu(simulator, "acme-eu", settings);
  us.channel.start();
  eu.channel.start();
  REQUIRE(eu.connected());
  REQUIRE(waitUntil([&] { return us.channel.state() == ChannelState::SweepOnly; }));
  const std::string detail = us.channel.stateDetail();
  CHECK_THAT(detail, Catch::Contains("org acme-us") && Catch::Contains("v2.quality.evaluations") &&
                         Catch::Contains("quality:evaluation:view") && Catch::Contains("acme-us-client > Roles") &&
                         Catch::Contains("sweep"));
  CHECK(us.channel.counters().subscriptionRefusals >= 1);

  const auto euIds = simulator.addEvaluations("acme-eu", 3, "2026-12-01T00:00:00Z");
  const auto usIds = simulator.addEvaluations("acme-us", 2, "2026-12-01T00:00:00Z");
  CHECK(waitUntil([&] { return eu.recorder.hinted(euIds); }));
  CHECK(us.recorder.hints().empty());
  for (const auto& h : eu.recorder.hints()) CHECK(std::find(usIds.begin(), usIds.end(), h.evaluationId) == usIds.end());

  // A topic the org does not offer at all is explained as such.
  simulator.grantPermission("acme-us", "quality:evaluation:view");
  simulator.revokeTopic("acme-us", "v2.quality.evaluations");
  REQUIRE(waitUntil([&] { return us.channel.stateDetail().find("does not list") != std::string::npos; }));
  CHECK(us.channel.state() == ChannelState::SweepOnly);
  // Retried rarely, and it recovers once the topic is offered again.
  simulator.grantTopic("acme-us", "v2.quality.evaluations");
  REQUIRE(us.connected());
  const auto later = simulator.addEvaluations("acme-us", 2, "2026-12-03T00:00:00Z");
  CHECK(waitUntil([&] { return us.recorder.hinted(later); }));

  // Every request to an org carried that org's tokens only, and the sockets none at all.
  for (const std::string& org : {std::string("acme-us"), std::string("acme-eu")}) {
    const auto own = simulator.tokensIssuedBy(org);
    const auto other = simulator.tokensIssuedBy(org == "acme-us" ? "acme-eu" : "acme-us");
    int bearerCalls = 0;
    int sockets = 0;
    for (const auto& r : simulator.requests()) {
      if (r.server != org) continue;
      const auto auth = r.headers.find("authorization");
      if (r.path.rfind("/channels/", 0) == 0) {
        ++sockets;
        CHECK(auth == r.headers.end());
        continue;
      }
      if (auth == r.headers.end() || auth->second.rfind("Bearer ", 0) != 0) continue;
      ++bearerCalls;
      const std::string token = auth->second.substr(7);
      INFO(org << " " << r.method << " " << r.path);
      CHECK(own.count(token) == 1);
      CHECK(other.count(token) == 0);
    }
    CHECK(bearerCalls >= 2);  // at least POST channels and PUT subscriptions
    CHECK(sockets >= 1);
  }
}

TEST_CASE("availableTopic tells doctor whether the topic is offered and what it requires") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  ShutdownToken shutdown;
  OrgClient client(orgSettings(simulator, "acme-us"), shutdown);
  const auto offered = availableTopic(client, kEvaluationsTopic);
  CHECK(offered.offered);
  CHECK(offered.requiresPermissions == std::vector<std::string>{"quality:evaluation:view"});
  simulator.revokeTopic("acme-us", kEvaluationsTopic);
  const auto withdrawn = availableTopic(client, kEvaluationsTopic);
  CHECK_FALSE(withdrawn.offered);
  CHECK(withdrawn.requiresPermissions.empty());

  // And the HEAD check of a channel.
  const auto channel = createNotificationChannel(client);
  CHECK(notificationChannelExists(client, channel.id));
  CHECK_FALSE(notificationChannelExists(client, "streaming-0-gone"));
}

TEST_CASE("repeated failures make the channel sweep-only, and it recovers when the service does") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  sim::FaultRule refuse;
  refuse.server = "acme-us";
  refuse.pathPrefix = "/channels/";  // the WebSocket upgrade
  refuse.kind = "status";
  refuse.status = 503;
  simulator.addFault(refuse);
  auto settings = quickSettings();
  settings.maxConsecutiveFailures = 3;
  settings.sweepOnlyRetry = milliseconds(1500);
  ChannelUnderTest org(simulator, "acme-us", settings);
  org.channel.start();
  REQUIRE(waitUntil([&] { return org.channel.state() == ChannelState::SweepOnly; }));
  CHECK_THAT(org.channel.stateDetail(), Catch::Contains("failed 3 times in a row") && Catch::Contains("HTTP 503"));
  // Exactly three attempts before giving up (with backoff between them).
  CHECK(org.channel.counters().channelsCreated == 3);
  // In sweep-only it tries once per interval, not in a loop.
  std::this_thread::sleep_for(milliseconds(1000));
  CHECK(org.channel.counters().channelsCreated == 3);
  simulator.clearFaults();
  REQUIRE(org.connected(milliseconds(5000)));
  CHECK(org.channel.counters().channelsCreated == 4);
}

TEST_CASE("stop is prompt while connected, in backoff, and in sweep-only, and a shutdown stops the thread") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  auto timedStop = [](NotificationChannel& channel) {
    const auto start = Clock::now();
    channel.stop();
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  };

  SECTION("connected, blocked in a receive") {
    auto settings = quickSettings();
    settings.tick = milliseconds(1000);  // the longest a receive waits
    settings.pingInterval = milliseconds(0);
    settings.silenceTimeout = milliseconds(60000);
    ChannelUnderTest org(simulator, "acme-us", settings);
    org.channel.start();
    REQUIRE(org.connected());
    std::this_thread::sleep_for(milliseconds(300));
    CHECK(timedStop(org.channel) < milliseconds(1500));
    CHECK(org.channel.state() == ChannelState::Stopped);
    CHECK(org.channel.channelId().empty());
  }
  SECTION("in backoff") {
    sim::FaultRule refuse;
    refuse.server = "acme-us";
    refuse.pathPrefix = "/channels/";
    refuse.kind = "status";
    refuse.status = 503;
    simulator.addFault(refuse);
    auto settings = quickSettings();
    settings.backoffInitial = milliseconds(60000);
    settings.backoffMax = milliseconds(60000);
    ChannelUnderTest org(simulator, "acme-us", settings);
    org.channel.start();
    REQUIRE(waitUntil([&] { return org.channel.state() == ChannelState::Reconnecting; }));
    std::this_thread::sleep_for(milliseconds(200));
    CHECK(timedStop(org.channel) < milliseconds(1000));
    CHECK(org.channel.state() == ChannelState::Stopped);
  }
  SECTION("in sweep-only") {
    simulator.revokePermission("acme-us", "quality:evaluation:view");
    auto settings = quickSettings();
    settings.sweepOnlyRetry = milliseconds(600000);
    ChannelUnderTest org(simulator, "acme-us", settings);
    org.channel.start();
    REQUIRE(waitUntil([&] { return org.channel.state() == ChannelState::SweepOnly; }));
    CHECK(timedStop(org.channel) < milliseconds(1000));
  }
  SECTION("a shutdown ends the thread by itself") {
    ChannelUnderTest org(simulator, "acme-us");
    org.channel.start();
    REQUIRE(org.connected());
    org.shutdown.requestStop();
    CHECK(waitUntil([&] { return org.channel.state() == ChannelState::Stopped; }, milliseconds(1500)));
    CHECK(timedStop(org.channel) < milliseconds(200));
  }
}

TEST_CASE("an org with notifications off is Disabled and makes no request") {
  SslOnce ssl;
  sim::Simulator simulator(oneOrg());
  simulator.start();
  ShutdownToken shutdown;
  OrgSettings settings = orgSettings(simulator, "acme-us");
  settings.notifications = false;
  OrgClient client(settings, shutdown);
  Recorder recorder;
  NotificationChannel channel(
      client, quickSettings(), shutdown, [&](const EvaluationHint& h) { recorder.hint(h); },
      [&](ChannelState s, const std::string& d) { recorder.state(s, d); });
  channel.start();
  CHECK(channel.state() == ChannelState::Disabled);
  CHECK_THAT(channel.stateDetail(), Catch::Contains("\"notifications\" is false"));
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(requestsTo(simulator, "acme-us", "POST", "/api/v2/notifications/channels").empty());
  channel.stop();
}

TEST_CASE("a channel whose thread the system refuses is sweep-only and says why, and start() does not throw") {
  // No simulator: the channel never gets as far as a request, and a fork must not copy another
  // thread's lock (inChild).
  OrgSettings org;
  org.name = "acme-us";
  org.apiBase = org.loginBase = "http://127.0.0.1:9";
  const int code = test::inChild([&] {
    ShutdownToken shutdown;
    OrgClient client(org, shutdown);
    Recorder recorder;
    NotificationChannel channel(
        client, quickSettings(), shutdown, [](const EvaluationHint&) {},
        [&](ChannelState s, const std::string& d) { recorder.state(s, d); });
    test::refuseNewThreads();
    channel.start();  // `run` goes on: the sweep carries the org
    if (channel.state() != ChannelState::SweepOnly) return test::checkFailed(1, "state");
    const auto states = recorder.states();
    if (states.empty()) return test::checkFailed(2, "no state reported");
    const std::string& detail = states.back().second;
    for (const char* part : {"org acme-us", "the system refuses to start a thread", "sweep only", "ulimit -u"})
      if (detail.find(part) == std::string::npos) return test::checkFailed(3, detail);
    return 0;
  });
  CHECK(code == 0);
}
