// `evalbridge doctor` (issue 3, item 5), run as the real binary against the simulator: for each
// common misconfiguration the output names the cause and the fix, and the exit code says whether
// anything failed (0 / 1; 2 for a config that does not load).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <Poco/File.h>

#include "ledger/Database.h"
#include "ledger/Statement.h"
#include "support/LedgerBackends.h"
#include "support/MultiOrgConfig.h"

using namespace evalbridge;
using namespace evalbridge::test;

namespace {

// The text block of one check: its status line and, for a failure, the fix line below it.
std::string checkBlock(const std::string& out, const std::string& statusAndName) {
  auto at = out.find(statusAndName);
  if (at == std::string::npos) return "";
  // Up to the next line that is not the indented fix: a check line ("  ok", "  FAIL") or a subject.
  std::size_t end = out.find('\n', at);
  while (end != std::string::npos && out.compare(end + 1, 8, "        ") == 0) end = out.find('\n', end + 1);
  return out.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

TEST_CASE("doctor: everything configured right passes, exit 0") {
  BridgeFixture fixture(twoOrgs());
  auto orgs = simulatedOrgs(fixture);
  orgs[1].source = "analytics";
  writeBridgeConfig(fixture, orgs);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("org acme-us\n") && Catch::Contains("org acme-eu\n") &&
                             Catch::Contains("servicenow\n") && Catch::Contains("mappings\n"));
  CHECK_THAT(result.out, Catch::Contains("ok    login: client acme-us-client got a token"));
  CHECK_THAT(result.out, Catch::Contains("ok    org identity: tokens/me on"));
  CHECK_THAT(result.out, Catch::Contains("ok    permission quality:evaluation:view"));
  CHECK_THAT(result.out, Catch::Contains("ok    permission analytics:conversationDetail:view"));  // acme-eu
  CHECK_THAT(result.out, Catch::Contains("ok    export API available"));
  CHECK_THAT(result.out, Catch::Contains("ok    correlation_id query"));
  CHECK_THAT(result.out, Catch::Contains("all 16 checks passed"));
  CHECK_THAT(result.out, Catch::Contains("ledger\n") && Catch::Contains("ok    file: " + fixture.dir.file("ledger.db") + " does not exist yet"));
  CHECK_THAT(result.out, Catch::Contains("ok    push topic v2.quality.evaluations: v2.quality.evaluations is offered"));
  CHECK(result.out.find("FAIL") == std::string::npos);
  // Harmless: doctor created nothing anywhere.
  CHECK(fixture.simulator.incidents().empty());
}

TEST_CASE("doctor: a wrong client secret") {
  BridgeFixture fixture;
  auto orgs = simulatedOrgs(fixture);
  orgs[0].clientSecret = "not-the-secret";
  writeBridgeConfig(fixture, orgs);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  const auto block = checkBlock(result.out, "FAIL  login");
  CHECK_THAT(block, Catch::Contains("POST /oauth/token on 127.0.0.1:") && Catch::Contains("invalid_client") &&
                        Catch::Contains("inin-correlation-id"));
  CHECK_THAT(block, Catch::Contains("fix: wrong clientId/secret or wrong region: this org's login host is 127.0.0.1:") &&
                        Catch::Contains("the region is configured as us-east-1 (mypurecloud.com)") &&
                        Catch::Contains("clientSecret is its current secret"));
  CHECK_THAT(result.out, Catch::Contains("skip  org identity: needs a token"));
  CHECK(result.out.find("not-the-secret") == std::string::npos);  // secrets never shown
  CHECK(result.err.find("not-the-secret") == std::string::npos);
}

TEST_CASE("doctor: a wrong region (the login host is another org's)") {
  BridgeFixture fixture(twoOrgs());
  auto orgs = simulatedOrgs(fixture);
  orgs[0].region = "eu-west-1";
  orgs[0].loginBase = fixture.simulator.orgUrl("acme-eu");  // acme-us's client is unknown there
  writeBridgeConfig(fixture, orgs);
  auto result = runEvalbridge(fixture, "doctor --org acme-us");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  const std::string euHost = fixture.simulator.orgUrl("acme-eu").substr(7);
  CHECK_THAT(checkBlock(result.out, "FAIL  login"),
             Catch::Contains("this org's login host is " + euHost) &&
                 Catch::Contains("the region is configured as eu-west-1 (mypurecloud.ie)") &&
                 Catch::Contains("set \"region\""));
  CHECK(result.out.find("org acme-eu") == std::string::npos);  // --org: only that org
}

TEST_CASE("doctor: an orgId that is not the org of the OAuth client") {
  BridgeFixture fixture;
  auto orgs = simulatedOrgs(fixture);
  orgs[0].orgId = "11111111-2222-3333-4444-555555555555";
  writeBridgeConfig(fixture, orgs);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  const std::string realId = sim::OrgSpec{}.orgId;
  const auto block = checkBlock(result.out, "FAIL  org identity");
  CHECK_THAT(block, Catch::Contains("says org " + realId + " (Acme US)") &&
                        Catch::Contains("orgId is 11111111-2222-3333-4444-555555555555"));
  CHECK_THAT(block, Catch::Contains("fix: the OAuth client acme-us-client belongs to org " + realId) &&
                        Catch::Contains("set genesys.orgs[acme-us].orgId to " + realId));
}

TEST_CASE("doctor: a missing permission names it, the OAuth client's role and the division") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  fixture.simulator.revokePermission("acme-us", "quality:evaluation:view");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  const auto block = checkBlock(result.out, "FAIL  permission quality:evaluation:view");
  CHECK_THAT(block, Catch::Contains("answered HTTP 403 missing.permissions") && Catch::Contains("inin-correlation-id"));
  CHECK_THAT(block, Catch::Contains("fix: OAuth client acme-us-client of org acme-us lacks quality:evaluation:view") &&
                        Catch::Contains("add quality:evaluation:view to a role") &&
                        Catch::Contains("OAuth > acme-us-client > Roles") &&
                        Catch::Contains("the division(s) that hold the evaluated conversations"));
  CHECK_THAT(result.out, Catch::Contains("skip  export API available: cannot tell while quality:evaluation:view is missing"));
}

