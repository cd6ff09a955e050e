#pragma once
// One date field of a list of evaluations, sorted by time: what lets a search find its
// DATE_RANGE by binary search instead of parsing every evaluation's date on every request.
// Holds timestamps and positions in that list, never the documents; immutable once built.
#include <Poco/Timestamp.h>

#include <cstddef>
#include <optional>
#include <vector>

namespace evalbridge::sim {

class DateIndex {
 public:
  struct Entry {
    Poco::Timestamp time;
    std::size_t position;  // in the list the index was built from
  };
  using Iterator = std::vector<Entry>::const_iterator;
  // A run of entries; reverse it with std::make_reverse_iterator for a descending walk.
  struct Span {
    Iterator first;
    Iterator last;
    Iterator begin() const { return first; }
    Iterator end() const { return last; }
  };

  // dates[i] is the field's value of the evaluation at position i; nullopt when it has none
  // (such an evaluation is in no span, as it matches no range).
  explicit DateIndex(std::vector<std::optional<Poco::Timestamp>> dates);

  // The entries with start <= time <= end (both ends inclusive, like the search's DATE_RANGE),
  // in (time, position) order.
  Span between(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // The value at a position, for ordering by this field evaluations found through another one.
  const std::optional<Poco::Timestamp>& at(std::size_t position) const { return byPosition_[position]; }

 private:
  std::vector<std::optional<Poco::Timestamp>> byPosition_;
  std::vector<Entry> sorted_;
};

}  // namespace evalbridge::sim
