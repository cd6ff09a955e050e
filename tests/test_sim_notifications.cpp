// Notification channels of the simulator (sim/README.md "Notifications"): the NotificationsApi
// endpoints over real HTTP and the channel's WebSocket over a real Poco::Net::WebSocket client on
// 127.0.0.1, with the simulator started in-process. Every answer and every event body is checked
// against the official models (tests/models/).
#include <Poco/Buffer.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/Errors.h"
#include "sim/EvaluationEvent.h"
#include "sim/Simulator.h"
#include "support/HttpCall.h"
#include "support/ModelCheck.h"

using evalbridge::sim::OrgSpec;
using evalbridge::sim::Simulator;
using evalbridge::sim::SimulatorOptions;
using evalbridge::test::joinViolations;
using evalbridge::test::ModelCatalog;
using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::WebSocket;

namespace {

const char* const kTopic = "v2.quality.evaluations";
const char* const kChannels = "/api/v2/notifications/channels";
const char* const kSubscribeBody = R"([{"id":"v2.quality.evaluations"}])";

const ModelCatalog& catalog() {
  static const ModelCatalog models = ModelCatalog::load(EVALBRIDGE_SOURCE_DIR "/tests/models");
  return models;
}

using Reply = evalbridge::test::HttpAnswer;

Reply call(const std::string& baseUrl, const std::string& method, const std::string& pathAndQuery,
           const std::string& body = "", const std::string& token = "") {
  evalbridge::test::HttpCallHeaders headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return evalbridge::test::httpCall(baseUrl, method, pathAndQuery, body, headers);
}

std::string tokenFor(Simulator& sim, const std::string& orgName) {
  const OrgSpec* org = nullptr;
  for (const auto& spec : sim.options().orgs) {
    if (spec.name == orgName) org = &spec;
  }
  REQUIRE(org);
  Poco::Net::HTTPRequest request;
  Poco::Net::HTTPBasicCredentials(org->clientId, org->clientSecret).authenticate(request);
  Reply token = evalbridge::test::httpCall(sim.orgUrl(orgName), "POST", "/oauth/token", "grant_type=client_credentials",
                                           {{"Authorization", request.get("Authorization")}},
                                           "application/x-www-form-urlencoded");
  REQUIRE(token.status == 200);
  return token.json()->getValue<std::string>("access_token");
}

void requireModel(const std::string& model, const Poco::Dynamic::Var& document) {
  const auto violations = catalog().check(model, document);
  INFO(model << ":\n" << joinViolations(violations));
  REQUIRE(violations.empty());
}

// The default two orgs, every evaluation finished (so every event is Finished).
SimulatorOptions twoOrgs() {
  SimulatorOptions options = evalbridge::sim::defaultScenario();
  for (auto& org : options.orgs) org.unfinishedShare = 0.0;
  return options;
}

struct Channel {
  std::string id;
  std::string connectUri;
};

Channel createChannel(Simulator& sim, const std::string& orgName, const std::string& token) {
  Reply reply = call(sim.orgUrl(orgName), "POST", kChannels, "", token);
  REQUIRE(reply.status == 200);
  requireModel("Channel", reply.json());
  return Channel{reply.json()->getValue<std::string>("id"), reply.json()->getValue<std::string>("connectUri")};
}

void subscribe(Simulator& sim, const std::string& orgName, const Channel& channel, const std::string& token) {
  Reply reply = call(sim.orgUrl(orgName), "PUT", std::string(kChannels) + "/" + channel.id + "/subscriptions",
                     kSubscribeBody, token);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
}

// One WebSocket client connection (what the bridge does with a channel's connectUri).
class WsClient {
 public:
  struct Received {
    std::string kind;  // text, pong, close, eof, reset, timeout, or "error: ..."
    std::string text;  // the payload (text and pong frames)
    int closeCode = 0;
  };

  // receiveBufferBytes > 0: the socket's receive buffer, set before it connects (so the TCP window
  // stays that small), for a client that reads slowly.
  explicit WsClient(const std::string& connectUri, int receiveBufferBytes = 0) {
    const Poco::URI uri(connectUri);
    REQUIRE(uri.getScheme() == "ws");
    Poco::Net::StreamSocket tcp(Poco::Net::SocketAddress::IPv4);
    if (receiveBufferBytes > 0) tcp.setReceiveBufferSize(receiveBufferBytes);
    tcp.connect(Poco::Net::SocketAddress(uri.getHost(), uri.getPort()), Poco::Timespan(10, 0));
    session_ = std::make_unique<Poco::Net::HTTPClientSession>(tcp);  // a session on a connected socket
    session_->setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost(uri.getHost(), uri.getPort());
    try {
      socket_ = std::make_unique<WebSocket>(*session_, request, response_);
    } catch (const Poco::Net::WebSocketException&) {
      // Not upgraded: response_ holds what the server answered instead.
    } catch (const Poco::Exception& e) {
      failure_ = e.displayText();  // no answer at all (a reset)
    }
  }

  bool upgraded() const { return socket_ != nullptr; }
  int status() const { return upgraded() ? 101 : failure_.empty() ? static_cast<int>(response_.getStatus()) : 0; }
  const std::string& failure() const { return failure_; }
  WebSocket& socket() { return *socket_; }

  void sendText(const std::string& text) {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
  }

  Received receive(long timeoutMs) {
    Received received;
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    try {
      socket_->setReceiveTimeout(Poco::Timespan(timeoutMs * 1000));
      const int length = socket_->receiveFrame(buffer, flags);
      const int opcode = flags & WebSocket::FRAME_OP_BITMASK;
      if (length == 0 && flags == 0) {
        received.kind = "eof";
      } else if (opcode == WebSocket::FRAME_OP_CLOSE) {
        received.kind = "close";
        if (length >= 2) {
          received.closeCode = (static_cast<unsigned char>(buffer[0]) << 8) | static_cast<unsigned char>(buffer[1]);
        }
      } else {
        received.kind = opcode == WebSocket::FRAME_OP_PONG ? "pong" : "text";
        received.text.assign(buffer.begin(), buffer.size());
      }
    } catch (const Poco::TimeoutException&) {
      received.kind = "timeout";
    } catch (const Poco::Net::ConnectionResetException&) {
      received.kind = "reset";
    } catch (const Poco::Exception& e) {
      received.kind = "error: " + e.displayText();
    }
    return received;
  }

