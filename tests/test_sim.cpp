// Tests for src/sim: the simulator started in-process, exercised over real HTTP with
// Poco::Net::HTTPClientSession (no other evalbridge folder is used), plus its pure parts
// (fault decisions, encoded queries, scenario parsing) directly.
#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/File.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/Eventually.h"
#include "support/HttpCall.h"
#include "common/Errors.h"
#include "sim/EncodedQuery.h"
#include "sim/FaultInjector.h"
#include "sim/RequestLog.h"
#include "sim/Simulator.h"

using evalbridge::sim::FaultRule;
using evalbridge::sim::OrgSpec;
using evalbridge::sim::Simulator;
using evalbridge::sim::SimulatorOptions;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// ---- a minimal HTTP client for the tests ----

using Reply = evalbridge::test::HttpAnswer;

Reply call(const std::string& baseUrl, const std::string& method, const std::string& pathAndQuery,
           const std::string& body = "", const std::map<std::string, std::string>& headers = {},
           const std::string& contentType = "application/json") {
  return evalbridge::test::httpCall(baseUrl, method, pathAndQuery, body, {headers.begin(), headers.end()}, contentType);
}

std::string basicAuth(const std::string& user, const std::string& password) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << user << ":" << password;
  encoder.close();
  return "Basic " + out.str();
}

Reply requestToken(const std::string& orgUrl, const std::string& clientId, const std::string& secret) {
  return call(orgUrl, "POST", "/oauth/token", "grant_type=client_credentials",
              {{"Authorization", basicAuth(clientId, secret)}}, "application/x-www-form-urlencoded");
}

std::string tokenFor(Simulator& sim, const OrgSpec& org) {
  Reply reply = requestToken(sim.orgUrl(org.name), org.clientId, org.clientSecret);
  REQUIRE(reply.status == 200);
  return reply.json()->getValue<std::string>("access_token");
}

std::map<std::string, std::string> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

std::string toText(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

// ---- fixtures ----

// The default scenario, with every evaluation finished so positions in the tests below are fixed
// (the tests of unfinished evaluations turn unfinishedShare back on).
SimulatorOptions twoOrgs() {
  SimulatorOptions options = evalbridge::sim::defaultScenario();
  for (auto& org : options.orgs) {
    org.pageSize = 7;
    org.jobPollsUntilDone = 2;
    org.unfinishedShare = 0.0;
  }
  return options;
}

struct Running {
  explicit Running(SimulatorOptions options = twoOrgs()) : sim(std::move(options)) { sim.start(); }
  Simulator sim;
  const OrgSpec& us() const { return sim.options().orgs.at(0); }
  const OrgSpec& eu() const { return sim.options().orgs.at(1); }
  std::string usUrl() const { return sim.orgUrl("acme-us"); }
  std::string sn() const { return sim.serviceNowUrl(); }
  std::map<std::string, std::string> snAuth() const {
    return {{"Authorization", basicAuth(sim.options().servicenow.username, sim.options().servicenow.password)},
            {"Accept", "application/json"}};
  }
};

const std::string kWindow = R"({"startTime":"2026-11-01T05:00:00Z","endTime":"2026-11-02T01:00:00.000Z"})";

std::vector<std::string> idsIn(const Array::Ptr& array, const std::string& key = "id") {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < array->size(); ++i)
    ids.push_back(array->getObject(static_cast<unsigned>(i))->getValue<std::string>(key));
  return ids;
}

// Polls an export job until it leaves QUEUED/RUNNING; returns the statuses seen.
std::vector<std::string> pollExport(const std::string& url, const std::string& token, const std::string& job,
                                    Object::Ptr* last = nullptr) {
  std::vector<std::string> statuses;
  for (int i = 0; i < 20; ++i) {
    Reply reply = call(url, "GET", "/api/v2/quality/exports/" + job, "", bearer(token));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    statuses.push_back(json->getValue<std::string>("status"));
    if (last) *last = json;
    if (statuses.back() != "QUEUED" && statuses.back() != "RUNNING") break;
  }
  return statuses;
}

std::string createExport(const std::string& url, const std::string& token, const std::string& window = kWindow) {
  Reply reply = call(url, "POST", "/api/v2/quality/evaluations/export", window, bearer(token));
  REQUIRE(reply.status == 200);
  return reply.json()->getValue<std::string>("id");
}

std::string createIncident(const Running& run, const std::string& correlationId, const std::string& extra = "") {
  Reply reply =
      call(run.sn(), "POST", "/api/now/table/incident",
           R"({"short_description":"QA fail","urgency":2,"correlation_id":")" + correlationId + "\"" + extra + "}",
           run.snAuth());
  REQUIRE(reply.status == 201);
  return reply.json()->getObject("result")->getValue<std::string>("sys_id");
}

}  // namespace

// ---------------------------------------------------------------- Genesys auth

TEST_CASE("Genesys token: issued for the right client, invalid_client otherwise", "[sim][genesys]") {
  Running run;
  Reply ok = requestToken(run.usUrl(), run.us().clientId, run.us().clientSecret);
  REQUIRE(ok.status == 200);
  auto token = ok.json();
  CHECK(token->getValue<std::string>("token_type") == "bearer");
  CHECK(token->getValue<int>("expires_in") == run.us().tokenExpiresInS);
  CHECK(run.sim.tokensIssuedBy("acme-us").count(token->getValue<std::string>("access_token")) == 1);
  CHECK_FALSE(ok.header("inin-correlation-id").empty());

  Reply wrongSecret = requestToken(run.usUrl(), run.us().clientId, "nope");
  CHECK(wrongSecret.status == 400);
  CHECK(wrongSecret.json()->getValue<std::string>("error") == "invalid_client");
  CHECK(wrongSecret.json()->getValue<std::string>("description") == "client not found");

  // Another org's server ("wrong region") does not know this client.
  Reply wrongRegion = requestToken(run.sim.orgUrl("acme-eu"), run.us().clientId, run.us().clientSecret);
  CHECK(wrongRegion.status == 400);
  CHECK(wrongRegion.json()->getValue<std::string>("error") == "invalid_client");
}

TEST_CASE("Genesys API: a token works only at the org that issued it", "[sim][genesys]") {
  Running run;
  const std::string usToken = tokenFor(run.sim, run.us());
  Reply me = call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(usToken));
  REQUIRE(me.status == 200);
  CHECK(me.json()->getObject("organization")->getValue<std::string>("id") == run.us().orgId);
  CHECK(me.json()->getObject("organization")->getValue<std::string>("name") == run.us().orgName);
  CHECK(me.json()->getObject("OAuthClient")->has("id"));
  CHECK(me.json()->getObject("OAuthClient")->getObject("organization")->getValue<std::string>("id") == run.us().orgId);
  CHECK(me.json()->getObject("homeOrganization")->getValue<std::string>("id") == run.us().orgId);
  CHECK_FALSE(me.json()->has("homeDivision"));  // not a TokenInfo field

  Reply crossed = call(run.sim.orgUrl("acme-eu"), "GET", "/api/v2/tokens/me", "", bearer(usToken));
  CHECK(crossed.status == 401);
  CHECK(crossed.json()->getValue<std::string>("code") == "bad.credentials");
  CHECK(crossed.json()->getValue<std::string>("message") == "Invalid login credentials.");
  CHECK(crossed.json()->has("contextId"));
  CHECK_FALSE(crossed.header("inin-correlation-id").empty());

  Reply none = call(run.usUrl(), "GET", "/api/v2/tokens/me");
  CHECK(none.status == 401);
}

TEST_CASE("Genesys API: expired tokens answer credentials.expired", "[sim][genesys]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  run.sim.expireTokens("acme-us");
  Reply reply = call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(token));
  CHECK(reply.status == 401);
  CHECK(reply.json()->getValue<std::string>("code") == "credentials.expired");
  // A fresh token works again.
  CHECK(call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(tokenFor(run.sim, run.us()))).status == 200);
}

TEST_CASE("Genesys API: a revoked permission gives 403 missing.permissions", "[sim][genesys]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  run.sim.revokePermission("acme-us", "quality:evaluation:view");
  Reply denied = call(run.usUrl(), "POST", "/api/v2/quality/evaluations/export", kWindow, bearer(token));
  REQUIRE(denied.status == 403);
  auto error = denied.json();
  CHECK(error->getValue<std::string>("code") == "missing.permissions");
  CHECK(error->getValue<std::string>("message") ==
        "Unable to perform the requested action. You are missing the following permission(s): "
        "[quality:evaluation:view]");
  CHECK(error->getObject("messageParams")->getValue<std::string>("permissions") == "quality:evaluation:view");
  CHECK(error->getArray("details")->size() == 0);
  CHECK(error->getArray("errors")->size() == 0);

  run.sim.grantPermission("acme-us", "quality:evaluation:view");
  CHECK(call(run.usUrl(), "POST", "/api/v2/quality/evaluations/export", kWindow, bearer(token)).status == 200);
}

// ---------------------------------------------------------------- export jobs

