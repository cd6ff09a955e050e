// The monitoring files in deploy/ against the real tools: a real Prometheus (the Debian package's
// binary), configured from deploy/prometheus/prometheus.example.yml with deploy/prometheus/alerts.yml,
// scrapes a real `evalbridge run` working against the in-process simulator. What Prometheus
// stored must be what the bridge did; every alert rule must load and evaluate cleanly, fire for
// the org that is failing (and only that org), and select only series the bridge exports; every
// query of the Grafana dashboard (deploy/grafana/evalbridge-dashboard.json) must return data; and
// the bridge's /metrics page must pass `promtool check metrics`. The static checks of the same
// files (promtool check and test, yamllint) are CTest entries of their own (tests/deploy/).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include "ledger/Ledger.h"
#include "support/BridgeFixture.h"
#include "support/DeliveryChecks.h"
#include "support/HttpCall.h"
#include "support/RunProcess.h"
#include "support/RunningBridge.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;
using evalbridge::test::eventually;
using evalbridge::test::isoAgo;
using evalbridge::test::RunningBridge;
using namespace std::chrono_literals;

namespace {

const std::string kDeploy = std::string(EVALBRIDGE_SOURCE_DIR) + "/deploy";
const std::string kPrometheus = EVALBRIDGE_PROMETHEUS;  // "" when CMake did not find it
const std::string kPromtool = EVALBRIDGE_PROMTOOL;      // likewise

// One sample of an instant query's vector.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// One alerting rule as /api/v1/rules reports it, with its active alerts (pending or firing).
struct RuleState {
  std::string health;
  std::string lastError;
  std::vector<std::map<std::string, std::string>> alerts;  // labels of each active alert
};

std::map<std::string, std::string> labelsOf(const Poco::JSON::Object::Ptr& object) {
  std::map<std::string, std::string> labels;
  if (!object) return labels;
  for (const auto& [name, value] : *object) labels[name] = value.convert<std::string>();
  return labels;
}

// The text with the one occurrence of `what` replaced (the test fails unless there is exactly one).
std::string replaceOnce(std::string text, const std::string& what, const std::string& with) {
  INFO("replacing \"" << what << "\"");
  const auto at = text.find(what);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(what, at + 1) == std::string::npos);
  return text.replace(at, what.size(), with);
}

