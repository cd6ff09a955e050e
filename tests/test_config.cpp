// Tests for src/config: loading, validation, error messages (file + key + problem), region
// resolution, ISO 8601 durations and secret redaction. Config files are written to a temp folder.
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "common/Errors.h"
#include "config/Config.h"
#include "config/Duration.h"
#include "config/Redaction.h"
#include "config/Regions.h"
#include "support/TempDir.h"

using namespace evalbridge;
using evalbridge::test::TempDir;

namespace {

// Sets environment variables for one test and restores them afterwards.
class Env {
 public:
  ~Env() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->had)
        ::setenv(it->name.c_str(), it->value.c_str(), 1);
      else
        ::unsetenv(it->name.c_str());
    }
  }
  void set(const std::string& name, const std::string& value) {
    remember(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    remember(name);
    ::unsetenv(name.c_str());
  }

 private:
  struct Saved {
    std::string name;
    bool had;
    std::string value;
  };
  void remember(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    saved_.push_back({name, v != nullptr, v != nullptr ? v : ""});
  }
  std::vector<Saved> saved_;
};

const std::string kOrgSecret = "org-secret-Zq81";
const std::string kSnPassword = "sn-pass-Wx77";
const std::string kWebhookSecret = "webhook-secret-Kp55";

// The SPEC section 3 example, plus a second org; `org0Extra` is spliced into the first org and
// `snExtra` into servicenow, for tests that vary one thing.
std::string specConfig(const std::string& org0Extra = "", const std::string& snExtra = "") {
  return R"({
  "comment": "test configuration",
  "ledger": { "path": "evalbridge.db" },
  "genesys": {
    "orgs": [
      {
        "name": "acme-us",
        "orgId": "8c7d8a7e-1111-2222-3333-444455556666",
        "region": "us-east-1",
        "clientId": "client-us",
        "clientSecret": "${env:EBT_ACME_US_SECRET}",
        "mapping": "mappings/qa-failures.json",
        "startFrom": "2026-11-01T00:00:00Z")" +
         org0Extra + R"(
      },
      {
        "name": "acme-eu",
        "orgId": "9d8e9b8f-1111-2222-3333-444455556666",
        "region": "mypurecloud.ie",
        "clientId": "client-eu",
        "clientSecret": "${file:secrets/eu-secret}",
        "mapping": "/etc/evalbridge/eu.json",
        "source": "analytics",
        "intervalS": 120
      }
    ],
    "export": { "maxWindow": "PT24H", "overlap": "PT10M", "pollInitialMs": 500, "pollMaxMs": 30000,
                "jobTimeoutS": 1800, "maxResubmits": 3 }
  },
  "sync": { "intervalS": 300, "pullIntervalS": 60 },
  "servicenow": {
    "instanceUrl": "https://acme.service-now.com/",
    "table": "incident",
    "auth": { "type": "basic", "username": "svc_evalbridge", "password": "${env:EBT_SN_PASSWORD}" },
    "maxConcurrency": 8,
    "maxRequestsPerSecond": 20,
    "retry": { "maxAttempts": 10, "initialMs": 500, "maxMs": 60000, "maxElapsedS": 900 },
    "timeoutMs": 30000)" +
         snExtra + R"(
  },
  "server": { "listen": "127.0.0.1:8089", "webhookSecret": "${env:EBT_WEBHOOK_SECRET}" }
})";
}

// A folder with the spec config, its ${file:} secret and the env vars it needs.
struct Fixture {
  TempDir dir;
  Env env;
  Fixture() {
    env.set("EBT_ACME_US_SECRET", kOrgSecret);
    env.set("EBT_SN_PASSWORD", kSnPassword);
    env.set("EBT_WEBHOOK_SECRET", kWebhookSecret);
    dir.write("secrets/eu-secret", "eu-file-secret\n");
  }
  std::string write(const std::string& json) const { return dir.write("evalbridge.json", json); }
};

// The ConfigError message loadConfig throws for `json` (fails the test when it does not throw).
std::string errorFor(const Fixture& fx, const std::string& json) {
  const std::string path = fx.write(json);
  try {
    loadConfig(path);
  } catch (const ConfigError& e) {
    for (const auto& secret : {kOrgSecret, kSnPassword, kWebhookSecret, std::string("eu-file-secret")})
      CHECK_THAT(e.message(), !Catch::Contains(secret));
    return e.message();
  }
  FAIL("expected a ConfigError for:\n" << json);
  return {};
}