TEST_CASE("Export job: QUEUED, RUNNING x N, COMPLETED, pages cover exactly the window", "[sim][export]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const std::string job = createExport(run.usUrl(), token);

  // Results are not available before the job completes.
  CHECK(call(run.usUrl(), "GET", "/api/v2/quality/exports/" + job + "/results", "", bearer(token)).status == 400);

  const auto statuses = pollExport(run.usUrl(), token, job);
  CHECK(statuses == std::vector<std::string>{"QUEUED", "RUNNING", "RUNNING", "COMPLETED"});

  // Evaluation i changed at 2026-11-01T00:00Z + i hours: the window [05:00, +1d 01:00) holds 5..24.
  std::vector<std::string> expected;
  const auto all = run.sim.evaluations("acme-us");
  for (std::size_t i = 5; i < 25; ++i) expected.push_back(all[i]->getValue<std::string>("id"));

  std::vector<std::string> seen;
  std::vector<std::size_t> pageSizes;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    Reply reply = call(run.usUrl(), "GET",
                       "/api/v2/quality/exports/" + job + "/results" + (cursor.empty() ? "" : "?cursor=" + cursor), "",
                       bearer(token));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    auto ids = idsIn(json->getArray("entities"));
    pageSizes.push_back(ids.size());
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (!json->has("cursor")) break;
    cursor = json->getValue<std::string>("cursor");
  }
  CHECK(pageSizes == std::vector<std::size_t>{7, 7, 6});
  CHECK(seen == expected);

  CHECK(call(run.usUrl(), "GET", "/api/v2/quality/exports/" + job + "/results?cursor=42", "", bearer(token)).status ==
        400);
  Reply unknown = call(run.usUrl(), "GET", "/api/v2/quality/exports/no-such-job", "", bearer(token));
  CHECK(unknown.status == 404);
  CHECK(unknown.json()->getValue<std::string>("code") == "not.found");
}

TEST_CASE("Export job: the content is snapshotted when the job is created", "[sim][export]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const std::string before = createExport(run.usUrl(), token);
  const auto evaluation = run.sim.evaluations("acme-us")[6];
  run.sim.rescore("acme-us", evaluation->getValue<std::string>("id"), 12.5, "2026-11-01T05:30:00Z");
  const std::string after = createExport(run.usUrl(), token);

  auto firstEntity = [&](const std::string& job) {
    pollExport(run.usUrl(), token, job);
    Reply page = call(run.usUrl(), "GET", "/api/v2/quality/exports/" + job + "/results", "", bearer(token));
    return page.json()->getArray("entities");
  };
  auto oldPage = firstEntity(before);
  auto newPage = firstEntity(after);
  // Before: evaluation 6 unchanged, second in the window. After: rescored, moved to 05:30.
  CHECK(oldPage->getObject(1)->getValue<bool>("rescore") == false);
  CHECK(newPage->getObject(1)->getValue<std::string>("id") == evaluation->getValue<std::string>("id"));
  CHECK(newPage->getObject(1)->getValue<bool>("rescore") == true);
  CHECK(newPage->getObject(1)->getObject("answers")->getValue<double>("totalScore") == 12.5);
  CHECK(newPage->getObject(1)->getValue<std::string>("changedDate") == "2026-11-01T05:30:00.000Z");
}

TEST_CASE("Export job: bad windows are 400, an org without the export API answers 404", "[sim][export]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[1].exportApiAvailable = false;
  Running run(options);
  const std::string token = tokenFor(run.sim, run.us());
  for (const std::string& body :
       {std::string("{}"), std::string(R"({"startTime":"yesterday","endTime":"2026-11-02T00:00:00Z"})"),
        std::string(R"({"startTime":"2026-11-03T00:00:00Z","endTime":"2026-11-02T00:00:00Z"})"),
        std::string("not json")}) {
    Reply reply = call(run.usUrl(), "POST", "/api/v2/quality/evaluations/export", body, bearer(token));
    CHECK(reply.status == 400);
    CHECK(reply.json()->getValue<std::string>("code") == "bad.request");
  }
  Reply missing = call(run.sim.orgUrl("acme-eu"), "POST", "/api/v2/quality/evaluations/export", kWindow,
                       bearer(tokenFor(run.sim, run.eu())));
  CHECK(missing.status == 404);
  CHECK(missing.json()->getValue<std::string>("code") == "not.found");
  CHECK(missing.json()->getValue<int>("status") == 404);
}

TEST_CASE("Export job with downloadUrl: signed, no Authorization needed or sent", "[sim][export][download]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].useDownloadUrl = true;
  Running run(options);
  const std::string token = tokenFor(run.sim, run.us());
  const std::string job = createExport(run.usUrl(), token);
  Object::Ptr done;
  pollExport(run.usUrl(), token, job, &done);
  REQUIRE(done->getValue<std::string>("status") == "COMPLETED");
  const std::string url = done->getValue<std::string>("downloadUrl");
  REQUIRE(url.rfind(run.sim.downloadUrl() + "/downloads/" + job + "?sig=", 0) == 0);

  const Poco::URI uri(url);
  Reply download = call(run.sim.downloadUrl(), "GET", uri.getPathAndQuery());
  REQUIRE(download.status == 200);
  CHECK(download.json()->getArray("entities")->size() == 20);

  Reply tampered = call(run.sim.downloadUrl(), "GET", uri.getPath() + "?sig=" + std::string(64, '0'));
  CHECK(tampered.status == 403);
  CHECK(tampered.body.find("SignatureDoesNotMatch") != std::string::npos);
  CHECK(call(run.sim.downloadUrl(), "GET", uri.getPath()).status == 403);

  int downloads = 0;
  for (const auto& request : run.sim.requests()) {
    if (request.server != "download") continue;
    ++downloads;
    CHECK(request.headers.count("authorization") == 0);
  }
  CHECK(downloads == 3);
}

// ---------------------------------------------------------------- analytics & data tables

TEST_CASE("Analytics conversation-detail job lists evaluations, the evaluation can be read", "[sim][analytics]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const auto all = run.sim.evaluations("acme-us");
  const std::string first = all[10]->getValue<std::string>("changedDate");
  const std::string endExclusive = all[30]->getValue<std::string>("changedDate");

  Reply created = call(run.usUrl(), "POST", "/api/v2/analytics/conversations/details/jobs",
                       R"({"interval":")" + first + "/" + endExclusive + R"(","order":"asc"})", bearer(token));
  INFO(created.body);
  REQUIRE(created.status == 202);
  const std::string job = created.json()->getValue<std::string>("jobId");
  const std::string jobPath = "/api/v2/analytics/conversations/details/jobs/" + job;

  std::vector<std::string> states;
  for (int i = 0; i < 10; ++i) {
    states.push_back(call(run.usUrl(), "GET", jobPath, "", bearer(token)).json()->getValue<std::string>("state"));
    if (states.back() == "FULFILLED") break;
  }
  CHECK(states == std::vector<std::string>{"QUEUED", "PENDING", "PENDING", "FULFILLED"});

  std::vector<Object::Ptr> conversations;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto json =
        call(run.usUrl(), "GET", jobPath + "/results" + (cursor.empty() ? "" : "?cursor=" + cursor), "", bearer(token))
            .json();
    auto list = json->getArray("conversations");
    for (std::size_t i = 0; i < list->size(); ++i) conversations.push_back(list->getObject(static_cast<unsigned>(i)));
    if (!json->has("cursor")) break;
    cursor = json->getValue<std::string>("cursor");
  }
  // Conversations start 1-48 h before their evaluation, so count by conversationDate.
  std::size_t expected = 0;
  for (const auto& evaluation : all) {
    const std::string date = evaluation->getValue<std::string>("conversationDate");
    if (date >= first && date < endExclusive) ++expected;
  }
  REQUIRE(conversations.size() == expected);
  auto summary = conversations.front()->getArray("evaluations")->getObject(0);
  CHECK(summary->has("formId"));
  CHECK(summary->has("formName"));
  CHECK(summary->has("eventTime"));

  const std::string conversationId = conversations.front()->getValue<std::string>("conversationId");
  const std::string evaluationId = summary->getValue<std::string>("evaluationId");
  Reply full =
      call(run.usUrl(), "GET", "/api/v2/quality/conversations/" + conversationId + "/evaluations/" + evaluationId, "",
           bearer(token));
  REQUIRE(full.status == 200);
  CHECK(full.json()->getValue<std::string>("id") == evaluationId);
  CHECK(call(run.usUrl(), "GET", "/api/v2/quality/conversations/x/evaluations/" + evaluationId, "", bearer(token))
            .status == 404);

  run.sim.revokePermission("acme-us", "analytics:conversationDetail:view");
  CHECK(call(run.usUrl(), "GET", jobPath, "", bearer(token)).status == 403);
}

