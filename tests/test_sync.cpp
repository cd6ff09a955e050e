// Unit tests of src/sync's pure logic: how a sweep cuts its range into windows.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/IsoTime.h"
#include "sync/SweepWindows.h"

using namespace evalbridge;

namespace {

Poco::Timespan days(int n) { return Poco::Timespan(n, 0, 0, 0, 0); }

Poco::Timestamp at(const std::string& iso) { return *parseIsoTime(iso); }

// Walks every window, telling the planner that window i held counts[i] evaluations (0 past the
// end of counts); returns "start/end" of each.
std::vector<std::string> walk(SweepWindows windows, const std::vector<int>& counts) {
  std::vector<std::string> seen;
  for (std::size_t i = 0; !windows.done(); ++i) {
    seen.push_back(formatIsoTime(windows.windowStart()) + "/" + formatIsoTime(windows.windowEnd()));
    windows.next(i < counts.size() ? counts[i] : 0);
  }
  return seen;
}

}  // namespace

TEST_CASE("quiet windows double up to the longest, and the last one ends at the end of the range") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-28T00:00:00Z"), days(1), days(10), 100);
  CHECK(walk(windows, {}) == std::vector<std::string>{
                                 "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                 "2026-11-02T00:00:00Z/2026-11-04T00:00:00Z",
                                 "2026-11-04T00:00:00Z/2026-11-08T00:00:00Z",
                                 "2026-11-08T00:00:00Z/2026-11-16T00:00:00Z",
                                 "2026-11-16T00:00:00Z/2026-11-26T00:00:00Z",  // 10 days: the longest
                                 "2026-11-26T00:00:00Z/2026-11-28T00:00:00Z"});
}

TEST_CASE("a window that held a page or more sends the length back to the first") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-12T00:00:00Z"), days(1), days(30), 100);
  // quiet, quiet (grows to 4 days), busy (99 is still quiet, 100 is not), then quiet again
  CHECK(walk(windows, {0, 99, 100, 5}) == std::vector<std::string>{
                                              "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                              "2026-11-02T00:00:00Z/2026-11-04T00:00:00Z",
                                              "2026-11-04T00:00:00Z/2026-11-08T00:00:00Z",
                                              "2026-11-08T00:00:00Z/2026-11-09T00:00:00Z",
                                              "2026-11-09T00:00:00Z/2026-11-11T00:00:00Z",
                                              "2026-11-11T00:00:00Z/2026-11-12T00:00:00Z"});
}

TEST_CASE("when the first window is the longest, windows keep one length") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-03T12:00:00Z"), days(1), days(1), 100);
  CHECK(walk(windows, {}) == std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                                      "2026-11-02T00:00:00Z/2026-11-03T00:00:00Z",
                                                      "2026-11-03T00:00:00Z/2026-11-03T12:00:00Z"});
}

TEST_CASE("an empty range has no window, and a range shorter than the first is one window") {
  CHECK(walk(SweepWindows(at("2026-11-01T00:00:00Z"), at("2026-11-01T00:00:00Z"), days(1), days(1), 100), {}).empty());
  CHECK(walk(SweepWindows(at("2026-11-01T00:00:00Z"), at("2026-11-01T00:15:00Z"), days(1), days(30), 100), {}) ==
        std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-01T00:15:00Z"});
}

TEST_CASE("a first window longer than the longest is cut to it") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-03T00:00:00Z"), days(5), days(1), 100);
  CHECK(walk(windows, {}) == std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                                      "2026-11-02T00:00:00Z/2026-11-03T00:00:00Z"});
}
