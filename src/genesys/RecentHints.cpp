#include "genesys/RecentHints.h"

namespace evalbridge {

bool RecentHints::firstTime(const EvaluationHint& hint) {
  // Each field is length-prefixed, so no two different events can make the same key.
  std::string key = (hint.rescore ? "1" : "0");
  for (const std::string* field : {&hint.evaluationId, &hint.changedDate, &hint.status, &hint.eventType})
    key += std::to_string(field->size()) + ':' + *field;
  if (keys_.count(key)) return false;
  if (order_.size() == capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  keys_.insert(key);
  order_.push_back(std::move(key));
  return true;
}

}  // namespace evalbridge
