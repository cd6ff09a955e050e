// The "analytics" source (issue 3, item 4) against the simulator: conversation-detail jobs find
// the evaluations, each is read in full, and the result is the same incidents the export source
// produces. Late evaluations of older conversations are found through the lookback.
#include <catch2/catch.hpp>

#include <map>
#include <tuple>

#include "config/Config.h"
#include "http/ShutdownToken.h"
#include "support/SyncOnce.h"
#include "support/DeliveryChecks.h"
#include "support/MultiOrgConfig.h"
#include "sync/SyncEngine.h"

using namespace evalbridge;
using namespace evalbridge::test;

namespace {

const char* const kJobs = "/api/v2/analytics/conversations/details/jobs";

std::vector<OrgEntry> withSource(BridgeFixture& fixture, const std::string& source) {
  auto orgs = simulatedOrgs(fixture);
  for (auto& org : orgs) org.source = source;
  return orgs;
}

// correlation_id -> the fields a person sees, for every incident in the simulated ServiceNow.
using IncidentView = std::map<std::string, std::tuple<std::string, std::string, std::string>>;
IncidentView incidentView(const BridgeFixture& fixture) {
  IncidentView view;
  for (const auto& incident : fixture.simulator.incidents()) {
    view[incident->getValue<std::string>("correlation_id")] =
        std::make_tuple(incident->optValue<std::string>("short_description", ""),
                        incident->optValue<std::string>("urgency", ""),
                        incident->optValue<std::string>("assignment_group", ""));
  }
  return view;
}

int countRequests(const BridgeFixture& fixture, const std::string& method, const std::string& prefix) {
  int n = 0;
  for (const auto& r : fixture.simulator.requests())
    n += r.server == "acme-us" && r.method == method && r.path.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace

TEST_CASE("the search, export and analytics sources deliver the same incidents for the same evaluations") {
  sim::SimulatorOptions options;
  options.orgs.push_back(secondOrg());

  // acme-eu has unfinished evaluations (PENDING, INPROGRESS): the export lists them, the search
  // on submittedDate and analytics do not. The shipped mapping raises incidents only for
  // FINISHED ones, so all three sources must agree.
  const std::string shipped = readAll(std::string(EVALBRIDGE_SOURCE_DIR) + "/mappings/qa-failures.json");
  BridgeFixture exported(options);
  writeText(exported.dir.file("mapping.json"), shipped);
  writeBridgeConfig(exported, withSource(exported, "export"));
  for (const auto& r : syncOnce(exported)) REQUIRE(r.ok);

  BridgeFixture searched(options);  // same seeds: same evaluations
  writeText(searched.dir.file("mapping.json"), shipped);
  writeBridgeConfig(searched, withSource(searched, "search"));
  for (const auto& r : syncOnce(searched)) {
    INFO(r.orgName << ": " << r.error);
    REQUIRE(r.ok);
  }

  BridgeFixture analytics(options);  // same seeds: same evaluations
  writeText(analytics.dir.file("mapping.json"), shipped);
  writeBridgeConfig(analytics, withSource(analytics, "analytics"));
  auto reports = syncOnce(analytics);
  for (const auto& r : reports) {
    INFO(r.orgName << ": " << r.error);
    CHECK(r.ok);
    int submitted = 0;
    for (const auto& evaluation : analytics.simulator.evaluations(r.orgName)) submitted += evaluation->has("submittedDate");
    CHECK(r.exported == submitted);
  }

  const auto viaExport = incidentView(exported);
  REQUIRE(viaExport.size() > 5);
  CHECK(incidentView(analytics) == viaExport);
  CHECK(incidentView(searched) == viaExport);
  // Nothing went through the export API in the analytics run.
  for (const auto& r : analytics.simulator.requests()) CHECK(r.path.find("/api/v2/quality/exports") == std::string::npos);
}

TEST_CASE("what the analytics source sends: interval widened by the lookback, an evaluation filter, full reads") {
  sim::SimulatorOptions options;
  options.orgs[0].jobPollsUntilDone = 2;
  options.orgs[0].pageSize = 7;  // several result pages
  BridgeFixture fixture(options);
  BridgeConfigOptions config;
  config.genesysExtra = R"("analytics": { "lookback": "P10D", "maxConcurrency": 3 })";
  writeBridgeConfig(fixture, withSource(fixture, "analytics"), config);

  auto report = syncOnce(fixture, SyncRange{std::string("2026-11-01T00:00:00Z"), std::string("2026-11-03T00:00:00Z")})[0];
  INFO(report.error);
  REQUIRE(report.ok);

  std::vector<sim::RecordedRequest> creates;
  for (const auto& r : fixture.simulator.requests())
    if (r.server == "acme-us" && r.method == "POST" && r.path == kJobs) creates.push_back(r);
  REQUIRE(creates.size() == 1);
  auto body = parseJsonObject(creates[0].body);
  CHECK(body->getValue<std::string>("interval") == "2026-10-22T00:00:00Z/2026-11-03T00:00:00Z");
  auto predicate = body->getArray("evaluationFilters")->getObject(0)->getArray("predicates")->getObject(0);
  CHECK(predicate->getValue<std::string>("dimension") == "evaluationId");
  CHECK(predicate->getValue<std::string>("operator") == "exists");

  // QUEUED, PENDING x2, FULFILLED: four status polls; 40 conversations / 7 per page = 6 pages.
  int statusPolls = 0, pages = 0;
  for (const auto& r : fixture.simulator.requests()) {
    if (r.server != "acme-us" || r.method != "GET" || r.path.rfind(std::string(kJobs) + "/", 0) != 0) continue;
    if (r.path == std::string(kJobs) + "/availability") continue;
    (r.path.size() > 8 && r.path.compare(r.path.size() - 8, 8, "/results") == 0 ? pages : statusPolls) += 1;
  }
  CHECK(statusPolls == 4);
  CHECK(pages == 6);
  // Every evaluation changed in the window (hourly from 2026-11-01T00:00Z: 40) is read in full, once.
  CHECK(report.exported == 40);
  CHECK(countRequests(fixture, "GET", "/api/v2/quality/conversations/") == 40);
  CHECK(report.delivery.created == static_cast<int>(matchingEvaluationIds(fixture, "acme-us").size()));
}

TEST_CASE("a rescore does not move analytics eventTime: the analytics source misses it, the search source finds it") {
  BridgeFixture fixture;
  const SyncRange first{std::string("2026-10-30T00:00:00Z"), std::string("2026-11-05T00:00:00Z")};
  const SyncRange later{std::string("2026-11-20T00:00:00Z"), std::string("2026-11-21T00:00:00Z")};
  auto rescore = [&] {
    const auto incident = fixture.simulator.incidents().front();
    const std::string key = incident->getValue<std::string>("correlation_id");
    const std::string id = key.substr(key.rfind(':') + 1);
    fixture.simulator.rescore("acme-us", id, 12.5, "2026-11-20T10:00:00Z");
    return key;
  };
  auto shortDescriptionOf = [&](const std::string& key) {
    for (const auto& incident : fixture.simulator.incidents())
      if (incident->getValue<std::string>("correlation_id") == key)
        return incident->getValue<std::string>("short_description");
    return std::string();
  };

  SECTION("analytics: the window of the rescore holds nothing (the limit the README states)") {
    writeBridgeConfig(fixture, withSource(fixture, "analytics"));
    REQUIRE(syncOnce(fixture, first)[0].ok);
    const std::string key = rescore();
    auto report = syncOnce(fixture, later)[0];
    CHECK(report.ok);
    CHECK(report.exported == 0);
    CHECK_THAT(shortDescriptionOf(key), !Catch::Contains("12.5"));
  }
  SECTION("search: submittedDate moves, so the rescore PATCHes the incident") {
    writeBridgeConfig(fixture, withSource(fixture, "search"));
    REQUIRE(syncOnce(fixture, first)[0].ok);
    const auto before = fixture.simulator.incidents().size();
    const std::string key = rescore();
    auto report = syncOnce(fixture, later)[0];
    CHECK(report.ok);
    CHECK(report.delivery.updated == 1);
    CHECK(fixture.simulator.incidents().size() == before);
    CHECK_THAT(shortDescriptionOf(key), Catch::Contains("12.5"));
  }
}

TEST_CASE("a FAILED analytics job is resubmitted, and beyond maxResubmits the org fails and says why") {
  BridgeFixture fixture;
  sim::FaultRule rule;
  rule.server = "acme-us";
  rule.kind = "jobStatus";
  rule.pathPrefix = kJobs;
  rule.jobStatus = "FAILED";

  SECTION("once") {
    writeBridgeConfig(fixture, withSource(fixture, "analytics"));
    rule.count = 1;
    fixture.simulator.addFault(rule);
    auto report = syncOnce(fixture)[0];
    CHECK(report.ok);
    CHECK(countRequests(fixture, "POST", kJobs) == 2);
    CHECK(report.delivery.created == static_cast<int>(matchingEvaluationIds(fixture, "acme-us").size()));
  }
  SECTION("always") {
    BridgeConfigOptions options;
    options.exportExtra = R"("maxResubmits": 2)";
    writeBridgeConfig(fixture, withSource(fixture, "analytics"), options);
    rule.count = -1;
    fixture.simulator.addFault(rule);
    auto report = syncOnce(fixture)[0];
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.error, Catch::Contains("org acme-us: analytics conversation-details job") &&
                                 Catch::Contains("ended FAILED 3 times") && Catch::Contains("maxResubmits = 2"));
    CHECK(countRequests(fixture, "POST", kJobs) == 3);
    CHECK(fixture.simulator.incidents().empty());
  }
}

TEST_CASE("the analytics source without analytics:conversationDetail:view fails naming the permission") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, withSource(fixture, "analytics"));
  fixture.simulator.revokePermission("acme-us", "analytics:conversationDetail:view");
  auto report = syncOnce(fixture)[0];
  CHECK_FALSE(report.ok);
  CHECK_THAT(report.error, Catch::Contains("org acme-us") && Catch::Contains("analytics:conversationDetail:view") &&
                               Catch::Contains("Roles"));
}

