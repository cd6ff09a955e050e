// Unit tests of the Genesys stage's pure parts: the region table, error explanations, the
// analytics query and window rules, and which permissions each source is probed for.
#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include "config/Regions.h"
#include "genesys/AnalyticsQuery.h"
#include "genesys/EvaluationFetcher.h"
#include "genesys/GenesysError.h"
#include "genesys/PermissionProbes.h"
#include "genesys/SearchQuery.h"
#include "common/IsoTime.h"

using namespace evalbridge;

namespace {

Poco::JSON::Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

HttpResponse response(int status, const std::string& body, const std::string& correlationId = "") {
  HttpResponse r;
  r.status = status;
  r.body = body;
  if (!correlationId.empty()) r.headers.emplace_back("inin-correlation-id", correlationId);
  return r;
}

}  // namespace

TEST_CASE("every public Genesys Cloud region resolves by name and by domain") {
  const std::vector<std::pair<std::string, std::string>> issue = {
      {"us-east-1", "mypurecloud.com"},       {"us-east-2", "use2.us-gov-pure.cloud"},
      {"us-west-2", "usw2.pure.cloud"},       {"ca-central-1", "cac1.pure.cloud"},
      {"sa-east-1", "sae1.pure.cloud"},       {"mx-central-1", "mxc1.pure.cloud"},
      {"eu-west-1", "mypurecloud.ie"},        {"eu-west-2", "euw2.pure.cloud"},
      {"eu-central-1", "mypurecloud.de"},     {"eu-central-2", "euc2.pure.cloud"},
      {"eusc-de-east-1", "edee1.eusc-pure.cloud"}, {"me-central-1", "mec1.pure.cloud"},
      {"ap-south-1", "aps1.pure.cloud"},      {"ap-southeast-1", "apse1.pure.cloud"},
      {"ap-southeast-2", "mypurecloud.com.au"}, {"ap-northeast-1", "mypurecloud.jp"},
      {"ap-northeast-2", "apne2.pure.cloud"}, {"ap-northeast-3", "apne3.pure.cloud"}};
  CHECK(genesysRegions().size() == issue.size());
  for (const auto& [name, domain] : issue) {
    INFO(name);
    auto byName = resolveRegion(name);
    REQUIRE(byName);
    CHECK(byName->domain == domain);
    auto byDomain = resolveRegion(" " + Poco::toUpper(domain) + ". ");
    REQUIRE(byDomain);
    CHECK(byDomain->name == name);
  }
  CHECK_FALSE(resolveRegion("mypurecloud.co.uk"));
}

TEST_CASE("a 403 missing.permissions is explained with the org, the request id, the permission and the fix") {
  auto info = parseGenesysError(response(403, R"({"message":"You are missing the following permission(s): [quality:evaluation:view]",
      "code":"missing.permissions","status":403,"messageParams":{"permissions":"[quality:evaluation:view]"},
      "contextId":"ctx-1"})", "corr-9"));
  CHECK(info.code == "missing.permissions");
  CHECK(info.permissions == std::vector<std::string>{"quality:evaluation:view"});
  CHECK(info.correlationId == "corr-9");
  CHECK(info.contextId == "ctx-1");
  const std::string text = explainGenesysError(
      info, GenesysErrorContext{"acme-us", "org-1", "client-1", "https://api.mypurecloud.com", "GET /api/v2/x"});
  CHECK_THAT(text, Catch::StartsWith("org acme-us (org-1): GET /api/v2/x on https://api.mypurecloud.com failed with "
                                     "HTTP 403 missing.permissions"));
  CHECK_THAT(text, Catch::Contains("[inin-correlation-id corr-9]") && Catch::Contains("add quality:evaluation:view to a role") &&
                       Catch::Contains("client client-1 > Roles") && Catch::Contains("division"));
}

TEST_CASE("missing.any.permissions read from the message when messageParams are absent") {
  auto info = parseGenesysError(response(
      403, R"({"message":"You need any of: [analytics:conversationDetail:view, analytics:conversationDetail:viewAll]","code":"missing.any.permissions","status":403})"));
  CHECK(info.permissions ==
        std::vector<std::string>{"analytics:conversationDetail:view", "analytics:conversationDetail:viewAll"});
  CHECK_THAT(explainGenesysError(info, {"o", "id", "c", "h", "r"}), Catch::Contains("(any one of them)"));
}

TEST_CASE("the analytics interval reaches back by the lookback, and the job asks only for evaluated conversations") {
  TimeWindow window{"2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"};
  auto interval = analyticsInterval(window, 30 * 86400);
  CHECK(interval.start == "2026-10-21T00:00:00Z");
  CHECK(interval.end == "2026-11-21T00:00:00Z");
  auto body = json(analyticsJobRequest(interval));
  CHECK(body->getValue<std::string>("interval") == "2026-10-21T00:00:00Z/2026-11-21T00:00:00Z");
  CHECK(body->getValue<std::string>("orderBy") == "conversationStart");
  auto filter = body->getArray("evaluationFilters")->getObject(0);
  CHECK(filter->getValue<std::string>("type") == "and");
  auto predicate = filter->getArray("predicates")->getObject(0);
  CHECK(predicate->getValue<std::string>("type") == "dimension");
  CHECK(predicate->getValue<std::string>("dimension") == "evaluationId");
  CHECK(predicate->getValue<std::string>("operator") == "exists");
}