TEST_CASE("Data table write-back: POST creates, PUT updates only existing rows, GET reads", "[sim][datatable]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  Reply table = call(run.usUrl(), "GET", "/api/v2/flows/datatables/dt-1", "", bearer(token));
  REQUIRE(table.status == 200);
  CHECK(table.json()->getValue<std::string>("id") == "dt-1");
  CHECK_FALSE(table.json()->has("schema"));  // only with expand=schema

  const std::string rows = "/api/v2/flows/datatables/dt-1/rows";
  // PUT is no upsert: a row that does not exist yet is 404.
  Reply early = call(run.usUrl(), "PUT", rows + "/eval-1", R"({"key":"eval-1","state":"New"})", bearer(token));
  CHECK(early.status == 404);
  CHECK(early.json()->getValue<std::string>("code") == "not.found");

  Reply created = call(run.usUrl(), "POST", rows, R"({"key":"eval-1","state":"New","incidentNumber":"INC0010001"})",
                       bearer(token));
  REQUIRE(created.status == 200);
  CHECK(created.json()->getValue<std::string>("key") == "eval-1");
  Reply again = call(run.usUrl(), "POST", rows, R"({"key":"eval-1","state":"New"})", bearer(token));
  CHECK(again.status == 409);
  CHECK(again.json()->getValue<std::string>("code") == "conflict");

  Reply put = call(run.usUrl(), "PUT", rows + "/eval-1", R"({"key":"eval-1","state":"Resolved","incidentNumber":"INC0010001"})",
                   bearer(token));
  REQUIRE(put.status == 200);
  CHECK(put.json()->getValue<std::string>("state") == "Resolved");
  auto stored = run.sim.dataTableRows();
  REQUIRE(stored["dt-1"].count("eval-1") == 1);
  CHECK(stored["dt-1"]["eval-1"]->getValue<std::string>("state") == "Resolved");

  // GET: showbrief defaults to true (only the key); showbrief=false gives the whole row.
  Reply brief = call(run.usUrl(), "GET", rows + "/eval-1", "", bearer(token));
  REQUIRE(brief.status == 200);
  CHECK(brief.json()->size() == 1);
  Reply full = call(run.usUrl(), "GET", rows + "/eval-1?showbrief=false", "", bearer(token));
  CHECK(full.json()->getValue<std::string>("incidentNumber") == "INC0010001");
  CHECK(call(run.usUrl(), "GET", rows + "/eval-9", "", bearer(token)).status == 404);

  // The schema decides what a row may hold.
  CHECK(call(run.usUrl(), "POST", rows, R"({"key":"eval-2","incident":"x"})", bearer(token)).status == 400);
  CHECK(call(run.usUrl(), "POST", rows, R"({"key":"eval-2","state":3})", bearer(token)).status == 400);
  CHECK(call(run.usUrl(), "POST", rows, R"({"state":"New"})", bearer(token)).status == 400);
  CHECK(call(run.usUrl(), "PUT", rows + "/eval-1", R"({"key":"other","state":"x"})", bearer(token)).status == 400);

  run.sim.revokePermission("acme-us", "architect:datatableRow:edit");
  Reply denied = call(run.usUrl(), "PUT", rows + "/eval-1", R"({"key":"eval-1"})", bearer(token));
  CHECK(denied.status == 403);
  CHECK(denied.json()->getValue<std::string>("code") == "missing.any.permissions");
  CHECK(denied.json()->getObject("messageParams")->getValue<std::string>("permissions") ==
        "architect:datatable:edit, architect:datatableRow:edit");
  run.sim.grantPermission("acme-us", "architect:datatable:edit");  // either permission will do
  CHECK(call(run.usUrl(), "PUT", rows + "/eval-1", R"({"key":"eval-1"})", bearer(token)).status == 200);
}

TEST_CASE("Data table schema: expand=schema lists key and the org's columns", "[sim][datatable]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].dataTableColumns = {"incidentNumber", "state"};  // a table without the "link" column
  Running run(options);
  const std::string token = tokenFor(run.sim, run.us());
  Reply table = call(run.usUrl(), "GET", "/api/v2/flows/datatables/dt-1?expand=schema", "", bearer(token));
  REQUIRE(table.status == 200);
  auto schema = table.json()->getObject("schema");
  REQUIRE(schema);
  CHECK(schema->getValue<std::string>("type") == "object");
  CHECK(schema->getArray("required")->getElement<std::string>(0) == "key");
  auto properties = schema->getObject("properties");
  CHECK(properties->has("key"));
  CHECK(properties->has("incidentNumber"));
  CHECK(properties->has("state"));
  CHECK_FALSE(properties->has("link"));
  CHECK(properties->getObject("state")->getValue<std::string>("type") == "string");
  CHECK(schema->getValue<bool>("additionalProperties") == false);
  CHECK(call(run.usUrl(), "POST", "/api/v2/flows/datatables/dt-1/rows", R"({"key":"k","link":"http://x"})",
             bearer(token))
            .status == 400);
  CHECK(call(run.usUrl(), "GET", "/api/v2/flows/datatables/dt-1?expand=columns", "", bearer(token)).status == 400);
}

// ---------------------------------------------------------------- evaluation search & GET

namespace {

// A search body: a DATE_RANGE on `field`, plus `extra` criteria/keys spliced in as JSON text.
std::string searchBody(const std::string& start, const std::string& end, int pageNumber, int pageSize,
                       const std::string& extraCriteria = "", const std::string& extraKeys = "",
                       const std::string& field = "submittedDate") {
  return R"({"query":[{"type":"DATE_RANGE","field":")" + field + R"(","startValue":")" + start +
         R"(","endValue":")" + end + "\"}" + extraCriteria + R"(],"pageNumber":)" + std::to_string(pageNumber) +
         R"(,"pageSize":)" + std::to_string(pageSize) + extraKeys + "}";
}

const char* const kSearch = "/api/v2/quality/evaluations/search";

std::vector<std::string> searchIds(const Running& run, const std::string& token, const std::string& body) {
  Reply reply = call(run.usUrl(), "POST", kSearch, body, bearer(token));
  INFO(body << " -> " << reply.body);
  REQUIRE(reply.status == 200);
  return idsIn(reply.json()->getArray("results"));
}

}  // namespace

TEST_CASE("Evaluation search: pages by number, inclusive range, no total, bare references", "[sim][search]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const auto all = run.sim.evaluations("acme-us");
  // Evaluation i was submitted at 2026-11-01T00:00Z + i h; both ends of the range are inclusive.
  std::set<std::string> expected;
  for (std::size_t i = 5; i <= 14; ++i) expected.insert(all[i]->getValue<std::string>("id"));

  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  for (int page = 1; page <= 4; ++page) {
    Reply reply = call(run.usUrl(), "POST", kSearch,
                       searchBody("2026-11-01T05:00:00.000Z", "2026-11-01T14:00:00.000Z", page, 4), bearer(token));
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json->getValue<int>("pageNumber") == page);
    CHECK(json->getValue<int>("pageSize") == 4);
    CHECK_FALSE(json->has("total"));  // EvaluationSearchResponse has no total
    auto ids = idsIn(json->getArray("results"));
    sizes.push_back(ids.size());
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (page == 1) {
      auto item = json->getArray("results")->getObject(0);
      CHECK_FALSE(item->getObject("agent")->has("name"));
      CHECK_FALSE(item->getObject("evaluator")->has("name"));
      CHECK_FALSE(item->getObject("evaluationForm")->has("name"));  // EvaluationFormSearchResponse
      CHECK(item->getObject("evaluationForm")->has("selfUri"));
      CHECK(item->getObject("queue")->has("name"));
      CHECK(item->getObject("answers")->has("totalScore"));
    }
  }
  CHECK(sizes == std::vector<std::size_t>{4, 4, 2, 0});
  CHECK(std::is_sorted(seen.begin(), seen.end()));  // the default order is by evaluation id
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
  CHECK(seen.size() == expected.size());

  // Sorted by a date field, either way (sortOrder without regard to case).
  const auto newest = searchIds(run, token,
                                searchBody("2026-11-01T05:00:00.000Z", "2026-11-01T14:00:00.000Z", 1, 100, "",
                                           R"(,"sortBy":"submittedDate","sortOrder":"desc")"));
  REQUIRE(newest.size() == 10);
  CHECK(newest.front() == all[14]->getValue<std::string>("id"));
  CHECK(newest.back() == all[5]->getValue<std::string>("id"));
  const auto oldest = searchIds(run, token,
                                searchBody("2026-11-01T05:00:00.000Z", "2026-11-01T14:00:00.000Z", 1, 100, "",
                                           R"(,"sortBy":"submittedDate","sortOrder":"ASC")"));
  CHECK(oldest.front() == all[5]->getValue<std::string>("id"));

  // Without pageSize: 25.
  Reply defaults = call(run.usUrl(), "POST", kSearch,
                        R"({"query":[{"type":"DATE_RANGE","field":"releaseDate","startValue":"2026-11-01T00:00:00.000Z",)"
                        R"("endValue":"2026-11-03T00:00:00.000Z"}],"pageNumber":1})",
                        bearer(token));
  REQUIRE(defaults.status == 200);
  CHECK(defaults.json()->getValue<int>("pageSize") == 25);
  CHECK(defaults.json()->getArray("results")->size() == 25);
}

TEST_CASE("Evaluation search: EXACT criteria are AND-ed, their values OR-ed", "[sim][search]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const auto all = run.sim.evaluations("acme-us");
  const std::string a = all[5]->getValue<std::string>("id");
  const std::string b = all[6]->getValue<std::string>("id");
  const std::string start = "2026-11-01T00:00:00.000Z";
  const std::string end = "2026-11-02T23:00:00.000Z";

  auto ids = searchIds(run, token,
                       searchBody(start, end, 1, 100,
                                  R"(,{"type":"EXACT","field":"evaluationId","values":[")" + a + R"(",")" + b + R"("]})"));
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == std::set<std::string>{a, b});
  const std::string agent = all[5]->getObject("agent")->getValue<std::string>("id");
  ids = searchIds(run, token,
                  searchBody(start, end, 1, 100,
                             R"(,{"type":"EXACT","field":"evaluationId","values":[")" + a + R"(",")" + b +
                                 R"("]},{"type":"EXACT","field":"agentId","values":[")" + agent + R"("]})"));
  for (const auto& id : ids) CHECK((id == a || id == b));
  CHECK(std::count(ids.begin(), ids.end(), a) == 1);
  ids = searchIds(run, token,
                  searchBody(start, end, 1, 100, R"(,{"type":"EXACT","field":"evaluationStatus","values":["FINISHED"]})"));
  CHECK(ids.size() == 40);
  ids = searchIds(run, token,
                  searchBody(start, end, 1, 100,
                             R"(,{"type":"EXACT","field":"evaluationId","value":")" + a + R"(","operator":"NOT"})"));
  CHECK(ids.size() == 39);
  const std::string conversation = all[7]->getObject("conversation")->getValue<std::string>("id");
  ids = searchIds(run, token,
                  searchBody(start, end, 1, 100,
                             R"(,{"type":"EXACT","field":"conversationId","values":[")" + conversation + R"("]})"));
  CHECK(ids == std::vector<std::string>{all[7]->getValue<std::string>("id")});
}

