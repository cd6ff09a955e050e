// The command line as users meet it: the real evalbridge binary, its exit codes and messages.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <Poco/JSON/Parser.h>

#include "support/BridgeFixture.h"
#include "support/RunProcess.h"

using namespace evalbridge;
using evalbridge::test::BridgeFixture;
using evalbridge::test::runEvalbridge;
using evalbridge::test::writeText;

namespace {

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

void replaceInFile(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = test::readAll(path);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  writeText(path, text);
}

}  // namespace

TEST_CASE("usage errors exit 2 and say what is wrong") {
  auto none = runEvalbridge({});
  CHECK(none.exitCode == 2);
  CHECK(none.out.find("usage: evalbridge") != std::string::npos);

  auto unknown = runEvalbridge({"frobnicate"});
  CHECK(unknown.exitCode == 2);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);

  auto typo = runEvalbridge({"sync", "--once", "--orgg", "x"});
  CHECK(typo.exitCode == 2);
  CHECK(typo.err.find("unknown option --orgg") != std::string::npos);
}

// Kills: --version taken as an option that needs a value (the container image check runs it),
// and a version that does not say which PostgreSQL module a postgresql:// ledger would load.
TEST_CASE("evalbridge --version prints the version and the PostgreSQL module, and exits 0") {
  const char* module = std::getenv("EVALBRIDGE_POSTGRES_MODULE");  // the built one (catch_main.cpp)
  REQUIRE(module);
  auto version = runEvalbridge({"--version"});
  CHECK(version.exitCode == 0);
  CHECK_THAT(version.out, Catch::StartsWith(std::string("evalbridge ") + EVALBRIDGE_TEST_VERSION + "\n" +
                                            "postgresql module: " + module + " (loads; build "));
  // Two lines, the second ending with the module's tag: the version, then a hash of the build.
  CHECK_THAT(version.out, Catch::Matches("evalbridge [^\n]+\npostgresql module: [^\n]+ \\(loads; build [0-9.]+-[0-9a-f]+\\)\n"));
}

TEST_CASE("bad configuration exits 2 naming the file and the key") {
  BridgeFixture fixture;
  const std::string config = fixture.configPath();

  SECTION("a secret from a missing environment variable") {
    replaceInFile(config, "${file:sn.secret}", "${env:EVALBRIDGE_TEST_UNSET_SECRET}");
    auto result = runEvalbridge({"--config", config, "sync", "--once"});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("evalbridge.json") != std::string::npos);
    CHECK(result.err.find("servicenow.auth.password") != std::string::npos);
    CHECK(result.err.find("EVALBRIDGE_TEST_UNSET_SECRET") != std::string::npos);
  }
  SECTION("plain http to a host that is not loopback") {
    replaceInFile(config, fixture.simulator.serviceNowUrl(), "http://acme.service-now.com");
    auto result = runEvalbridge({"--config", config, "sync", "--once"});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("servicenow.instanceUrl") != std::string::npos);
    CHECK(result.err.find("https") != std::string::npos);
  }
  SECTION("a mapping with an unknown operator") {
    replaceInFile(fixture.dir.file("mapping.json"), "\"lt\": 70", "\"lower\": 70");
    auto result = runEvalbridge({"--config", config, "sync", "--once"});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("mapping.json") != std::string::npos);
    CHECK(result.err.find("lower") != std::string::npos);
    CHECK(fixture.simulator.incidents().empty());
  }
  SECTION("the config file itself is missing") {
    auto result = runEvalbridge({"--config", fixture.dir.file("nope.json"), "sync", "--once"});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("nope.json") != std::string::npos);
  }
  SECTION("EVALBRIDGE_CONFIG is the default config path") {
    replaceInFile(config, "${file:sn.secret}", "${env:EVALBRIDGE_TEST_UNSET_SECRET}");
    auto result = runEvalbridge({"sync", "--once"}, {{"EVALBRIDGE_CONFIG", config}});
    CHECK(result.exitCode == 2);
    CHECK(result.err.find("EVALBRIDGE_TEST_UNSET_SECRET") != std::string::npos);
  }
}

