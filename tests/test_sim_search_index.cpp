// Tests for the simulator's indexed evaluation search (sim/SearchIndex.h, sim/DateIndex.h,
// EvaluationSearch::pick through EvaluationStore::select): the page it returns must be exactly
// the page of the plain definition (test every evaluation, sort every match, cut out the page),
// for any request, and must follow the store when it changes. The reference here is written from
// sim/README.md ("Evaluation search"), independently of the simulator's code.
#include <Poco/JSON/Object.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sim/DateIndex.h"
#include "sim/EvaluationSearch.h"
#include "sim/EvaluationStore.h"
#include "sim/JsonText.h"
#include "sim/SearchIndex.h"
#include "sim/TimeText.h"

using namespace evalbridge::sim;
using Poco::JSON::Object;

namespace {

// One EXACT criterion, as the test builds it.
struct Exact {
  std::string field;  // evaluationStatus, queueId, agentId or evaluationId
  std::vector<std::string> values;
  bool negated = false;
};

// A search request in the test's own terms; body() renders it as the API's JSON.
struct Query {
  std::string field;
  Poco::Timestamp start;
  Poco::Timestamp end;
  std::string sortBy;  // "" = default order (by id)
  bool descending = false;
  std::vector<Exact> exact;
  int pageSize = 25;
  int pageNumber = 1;

  std::string body() const {
    std::string text = R"({"query":[{"type":"DATE_RANGE","field":")" + field + R"(","startValue":")" +
                       formatIso8601(start) + R"(","endValue":")" + formatIso8601(end) + R"("})";
    for (const auto& criterion : exact) {
      text += R"(,{"type":"EXACT","field":")" + criterion.field + R"(",)";
      if (criterion.negated) text += R"("operator":"NOT",)";
      text += R"("values":[)";
      for (std::size_t i = 0; i < criterion.values.size(); ++i) {
        text += (i ? ",\"" : "\"") + criterion.values[i] + "\"";
      }
      text += "]}";
    }
    text += "],\"pageSize\":" + std::to_string(pageSize) + ",\"pageNumber\":" + std::to_string(pageNumber);
    if (!sortBy.empty()) {
      text += R"(,"sortBy":")" + sortBy + R"(","sortOrder":")" + (descending ? "desc" : "ASC") + "\"";
    }
    return text + "}";
  }
};

const std::vector<std::string> kDateFields = {"conversationDate", "createdDate", "submittedDate", "releaseDate"};

std::optional<Poco::Timestamp> dateOf(const Object::Ptr& evaluation, const std::string& field) {
  if (!evaluation->has(field)) return std::nullopt;
  return parseIso8601(evaluation->getValue<std::string>(field));
}

std::string idOf(const Object::Ptr& evaluation) { return evaluation->getValue<std::string>("id"); }

std::string exactValue(const Object::Ptr& evaluation, const std::string& field) {
  if (field == "evaluationStatus") return evaluation->getValue<std::string>("status");
  if (field == "evaluationId") return idOf(evaluation);
  const std::string key = field == "queueId" ? "queue" : "agent";
  return evaluation->getObject(key)->getValue<std::string>("id");
}

// An evaluation as the reference reads it, its dates parsed once (the reference runs often).
struct Row {
  Object::Ptr evaluation;
  std::string id;
  std::vector<std::optional<Poco::Timestamp>> dates;  // by kDateFields
};

std::vector<Row> rowsOf(const std::vector<Object::Ptr>& all) {
  std::vector<Row> rows;
  for (const auto& evaluation : all) {
    Row row{evaluation, idOf(evaluation), {}};
    for (const auto& field : kDateFields) row.dates.push_back(dateOf(evaluation, field));
    rows.push_back(row);
  }
  return rows;
}

std::size_t fieldIndex(const std::string& field) {
  return static_cast<std::size_t>(std::find(kDateFields.begin(), kDateFields.end(), field) - kDateFields.begin());
}