TEST_CASE("an evaluation deleted between the job and its read is skipped, the rest delivered") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, withSource(fixture, "analytics"));
  sim::FaultRule gone;
  gone.server = "acme-us";
  gone.method = "GET";
  gone.pathPrefix = "/api/v2/quality/conversations/";
  gone.kind = "status";
  gone.status = 404;
  gone.count = 1;
  fixture.simulator.addFault(gone);
  auto report = syncOnce(fixture)[0];
  CHECK(report.ok);
  CHECK(report.exported == static_cast<int>(fixture.simulator.evaluations("acme-us").size()) - 1);
}

TEST_CASE("genesys.analytics: defaults, lookback and maxConcurrency, mistakes named") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, withSource(fixture, "analytics"));
  Config defaults = loadConfig(fixture.configPath());
  CHECK(defaults.orgs[0].source == "analytics");
  CHECK(defaults.orgs[0].analytics.lookbackS == 30 * 86400);
  CHECK(defaults.orgs[0].analytics.maxConcurrency == 4);

  BridgeConfigOptions options;
  options.genesysExtra = R"("analytics": { "lookback": "P7DT12H", "maxConcurrency": 8 })";
  writeBridgeConfig(fixture, withSource(fixture, "analytics"), options);
  Config custom = loadConfig(fixture.configPath());
  CHECK(custom.orgs[0].analytics.lookbackS == 7 * 86400 + 12 * 3600);
  CHECK(custom.orgs[0].analytics.maxConcurrency == 8);

  options.genesysExtra = R"("analytics": { "lookBack": "P7D" })";
  writeBridgeConfig(fixture, withSource(fixture, "analytics"), options);
  CHECK_THROWS_WITH(loadConfig(fixture.configPath()),
                    Catch::Contains(fixture.configPath() + ": genesys.analytics.lookBack: unknown key (did you mean 'lookback'?)"));
  options.genesysExtra = R"("analytics": { "maxConcurrency": 0 })";
  writeBridgeConfig(fixture, withSource(fixture, "analytics"), options);
  CHECK_THROWS_WITH(loadConfig(fixture.configPath()),
                    Catch::Contains(fixture.configPath() + ": genesys.analytics.maxConcurrency: must be an integer from 1 to 32 (got 0)"));
}