  // The next text frame as JSON (heartbeats skipped unless asked for); nullptr when something
  // else came first (kept in last()) or nothing came in time.
  Object::Ptr next(long timeoutMs, bool skipHeartbeats = true) {
    const Poco::Timestamp start;
    while (true) {
      const long left = timeoutMs - static_cast<long>(start.elapsed() / 1000);
      if (left <= 0) return nullptr;
      last_ = receive(left);
      if (last_.kind != "text") return nullptr;
      auto frame = parse(last_.text);
      if (skipHeartbeats && isHeartbeat(frame)) continue;
      return frame;
    }
  }

  // Reads until the socket ends; answers how ("close", "eof", "reset", "timeout"); the text
  // frames that came first are in `texts`.
  std::string end(long timeoutMs, std::vector<Object::Ptr>* texts = nullptr) {
    const Poco::Timestamp start;
    while (true) {
      const long left = timeoutMs - static_cast<long>(start.elapsed() / 1000);
      if (left <= 0) return "timeout";
      last_ = receive(left);
      if (last_.kind == "text") {
        if (texts) texts->push_back(parse(last_.text));
        continue;
      }
      if (last_.kind == "pong") continue;
      return last_.kind;
    }
  }

  const Received& last() const { return last_; }

  // Keeps the key order as sent, so a frame can be compared with the documented text.
  static Object::Ptr parse(const std::string& text) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    return parser.parse(text).extract<Object::Ptr>();
  }
  static bool isHeartbeat(const Object::Ptr& frame) {
    return frame->optValue<std::string>("topicName", "") == "channel.metadata" &&
           frame->getObject("eventBody")->optValue<std::string>("message", "") == "WebSocket Heartbeat";
  }

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  Poco::Net::HTTPResponse response_;
  std::unique_ptr<WebSocket> socket_;
  std::string failure_;
  Received last_;
};

std::string text(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string text(const Array::Ptr& array) {
  std::ostringstream out;
  array->stringify(out);
  return out.str();
}

Object::Ptr storedEvaluation(Simulator& sim, const std::string& orgName, const std::string& id) {
  for (const auto& evaluation : sim.evaluations(orgName)) {
    if (evaluation->getValue<std::string>("id") == id) return evaluation;
  }
  FAIL("no evaluation " << id);
  return nullptr;
}

// An event frame: exactly {topicName, version, eventBody, metadata{CorrelationId}}, the body an
// EvaluationQualityV2TopicEvaluationV2 about `evaluationId`.
Object::Ptr requireEvent(const Object::Ptr& frame, const std::string& evaluationId, const std::string& eventType) {
  REQUIRE(frame);
  INFO(text(frame));
  REQUIRE(frame->size() == 4);
  CHECK(frame->getValue<std::string>("topicName") == kTopic);
  CHECK(frame->getValue<std::string>("version") == "2");
  REQUIRE(frame->getObject("metadata"));
  CHECK(frame->getObject("metadata")->size() == 1);
  CHECK_FALSE(frame->getObject("metadata")->optValue<std::string>("CorrelationId", "").empty());
  auto body = frame->getObject("eventBody");
  requireModel("EvaluationQualityV2TopicEvaluationV2", body);
  CHECK(body->getValue<std::string>("id") == evaluationId);
  CHECK(body->getValue<std::string>("eventType") == eventType);
  return body;
}

// The model of each successful NotificationsApi answer; "" when it has no body (HEAD, 204).
std::string notificationModel(const evalbridge::sim::RecordedRequest& request) {
  if (request.status >= 400) return "ErrorBody";
  if (request.method == "HEAD" || request.status == 204) return "";
  static const std::regex subscriptions(R"(/api/v2/notifications/channels/[^/]+/subscriptions)");
  if (request.path == kChannels) return request.method == "POST" ? "Channel" : "ChannelEntityListing";
  if (std::regex_match(request.path, subscriptions)) return "ChannelTopicEntityListing";
  if (request.path == "/api/v2/notifications/availabletopics") return "AvailableTopicEntityListing";
  return "?";
}

// Every logged NotificationsApi answer of `server` conforms to its model; returns how many were checked.
int checkLoggedAnswers(const Simulator& sim, const std::string& server) {
  int checked = 0;
  for (const auto& request : sim.requests()) {
    if (request.server != server || request.path.rfind("/api/v2/notifications", 0) != 0) continue;
    const std::string model = notificationModel(request);
    INFO(request.method << " " << request.path << "?" << request.query << " -> " << request.status << " "
                        << request.responseBody);
    REQUIRE(model != "?");
    if (model.empty()) continue;
    const auto violations = catalog().checkText(model, request.responseBody);
    INFO(model << ":\n" << joinViolations(violations));
    CHECK(violations.empty());
    ++checked;
  }
  return checked;
}

const evalbridge::sim::NotificationChannelState& channelState(const evalbridge::sim::NotificationState& state,
                                                              const std::string& id) {
  for (const auto& channel : state.channels) {
    if (channel.id == id) return channel;
  }
  FAIL("no channel " << id << " in the notification state");
  return state.channels.front();
}

// The most a TCP send buffer grows to (Linux tcp_wmem's third value; 4 MiB when unreadable).
long maxSendBufferBytes() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_wmem");
  long minimum = 0, initial = 0, maximum = 0;
  if (in >> minimum >> initial >> maximum && maximum > 0) return maximum;
  return 4L * 1024 * 1024;
}

