#pragma once
// What an evaluation search sees of the store: the stored evaluations by position and, built on
// first use, a DateIndex per date field and each evaluation's rank in id order. The store
// (EvaluationStore::select) owns it, hands it out only under its lock and drops it whenever its
// evaluations change (add, rescore), so positions, dates and ranks always describe the current
// documents. Not thread-safe by itself: the store's mutex guards it, including the lazy builds.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/DateIndex.h"

namespace evalbridge::sim {

// A date field as the search reads it: none when the evaluation lacks the field (an unfinished
// one has no submittedDate) or its text is not an ISO 8601 date-time.
std::optional<Poco::Timestamp> searchDateOf(const Poco::JSON::Object::Ptr& evaluation, const std::string& field);

class SearchIndex {
 public:
  // Pointers to the store's documents in store order (shared, not copied).
  explicit SearchIndex(std::vector<Poco::JSON::Object::Ptr> evaluations);

  std::size_t size() const { return evaluations_.size(); }
  const Poco::JSON::Object::Ptr& evaluation(std::size_t position) const { return evaluations_[position]; }
  // The field's DateIndex, built from searchDateOf on the first call for that field.
  const DateIndex& dates(const std::string& field) const;
  // Orders evaluations by id as comparing the id strings would (equal ids, equal ranks), without
  // reading a string: built on the first call, so a walk that never meets a tie never pays for it.
  std::uint32_t idRank(std::size_t position) const;

 private:
  std::vector<Poco::JSON::Object::Ptr> evaluations_;
  // A map, not a vector: building one field's index must not move another's, whose span a
  // search may be walking (a search sorted by another field asks for both).
  mutable std::map<std::string, DateIndex> dates_;
  mutable std::vector<std::uint32_t> idRanks_;  // empty until first needed
};

}  // namespace evalbridge::sim