std::string replaceOnce(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

// ================================ full round trip ================================

TEST_CASE("the SPEC example loads into the typed structs", "[config]") {
  Fixture fx;
  const std::string path = fx.write(specConfig());
  const Config c = loadConfig(path);
  const std::string dir = Poco::Path(fx.dir.path() + "/").toString();

  CHECK(c.sourceFile == path);
  CHECK(c.ledgerPath == fx.dir.file("evalbridge.db"));
  REQUIRE(c.orgs.size() == 2);

  const OrgSettings& us = c.orgs[0];
  CHECK(us.name == "acme-us");
  CHECK(us.orgId == "8c7d8a7e-1111-2222-3333-444455556666");
  CHECK(us.region == "us-east-1");
  CHECK(us.apiBase == "https://api.mypurecloud.com");
  CHECK(us.loginBase == "https://login.mypurecloud.com");
  CHECK(us.clientId == "client-us");
  CHECK(us.clientSecret == kOrgSecret);
  CHECK(us.mappingPath == fx.dir.file("mappings/qa-failures.json"));
  CHECK(us.startFrom == "2026-11-01T00:00:00Z");
  CHECK(us.source == "search");
  CHECK_FALSE(us.intervalS);
  CHECK(us.caFile.empty());
  CHECK(us.timeoutMs == 30000);
  CHECK(us.retry.maxAttempts == 10);
  CHECK(us.exportSettings.maxWindowS == 86400);

  const OrgSettings& eu = c.orgs[1];
  CHECK(eu.region == "mypurecloud.ie");
  CHECK(eu.apiBase == "https://api.mypurecloud.ie");
  CHECK(eu.loginBase == "https://login.mypurecloud.ie");
  CHECK(eu.clientSecret == "eu-file-secret");  // ${file:} relative to the config, newline trimmed
  CHECK(eu.mappingPath == "/etc/evalbridge/eu.json");
  CHECK(eu.source == "analytics");
  REQUIRE(eu.intervalS);
  CHECK(*eu.intervalS == 120);
  CHECK(eu.startFrom.empty());

  CHECK(c.exportSettings.maxWindowS == 24 * 3600);
  CHECK(c.exportSettings.overlapS == 600);
  CHECK(c.exportSettings.pollInitialMs == 500);
  CHECK(c.exportSettings.pollMaxMs == 30000);
  CHECK(c.exportSettings.jobTimeoutS == 1800);
  CHECK(c.exportSettings.maxResubmits == 3);
  CHECK(c.exportSettings.pageSize == 100);
  CHECK(c.exportSettings.statusPath == "/api/v2/quality/exports/{id}");

  CHECK(c.sync.intervalS == 300);
  CHECK(c.sync.pullIntervalS == 60);
  CHECK(c.sync.maxConcurrentOrgs == 16);

  CHECK(c.servicenow.instanceUrl == "https://acme.service-now.com");  // trailing slash dropped
  CHECK(c.servicenow.table == "incident");
  CHECK(c.servicenow.auth.type == "basic");
  CHECK(c.servicenow.auth.username == "svc_evalbridge");
  CHECK(c.servicenow.auth.password == kSnPassword);
  CHECK(c.servicenow.maxConcurrency == 8);
  CHECK(c.servicenow.maxRequestsPerSecond == 20);
  CHECK(c.servicenow.retry.maxAttempts == 10);
  CHECK(c.servicenow.retry.initialMs == 500);
  CHECK(c.servicenow.retry.maxMs == 60000);
  CHECK(c.servicenow.retry.maxElapsedS == 900);
  CHECK(c.servicenow.timeoutMs == 30000);
  CHECK(c.servicenow.inputDisplayValue);

  CHECK(c.server.listenHost == "127.0.0.1");
  CHECK(c.server.listenPort == 8089);
  CHECK(c.server.webhookSecret == kWebhookSecret);

  REQUIRE(c.findOrg("acme-eu") != nullptr);
  CHECK(c.findOrg("acme-eu")->orgId == "9d8e9b8f-1111-2222-3333-444455556666");
  CHECK(c.findOrg("nope") == nullptr);
}

TEST_CASE("a minimal config gets the documented defaults", "[config]") {
  TempDir dir;
  const std::string path = dir.write("min.json", R"({
    "genesys": { "orgs": [ { "name": "a", "orgId": "o-1", "region": "eu-central-1", "clientId": "c",
                             "clientSecret": "s", "mapping": "m.json" } ] },
    "servicenow": { "instanceUrl": "http://127.0.0.1:9000",
                    "auth": { "type": "oauth", "clientId": "snc", "clientSecret": "sns" } }
  })");
  const Config c = loadConfig(path);
  CHECK(c.ledgerPath == dir.file("evalbridge.db"));
  CHECK(c.orgs[0].apiBase == "https://api.mypurecloud.de");
  CHECK(c.orgs[0].retry.maxAttempts == 10);
  CHECK(c.orgs[0].retry.maxElapsedS == 900);
  CHECK(c.exportSettings.maxWindowS == 86400);
  CHECK(c.exportSettings.overlapS == 600);
  CHECK(c.orgs[0].source == "search");
  CHECK(c.orgs[0].notifications);
  CHECK(c.orgs[0].search.dateField == "submittedDate");
  CHECK(c.orgs[0].search.pageSize == 100);
  CHECK(c.orgs[0].search.maxResults == 10000);
  // maxWindow not set: windows of up to 30 days over quiet stretches, one day over busy ones.
  CHECK(c.orgs[0].sweepFirstWindowS() == 86400);
  CHECK(c.orgs[0].sweepWindowS() == 30 * 86400);
  CHECK(c.orgs[0].sweepOverlapS() == 600);
  CHECK(c.sync.intervalS == 300);
  CHECK(c.servicenow.table == "incident");
  CHECK(c.servicenow.auth.grant == "client_credentials");
  CHECK(c.servicenow.auth.tokenUrl == "http://127.0.0.1:9000/oauth_token.do");
  CHECK(c.servicenow.maxConcurrency == 8);
  CHECK(c.server.listenHost == "127.0.0.1");
  CHECK(c.server.listenPort == 8089);
  CHECK(c.server.webhookSecret.empty());
}

