#include "sim/SearchIndex.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <limits>

namespace evalbridge::sim {

SearchIndex::SearchIndex(const std::vector<EvaluationRecord>& records, const EvaluationGenerator& generator)
    : records_(records), generator_(generator) {
  // Positions are kept in 32 bits: 16 bytes per evaluation less at the sizes this is for.
  if (records_.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Poco::RangeException("search index: too many evaluations");
  }
}

std::string SearchIndex::exactValue(std::size_t position, const std::string& field) const {
  const EvaluationDraw& draw = records_[position].draw();
  if (field == "evaluationId") return uuidText(draw.id);
  if (field == "conversationId") return uuidText(draw.conversationId);
  // A rescore keeps FINISHED, and only a finished evaluation can be rescored: the draw's status holds.
  if (field == "evaluationStatus") return EvaluationGenerator::statusText(draw.status);
  if (field == "agentId") return generator_.agentOf(draw).id;
  if (field == "evaluatorId") return generator_.evaluatorOf(draw).id;
  if (field == "queueId") return generator_.queueOf(draw).id;
  if (field == "formId") return generator_.formOf(draw).id;
  if (field == "mediaType") return EvaluationGenerator::mediaText(draw);
  throw Poco::InvalidArgumentException("EXACT on '" + field + "' is not supported by the simulator");
}

const DateIndex& SearchIndex::dates(const std::string& field) const {
  auto found = dates_.find(field);
  if (found != dates_.end()) return found->second;
  std::vector<std::optional<Poco::Timestamp>> values;
  values.reserve(records_.size());
  for (const auto& record : records_) values.push_back(record.date(field));
  return dates_.emplace(field, DateIndex(std::move(values))).first->second;
}

void SearchIndex::sortById() const {
  if (!byId_.empty() || records_.empty()) return;
  byId_.resize(records_.size());
  for (std::size_t i = 0; i < byId_.size(); ++i) byId_[i] = static_cast<std::uint32_t>(i);
  // The bits order ids as their texts do (UuidBits); positions break ties, so equal ids stay in
  // store order.
  std::sort(byId_.begin(), byId_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const UuidBits& ia = records_[a].id();
    const UuidBits& ib = records_[b].id();
    return ia != ib ? ia < ib : a < b;
  });
  idRanks_.resize(records_.size());
  std::uint32_t rank = 0;
  for (std::size_t i = 0; i < byId_.size(); ++i) {
    if (i > 0 && records_[byId_[i]].id() != records_[byId_[i - 1]].id()) ++rank;
    idRanks_[byId_[i]] = rank;
  }
}

std::uint32_t SearchIndex::idRank(std::size_t position) const {
  sortById();
  return idRanks_[position];
}

std::vector<std::size_t> SearchIndex::positionsOf(const UuidBits& id) const {
  sortById();
  const auto first =
      std::lower_bound(byId_.begin(), byId_.end(), id,
                       [&](std::uint32_t position, const UuidBits& want) { return records_[position].id() < want; });
  std::vector<std::size_t> positions;
  for (auto it = first; it != byId_.end() && records_[*it].id() == id; ++it) positions.push_back(*it);
  return positions;
}

}  // namespace evalbridge::sim