// The definition: every evaluation tested, every match sorted (ties and the default order by id,
// no sort value last), then the page cut out.
std::vector<Object::Ptr> referencePage(const std::vector<Row>& rows, const Query& query) {
  const std::size_t rangeField = fieldIndex(query.field);
  std::vector<const Row*> found;
  for (const auto& row : rows) {
    const auto& date = row.dates[rangeField];
    if (!date || *date < query.start || query.end < *date) continue;
    bool keep = true;
    for (const auto& exact : query.exact) {
      const std::string have = exactValue(row.evaluation, exact.field);
      bool any = false;
      for (const auto& want : exact.values) {
        any = any || (exact.field == "evaluationStatus" ? Poco::icompare(have, want) == 0 : have == want);
      }
      keep = keep && any != exact.negated;
    }
    if (keep) found.push_back(&row);
  }
  std::sort(found.begin(), found.end(), [&](const Row* a, const Row* b) {
    if (!query.sortBy.empty()) {
      const auto& da = a->dates[fieldIndex(query.sortBy)];
      const auto& db = b->dates[fieldIndex(query.sortBy)];
      if (da.has_value() != db.has_value()) return da.has_value();
      if (da && *da != *db) return query.descending ? *db < *da : *da < *db;
    }
    return a->id < b->id;
  });
  const std::size_t first = static_cast<std::size_t>(query.pageNumber - 1) * static_cast<std::size_t>(query.pageSize);
  std::vector<Object::Ptr> page;
  for (std::size_t i = first; i < found.size() && i < first + static_cast<std::size_t>(query.pageSize); ++i) {
    page.push_back(found[i]->evaluation);
  }
  return page;
}

std::vector<Object::Ptr> referencePage(const std::vector<Object::Ptr>& all, const Query& query) {
  return referencePage(rowsOf(all), query);
}

std::vector<Object::Ptr> indexedPage(const EvaluationStore& store, const Query& query) {
  const EvaluationSearch search(parseObject(query.body()));
  return store.select([&](const SearchIndex& index) { return search.pick(index); });
}

std::vector<std::string> idsOf(const std::vector<Object::Ptr>& evaluations) {
  std::vector<std::string> ids;
  for (const auto& evaluation : evaluations) ids.push_back(idOf(evaluation));
  return ids;
}

Poco::Timestamp at(const std::string& iso) { return *parseIso8601(iso); }

Poco::Timespan seconds(long count) { return Poco::Timespan(count, 0); }

}  // namespace

TEST_CASE("DateIndex: both range ends inclusive, evaluations without the date in no range", "[sim][search-index]") {
  const Poco::Timestamp t0 = at("2026-11-01T00:00:00Z");
  // Positions 0..5: two share t0 + 10 s, one has no date.
  const DateIndex index({t0 + seconds(20), t0 + seconds(10), std::nullopt, t0 + seconds(10), t0, t0 + seconds(30)});
  auto positions = [&](const Poco::Timestamp& start, const Poco::Timestamp& end) {
    std::vector<std::size_t> found;
    for (const auto& entry : index.between(start, end)) found.push_back(entry.position);
    return found;
  };
  CHECK(positions(t0 + seconds(10), t0 + seconds(20)) == std::vector<std::size_t>{1, 3, 0});
  CHECK(positions(t0 + seconds(10), t0 + seconds(10)) == std::vector<std::size_t>{1, 3});
  CHECK(positions(t0, t0 + seconds(30)) == std::vector<std::size_t>{4, 1, 3, 0, 5});
  CHECK(positions(t0 + seconds(11), t0 + seconds(19)).empty());
  CHECK(positions(t0 + seconds(31), t0 + seconds(90)).empty());
  CHECK(positions(t0 - seconds(90), t0 - seconds(1)).empty());
  CHECK_FALSE(index.at(2).has_value());
  CHECK(*index.at(5) == t0 + seconds(30));
}