TEST_CASE("apiBase/loginBase override the region, without a region both are needed", "[config]") {
  Fixture fx;
  SECTION("override wins over the region") {
    const Config c = loadConfig(fx.write(specConfig(R"(,
        "apiBase": "http://127.0.0.1:18080/",
        "loginBase": "http://localhost:18080/login")")));
    CHECK(c.orgs[0].apiBase == "http://127.0.0.1:18080");
    CHECK(c.orgs[0].loginBase == "http://localhost:18080/login");
    CHECK(c.orgs[0].region == "us-east-1");
  }
  SECTION("no region, both bases") {
    std::string json =
        replaceOnce(specConfig(), R"("region": "us-east-1",)",
                    R"("apiBase": "https://api.example.test", "loginBase": "https://login.example.test",)");
    const Config c = loadConfig(fx.write(json));
    CHECK(c.orgs[0].apiBase == "https://api.example.test");
    CHECK(c.orgs[0].loginBase == "https://login.example.test");
    CHECK(c.orgs[0].region.empty());
  }
  SECTION("no region, only apiBase") {
    std::string json =
        replaceOnce(specConfig(), R"("region": "us-east-1",)", R"("apiBase": "https://api.example.test",)");
    CHECK(errorFor(fx, json) == fx.dir.file("evalbridge.json") +
                                    ": genesys.orgs[0].region: required key is missing (or set both apiBase and "
                                    "loginBase; loginBase is missing)");
  }
  SECTION("an http:// override to a remote host is rejected") {
    CHECK(errorFor(fx, specConfig(R"(, "apiBase": "http://api.example.test")")) ==
          fx.dir.file("evalbridge.json") +
              ": genesys.orgs[0].apiBase: http:// is only allowed for loopback hosts (127.0.0.0/8, localhost, ::1); "
              "use https:// for api.example.test");
  }
  SECTION("org-level retry, timeout and caFile; genesys-level defaults") {
    fx.dir.write("ca/bundle.pem", "-----BEGIN CERTIFICATE-----\n");
    std::string json = replaceOnce(
        specConfig(R"(, "retry": { "maxAttempts": 3 }, "timeoutMs": 5000, "caFile": "ca/bundle.pem")"),
        R"("export": {)", R"("retry": { "maxAttempts": 4, "initialMs": 250 }, "timeoutMs": 7000, "export": {)");
    const Config c = loadConfig(fx.write(json));
    CHECK(c.orgs[0].retry.maxAttempts == 3);
    CHECK(c.orgs[0].retry.initialMs == 250);  // from genesys.retry
    CHECK(c.orgs[0].timeoutMs == 5000);
    CHECK(c.orgs[0].caFile == fx.dir.file("ca/bundle.pem"));
    CHECK(c.orgs[1].retry.maxAttempts == 4);
    CHECK(c.orgs[1].timeoutMs == 7000);
    CHECK(c.orgs[1].caFile.empty());
  }
}

// ================================ error messages ================================

TEST_CASE("a missing environment variable names the key, never yields an empty secret", "[config][errors]") {
  Fixture fx;
  fx.env.unset("EBT_ACME_US_SECRET");
  CHECK(errorFor(fx, specConfig()) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.orgs[0].clientSecret: environment variable EBT_ACME_US_SECRET is not set");
  fx.env.set("EBT_ACME_US_SECRET", "");
  CHECK(errorFor(fx, specConfig()) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.orgs[0].clientSecret: environment variable EBT_ACME_US_SECRET is empty");
}

TEST_CASE("${file:} errors name the key and the resolved file", "[config][errors]") {
  Fixture fx;
  Poco::File(fx.dir.file("secrets/eu-secret")).remove();
  CHECK(errorFor(fx, specConfig()) == fx.dir.file("evalbridge.json") + ": genesys.orgs[1].clientSecret: file '" +
                                          fx.dir.file("secrets/eu-secret") + "' (from ${file:...}) does not exist");
  fx.dir.write("secrets/eu-secret", "\n");
  CHECK(errorFor(fx, specConfig()) == fx.dir.file("evalbridge.json") + ": genesys.orgs[1].clientSecret: file '" +
                                          fx.dir.file("secrets/eu-secret") + "' (from ${file:...}) is empty");
}

TEST_CASE("substitution must be the whole value, unknown kinds are rejected", "[config][errors]") {
  Fixture fx;
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("client-us")", R"("id-${env:EBT_ACME_US_SECRET}")")) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.orgs[0].clientId: a ${env:NAME} or ${file:PATH} reference must be the whole value");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("${env:EBT_ACME_US_SECRET}")", R"("${vault:x}")")) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.orgs[0].clientSecret: unknown substitution (use ${env:NAME} or ${file:PATH})");
}

TEST_CASE("substitution works for numbers and booleans too", "[config]") {
  Fixture fx;
  fx.env.set("EBT_CONCURRENCY", "12");
  fx.env.set("EBT_DISPLAY", "false");
  const Config c = loadConfig(fx.write(specConfig("", R"(, "inputDisplayValue": "${env:EBT_DISPLAY}")")));
  CHECK_FALSE(c.servicenow.inputDisplayValue);
  const Config d = loadConfig(
      fx.write(replaceOnce(specConfig(), R"("maxConcurrency": 8)", R"("maxConcurrency": "${env:EBT_CONCURRENCY}")")));
  CHECK(d.servicenow.maxConcurrency == 12);
}

TEST_CASE("http:// to a remote ServiceNow is rejected with file and key", "[config][errors]") {
  Fixture fx;
  CHECK(errorFor(fx, replaceOnce(specConfig(), "https://acme.service-now.com/", "http://acme.service-now.com")) ==
        fx.dir.file("evalbridge.json") +
            ": servicenow.instanceUrl: http:// is only allowed for loopback hosts (127.0.0.0/8, localhost, ::1); use "
            "https:// for acme.service-now.com");
  CHECK_NOTHROW(loadConfig(fx.write(replaceOnce(specConfig(), "https://acme.service-now.com/", "http://[::1]:9000"))));
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), "https://acme.service-now.com/", "ftp://acme.service-now.com")),
             Catch::StartsWith(fx.dir.file("evalbridge.json") + ": servicenow.instanceUrl: unsupported scheme 'ftp'"));
}

TEST_CASE("an unknown region lists the valid names", "[config][errors]") {
  Fixture fx;
  const std::string message = errorFor(fx, replaceOnce(specConfig(), R"("us-east-1")", R"("mars-north-1")"));
  CHECK(message == fx.dir.file("evalbridge.json") +
                       ": genesys.orgs[0].region: unknown region 'mars-north-1'; use one of: " + regionNamesList() +
                       " (or its domain, e.g. mypurecloud.ie)");
  for (const auto& region : genesysRegions()) CHECK_THAT(message, Catch::Contains(region.name));
}

TEST_CASE("unknown keys are named, with a suggestion", "[config][errors]") {
  Fixture fx;
  CHECK_THAT(errorFor(fx, specConfig(R"(, "clinetId": "x")")),
             Catch::StartsWith(
                 fx.dir.file("evalbridge.json") +
                 ": genesys.orgs[0].clinetId: unknown key (did you mean 'clientId'?); allowed here: name, orgId,"));
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), R"("sync": {)", R"("sink": {}, "sync": {)")),
             Catch::StartsWith(fx.dir.file("evalbridge.json") + ": sink: unknown key (did you mean 'sync'?)"));
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), R"("maxResubmits": 3)", R"("maxResubmits": 3, "pollMax": 1)")),
             Catch::StartsWith(fx.dir.file("evalbridge.json") + ": genesys.export.pollMax: unknown key"));
  CHECK_THAT(
      errorFor(fx, replaceOnce(specConfig(), R"("maxElapsedS": 900)", R"("maxElapsedS": 900, "jitter": true)")),
      Catch::StartsWith(fx.dir.file("evalbridge.json") + ": servicenow.retry.jitter: unknown key; allowed here: "));
  // comments are allowed anywhere
  CHECK_NOTHROW(loadConfig(fx.write(specConfig(R"(, "_comment": "the US org")", R"(, "comment": "prod")"))));
}