TEST_CASE("only evaluations that changed inside the window are read in full") {
  auto page = json(R"({"conversations":[
    {"conversationId":"c1","evaluations":[
       {"evaluationId":"e-in","eventTime":"2026-11-20T05:00:00.000Z"},
       {"evaluationId":"e-before","eventTime":"2026-11-19T23:59:59.999Z"},
       {"evaluationId":"e-at-end","eventTime":"2026-11-21T00:00:00Z"},
       {"evaluationId":"e-deleted","eventTime":"2026-11-20T06:00:00Z","deleted":true},
       {"evaluationId":"e-no-time"}]},
    {"conversationId":"c2","evaluations":[{"evaluationId":"e-in","eventTime":"2026-11-20T05:00:00Z"},
                                          {"evaluationId":"e-start","eventTime":"2026-11-20T00:00:00Z"}]},
    {"conversationId":"c3"},
    {"evaluations":[{"evaluationId":"no-conversation"}]}
  ],"cursor":"x"})");
  auto refs = evaluationsInWindow(page, TimeWindow{"2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"});
  std::vector<std::string> ids;
  for (const auto& ref : refs) ids.push_back(ref.conversationId + "/" + ref.evaluationId);
  CHECK(ids == std::vector<std::string>{"c1/e-in", "c1/e-no-time", "c2/e-start"});
  CHECK(evaluationPath(refs[0]) ==
        "/api/v2/quality/conversations/c1/evaluations/e-in?expand=agent%2Cevaluator%2CevaluationForm");
  CHECK(evaluationsInWindow(json(R"({"conversations":[]})"), TimeWindow{"2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"})
            .empty());
}

TEST_CASE("full reads use as few readers as take the same rounds as maxConcurrency, never more") {
  // {refs, maxConcurrency, readers}: the rounds (round trips) are those of maxConcurrency readers.
  const std::vector<std::tuple<std::size_t, int, int>> cases{
      {0, 4, 0}, {1, 4, 1}, {3, 4, 3}, {4, 4, 4}, {5, 4, 3}, {6, 4, 3}, {7, 4, 4}, {8, 4, 4},
      {9, 4, 3}, {12, 4, 4}, {13, 4, 4}, {100, 4, 4}, {6, 1, 1}, {6, 0, 1}, {30, 8, 8}, {17, 8, 6}};
  for (const auto& [refs, most, readers] : cases) {
    INFO(refs << " refs at maxConcurrency " << most);
    CHECK(readersFor(refs, most) == readers);
    if (refs == 0) continue;
    const auto rounds = [&](std::size_t threads) { return (refs + threads - 1) / threads; };
    CHECK(rounds(static_cast<std::size_t>(readers)) == rounds(static_cast<std::size_t>(std::max(1, most))));
  }
}

TEST_CASE("a search request: one DATE_RANGE in the documented format, sorted by its field, starting 1 ms early") {
  const Poco::Timestamp from = *parseIsoTime("2026-11-20T00:00:00Z");
  const Poco::Timestamp to = *parseIsoTime("2026-11-21T00:00:00Z");
  auto body = json(searchRequestBody("submittedDate", from, to, 100, 3));
  auto query = body->getArray("query");
  REQUIRE(query->size() == 1);
  auto range = query->getObject(0);
  CHECK(range->getValue<std::string>("type") == "DATE_RANGE");
  CHECK(range->getValue<std::string>("field") == "submittedDate");
  CHECK(range->getValue<std::string>("startValue") == "2026-11-19T23:59:59.999Z");
  CHECK(range->getValue<std::string>("endValue") == "2026-11-21T00:00:00.000Z");
  CHECK(body->getValue<int>("pageSize") == 100);
  CHECK(body->getValue<int>("pageNumber") == 3);
  CHECK(body->getValue<std::string>("sortBy") == "submittedDate");
  CHECK(body->getValue<std::string>("sortOrder") == "ASC");
  std::vector<std::string> names;
  body->getNames(names);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"pageNumber", "pageSize", "query", "sortBy", "sortOrder"});
}

namespace {

std::vector<Poco::JSON::Object::Ptr> resultsAt(const std::vector<std::string>& dates) {
  std::vector<Poco::JSON::Object::Ptr> results;
  for (const auto& date : dates) results.push_back(json(R"({"id":"e","submittedDate":")" + date + R"("})"));
  return results;
}

}  // namespace