TEST_CASE("doctor: an org without the export API is told to use the search source") {
  sim::SimulatorOptions options;
  options.orgs[0].exportApiAvailable = false;
  BridgeFixture fixture(options);
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  export API available"),
             Catch::Contains("HTTP 404") && Catch::Contains("Set \"source\": \"search\"") &&
                 Catch::Contains("quality:evaluation:searchAny"));
}

TEST_CASE("doctor: the search source (the default) without quality:evaluation:searchAny") {
  BridgeFixture fixture;
  auto orgs = simulatedOrgs(fixture);
  orgs[0].source = "search";
  writeBridgeConfig(fixture, orgs);
  SECTION("granted: ok") {
    auto result = runEvalbridge(fixture, "doctor");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 0);
    CHECK_THAT(result.out, Catch::Contains("ok    permission quality:evaluation:searchAny"));
  }
  SECTION("revoked: named, with the role, the division and the OAuth client") {
    fixture.simulator.revokePermission("acme-us", "quality:evaluation:searchAny");
    auto result = runEvalbridge(fixture, "doctor");
    INFO(result.out << result.err);
    CHECK(result.exitCode == 1);
    CHECK_THAT(checkBlock(result.out, "FAIL  permission quality:evaluation:searchAny"),
               Catch::Contains("POST /api/v2/quality/evaluations/search") &&
                   Catch::Contains("answered HTTP 403 missing.permissions") &&
                   Catch::Contains("fix: OAuth client acme-us-client of org acme-us lacks quality:evaluation:searchAny") &&
                   Catch::Contains("Admin > Roles/Permissions") && Catch::Contains("OAuth > acme-us-client > Roles"));
    CHECK_THAT(result.out, Catch::Contains("ok    permission quality:evaluation:view"));
  }
  CHECK(fixture.simulator.incidents().empty());
}

TEST_CASE("doctor: write-back needs the data table's row permissions and its columns") {
  sim::SimulatorOptions options;
  options.orgs[0].dataTableColumns = {"incidentNumber", "link"};  // no "state" column
  BridgeFixture fixture(options);
  auto orgs = simulatedOrgs(fixture);
  orgs[0].source = "search";
  orgs[0].writeBackDatatableId = "dt-outcomes";
  writeBridgeConfig(fixture, orgs);
  fixture.simulator.revokePermission("acme-us", "architect:datatableRow:add");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.out, Catch::Contains("ok    permission architect:datatable:view"));
  CHECK_THAT(checkBlock(result.out, "FAIL  permission architect:datatableRow:add"),
             Catch::Contains("fix: OAuth client acme-us-client of org acme-us lacks") &&
                 Catch::Contains("architect:datatableRow:add (any one of them)") &&
                 Catch::Contains("the division that holds the data table"));
  CHECK_THAT(result.out, Catch::Contains("ok    permission architect:datatableRow:edit"));
  CHECK_THAT(checkBlock(result.out, "FAIL  write-back data table"),
             Catch::Contains("lacks the column(s) state") && Catch::Contains("add state as string column(s)"));
  CHECK(fixture.simulator.dataTableRows("acme-us").empty());  // the probes wrote nothing
}

