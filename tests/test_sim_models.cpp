// Conformance of the simulator to the official Genesys Cloud Platform API models: every Genesys
// endpoint the simulator serves is called (successes and errors), and every answer it logged is
// checked against the model descriptions in tests/models/ (ModelCheck): no field the official
// model lacks, no required field missing, right types, documented enum values. The check itself
// is shown to fail on a mutated document, so a green run means something.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/HttpCall.h"
#include "sim/Simulator.h"
#include "support/ModelCheck.h"

using evalbridge::sim::OrgSpec;
using evalbridge::sim::RecordedRequest;
using evalbridge::sim::Simulator;
using evalbridge::sim::SimulatorOptions;
using evalbridge::test::joinViolations;
using evalbridge::test::ModelCatalog;
using Poco::JSON::Object;

namespace {

const ModelCatalog& catalog() {
  static const ModelCatalog models = ModelCatalog::load(EVALBRIDGE_SOURCE_DIR "/tests/models");
  return models;
}

using Reply = evalbridge::test::HttpAnswer;

Reply call(const std::string& baseUrl, const std::string& method, const std::string& pathAndQuery,
           const std::string& body = "", const std::string& authorization = "",
           const std::string& contentType = "application/json") {
  evalbridge::test::HttpCallHeaders headers;
  if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
  return evalbridge::test::httpCall(baseUrl, method, pathAndQuery, body, headers, contentType);
}

std::string bearerFor(Simulator& sim, const OrgSpec& org) {
  // "acme-us-client:acme-us-secret" and the like, Basic-encoded by Poco's HTTPBasicCredentials.
  Poco::Net::HTTPRequest request;
  Poco::Net::HTTPBasicCredentials(org.clientId, org.clientSecret).authenticate(request);
  Reply token = call(sim.orgUrl(org.name), "POST", "/oauth/token", "grant_type=client_credentials",
                     request.get("Authorization"), "application/x-www-form-urlencoded");
  REQUIRE(token.status == 200);
  return "Bearer " + token.json()->getValue<std::string>("access_token");
}

// Which official model answers which endpoint (successful answers; every error is an ErrorBody).
struct EndpointModel {
  std::string method;
  std::regex path;
  std::string model;
};

const std::vector<EndpointModel>& endpointModels() {
  static const std::vector<EndpointModel> table = {
      {"GET", std::regex("/api/v2/tokens/me"), "TokenInfo"},
      {"GET", std::regex("/api/v2/quality/conversations/[^/]+/evaluations/[^/]+"), "EvaluationResponse"},
      {"POST", std::regex("/api/v2/quality/evaluations/search"), "EvaluationSearchResponse"},
      {"POST", std::regex("/api/v2/analytics/conversations/details/jobs"), "AsyncQueryResponse"},
      {"GET", std::regex("/api/v2/analytics/conversations/details/jobs/availability"), "DataAvailabilityResponse"},
      {"GET", std::regex("/api/v2/analytics/conversations/details/jobs/[^/]+"), "AsyncQueryStatus"},
      {"GET", std::regex("/api/v2/analytics/conversations/details/jobs/[^/]+/results"),
       "AnalyticsConversationAsyncQueryResponse"},
      {"GET", std::regex("/api/v2/flows/datatables/[^/]+"), "DataTable"},
      {"POST", std::regex("/api/v2/flows/datatables/[^/]+/rows"), "DataTableRow"},
      {"PUT", std::regex("/api/v2/flows/datatables/[^/]+/rows/[^/]+"), "DataTableRow"},
      {"GET", std::regex("/api/v2/flows/datatables/[^/]+/rows/[^/]+"), "DataTableRow"},
  };
  return table;
}

// The export API is not in the public definition: its envelopes are exempt, its entities are not.
bool isExport(const std::string& path) {
  return path.rfind("/api/v2/quality/evaluations/export", 0) == 0 || path.rfind("/api/v2/quality/exports/", 0) == 0;
}

// "" when the answer has no official model (OAuth login, export envelopes).
std::string modelFor(const RecordedRequest& request) {
  if (request.path.rfind("/api/v2/", 0) != 0) return "";  // /oauth/token: OAuth, not a Platform API model
  if (request.status >= 400) return "ErrorBody";
  if (isExport(request.path)) return "";
  for (const auto& entry : endpointModels()) {
    if (entry.method == request.method && std::regex_match(request.path, entry.path)) return entry.model;
  }
  return "?";  // an endpoint nobody mapped: a failure below
}

struct Checked {
  std::map<std::string, int> perModel;
  std::map<int, int> perStatus;
  int exportEntities = 0;
};

// Validates every logged answer of `server`; fails the test on any violation.
Checked checkLoggedAnswers(const Simulator& sim, const std::string& server) {
  Checked checked;
  for (const auto& request : sim.requests()) {
    if (request.server != server || request.status == 0) continue;
    const std::string model = modelFor(request);
    INFO(request.method << " " << request.path << "?" << request.query << " -> " << request.status << " "
                        << request.responseBody);
    REQUIRE(model != "?");
    if (request.path.rfind("/api/v2/", 0) == 0) CHECK(request.responseContentType == "application/json");
    if (!model.empty()) {
      const auto violations = catalog().checkText(model, request.responseBody);
      INFO(model << ":\n" << joinViolations(violations));
      CHECK(violations.empty());
      ++checked.perModel[model];
      ++checked.perStatus[request.status];
    }
    if (request.method == "GET" && isExport(request.path) && request.status == 200 &&
        request.path.find("/results") != std::string::npos) {
      Poco::JSON::Parser parser;
      auto entities = parser.parse(request.responseBody).extract<Object::Ptr>()->getArray("entities");
      for (std::size_t i = 0; i < entities->size(); ++i) {
        const auto violations = catalog().check("EvaluationResponse", entities->get(static_cast<unsigned>(i)));
        INFO("export entity " << i << ":\n" << joinViolations(violations));
        CHECK(violations.empty());
        ++checked.exportEntities;
      }
    }
  }
  return checked;
}

SimulatorOptions scenario() {
  SimulatorOptions options = evalbridge::sim::defaultScenario();  // with unfinished evaluations
  options.orgs[0].evaluationCount = 60;
  options.orgs[0].pageSize = 9;
  options.orgs[0].jobPollsUntilDone = 1;
  return options;
}

const std::string kSearchBody = R"({"query":[{"type":"DATE_RANGE","field":"createdDate",)"
                                R"("startValue":"2026-10-25T00:00:00.000Z","endValue":"2026-11-20T00:00:00.000Z"}],)"
                                R"("pageSize":20,"pageNumber":)";

}  // namespace