TEST_CASE("search paging moves by date while results come sorted, by page number only when it must") {
  const TimeWindow window{"2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"};
  SearchPaging paging(window, "submittedDate", 3, 6);
  CHECK(paging.pageNumber() == 1);
  // A full sorted page: the next request starts at the last date, page 1 (keyset paging).
  REQUIRE(paging.advance(resultsAt({"2026-11-20T01:00:00.000Z", "2026-11-20T02:00:00.000Z", "2026-11-20T03:00:00.000Z"})));
  CHECK(searchDate(paging.from()) == "2026-11-20T03:00:00.000Z");
  CHECK(paging.pageNumber() == 1);
  CHECK(paging.movedByDate());  // what a long window may stop at: all before 03:00 was read
  // A full page that all shares the start date cannot move the date: the page number grows.
  REQUIRE(paging.advance(resultsAt({"2026-11-20T03:00:00.000Z", "2026-11-20T03:00:00.000Z", "2026-11-20T03:00:00.000Z"})));
  CHECK(paging.pageNumber() == 2);
  CHECK(searchDate(paging.from()) == "2026-11-20T03:00:00.000Z");
  CHECK_FALSE(paging.movedByDate());
  CHECK_FALSE(paging.outOfOrder());
  // ... but not past maxResults (6 = 2 pages of 3): a clear error naming the setting.
  CHECK_THROWS_WITH(
      paging.advance(resultsAt({"2026-11-20T03:00:00.000Z", "2026-11-20T03:00:00.000Z", "2026-11-20T03:00:00.000Z"})),
      Catch::Contains("genesys.search.maxResults (6)") && Catch::Contains("genesys.search.maxWindow"));
  // A short page ends the window.
  SearchPaging done(window, "submittedDate", 3, 6);
  CHECK_FALSE(done.advance(resultsAt({"2026-11-20T01:00:00.000Z"})));
  // Results not in the order asked for: keyset paging would skip some, so pages are numbered.
  SearchPaging unsorted(window, "submittedDate", 3, 100);
  REQUIRE(unsorted.advance(resultsAt({"2026-11-20T05:00:00.000Z", "2026-11-20T02:00:00.000Z", "2026-11-20T09:00:00.000Z"})));
  CHECK(unsorted.pageNumber() == 2);
  CHECK(searchDate(unsorted.from()) == "2026-11-20T00:00:00.000Z");
  CHECK(unsorted.outOfOrder());
  // ... to the window's end: a later page in order says nothing of the pages after it.
  REQUIRE(unsorted.advance(resultsAt({"2026-11-20T10:00:00.000Z", "2026-11-20T11:00:00.000Z", "2026-11-20T12:00:00.000Z"})));
  CHECK(unsorted.pageNumber() == 3);
  CHECK_FALSE(unsorted.movedByDate());
  CHECK(searchDate(unsorted.from()) == "2026-11-20T00:00:00.000Z");
  // A result without the date field cannot anchor the keyset either.
  SearchPaging undated(window, "submittedDate", 1, 100);
  REQUIRE(undated.advance({json(R"({"id":"e"})")}));
  CHECK(undated.pageNumber() == 2);
}

TEST_CASE("doctor probes the permissions each source needs") {
  auto searchProbes = permissionProbesFor("search");
  REQUIRE(searchProbes.size() == 2);
  CHECK(searchProbes[0].permission == "quality:evaluation:view");
  CHECK(searchProbes[1].permission == "quality:evaluation:searchAny");
  CHECK(searchProbes[1].path == "/api/v2/quality/evaluations/search");
  CHECK(searchProbes[1].passing.count(403) == 0);
  CHECK(permissionsFor("search") == std::vector<std::string>{"quality:evaluation:view", "quality:evaluation:searchAny"});
  auto writeBack = writeBackProbes("dt-1");
  REQUIRE(writeBack.size() == 3);
  CHECK(writeBack[1].permission == "architect:datatableRow:add");
  CHECK(writeBack[1].method == "POST");
  CHECK(writeBack[2].permission == "architect:datatableRow:edit");
  CHECK(writeBack[2].method == "PUT");

  auto exportProbes = permissionProbesFor("export");
  REQUIRE(exportProbes.size() == 2);
  CHECK(exportProbes[0].permission == "quality:evaluation:view");
  CHECK(exportProbes[0].passing.count(404) == 1);
  CHECK(exportProbes[0].passing.count(403) == 0);
  CHECK(exportProbes[1].availabilityCheck);
  CHECK(exportProbes[1].passing.count(404) == 0);  // 404 on the export POST = the API is not offered
  auto analyticsProbes = permissionProbesFor("analytics");
  REQUIRE(analyticsProbes.size() == 2);
  CHECK(analyticsProbes[0].permission == "analytics:conversationDetail:view");
  CHECK(analyticsProbes[1].permission == "quality:evaluation:view");
  for (const auto& probe : analyticsProbes) CHECK(probe.method == "GET");  // reads only
  CHECK(permissionsFor("analytics") ==
        std::vector<std::string>{"analytics:conversationDetail:view", "quality:evaluation:view"});
}
