#pragma once
// How a sweep cuts [start, end) into windows. Each window is one query (a search, a job), and
// the checkpoint moves at window ends. Each window that held less than a page is followed by one
// twice as long, up to the longest allowed, so a quiet month costs five queries instead of
// thirty (every query counts against the org's Genesys rate limit); a window that held a page or
// more sends the length back to the first, so within a busy stretch the checkpoint moves at
// least that often. (The window that runs into a busy stretch may still be long: it is read, and
// after a stop read again, whole, quiet part and all.)
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
  // The current window has been read and held `exported` evaluations: move to the next one.
  void next(int exported);

 private:
  Poco::Timestamp start_;
  Poco::Timestamp end_;
  Poco::Timespan first_;
  Poco::Timespan longest_;
  Poco::Timespan length_;
  int quietBelow_;
};

}  // namespace evalbridge