bool hasChannel(const evalbridge::sim::NotificationState& state, const std::string& id) {
  for (const auto& channel : state.channels) {
    if (channel.id == id) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("Notification models load and name their SDK source", "[sim][notifications][models]") {
  for (const char* name : {"Channel", "ChannelEntityListing", "ChannelTopic", "ChannelTopicEntityListing",
                           "AvailableTopic", "AvailableTopicEntityListing", "PermissionDetails",
                           "EvaluationQualityV2TopicEvaluationV2", "EvaluationQualityV2TopicUser"}) {
    INFO(name);
    REQUIRE(catalog().has(name));
  }
  // The event model is strict about the topic's own spelling of status and its flat ids.
  CHECK_FALSE(catalog().checkText("EvaluationQualityV2TopicEvaluationV2", R"({"status":"FINISHED"})").empty());
  CHECK_FALSE(catalog().checkText("EvaluationQualityV2TopicEvaluationV2", R"({"conversation":{"id":"c"}})").empty());
}

TEST_CASE("Notifications: a subscribed socket gets one conforming event per added evaluation and per rescore",
          "[sim][notifications]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string url = sim.orgUrl("acme-us");
  const std::string token = tokenFor(sim, "acme-us");

  // The topic is offered; what it needs comes with expand=requiresPermissions.
  Reply bare = call(url, "GET", "/api/v2/notifications/availabletopics", "", token);
  REQUIRE(bare.status == 200);
  REQUIRE(bare.json()->getArray("entities")->size() == 1);
  CHECK(text(bare.json()->getArray("entities")->getObject(0)) == R"({"id":"v2.quality.evaluations"})");
  Reply topics = call(url, "GET",
                      "/api/v2/notifications/availabletopics?expand=description,requiresPermissions,permissionDetails"
                      "&expand=enforced,visibility,transports,schema,topicParameters,publicApiTemplateUriPaths",
                      "", token);
  REQUIRE(topics.status == 200);
  auto topic = topics.json()->getArray("entities")->getObject(0);
  CHECK(topic->getValue<std::string>("id") == kTopic);
  CHECK(topic->getArray("requiresPermissions")->size() == 1);
  CHECK(topic->getArray("requiresPermissions")->getElement<std::string>(0) == "quality:evaluation:view");
  CHECK(topic->getValue<bool>("enforced"));
  CHECK(call(url, "GET", "/api/v2/notifications/availabletopics?expand=everything", "", token).status == 400);

  // A channel: connectUri on this org's server, a day to live.
  const Poco::Timestamp before;
  Reply created = call(url, "POST", kChannels, "", token);
  REQUIRE(created.status == 200);
  const std::string id = created.json()->getValue<std::string>("id");
  const std::string connectUri = created.json()->getValue<std::string>("connectUri");
  CHECK(connectUri == "ws://127.0.0.1:" + std::to_string(Poco::URI(url).getPort()) + "/channels/" + id);
  const std::string expires = created.json()->getValue<std::string>("expires");
  const auto state0 = sim.notificationState("acme-us");
  CHECK(channelState(state0, id).expires == expires);
  Poco::Timestamp dayLater = before;
  dayLater += Poco::Timespan(86400, 0).totalMicroseconds();
  CHECK(expires >= Poco::DateTimeFormatter::format(dayLater, "%Y-%m-%dT%H:%M:%S"));
  dayLater += Poco::Timespan(60, 0).totalMicroseconds();
  CHECK(expires < Poco::DateTimeFormatter::format(dayLater, "%Y-%m-%dT%H:%M:%S"));

  Reply listed = call(url, "GET", kChannels, "", token);
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()->getArray("entities")->size() == 1);
  CHECK(listed.json()->getArray("entities")->getObject(0)->getValue<std::string>("id") == id);
  Reply head = call(url, "HEAD", std::string(kChannels) + "/" + id, "", token);
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  // Subscriptions: PUT replaces, POST adds (no duplicate), DELETE empties, GET lists.
  const std::string subscriptionsPath = std::string(kChannels) + "/" + id + "/subscriptions";
  Reply put = call(url, "PUT", subscriptionsPath, kSubscribeBody, token);
  REQUIRE(put.status == 200);
  CHECK(text(put.json()) == R"({"entities":[{"id":"v2.quality.evaluations","state":"Permitted"}]})");
  CHECK(call(url, "POST", subscriptionsPath, kSubscribeBody, token).body == put.body);
  CHECK(call(url, "DELETE", subscriptionsPath, "", token).status == 204);
  CHECK(call(url, "GET", subscriptionsPath, "", token).body == R"({"entities":[]})");
  CHECK(call(url, "PUT", subscriptionsPath, R"([{"topic":"v2.quality.evaluations"}])", token).status == 400);
  CHECK(call(url, "PUT", subscriptionsPath, R"({"id":"v2.quality.evaluations"})", token).status == 400);
  REQUIRE(call(url, "PUT", subscriptionsPath, kSubscribeBody, token).status == 200);
  CHECK(call(url, "GET", subscriptionsPath, "", token).body == put.body);

  // The socket: one event per added evaluation, in order, then one per rescore.
  WsClient ws(connectUri);
  REQUIRE(ws.upgraded());
  const auto ids = sim.addEvaluations("acme-us", 3, "2026-12-01T00:00:00Z");
  for (const auto& evaluationId : ids) {
    auto body = requireEvent(ws.next(5000), evaluationId, "Create");
    const auto stored = storedEvaluation(sim, "acme-us", evaluationId);
    CHECK(body->getValue<std::string>("conversationId") ==
          stored->getObject("conversation")->getValue<std::string>("id"));
    CHECK(body->getObject("agent")->getValue<std::string>("id") == stored->getObject("agent")->getValue<std::string>("id"));
    CHECK(body->getObject("evaluator")->getValue<std::string>("id") ==
          stored->getObject("evaluator")->getValue<std::string>("id"));
    CHECK(body->getValue<std::string>("evaluationFormId") ==
          stored->getObject("evaluationForm")->getValue<std::string>("id"));
    CHECK(body->getValue<std::string>("formName") == stored->getObject("evaluationForm")->getValue<std::string>("name"));
    CHECK(body->getValue<std::string>("status") == "Finished");
    CHECK(body->getValue<std::string>("changedDate") == stored->getValue<std::string>("changedDate"));
    CHECK(body->getValue<std::string>("eventTime") == stored->getValue<std::string>("changedDate"));
    CHECK(body->getValue<std::string>("releaseDate") == stored->getValue<std::string>("releaseDate"));
    CHECK_FALSE(body->getValue<bool>("rescore"));
    CHECK(body->getArray("divisionIds")->size() == 1);
  }
  sim.rescore("acme-us", ids[1], 42, "2026-12-02T00:00:00Z");
  auto rescored = requireEvent(ws.next(5000), ids[1], "Update");
  CHECK(rescored->getValue<bool>("rescore"));
  CHECK(rescored->getValue<std::string>("changedDate") == "2026-12-02T00:00:00.000Z");
  CHECK(rescored->getValue<std::string>("releaseDate") == "2026-12-02T00:00:00.000Z");
  CHECK(ws.next(300) == nullptr);
  CHECK(ws.last().kind == "timeout");

  const auto state = sim.notificationState("acme-us");
  REQUIRE(state.channels.size() == 1);
  CHECK(state.channels[0].connected);
  CHECK(state.channels[0].eventsSent == 4);
  CHECK(state.channels[0].eventsUndelivered == 0);
  CHECK(state.channels[0].subscriptions == std::vector<std::string>{kTopic});

  bool upgradeLogged = false;
  for (const auto& request : sim.requests()) {
    if (request.server == "acme-us" && request.path == "/channels/" + id) {
      upgradeLogged = request.method == "GET" && request.status == 101 && request.responseBody.empty();
    }
  }
  CHECK(upgradeLogged);
  CHECK(checkLoggedAnswers(sim, "acme-us") >= 10);
}

TEST_CASE("Evaluation events: the topic's status spelling and no releaseDate before submission",
          "[sim][notifications]") {
  using evalbridge::sim::topicStatus;
  CHECK(topicStatus("PENDING") == "Pending");
  CHECK(topicStatus("INPROGRESS") == "InProgress");
  CHECK(topicStatus("FINISHED") == "Finished");
  CHECK(topicStatus("INREVIEW") == "InReview");
  CHECK(topicStatus("RETRACTED") == "Retracted");
  CHECK_THROWS_AS(topicStatus("DONE"), Poco::InvalidArgumentException);

  SimulatorOptions options = twoOrgs();
  options.orgs[0].unfinishedShare = 1.0;
  Simulator sim(options);
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", channel, token);
  WsClient ws(channel.connectUri);
  REQUIRE(ws.upgraded());
  const auto ids = sim.addEvaluations("acme-us", 6, "");
  std::set<std::string> statuses;
  for (const auto& id : ids) {
    auto body = requireEvent(ws.next(5000), id, "Create");
    statuses.insert(body->getValue<std::string>("status"));
    CHECK_FALSE(body->has("releaseDate"));
    CHECK(body->getValue<std::string>("status") ==
          topicStatus(storedEvaluation(sim, "acme-us", id)->getValue<std::string>("status")));
  }
  CHECK(statuses.size() >= 1);
  CHECK(statuses.count("Finished") == 0);
}

TEST_CASE("Notification socket: ping gets pong and heartbeats come every heartbeatIntervalS",
          "[sim][notifications][websocket]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].heartbeatIntervalS = 1;
  options.orgs[1].heartbeatIntervalS = 0;  // none
  Simulator sim(options);
  sim.start();
  const std::string usToken = tokenFor(sim, "acme-us");
  WsClient ws(createChannel(sim, "acme-us", usToken).connectUri);
  REQUIRE(ws.upgraded());

  // Genesys's application-level ping.
  ws.sendText(R"({"message":"ping"})");
  Object::Ptr pong;
  for (int i = 0; i < 5 && !pong; ++i) {
    auto frame = ws.next(3000, false);
    REQUIRE(frame);
    if (!WsClient::isHeartbeat(frame)) pong = frame;
  }
  REQUIRE(pong);
  CHECK(text(pong) == R"({"topicName":"channel.metadata","eventBody":{"message":"pong"}})");
  // A WebSocket PING control frame gets a PONG frame with the same payload.
  ws.socket().sendFrame("abc", 3, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PING);
  WsClient::Received controlPong;
  for (int i = 0; i < 5; ++i) {
    controlPong = ws.receive(3000);
    if (controlPong.kind != "text") break;
  }
  CHECK(controlPong.kind == "pong");
  CHECK(controlPong.text == "abc");
  // Anything else a client says is ignored (no answer, socket stays open).
  ws.sendText("hello");

  // Heartbeats: about one a second, exactly the documented frame.
  int heartbeats = 0;
  const Poco::Timestamp start;
  while (start.elapsed() < 3500 * 1000) {
    auto received = ws.receive(200);
    if (received.kind == "timeout") continue;
    REQUIRE(received.kind == "text");
    CHECK(received.text == R"({"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}})");
    ++heartbeats;
  }
  CHECK(heartbeats >= 2);
  CHECK(heartbeats <= 5);

  // heartbeatIntervalS 0: silence (a client's no-heartbeat detection can be tested against it).
  const std::string euToken = tokenFor(sim, "acme-eu");
  WsClient quiet(createChannel(sim, "acme-eu", euToken).connectUri);
  REQUIRE(quiet.upgraded());
  CHECK(quiet.receive(1500).kind == "timeout");
}

