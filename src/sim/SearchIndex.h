#pragma once
// What an evaluation search sees of the store: its records by position and, built on first use,
// a DateIndex per date field and the records' order by id. The store (EvaluationStore::select)
// owns it, hands it out only under its lock and drops it whenever its records change (add,
// rescore), so positions, dates and ranks always describe the current records. It refers to the
// store's records and generator (copies nothing). Not thread-safe by itself: the store's mutex
// guards it, including the lazy builds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/DateIndex.h"
#include "sim/EvaluationGenerator.h"
#include "sim/EvaluationRecord.h"

namespace evalbridge::sim {

class SearchIndex {
 public:
  SearchIndex(const std::vector<EvaluationRecord>& records, const EvaluationGenerator& generator);

  std::size_t size() const { return records_.size(); }
  const EvaluationRecord& record(std::size_t position) const { return records_[position]; }
  // The text an EXACT criterion compares, as the document shows it: evaluationId, conversationId,
  // evaluationStatus, agentId, evaluatorId, queueId, formId or mediaType (its one value).
  std::string exactValue(std::size_t position, const std::string& field) const;
  // The field's DateIndex, built from EvaluationRecord::date on the first call for that field.
  const DateIndex& dates(const std::string& field) const;
  // Orders evaluations by id as comparing the id strings would (equal ids, equal ranks), without
  // reading a string: built on the first call (or positionsOf), so a walk that never meets a tie
  // never pays for it.
  std::uint32_t idRank(std::size_t position) const;
  // The positions holding this id, in store order (one, unless ids collide; none when unknown).
  std::vector<std::size_t> positionsOf(const UuidBits& id) const;

 private:
  void sortById() const;

  const std::vector<EvaluationRecord>& records_;
  const EvaluationGenerator& generator_;
  // A map, not a vector: building one field's index must not move another's, whose span a
  // search may be walking (a search sorted by another field asks for both).
  mutable std::map<std::string, DateIndex> dates_;
  // Positions in (id, position) order, and each position's rank in it; empty until first needed.
  mutable std::vector<std::uint32_t> byId_;
  mutable std::vector<std::uint32_t> idRanks_;
};

}  // namespace evalbridge::sim