TEST_CASE("Evaluation search: refusals name the rule (dates, 90 days, paging reach, criteria)", "[sim][search]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  auto refused = [&](const std::string& body, const std::string& expectedText) {
    Reply reply = call(run.usUrl(), "POST", kSearch, body, bearer(token));
    INFO(body << " -> " << reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.json()->getValue<std::string>("code") == "bad.request");
    CHECK(reply.json()->getValue<std::string>("message").find(expectedText) != std::string::npos);
  };
  const std::string s = "2026-11-01T00:00:00.000Z";
  const std::string e = "2026-11-02T00:00:00.000Z";
  refused(searchBody("2026-11-01T00:00:00Z", e, 1, 10), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  refused(searchBody(s, "2026-11-02T00:00:00.000+01:00", 1, 10), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  refused(searchBody(s, "2027-01-31T00:00:01.000Z", 1, 10), "90 days");
  CHECK(call(run.usUrl(), "POST", kSearch, searchBody(s, "2027-01-30T00:00:00.000Z", 1, 10), bearer(token)).status ==
        200);  // exactly 90 days
  refused(searchBody(e, s, 1, 10), "before startValue");
  refused(searchBody(s, e, 0, 10), "pageNumber");
  refused(searchBody(s, e, 1, 101), "pageSize");
  refused(searchBody(s, e, 1, 0), "pageSize");
  refused(searchBody(s, e, 101, 100), "10000");
  CHECK(call(run.usUrl(), "POST", kSearch, searchBody(s, e, 100, 100), bearer(token)).json()->getArray("results")->size() ==
        0);  // within reach, past the end: an empty page
  refused(searchBody(s, e, 1, 10, "", "", "changedDate"), "'changedDate' is not a searchable field");
  refused(searchBody(s, e, 1, 10, "", "", "evaluationId"), "a DATE_RANGE is on conversationDate");
  refused(searchBody(s, e, 1, 10, R"(,{"type":"DATE_RANGE","field":"releaseDate","startValue":")" + s +
                                      R"(","endValue":")" + e + "\"}"),
          "only one DATE_RANGE");
  refused(R"({"query":[{"type":"EXACT","field":"evaluationStatus","values":["FINISHED"]}],"pageNumber":1})",
          "DATE_RANGE criterion");
  refused(R"({"query":[{"type":"DATE_RANGE","field":"submittedDate","startValue":")" + s + R"(","endValue":")" + e +
              R"("}],"pageSize":10})",
          "pageNumber");
  refused(searchBody(s, e, 1, 10, "", R"(,"pagesize":10)"), "pagesize");
  refused(searchBody(s, e, 1, 10, "", R"(,"sortBy":"submittedDate")"), "together");
  refused(searchBody(s, e, 1, 10, "", R"(,"sortBy":"changedDate","sortOrder":"ASC")"), "sortBy");
  refused(searchBody(s, e, 1, 10, R"(,{"type":"EXACT","field":"agentName","values":["x"]})"), "agentName");
  refused(searchBody(s, e, 1, 10, R"(,{"type":"EXACT","field":"agentId"})"), "value");
  refused("not json", "");

  run.sim.revokePermission("acme-us", "quality:evaluation:searchAny");
  Reply denied = call(run.usUrl(), "POST", kSearch, searchBody(s, e, 1, 10), bearer(token));
  CHECK(denied.status == 403);
  CHECK(denied.json()->getValue<std::string>("code") == "missing.permissions");
  CHECK(denied.json()->getObject("messageParams")->getValue<std::string>("permissions") ==
        "quality:evaluation:searchAny");
}

TEST_CASE("Evaluation GET honours expand: names only for the expanded references", "[sim][expand]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const auto stored = run.sim.evaluations("acme-us")[3];
  const std::string path = "/api/v2/quality/conversations/" +
                           stored->getObject("conversation")->getValue<std::string>("id") + "/evaluations/" +
                           stored->getValue<std::string>("id");
  auto keysOf = [](const Object::Ptr& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : *object) keys.insert(key);
    return keys;
  };
  const std::set<std::string> bare{"id", "selfUri"};
  const std::set<std::string> named{"id", "name", "selfUri"};

  auto plain = call(run.usUrl(), "GET", path, "", bearer(token)).json();
  CHECK(keysOf(plain->getObject("agent")) == bare);
  CHECK(keysOf(plain->getObject("evaluator")) == bare);
  CHECK(keysOf(plain->getObject("evaluationForm")) == bare);
  CHECK(keysOf(plain->getObject("queue")) == named);
  CHECK(keysOf(plain->getObject("conversation")) == bare);

  auto agentOnly = call(run.usUrl(), "GET", path + "?expand=agent", "", bearer(token)).json();
  CHECK(keysOf(agentOnly->getObject("agent")) == named);
  CHECK(keysOf(agentOnly->getObject("evaluator")) == bare);

  auto all = call(run.usUrl(), "GET", path + "?expand=agent,evaluator,evaluationForm", "", bearer(token)).json();
  CHECK(all->getObject("agent")->getValue<std::string>("name") ==
        stored->getObject("agent")->getValue<std::string>("name"));
  CHECK(all->getObject("evaluator")->has("name"));
  CHECK(all->getObject("evaluationForm")->getValue<std::string>("name") ==
        stored->getObject("evaluationForm")->getValue<std::string>("name"));

  CHECK(call(run.usUrl(), "GET", path + "?expand=assignee", "", bearer(token)).status == 200);  // documented, no-op
  Reply typo = call(run.usUrl(), "GET", path + "?expand=form", "", bearer(token));
  CHECK(typo.status == 400);
  CHECK(typo.json()->getValue<std::string>("message").find("form") != std::string::npos);
}

TEST_CASE("Unfinished evaluations: PENDING or INPROGRESS, partial answers, never submitted", "[sim][data]") {
  SimulatorOptions options = evalbridge::sim::defaultScenario();  // unfinishedShare 0.1
  options.orgs[0].evaluationCount = 200;
  Simulator a(options);
  Simulator b(options);
  const auto evaluations = a.evaluations("acme-us");
  const auto again = b.evaluations("acme-us");
  int pending = 0;
  int inProgress = 0;
  std::string unfinishedId;
  for (std::size_t i = 0; i < evaluations.size(); ++i) {
    REQUIRE(toText(evaluations[i]) == toText(again[i]));  // deterministic from the seed
    const auto& evaluation = evaluations[i];
    const std::string status = evaluation->getValue<std::string>("status");
    CHECK(evaluation->has("createdDate"));
    if (status == "FINISHED") {
      CHECK(evaluation->getValue<std::string>("submittedDate") == evaluation->getValue<std::string>("changedDate"));
      continue;
    }
    unfinishedId = evaluation->getValue<std::string>("id");
    CHECK_FALSE(evaluation->has("submittedDate"));
    CHECK_FALSE(evaluation->has("releaseDate"));
    auto answers = evaluation->getObject("answers");
    if (status == "PENDING") {
      ++pending;
      CHECK_FALSE(answers->has("totalScore"));
    } else {
      REQUIRE(status == "INPROGRESS");
      ++inProgress;
      CHECK(answers->getValue<double>("totalScore") < 61.0);  // at most 60 % of a score of 100
    }
  }
  CHECK(pending > 3);
  CHECK(inProgress > 3);
  CHECK(pending + inProgress < 40);
  // Only a submitted evaluation can be rescored.
  CHECK_THROWS_AS(a.rescore("acme-us", unfinishedId, 50, "2026-12-01T00:00:00Z"), Poco::InvalidArgumentException);

  // Unfinished evaluations have no submittedDate, so a search on it never finds them; on
  // createdDate it does.
  a.start();
  const auto& org = a.options().orgs[0];
  const std::string token = tokenFor(a, org);
  auto count = [&](const std::string& field) {
    std::size_t found = 0;
    for (int page = 1; page < 10; ++page) {
      Reply reply = call(a.orgUrl("acme-us"), "POST", kSearch,
                         searchBody("2026-10-25T00:00:00.000Z", "2026-11-20T00:00:00.000Z", page, 100, "", "", field),
                         bearer(token));
      REQUIRE(reply.status == 200);
      const auto size = reply.json()->getArray("results")->size();
      found += size;
      if (size < 100) break;
    }
    return found;
  };
  CHECK(count("submittedDate") == 200 - static_cast<std::size_t>(pending + inProgress));
  CHECK(count("createdDate") == 200);
}

// ---------------------------------------------------------------- analytics: late data, eventTime