TEST_CASE("an evaluation that reaches analytics only after its window was first read is delivered exactly once") {
  BridgeFixture fixture;
  writeBridgeConfig(fixture, withSource(fixture, "analytics"));
  const std::string orgId = fixture.simulator.options().orgs[0].orgId;
  const auto expected = matchingEvaluationIds(fixture, "acme-us");

  // Analytics data is complete only up to 20:00 on the first day: later evaluations are still
  // on their way, and analytics jobs do not list them yet.
  const std::string availableUntil = "2026-11-01T20:00:00Z";
  fixture.simulator.setDataAvailability("acme-us", availableUntil);
  auto first = syncOnce(fixture).at(0);
  REQUIRE(first.ok);
  CHECK(first.checkpoint == availableUntil);  // never past dataAvailabilityDate
  const auto early = incidentKeysOf(fixture, orgId);
  CHECK(early.size() < expected.size());
  CHECK_FALSE(early.empty());
  int availabilityReads = 0;
  for (const auto& r : fixture.simulator.requests())
    availabilityReads += r.path == std::string(kJobs) + "/availability";
  CHECK(availabilityReads == 1);

  // The rest arrives; the next sweep starts at the checkpoint and delivers it, once.
  fixture.simulator.setDataAvailability("acme-us", std::nullopt);
  REQUIRE(syncOnce(fixture).at(0).ok);
  CHECK(incidentKeysOf(fixture, orgId) == keysFor(orgId, expected));
  CHECK(fixture.simulator.incidents().size() == expected.size());
}
