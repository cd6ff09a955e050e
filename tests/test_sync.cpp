// Unit tests of src/sync's pure logic: how a sweep cuts its range into windows.
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/DateTimeFormatter.h>

#include "common/IsoTime.h"
#include "sync/SweepWindows.h"

using namespace evalbridge;

namespace {

Poco::Timespan days(int n) { return Poco::Timespan(n, 0, 0, 0, 0); }

Poco::Timestamp at(const std::string& iso) { return *parseIsoTime(iso); }

// What a window held: its evaluations, and where its source stopped reading it, if it did.
struct Held {
  Held(int held = 0, std::optional<std::string> stop = std::nullopt) : count(held), stoppedAt(std::move(stop)) {}
  int count;
  std::optional<std::string> stoppedAt;
};

// An instant as the windows hold it, to the millisecond where it has a fraction.
std::string shown(const Poco::Timestamp& time) {
  const bool fraction = time.epochMicroseconds() % 1000000 != 0;
  return Poco::DateTimeFormatter::format(time, fraction ? "%Y-%m-%dT%H:%M:%S.%iZ" : "%Y-%m-%dT%H:%M:%SZ");
}

// Walks every window, telling the planner that window i held held[i] (nothing past the end of
// held); returns "start/end" of each, with " may stop" where the window may stop early.
std::vector<std::string> walk(SweepWindows windows, const std::vector<Held>& held) {
  std::vector<std::string> seen;
  for (std::size_t i = 0; !windows.done(); ++i) {
    REQUIRE(i < 100);  // a sweep that does not move on fails here instead of hanging
    seen.push_back(shown(windows.windowStart()) + "/" + shown(windows.windowEnd()) +
                   (windows.mayStopEarly() ? " may stop" : ""));
    const Held h = i < held.size() ? held[i] : Held{};
    windows.next(h.count, h.stoppedAt ? std::optional<Poco::Timestamp>(at(*h.stoppedAt)) : std::nullopt);
  }
  return seen;
}

}  // namespace

TEST_CASE("a quiet range is read in windows as long as allowed, the last one ending at the end of the range") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-28T00:00:00Z"), days(1), days(10), 100);
  CHECK(walk(windows, {}) == std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-11T00:00:00Z may stop",
                                                      "2026-11-11T00:00:00Z/2026-11-21T00:00:00Z may stop",
                                                      "2026-11-21T00:00:00Z/2026-11-28T00:00:00Z may stop"});
}

TEST_CASE("a window that held a page or more is followed by one of the first length, a quiet one by the longest") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-12-10T00:00:00Z"), days(1), days(10), 100);
  // quiet, busy (read whole), quiet (99 is still quiet), busy, busy (100 is not quiet), quiet
  CHECK(walk(windows, {{0}, {150}, {99}, {100}, {100}, {5}}) ==
        std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-11T00:00:00Z may stop",
                                 "2026-11-11T00:00:00Z/2026-11-21T00:00:00Z may stop",
                                 "2026-11-21T00:00:00Z/2026-11-22T00:00:00Z",
                                 "2026-11-22T00:00:00Z/2026-12-02T00:00:00Z may stop",
                                 "2026-12-02T00:00:00Z/2026-12-03T00:00:00Z",
                                 "2026-12-03T00:00:00Z/2026-12-04T00:00:00Z",
                                 "2026-12-04T00:00:00Z/2026-12-10T00:00:00Z may stop"});
}

TEST_CASE("a window stopped at its first full page goes on from there, in whole seconds, with the first length") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-28T00:00:00Z"), days(1), days(10), 100);
  CHECK(walk(windows, {{100, "2026-11-03T05:30:07.250Z"}, {40}, {100, "2026-11-05T00:00:00Z"}}) ==
        std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-11T00:00:00Z may stop",
                                 "2026-11-03T05:30:07Z/2026-11-04T05:30:07Z",
                                 "2026-11-04T05:30:07Z/2026-11-14T05:30:07Z may stop",
                                 "2026-11-05T00:00:00Z/2026-11-06T00:00:00Z",
                                 "2026-11-06T00:00:00Z/2026-11-16T00:00:00Z may stop",
                                 "2026-11-16T00:00:00Z/2026-11-26T00:00:00Z may stop",
                                 "2026-11-26T00:00:00Z/2026-11-28T00:00:00Z may stop"});
}

TEST_CASE("a stop within the window's first second still moves the sweep on, and one at its end reads it whole") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-30T00:00:00Z"), days(1), days(10), 100);
  // The page reached no further than the first second (or its results came out of order, and the
  // source stopped at the window's start): read again in a window that never stops.
  // The fourth, quiet, stops at its own end (a result dated exactly endValue): it was read whole.
  CHECK(walk(windows, {{100, "2026-11-01T00:00:00.400Z"}, {100}, {5}, {5, "2026-11-13T00:00:00Z"}}) ==
        std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-11T00:00:00Z may stop",
                                 "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                 "2026-11-02T00:00:00Z/2026-11-03T00:00:00Z",
                                 "2026-11-03T00:00:00Z/2026-11-13T00:00:00Z may stop",
                                 "2026-11-13T00:00:00Z/2026-11-23T00:00:00Z may stop",
                                 "2026-11-23T00:00:00Z/2026-11-30T00:00:00Z may stop"});
}

TEST_CASE("only a window longer than the first length may stop early") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-30T00:00:00Z"), days(1), days(10), 100);
  windows.next(100, at("2026-11-02T00:00:00Z"));  // the long first window stops
  REQUIRE_FALSE(windows.mayStopEarly());
  CHECK_THROWS_AS(windows.next(100, at("2026-11-02T00:00:00.500Z")), std::logic_error);
}

TEST_CASE("when the first window is the longest, windows keep one length and never stop early") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-03T12:00:00Z"), days(1), days(1), 100);
  CHECK(walk(windows, {{0}, {100}}) == std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                                                "2026-11-02T00:00:00Z/2026-11-03T00:00:00Z",
                                                                "2026-11-03T00:00:00Z/2026-11-03T12:00:00Z"});
}

TEST_CASE("an empty range has no window, and a range shorter than the first is one window that never stops") {
  CHECK(walk(SweepWindows(at("2026-11-01T00:00:00Z"), at("2026-11-01T00:00:00Z"), days(1), days(1), 100), {}).empty());
  CHECK(walk(SweepWindows(at("2026-11-01T00:00:00Z"), at("2026-11-01T00:15:00Z"), days(1), days(30), 100), {}) ==
        std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-01T00:15:00Z"});
}

TEST_CASE("a first window longer than the longest is cut to it") {
  SweepWindows windows(at("2026-11-01T00:00:00Z"), at("2026-11-03T00:00:00Z"), days(5), days(1), 100);
  CHECK(walk(windows, {}) == std::vector<std::string>{"2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
                                                      "2026-11-02T00:00:00Z/2026-11-03T00:00:00Z"});
}