// A real Prometheus on 127.0.0.1 (a free port), with its own data folder, rule file and log in
// `dir`; killed when the object goes away.
class PrometheusServer {
 public:
  PrometheusServer(const test::TempDir& dir, const std::string& config, const std::string& alertRules)
      : log_(dir.file("prometheus.log")) {
    dir.write("prometheus/prometheus.yml", config);
    dir.write("prometheus/alerts.yml", alertRules);  // the config names it relative to itself
    for (int attempt = 0; attempt < 3; ++attempt) {  // another process may take the port first
      port_ = test::freePort();
      process_ = std::make_unique<test::ChildProcess>(
          kPrometheus,
          std::vector<std::string>{"--config.file=" + dir.file("prometheus/prometheus.yml"),
                                   "--storage.tsdb.path=" + dir.file("prometheus/data"),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
          "/dev/null", log_);
      REQUIRE(process_->started());
      if (eventually([this] { return process_->pollExited() || ready(); }, 30s) && !process_->pollExited()) return;
    }
    FAIL("Prometheus did not start; its log:\n" << test::readAll(log_));
  }

  // GET `path` of the HTTP API: its "data" (the test fails unless the answer is 200 and success).
  Poco::Dynamic::Var api(const std::string& pathAndQuery) const {
    const test::HttpAnswer answer = test::httpCall(port_, "GET", pathAndQuery);
    INFO(pathAndQuery << " answered " << answer.status << ": " << answer.body);
    REQUIRE(answer.status == 200);
    auto root = answer.json();
    REQUIRE(root->getValue<std::string>("status") == "success");
    return root->get("data");
  }

  // An instant query's vector (the query must return a vector).
  std::vector<Sample> query(const std::string& promql) const {
    Poco::URI uri("/api/v1/query");
    uri.addQueryParameter("query", promql);
    auto data = api(uri.getPathAndQuery()).extract<Poco::JSON::Object::Ptr>();
    INFO(promql);
    REQUIRE(data->getValue<std::string>("resultType") == "vector");
    std::vector<Sample> samples;
    auto result = data->getArray("result");
    for (std::size_t i = 0; i < result->size(); ++i) {
      auto item = result->getObject(static_cast<unsigned>(i));
      Sample sample;
      sample.labels = labelsOf(item->getObject("metric"));
      sample.value = std::stod(item->getArray("value")->getElement<std::string>(1));  // [time, "value"]
      samples.push_back(sample);
    }
    return samples;
  }

  // The value of a query that returns exactly one sample; nothing otherwise.
  std::optional<double> value(const std::string& promql) const {
    auto samples = query(promql);
    if (samples.size() != 1) return std::nullopt;
    return samples.front().value;
  }

  // Every alerting rule loaded, by name.
  std::map<std::string, RuleState> rules() const {
    std::map<std::string, RuleState> rules;
    auto groups = api("/api/v1/rules?type=alert").extract<Poco::JSON::Object::Ptr>()->getArray("groups");
    for (std::size_t g = 0; g < groups->size(); ++g) {
      auto list = groups->getObject(static_cast<unsigned>(g))->getArray("rules");
      for (std::size_t r = 0; r < list->size(); ++r) {
        auto rule = list->getObject(static_cast<unsigned>(r));
        RuleState& state = rules[rule->getValue<std::string>("name")];
        state.health = rule->optValue<std::string>("health", "");
        state.lastError = rule->optValue<std::string>("lastError", "");
        auto alerts = rule->getArray("alerts");
        for (std::size_t a = 0; alerts && a < alerts->size(); ++a)
          state.alerts.push_back(labelsOf(alerts->getObject(static_cast<unsigned>(a))->getObject("labels")));
      }
    }
    return rules;
  }

  // The orgs for which `rule` has an active alert (pending or firing).
  std::set<std::string> alertingOrgs(const std::string& rule) const {
    std::set<std::string> orgs;
    auto all = rules();
    auto found = all.find(rule);
    if (found == all.end()) return orgs;
    for (const auto& labels : found->second.alerts) orgs.insert(labels.count("org") ? labels.at("org") : "");
    return orgs;
  }

  std::string log() const { return test::readAll(log_); }

 private:
  bool ready() const {
    try {
      return test::httpCall(port_, "GET", "/-/ready").status == 200;
    } catch (const Poco::Exception&) {
      return false;  // not listening yet
    }
  }

  std::string log_;
  int port_ = 0;
  std::unique_ptr<test::ChildProcess> process_;
};

// The example config as it ships, with only the target and the two intervals changed.
std::string exampleConfigFor(int bridgePort) {
  std::string config = test::readAll(kDeploy + "/prometheus/prometheus.example.yml");
  config = replaceOnce(config, "evalbridge.example.internal:8089", "127.0.0.1:" + std::to_string(bridgePort));
  config = replaceOnce(config, "scrape_interval: 30s", "scrape_interval: 1s");
  config = replaceOnce(config, "evaluation_interval: 30s", "evaluation_interval: 1s");
  return config;
}

// The alert names in alerts.yml, read from its text.
std::set<std::string> alertNames(const std::string& rulesText) {
  static const std::regex alert(R"(^\s*- alert: (\w+)\s*$)");
  std::set<std::string> names;
  std::istringstream lines(rulesText);
  for (std::string line; std::getline(lines, line);)
    if (std::smatch match; std::regex_match(line, match, alert)) names.insert(match[1]);
  return names;
}

// A dashboard query as Grafana would send it: the job and every org selected.
std::string asGrafanaSends(std::string expr) {
  for (const auto& [variable, value] :
       std::vector<std::pair<std::string, std::string>>{{"$__rate_interval", "1m"}, {"$job", "evalbridge"}, {"$org", ".*"}})
    for (auto at = expr.find(variable); at != std::string::npos; at = expr.find(variable, at + value.size()))
      expr.replace(at, variable.size(), value);
  return expr;
}

// Every series selector in `text` (`name{matchers}`), one per alternative of a `label=~"a|b"`
// matcher, so that each label value a rule or panel relies on is checked on its own.
std::set<std::string> selectorsIn(const std::string& text) {
  static const std::regex selector(R"re(\b(up|evalbridge_\w+)\{([^}]*)\})re");
  static const std::regex alternatives(R"re((\w+)=~"([\w-]+(\|[\w-]+)+)")re");
  std::set<std::string> selectors;
  for (std::sregex_iterator it(text.begin(), text.end(), selector), end; it != end; ++it) {
    const std::string name = (*it)[1];
    const std::string matchers = (*it)[2];
    std::smatch alternative;
    if (!std::regex_search(matchers, alternative, alternatives)) {
      selectors.insert(name + "{" + matchers + "}");
      continue;
    }
    std::istringstream values(alternative[2].str());
    for (std::string value; std::getline(values, value, '|');)
      selectors.insert(name + "{" + alternative.prefix().str() + alternative[1].str() + "=\"" + value + "\"" +
                       alternative.suffix().str() + "}");
  }
  return selectors;
}

// Lease metrics exist only with a PostgreSQL ledger shared by replicas (this bridge has SQLite):
// their queries are checked to parse, not to return data; test_replicas reads the series from a
// replica's /metrics.
bool replicasOnly(const std::string& query) {
  return query.find("evalbridge_lease_") != std::string::npos || query.find("evalbridge_live_replicas") != std::string::npos;
}

// Fails the test for each selector that matches no series in Prometheus: a metric, label or
// value the bridge does not export. Pending records are exported only while there are some (the
// scenario leaves none), so a `status="pending"` selector may be empty.
void checkSelectorsExist(const PrometheusServer& prometheus, const std::string& text, const std::string& where) {
  const auto selectors = selectorsIn(text);
  CHECK(selectors.size() >= 5);
  for (const auto& selector : selectors) {
    if (selector.find(R"(status="pending")") != std::string::npos) continue;
    if (replicasOnly(selector)) continue;
    INFO(where << ": " << selector << " matches no series the bridge exported");
    CHECK_FALSE(prometheus.query(selector).empty());
  }
}

}  // namespace

