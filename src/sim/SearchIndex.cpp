#include "sim/SearchIndex.h"

#include <algorithm>
#include <utility>

#include "sim/TimeText.h"

namespace evalbridge::sim {

std::optional<Poco::Timestamp> searchDateOf(const Poco::JSON::Object::Ptr& evaluation, const std::string& field) {
  if (!evaluation->has(field)) return std::nullopt;
  return parseIso8601(evaluation->getValue<std::string>(field));
}

SearchIndex::SearchIndex(std::vector<Poco::JSON::Object::Ptr> evaluations) : evaluations_(std::move(evaluations)) {}

const DateIndex& SearchIndex::dates(const std::string& field) const {
  auto found = dates_.find(field);
  if (found != dates_.end()) return found->second;
  std::vector<std::optional<Poco::Timestamp>> values;
  values.reserve(evaluations_.size());
  for (const auto& evaluation : evaluations_) values.push_back(searchDateOf(evaluation, field));
  return dates_.emplace(field, DateIndex(std::move(values))).first->second;
}

std::uint32_t SearchIndex::idRank(std::size_t position) const {
  if (idRanks_.empty() && !evaluations_.empty()) {
    // The id strings live here only while the ranks are computed.
    std::vector<std::pair<std::string, std::size_t>> ids;
    ids.reserve(evaluations_.size());
    for (std::size_t i = 0; i < evaluations_.size(); ++i) {
      ids.emplace_back(evaluations_[i]->getValue<std::string>("id"), i);
    }
    std::sort(ids.begin(), ids.end());
    idRanks_.resize(evaluations_.size());
    std::uint32_t rank = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i > 0 && ids[i].first != ids[i - 1].first) ++rank;
      idRanks_[ids[i].second] = rank;
    }
  }
  return idRanks_[position];
}

}  // namespace evalbridge::sim