TEST_CASE("Notification control: drop resets every socket without a notice and the channel stays usable",
          "[sim][notifications][websocket]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel first = createChannel(sim, "acme-us", token);
  const Channel second = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", first, token);
  WsClient a(first.connectUri);
  WsClient b(second.connectUri);
  REQUIRE(a.upgraded());
  REQUIRE(b.upgraded());

  CHECK(sim.dropNotificationSockets("acme-us") == 2);
  std::vector<Object::Ptr> before;
  CHECK(a.end(3000, &before) == "reset");
  CHECK(b.end(3000, &before) == "reset");
  CHECK(before.empty());  // no socket_closing, nothing
  const auto state = sim.notificationState("acme-us");
  CHECK_FALSE(channelState(state, first.id).connected);
  CHECK_FALSE(channelState(state, second.id).connected);
  CHECK(sim.dropNotificationSockets("acme-us") == 0);

  // Published while nobody listens: not delivered, counted.
  sim.addEvaluations("acme-us", 1, "");
  CHECK(channelState(sim.notificationState("acme-us"), first.id).eventsUndelivered == 1);

  // The channel is still there: connect again, subscriptions kept, events flow.
  CHECK(call(sim.orgUrl("acme-us"), "HEAD", std::string(kChannels) + "/" + first.id, "", token).status == 200);
  WsClient again(first.connectUri);
  REQUIRE(again.upgraded());
  const auto ids = sim.addEvaluations("acme-us", 1, "");
  requireEvent(again.next(5000), ids[0], "Create");
}