TEST_CASE("Model descriptions load and name their SDK source", "[sim][models]") {
  REQUIRE(catalog().size() >= 30);
  for (const char* name : {"TokenInfo", "NamedEntity", "OrgOAuthClient", "EvaluationResponse", "ConversationReference",
                           "User", "Queue", "EvaluationFormResponse", "EvaluationFormSearchResponse",
                           "EvaluationScoringSet", "EvaluationQuestionGroupScore", "EvaluationQuestionScore",
                           "AddressableEntityRef", "EvaluationSearchRequestDTO", "EvaluationSearchCriteriaDTO",
                           "EvaluationSearchResponse", "EvaluationSearchItemResponse", "AsyncConversationQuery",
                           "AsyncQueryResponse", "AsyncQueryStatus", "AnalyticsConversationAsyncQueryResponse",
                           "AnalyticsConversation", "AnalyticsParticipant", "AnalyticsSession", "AnalyticsEvaluation",
                           "DataAvailabilityResponse", "DataTable", "JsonSchemaDocument", "ErrorBody"}) {
    INFO(name);
    CHECK(catalog().has(name));
  }
}

TEST_CASE("ModelCheck catches an added field, a missing required field, a wrong type and an unknown enum value",
          "[sim][models]") {
  Simulator sim(scenario());
  sim.start();
  const std::string token = bearerFor(sim, sim.options().orgs[0]);
  const auto stored = sim.evaluations("acme-us").front();
  Reply reply = call(sim.orgUrl("acme-us"), "GET",
                     "/api/v2/quality/conversations/" + stored->getObject("conversation")->getValue<std::string>("id") +
                         "/evaluations/" + stored->getValue<std::string>("id"),
                     "", token);
  REQUIRE(reply.status == 200);
  REQUIRE(catalog().checkText("EvaluationResponse", reply.body).empty());

  auto added = reply.json();
  added->getObject("conversation")->set("startTime", "2026-11-01T00:00:00.000Z");  // the old invented field
  auto violations = catalog().check("EvaluationResponse", added);
  REQUIRE(violations.size() == 1);
  CHECK(violations[0] == "$.conversation.startTime: unknown field (not in ConversationReference)");

  auto removed = reply.json();
  removed->remove("createdDate");
  violations = catalog().check("EvaluationResponse", removed);
  REQUIRE(violations.size() == 1);
  CHECK(violations[0] == "$.createdDate: required field missing (EvaluationResponse)");

  auto wrongType = reply.json();
  wrongType->getObject("answers")->set("anyFailedKillQuestions", "no");
  wrongType->set("changedDate", "2026-11-01T00:00:00Z");  // no milliseconds
  violations = catalog().check("EvaluationResponse", wrongType);
  CHECK(violations.size() == 2);

  auto badEnum = reply.json();
  badEnum->set("status", "DONE");
  violations = catalog().check("EvaluationResponse", badEnum);
  REQUIRE(violations.size() == 1);
  CHECK(violations[0] == "$.status: 'DONE' is not a documented value");

  // An integer field must not carry a fraction (AnalyticsEvaluation.oTotalScore is an int).
  CHECK(catalog().checkText("AnalyticsEvaluation", R"({"oTotalScore":62.5})").size() > 1);
  CHECK_FALSE(catalog().checkText("TokenInfo", R"({"homeDivision":{"id":"x","name":"Home"}})").empty());
  CHECK_FALSE(catalog().checkText("ErrorBody", "not json").empty());
}

