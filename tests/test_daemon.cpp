// `evalbridge run`, the real binary, against the in-process simulator: evaluations added over
// time become incidents; incident state comes back by webhook and, with the webhook off, by
// polling; bad webhooks change nothing; write-back rows follow the ledger; /metrics parses as
// Prometheus text and matches the ledger; SIGTERM (even mid-delivery) exits 0 and loses nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "server/WebhookVerifier.h"
#include "support/HttpCall.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/RunProcess.h"
#include "support/RunningBridge.h"
#include "support/ThreadLimit.h"
#include "sync/PeriodicWorker.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;
using evalbridge::test::eventually;
using evalbridge::test::freePort;
using evalbridge::test::isoAgo;
using evalbridge::test::RunningBridge;
using evalbridge::test::writeRunConfig;
using namespace std::chrono_literals;

namespace {

const std::string kWebhookSecret = "daemon-webhook-secret-Zt42";

using Answer = test::HttpAnswer;

Answer http(int port, const std::string& method, const std::string& path, const std::string& body = "",
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return test::httpCall(port, method, path, body, headers);
}

Answer postWebhook(int port, const std::string& body, std::int64_t timestamp, const std::string& secret) {
  const std::string ts = std::to_string(timestamp);
  return http(port, "POST", "/webhooks/servicenow", body,
              {{"X-Evalbridge-Timestamp", ts}, {"X-Evalbridge-Signature", WebhookVerifier::sign(secret, ts, body)}});
}

// Simulator options for the daemon tests: evaluations of the last two hours, a minute apart.
sim::SimulatorOptions recentEvaluations(int webhookPort) {
  sim::SimulatorOptions options;
  auto& org = options.orgs[0];
  org.evaluationCount = 12;
  org.spacingSeconds = 60;
  org.firstEvaluation = isoAgo(2 * 3600);
  org.failingShare = 0.5;
  org.jobPollsUntilDone = 0;
  if (webhookPort > 0) {
    options.servicenow.webhookUrl = "http://127.0.0.1:" + std::to_string(webhookPort) + "/webhooks/servicenow";
    options.servicenow.webhookSecret = kWebhookSecret;
  }
  return options;
}

std::string field(const Poco::JSON::Object::Ptr& object, const std::string& name) {
  return object->optValue<std::string>(name, "");
}

std::map<std::string, LedgerRecord> ledgerIncidents(const std::string& path) {
  Ledger ledger(path);
  std::map<std::string, LedgerRecord> out;
  RecordFilter all;
  all.limit = 100000;
  for (auto& record : ledger.list(all))
    if (!record.incident.sysId.empty()) out[record.evaluationId] = record;
  return out;
}

// Prometheus text format, strictly: every line is a comment (# HELP / # TYPE) or a sample
// `name{labels} value`. Returns "name{labels}" -> value; fails the test on any other line.
std::map<std::string, double> parsePrometheus(const std::string& text) {
  static const std::regex comment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?) (-?[0-9.eE+-]+|\+Inf|NaN))");
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (std::regex_match(line, comment)) continue;
    INFO("line: " << line);
    REQUIRE(std::regex_match(line, match, sample));
    samples[match[1]] = std::stod(match[5]);
  }
  return samples;
}

}  // namespace

