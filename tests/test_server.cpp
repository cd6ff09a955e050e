// The HTTP server of `run`: webhook signatures (good, forged, unsigned, stale), replayed and
// out-of-order updates, oversized bodies, and the health, readiness and metrics endpoints, over
// real HTTP on 127.0.0.1 against a real SQLite ledger.
#include <catch2/catch.hpp>

#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include "common/Errors.h"
#include "common/Metrics.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/Ledger.h"
#include "server/BridgeServer.h"
#include "server/RequestFraming.h"
#include "server/RequestId.h"
#include "common/HmacSha256.h"
#include "server/WebhookPayload.h"
#include "server/WebhookVerifier.h"
#include "sync/SyncStatusBoard.h"
#include "support/ServerSeed.h"
#include "support/HttpCall.h"
#include "support/TempDir.h"
#include "support/ThreadLimit.h"

using namespace evalbridge;

namespace {

const std::string kSecret = "webhook-secret-Kp55";
const std::string kOrgId = "8c7d8a7e-1111-2222-3333-444455556666";

std::int64_t now() { return Poco::Timestamp().epochTime(); }

using Answer = test::HttpAnswer;

Answer send(int port, const std::string& method, const std::string& path, const std::string& body = "",
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return test::httpCall(port, method, path, body, headers);
}

// A webhook body as the Business Rule sends it.
std::string incidentBody(const std::string& evaluationId, const std::string& state, int modCount,
                         const std::string& updatedOn, const std::string& sysId = "sys-1") {
  Poco::JSON::Object body;
  body.set("sys_id", sysId);
  body.set("number", "INC0010001");
  body.set("state", state);
  body.set("correlation_id", correlationIdFor(kOrgId, evaluationId));
  body.set("sys_updated_on", updatedOn);
  body.set("sys_mod_count", std::to_string(modCount));
  body.set("close_code", state == "6" ? "Solved (Permanently)" : "");
  body.set("close_notes", state == "6" ? "agent coached" : "");
  std::ostringstream text;
  body.stringify(text);
  return text.str();
}

std::vector<std::pair<std::string, std::string>> signedHeaders(const std::string& body, std::int64_t at,
                                                               const std::string& secret = kSecret) {
  const std::string timestamp = std::to_string(at);
  return {{"X-Evalbridge-Timestamp", timestamp},
          {"X-Evalbridge-Signature", WebhookVerifier::sign(secret, timestamp, body)},
          {"Content-Type", "application/json"}};
}

// A ledger with one delivered incident (sys-1, INC0010001, state 1, mod count 0) for "eval-1".
struct ServerFixture {
  test::TempDir dir;
  Ledger ledger{dir.file("ledger.db")};
  IncidentStateStore states{ledger};
  SyncStatusBoard board;
  Metrics metrics;
  int stateChanges = 0;
  ServerContext context{ledger, states, board, metrics, kSecret, 1024, 300, [this] { ++stateChanges; }, {}};
  BridgeServer server{"127.0.0.1", 0, context};

  explicit ServerFixture(const std::string& secret = kSecret, bool start = true) {
    context.webhookSecret = secret;
    test::seedOneIncident(ledger, board, kOrgId);
    if (start) server.start();
  }
  int port() const { return server.boundPort(); }
  LedgerRecord record() const { return *ledger.find(kOrgId, "eval-1"); }
};

}  // namespace

// Kills: the start letting Poco's bare "cannot start thread" through.
TEST_CASE("a server whose threads the system refuses fails its start naming the server and the limit", "[server]") {
  const int code = test::inChild([] {
    ServerFixture fixture(kSecret, false);
    test::giveToNobody(fixture.dir.path());
    test::refuseNewThreads();
    try {
      fixture.server.start();
      return test::checkFailed(1, "start did not throw");
    } catch (const EvalbridgeError& e) {
      for (const char* part : {"the HTTP server on 127.0.0.1:", "the system refuses to start a thread", "ulimit -u"})
        if (e.message().find(part) == std::string::npos) return test::checkFailed(2, e.message());
    }
    return 0;
  });
  CHECK(code == 0);
}