TEST_CASE("Notification control: a closing notice comes before the close frame", "[sim][notifications][websocket]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", channel, token);

  WsClient ws(channel.connectUri);
  REQUIRE(ws.upgraded());
  CHECK(sim.closeNotificationSockets("acme-us", "maintenance", 0) == 1);
  std::vector<Object::Ptr> before;
  CHECK(ws.end(3000, &before) == "close");
  CHECK(ws.last().closeCode == WebSocket::WS_ENDPOINT_GOING_AWAY);
  REQUIRE(before.size() == 1);
  CHECK(text(before[0]) == R"({"topicName":"v2.system.socket_closing","eventBody":{"message":"maintenance"}})");
  CHECK_FALSE(channelState(sim.notificationState("acme-us"), channel.id).connected);

  // With a grace period the socket keeps delivering after the notice, then closes.
  WsClient graced(channel.connectUri);
  REQUIRE(graced.upgraded());
  const Poco::Timestamp start;
  CHECK(sim.closeNotificationSockets("acme-us", "", 1500) == 1);
  CHECK(start.elapsed() < 1000 * 1000);  // returns once the notice is out, not after the grace
  auto notice = graced.next(3000);
  REQUIRE(notice);
  CHECK(notice->getValue<std::string>("topicName") == "v2.system.socket_closing");
  CHECK_FALSE(notice->getObject("eventBody")->getValue<std::string>("message").empty());
  const auto ids = sim.addEvaluations("acme-us", 1, "");
  requireEvent(graced.next(3000), ids[0], "Create");
  CHECK(graced.end(5000) == "close");
  CHECK(start.elapsed() >= 1400 * 1000);
  CHECK(call(sim.orgUrl("acme-us"), "HEAD", std::string(kChannels) + "/" + channel.id, "", token).status == 200);
}

TEST_CASE("Notification channel expiry: closing notice, socket closed, 404 afterwards",
          "[sim][notifications][websocket]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].channelLifetimeS = 2;
  Simulator sim(options);
  sim.start();
  const std::string url = sim.orgUrl("acme-us");
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", channel, token);
  WsClient ws(channel.connectUri);
  REQUIRE(ws.upgraded());

  std::vector<Object::Ptr> before;
  const Poco::Timestamp start;
  CHECK(ws.end(6000, &before) == "close");
  CHECK(start.elapsed() >= 1000 * 1000);
  REQUIRE(before.size() == 1);
  CHECK(before[0]->getValue<std::string>("topicName") == "v2.system.socket_closing");
  const std::string path = std::string(kChannels) + "/" + channel.id;
  Reply head = call(url, "HEAD", path, "", token);
  CHECK(head.status == 404);
  Reply subscriptions = call(url, "GET", path + "/subscriptions", "", token);
  CHECK(subscriptions.status == 404);
  CHECK(subscriptions.json()->getValue<std::string>("code") == "not.found");
  CHECK(call(url, "PUT", path + "/subscriptions", kSubscribeBody, token).status == 404);
  CHECK(call(url, "GET", kChannels, "", token).body == R"({"entities":[]})");
  WsClient late(channel.connectUri);
  CHECK_FALSE(late.upgraded());
  CHECK(late.status() == 404);
  CHECK_FALSE(hasChannel(sim.notificationState("acme-us"), channel.id));

  // expireNotificationChannels does the same now, for every channel of the org (and only it).
  const std::string euToken = tokenFor(sim, "acme-eu");
  const std::string euUrl = sim.orgUrl("acme-eu");
  const Channel connected = createChannel(sim, "acme-eu", euToken);
  const Channel idle = createChannel(sim, "acme-eu", euToken);
  const Channel usChannel = createChannel(sim, "acme-us", token);
  WsClient euSocket(connected.connectUri);
  REQUIRE(euSocket.upgraded());
  CHECK(sim.expireNotificationChannels("acme-eu") == 2);
  before.clear();
  CHECK(euSocket.end(3000, &before) == "close");
  REQUIRE(before.size() == 1);
  CHECK(text(before[0]) ==
        R"({"topicName":"v2.system.socket_closing","eventBody":{"message":"The notification channel has expired"}})");
  CHECK(call(euUrl, "HEAD", std::string(kChannels) + "/" + connected.id, "", euToken).status == 404);
  CHECK(call(euUrl, "HEAD", std::string(kChannels) + "/" + idle.id, "", euToken).status == 404);
  CHECK(call(url, "HEAD", std::string(kChannels) + "/" + usChannel.id, "", token).status == 200);
  CHECK(checkLoggedAnswers(sim, "acme-us") > 0);
}

TEST_CASE("Notifications: loseNotifications swallows the next N deliveries and counts them",
          "[sim][notifications][websocket]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", channel, token);
  WsClient ws(channel.connectUri);
  REQUIRE(ws.upgraded());

  sim.loseNotifications("acme-us", 2);
  CHECK(sim.notificationState("acme-us").losePending == 2);
  const auto ids = sim.addEvaluations("acme-us", 3, "");
  requireEvent(ws.next(5000), ids[2], "Create");
  CHECK(ws.next(300) == nullptr);
  auto state = sim.notificationState("acme-us");
  CHECK(state.eventsLost == 2);
  CHECK(state.losePending == 0);
  CHECK(channelState(state, channel.id).eventsSent == 1);
  CHECK_THROWS_AS(sim.loseNotifications("acme-us", -1), Poco::InvalidArgumentException);
}

