#pragma once
// How a sweep cuts [start, end) into windows. Each window is one query (a search, a job), and
// the checkpoint moves at window ends.
//
// A sweep starts, and goes on after each window that held less than a page, with one window as
// long as allowed: over a quiet stretch that is one request where days of windows would each
// cost one (every query counts against the org's Genesys rate limit; a BPO's quiet orgs pay it
// on every backfill). Such a window may stop at its first full page (TimeWindow::
// mayStopAtFullPage): it ran into a busy stretch, and the sweep goes on from the date the page
// reached in windows of the first length, so within a busy stretch the checkpoint moves at least
// that often. A source that cannot stop early (a job covers its window whole) has its first
// length equal to the longest, so its windows keep one length and never stop.
#include <optional>

#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

namespace evalbridge {

class SweepWindows {
 public:
  // `first` is cut to `longest`, and to at least a second; windows never end after `end`.
  SweepWindows(Poco::Timestamp start, Poco::Timestamp end, Poco::Timespan first, Poco::Timespan longest,
               int quietBelow);

  bool done() const { return start_ >= end_; }
  const Poco::Timestamp& windowStart() const { return start_; }
  Poco::Timestamp windowEnd() const;
  // The current window is longer than the first length: it may stop at its first full page.
  bool mayStopEarly() const;
  // Where reading the current window ended: at `stoppedAt` when its source stopped short of the
  // window's end, else at that end. The checkpoint may move that far; next() goes on from there.
  Poco::Timestamp readUntil(const std::optional<Poco::Timestamp>& stoppedAt) const;
  // The current window has been read and held `exported` evaluations, or was read up to
  // `stoppedAt` only: move to the next one.
  void next(int exported, const std::optional<Poco::Timestamp>& stoppedAt = std::nullopt);

 private:
  Poco::Timestamp start_;
  Poco::Timestamp end_;
  Poco::Timespan first_;
  Poco::Timespan longest_;
  Poco::Timespan length_;
  int quietBelow_;
};

}  // namespace evalbridge