namespace {

// Creates an analytics job over `interval`, polls it to FULFILLED, returns every conversation.
std::vector<Object::Ptr> analyticsConversations(const Running& run, const std::string& token,
                                                const std::string& interval, Object::Ptr* lastPage = nullptr,
                                                Object::Ptr* lastStatus = nullptr) {
  Reply created = call(run.usUrl(), "POST", "/api/v2/analytics/conversations/details/jobs",
                       R"({"interval":")" + interval + "\"}", bearer(token));
  REQUIRE(created.status == 202);
  const std::string jobPath =
      "/api/v2/analytics/conversations/details/jobs/" + created.json()->getValue<std::string>("jobId");
  for (int i = 0; i < 10; ++i) {
    auto status = call(run.usUrl(), "GET", jobPath, "", bearer(token)).json();
    if (lastStatus) *lastStatus = status;
    if (status->getValue<std::string>("state") == "FULFILLED") break;
  }
  std::vector<Object::Ptr> conversations;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto json = call(run.usUrl(), "GET", jobPath + "/results?pageSize=5" + (cursor.empty() ? "" : "&cursor=" + cursor),
                     "", bearer(token))
                    .json();
    if (lastPage) *lastPage = json;
    auto list = json->getArray("conversations");
    for (std::size_t i = 0; i < list->size(); ++i) conversations.push_back(list->getObject(static_cast<unsigned>(i)));
    if (!json->has("cursor")) break;
    cursor = json->getValue<std::string>("cursor");
  }
  return conversations;
}

const std::string kAllConversations = "2026-10-20T00:00:00.000Z/2026-11-10T00:00:00.000Z";

}  // namespace

TEST_CASE("Analytics: a job sees only data before dataAvailabilityDate, eventTime is the first submission",
          "[sim][analytics]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const auto all = run.sim.evaluations("acme-us");
  const std::string availability = "/api/v2/analytics/conversations/details/jobs/availability";

  // Pinned: evaluations 0..10 (submitted 00:00..10:00) are in analytics, the rest not yet.
  run.sim.setDataAvailability("acme-us", "2026-11-01T10:30:00Z");
  Reply pinned = call(run.usUrl(), "GET", availability, "", bearer(token));
  REQUIRE(pinned.status == 200);
  CHECK(pinned.json()->getValue<std::string>("dataAvailabilityDate") == "2026-11-01T10:30:00.000Z");
  CHECK(pinned.json()->size() == 1);
  Object::Ptr page;
  Object::Ptr status;
  auto conversations = analyticsConversations(run, token, kAllConversations, &page, &status);
  CHECK(conversations.size() == 11);
  CHECK(page->getValue<std::string>("dataAvailabilityDate") == "2026-11-01T10:30:00.000Z");
  CHECK(status->has("submissionDate"));
  CHECK(status->has("completionDate"));
  CHECK(status->has("expirationDate"));

  // A rescore: new score, rescored, but eventTime stays the first submission.
  const std::string rescoredId = all[3]->getValue<std::string>("id");
  const std::string firstSubmission = all[3]->getValue<std::string>("submittedDate");
  run.sim.rescore("acme-us", rescoredId, 41.5, "2026-11-01T20:00:00Z");
  CHECK(run.sim.evaluations("acme-us").size() == 40);
  conversations = analyticsConversations(run, token, kAllConversations);
  bool found = false;
  for (const auto& conversation : conversations) {
    auto evaluation = conversation->getArray("evaluations")->getObject(0);
    if (evaluation->getValue<std::string>("evaluationId") != rescoredId) continue;
    found = true;
    CHECK(evaluation->getValue<std::string>("eventTime") == firstSubmission);
    CHECK(evaluation->getValue<bool>("rescored"));
    CHECK(evaluation->get("oTotalScore").isInteger());
    CHECK(evaluation->getValue<int>("oTotalScore") == 42);  // 41.5 rounded: the model has an int
  }
  CHECK(found);
  for (const auto& evaluation : run.sim.evaluations("acme-us")) {
    if (evaluation->getValue<std::string>("id") != rescoredId) continue;
    CHECK(evaluation->getValue<std::string>("submittedDate") == "2026-11-01T20:00:00.000Z");  // the last one
    CHECK(evaluation->getValue<std::string>("releaseDate") == "2026-11-01T20:00:00.000Z");
    CHECK(evaluation->getValue<std::string>("status") == "FINISHED");
  }

  // Back to the clock (now is after all seeded data): everything is there.
  run.sim.setDataAvailability("acme-us", std::nullopt);
  CHECK(analyticsConversations(run, token, kAllConversations).size() == 40);
  CHECK_THROWS_AS(run.sim.setDataAvailability("acme-us", std::string("tomorrow")), Poco::InvalidArgumentException);
}

TEST_CASE("Analytics: analyticsLagS keeps dataAvailabilityDate behind the clock", "[sim][analytics]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].analyticsLagS = 7200;
  Running run(options);
  const std::string token = tokenFor(run.sim, run.us());
  auto json = call(run.usUrl(), "GET", "/api/v2/analytics/conversations/details/jobs/availability", "", bearer(token))
                  .json();
  Poco::DateTime parsed;
  int zone = 0;
  REQUIRE(Poco::DateTimeParser::tryParse(json->getValue<std::string>("dataAvailabilityDate"), parsed, zone));
  const auto behind = (Poco::Timestamp() - parsed.timestamp()) / Poco::Timestamp::resolution();
  CHECK(behind >= 7199);
  CHECK(behind <= 7260);
  CHECK(call(run.sim.orgUrl("acme-eu"), "GET", "/api/v2/analytics/conversations/details/jobs/availability", "",
             bearer(tokenFor(run.sim, run.eu())))
            .status == 200);
}

TEST_CASE("Request log caps a huge response body with a marker", "[sim][log]") {
  const std::string small(100, 'x');
  CHECK(evalbridge::sim::RequestLog::capped(small) == small);
  const std::string huge(evalbridge::sim::RequestLog::kMaxBodyBytes + 10, 'y');
  const std::string kept = evalbridge::sim::RequestLog::capped(huge);
  CHECK(kept.size() < huge.size() + 100);
  CHECK(kept.find("truncated") != std::string::npos);
  CHECK(kept.find(std::to_string(huge.size())) != std::string::npos);
}

// ---------------------------------------------------------------- ServiceNow

TEST_CASE("ServiceNow: create, find by correlation_id, PATCH with a work note, 404", "[sim][servicenow]") {
  Running run;
  Reply created = call(run.sn(), "POST", "/api/now/table/incident",
                       R"({"short_description":"QA fail","urgency":2,"assignment_group":"Billing QA",)"
                       R"("correlation_id":"evalbridge:org:e1","work_notes":"first note"})",
                       run.snAuth());
  REQUIRE(created.status == 201);
  auto result = created.json()->getObject("result");
  const std::string sysId = result->getValue<std::string>("sys_id");
  CHECK(sysId.size() == 32);
  CHECK(sysId.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(result->getValue<std::string>("number") == "INC0010001");
  CHECK(result->getValue<std::string>("state") == "1");
  CHECK(result->getValue<std::string>("urgency") == "2");
  CHECK(result->getValue<std::string>("sys_mod_count") == "0");
  CHECK(result->getValue<std::string>("sys_created_on").size() == 19);
  CHECK(result->getObject("assignment_group")->has("link"));
  CHECK(createIncident(run, "evalbridge:org:e2") != sysId);
  CHECK(run.sim.incidents().at(1)->getValue<std::string>("number") == "INC0010002");

  Reply found = call(run.sn(), "GET",
                     "/api/now/table/incident?sysparm_query=correlation_id%3Devalbridge:org:e1"
                     "&sysparm_fields=sys_id,number,state,sys_updated_on&sysparm_limit=2",
                     "", run.snAuth());
  REQUIRE(found.status == 200);
  auto list = found.json()->getArray("result");
  REQUIRE(list->size() == 1);
  CHECK(list->getObject(0)->getValue<std::string>("sys_id") == sysId);
  CHECK_FALSE(list->getObject(0)->has("short_description"));  // sysparm_fields applies

  Reply patched = call(run.sn(), "PATCH", "/api/now/table/incident/" + sysId,
                       R"({"urgency":"1","work_notes":"rescored"})", run.snAuth());
  REQUIRE(patched.status == 200);
  CHECK(patched.json()->getObject("result")->getValue<std::string>("sys_mod_count") == "1");
  CHECK(patched.json()->getObject("result")->getValue<std::string>("urgency") == "1");
  auto stored = run.sim.incidents().at(0);
  CHECK(stored->getValue<std::string>("assignment_group") == "Billing QA");
  CHECK(stored->getArray("work_notes_journal")->size() == 2);
  CHECK(stored->getArray("work_notes_journal")->getElement<std::string>(1) == "rescored");
  CHECK_FALSE(stored->has("work_notes"));

  CHECK(call(run.sn(), "GET", "/api/now/table/incident/" + sysId, "", run.snAuth()).status == 200);
  Reply missing = call(run.sn(), "PATCH", "/api/now/table/incident/" + std::string(32, 'f'), "{}", run.snAuth());
  CHECK(missing.status == 404);
  CHECK(missing.json()->getObject("error")->getValue<std::string>("message") == "No Record found");
  CHECK(missing.json()->getValue<std::string>("status") == "failure");
}

TEST_CASE("ServiceNow: encoded queries for the state pull", "[sim][servicenow]") {
  Running run;
  const std::string a = createIncident(run, "evalbridge:o:a");
  const std::string b = createIncident(run, "evalbridge:o:b");
  createIncident(run, "other:c");
  auto query = [&](const std::string& q) {
    Reply reply = call(run.sn(), "GET", "/api/now/table/incident?sysparm_query=" + q, "", run.snAuth());
    REQUIRE(reply.status == 200);
    return reply.json()->getArray("result");
  };
  CHECK(query("correlation_idSTARTSWITHevalbridge:")->size() == 2);
  CHECK(query("correlation_idSTARTSWITHevalbridge:%5Esys_updated_on%3E%3D2000-01-01%2000:00:00")->size() == 2);
  CHECK(query("sys_updated_on%3E2999-01-01%2000:00:00")->size() == 0);
  auto ordered = query("correlation_idSTARTSWITHevalbridge:%5EORDERBYDESCcorrelation_id");
  CHECK(idsIn(ordered, "sys_id") == std::vector<std::string>{b, a});
  const std::string lower = std::min(a, b);
  CHECK(query("correlation_idSTARTSWITHevalbridge:%5Esys_id%3E" + lower)->size() == 1);
  Reply paged =
      call(run.sn(), "GET", "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_limit=1&sysparm_offset=1", "",
           run.snAuth());
  CHECK(idsIn(paged.json()->getArray("result"), "sys_id") == std::vector<std::string>{b});
  CHECK(paged.header("x-total-count") == "3");

  Reply unsupported =
      call(run.sn(), "GET", "/api/now/table/incident?sysparm_query=correlation_id%3Da%5EORcorrelation_id%3Db", "",
           run.snAuth());
  CHECK(unsupported.status == 400);
}

TEST_CASE("ServiceNow: 401 without valid auth, 403 for a table the ACL hides, OAuth works", "[sim][servicenow]") {
  Running run;
  Reply anonymous = call(run.sn(), "GET", "/api/now/table/incident");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.json()->getObject("error")->getValue<std::string>("message") == "User Not Authenticated");
  CHECK(anonymous.json()->getObject("error")->getValue<std::string>("detail") ==
        "Required to provide Auth information");
  CHECK(call(run.sn(), "GET", "/api/now/table/incident", "", {{"Authorization", basicAuth("svc_evalbridge", "wrong")}})
            .status == 401);

  Reply acl = call(run.sn(), "POST", "/api/now/table/sys_user", "{}", run.snAuth());
  CHECK(acl.status == 403);
  CHECK(acl.json()->getObject("error")->getValue<std::string>("detail") ==
        "ACL Exception Insert/Read Failed due to security constraints");

  const auto& spec = run.sim.options().servicenow;
  for (const std::string& form :
       {"grant_type=client_credentials&client_id=" + spec.oauthClientId + "&client_secret=" + spec.oauthClientSecret,
        "grant_type=password&client_id=" + spec.oauthClientId + "&client_secret=" + spec.oauthClientSecret +
            "&username=" + spec.username + "&password=" + spec.password}) {
    Reply token = call(run.sn(), "POST", "/oauth_token.do", form, {}, "application/x-www-form-urlencoded");
    REQUIRE(token.status == 200);
    CHECK(token.json()->getValue<int>("expires_in") == 1800);
    CHECK(token.json()->getValue<std::string>("token_type") == "Bearer");
    CHECK(call(run.sn(), "GET", "/api/now/table/incident", "",
               bearer(token.json()->getValue<std::string>("access_token")))
              .status == 200);
    // Within its lifetime, the same token again ("always return the current access token"),
    // with what is left of it.
    Reply again = call(run.sn(), "POST", "/oauth_token.do", form, {}, "application/x-www-form-urlencoded");
    REQUIRE(again.status == 200);
    CHECK(again.json()->getValue<std::string>("access_token") == token.json()->getValue<std::string>("access_token"));
    CHECK(again.json()->getValue<int>("expires_in") <= 1800);
    CHECK(again.json()->getValue<int>("expires_in") >= 1790);
  }
  CHECK(call(run.sn(), "POST", "/oauth_token.do", "grant_type=client_credentials&client_id=x&client_secret=y", {},
             "application/x-www-form-urlencoded")
            .status == 401);
  CHECK(call(run.sn(), "GET", "/api/now/table/incident", "", bearer("made-up")).status == 401);
}