TEST_CASE("duplicate org names and orgIds are rejected", "[config][errors]") {
  Fixture fx;
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("name": "acme-eu")", R"("name": "ACME-us")")) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.orgs[1].name: duplicate org name 'ACME-us' (also genesys.orgs[0].name)");
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), "9d8e9b8f-", "8c7d8a7e-")),
             Catch::StartsWith(fx.dir.file("evalbridge.json") + ": genesys.orgs[1].orgId: duplicate orgId"));
}

TEST_CASE("a duplicate JSON key is an error naming its path", "[config][errors]") {
  Fixture fx;
  CHECK(errorFor(fx, specConfig(R"(, "clientId": "again")")) ==
        fx.dir.file("evalbridge.json") + ": genesys.orgs[0].clientId: duplicate key (each key may appear only once)");
}

TEST_CASE("durations are strict ISO 8601", "[config][errors]") {
  Fixture fx;
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("PT24H")", R"("24h")")) ==
        fx.dir.file("evalbridge.json") +
            ": genesys.export.maxWindow: '24h' is not an ISO 8601 duration (examples: PT24H, PT10M, PT90S, P1D, "
            "P1DT12H)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("PT10M")", R"("PT24H")")) ==
        fx.dir.file("evalbridge.json") + ": genesys.export.overlap: must be shorter than maxWindow (86400 s)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("PT24H")", R"(24)")) ==
        fx.dir.file("evalbridge.json") + ": genesys.export.maxWindow: must be a string (got an integer)");
  const Config c = loadConfig(
      fx.write(replaceOnce(replaceOnce(specConfig(), R"("PT24H")", R"("P1DT12H")"), R"("PT10M")", R"("PT90S")")));
  CHECK(c.exportSettings.maxWindowS == 36 * 3600);
  CHECK(c.exportSettings.overlapS == 90);
}

