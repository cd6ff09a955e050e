#include "sim/EvaluationStore.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <map>

#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

Poco::Timestamp requireDate(const std::string& text, const std::string& what) {
  auto parsed = parseIso8601(text);
  if (!parsed) throw Poco::InvalidArgumentException(what + ": not an ISO 8601 date-time: '" + text + "'");
  return *parsed;
}

Poco::Timestamp::TimeDiff seconds(std::int64_t count) {
  return static_cast<Poco::Timestamp::TimeDiff>(count) * Poco::Timestamp::resolution();
}

bool changedBefore(const EvaluationRecord& a, const EvaluationRecord& b) {
  return a.changedDate() < b.changedDate();
}

// Records from `firstAdded` on were just appended to records in order; afterwards all are in
// order as a stable sort of the whole store would leave them (the added ones after the others of
// their date), at the cost of the added ones when they come after the rest (as seeded and
// continued evaluations do).
void mergeAdded(std::vector<EvaluationRecord>& records, std::size_t firstAdded) {
  const auto middle = records.begin() + static_cast<std::ptrdiff_t>(firstAdded);
  if (!std::is_sorted(middle, records.end(), changedBefore)) std::stable_sort(middle, records.end(), changedBefore);
  if (middle == records.begin() || middle == records.end() || !changedBefore(*middle, *(middle - 1))) return;
  std::inplace_merge(records.begin(), middle, records.end(), changedBefore);
}

}  // namespace

EvaluationStore::EvaluationStore(const OrgSpec& spec)
    : generator_(std::make_shared<const EvaluationGenerator>(spec.seed, spec.failingShare, spec.unfinishedShare)),
      spacingSeconds_(spec.spacingSeconds) {
  const Poco::Timestamp first = requireDate(spec.firstEvaluation, "firstEvaluation");
  records_.reserve(static_cast<std::size_t>(std::max(0, spec.evaluationCount)));
  for (int i = 0; i < spec.evaluationCount; ++i) {
    records_.emplace_back(generator_->draw(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_)));
  }
  mergeAdded(records_, 0);
}

const SearchIndex& EvaluationStore::indexLocked() const {
  if (!searchIndex_) searchIndex_.emplace(records_, *generator_);
  return *searchIndex_;
}

// The record at `position` changed its date from `before`; moves it to where a stable sort of the
// store would put it. The others are still in order, so that place is found by binary search: a
// later date puts it before the records of its new date (they all came after it), an earlier one
// after them (they all came before it).
void EvaluationStore::settleLocked(std::size_t position, const Poco::Timestamp& before) {
  const auto at = records_.begin() + static_cast<std::ptrdiff_t>(position);
  const Poco::Timestamp now = at->changedDate();
  if (before < now) {
    const auto to = std::lower_bound(
        at + 1, records_.end(), now,
        [](const EvaluationRecord& record, const Poco::Timestamp& time) { return record.changedDate() < time; });
    std::rotate(at, at + 1, to);
  } else if (now < before) {
    const auto to = std::upper_bound(
        records_.begin(), at, now,
        [](const Poco::Timestamp& time, const EvaluationRecord& record) { return time < record.changedDate(); });
    std::rotate(to, at, at + 1);
  }
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::documentsOf(const std::vector<EvaluationRecord>& records) const {
  std::vector<Poco::JSON::Object::Ptr> out;
  out.reserve(records.size());
  for (const auto& record : records) out.push_back(record.document(*generator_));
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::all() const {
  std::vector<EvaluationRecord> records;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    records = records_;
  }
  return documentsOf(records);
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::select(
    const std::function<std::vector<std::size_t>(const SearchIndex&)>& choose) const {
  std::vector<EvaluationRecord> chosen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::size_t position : choose(indexLocked())) chosen.push_back(records_.at(position));
  }
  return documentsOf(chosen);
}

std::vector<EvaluationRecord> EvaluationStore::changedIn(const Poco::Timestamp& start,
                                                         const Poco::Timestamp& end) const {
  if (!(start < end)) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  auto notBefore = [](const Poco::Timestamp& time) {
    return [time](const EvaluationRecord& record) { return record.changedDate() < time; };
  };
  // records_ is in changedDate order: the range is found, not scanned for.
  const auto first = std::partition_point(records_.begin(), records_.end(), notBefore(start));
  const auto last = std::partition_point(first, records_.end(), notBefore(end));
  return {first, last};
}