// Kills: a refused OAuth token request reported as an unreachable instance (the fix named
// instanceUrl, DNS and firewalls).
TEST_CASE("doctor: ServiceNow refuses the OAuth client: credentials fail, naming the grant's instance settings") {
  BridgeFixture fixture;
  BridgeConfigOptions options;
  options.serviceNowAuth = R"({ "type": "oauth", "grant": "client_credentials", "clientId": ")" +
                           fixture.simulator.options().servicenow.oauthClientId +
                           R"(", "clientSecret": "not-the-secret" })";
  writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.out, Catch::Contains("ok    reachable"));
  CHECK_THAT(checkBlock(result.out, "FAIL  credentials"),
             Catch::Contains("oauth_token.do was refused") &&
                 Catch::Contains("glide.oauth.inbound.client.credential.grant_type.enabled") &&
                 Catch::Contains("OAuth Application User"));
  CHECK_THAT(result.out, Catch::Contains("skip  table read"));
  CHECK(result.out.find("not-the-secret") == std::string::npos);
}

TEST_CASE("doctor: ServiceNow rejects the password (401)") {
  BridgeFixture fixture;
  BridgeConfigOptions options;
  options.serviceNowPassword = "wrong-password";
  writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  credentials"),
             Catch::Contains("HTTP 401") &&
                 Catch::Contains("fix: ServiceNow rejected user svc_evalbridge: check servicenow.auth (the username "
                                 "and password)"));
  CHECK_THAT(result.out, Catch::Contains("skip  table read"));
  CHECK(result.out.find("wrong-password") == std::string::npos);
}

TEST_CASE("doctor: ServiceNow forbids reading the table (403)") {
  BridgeFixture fixture;
  BridgeConfigOptions options;
  options.serviceNowTable = "u_qa_incident";  // not in the simulator's tablesReadable
  writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  table read"),
             Catch::Contains("GET /api/now/table/u_qa_incident?sysparm_limit=1") && Catch::Contains("HTTP 403") &&
                 Catch::Contains("fix: user svc_evalbridge may not read table u_qa_incident"));
}

TEST_CASE("doctor: ServiceNow unreachable") {
  BridgeFixture fixture;
  BridgeConfigOptions options;
  options.serviceNowUrl = "http://127.0.0.1:1";  // nothing listens there
  writeBridgeConfig(fixture, simulatedOrgs(fixture), options);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  reachable"),
             Catch::Contains("connection refused") && Catch::Contains("fix: check servicenow.instanceUrl"));
}

TEST_CASE("doctor: a broken mapping file is a failed check, not a crash") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  writeText(fixture.dir.file("mapping.json"), R"({"name": "x", "when": {"field": "a", "near": 1}, "fields": {}})");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  " + fixture.dir.file("mapping.json")),
             Catch::Contains("fix: correct the mapping"));
  CHECK_THAT(result.out, Catch::Contains("ok    login"));  // the rest still ran
}

TEST_CASE("doctor --json is machine-readable, and a config that does not load exits 2") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  fixture.simulator.revokePermission("acme-us", "quality:evaluation:view");
  auto result = runEvalbridge(fixture, "doctor --json");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  auto root = parseJsonObject(result.out);
  CHECK_FALSE(root->getValue<bool>("ok"));
  CHECK(root->getValue<int>("exitCode") == 1);
  auto checks = root->getArray("checks");
  int failed = 0;
  for (std::size_t i = 0; i < checks->size(); ++i) {
    auto check = checks->getObject(static_cast<unsigned>(i));
    if (check->getValue<std::string>("status") != "fail") continue;
    ++failed;
    CHECK(check->getValue<std::string>("subject") == "org acme-us");
    CHECK(check->getValue<std::string>("check") == "permission quality:evaluation:view");
    CHECK_THAT(check->getValue<std::string>("fix"), Catch::Contains("add quality:evaluation:view to a role"));
  }
  CHECK(failed == 1);
  CHECK_THAT(result.out, Catch::Contains("the sweep only"));

  writeText(fixture.configPath(), R"({"genesys": {}})");
  auto broken = runEvalbridge(fixture, "doctor");
  CHECK(broken.exitCode == 2);
  CHECK_THAT(broken.err, Catch::Contains("configuration error"));
  CHECK(runEvalbridge(fixture, "doctor --bogus").exitCode == 2);
}

TEST_CASE("doctor: a notification topic not offered to the client fails with the fix, and says the org runs sweep-only") {
  BridgeFixture fixture(twoOrgs());
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  fixture.simulator.revokeTopic("acme-us", "v2.quality.evaluations");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(result.out, Catch::Contains("FAIL  push topic v2.quality.evaluations") &&
                             Catch::Contains("v2.quality.evaluations is not offered to OAuth client acme-us-client") &&
                             Catch::Contains("sweep only") && Catch::Contains("\"notifications\": false"));
  CHECK_THAT(result.out, Catch::Contains("15 of 16 checks passed") || Catch::Contains("1 of 16 checks failed"));
}