TEST_CASE("run: incidents over time, state by webhook, bad webhooks refused, write-back, metrics, SIGTERM",
          "[daemon]") {
  const int port = freePort();
  BridgeFixture fixture(recentEvaluations(port));
  writeRunConfig(fixture, port, 3600, kWebhookSecret);
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  RunningBridge bridge(fixture, "run");
  CHECK(http(bridge.port(), "GET", "/healthz").status == 200);

  // Every matching evaluation becomes one incident.
  auto expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE_FALSE(expected.empty());
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));

  // Evaluations added later are picked up by the next cycles.
  const std::size_t before = expected.size();
  fixture.simulator.addEvaluations("acme-us", 5, isoAgo(400));  // inside the overlap
  expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(expected.size() > before);
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
  REQUIRE(eventually([&] { return http(bridge.port(), "GET", "/readyz").status == 200; }));
  CHECK_THAT(http(bridge.port(), "GET", "/readyz").body, Catch::Contains(R"("push":{"acme-us":{"state":"connected"}})"));

  // Resolved in ServiceNow: the webhook brings it into the ledger at once.
  const auto incident = fixture.simulator.incidents().front();
  const std::string sysId = field(incident, "sys_id");
  const std::string evaluationId = field(incident, "correlation_id").substr(("evalbridge:" + orgId + ":").size());
  Poco::JSON::Object::Ptr resolve = new Poco::JSON::Object;
  resolve->set("state", "6");
  resolve->set("close_code", "Solved (Permanently)");
  resolve->set("close_notes", "agent coached");
  fixture.simulator.updateIncident(sysId, resolve);
  auto record = ledgerIncidents(fixture.ledgerPath()).at(evaluationId);
  CHECK(record.incident.state == "6");
  CHECK(record.closeCode == "Solved (Permanently)");
  CHECK(record.closeNotes == "agent coached");
  {
    Ledger ledger(fixture.ledgerPath());
    // The state arrived by webhook (a write-back entry may follow it; the order between the two
    // is not fixed).
    auto history = ledger.history(orgId, evaluationId);
    CHECK(std::any_of(history.begin(), history.end(), [](const HistoryEntry& h) { return h.event == "state-webhook"; }));
  }

  // Forged, unsigned, stale, replayed and out-of-order webhooks: 401/409, nothing changes.
  Poco::JSON::Object::Ptr current;
  for (const auto& candidate : fixture.simulator.incidents())
    if (field(candidate, "sys_id") == sysId) current = candidate;
  REQUIRE(current);
  const int modCount = std::stoi(field(current, "sys_mod_count"));
  auto body = [&](const std::string& state, int mod) {
    Poco::JSON::Object payload;
    for (const char* name : {"sys_id", "number", "correlation_id", "sys_updated_on"})
      payload.set(name, field(current, name));
    payload.set("state", state);
    payload.set("sys_mod_count", std::to_string(mod));
    std::ostringstream text;
    payload.stringify(text);
    return text.str();
  };
  const std::int64_t now = Poco::Timestamp().epochTime();
  const std::string reopen = body("2", modCount + 1);
  CHECK(postWebhook(bridge.port(), reopen, now, "forged-secret").status == 401);
  CHECK(http(bridge.port(), "POST", "/webhooks/servicenow", reopen).status == 401);
  CHECK(postWebhook(bridge.port(), reopen, now - 400, kWebhookSecret).status == 401);
  const std::string same = body("6", modCount);
  CHECK(postWebhook(bridge.port(), same, now, kWebhookSecret).status == 200);  // what the ledger has
  CHECK(postWebhook(bridge.port(), same, now, kWebhookSecret).status == 409);  // the very same delivery
  CHECK(postWebhook(bridge.port(), body("2", modCount - 1), now, kWebhookSecret).status == 409);  // older
  auto unchanged = ledgerIncidents(fixture.ledgerPath()).at(evaluationId);
  CHECK(unchanged.incident.state == "6");
  CHECK(unchanged.incident.modCount == modCount);

  // Write-back: the data table rows follow the ledger's incident states.
  auto rowsMatchLedger = [&] {
    auto rows = fixture.simulator.dataTableRows("acme-us")["dt-outcomes"];
    auto inLedger = ledgerIncidents(fixture.ledgerPath());
    if (rows.size() != inLedger.size()) return false;
    for (const auto& [id, row] : inLedger)
      if (!rows.count(id) || field(rows.at(id), "state") != row.incident.state ||
          field(rows.at(id), "incidentNumber") != row.incident.number)
        return false;
    return true;
  };
  CHECK(eventually(rowsMatchLedger));
  CHECK(field(fixture.simulator.dataTableRows("acme-us")["dt-outcomes"].at(evaluationId), "state") == "6");

  // /metrics: valid Prometheus text whose counters match the ledger.
  auto samples = parsePrometheus(http(bridge.port(), "GET", "/metrics").body);
  Ledger ledger(fixture.ledgerPath());
  auto stats = ledger.statsByOrg()[orgId];
  const std::string org = "{org=\"acme-us\"}";
  CHECK(samples.at("evalbridge_created_total" + org) + samples.at("evalbridge_adopted_total" + org) ==
        static_cast<double>(expected.size()));
  CHECK(samples.at("evalbridge_created_total" + org) == static_cast<double>(stats.byStatus["created"]));
  // Every incident's pickup is timed once, by the path that delivered it: the first sweep
  // delivered the evaluations that were there before `run` started.
  auto pickups = [&](const std::string& path) {
    const auto found = samples.find("evalbridge_pickup_latency_seconds_count{org=\"acme-us\",path=\"" + path + "\"}");
    return found == samples.end() ? 0.0 : found->second;
  };
  CHECK(pickups("sweep") >= 1);
  CHECK(pickups("sweep") + pickups("push") ==
        samples.at("evalbridge_created_total" + org) + samples.at("evalbridge_adopted_total" + org) +
            samples.at("evalbridge_updated_total" + org));
  CHECK(samples.at("evalbridge_skipped_total" + org) == static_cast<double>(stats.byStatus["skipped"]));
  CHECK(samples.at("evalbridge_exported_total" + org) >= static_cast<double>(stats.total));
  CHECK(samples.at("evalbridge_dead_lettered_total" + org) == 0);
  for (const auto& [status, count] : stats.byStatus)
    CHECK(samples.at("evalbridge_ledger_records{org=\"acme-us\",status=\"" + status + "\"}") == count);
  CHECK(samples.at("evalbridge_ledger_incidents{org=\"acme-us\",state=\"6\"}") == 1);
  // The evaluations added while `run` was up came by push (the sweep is the safety net), so one
  // sweep may be all there was; the push path's counters and channel state say so.
  CHECK(samples.at("evalbridge_sync_cycles_total{org=\"acme-us\",result=\"ok\"}") >= 1);
  CHECK(samples.at("evalbridge_push_notifications_total{org=\"acme-us\",event=\"received\"}") >= 1);
  CHECK(samples.at("evalbridge_push_notifications_total{org=\"acme-us\",event=\"delivered\"}") +
            samples.at("evalbridge_sync_cycles_total{org=\"acme-us\",result=\"ok\"}") >= 2);
  CHECK(samples.at("evalbridge_push_channel_state{org=\"acme-us\",state=\"connected\"}") == 1);
  CHECK(samples.at("evalbridge_push_channel_state{org=\"acme-us\",state=\"sweep-only\"}") == 0);
  CHECK(samples.at("evalbridge_last_successful_cycle_timestamp_seconds" + org) >= static_cast<double>(now - 60));
  CHECK(samples.at("evalbridge_http_request_duration_seconds_count{service=\"servicenow\",method=\"POST\"}") >=
        static_cast<double>(expected.size()));
  CHECK(samples.at("evalbridge_http_request_duration_seconds_count{service=\"genesys\",method=\"PUT\"}") >= 1);
  CHECK(samples.at("evalbridge_incident_state_updates_total{source=\"webhook\",outcome=\"applied\"}") == 1);

  // Logs: one JSON object per line, with fields, and no secret anywhere.
  const std::string log = bridge.log();
  CHECK_THAT(log, Catch::Contains(R"("org":"acme-us")"));
  CHECK_THAT(log, Catch::Contains(R"("requestId":)"));
  CHECK_THAT(log, !Catch::Contains(kWebhookSecret));
  CHECK_THAT(log, !Catch::Contains(fixture.simulator.options().servicenow.password));

  // SIGTERM: exit 0, promptly, nothing pending, every incident exactly once.
  std::chrono::milliseconds took{0};
  CHECK(bridge.terminate(30s, &took) == 0);
  CHECK(took < 30s);
  CHECK(ledger.statsByOrg()[orgId].byStatus["pending"] == 0);
  std::map<std::string, int> perCorrelation;
  for (const auto& created : fixture.simulator.incidents()) ++perCorrelation[field(created, "correlation_id")];
  CHECK(perCorrelation.size() == expected.size());
  for (const auto& [correlation, count] : perCorrelation) CHECK(count == 1);
}

