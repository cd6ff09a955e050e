// How a checked EvaluationSearch picks its page: through the store's SearchIndex, so a request
// costs a binary search plus the evaluations in its DATE_RANGE (or only the ones it skips and
// returns, when sorted by the range field), not a pass over the whole store. The results are
// exactly those of testing every evaluation, sorting all matches and cutting out the page.
#include <Poco/String.h>

#include <algorithm>
#include <iterator>

#include "sim/EvaluationSearch.h"

namespace evalbridge::sim {
namespace {

// Enum-like fields compare without case (as the SDK validates enums); ids compare exactly.
bool sameValue(const std::string& field, const std::string& a, const std::string& b) {
  if (field == "evaluationStatus" || field == "mediaType") return Poco::icompare(a, b) == 0;
  return a == b;
}

}  // namespace

bool EvaluationSearch::passesExact(const SearchIndex& index, std::size_t position) const {
  for (const auto& exact : exact_) {
    // Each evaluation has one value per EXACT field (mediaType too: one medium per conversation).
    const std::string have = index.exactValue(position, exact.field);
    bool any = false;
    for (const auto& want : exact.values) any = any || sameValue(exact.field, have, want);
    if (any == exact.negated) return false;
  }
  return true;
}

// The range already runs in the sort field's order (either way), so the page is read off it: one
// run of equal times at a time, ordered by id as ties are, stopping once the page is full. Only
// the evaluations skipped and returned are looked at.
template <typename Iterator>
std::vector<std::size_t> EvaluationSearch::walkInOrder(const SearchIndex& index, Iterator first, Iterator last,
                                                       std::size_t skip) const {
  const auto pageSize = static_cast<std::size_t>(pageSize_);
  std::vector<std::size_t> picked;
  std::vector<std::size_t> tied;
  std::size_t passed = 0;  // matches seen so far, skipped or picked
  while (first != last && picked.size() < pageSize) {
    tied.clear();
    const Poco::Timestamp time = first->time;
    for (; first != last && first->time == time; ++first) {
      if (passesExact(index, first->position)) tied.push_back(first->position);
    }
    if (passed + tied.size() <= skip) {  // wholly before the page: its order does not matter
      passed += tied.size();
      continue;
    }
    if (tied.size() > 1) {
      std::sort(tied.begin(), tied.end(),
                [&](std::size_t a, std::size_t b) { return index.idRank(a) < index.idRank(b); });
    }
    for (const std::size_t position : tied) {
      if (passed++ >= skip && picked.size() < pageSize) picked.push_back(position);
    }
  }
  return picked;
}

// Any other order (by id, or by another date field): every match in the range is collected, then
// only the first pages' worth put in order.
std::vector<std::size_t> EvaluationSearch::sortMatches(const SearchIndex& index, const DateIndex::Span& range,
                                                       std::size_t skip) const {
  std::vector<std::size_t> found;
  for (const auto& entry : range) {
    if (passesExact(index, entry.position)) found.push_back(entry.position);
  }
  if (skip >= found.size()) return {};
  const DateIndex* sortDates = sortBy_.empty() ? nullptr : &index.dates(sortBy_);
  // Ties (and the default order) by evaluation id, so pages never overlap or skip.
  auto before = [&](std::size_t a, std::size_t b) {
    if (sortDates) {
      const auto& da = sortDates->at(a);
      const auto& db = sortDates->at(b);
      if (da.has_value() != db.has_value()) return da.has_value();  // no value: last, either order
      if (da && *da != *db) return descending_ ? *db < *da : *da < *db;
    }
    return index.idRank(a) < index.idRank(b);
  };
  const std::size_t end = std::min(found.size(), skip + static_cast<std::size_t>(pageSize_));
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(end), found.end(), before);
  return {found.begin() + static_cast<std::ptrdiff_t>(skip), found.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::vector<std::size_t> EvaluationSearch::pick(const SearchIndex& index) const {
  // The simulator has no evaluations submitted by a virtual supervisor.
  if (systemSubmitted_) return {};
  // Both ends inclusive; an evaluation without the field (unfinished: no submittedDate) is in no span.
  const DateIndex::Span range = index.dates(rangeField_).between(rangeStart_, rangeEnd_);
  const std::size_t skip = static_cast<std::size_t>(pageNumber_ - 1) * static_cast<std::size_t>(pageSize_);
  if (sortBy_ == rangeField_) {
    if (descending_) {
      return walkInOrder(index, std::make_reverse_iterator(range.end()), std::make_reverse_iterator(range.begin()),
                         skip);
    }
    return walkInOrder(index, range.begin(), range.end(), skip);
  }
  return sortMatches(index, range, skip);
}

}  // namespace evalbridge::sim
