#include "sim/DateIndex.h"

#include <algorithm>

namespace evalbridge::sim {

DateIndex::DateIndex(std::vector<std::optional<Poco::Timestamp>> dates) : byPosition_(std::move(dates)) {
  for (std::size_t position = 0; position < byPosition_.size(); ++position) {
    if (byPosition_[position]) sorted_.push_back({*byPosition_[position], position});
  }
  // Positions break ties only to make the order total (and the index reproducible); a search
  // orders evaluations with equal times by id itself.
  std::sort(sorted_.begin(), sorted_.end(), [](const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time < b.time : a.position < b.position;
  });
}

DateIndex::Span DateIndex::between(const Poco::Timestamp& start, const Poco::Timestamp& end) const {
  // lower_bound for the start and upper_bound for the end: both ends are in the range.
  const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), start,
                                      [](const Entry& entry, const Poco::Timestamp& time) { return entry.time < time; });
  const auto last = std::upper_bound(first, sorted_.end(), end,
                                     [](const Poco::Timestamp& time, const Entry& entry) { return time < entry.time; });
  return {first, last};
}

}  // namespace evalbridge::sim