TEST_CASE("Notification topics: a revoked permission or topic is rejected while another org still gets events",
          "[sim][notifications]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string url = sim.orgUrl("acme-us");
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  const std::string subscriptions = std::string(kChannels) + "/" + channel.id + "/subscriptions";

  // Missing permission: 400 naming it, or Rejected with ignoreErrors; nothing is subscribed.
  sim.revokePermission("acme-us", "quality:evaluation:view");
  Reply refused = call(url, "PUT", subscriptions, kSubscribeBody, token);
  REQUIRE(refused.status == 400);
  requireModel("ErrorBody", refused.json());
  CHECK(refused.json()->getValue<std::string>("message").find("quality:evaluation:view") != std::string::npos);
  CHECK(refused.json()->getObject("messageParams")->getValue<std::string>("permissions") == "quality:evaluation:view");
  Reply ignored = call(url, "PUT", subscriptions + "?ignoreErrors=true", kSubscribeBody, token);
  REQUIRE(ignored.status == 200);
  requireModel("ChannelTopicEntityListing", ignored.json());
  auto rejected = ignored.json()->getArray("entities");
  REQUIRE(rejected->size() == 1);
  CHECK(rejected->getObject(0)->getValue<std::string>("state") == "Rejected");
  CHECK_FALSE(rejected->getObject(0)->getValue<std::string>("rejectionReason").empty());
  CHECK(text(rejected->getObject(0)).find(R"("missingPermissions":["quality:evaluation:view"])") != std::string::npos);
  CHECK(call(url, "GET", subscriptions, "", token).body == R"({"entities":[]})");
  CHECK(call(url, "PUT", subscriptions + "?ignoreErrors=maybe", kSubscribeBody, token).status == 400);
  sim.grantPermission("acme-us", "quality:evaluation:view");
  REQUIRE(call(url, "PUT", subscriptions, kSubscribeBody, token).status == 200);

  // A topic revoked for the org: gone from availabletopics, rejected, its events not delivered.
  WsClient ws(channel.connectUri);
  REQUIRE(ws.upgraded());
  sim.revokeTopic("acme-us", kTopic);
  CHECK(call(url, "GET", "/api/v2/notifications/availabletopics", "", token).body == R"({"entities":[]})");
  CHECK(call(url, "POST", subscriptions, kSubscribeBody, token).status == 400);
  Reply topicIgnored = call(url, "POST", subscriptions + "?ignoreErrors=true", kSubscribeBody, token);
  REQUIRE(topicIgnored.status == 200);
  auto entities = topicIgnored.json()->getArray("entities");
  // Listed once, as refused (the channel keeps its older subscription: POST only adds).
  REQUIRE(entities->size() == 1);
  CHECK(entities->getObject(0)->getValue<std::string>("state") == "Rejected");
  CHECK_FALSE(entities->getObject(0)->has("missingPermissions"));
  CHECK(call(url, "GET", subscriptions, "", token).body ==
        R"({"entities":[{"id":"v2.quality.evaluations","state":"Permitted"}]})");
  sim.addEvaluations("acme-us", 1, "");
  CHECK(ws.next(500) == nullptr);
  CHECK(channelState(sim.notificationState("acme-us"), channel.id).eventsUndelivered == 1);
  CHECK(sim.notificationState("acme-us").revokedTopics == std::vector<std::string>{kTopic});

  // The other org is untouched.
  const std::string euToken = tokenFor(sim, "acme-eu");
  CHECK(call(sim.orgUrl("acme-eu"), "GET", "/api/v2/notifications/availabletopics", "", euToken).body ==
        R"({"entities":[{"id":"v2.quality.evaluations"}]})");
  const Channel euChannel = createChannel(sim, "acme-eu", euToken);
  subscribe(sim, "acme-eu", euChannel, euToken);
  WsClient eu(euChannel.connectUri);
  REQUIRE(eu.upgraded());
  const auto euIds = sim.addEvaluations("acme-eu", 1, "");
  requireEvent(eu.next(5000), euIds[0], "Create");

  // Granted again: offered and delivered again.
  sim.grantTopic("acme-us", kTopic);
  CHECK(call(url, "GET", "/api/v2/notifications/availabletopics", "", token).body ==
        R"({"entities":[{"id":"v2.quality.evaluations"}]})");
  const auto ids = sim.addEvaluations("acme-us", 1, "");
  requireEvent(ws.next(5000), ids[0], "Create");
  CHECK_THROWS_AS(sim.revokeTopic("acme-us", "v2.users.presence"), Poco::NotFoundException);
  CHECK(checkLoggedAnswers(sim, "acme-us") >= 8);
}

TEST_CASE("Notification channels belong to the org and token that created them", "[sim][notifications]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string usUrl = sim.orgUrl("acme-us");
  const std::string euUrl = sim.orgUrl("acme-eu");
  const std::string usToken = tokenFor(sim, "acme-us");
  const std::string euToken = tokenFor(sim, "acme-eu");
  const Channel channel = createChannel(sim, "acme-us", usToken);
  const std::string path = std::string(kChannels) + "/" + channel.id;

  // Org B's server does not know org A's channel, over REST or WebSocket.
  CHECK(call(euUrl, "HEAD", path, "", euToken).status == 404);
  CHECK(call(euUrl, "GET", path + "/subscriptions", "", euToken).status == 404);
  CHECK(call(euUrl, "PUT", path + "/subscriptions", kSubscribeBody, euToken).status == 404);
  WsClient wrongServer("ws://" + euUrl.substr(std::string("http://").size()) + "/channels/" + channel.id);
  CHECK_FALSE(wrongServer.upgraded());
  CHECK(wrongServer.status() == 404);
  CHECK(call(euUrl, "GET", kChannels, "", euToken).body == R"({"entities":[]})");
  // Org A's token is no good at org B at all.
  CHECK(call(euUrl, "POST", kChannels, "", usToken).status == 401);
  CHECK(call(usUrl, "POST", kChannels).status == 401);
  CHECK(call(usUrl, "HEAD", path, "", usToken).status == 200);

  // Listing: this token's channels by default; with includechannels=oauthclient the client's
  // other channels show only that they exist (no id, no connectUri).
  const std::string otherToken = tokenFor(sim, "acme-us");
  CHECK(call(usUrl, "GET", kChannels, "", otherToken).body == R"({"entities":[]})");
  Reply all = call(usUrl, "GET", std::string(kChannels) + "?includechannels=oauthclient", "", otherToken);
  REQUIRE(all.status == 200);
  requireModel("ChannelEntityListing", all.json());
  REQUIRE(all.json()->getArray("entities")->size() == 1);
  auto hidden = all.json()->getArray("entities")->getObject(0);
  CHECK(hidden->size() == 1);
  CHECK(hidden->has("expires"));
  CHECK(call(usUrl, "GET", std::string(kChannels) + "?includechannels=everything", "", otherToken).status == 400);
  // Any token of the org may use the channel (ownership is the org's, the list is the token's).
  CHECK(call(usUrl, "PUT", path + "/subscriptions", kSubscribeBody, otherToken).status == 200);
  CHECK(checkLoggedAnswers(sim, "acme-eu") >= 4);
}