TEST_CASE("parseIsoDurationSeconds", "[config]") {
  CHECK(parseIsoDurationSeconds("PT24H") == 86400);
  CHECK(parseIsoDurationSeconds("PT10M") == 600);
  CHECK(parseIsoDurationSeconds("P1D") == 86400);
  CHECK(parseIsoDurationSeconds("PT90S") == 90);
  CHECK(parseIsoDurationSeconds("P1DT2H3M4S") == 86400 + 7200 + 180 + 4);
  CHECK(parseIsoDurationSeconds("P2W") == 14 * 86400);
  CHECK(parseIsoDurationSeconds("PT0S") == 0);
  for (const char* bad : {"", "P", "PT", "P1DT", "24h", "PT1.5H", "P1M", "P1Y", "PT1H1H", "PT1S1M", "P1W1D", "pt1h",
                          "PT-1H", "T1H", "P1H", "PT1D", " PT1H", "PT99999999999999H"})
    CHECK_FALSE(parseIsoDurationSeconds(bad));
}

TEST_CASE("integers: type and range errors name the key", "[config][errors]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxConcurrency": 8)", R"("maxConcurrency": 0)")) ==
        file + ": servicenow.maxConcurrency: must be an integer from 1 to 256 (got 0)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxConcurrency": 8)", R"("maxConcurrency": 257)")) ==
        file + ": servicenow.maxConcurrency: must be an integer from 1 to 256 (got 257)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxConcurrency": 8)", R"("maxConcurrency": 2.5)")) ==
        file + ": servicenow.maxConcurrency: must be an integer from 1 to 256 (got a number)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxConcurrency": 8)", R"("maxConcurrency": "8")")) ==
        file + ": servicenow.maxConcurrency: must be an integer from 1 to 256 (got a string)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("pullIntervalS": 60)", R"("pullIntervalS": 60, "maxConcurrentOrgs": 0)")) ==
        file + ": sync.maxConcurrentOrgs: must be an integer from 1 to 1024 (got 0)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("source": "analytics")", R"("source": "analytics", "notifications": "yes")")) ==
        file + ": genesys.orgs[1].notifications: must be true or false (got a string)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("intervalS": 300)", R"("intervalS": -5)")) ==
        file + ": sync.intervalS: must be an integer from 1 to 604800 (got -5)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxAttempts": 10)", R"("maxAttempts": true)")) ==
        file + ": servicenow.retry.maxAttempts: must be an integer from 1 to 100 (got true/false)");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("maxMs": 60000)", R"("maxMs": 100)")) ==
        file + ": servicenow.retry.maxMs: must be at least initialMs (500)");
}

TEST_CASE("secrets are never echoed, even when they have the wrong type", "[config][errors]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  std::string message = errorFor(fx, replaceOnce(specConfig(), R"("${env:EBT_ACME_US_SECRET}")", "918273645"));
  CHECK(message == file + ": genesys.orgs[0].clientSecret: must be a string (got an integer)");
  CHECK_THAT(message, !Catch::Contains("918273645"));
  message = errorFor(fx, replaceOnce(specConfig(), R"("${env:EBT_SN_PASSWORD}")", R"({"pw": "hunter2-literal"})"));
  CHECK(message == file + ": servicenow.auth.password: must be a string (got an object)");
  CHECK_THAT(message, !Catch::Contains("hunter2"));
}

TEST_CASE("required keys and sections", "[config][errors]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("clientId": "client-us",)", "")) ==
        file + ": genesys.orgs[0].clientId: required key is missing");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("mapping": "mappings/qa-failures.json",)", "")) ==
        file + ": genesys.orgs[0].mapping: required key is missing");
  CHECK(errorFor(fx, R"({"genesys": {"orgs": []}, "servicenow": {}})") ==
        file + ": genesys.orgs: must list at least one org");
  CHECK(errorFor(fx, R"({"servicenow": {}})") == file + ": genesys: required section is missing");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("instanceUrl": "https://acme.service-now.com/",)", "")) ==
        file + ": servicenow.instanceUrl: required key is missing");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("clientId": "client-us")", R"("clientId": "")")) ==
        file + ": genesys.orgs[0].clientId: must not be empty");
  CHECK(errorFor(fx, "[1, 2]") == file + ": the configuration must be a JSON object (got an array)");
}

TEST_CASE("a missing or non-JSON file names the file", "[config][errors]") {
  TempDir dir;
  const std::string missing = dir.file("nope.json");
  try {
    loadConfig(missing);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.message() == missing + ": cannot read configuration file: no such file");
  }
  const std::string broken = dir.write("broken.json", "{\n  \"genesys\": {,\n}\n");
  try {
    loadConfig(broken);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.message(), Catch::StartsWith(broken + ": not valid JSON: "));
  }
  const std::string truncated = dir.write("truncated.json", "{\"genesys\": [1, 2");
  CHECK_THROWS_AS(loadConfig(truncated), ConfigError);
  const std::string empty = dir.write("empty.json", "");
  CHECK_THROWS_AS(loadConfig(empty), ConfigError);
  CHECK_THROWS_AS(loadConfig(dir.path()), ConfigError);
}