TEST_CASE("run: with the webhook off, polling brings resolved incidents into the ledger", "[daemon][poll]") {
  BridgeFixture fixture(recentEvaluations(0));
  const int port = freePort();
  writeRunConfig(fixture, port, 1, "");
  RunningBridge bridge(fixture, "poll");
  auto expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
  CHECK(http(bridge.port(), "POST", "/webhooks/servicenow", "{}").status == 404);

  Poco::JSON::Object::Ptr resolve = new Poco::JSON::Object;
  resolve->set("state", "6");
  resolve->set("close_code", "Solved (Work Around)");
  std::set<std::string> resolved;
  for (const auto& incident : fixture.simulator.incidents()) {
    fixture.simulator.updateIncident(field(incident, "sys_id"), resolve);
    resolved.insert(field(incident, "sys_id"));
  }
  CHECK(eventually([&] {
    int done = 0;
    for (const auto& [id, record] : ledgerIncidents(fixture.ledgerPath()))
      done += record.incident.state == "6" && record.closeCode == "Solved (Work Around)";
    return done == static_cast<int>(resolved.size());
  }));
  {
    Ledger ledger(fixture.ledgerPath());
    const auto any = ledgerIncidents(fixture.ledgerPath()).begin()->second;
    bool polled = false;
    for (const auto& entry : ledger.history(any.orgId, any.evaluationId)) polled |= entry.event == "state-poll";
    CHECK(polled);
  }
  CHECK(bridge.terminate(30s) == 0);
}