TEST_CASE("Notification socket connects are logged and take fault rules", "[sim][notifications][faults]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  evalbridge::sim::FaultRule unavailable;
  unavailable.server = "acme-us";
  unavailable.pathPrefix = "/channels/";
  unavailable.kind = "status";
  unavailable.status = 503;
  unavailable.count = 1;
  sim.addFault(unavailable);

  WsClient refused(channel.connectUri);
  CHECK_FALSE(refused.upgraded());
  CHECK(refused.status() == 503);
  WsClient accepted(channel.connectUri);
  CHECK(accepted.upgraded());

  std::vector<int> statuses;
  for (const auto& request : sim.requests()) {
    if (request.path != "/channels/" + channel.id) continue;
    statuses.push_back(request.status);
    CHECK(request.server == "acme-us");
    CHECK(request.headers.at("upgrade") == "websocket");
    if (request.status == 503) {
      requireModel("ErrorBody", Poco::JSON::Parser().parse(request.responseBody));
    }
  }
  CHECK(statuses == std::vector<int>{503, 101});

  // A plain GET of the connectUri is not a handshake.
  Reply plain = call(sim.orgUrl("acme-us"), "GET", "/channels/" + channel.id);
  CHECK(plain.status == 400);
  CHECK(call(sim.orgUrl("acme-us"), "GET", "/channels/streaming-0-nope").status == 404);

  evalbridge::sim::FaultRule reset = unavailable;
  reset.kind = "reset";
  sim.addFault(reset);
  WsClient cut(channel.connectUri);
  CHECK_FALSE(cut.upgraded());
  CHECK(cut.status() == 0);
  CHECK_FALSE(cut.failure().empty());
}

TEST_CASE("Notification channels: a 21st channel removes the least recently used unconnected one",
          "[sim][notifications]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string url = sim.orgUrl("acme-us");
  const std::string token = tokenFor(sim, "acme-us");
  std::vector<Channel> channels;
  for (int i = 0; i < 20; ++i) channels.push_back(createChannel(sim, "acme-us", token));
  WsClient oldest(channels[0].connectUri);  // connected: removed only after every idle one
  REQUIRE(oldest.upgraded());
  CHECK(call(url, "HEAD", std::string(kChannels) + "/" + channels[1].id, "", token).status == 200);  // a use

  const Channel newest = createChannel(sim, "acme-us", token);
  const auto state = sim.notificationState("acme-us");
  CHECK(state.channels.size() == 20);
  CHECK(hasChannel(state, channels[0].id));
  CHECK(hasChannel(state, channels[1].id));
  CHECK_FALSE(hasChannel(state, channels[2].id));
  CHECK(hasChannel(state, newest.id));
  CHECK(call(url, "HEAD", std::string(kChannels) + "/" + channels[2].id, "", token).status == 404);
}

TEST_CASE("Notifications: a client that does not read holds up neither publishing nor other sockets",
          "[sim][notifications][websocket]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel slowChannel = createChannel(sim, "acme-us", token);
  const Channel fastChannel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", slowChannel, token);
  subscribe(sim, "acme-us", fastChannel, token);
  WsClient slow(slowChannel.connectUri, 4096);
  WsClient fast(fastChannel.connectUri);
  REQUIRE(slow.upgraded());
  REQUIRE(fast.upgraded());
  // The slow client's window is a few KiB, so the server's writes to it stall once the server's
  // send buffer is full too (it grows to tcp_wmem's maximum; an event frame is about 1.2 KB): a
  // publisher that wrote to sockets itself would be stuck here.
  const int count = static_cast<int>(maxSendBufferBytes() / 1000) + 1000;
  // The same number added to the other org, which has no socket: what generating and publishing
  // cost on this machine (seconds under ASan on a busy one), so the check below measures waiting.
  const Poco::Timestamp baselineStart;
  sim.addEvaluations("acme-eu", count, "");
  const auto baselineMs = baselineStart.elapsed() / 1000;
  const Poco::Timestamp start;
  const auto ids = sim.addEvaluations("acme-us", count, "");
  const auto publishMs = start.elapsed() / 1000;
  // A publisher that waited for the stalled socket would wait for its 5 s send timeout at least.
  INFO("publishing with the stalled socket: " << publishMs << " ms; without any socket: " << baselineMs << " ms");
  CHECK(publishMs < 2 * baselineMs + 2500);
  for (int i = 0; i < count; ++i) {
    auto frame = fast.next(5000);
    REQUIRE(frame);
    REQUIRE(frame->getObject("eventBody")->getValue<std::string>("id") == ids[static_cast<std::size_t>(i)]);
  }
  // Meanwhile the slow socket's writes were stuck: the publisher and the fast socket did not wait for them.
  const auto stalled = channelState(sim.notificationState("acme-us"), slowChannel.id).eventsSent;
  CHECK(stalled < static_cast<std::uint64_t>(count));
  // The slow one loses nothing: once it reads, everything comes, in order.
  const Poco::Timestamp catchUp;
  for (int i = 0; i < count; ++i) {
    auto frame = slow.next(5000);
    REQUIRE(frame);
    REQUIRE(frame->getObject("eventBody")->getValue<std::string>("id") == ids[static_cast<std::size_t>(i)]);
  }
  CHECK(catchUp.elapsed() < 10000 * 1000);
  CHECK(sim.notificationState("acme-us").eventsLost == 0);
}