TEST_CASE("startFrom is normalized to UTC, a missing zone or bad date is an error", "[config]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  auto startFrom = [&](const std::string& value) {
    return loadConfig(fx.write(replaceOnce(specConfig(), "2026-11-01T00:00:00Z", value))).orgs[0].startFrom;
  };
  CHECK(startFrom("2026-11-01T02:30:00+02:00") == "2026-11-01T00:30:00Z");
  CHECK(startFrom("2026-10-31T22:00:00-0300") == "2026-11-01T01:00:00Z");
  CHECK(startFrom("2026-11-01T00:00:00.250Z") == "2026-11-01T00:00:00Z");
  CHECK(startFrom("2026-11-01") == "2026-11-01T00:00:00Z");
  for (const char* bad : {"2026-11-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday",
                          "2026-11-01T00:00:00Z junk", "2026-11-01T25:00:00Z"}) {
    CHECK(
        errorFor(fx, replaceOnce(specConfig(), "2026-11-01T00:00:00Z", bad)) ==
        file + ": genesys.orgs[0].startFrom: '" + bad +
            "' is not an ISO 8601 date-time with a time zone (e.g. 2026-11-01T00:00:00Z or 2026-11-01T02:00:00+02:00)");
  }
}

TEST_CASE("org source, name and table validation", "[config][errors]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("analytics")", R"("api")")) ==
        file + ": genesys.orgs[1].source: 'api' must be \"search\", \"analytics\" or \"export\"");
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), R"("acme-us")", R"("acme us")")),
             Catch::StartsWith(file + ": genesys.orgs[0].name: 'acme us' must be 1-64 letters"));
  CHECK_THAT(errorFor(fx, replaceOnce(specConfig(), R"("table": "incident")", R"("table": "incident?x=1")")),
             Catch::StartsWith(file + ": servicenow.table: "));
}