TEST_CASE("HMAC-SHA256 matches RFC 4231, and the comparison is exact", "[server][webhook]") {
  CHECK(hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(constantTimeEquals("abc", "abc"));
  CHECK_FALSE(constantTimeEquals("abc", "abd"));
  CHECK_FALSE(constantTimeEquals("abc", "abcd"));
  CHECK(constantTimeEquals("", ""));
}

TEST_CASE("the webhook verifier: good, forged, tampered, unsigned, stale", "[server][webhook]") {
  WebhookVerifier verifier(kSecret, 300);
  const std::string body = R"({"sys_id":"x"})";
  const std::int64_t t = 1'800'000'000;
  const std::string ts = std::to_string(t);
  const std::string good = WebhookVerifier::sign(kSecret, ts, body);
  CHECK(good == "sha256=" + hmacSha256Hex(kSecret, ts + "." + body));

  auto ok = verifier.check(ts, good, body, t + 10);
  CHECK(ok.ok);
  CHECK(ok.timestamp == t);
  CHECK(ok.signature == good.substr(7));
  // Upper-case hex and an upper-case prefix are the same signature.
  CHECK(verifier.check(ts, "SHA256=" + Poco::toUpper(good.substr(7)), body, t).ok);

  CHECK(verifier.check(ts, WebhookVerifier::sign("other-secret", ts, body), body, t).reason ==
        "signature does not match");
  CHECK(verifier.check(ts, good, body + " ", t).reason == "signature does not match");
  CHECK(verifier.check(std::to_string(t + 1), good, body, t).reason == "signature does not match");
  CHECK(verifier.check("", good, body, t).reason ==
        "unsigned: X-Evalbridge-Timestamp and X-Evalbridge-Signature are required");
  CHECK(verifier.check(ts, "", body, t).reason ==
        "unsigned: X-Evalbridge-Timestamp and X-Evalbridge-Signature are required");
  CHECK(verifier.check("12ab", good, body, t).reason == "X-Evalbridge-Timestamp must be Unix seconds");
  CHECK(verifier.check(ts, good.substr(7), body, t).reason == "X-Evalbridge-Signature must be sha256=HEX");
  // The window is 300 s either way.
  CHECK(verifier.check(ts, good, body, t + 300).ok);
  CHECK(verifier.check(ts, good, body, t - 300).ok);
  CHECK(verifier.check(ts, good, body, t + 301).reason ==
        "stale: the timestamp is more than 300 s from the bridge's clock");
  CHECK_FALSE(verifier.check(ts, good, body, t - 301).ok);
}

TEST_CASE("webhook payloads: required fields and the bridge's correlation ids only", "[server][webhook]") {
  auto update = parseWebhookPayload(incidentBody("eval-1", "6", 3, "2026-11-01 11:00:00"));
  CHECK(update.correlationId == correlationIdFor(kOrgId, "eval-1"));
  CHECK(update.state == "6");
  CHECK(update.modCount == 3);
  CHECK(update.closeCode == std::optional<std::string>("Solved (Permanently)"));
  CHECK_FALSE(update.assignmentGroup.has_value());  // not sent: the ledger keeps its value

  auto errorOf = [](const std::string& body) -> std::string {
    try {
      parseWebhookPayload(body);
    } catch (const PermanentError& e) {
      return e.message();
    }
    return "(accepted)";
  };
  CHECK_THAT(errorOf("not json"), Catch::StartsWith("the body is not valid JSON"));
  CHECK(errorOf("[1]") == "the body must be a JSON object");
  CHECK(errorOf(R"({"sys_id":"a","state":"6","sys_updated_on":"x"})") == "correlation_id is required");
  CHECK_THAT(errorOf(R"({"sys_id":"a","state":"6","sys_updated_on":"x","correlation_id":"other:1"})"),
             Catch::Contains("is not the bridge's"));
  CHECK(errorOf(R"({"sys_id":"a","state":"6","sys_updated_on":"x","correlation_id":"evalbridge:o:e","sys_mod_count":"many"})") ==
        "sys_mod_count must be a number");
}

TEST_CASE("POST /webhooks/servicenow applies a good update and refuses everything else unchanged",
          "[server][webhook]") {
  ServerFixture fx;
  const auto unchanged = [&fx] {
    auto record = fx.record();
    CHECK(record.incident.state == "1");
    CHECK(record.incident.modCount == 0);
    CHECK(record.closeCode.empty());
  };

  SECTION("forged, unsigned, stale: 401 and nothing changes") {
    const std::string body = incidentBody("eval-1", "6", 1, "2026-11-01 11:00:00");
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body, now(), "not-the-secret")).status ==
          401);
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", body, {{"Content-Type", "application/json"}}).status == 401);
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body, now() - 301)).status == 401);
    auto tampered = signedHeaders(body, now());
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", incidentBody("eval-1", "7", 1, "2026-11-01 11:00:00"),
               tampered)
              .status == 401);
    unchanged();
    CHECK(fx.stateChanges == 0);
    CHECK(fx.metrics.value("evalbridge_webhook_requests_total", {{"code", "401"}}) == 4);
  }

  SECTION("a good update is applied once; the same delivery again is a replay (409)") {
    const std::string body = incidentBody("eval-1", "6", 1, "2026-11-01 11:00:00");
    const auto headers = signedHeaders(body, now());
    Answer first = send(fx.port(), "POST", "/webhooks/servicenow", body, headers);
    CHECK(first.status == 200);
    CHECK_THAT(first.body, Catch::Contains("applied"));
    auto record = fx.record();
    CHECK(record.incident.state == "6");
    CHECK(record.incident.modCount == 1);
    CHECK(record.incident.updatedOn == "2026-11-01 11:00:00");
    CHECK(record.closeCode == "Solved (Permanently)");
    CHECK(record.closeNotes == "agent coached");
    CHECK(fx.stateChanges == 1);

    Answer replay = send(fx.port(), "POST", "/webhooks/servicenow", body, headers);
    CHECK(replay.status == 409);
    CHECK_THAT(replay.body, Catch::Contains("replayed"));
    CHECK(fx.stateChanges == 1);

    // The same version signed anew (e.g. ServiceNow retried it) is harmless: 200, nothing new.
    Answer again = send(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body, now() + 1));
    CHECK(again.status == 200);
    CHECK_THAT(again.body, Catch::Contains("already recorded"));
    CHECK(fx.stateChanges == 1);

    // Out of order: an older mod count (a late "In Progress") does not undo the resolution.
    const std::string older = incidentBody("eval-1", "2", 0, "2026-11-01 10:30:00");
    Answer late = send(fx.port(), "POST", "/webhooks/servicenow", older, signedHeaders(older, now()));
    CHECK(late.status == 409);
    CHECK_THAT(late.body, Catch::Contains("out of order"));
    CHECK(fx.record().incident.state == "6");
    CHECK(fx.record().incident.modCount == 1);
  }

  SECTION("an oversized body gets 413 without being read; bad JSON gets 400") {
    const std::string big(2048, 'x');  // the fixture allows 1024 bytes
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", big, signedHeaders(big, now())).status == 413);
    const std::string bad = "{not json";
    Answer badJson = send(fx.port(), "POST", "/webhooks/servicenow", bad, signedHeaders(bad, now()));
    CHECK(badJson.status == 400);
    CHECK_THAT(badJson.body, Catch::Contains("not valid JSON"));
    unchanged();
  }

  SECTION("an incident the ledger does not know is accepted and ignored (202)") {
    const std::string body = incidentBody("eval-unknown", "6", 1, "2026-11-01 11:00:00");
    Answer answer = send(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body, now()));
    CHECK(answer.status == 202);
    CHECK_THAT(answer.body, Catch::Contains("ignored"));
    // A sys_id that is not the ledger's incident for this evaluation is ignored too.
    const std::string other = incidentBody("eval-1", "6", 5, "2026-11-01 11:00:00", "sys-other");
    CHECK(send(fx.port(), "POST", "/webhooks/servicenow", other, signedHeaders(other, now())).status == 202);
    unchanged();
  }

  SECTION("GET on the webhook is 405") {
    CHECK(send(fx.port(), "GET", "/webhooks/servicenow").status == 405);
  }
}

