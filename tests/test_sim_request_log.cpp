// Tests for the simulator's request log (sim/RequestLog.h) as storage: large response bodies are
// kept packed, and every body reads back exactly as it was recorded.
#include <catch2/catch.hpp>
#include <string>

#include "sim/RequestLog.h"
#include "sim/SplitMix64.h"

using evalbridge::sim::RecordedRequest;
using evalbridge::sim::RequestLog;

namespace {

RecordedRequest entry(const std::string& path, const std::string& responseBody) {
  RecordedRequest request;
  request.server = "acme-us";
  request.method = "POST";
  request.path = path;
  request.headers = {{"content-type", "application/json"}};
  request.body = R"({"pageNumber":1})";
  request.status = 200;
  request.responseContentType = "application/json";
  request.responseBody = responseBody;
  return request;
}

}  // namespace

TEST_CASE("Request log: bodies read back as recorded, packed or not", "[sim][log]") {
  // A search page's worth of JSON (packed), one that packs badly (random bytes, NULs included),
  // a small one and an empty one (kept as they are).
  std::string page = R"({"pageSize":100,"pageNumber":1,"results":[)";
  for (int i = 0; i < 100; ++i) page += R"({"id":"e-)" + std::to_string(i) + R"(","status":"FINISHED"},)";
  page.back() = ']';
  page += "}";
  std::string noise;
  evalbridge::sim::SplitMix64 prng(5);
  for (int i = 0; i < 50000; ++i) noise += static_cast<char>(prng.next() & 0xFF);
  const std::string capped = RequestLog::capped(std::string(RequestLog::kMaxBodyBytes + 7, 'z'));

  RequestLog log;
  const std::vector<std::string> bodies = {page, noise, "{}", "", capped};
  for (std::size_t i = 0; i < bodies.size(); ++i) log.record(entry("/p" + std::to_string(i), bodies[i]));

  const auto all = log.all();
  REQUIRE(all.size() == bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    INFO("entry " << i);
    CHECK(all[i].seq == i + 1);
    CHECK(all[i].path == "/p" + std::to_string(i));
    CHECK(all[i].responseBody == bodies[i]);
    CHECK(all[i].body == R"({"pageNumber":1})");
    CHECK(all[i].headers.at("content-type") == "application/json");
  }
  const auto later = log.since(3);
  REQUIRE(later.size() == 2);
  CHECK(later[0].responseBody == "");
  CHECK(later[1].responseBody == capped);

  log.clear();
  CHECK(log.all().empty());
  log.record(entry("/after", page));
  REQUIRE(log.since(5).size() == 1);
  CHECK(log.since(5)[0].seq == 6);
  CHECK(log.since(5)[0].responseBody == page);
}
