#include "sync/SweepWindows.h"

#include <algorithm>

namespace evalbridge {

SweepWindows::SweepWindows(Poco::Timestamp start, Poco::Timestamp end, Poco::Timespan first, Poco::Timespan longest,
                           int quietBelow)
    : start_(start),
      end_(end),
      // Never longer than the longest, never empty (a zero length would never reach the end).
      first_(std::max(Poco::Timespan(1, 0), std::min(first, longest))),
      longest_(std::max(first_, longest)),
      length_(first_),
      quietBelow_(quietBelow) {}

Poco::Timestamp SweepWindows::windowEnd() const {
  // Compared as a remaining span: start + length could pass the largest Timestamp.
  return end_ - start_ <= length_.totalMicroseconds() ? end_ : start_ + length_;
}

void SweepWindows::next(int exported) {
  start_ = windowEnd();
  if (exported >= quietBelow_) {
    length_ = first_;
  } else {
    length_ = longest_ - length_ <= length_ ? longest_ : length_ + length_;
  }
}

}  // namespace evalbridge