TEST_CASE("doctor: an org with notifications false is not asked about the topic") {
  BridgeFixture fixture;
  auto orgs = simulatedOrgs(fixture);
  orgs[0].extra = R"("notifications": false)";
  writeBridgeConfig(fixture, orgs);
  fixture.simulator.revokeTopic("acme-us", "v2.quality.evaluations");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("push topic v2.quality.evaluations: \"notifications\": false"));
}

// Kills: a doctor that does not look at the ledger, that writes to it, or that passes a ledger
// others can read or one this binary would refuse.
TEST_CASE("doctor: the SQLite ledger's file, mode and schema version, read without writing") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  const std::string path = fixture.dir.file("ledger.db");
  REQUIRE(runEvalbridge(fixture, "sync --once").exitCode == 0);
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  const bool walBefore = Poco::File(path + "-wal").exists();

  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("ok    file: " + path + " (mode 0600)"));
  CHECK_THAT(result.out, Catch::Contains("ok    schema: version ") && Catch::Contains(" (current)"));
  // Read, not written: the same size and modification time, and nothing written to a WAL.
  struct stat after {};
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_size == before.st_size);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  // (A read-only SQLite connection leaves an empty -wal and -shm beside a WAL ledger.)
  if (!walBefore) CHECK((!Poco::File(path + "-wal").exists() || Poco::File(path + "-wal").getSize() == 0));

  ::chmod(path.c_str(), 0640);  // the group is "others" too
  result = runEvalbridge(fixture, "doctor");
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  file"), Catch::Contains("mode 0640") && Catch::Contains("chmod 600 " + path));
  ::chmod(path.c_str(), 0600);

  {  // a ledger one migration behind this binary
    auto db = openDatabase(path, "");
    Statement(*db, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)").run();
  }
  result = runEvalbridge(fixture, "doctor");
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("in place at the next start"));

  {  // a ledger from a newer evalbridge
    auto db = openDatabase(path, "");
    Statement(*db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
  }
  result = runEvalbridge(fixture, "doctor");
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  schema"), Catch::Contains("schema version 99, newer than this evalbridge knows"));
}

TEST_CASE("doctor: a ledger folder that does not exist fails with the fix") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  std::string text = readAll(fixture.configPath());
  text.replace(text.find("\"ledger.db\""), 11, "\"missing/ledger.db\"");
  writeText(fixture.configPath(), text);
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  file"), Catch::Contains("missing/ledger.db does not exist") &&
                                                     Catch::Contains("or set ledger.path"));
  CHECK_FALSE(Poco::File(fixture.dir.file("missing")).exists());  // doctor created nothing
}

TEST_CASE("doctor: a PostgreSQL ledger is connected to through the module, and a refused one explained") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, simulatedOrgs(fixture));
  auto& server = sharedPostgres();
  const std::string url = server.createDatabase("doctor_ledger");
  const std::string original = readAll(fixture.configPath());
  auto withLedger = [&](const std::string& ledger) {
    std::string text = original;
    const std::string sqlite = R"("ledger": { "path": "ledger.db" })";
    text.replace(text.find(sqlite), sqlite.size(), ledger);
    writeText(fixture.configPath(), text);
  };
  ::setenv("EVALBRIDGE_TEST_PG_PASSWORD", server.password().c_str(), 1);
  withLedger(R"("ledger": { "url": ")" + url + R"(", "password": "${env:EVALBRIDGE_TEST_PG_PASSWORD}" })");
  auto result = runEvalbridge(fixture, "doctor");
  INFO(result.out << result.err);
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("ok    connection: connected to postgresql://") &&
                             Catch::Contains("ok    schema: ") && Catch::Contains("has no tables yet"));
  CHECK(result.out.find(server.password()) == std::string::npos);

  // Once the bridge has created its tables, the version is found and current.
  REQUIRE(runEvalbridge({"ledger", "stats", "--ledger", url}, {{"PGPASSWORD", server.password()}}).exitCode == 0);
  result = runEvalbridge(fixture, "doctor");
  CHECK(result.exitCode == 0);
  CHECK_THAT(result.out, Catch::Contains("ok    schema: version ") && Catch::Contains(" (current)"));

  withLedger(R"("ledger": { "url": "postgresql://evalbridge@127.0.0.1:1/evalbridge", "password": "${env:EVALBRIDGE_TEST_PG_PASSWORD}" })");
  result = runEvalbridge(fixture, "doctor");
  CHECK(result.exitCode == 1);
  CHECK_THAT(checkBlock(result.out, "FAIL  connection"), Catch::Contains("127.0.0.1") && Catch::Contains("ledger.url"));
  CHECK_THAT(result.out, Catch::Contains("skip  schema: needs a connection"));
  ::unsetenv("EVALBRIDGE_TEST_PG_PASSWORD");
}