TEST_CASE("Simulator stop returns promptly with notification sockets open and a restart serves the channels",
          "[sim][notifications][websocket]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string token = tokenFor(sim, "acme-us");
  const std::string euToken = tokenFor(sim, "acme-eu");
  std::vector<Channel> channels;
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 4; ++i) {
    channels.push_back(createChannel(sim, "acme-us", token));
    subscribe(sim, "acme-us", channels.back(), token);
    sockets.push_back(std::make_unique<WsClient>(channels.back().connectUri));
    REQUIRE(sockets.back()->upgraded());
  }
  sockets.push_back(std::make_unique<WsClient>(createChannel(sim, "acme-eu", euToken).connectUri));
  REQUIRE(sockets.back()->upgraded());

  const Poco::Timestamp start;
  sim.stop();
  CHECK(start.elapsed() < 3000 * 1000);
  for (auto& socket : sockets) CHECK(socket->end(3000) != "timeout");

  // Same state on new ports: the channel's connectUri follows its org's server.
  sim.start();
  Reply listed = call(sim.orgUrl("acme-us"), "GET", kChannels, "", token);
  REQUIRE(listed.status == 200);
  REQUIRE(listed.json()->getArray("entities")->size() == 4);
  const std::string connectUri = listed.json()->getArray("entities")->getObject(0)->getValue<std::string>("connectUri");
  CHECK(connectUri.find(":" + std::to_string(Poco::URI(sim.orgUrl("acme-us")).getPort()) + "/") != std::string::npos);
  WsClient again(connectUri);
  REQUIRE(again.upgraded());
  const auto ids = sim.addEvaluations("acme-us", 1, "");
  requireEvent(again.next(5000), ids[0], "Create");
}

TEST_CASE("Notification control endpoint drives channels over HTTP", "[sim][notifications][control]") {
  Simulator sim(twoOrgs());
  sim.start();
  const std::string control = sim.controlUrl();
  const std::string token = tokenFor(sim, "acme-us");
  const Channel channel = createChannel(sim, "acme-us", token);
  subscribe(sim, "acme-us", channel, token);
  auto ws = std::make_unique<WsClient>(channel.connectUri);
  REQUIRE(ws->upgraded());
  const std::string base = "/control/orgs/acme-us/notifications";

  Reply state = call(control, "GET", base);
  REQUIRE(state.status == 200);
  auto channelJson = state.json()->getArray("channels")->getObject(0);
  CHECK(channelJson->getValue<std::string>("id") == channel.id);
  CHECK(channelJson->getValue<bool>("connected"));
  CHECK(text(channelJson->getArray("subscriptions")) == R"(["v2.quality.evaluations"])");
  CHECK(state.json()->getValue<int>("eventsLost") == 0);

  // Lose one, then add two evaluations over the control endpoint: only the second arrives.
  CHECK(call(control, "POST", base + "/lose", R"({"count":1})").body == R"({"ok":true})");
  Reply added = call(control, "POST", "/control/orgs/acme-us/evaluations", R"({"count":2})");
  REQUIRE(added.status == 201);
  requireEvent(ws->next(5000), added.json()->getArray("ids")->getElement<std::string>(1), "Create");
  CHECK(call(control, "GET", base).json()->getValue<int>("eventsLost") == 1);

  // Topics.
  CHECK(call(control, "POST", base + "/topics/revoke", R"({"topic":"v2.quality.evaluations"})").status == 200);
  CHECK(text(call(control, "GET", base).json()->getArray("revokedTopics")) == R"(["v2.quality.evaluations"])");
  CHECK(call(control, "POST", base + "/topics/grant", R"({"topic":"v2.quality.evaluations"})").status == 200);
  CHECK(call(control, "GET", base).json()->getArray("revokedTopics")->size() == 0);

  // Close with a notice, drop, expire.
  CHECK(call(control, "POST", base + "/close", R"({"message":"bye"})").body == R"({"closed":1})");
  auto notice = ws->next(3000);
  REQUIRE(notice);
  CHECK(text(notice) == R"({"topicName":"v2.system.socket_closing","eventBody":{"message":"bye"}})");
  ws = std::make_unique<WsClient>(channel.connectUri);
  REQUIRE(ws->upgraded());
  CHECK(call(control, "POST", base + "/drop").body == R"({"dropped":1})");
  CHECK(ws->end(3000) == "reset");
  CHECK(call(control, "POST", base + "/expire").body == R"({"expired":1})");
  CHECK(call(control, "GET", base).json()->getArray("channels")->size() == 0);

  // Refusals.
  CHECK(call(control, "GET", "/control/orgs/nope/notifications").status == 404);
  Reply unknownKey = call(control, "POST", base + "/close", R"({"grace":500})");
  CHECK(unknownKey.status == 400);
  CHECK(unknownKey.json()->getValue<std::string>("error").find("grace") != std::string::npos);
  CHECK(call(control, "POST", base + "/lose", R"({"count":-1})").status == 400);
  CHECK(call(control, "POST", base + "/lose", R"({})").status == 400);
  CHECK(call(control, "POST", base + "/topics/revoke", R"({"topic":"v2.nope"})").status == 404);
  CHECK(call(control, "POST", base + "/close", R"({"graceMs":-5})").status == 400);
}

TEST_CASE("optionsFromJson reads heartbeatIntervalS and channelLifetimeS and rejects bad values",
          "[sim][notifications][scenario]") {
  auto parse = [](const std::string& json) {
    Poco::JSON::Parser parser;
    return evalbridge::sim::optionsFromJson(parser.parse(json).extract<Object::Ptr>());
  };
  const auto options = parse(R"({"orgs":[{"name":"a","heartbeatIntervalS":5,"channelLifetimeS":60}]})");
  CHECK(options.orgs[0].heartbeatIntervalS == 5);
  CHECK(options.orgs[0].channelLifetimeS == 60);
  const auto defaults = parse(R"({"orgs":[{"name":"a"}]})");
  CHECK(defaults.orgs[0].heartbeatIntervalS == 30);
  CHECK(defaults.orgs[0].channelLifetimeS == 86400);
  CHECK(parse(R"({"orgs":[{"name":"a","heartbeatIntervalS":0}]})").orgs[0].heartbeatIntervalS == 0);
  CHECK_THROWS_WITH(parse(R"({"orgs":[{"name":"a","heartbeatIntervalS":-1}]})"),
                    Catch::Contains("orgs[0].heartbeatIntervalS"));
  CHECK_THROWS_WITH(parse(R"({"orgs":[{"name":"a","channelLifetimeS":0}]})"), Catch::Contains("orgs[0].channelLifetimeS"));
  CHECK_THROWS_WITH(parse(R"({"orgs":[{"name":"a","channelLifetimeS":"1h"}]})"),
                    Catch::Contains("orgs[0].channelLifetimeS: must be an integer"));
  CHECK_THROWS_WITH(parse(R"({"orgs":[{"name":"a","channelLifetime":60}]})"),
                    Catch::Contains("orgs[0].channelLifetime: unknown key"));
}
