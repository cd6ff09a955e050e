#pragma once
// The evaluation search of QualityApi post_quality_evaluations_search: a request
// (EvaluationSearchRequestDTO) read and checked into an EvaluationSearch, which then picks one
// page of matching evaluations. What is enforced, and where the docs were silent, is listed in
// sim/README.md ("Evaluation search"). Every refusal is a Poco::InvalidArgumentException (400).
// Reading the request is EvaluationSearch.cpp; picking the page is EvaluationSearchPage.cpp.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "sim/DateIndex.h"
#include "sim/SearchIndex.h"

namespace evalbridge::sim {

class EvaluationSearch {
 public:
  static constexpr int kDefaultPageSize = 25;
  static constexpr int kMaxPageSize = 100;
  static constexpr int kMaxReach = 10000;  // pageNumber * pageSize
  static constexpr int kMaxRangeDays = 90;  // "Time Range: Max 3 months (required)"

  // Throws InvalidArgumentException naming the offending key or value.
  explicit EvaluationSearch(const Poco::JSON::Object::Ptr& request);

  int pageSize() const { return pageSize_; }
  int pageNumber() const { return pageNumber_; }
  // The positions in `index` of the requested page of the matching evaluations, in the
  // requested order: what testing every evaluation, sorting every match and cutting out the page
  // would give, at the cost of the evaluations in the DATE_RANGE only. Call under the store's
  // lock (EvaluationStore::select), which renders the documents at those positions.
  std::vector<std::size_t> pick(const SearchIndex& index) const;

 private:
  struct Exact {
    std::string field;
    std::set<std::string> values;  // OR-ed
    bool negated = false;          // operator NOT
  };
  void readCriterion(const Poco::JSON::Object::Ptr& criterion, const std::string& where);
  bool passesExact(const SearchIndex& index, std::size_t position) const;
  template <typename Iterator>
  std::vector<std::size_t> walkInOrder(const SearchIndex& index, Iterator first, Iterator last,
                                       std::size_t skip) const;
  std::vector<std::size_t> sortMatches(const SearchIndex& index, const DateIndex::Span& range,
                                       std::size_t skip) const;

  std::string rangeField_;
  Poco::Timestamp rangeStart_;
  Poco::Timestamp rangeEnd_;
  std::vector<Exact> exact_;  // AND-ed
  bool systemSubmitted_ = false;
  int pageSize_ = kDefaultPageSize;
  int pageNumber_ = 1;
  std::string sortBy_;  // "" = by evaluation id
  bool descending_ = false;
};

}  // namespace evalbridge::sim