TEST_CASE("run: a failing org backs off alone, and readiness names it", "[daemon][backoff]") {
  sim::SimulatorOptions options = recentEvaluations(0);
  sim::OrgSpec eu = test::secondOrg();
  eu.evaluationCount = 6;
  eu.spacingSeconds = 60;
  eu.firstEvaluation = isoAgo(3600);
  eu.permissions.erase("quality:evaluation:view");  // every export of this org is refused
  options.orgs.push_back(eu);
  BridgeFixture fixture(options);
  writeRunConfig(fixture, freePort(), 3600, "");
  RunningBridge bridge(fixture, "backoff");

  auto expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
  fixture.simulator.addEvaluations("acme-us", 5, isoAgo(400));  // inside the overlap
  expected = test::matchingEvaluationIds(fixture, "acme-us");
  CHECK(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));

  Answer ready = http(bridge.port(), "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("\"acme-eu\":") && Catch::Contains("quality:evaluation:view"));
  CHECK_THAT(ready.body, Catch::Contains("\"acme-us\":\"ok\""));
  // Its push channel is refused too (the topic needs quality:evaluation:view): sweep-only, said so.
  CHECK(eventually([&] {
    return http(bridge.port(), "GET", "/readyz").body.find(R"("state":"sweep-only")") != std::string::npos;
  }));

  // acme-us keeps its 1 s pace while acme-eu waits 1 s, 2 s, 4 s, 8 s... between failures.
  std::map<std::string, double> samples;
  auto cycles = [&](const std::string& org, const std::string& result) {
    return samples.at("evalbridge_sync_cycles_total{org=\"" + org + "\",result=\"" + result + "\"}");
  };
  CHECK(eventually([&] {
    samples = parsePrometheus(http(bridge.port(), "GET", "/metrics").body);
    return cycles("acme-us", "ok") >= 8;
  }));
  CHECK(cycles("acme-eu", "failed") >= 2);
  CHECK(cycles("acme-eu", "failed") <= 5);
  CHECK(cycles("acme-eu", "ok") == 0);
  CHECK(cycles("acme-us", "failed") == 0);
  CHECK(bridge.terminate(30s) == 0);
}

TEST_CASE("run: SIGTERM in the middle of slow deliveries exits 0 and the next start loses nothing",
          "[daemon][shutdown]") {
  sim::SimulatorOptions options = recentEvaluations(0);
  options.orgs[0].evaluationCount = 30;
  options.orgs[0].failingShare = 1.0;
  BridgeFixture fixture(options);
  writeRunConfig(fixture, freePort(), 3600, "", R"(, "maxConcurrency": 1)");
  sim::FaultRule slow;
  slow.server = "servicenow";
  slow.method = "POST";
  slow.kind = "latency";
  slow.latencyMs = 300;
  fixture.simulator.addFault(slow);
  const auto expected = test::matchingEvaluationIds(fixture, "acme-us");
  {
    RunningBridge bridge(fixture, "first");
    REQUIRE(eventually([&] { return fixture.simulator.incidents().size() >= 2; }));
    std::chrono::milliseconds took{0};
    CHECK(bridge.terminate(30s, &took) == 0);
    CHECK(took < 30s);
  }
  CHECK(fixture.simulator.incidents().size() < expected.size());  // really stopped mid-way
  fixture.simulator.clearFaults();
  {
    RunningBridge bridge(fixture, "second");
    REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
    CHECK(eventually([&] {
      Ledger ledger(fixture.ledgerPath());
      return ledger.statsByOrg()[fixture.simulator.options().orgs[0].orgId].byStatus["pending"] == 0;
    }));
    CHECK(bridge.terminate(30s) == 0);
  }
  std::map<std::string, int> perCorrelation;
  for (const auto& created : fixture.simulator.incidents()) ++perCorrelation[field(created, "correlation_id")];
  CHECK(perCorrelation.size() == expected.size());
  for (const auto& [correlation, count] : perCorrelation) CHECK(count == 1);
}

TEST_CASE("run: a sweep's thread that the system refuses stops the start, naming the worker and the limit",
          "[daemon]") {
  const int code = test::inChild([] {
    ShutdownToken shutdown;
    PeriodicWorker worker("sync acme-us", shutdown, [] { return std::chrono::milliseconds(1000); });
    test::refuseNewThreads();
    try {
      worker.start();
      return test::checkFailed(1, "start did not throw");
    } catch (const EvalbridgeError& e) {
      for (const char* part : {"sync acme-us", "the system refuses to start a thread", "ulimit -u"})
        if (e.message().find(part) == std::string::npos) return test::checkFailed(2, e.message());
    }
    return 0;
  });
  CHECK(code == 0);
}