TEST_CASE("Every Genesys answer of the simulator conforms to its official model", "[sim][models]") {
  Simulator sim(scenario());
  sim.start();
  const std::string url = sim.orgUrl("acme-us");
  const std::string token = bearerFor(sim, sim.options().orgs[0]);

  // Identity.
  CHECK(call(url, "GET", "/api/v2/tokens/me", "", token).status == 200);

  // Search, every page until an empty one.
  int searchPages = 0;
  for (int page = 1; page <= 10; ++page) {
    Reply reply = call(url, "POST", "/api/v2/quality/evaluations/search", kSearchBody + std::to_string(page) + "}", token);
    REQUIRE(reply.status == 200);
    ++searchPages;
    if (reply.json()->getArray("results")->size() == 0) break;
  }
  CHECK(searchPages == 4);  // 60 evaluations, 20 a page, then the empty page

  // Evaluation GET, bare and expanded, for a finished and an unfinished evaluation.
  Object::Ptr finished;
  Object::Ptr unfinished;
  for (const auto& evaluation : sim.evaluations("acme-us")) {
    auto& slot = evaluation->getValue<std::string>("status") == "FINISHED" ? finished : unfinished;
    if (!slot) slot = evaluation;
  }
  REQUIRE(finished);
  REQUIRE(unfinished);
  const std::vector<Object::Ptr> picks = {finished, unfinished};
  for (const auto& evaluation : picks) {
    const std::string path = "/api/v2/quality/conversations/" +
                             evaluation->getObject("conversation")->getValue<std::string>("id") + "/evaluations/" +
                             evaluation->getValue<std::string>("id");
    CHECK(call(url, "GET", path, "", token).status == 200);
    CHECK(call(url, "GET", path + "?expand=agent,evaluator,evaluationForm", "", token).status == 200);
  }
  sim.rescore("acme-us", picks[0]->getValue<std::string>("id"), 55, "2026-11-05T00:00:00Z");

  // Analytics: availability, a job through its states, every results page.
  CHECK(call(url, "GET", "/api/v2/analytics/conversations/details/jobs/availability", "", token).status == 200);
  Reply job = call(url, "POST", "/api/v2/analytics/conversations/details/jobs",
                   R"({"interval":"2026-10-25T00:00:00.000Z/2026-11-20T00:00:00.000Z"})", token);
  REQUIRE(job.status == 202);
  const std::string jobPath =
      "/api/v2/analytics/conversations/details/jobs/" + job.json()->getValue<std::string>("jobId");
  for (int i = 0; i < 5; ++i) {
    if (call(url, "GET", jobPath, "", token).json()->getValue<std::string>("state") == "FULFILLED") break;
  }
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto results = call(url, "GET", jobPath + "/results" + (cursor.empty() ? "" : "?cursor=" + cursor), "", token).json();
    if (!results->has("cursor")) break;
    cursor = results->getValue<std::string>("cursor");
  }

  // Data tables and rows.
  CHECK(call(url, "GET", "/api/v2/flows/datatables/dt-7", "", token).status == 200);
  CHECK(call(url, "GET", "/api/v2/flows/datatables/dt-7?expand=schema", "", token).status == 200);
  const std::string rows = "/api/v2/flows/datatables/dt-7/rows";
  CHECK(call(url, "POST", rows, R"({"key":"e1","state":"New","incidentNumber":"INC0010001","link":"x"})", token)
            .status == 200);
  CHECK(call(url, "PUT", rows + "/e1", R"({"key":"e1","state":"Closed"})", token).status == 200);
  CHECK(call(url, "GET", rows + "/e1", "", token).status == 200);
  CHECK(call(url, "GET", rows + "/e1?showbrief=false", "", token).status == 200);

  // The export (exempt envelopes, conforming entities).
  Reply exportJob = call(url, "POST", "/api/v2/quality/evaluations/export",
                         R"({"startTime":"2026-11-01T00:00:00Z","endTime":"2026-11-03T00:00:00Z"})", token);
  REQUIRE(exportJob.status == 200);
  const std::string exportId = exportJob.json()->getValue<std::string>("id");
  for (int i = 0; i < 5; ++i) {
    if (call(url, "GET", "/api/v2/quality/exports/" + exportId, "", token).json()->getValue<std::string>("status") ==
        "COMPLETED")
      break;
  }
  std::string exportCursor;
  for (int page = 0; page < 20; ++page) {
    Reply results = call(url, "GET",
                         "/api/v2/quality/exports/" + exportId + "/results" +
                             (exportCursor.empty() ? "" : "?cursor=" + exportCursor),
                         "", token);
    REQUIRE(results.status == 200);
    if (!results.json()->has("cursor")) break;
    exportCursor = results.json()->getValue<std::string>("cursor");
  }

  // Errors: 400, 401, 403, 404, 409, 429.
  CHECK(call(url, "POST", "/api/v2/quality/evaluations/search", R"({"query":[],"pageNumber":1})", token).status == 400);
  CHECK(call(url, "POST", rows, R"({"key":"e2","color":"red"})", token).status == 400);
  CHECK(call(url, "GET", "/api/v2/tokens/me").status == 401);
  CHECK(call(url, "GET", "/api/v2/tokens/me", "", "Bearer nope").status == 401);
  CHECK(call(url, "GET", "/api/v2/quality/conversations/c/evaluations/e", "", token).status == 404);
  CHECK(call(url, "PUT", rows + "/missing", R"({"key":"missing"})", token).status == 404);
  CHECK(call(url, "GET", "/api/v2/no/such/thing", "", token).status == 404);
  CHECK(call(url, "POST", rows, R"({"key":"e1"})", token).status == 409);
  sim.revokePermission("acme-us", "quality:evaluation:searchAny");
  CHECK(call(url, "POST", "/api/v2/quality/evaluations/search", kSearchBody + "1}", token).status == 403);
  sim.revokePermission("acme-us", "architect:datatableRow:add");
  CHECK(call(url, "POST", rows, R"({"key":"e3"})", token).status == 403);
  evalbridge::sim::FaultRule limit;
  limit.server = "acme-us";
  limit.kind = "status";
  limit.status = 429;
  limit.retryAfter = "1";
  limit.count = 1;
  sim.addFault(limit);
  CHECK(call(url, "GET", "/api/v2/tokens/me", "", token).status == 429);
  sim.expireTokens("acme-us");
  CHECK(call(url, "GET", "/api/v2/tokens/me", "", token).status == 401);

  const Checked checked = checkLoggedAnswers(sim, "acme-us");
  for (const char* model : {"TokenInfo", "EvaluationSearchResponse", "EvaluationResponse", "DataAvailabilityResponse",
                            "AsyncQueryResponse", "AsyncQueryStatus", "AnalyticsConversationAsyncQueryResponse",
                            "DataTable", "DataTableRow", "ErrorBody"}) {
    INFO(model);
    CHECK(checked.perModel.count(model) == 1);
  }
  for (int status : {200, 202, 400, 401, 403, 404, 409, 429}) {
    INFO(status);
    CHECK(checked.perStatus.count(status) == 1);
  }
  int inExportWindow = 0;
  for (const auto& evaluation : sim.evaluations("acme-us")) {
    const std::string changed = evaluation->getValue<std::string>("changedDate");
    if (changed >= "2026-11-01T00:00:00.000Z" && changed < "2026-11-03T00:00:00.000Z") ++inExportWindow;
  }
  CHECK(checked.exportEntities == inExportWindow);
}

TEST_CASE("Every evaluation the simulator holds is an EvaluationResponse, finished or not", "[sim][models]") {
  SimulatorOptions options = scenario();
  options.orgs[0].evaluationCount = 300;
  Simulator sim(options);
  int unfinished = 0;
  for (const auto& evaluation : sim.evaluations("acme-us")) {
    const auto violations = catalog().check("EvaluationResponse", evaluation);
    INFO(joinViolations(violations));
    CHECK(violations.empty());
    if (evaluation->getValue<std::string>("status") != "FINISHED") ++unfinished;
  }
  CHECK(unfinished > 10);
}