TEST_CASE("a real Prometheus configured from the example scrapes evalbridge run, the alert rules fire for the "
          "failing org alone, and every dashboard query returns data",
          "[monitoring][prometheus]") {
  if (kPrometheus.empty() || kPromtool.empty())
    FAIL("prometheus or promtool not found when CMake ran: install the Debian package prometheus "
         "(scripts/install-packages.sh prometheus yamllint), then configure again");

  // acme-us works (every evaluation fails QA, so each one becomes an incident); acme-eu's OAuth
  // client lacks quality:evaluation:view, so each of its cycles fails (at the GET of its failing
  // evaluations) and its push channel is refused. acme-us sweeps once, at the start: evaluations
  // added later come by push alone, which is what measures pickup latency.
  sim::SimulatorOptions options;
  auto& us = options.orgs[0];
  us.evaluationCount = 8;
  us.spacingSeconds = 60;
  us.firstEvaluation = isoAgo(2 * 3600);
  us.failingShare = 1.0;
  us.jobPollsUntilDone = 0;
  sim::OrgSpec eu = test::secondOrg();
  eu.evaluationCount = 3;
  eu.failingShare = 1.0;
  eu.firstEvaluation = isoAgo(3600);
  eu.permissions.erase("quality:evaluation:view");
  options.orgs.push_back(eu);
  BridgeFixture fixture(options);
  test::RunSettings run;
  run.intervalS = 1;
  run.orgIntervalS["acme-us"] = 3600;
  test::writeRunConfig(fixture, run);
  RunningBridge bridge(fixture, "monitored");
  const std::string alertRules = test::readAll(kDeploy + "/prometheus/alerts.yml");
  PrometheusServer prometheus(fixture.dir, exampleConfigFor(bridge.port()), alertRules);

  // What Prometheus scraped is what the bridge did.
  auto expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(expected.size() == 8);
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
  CHECK(eventually([&] { return prometheus.value(R"(up{job="evalbridge"})") == 1.0; }));
  CHECK(eventually([&] {
    return prometheus.value(R"(evalbridge_created_total{job="evalbridge", org="acme-us"})") ==
           static_cast<double>(fixture.simulator.incidents().size());
  }));
  {
    Ledger ledger(fixture.ledgerPath());
    const auto created = ledger.statsByOrg()[fixture.simulator.options().orgs[0].orgId].byStatus["created"];
    CHECK(created == static_cast<long long>(expected.size()));
    CHECK(prometheus.value(R"(evalbridge_ledger_records{job="evalbridge", org="acme-us", status="created"})") ==
          static_cast<double>(created));
  }

  // The bridge's own page passes Prometheus's exposition-format lint (names, HELP, TYPE, units).
  {
    fixture.dir.write("metrics.txt", test::httpCall(bridge.port(), "GET", "/metrics").body);
    const auto lint = test::runProcess("/bin/sh", {"-c", "\"$0\" check metrics < \"$1\"", kPromtool,
                                                   fixture.dir.file("metrics.txt")});
    INFO("promtool check metrics: " << lint.out << lint.err);
    CHECK(lint.exitCode == 0);
    CHECK(lint.err.empty());
  }

  // Every rule of alerts.yml is loaded and evaluates without error.
  const std::set<std::string> names = alertNames(alertRules);
  REQUIRE(names.size() >= 9);
  CHECK(eventually([&] {
    auto rules = prometheus.rules();
    if (rules.size() != names.size()) return false;
    for (const auto& [name, rule] : rules)
      if (!names.count(name) || rule.health != "ok") return false;
    return true;
  }));
  for (const auto& [name, rule] : prometheus.rules()) {
    INFO(name << ": health " << rule.health << " " << rule.lastError);
    CHECK(rule.health == "ok");
    CHECK(rule.lastError.empty());
  }

  // The failing org, and only it: cycles failing, never synced, push channel down.
  const std::set<std::string> onlyEu = {"acme-eu"};
  for (const char* rule : {"EvalbridgeOrgSyncFailing", "EvalbridgeOrgNeverSynced", "EvalbridgePushChannelDown"}) {
    INFO(rule);
    CHECK(eventually([&] { return prometheus.alertingOrgs(rule) == onlyEu; }));
  }
  for (const char* rule : {"EvalbridgeDown", "EvalbridgeOrgNoSuccessfulCycle", "EvalbridgeDeadLettersRising",
                           "EvalbridgeDeadLetterNotEmpty", "EvalbridgePickupLatencyHigh"}) {
    INFO(rule);
    CHECK(prometheus.alertingOrgs(rule).empty());
  }

  // Evaluations of acme-us changed 400 s ago arrive by push: a pickup latency far over the
  // threshold. The first batch makes the histogram's series; the second, with ServiceNow refusing
  // one create for good (a dead letter), raises it.
  fixture.simulator.addEvaluations("acme-us", 3, isoAgo(400));
  expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size(); }));
  REQUIRE(eventually([&] {
    return prometheus.value(
               R"(sum(evalbridge_pickup_latency_seconds_count{job="evalbridge", org="acme-us", path="push"}))") >= 1.0;
  }));
  sim::FaultRule refused;
  refused.server = "servicenow";
  refused.method = "POST";
  refused.kind = "status";
  refused.status = 400;
  refused.count = 1;
  fixture.simulator.addFault(refused);
  fixture.simulator.addEvaluations("acme-us", 3, isoAgo(400));
  expected = test::matchingEvaluationIds(fixture, "acme-us");
  REQUIRE(eventually([&] { return fixture.simulator.incidents().size() == expected.size() - 1; }));
  const std::set<std::string> onlyUs = {"acme-us"};
  for (const char* rule : {"EvalbridgeDeadLettersRising", "EvalbridgeDeadLetterNotEmpty", "EvalbridgePickupLatencyHigh"}) {
    INFO(rule);
    CHECK(eventually([&] { return prometheus.alertingOrgs(rule) == onlyUs; }));
  }
  CHECK(prometheus.value(R"(evalbridge_dead_lettered_total{job="evalbridge", org="acme-us"})") == 1.0);
  // Each series a rule selects exists, also in the branches no alert above depends on (e.g. the
  // `unless` of EvalbridgeOrgNeverSynced).
  checkSelectorsExist(prometheus, alertRules, "alerts.yml");

  // The Grafana dashboard: valid JSON, the panels asked for, and every query (panels and
  // variables) returns data from this Prometheus.
  auto dashboard = Poco::JSON::Parser()
                       .parse(test::readAll(kDeploy + "/grafana/evalbridge-dashboard.json"))
                       .extract<Poco::JSON::Object::Ptr>();
  auto panels = dashboard->getArray("panels");
  REQUIRE(panels);
  std::set<int> ids;
  std::string everyExpr;
  for (std::size_t p = 0; p < panels->size(); ++p) {
    auto panel = panels->getObject(static_cast<unsigned>(p));
    const std::string title = panel->getValue<std::string>("title");
    INFO("panel " << title);
    CHECK(ids.insert(panel->getValue<int>("id")).second);
    CHECK(panel->getObject("gridPos"));
    CHECK(panel->getObject("datasource")->getValue<std::string>("uid") == "${datasource}");
    auto targets = panel->getArray("targets");
    REQUIRE(targets);
    REQUIRE(targets->size() >= 1);
    for (std::size_t t = 0; t < targets->size(); ++t) {
      const std::string expr = asGrafanaSends(targets->getObject(static_cast<unsigned>(t))->getValue<std::string>("expr"));
      INFO("query " << expr);
      CHECK(expr.find('$') == std::string::npos);
      const auto samples = prometheus.query(expr);  // a query Prometheus cannot parse fails here
      if (!replicasOnly(expr)) CHECK_FALSE(samples.empty());
      everyExpr += expr + "\n";
    }
  }
  // Each selector too: a panel's `or ... * 0` (zero for orgs without such records) must not hide
  // a misspelt one.
  checkSelectorsExist(prometheus, everyExpr, "dashboard");
  for (const char* wanted :
       {"evalbridge_created_total", "evalbridge_updated_total", "evalbridge_skipped_total",
        "evalbridge_dead_lettered_total", "status=\"pending\"", "evalbridge_push_channel_state",
        "histogram_quantile(0.99, sum by (org, path, le) (rate(evalbridge_pickup_latency_seconds_bucket",
        "evalbridge_sync_cycles_total", "evalbridge_http_request_duration_seconds_bucket"}) {
    INFO("no panel queries " << wanted);
    CHECK(everyExpr.find(wanted) != std::string::npos);
  }
  auto variables = dashboard->getObject("templating")->getArray("list");
  static const std::regex labelValues(R"(label_values\((.*), (\w+)\))");
  int queried = 0;
  for (std::size_t v = 0; v < variables->size(); ++v) {
    auto variable = variables->getObject(static_cast<unsigned>(v));
    if (variable->getValue<std::string>("type") != "query") continue;
    const std::string definition = variable->getValue<std::string>("definition");
    INFO("variable " << variable->getValue<std::string>("name") << ": " << definition);
    CHECK(variable->getObject("query")->getValue<std::string>("query") == definition);  // what Grafana runs
    std::smatch match;
    REQUIRE(std::regex_match(definition, match, labelValues));
    const std::string selector = match[1];
    const std::string label = match[2];
    std::set<std::string> values;
    for (auto& sample : prometheus.query(asGrafanaSends(selector))) values.insert(sample.labels[label]);
    values.erase("");
    CHECK_FALSE(values.empty());
    ++queried;
  }
  CHECK(queried == 2);  // job and org
  // The push panel's encoding: connected 4, sweep-only 1 (its value mappings name them).
  int pushPanels = 0;
  for (std::size_t p = 0; p < panels->size(); ++p) {
    auto panel = panels->getObject(static_cast<unsigned>(p));
    if (panel->getValue<std::string>("title") != "Push channel state") continue;
    ++pushPanels;
    std::map<std::string, double> byOrg;
    for (auto& sample : prometheus.query(asGrafanaSends(
             panel->getArray("targets")->getObject(0)->getValue<std::string>("expr"))))
      byOrg[sample.labels["org"]] = sample.value;
    CHECK(byOrg == std::map<std::string, double>{{"acme-eu", 1}, {"acme-us", 4}});
  }
  CHECK(pushPanels == 1);

  // The bridge stops: the scrape fails, and EvalbridgeDown goes pending.
  CHECK(bridge.terminate(30s) == 0);
  CHECK(eventually([&] { return prometheus.value(R"(up{job="evalbridge"})") == 0.0; }));
  CHECK(eventually([&] {
    auto rules = prometheus.rules();
    return rules.count("EvalbridgeDown") && rules.at("EvalbridgeDown").alerts.size() == 1;
  }));
}

TEST_CASE("every alert rule has promtool unit tests in alerts_test.yml, one where it fires and one where it does not",
          "[monitoring]") {
  const std::string rules = test::readAll(kDeploy + "/prometheus/alerts.yml");
  const std::string tests = test::readAll(kDeploy + "/prometheus/alerts_test.yml");
  static const std::regex fires(R"re(alertname: (\w+)\n\s*exp_alerts:\n\s*- exp_labels:)re");
  static const std::regex quiet(R"re(alertname: (\w+)\n\s*exp_alerts: \[\])re");
  auto namesMatching = [&](const std::regex& pattern) {
    std::set<std::string> names;
    for (std::sregex_iterator it(tests.begin(), tests.end(), pattern), end; it != end; ++it) names.insert((*it)[1]);
    return names;
  };
  const auto firing = namesMatching(fires);
  const auto notFiring = namesMatching(quiet);
  const auto names = alertNames(rules);
  REQUIRE(names.size() >= 9);
  for (const auto& name : names) {
    INFO(name);
    CHECK(firing.count(name) == 1);
    CHECK(notFiring.count(name) == 1);
  }
}