TEST_CASE("sync --once twice: the second run creates nothing, and ledger commands show every record") {
  BridgeFixture fixture;
  const std::string config = fixture.configPath();
  auto first = runEvalbridge({"--config", config, "sync", "--once", "--json"});
  INFO(first.err);
  REQUIRE(first.exitCode == 0);
  auto report = parseObject(first.out)->getArray("orgs")->getObject(0);
  const int created = report->getValue<int>("created");
  const int exported = report->getValue<int>("exported");
  CHECK(created > 0);
  CHECK(created == static_cast<int>(fixture.simulator.incidents().size()));
  CHECK(report->getValue<int>("skipped") == exported - created);

  // A date alone is its midnight UTC; what is no time at all is refused by name, not read as
  // some instant (Poco 1.11 alone reads "yesterday" as the year 0).
  auto refused = runEvalbridge({"--config", config, "sync", "--once", "--from", "yesterday", "--json"});
  CHECK(refused.exitCode != 0);
  CHECK((refused.err + refused.out).find("--from: 'yesterday' is not an ISO 8601 time") != std::string::npos);
  auto second = runEvalbridge({"--config", config, "sync", "--once", "--from", "2026-10-31", "--json"});
  INFO(second.err);
  REQUIRE(second.exitCode == 0);
  auto again = parseObject(second.out)->getArray("orgs")->getObject(0);
  CHECK(again->getValue<int>("exported") == exported);
  CHECK(again->getValue<int>("created") == 0);
  CHECK(fixture.simulator.incidents().size() == static_cast<size_t>(created));

  auto stats = runEvalbridge({"--config", config, "ledger", "stats", "--json"});
  REQUIRE(stats.exitCode == 0);
  auto org = parseObject(stats.out)->getObject(fixture.simulator.options().orgs[0].orgId);
  REQUIRE(org);
  CHECK(org->getValue<int>("exported") == exported);
  CHECK(org->getValue<int>("created") == created);
  CHECK(org->getValue<int>("skipped") == exported - created);

  auto list = runEvalbridge({"--config", config, "ledger", "list", "--status", "created", "--json"});
  REQUIRE(list.exitCode == 0);
  auto rows = Poco::JSON::Parser().parse(list.out).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(rows->size() == static_cast<size_t>(created));
  const std::string number = rows->getObject(0)->getValue<std::string>("incidentNumber");
  CHECK(number.rfind("INC", 0) == 0);

  auto show = runEvalbridge({"--config", config, "ledger", "show", number});
  CHECK(show.exitCode == 0);
  CHECK(show.out.find("status:         created") != std::string::npos);
  CHECK(show.out.find("intent-create") != std::string::npos);

  auto missing = runEvalbridge({"--config", config, "ledger", "show", "INC9999999"});
  CHECK(missing.exitCode == 1);
}

TEST_CASE("map previews incidents offline and explains skips") {
  BridgeFixture fixture;
  const std::string input = fixture.dir.file("evaluations.json");
  writeText(input, R"([
  {"id":"e-fail","agent":{"name":"Sam"},"queue":{"name":"Billing"},"evaluationForm":{"name":"F"},
   "answers":{"totalScore":45,"anyFailedKillQuestions":false}},
  {"id":"e-pass","agent":{"name":"Kim"},"queue":{"name":"Sales"},"evaluationForm":{"name":"F"},
   "answers":{"totalScore":95,"anyFailedKillQuestions":false}},
  {"id":"e-redacted","redacted":true,"answers":{"totalScore":0,"anyFailedKillQuestions":true}}
])");
  auto result = runEvalbridge({"map", "--mapping", fixture.dir.file("mapping.json"), "--input", input, "--json"});
  INFO(result.err);
  REQUIRE(result.exitCode == 0);
  auto root = parseObject(result.out);
  CHECK(root->getValue<int>("incidents") == 1);
  auto results = root->getArray("results");
  auto incident = results->getObject(0)->getObject("incident");
  CHECK(incident->getValue<std::string>("short_description") == "QA fail: Sam scored 45 on F");
  CHECK(incident->getValue<std::string>("urgency") == "1");
  CHECK(incident->getValue<std::string>("assignment_group") == "Billing QA");
  CHECK_FALSE(results->getObject(1)->getValue<bool>("matched"));
  CHECK(results->getObject(1)->getValue<std::string>("skipReason").find("95") != std::string::npos);
  // A redacted evaluation (the client may not see its content) is skipped, never mapped from the
  // blanks, with the reason and the fix; the sync decides it the same way.
  CHECK_FALSE(results->getObject(2)->getValue<bool>("matched"));
  CHECK_THAT(results->getObject(2)->getValue<std::string>("skipReason"),
             Catch::StartsWith("redacted: ") && Catch::Contains("quality:evaluation:view"));
  // No network: nothing reached the simulator.
  CHECK(fixture.simulator.requests().empty());
}