TEST_CASE("ServiceNow auth variants", "[config]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  const std::string basic =
      R"("auth": { "type": "basic", "username": "svc_evalbridge", "password": "${env:EBT_SN_PASSWORD}" })";
  auto withAuth = [&](const std::string& auth) { return replaceOnce(specConfig(), basic, auth); };

  SECTION("oauth password grant with a custom token URL") {
    const Config c = loadConfig(fx.write(withAuth(
        R"("auth": { "type": "oauth", "grant": "password", "clientId": "id", "clientSecret": "${env:EBT_SN_PASSWORD}",
                     "username": "u", "password": "p", "tokenUrl": "https://login.example.test/token" })")));
    CHECK(c.servicenow.auth.type == "oauth");
    CHECK(c.servicenow.auth.grant == "password");
    CHECK(c.servicenow.auth.clientSecret == kSnPassword);
    CHECK(c.servicenow.auth.username == "u");
    CHECK(c.servicenow.auth.tokenUrl == "https://login.example.test/token");
  }
  SECTION("oauth client_credentials defaults the token URL") {
    const Config c =
        loadConfig(fx.write(withAuth(R"("auth": { "type": "oauth", "clientId": "id", "clientSecret": "s" })")));
    CHECK(c.servicenow.auth.grant == "client_credentials");
    CHECK(c.servicenow.auth.tokenUrl == "https://acme.service-now.com/oauth_token.do");
  }
  SECTION("errors") {
    CHECK(errorFor(
              fx,
              withAuth(R"("auth": { "type": "oauth", "grant": "password", "clientId": "id", "clientSecret": "s" })")) ==
          file + ": servicenow.auth.username: required key is missing");
    CHECK(errorFor(
              fx, withAuth(R"("auth": { "type": "oauth", "clientId": "id", "clientSecret": "s", "username": "u" })")) ==
          file + ": servicenow.auth.username: only used with \"grant\": \"password\"");
    CHECK(errorFor(
              fx,
              withAuth(R"("auth": { "type": "oauth", "clientId": "id", "clientSecret": "s", "grant": "implicit" })")) ==
          file + ": servicenow.auth.grant: 'implicit' must be \"client_credentials\" or \"password\"");
    CHECK(errorFor(fx, withAuth(R"("auth": { "type": "token" })")) ==
          file + ": servicenow.auth.type: 'token' must be \"basic\" or \"oauth\"");
    CHECK_THAT(
        errorFor(fx, withAuth(R"("auth": { "type": "basic", "username": "u", "password": "p", "clientId": "x" })")),
        Catch::StartsWith(file + ": servicenow.auth.clientId: unknown key"));
    CHECK(errorFor(fx, withAuth(R"("auth": { "type": "basic", "username": "u" })")) ==
          file + ": servicenow.auth.password: required key is missing");
    CHECK_THAT(
        errorFor(
            fx,
            withAuth(
                R"("auth": { "type": "oauth", "clientId": "id", "clientSecret": "s", "tokenUrl": "http://login.example.test/t" })")),
        Catch::StartsWith(file + ": servicenow.auth.tokenUrl: http:// is only allowed for loopback hosts"));
  }
}

TEST_CASE("server.listen", "[config]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  auto listen = [&](const std::string& value) {
    return loadConfig(fx.write(replaceOnce(specConfig(), "127.0.0.1:8089", value))).server;
  };
  CHECK(listen("0.0.0.0:9000").listenHost == "0.0.0.0");
  CHECK(listen("0.0.0.0:9000").listenPort == 9000);
  CHECK(listen("[::1]:8089").listenHost == "::1");
  CHECK(listen("localhost:0").listenPort == 0);
  CHECK(errorFor(fx, replaceOnce(specConfig(), "127.0.0.1:8089", "8089")) ==
        file + ": server.listen: '8089' must be host:port, e.g. 127.0.0.1:8089");
  CHECK(errorFor(fx, replaceOnce(specConfig(), "127.0.0.1:8089", "127.0.0.1:70000")) ==
        file + ": server.listen: '127.0.0.1:70000' needs a port from 0 to 65535");
  CHECK(errorFor(fx, replaceOnce(specConfig(), "127.0.0.1:8089", ":8089")) ==
        file + ": server.listen: ':8089' has no host (use 0.0.0.0:PORT to listen on every interface)");
}

TEST_CASE("per-org writeBack and server.maxBodyBytes", "[config]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  const Config plain = loadConfig(fx.write(specConfig()));
  CHECK(plain.orgs[0].writeBackDatatableId.empty());
  CHECK(plain.server.maxBodyBytes == 64 * 1024);

  const Config with = loadConfig(fx.write(replaceOnce(specConfig(R"(, "writeBack": { "datatableId": "dt-0042" })"),
                                                      R"("webhookSecret")", R"("maxBodyBytes": 4096, "webhookSecret")")));
  CHECK(with.orgs[0].writeBackDatatableId == "dt-0042");
  CHECK(with.orgs[1].writeBackDatatableId.empty());
  CHECK(with.server.maxBodyBytes == 4096);

  CHECK(errorFor(fx, specConfig(R"(, "writeBack": {})")) ==
        file + ": genesys.orgs[0].writeBack.datatableId: required key is missing");
  CHECK(errorFor(fx, specConfig(R"(, "writeBack": { "datatableId": "a/b" })")) ==
        file + ": genesys.orgs[0].writeBack.datatableId: 'a/b' must be a data table id (letters, digits, '-')");
  CHECK_THAT(errorFor(fx, specConfig(R"(, "writeBack": { "tableId": "x" })")),
             Catch::StartsWith(file + ": genesys.orgs[0].writeBack.tableId: unknown key"));
  CHECK(errorFor(fx, replaceOnce(specConfig(), R"("webhookSecret")", R"("maxBodyBytes": 10, "webhookSecret")")) ==
        file + ": server.maxBodyBytes: must be an integer from 1024 to 16777216 (got 10)");
}

TEST_CASE("genesys.search: date field, window of at most P90D, page size at most 100", "[config]") {
  Fixture fx;
  const std::string file = fx.dir.file("evalbridge.json");
  auto withSearch = [](const std::string& search) {
    return replaceOnce(specConfig(), R"("export": {)", R"("search": )" + search + R"(, "export": {)");
  };
  const Config c = loadConfig(fx.write(withSearch(
      R"({ "dateField": "releaseDate", "maxWindow": "P90D", "overlap": "PT1H", "pageSize": 50, "maxResults": 5000 })")));
  CHECK(c.search.dateField == "releaseDate");
  CHECK(c.orgs[0].search.maxWindowS == 90 * 86400);
  CHECK(c.orgs[0].sweepWindowS() == 90 * 86400);  // org 0 uses the default source, search
  CHECK(c.orgs[0].sweepFirstWindowS() == 90 * 86400);  // set: every window is that long
  CHECK(c.orgs[0].sweepOverlapS() == 3600);
  CHECK(c.orgs[1].sweepWindowS() == c.exportSettings.maxWindowS);  // org 1 is an analytics org
  CHECK(c.orgs[0].search.pageSize == 50);
  CHECK(c.orgs[0].search.maxResults == 5000);

  CHECK(errorFor(fx, withSearch(R"({ "dateField": "changedDate" })")) ==
        file + ": genesys.search.dateField: 'changedDate' must be \"submittedDate\", \"releaseDate\", "
               "\"createdDate\" or \"conversationDate\"");
  CHECK_THAT(errorFor(fx, withSearch(R"({ "maxWindow": "P91D" })")), Catch::StartsWith(file + ": genesys.search.maxWindow: "));
  // Without maxWindow a busy stretch is read in one-day windows: the overlap must be shorter.
  CHECK(errorFor(fx, withSearch(R"({ "overlap": "P1D" })")) ==
        file + ": genesys.search.overlap: must be shorter than a busy stretch's windows (86400 s when maxWindow is "
               "not set; set maxWindow for longer windows)");
  CHECK(loadConfig(fx.write(withSearch(R"({ "overlap": "P2D", "maxWindow": "P3D" })"))).orgs[0].sweepFirstWindowS() ==
        3 * 86400);
  // A maxWindow shorter than a day: every window is that long.
  CHECK(loadConfig(fx.write(withSearch(R"({ "maxWindow": "PT6H" })"))).orgs[0].sweepFirstWindowS() == 6 * 3600);
  CHECK_THAT(errorFor(fx, withSearch(R"({ "pageSize": 101 })")), Catch::StartsWith(file + ": genesys.search.pageSize: "));
  CHECK_THAT(errorFor(fx, withSearch(R"({ "sortBy": "x" })")), Catch::StartsWith(file + ": genesys.search.sortBy: unknown key"));
}

TEST_CASE("relative paths resolve against the config file's folder, not the working directory", "[config]") {
  Fixture fx;
  const std::string json = replaceOnce(specConfig(), R"("path": "evalbridge.db")", R"("path": "data/ledger.db")");
  const std::string path = fx.write(json);
  const Config c = loadConfig(path);
  CHECK(c.ledgerPath == fx.dir.file("data/ledger.db"));
  CHECK(Poco::Path(c.ledgerPath).isAbsolute());
  CHECK(Poco::Path(c.orgs[0].mappingPath).isAbsolute());
  const std::string caMissing = errorFor(fx, specConfig("", R"(, "caFile": "certs/ca.pem")"));
  CHECK(caMissing == fx.dir.file("evalbridge.json") + ": servicenow.caFile: file '" + fx.dir.file("certs/ca.pem") +
                         "' does not exist");
}

TEST_CASE("defaultConfigPath", "[config]") {
  Env env;
  env.unset("EVALBRIDGE_CONFIG");
  CHECK(defaultConfigPath() == "./evalbridge.json");
  env.set("EVALBRIDGE_CONFIG", "/etc/evalbridge/prod.json");
  CHECK(defaultConfigPath() == "/etc/evalbridge/prod.json");
}

// ================================ regions ================================

TEST_CASE("regions resolve by name or domain", "[config][regions]") {
  REQUIRE(genesysRegions().size() == 18);
  const std::vector<std::pair<std::string, std::string>> expected = {{"us-east-1", "mypurecloud.com"},
                                                                     {"us-east-2", "use2.us-gov-pure.cloud"},
                                                                     {"us-west-2", "usw2.pure.cloud"},
                                                                     {"ca-central-1", "cac1.pure.cloud"},
                                                                     {"sa-east-1", "sae1.pure.cloud"},
                                                                     {"mx-central-1", "mxc1.pure.cloud"},
                                                                     {"eu-west-1", "mypurecloud.ie"},
                                                                     {"eu-west-2", "euw2.pure.cloud"},
                                                                     {"eu-central-1", "mypurecloud.de"},
                                                                     {"eu-central-2", "euc2.pure.cloud"},
                                                                     {"eusc-de-east-1", "edee1.eusc-pure.cloud"},
                                                                     {"me-central-1", "mec1.pure.cloud"},
                                                                     {"ap-south-1", "aps1.pure.cloud"},
                                                                     {"ap-southeast-1", "apse1.pure.cloud"},
                                                                     {"ap-southeast-2", "mypurecloud.com.au"},
                                                                     {"ap-northeast-1", "mypurecloud.jp"},
                                                                     {"ap-northeast-2", "apne2.pure.cloud"},
                                                                     {"ap-northeast-3", "apne3.pure.cloud"}};
  for (const auto& [name, domain] : expected) {
    const auto byName = resolveRegion(name);
    REQUIRE(byName);
    CHECK(byName->domain == domain);
    const auto byDomain = resolveRegion(domain);
    REQUIRE(byDomain);
    CHECK(byDomain->name == name);
  }
  CHECK(resolveRegion("EU-WEST-1")->domain == "mypurecloud.ie");
  CHECK(resolveRegion(" mypurecloud.de. ")->name == "eu-central-1");
  CHECK_FALSE(resolveRegion(""));
  CHECK_FALSE(resolveRegion("us-east-3"));
  CHECK_FALSE(resolveRegion("api.mypurecloud.com"));
  CHECK_FALSE(resolveRegion("pure.cloud"));
  CHECK_THAT(regionNamesList(), Catch::StartsWith("us-east-1, us-east-2, us-west-2, ") &&
                                    Catch::EndsWith("ap-northeast-2, ap-northeast-3"));
}

// ================================ redaction ================================

TEST_CASE("redact replaces every secret and its wire forms", "[config][redaction]") {
  Fixture fx;
  const Config c = loadConfig(fx.write(specConfig()));
  // base64("svc_evalbridge:sn-pass-Wx77") and base64("client-us:org-secret-Zq81")
  const std::string line =
      "token request for client-us with " + kOrgSecret + "; Authorization: Basic " +
      "c3ZjX2V2YWxicmlkZ2U6c24tcGFzcy1XeDc3 and Basic Y2xpZW50LXVzOm9yZy1zZWNyZXQtWnE4MQ== webhook=" + kWebhookSecret +
      " eu=eu-file-secret pw=" + kSnPassword + kSnPassword;
  CHECK(redact(c, line) ==
        "token request for client-us with ***; Authorization: Basic *** and Basic *** webhook=*** eu=*** pw=******");
  CHECK(redact(c, "nothing secret here") == "nothing secret here");

  Redactor redactor(c);
  redactor.add("a b&c");  // e.g. a token learned at run time; its form-encoded version is covered too
  CHECK(redactor("x=a%20b%26c y=a b&c") == "x=*** y=***");
  redactor.add("");
  CHECK(redactor("") == "");
}