TEST_CASE("Indexed evaluation search: same page as testing and sorting every evaluation, for random requests",
          "[sim][search-index]") {
  OrgSpec spec;
  spec.evaluationCount = 3000;
  spec.spacingSeconds = 600;  // ~21 days; conversationDate (whole seconds, 1-48 h earlier) has ties
  spec.unfinishedShare = 0.15;
  spec.seed = 7;
  EvaluationStore store(spec);
  // More evaluations on top of the seeded ones: same changedDates as existing ones, so
  // submittedDate / releaseDate have ties between different evaluations too.
  store.add(200, "2026-11-03T00:00:00Z");

  std::mt19937_64 random(20261101);
  auto below = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };

  // Rescores: every third onto one shared instant (ties again), the others anywhere in 30 days.
  {
    std::vector<std::string> submitted;
    for (const auto& evaluation : store.all()) {
      if (evaluation->has("submittedDate")) submitted.push_back(idOf(evaluation));
    }
    for (int i = 0; i < 90; ++i) {
      const std::string when = i % 3 == 0 ? "2026-11-10T12:00:00Z" : formatIso8601(at("2026-11-01T00:00:00Z") +
                                                                                   seconds(long(below(30 * 86400))));
      store.rescore(submitted[below(submitted.size())], 10.0 + static_cast<double>(below(90)), when);
    }
  }

  const auto all = store.all();
  REQUIRE(all.size() == 3200);
  const auto rows = rowsOf(all);
  std::vector<std::string> statuses, queues, agents, ids;
  std::vector<std::vector<Poco::Timestamp>> dates(kDateFields.size());  // per field, for boundary-equal ranges
  for (const auto& row : rows) {
    statuses.push_back(row.evaluation->getValue<std::string>("status"));
    queues.push_back(exactValue(row.evaluation, "queueId"));
    agents.push_back(exactValue(row.evaluation, "agentId"));
    ids.push_back(row.id);
    for (std::size_t field = 0; field < kDateFields.size(); ++field) {
      if (row.dates[field]) dates[field].push_back(*row.dates[field]);
    }
  }
  for (auto& field : dates) std::sort(field.begin(), field.end());
  REQUIRE(std::set<std::string>(statuses.begin(), statuses.end()).size() == 3);  // FINISHED, PENDING, INPROGRESS

  auto randomExact = [&]() {
    Exact exact;
    switch (below(4)) {
      case 0:
        exact.field = "evaluationStatus";
        exact.values = {below(2) ? "finished" : "PENDING"};
        break;
      case 1:
        exact.field = "queueId";
        exact.values = {queues[below(queues.size())], queues[below(queues.size())]};
        break;
      case 2:
        exact.field = "agentId";
        exact.values = {agents[below(agents.size())]};
        break;
      default:
        exact.field = "evaluationId";
        for (int i = 0; i < 40; ++i) exact.values.push_back(ids[below(ids.size())]);
    }
    exact.negated = below(4) == 0;
    return exact;
  };

  int nonEmpty = 0, boundaryHits = 0;
  for (int round = 0; round < 1500; ++round) {
    Query query;
    query.field = kDateFields[below(4)];
    const auto& have = dates[fieldIndex(query.field)];
    switch (below(5)) {
      case 0:  // one instant that evaluations have: the ends are the same date
        query.start = query.end = have[below(have.size())];
        break;
      case 1:  // both ends on dates evaluations have
        query.start = have[below(have.size())];
        query.end = have[below(have.size())];
        if (query.end < query.start) std::swap(query.start, query.end);
        if (query.end - query.start > seconds(90L * 86400).totalMicroseconds()) query.end = query.start;
        break;
      case 2:  // before all data: empty
        query.start = at("2026-01-01T00:00:00Z");
        query.end = query.start + seconds(long(below(30 * 86400)));
        break;
      default:  // anywhere, at millisecond precision, up to 30 days long
        query.start = at("2026-10-28T00:00:00Z") + Poco::Timespan(0, static_cast<int>(below(1000)) * 1000) +
                      seconds(long(below(28 * 86400)));
        query.end = query.start + seconds(long(below(30 * 86400)));
    }
    switch (below(6)) {
      case 0: break;  // by id
      case 1: case 2: query.sortBy = query.field; break;  // the sweep's order
      default: query.sortBy = kDateFields[below(4)];
    }
    query.descending = below(2) == 0;
    if (below(3) == 0) query.exact.push_back(randomExact());
    if (below(6) == 0) query.exact.push_back(randomExact());
    query.pageSize = below(3) == 0 ? 1 + static_cast<int>(below(100)) : 1 + static_cast<int>(below(10));
    switch (below(6)) {
      case 0: query.pageNumber = 1 + static_cast<int>(below(static_cast<std::size_t>(10000 / query.pageSize))); break;
      case 1: query.pageNumber = 1 + static_cast<int>(below(30)); break;
      default: query.pageNumber = 1 + static_cast<int>(below(3));
    }

    const auto expected = referencePage(rows, query);
    const auto actual = indexedPage(store, query);
    INFO("request " << round << ": " << query.body());
    REQUIRE(idsOf(actual) == idsOf(expected));
    for (std::size_t i = 0; i < actual.size(); ++i) REQUIRE(toJson(actual[i]) == toJson(expected[i]));
    if (!expected.empty()) ++nonEmpty;
    // Does the page hold an evaluation exactly on an end of the range?
    for (const auto& evaluation : expected) {
      const auto date = dateOf(evaluation, query.field);
      if (*date == query.start || *date == query.end) ++boundaryHits;
    }
  }
  // The random requests did exercise what they are meant to.
  CHECK(nonEmpty > 400);
  CHECK(boundaryHits > 60);
}

