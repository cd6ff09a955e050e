#include "sync/SweepWindows.h"

#include <algorithm>
#include <stdexcept>

#include "common/IsoTime.h"

namespace evalbridge {

SweepWindows::SweepWindows(Poco::Timestamp start, Poco::Timestamp end, Poco::Timespan first, Poco::Timespan longest,
                           int quietBelow)
    : start_(start),
      end_(end),
      // Never longer than the longest, never empty (a zero length would never reach the end).
      first_(std::max(Poco::Timespan(1, 0), std::min(first, longest))),
      longest_(std::max(first_, longest)),
      length_(longest_),
      quietBelow_(quietBelow) {}

Poco::Timestamp SweepWindows::windowEnd() const {
  // Compared as a remaining span: start + length could pass the largest Timestamp.
  return end_ - start_ <= length_.totalMicroseconds() ? end_ : start_ + length_;
}

bool SweepWindows::mayStopEarly() const { return windowEnd() - start_ > first_.totalMicroseconds(); }

Poco::Timestamp SweepWindows::readUntil(const std::optional<Poco::Timestamp>& stoppedAt) const {
  const Poco::Timestamp end = windowEnd();
  return stoppedAt && *stoppedAt < end ? *stoppedAt : end;
}

void SweepWindows::next(int exported, const std::optional<Poco::Timestamp>& stoppedAt) {
  // Only a long window may stop: one of the first length that stopped in its first second would
  // be read again and again.
  if (stoppedAt && !mayStopEarly())
    throw std::logic_error("a sweep window of the first length stopped early at " + formatIsoTime(*stoppedAt));
  const Poco::Timestamp end = windowEnd();
  const Poco::Timestamp until = readUntil(stoppedAt);
  if (until < end) {
    // Read up to the stop only: the sweep goes on from there (in whole seconds, as windows are
    // asked for) in a window of the first length, which never stops early, so the sweep moves on
    // even when the page reached no further than the window's first second.
    start_ = std::max(start_, Poco::Timestamp::fromEpochTime(until.epochTime()));
    length_ = first_;
    return;
  }
  start_ = end;
  length_ = exported >= quietBelow_ ? first_ : longest_;
}

}  // namespace evalbridge