std::vector<EvaluationRecord> EvaluationStore::submittedConversationsIn(const Poco::Timestamp& start,
                                                                        const Poco::Timestamp& end) const {
  std::vector<EvaluationRecord> found;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& record : records_) {
      const Poco::Timestamp date = record.draw().conversationDate();
      if (record.firstSubmitted() && start <= date && date < end) found.push_back(record);
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const EvaluationRecord& a, const EvaluationRecord& b) {
    return a.draw().conversationDate() < b.draw().conversationDate();
  });
  return found;
}

Poco::JSON::Object::Ptr EvaluationStore::find(const std::string& conversationId,
                                              const std::string& evaluationId) const {
  const auto id = parseUuidText(evaluationId);
  if (!id) return nullptr;  // not spelled as the store's ids are: none equals it
  std::optional<EvaluationRecord> found;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::size_t position : indexLocked().positionsOf(*id)) {
      if (uuidText(records_[position].draw().conversationId) == conversationId) {
        found = records_[position];
        break;
      }
    }
  }
  return found ? found->document(*generator_) : nullptr;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::withIds(const std::vector<std::string>& evaluationIds) const {
  std::map<UuidBits, std::optional<std::size_t>> wanted;
  for (const auto& text : evaluationIds) {
    if (auto id = parseUuidText(text)) wanted[*id];
  }
  if (wanted.empty()) return {};
  std::vector<EvaluationRecord> found;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // One pass, not the id index: these are asked for right after an add or a rescore, which
    // dropped the index, and one pass costs less than sorting every id again.
    for (std::size_t position = 0; position < records_.size(); ++position) {
      auto it = wanted.find(records_[position].id());
      if (it != wanted.end() && !it->second) it->second = position;
    }
    for (const auto& text : evaluationIds) {
      const auto id = parseUuidText(text);
      if (!id) continue;
      const auto& position = wanted.at(*id);
      if (position) found.push_back(records_[*position]);
    }
  }
  return documentsOf(found);
}

std::vector<std::string> EvaluationStore::add(int count, const std::string& from) {
  if (count < 0 || count > 100000) throw Poco::InvalidArgumentException("count: must be 0..100000");
  std::lock_guard<std::mutex> lock(mutex_);
  Poco::Timestamp first;
  if (!from.empty()) {
    first = requireDate(from, "from");
  } else if (!records_.empty()) {
    first = records_.back().changedDate() + seconds(spacingSeconds_);
  }
  const std::size_t firstAdded = records_.size();
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    records_.emplace_back(generator_->draw(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_)));
    ids.push_back(uuidText(records_.back().id()));
  }
  mergeAdded(records_, firstAdded);
  searchIndex_.reset();
  return ids;
}

void EvaluationStore::rescore(const std::string& evaluationId, double newScore, const std::string& changedDate) {
  // Kept as the document will show it.
  const Poco::Timestamp when = wholeMilliseconds(requireDate(changedDate, "changedDate"));
  const auto id = parseUuidText(evaluationId);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = !id ? records_.end() : std::find_if(records_.begin(), records_.end(), [&](const EvaluationRecord& record) {
    return record.id() == *id;
  });
  if (it == records_.end()) throw Poco::NotFoundException("evaluation " + evaluationId);
  // A rescore is a change to a submitted evaluation; one still being filled in has nothing to rescore.
  if (!it->firstSubmitted()) {
    throw Poco::InvalidArgumentException("evaluation " + evaluationId + " is " +
                                         EvaluationGenerator::statusText(it->draw().status) +
                                         ": only a submitted evaluation can be rescored");
  }
  // Job snapshots copied the record: they keep the old content.
  const Poco::Timestamp before = it->changedDate();
  it->rescore(newScore, when);
  settleLocked(static_cast<std::size_t>(it - records_.begin()), before);
  searchIndex_.reset();
}

}  // namespace evalbridge::sim