// ---------------------------------------------------------------- faults

TEST_CASE("Fault: status 429 with Retry-After, in each server's error shape, count-limited", "[sim][faults]") {
  Running run;
  FaultRule rule;
  rule.server = "servicenow";
  rule.method = "POST";
  rule.pathPrefix = "/api/now/table/incident";
  rule.kind = "status";
  rule.status = 429;
  rule.retryAfter = "2";
  rule.count = 1;
  run.sim.addFault(rule);
  Reply limited = call(run.sn(), "POST", "/api/now/table/incident", R"({"correlation_id":"x"})", run.snAuth());
  CHECK(limited.status == 429);
  CHECK(limited.header("retry-after") == "2");
  CHECK(limited.json()->getObject("error")->getValue<std::string>("message") == "Rate limit exceeded");
  CHECK(run.sim.incidents().empty());
  CHECK(call(run.sn(), "POST", "/api/now/table/incident", R"({"correlation_id":"x"})", run.snAuth()).status == 201);

  FaultRule genesys;
  genesys.server = "acme-us";
  genesys.kind = "status";
  genesys.status = 503;
  run.sim.addFault(genesys);
  Reply unavailable = call(run.usUrl(), "GET", "/api/v2/tokens/me");
  CHECK(unavailable.status == 503);
  CHECK(unavailable.json()->getValue<std::string>("code") == "service.unavailable");
  CHECK(unavailable.json()->has("contextId"));
  CHECK_FALSE(unavailable.header("inin-correlation-id").empty());
  CHECK(unavailable.header("retry-after").empty());
  run.sim.clearFaults();
  CHECK(call(run.usUrl(), "GET", "/api/v2/tokens/me").status == 401);
}

TEST_CASE("Fault: reset drops the connection without an answer and without doing the work", "[sim][faults]") {
  Running run;
  FaultRule rule;
  rule.server = "servicenow";
  rule.kind = "reset";
  rule.count = 1;
  run.sim.addFault(rule);
  CHECK_THROWS_AS(call(run.sn(), "POST", "/api/now/table/incident", R"({"correlation_id":"r"})", run.snAuth()),
                  Poco::Exception);
  CHECK(run.sim.incidents().empty());
  auto log = run.sim.requests();
  REQUIRE(log.size() == 1);
  CHECK(log[0].status == 0);
  // The server is fine afterwards.
  CHECK(call(run.sn(), "POST", "/api/now/table/incident", R"({"correlation_id":"r"})", run.snAuth()).status == 201);
}

TEST_CASE("Fault: ambiguous does the work, then drops the answer", "[sim][faults]") {
  Running run;
  FaultRule rule;
  rule.server = "servicenow";
  rule.method = "POST";
  rule.kind = "ambiguous";
  rule.count = 1;
  run.sim.addFault(rule);
  CHECK_THROWS_AS(
      call(run.sn(), "POST", "/api/now/table/incident", R"({"correlation_id":"evalbridge:o:amb"})", run.snAuth()),
      Poco::Exception);
  REQUIRE(run.sim.incidents().size() == 1);  // created, although the client never heard of it
  Reply lookup = call(run.sn(), "GET", "/api/now/table/incident?sysparm_query=correlation_id%3Devalbridge:o:amb", "",
                      run.snAuth());
  CHECK(lookup.json()->getArray("result")->size() == 1);
  CHECK(run.sim.requests().front().status == 0);
}

TEST_CASE("Fault: latency delays the answer, and the request counts as arrived before it is answered and logged",
          "[sim][faults]") {
  Running run;
  FaultRule slow;
  slow.server = "acme-us";
  slow.kind = "latency";
  slow.latencyMs = 1000;
  slow.count = 1;
  run.sim.addFault(slow);
  const auto started = std::chrono::steady_clock::now();
  auto answered = std::async(std::launch::async, [&] { return call(run.usUrl(), "GET", "/api/v2/tokens/me"); });
  REQUIRE(evalbridge::test::eventually([&] { return run.sim.arrivals("acme-us", "GET") == 1; },
                                       std::chrono::seconds(5)));
  CHECK(run.sim.requests().empty());  // still held: not answered, not logged
  CHECK(run.sim.arrivals("acme-us", "POST") == 0);
  CHECK(answered.get().status == 401);  // latency, then the normal answer
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(1000));
  CHECK(run.sim.requests().size() == 1);
}

TEST_CASE("Fault: jobStatus makes an export job fail for good", "[sim][faults][export]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  const std::string job = createExport(run.usUrl(), token);
  FaultRule rule;
  rule.server = "acme-us";
  rule.kind = "jobStatus";
  rule.jobStatus = "EXPIRED";
  rule.count = 1;
  run.sim.addFault(rule);
  // A broad jobStatus rule does not spend itself on requests that are not job polls.
  CHECK(call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(token)).status == 200);
  Object::Ptr last;
  CHECK(pollExport(run.usUrl(), token, job, &last) == std::vector<std::string>{"EXPIRED"});
  CHECK_FALSE(last->getValue<std::string>("errorMessage").empty());
  CHECK(pollExport(run.usUrl(), token, job) == std::vector<std::string>{"EXPIRED"});
  CHECK(call(run.usUrl(), "GET", "/api/v2/quality/exports/" + job + "/results", "", bearer(token)).status == 400);
  // A resubmitted job is not affected (count 1 is spent).
  CHECK(pollExport(run.usUrl(), token, createExport(run.usUrl(), token)).back() == "COMPLETED");
}

TEST_CASE("Fault: badJson answers 200 with a truncated body", "[sim][faults]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  FaultRule rule;
  rule.server = "acme-us";
  rule.pathPrefix = "/api/v2/tokens";
  rule.kind = "badJson";
  run.sim.addFault(rule);
  Reply reply = call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(token));
  CHECK(reply.status == 200);
  CHECK_THROWS(reply.json());
}