TEST_CASE("without a webhook secret the webhook endpoint does not exist", "[server][webhook]") {
  ServerFixture fx("");
  const std::string body = incidentBody("eval-1", "6", 1, "2026-11-01 11:00:00");
  CHECK(send(fx.port(), "POST", "/webhooks/servicenow", body, signedHeaders(body, now(), "")).status == 404);
  CHECK(fx.record().incident.state == "1");
}

TEST_CASE("/healthz, /readyz and /metrics", "[server]") {
  ServerFixture fx;
  CHECK(send(fx.port(), "GET", "/healthz").status == 200);
  CHECK(send(fx.port(), "GET", "/nope").status == 404);
  CHECK(send(fx.port(), "POST", "/metrics").status == 405);

  // Not ready before the org's first cycle, nor after a failed one; the body names the org.
  Answer before = send(fx.port(), "GET", "/readyz");
  CHECK(before.status == 503);
  CHECK_THAT(before.body, Catch::Contains("\"acme-us\":\"no cycle finished yet\""));
  OrgSyncReport failed;
  failed.orgName = "acme-us";
  failed.ok = false;
  failed.error = "403 missing.permissions";
  fx.board.record(failed);
  Answer down = send(fx.port(), "GET", "/readyz");
  CHECK(down.status == 503);
  CHECK_THAT(down.body, Catch::Contains("403 missing.permissions"));
  OrgSyncReport good;
  good.orgName = "acme-us";
  fx.board.record(good);
  Answer ready = send(fx.port(), "GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK_THAT(ready.body, Catch::Contains("\"ready\":true"));

  fx.metrics.declare("evalbridge_created_total", Metrics::Type::Counter, "Incidents created.");
  fx.metrics.increment("evalbridge_created_total", {{"org", "acme-us"}}, 3);
  Answer metrics = send(fx.port(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("# TYPE evalbridge_created_total counter\n"
                                           "evalbridge_created_total{org=\"acme-us\"} 3\n"));
}

