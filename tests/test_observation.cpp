// observationOf (sync/OrgSync.h): what the ledger is told of one evaluation. Its changedDate is
// parsed once, so the text the ledger keeps and the Unix seconds a lean skip keeps come from the
// same parse; written to a real SQLite ledger, a skip reads back as that text.
#include <catch2/catch.hpp>

#include <Poco/JSON/Parser.h>

#include "common/IsoTime.h"
#include "ledger/Ledger.h"
#include "mapping/Mapping.h"
#include "support/LeanSkipChecks.h"
#include "support/TempDir.h"
#include "sync/OrgSync.h"

using namespace evalbridge;
using evalbridge::test::TempDir;
using evalbridge::test::checkLeanSkip;

namespace {

const char* const kMapping =
    R"({"name":"t","when":{"field":"answers.totalScore","lt":70},"fields":{"short_description":"x"}})";

// A passing evaluation (skipped by kMapping) with `members` added.
Observation observed(const Mapping& mapping, const std::string& id, const std::string& members) {
  Poco::JSON::Parser parser;
  const auto evaluation =
      parser.parse(R"({"id":")" + id + R"(","answers":{"totalScore":90})" + members + "}").extract<Poco::JSON::Object::Ptr>();
  return observationOf("org-1", "acme", mapping, evaluation);
}

}  // namespace

TEST_CASE("a changedDate is parsed once: the ledger's text and a lean skip's seconds agree", "[observation]") {
  const Mapping mapping = Mapping::parse(kMapping, "t.json");
  const Observation offset = observed(mapping, "e1", R"(,"changedDate":"2026-11-21T09:15:00.250+01:00")");
  CHECK_FALSE(offset.matched);
  CHECK(offset.changedDate == "2026-11-21T08:15:00Z");
  REQUIRE(offset.changedAt);
  CHECK(*offset.changedAt == parseIsoTime("2026-11-21T08:15:00Z")->epochTime());

  // What does not parse is kept as it came, without seconds; no changedDate is "".
  const Observation odd = observed(mapping, "e2", R"(,"changedDate":"2026-11-21 09:15")");
  CHECK(odd.changedDate == "2026-11-21 09:15");
  CHECK_FALSE(odd.changedAt);
  const Observation none = observed(mapping, "e3", "");
  CHECK(none.changedDate.empty());
  CHECK_FALSE(none.changedAt);

  // In the ledger each reads back as the text it was told: the first and the last as lean skips.
  TempDir dir;
  Ledger ledger(dir.file("ledger.db"));
  ledger.observe({offset, odd, none});
  checkLeanSkip(ledger.find("org-1", "e1"), "org-1", "acme", "e1", "2026-11-21T08:15:00Z", offset.skipReason);
  checkLeanSkip(ledger.find("org-1", "e3"), "org-1", "acme", "e3", "", none.skipReason);
  const auto kept = ledger.find("org-1", "e2");
  REQUIRE(kept);
  CHECK(kept->status == RecordStatus::Skipped);
  CHECK(kept->changedDate == "2026-11-21 09:15");
}