TEST_CASE("sync --once pulls incident state back, and ledger list --state resolved finds it") {
  BridgeFixture fixture;
  const std::string config = fixture.configPath();
  REQUIRE(runEvalbridge({"--config", config, "sync", "--once"}).exitCode == 0);
  auto incident = fixture.simulator.incidents().front();
  const std::string number = incident->getValue<std::string>("number");
  Poco::JSON::Object::Ptr resolve = new Poco::JSON::Object;
  resolve->set("state", "6");
  resolve->set("close_code", "Solved (Permanently)");
  fixture.simulator.updateIncident(incident->getValue<std::string>("sys_id"), resolve);

  auto none = runEvalbridge({"--config", config, "ledger", "list", "--state", "resolved", "--json"});
  REQUIRE(none.exitCode == 0);
  CHECK(Poco::JSON::Parser().parse(none.out).extract<Poco::JSON::Array::Ptr>()->size() == 0);

  auto second = runEvalbridge({"--config", config, "sync", "--once", "--json"});
  INFO(second.err);
  REQUIRE(second.exitCode == 0);
  auto state = parseObject(second.out)->getObject("incidentState");
  REQUIRE(state);
  CHECK(state->getValue<int>("applied") == 1);

  auto resolved = runEvalbridge({"--config", config, "ledger", "list", "--state", "resolved", "--json"});
  REQUIRE(resolved.exitCode == 0);
  auto rows = Poco::JSON::Parser().parse(resolved.out).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(rows->size() == 1);
  CHECK(rows->getObject(0)->getValue<std::string>("incidentNumber") == number);
  CHECK(rows->getObject(0)->getValue<std::string>("incidentStateName") == "Resolved");
  CHECK(rows->getObject(0)->getValue<std::string>("closeCode") == "Solved (Permanently)");
}

TEST_CASE("sync --once: the state pull retries a 503 and waits out a 429's Retry-After") {
  BridgeFixture fixture;
  const std::string config = fixture.configPath();
  REQUIRE(runEvalbridge({"--config", config, "sync", "--once"}).exitCode == 0);
  Poco::JSON::Object::Ptr resolve = new Poco::JSON::Object;
  resolve->set("state", "6");
  fixture.simulator.updateIncident(fixture.simulator.incidents().front()->getValue<std::string>("sys_id"), resolve);

  // Only reads are left for this cycle (nothing new to deliver): the state pull's. The first two
  // answer 503, the third 429 with Retry-After: 1.
  auto fault = [&](int status, const std::string& retryAfter, int count) {
    sim::FaultRule rule;
    rule.server = "servicenow";
    rule.method = "GET";
    rule.pathPrefix = "/api/now/table/incident";
    rule.kind = "status";
    rule.status = status;
    rule.retryAfter = retryAfter;
    rule.count = count;
    fixture.simulator.addFault(rule);
  };
  fault(503, "", 2);
  fault(429, "1", 1);
  fixture.simulator.clearRequests();
  auto second = runEvalbridge({"--config", config, "sync", "--once", "--json"});
  INFO(second.out << second.err);
  CHECK(second.exitCode == 0);
  auto state = parseObject(second.out)->getObject("incidentState");
  REQUIRE(state);
  CHECK(state->getValue<int>("applied") == 1);

  std::vector<evalbridge::sim::RecordedRequest> reads;
  for (const auto& r : fixture.simulator.requests())
    if (r.server == "servicenow" && r.method == "GET") reads.push_back(r);
  REQUIRE(reads.size() >= 4);
  CHECK(reads[0].status == 503);
  CHECK(reads[1].status == 503);
  CHECK(reads[2].status == 429);
  CHECK(reads[3].status == 200);
  CHECK(reads[3].time - reads[2].time >= 0.98);  // Retry-After is a floor (less clock jitter)
}

TEST_CASE("error messages on stderr never show a configured secret") {
  BridgeFixture fixture;
  // A mapping path that happens to contain the org's client secret: the error names the file,
  // with the secret masked.
  const std::string secret = fixture.simulator.options().orgs[0].clientSecret;
  replaceInFile(fixture.configPath(), "\"mapping\": \"mapping.json\"", "\"mapping\": \"" + secret + ".json\"");
  auto result = runEvalbridge({"--config", fixture.configPath(), "sync", "--once"});
  CHECK(result.exitCode == 2);
  CHECK(result.err.find("***.json") != std::string::npos);
  CHECK(result.err.find(secret) == std::string::npos);
}