TEST_CASE("FaultInjector: order, count, seeded probability", "[sim][faults]") {
  auto pattern = [](std::uint64_t seed) {
    evalbridge::sim::FaultInjector injector;
    FaultRule rule;
    rule.server = "s";
    rule.kind = "reset";
    rule.probability = 0.5;
    rule.seed = seed;
    injector.add(rule);
    std::string fired;
    for (int i = 0; i < 64; ++i) fired += injector.decide("s", "GET", "/", false).fault ? '1' : '0';
    return fired;
  };
  CHECK(pattern(3) == pattern(3));
  CHECK(pattern(3) != pattern(4));
  CHECK(pattern(3).find('1') != std::string::npos);
  CHECK(pattern(3).find('0') != std::string::npos);

  evalbridge::sim::FaultInjector injector;
  FaultRule first;
  first.server = "s";
  first.kind = "status";
  first.status = 500;
  first.count = 1;
  FaultRule second = first;
  second.status = 502;
  second.count = -1;
  FaultRule slow;
  slow.server = "s";
  slow.kind = "latency";
  slow.latencyMs = 5;
  injector.add(first);
  injector.add(second);
  injector.add(slow);
  auto one = injector.decide("s", "GET", "/x", false);
  CHECK(one.fault->status == 500);
  CHECK(one.latencyMs == 5);
  CHECK(injector.decide("s", "GET", "/x", false).fault->status == 502);
  CHECK_FALSE(injector.decide("other", "GET", "/x", false).fault);
  FaultRule bad;
  bad.server = "s";
  bad.kind = "explode";
  CHECK_THROWS_AS(injector.add(bad), Poco::InvalidArgumentException);
}

// ---------------------------------------------------------------- request log, data, webhook

TEST_CASE("Request log records every server's requests with the answered status", "[sim][log]") {
  Running run;
  const std::string token = tokenFor(run.sim, run.us());
  call(run.usUrl(), "GET", "/api/v2/tokens/me?x=1", "", bearer(token));
  call(run.sn(), "GET", "/api/now/table/incident");
  auto log = run.sim.requests();
  REQUIRE(log.size() == 3);
  CHECK(log[0].server == "acme-us");
  CHECK(log[0].method == "POST");
  CHECK(log[0].path == "/oauth/token");
  CHECK(log[0].body == "grant_type=client_credentials");
  CHECK(log[0].status == 200);
  CHECK(log[1].path == "/api/v2/tokens/me");
  CHECK(log[1].query == "x=1");
  CHECK(log[1].headers.at("authorization") == "Bearer " + token);
  CHECK(log[2].server == "servicenow");
  CHECK(log[2].status == 401);
  // The answers are logged too, so a test can check every response the simulator sent.
  CHECK(log[0].responseContentType == "application/json");
  CHECK(log[0].responseBody.find("access_token") != std::string::npos);
  CHECK(log[1].responseBody.find("\"organization\"") != std::string::npos);
  CHECK(log[2].responseBody.find("User Not Authenticated") != std::string::npos);
  CHECK(log[0].seq < log[1].seq);
  CHECK(log[1].seq < log[2].seq);
  CHECK(log[0].time > 1.7e9);
  CHECK(run.sim.requestsSince(log[1].seq).size() == 1);
  run.sim.clearRequests();
  CHECK(run.sim.requests().empty());
}

TEST_CASE("Evaluations are deterministic and shaped like Genesys's", "[sim][data]") {
  SimulatorOptions options = twoOrgs();
  options.orgs[0].evaluationCount = 200;
  Simulator a(options);
  Simulator b(options);
  const auto first = a.evaluations("acme-us");
  const auto second = b.evaluations("acme-us");
  REQUIRE(first.size() == 200);
  for (std::size_t i = 0; i < first.size(); ++i) REQUIRE(toText(first[i]) == toText(second[i]));
  CHECK(toText(a.evaluations("acme-eu")[0]) != toText(first[0]));  // other seed, other data
  CHECK(a.addEvaluations("acme-us", 3, "") == b.addEvaluations("acme-us", 3, ""));

  int failing = 0;
  std::set<std::string> queues;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const auto& evaluation = first[i];
    auto answers = evaluation->getObject("answers");
    const double score = answers->getValue<double>("totalScore");
    const bool kill = answers->getValue<bool>("anyFailedKillQuestions");
    if (score < 70 || kill) ++failing;
    CHECK(score >= 0);
    CHECK(score <= 100);
    CHECK(evaluation->getValue<std::string>("id").size() == 36);
    CHECK(evaluation->getObject("conversation")->getValue<std::string>("id").size() == 36);
    CHECK(evaluation->getValue<std::string>("releaseDate") == evaluation->getValue<std::string>("changedDate"));
    CHECK(evaluation->getValue<std::string>("conversationDate") < evaluation->getValue<std::string>("changedDate"));
    queues.insert(evaluation->getObject("queue")->getValue<std::string>("name"));
    for (const char* key : {"evaluationForm", "agent", "evaluator"}) CHECK(evaluation->getObject(key)->has("name"));
  }
  CHECK(first[0]->getValue<std::string>("changedDate") == "2026-11-01T00:00:00.000Z");
  CHECK(first[1]->getValue<std::string>("changedDate") == "2026-11-01T01:00:00.000Z");
  CHECK(failing > 40);  // failingShare 0.3 of 200
  CHECK(failing < 80);
  CHECK(queues == std::set<std::string>{"Billing", "Support", "Sales"});
}

namespace {
// The webhook receiver: a tiny real HTTP server that remembers what it got.
struct WebhookCapture {
  std::mutex mutex;
  std::vector<std::pair<std::map<std::string, std::string>, std::string>> received;
};

class CaptureHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit CaptureHandler(WebhookCapture& capture) : capture_(capture) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request) headers[Poco::toLower(name)] = value;
    {
      std::lock_guard<std::mutex> lock(capture_.mutex);
      capture_.received.emplace_back(headers, body);
    }
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    response.send();
  }

 private:
  WebhookCapture& capture_;
};

class CaptureFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit CaptureFactory(WebhookCapture& capture) : capture_(capture) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new CaptureHandler(capture_);
  }

 private:
  WebhookCapture& capture_;
};

class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};
}  // namespace

TEST_CASE("updateIncident sends a signed webhook", "[sim][webhook]") {
  WebhookCapture capture;
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::HTTPServer receiver(new CaptureFactory(capture), socket, new Poco::Net::HTTPServerParams);
  receiver.start();

  SimulatorOptions options = twoOrgs();
  options.servicenow.webhookUrl =
      "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/webhooks/servicenow";
  options.servicenow.webhookSecret = "s3cret";
  Running run(options);
  const std::string sysId = createIncident(run, "evalbridge:o:w");
  Object::Ptr changes = new Object;
  changes->set("state", "6");
  changes->set("close_code", "Solved (Permanently)");
  changes->set("close_notes", "Coached the agent");
  run.sim.updateIncident(sysId, changes);
  receiver.stopAll(true);
  socket.close();  // nothing listens any more: the next webhook fails fast

  std::lock_guard<std::mutex> lock(capture.mutex);
  REQUIRE(capture.received.size() == 1);
  const auto& [headers, body] = capture.received[0];
  const std::string timestamp = headers.at("x-evalbridge-timestamp");
  CHECK(std::abs(std::stol(timestamp) - static_cast<long>(Poco::Timestamp().epochTime())) < 10);
  Poco::HMACEngine<Sha256> hmac("s3cret");
  hmac.update(timestamp + "." + body);
  CHECK(headers.at("x-evalbridge-signature") == "sha256=" + Poco::DigestEngine::digestToHex(hmac.digest()));
  Poco::JSON::Parser parser;
  auto payload = parser.parse(body).extract<Object::Ptr>();
  CHECK(payload->getValue<std::string>("sys_id") == sysId);
  CHECK(payload->getValue<std::string>("state") == "6");
  CHECK(payload->getValue<std::string>("sys_mod_count") == "1");
  CHECK(payload->getValue<std::string>("correlation_id") == "evalbridge:o:w");
  CHECK(payload->getValue<std::string>("close_code") == "Solved (Permanently)");
  CHECK(payload->has("number"));
  CHECK(payload->has("sys_updated_on"));

  // No receiver: best effort, nothing thrown.
  CHECK_NOTHROW(run.sim.updateIncident(sysId, changes));
  CHECK_THROWS_AS(run.sim.updateIncident("nope", changes), Poco::NotFoundException);
}

// ---------------------------------------------------------------- control endpoint

