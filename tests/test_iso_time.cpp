// ISO 8601 instants (common/IsoTime.h): the forms Genesys sends are read, and anything else is
// refused. Poco 1.11's parser alone reads "yesterday" as the year 0 and ignores trailing text, so a
// bad --from, a broken changedDate or a garbled notification expiry would pass as some instant.
#include <catch2/catch.hpp>

#include <string>

#include "common/Errors.h"
#include "common/IsoTime.h"

using evalbridge::formatIsoTime;
using evalbridge::normalizeIsoTime;
using evalbridge::parseIsoTime;
using evalbridge::requireIsoTime;

TEST_CASE("ISO instants: every form of one instant reads as it, and the ledger writes one form", "[iso_time]") {
  for (const std::string text :
       {"2026-11-21T09:15:00Z", "2026-11-21T09:15:00.000Z", "2026-11-21T09:15:00.123456789Z",
        "2026-11-21T10:15:00+01:00", "2026-11-21T04:15:00-05:00", "2026-11-21T10:15:00+0100"}) {
    INFO(text);
    const auto parsed = parseIsoTime(text);
    REQUIRE(parsed);
    CHECK(formatIsoTime(*parsed) == "2026-11-21T09:15:00Z");
    CHECK(normalizeIsoTime(text) == "2026-11-21T09:15:00Z");
  }
}

TEST_CASE("ISO instants: what is not one is refused, not read as some instant", "[iso_time]") {
  for (const std::string text :
       {"", "yesterday", "x", "T", "2026", "2026-11-21", "2026-11-21 09:15:00", "2026-11-21T09:15:00",
        "2026-11-21T09:15:00Z junk", "2026-11-21T09:15:00.Z", "2026-11-21T09:15Z", "2026-11-21T09:15:00+1",
        "2026-11-21T09:15:00+01:0", "21/11/2026T09:15:00Z", "2026-02-30T00:00:00Z", "2026-11-21T25:00:00Z"}) {
    INFO(text);
    CHECK_FALSE(parseIsoTime(text));
    CHECK(normalizeIsoTime(text) == text);  // kept as it came
  }
  // Where a person writes a time (--from, --to, startFrom) a date alone is its midnight UTC.
  CHECK(evalbridge::parseIsoTimeOrDate("2026-11-21") == parseIsoTime("2026-11-21T00:00:00Z"));
  CHECK(evalbridge::parseIsoTimeOrDate("2026-11-21T09:15:00Z") == parseIsoTime("2026-11-21T09:15:00Z"));
  CHECK_FALSE(evalbridge::parseIsoTimeOrDate("2026/11/21"));
  CHECK_FALSE(evalbridge::parseIsoTimeOrDate("yesterday"));
  try {
    requireIsoTime("yesterday", "--from");
    FAIL("read as an instant");
  } catch (const evalbridge::PermanentError& e) {
    CHECK(e.message() == "--from: 'yesterday' is not an ISO 8601 time");
  }
}