TEST_CASE("metrics render in the Prometheus text format", "[server][metrics]") {
  Metrics metrics;
  metrics.declare("req_seconds", Metrics::Type::Histogram, "Latency.", {0.1, 1});
  metrics.observe("req_seconds", {{"service", "servicenow"}}, 0.05);
  metrics.observe("req_seconds", {{"service", "servicenow"}}, 0.5);
  metrics.observe("req_seconds", {{"service", "servicenow"}}, 5);
  metrics.declare("g", Metrics::Type::Gauge, "A \\ gauge\nwith two lines.");
  metrics.set("g", {{"label", "quote\" backslash\\ newline\n"}}, 1.5);
  metrics.addCollector([](Metrics& m) { m.set("collected", {}, 7); });
  CHECK(metrics.render() ==
        "# TYPE collected gauge\n"
        "collected 7\n"
        "# HELP g A \\\\ gauge\\nwith two lines.\n"
        "# TYPE g gauge\n"
        "g{label=\"quote\\\" backslash\\\\ newline\\n\"} 1.5\n"
        "# HELP req_seconds Latency.\n"
        "# TYPE req_seconds histogram\n"
        "req_seconds_bucket{service=\"servicenow\",le=\"0.1\"} 1\n"
        "req_seconds_bucket{service=\"servicenow\",le=\"1\"} 2\n"
        "req_seconds_bucket{service=\"servicenow\",le=\"+Inf\"} 3\n"
        "req_seconds_sum{service=\"servicenow\"} 5.55\n"
        "req_seconds_count{service=\"servicenow\"} 3\n");
}

TEST_CASE("request framing: a request ends after its head and Content-Length bytes, whatever the handler reads",
          "[server][framing]") {
  FramingLimits limits;
  limits.maxHeaderBytes = 256;
  limits.maxBodyBytes = 16;
  using State = FramedRequest::State;

  CHECK(frameRequest("GET /healthz HTTP/1.1\r\nHost: x", limits).state == State::Incomplete);
  auto get = frameRequest("\r\nGET /healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /next", limits);
  CHECK(get.state == State::Complete);
  CHECK(get.path == "/healthz");
  CHECK(get.body.empty());
  CHECK(get.consumed == std::string("\r\nGET /healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").size());

  // A body is part of its request, also on a GET; the bytes after it are the next request.
  const std::string withBody = "GET /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nHELLOGET /";
  auto framed = frameRequest(withBody, limits);
  CHECK(framed.state == State::Complete);
  CHECK(framed.body == "HELLO");
  CHECK(withBody.substr(framed.consumed) == "GET /");
  auto partial = frameRequest("POST /w HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nHE", limits);
  CHECK(partial.state == State::Incomplete);
  CHECK(partial.headComplete);
  CHECK(partial.expectsContinue);

  // Too large to read: complete at once, body skipped (the connection is closed after the answer).
  auto large = frameRequest("POST /w HTTP/1.1\r\nContent-Length: 17\r\n\r\n", limits);
  CHECK(large.state == State::Complete);
  CHECK(large.bodySkipped);

  auto statusOf = [&limits](const std::string& bytes) { return frameRequest(bytes, limits).status; };
  CHECK(statusOf("POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
  CHECK(statusOf("POST /w HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == 400);
  CHECK(statusOf("POST /w HTTP/1.1\r\nContent-Length: -3\r\n\r\n") == 400);
  CHECK(statusOf("POST /w HTTP/1.1\r\nContent-Length: +3\r\n\r\n") == 400);
  CHECK(statusOf("GET /" + std::string(300, 'a')) == 431);
  CHECK(statusOf("NOT-HTTP\r\n\r\n") == 400);
}

TEST_CASE("X-Request-Id: a safe token is kept, anything else is replaced by a new id", "[server][log]") {
  CHECK(requestIdFrom("req-42.retry_1") == "req-42.retry_1");
  CHECK(requestIdFrom(std::string(64, 'a')) == std::string(64, 'a'));
  for (const std::string& forged : {std::string(""), std::string(65, 'a'), std::string("a b"), std::string("a\r\nb"),
                                   std::string("a\"b"), std::string("a=b"), std::string("\xc3\xa9")}) {
    const std::string id = requestIdFrom(forged);
    CHECK(id != forged);
    CHECK(id.size() == 36);
  }
}
