#pragma once
// The last few thousand hints a channel passed on, so that the same event arriving twice (on the
// old and the new socket while a channel is being replaced, both subscribed for a moment) is
// passed on once. Bounded: the oldest key is forgotten first. A duplicate that slips through
// costs one evaluation GET; the ledger keeps it from becoming a second incident anyway.
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

#include "genesys/EvaluationHint.h"

namespace evalbridge {

class RecentHints {
 public:
  explicit RecentHints(std::size_t capacity = 4096) : capacity_(capacity == 0 ? 1 : capacity) {}

  // True the first time this event (id, changedDate, status, rescore, eventType) is seen.
  bool firstTime(const EvaluationHint& hint);

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;
  std::unordered_set<std::string> keys_;
};

}  // namespace evalbridge