TEST_CASE("Indexed evaluation search: the index follows add and rescore", "[sim][search-index]") {
  OrgSpec spec;
  spec.evaluationCount = 40;  // changedDate = submittedDate 2026-11-01T00:00 + i h
  EvaluationStore store(spec);
  Query query;
  query.field = "submittedDate";
  query.start = at("2026-11-01T10:00:00Z");
  query.end = at("2026-11-01T20:00:00Z");
  query.sortBy = "submittedDate";
  query.pageSize = 100;

  const auto before = indexedPage(store, query);  // builds the index
  REQUIRE(before.size() == 11);
  CHECK(idsOf(before) == idsOf(referencePage(store.all(), query)));

  SECTION("added evaluations inside the range are found, in order") {
    const auto added = store.add(3, "2026-11-01T10:30:00Z");  // 10:30, 11:30, 12:30
    const auto after = indexedPage(store, query);
    CHECK(after.size() == 14);
    CHECK(idsOf(after) == idsOf(referencePage(store.all(), query)));
    CHECK(idOf(after[1]) == added[0]);
    CHECK(idOf(after[3]) == added[1]);
  }

  SECTION("a rescore moves an evaluation within, out of and into the range, with its new content") {
    const std::string first = idOf(before.front());  // submitted at 10:00
    store.rescore(first, 12.5, "2026-11-01T19:59:59Z");  // now between evaluations 19 and 20
    auto after = indexedPage(store, query);
    REQUIRE(after.size() == 11);
    CHECK(idOf(after[9]) == first);
    CHECK(after[9]->getValue<bool>("rescore"));
    CHECK(after[9]->getObject("answers")->getValue<double>("totalScore") == 12.5);
    CHECK(idsOf(after) == idsOf(referencePage(store.all(), query)));

    store.rescore(first, 13.0, "2026-11-02T08:00:00Z");  // out of the range
    auto ids = idsOf(indexedPage(store, query));
    CHECK(ids.size() == 10);
    CHECK(std::count(ids.begin(), ids.end(), first) == 0);

    const std::string earliest = idOf(store.all().front());  // submitted at 00:00, before the range
    store.rescore(earliest, 14.0, "2026-11-01T15:00:00Z");  // into it, tying evaluation 15
    ids = idsOf(indexedPage(store, query));
    CHECK(ids.size() == 11);
    CHECK(std::count(ids.begin(), ids.end(), earliest) == 1);
    CHECK(ids == idsOf(referencePage(store.all(), query)));
  }
}

// Not a pass/fail test: prints the time of one search page at 200,000 evaluations.
//   test_sim_search_index "[.][bench]"
TEST_CASE("Indexed evaluation search: time per page at 200,000 evaluations", "[.][bench]") {
  using Clock = std::chrono::steady_clock;
  OrgSpec spec;
  spec.evaluationCount = 200000;
  spec.spacingSeconds = 26;  // ~60 days: a 30-day window holds ~100,000, as in the bridge's sweep
  spec.unfinishedShare = 0.1;
  const auto built = Clock::now();
  EvaluationStore store(spec);
  std::printf("store of 200000 built in %.1f s\n", std::chrono::duration<double>(Clock::now() - built).count());
  // The first search after a change builds what it needs (a field's index, the id ranks); the
  // rows after "first" are the steady state, as in a sweep.
  auto time = [&](const char* what, const Query& query, int repeat) {
    const auto start = Clock::now();
    std::size_t found = 0;
    for (int i = 0; i < repeat; ++i) found = indexedPage(store, query).size();
    std::printf("%-62s %9.3f ms/page (%zu results)\n", what,
                std::chrono::duration<double, std::milli>(Clock::now() - start).count() / repeat, found);
  };
  Query query;
  query.field = "submittedDate";
  query.start = at("2026-11-10T00:00:00Z");
  query.end = query.start + seconds(30L * 86400);
  query.sortBy = "submittedDate";
  query.pageSize = 100;
  time("first search (builds the submittedDate index)", query, 1);
  time("30 days by submittedDate ASC, page 1 (the bridge's sweep)", query, 20);
  query.pageNumber = 100;
  time("30 days by submittedDate ASC, page 100", query, 20);
  query.pageNumber = 1;
  query.descending = true;
  time("30 days by submittedDate DESC, page 1", query, 20);
  query.sortBy = "";
  time("first in id order (builds the id ranks)", query, 1);
  time("30 days in id order, page 1", query, 20);
  query.field = "conversationDate";
  query.sortBy = "createdDate";
  time("first by conversationDate / createdDate (builds both indexes)", query, 1);
  time("30 days of conversationDate by createdDate DESC, page 1", query, 20);
}