TEST_CASE("Control endpoint drives the simulator over HTTP", "[sim][control]") {
  Running run;
  const std::string control = run.sim.controlUrl();
  auto state = call(control, "GET", "/control/state").json();
  CHECK(state->getValue<std::string>("servicenow") == run.sn());
  CHECK(state->getValue<std::string>("download") == run.sim.downloadUrl());
  CHECK(state->getObject("orgs")->getObject("acme-eu")->getValue<std::string>("clientId") == "acme-eu-client");
  CHECK(state->getObject("orgs")->getObject("acme-us")->getValue<std::string>("url") == run.usUrl());

  CHECK(call(control, "POST", "/control/faults",
             R"({"server":"acme-us","kind":"status","status":429,"retryAfter":"1","count":1})")
            .status == 201);
  Reply unknownKey = call(control, "POST", "/control/faults", R"({"server":"acme-us","kind":"status","stauts":429})");
  CHECK(unknownKey.status == 400);
  CHECK(unknownKey.body.find("stauts") != std::string::npos);
  CHECK(run.sim.faults().size() == 1);
  Reply limited = call(run.usUrl(), "GET", "/api/v2/tokens/me");
  CHECK(limited.status == 429);
  CHECK(limited.header("retry-after") == "1");
  CHECK(call(control, "DELETE", "/control/faults").status == 200);
  CHECK(run.sim.faults().empty());

  const std::string token = tokenFor(run.sim, run.us());
  CHECK(call(control, "POST", "/control/orgs/acme-us/permissions/revoke", R"({"permission":"quality:evaluation:view"})")
            .status == 200);
  CHECK(call(run.usUrl(), "POST", "/api/v2/quality/evaluations/export", kWindow, bearer(token)).status == 403);
  CHECK(call(control, "POST", "/control/orgs/acme-us/permissions/grant", R"({"permission":"quality:evaluation:view"})")
            .status == 200);
  CHECK(call(control, "POST", "/control/orgs/nope/permissions/grant", R"({"permission":"x"})").status == 404);

  Reply added =
      call(control, "POST", "/control/orgs/acme-us/evaluations", R"({"count":2,"from":"2027-01-01T00:00:00Z"})");
  REQUIRE(added.status == 201);
  const std::string newId = added.json()->getArray("ids")->getElement<std::string>(0);
  CHECK(run.sim.evaluations("acme-us").size() == 42);
  CHECK(call(control, "POST", "/control/orgs/acme-us/evaluations/" + newId + "/rescore",
             R"({"totalScore":40,"changedDate":"2027-01-02T00:00:00Z"})")
            .status == 200);
  CHECK(run.sim.evaluations("acme-us").back()->getValue<std::string>("id") == newId);
  CHECK(call(control, "POST", "/control/orgs/acme-us/evaluations/nope/rescore",
             R"({"totalScore":40,"changedDate":"2027-01-02T00:00:00Z"})")
            .status == 404);

  CHECK(call(control, "POST", "/control/orgs/acme-us/expire-tokens").status == 200);
  CHECK(call(run.usUrl(), "GET", "/api/v2/tokens/me", "", bearer(token)).json()->getValue<std::string>("code") ==
        "credentials.expired");

  const std::string sysId = createIncident(run, "evalbridge:o:c");
  Reply updated =
      call(control, "POST", "/control/incidents/" + sysId, R"({"state":"6","work_notes":"closed by test"})");
  REQUIRE(updated.status == 200);
  CHECK(updated.json()->getObject("result")->getValue<std::string>("state") == "6");
  auto incidents = call(control, "GET", "/control/incidents").json()->getArray("result");
  CHECK(incidents->getObject(0)->getArray("work_notes_journal")->size() == 1);

  Reply since = call(control, "GET", "/control/requests?since=0");
  auto requests = since.json()->getArray("requests");
  CHECK(requests->size() > 5);
  CHECK(requests->getObject(0)->getValue<std::string>("server") == "control");
  CHECK(call(control, "DELETE", "/control/requests").status == 200);
  CHECK(run.sim.requests().size() <= 1);  // only the DELETE itself may have been recorded since

  call(run.usUrl(), "POST", "/api/v2/flows/datatables/dt/rows", R"({"key":"r1","state":"1"})",
       bearer(tokenFor(run.sim, run.us())));
  auto tables = call(control, "GET", "/control/datatables").json();
  CHECK(tables->getObject("acme-us")->getObject("dt")->getObject("r1")->getValue<std::string>("state") == "1");

  Reply pinned = call(control, "POST", "/control/orgs/acme-us/analytics/availability",
                      R"({"dataAvailabilityDate":"2026-11-01T10:00:00Z"})");
  REQUIRE(pinned.status == 200);
  CHECK(pinned.json()->getValue<std::string>("dataAvailabilityDate") == "2026-11-01T10:00:00.000Z");
  CHECK(run.sim.dataAvailability("acme-us") == "2026-11-01T10:00:00.000Z");
  CHECK(call(control, "POST", "/control/orgs/acme-us/analytics/availability", R"({"dataAvailabilityDate":"soon"})")
            .status == 400);
  CHECK(call(control, "POST", "/control/orgs/acme-us/analytics/availability", R"({"dataAvailabilityDate":null})")
            .status == 200);
  CHECK(run.sim.dataAvailability("acme-us") > "2026-11-01T10:00:00.000Z");
  CHECK(call(control, "GET", "/control/nothing").status == 404);
}

// ---------------------------------------------------------------- scenario, queries, binary

TEST_CASE("optionsFromJson reads the struct field names and rejects unknown keys by name", "[sim][scenario]") {
  Poco::JSON::Parser parser;
  auto json =
      parser
          .parse(
              R"({"orgs":[{"name":"a","clientId":"ca","seed":9,"pageSize":5,"permissions":["quality:evaluation:view"]},
                                         {"name":"b","clientId":"cb","useDownloadUrl":true}],
                               "servicenow":{"username":"u","tablesReadable":["incident","problem"]},"controlPort":0})")
          .extract<Object::Ptr>();
  SimulatorOptions options = evalbridge::sim::optionsFromJson(json);
  REQUIRE(options.orgs.size() == 2);
  CHECK(options.orgs[0].seed == 9);
  CHECK(options.orgs[0].pageSize == 5);
  CHECK(options.orgs[0].permissions == std::set<std::string>{"quality:evaluation:view"});
  CHECK(options.orgs[1].useDownloadUrl);
  CHECK(options.servicenow.username == "u");
  CHECK(options.servicenow.tablesReadable.count("problem") == 1);

  auto rejects = [&](const std::string& text, const std::string& key) {
    try {
      evalbridge::sim::optionsFromJson(parser.parse(text).extract<Object::Ptr>());
      FAIL("accepted " << text);
    } catch (const evalbridge::ConfigError& e) {
      CHECK_THAT(e.message(), Catch::Contains(key));
    }
  };
  rejects(R"({"orgz":[]})", "orgz");
  rejects(R"({"orgs":[{"name":"a","pagesize":3}]})", "orgs[0].pagesize");
  rejects(R"({"orgs":[{"name":"a","pageSize":"3"}]})", "orgs[0].pageSize");
  rejects(R"({"orgs":[{"name":"a"},{"name":"a"}]})", "orgs[1].name");
  rejects(R"({"servicenow":{"webhook":"x"}})", "servicenow.webhook");

  auto extended = evalbridge::sim::optionsFromJson(
      parser
          .parse(R"({"orgs":[{"name":"a","unfinishedShare":0.25,"analyticsLagS":600,)"
                 R"("dataTableColumns":["state","incidentNumber"]}]})")
          .extract<Object::Ptr>());
  CHECK(extended.orgs[0].unfinishedShare == 0.25);
  CHECK(extended.orgs[0].analyticsLagS == 600);
  CHECK(extended.orgs[0].dataTableColumns == std::vector<std::string>{"state", "incidentNumber"});
  rejects(R"({"orgs":[{"name":"a","unfinishedShare":1.5}]})", "orgs[0].unfinishedShare");
  rejects(R"({"orgs":[{"name":"a","analyticsLagS":-1}]})", "orgs[0].analyticsLagS");
  rejects(R"({"orgs":[{"name":"a","dataTableColumns":["key"]}]})", "orgs[0].dataTableColumns");
  rejects(R"({"orgs":[{"name":"a","dataTableColumns":["s","s"]}]})", "orgs[0].dataTableColumns");
  rejects(R"({"orgs":[{"name":"a","dataTableColumns":"state"}]})", "orgs[0].dataTableColumns");
}

TEST_CASE("EncodedQuery subset", "[sim][servicenow]") {
  using evalbridge::sim::EncodedQuery;
  EncodedQuery::Fields record{
      {"correlation_id", "evalbridge:o:1"}, {"sys_updated_on", "2026-11-21 09:16:03"}, {"sys_mod_count", "10"}};
  CHECK(EncodedQuery::parse("correlation_id=evalbridge:o:1").matches(record));
  CHECK(EncodedQuery::parse("sys_updated_on>=javascript:gs.dateGenerate('2026-11-21','09:16:03')").matches(record));
  CHECK_FALSE(EncodedQuery::parse("sys_updated_on>2026-11-21 09:16:03").matches(record));
  CHECK(EncodedQuery::parse("sys_mod_count>9").matches(record));  // numeric, not text, comparison
  CHECK(EncodedQuery::parse("correlation_idINa,evalbridge:o:1^close_codeISEMPTY").matches(record));
  CHECK_THROWS_AS(EncodedQuery::parse("correlation_id~x"), Poco::InvalidArgumentException);
  CHECK_THROWS_AS(EncodedQuery::parse("a=1^NQb=2"), Poco::InvalidArgumentException);
}

TEST_CASE("evalbridge-sim prints its URLs, serves, and exits 0 on SIGTERM", "[sim][binary]") {
  const std::string binary = EVALBRIDGE_SIM_BINARY;
  if (!Poco::File(binary).exists()) {
    WARN("evalbridge-sim not built; skipping");
    return;
  }
  Poco::Pipe out;
  Poco::ProcessHandle process = Poco::Process::launch(binary, {}, nullptr, &out, nullptr);
  Poco::PipeInputStream lines(out);
  std::string line;
  std::getline(lines, line);
  Poco::JSON::Parser parser;
  auto state = parser.parse(line).extract<Object::Ptr>();
  REQUIRE(state->getObject("orgs")->has("acme-us"));
  REQUIRE(state->getObject("orgs")->has("acme-eu"));
  Reply reply =
      call(state->getObject("orgs")->getObject("acme-eu")->getValue<std::string>("url"), "POST", "/oauth/token",
           "grant_type=client_credentials", {{"Authorization", basicAuth("acme-eu-client", "acme-eu-secret")}},
           "application/x-www-form-urlencoded");
  CHECK(reply.status == 200);
  ::kill(process.id(), SIGTERM);
  CHECK(process.wait() == 0);
}
