#include "sim/EvaluationStore.h"

#include <Poco/Exception.h>

#include <algorithm>

#include "sim/JsonText.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

Poco::Timestamp dateOf(const Poco::JSON::Object::Ptr& evaluation, const char* field) {
  auto parsed = parseIso8601(evaluation->optValue<std::string>(field, ""));
  return parsed ? *parsed : Poco::Timestamp(0);
}

Poco::Timestamp requireDate(const std::string& text, const std::string& what) {
  auto parsed = parseIso8601(text);
  if (!parsed) throw Poco::InvalidArgumentException(what + ": not an ISO 8601 date-time: '" + text + "'");
  return *parsed;
}

Poco::Timestamp::TimeDiff seconds(std::int64_t count) {
  return static_cast<Poco::Timestamp::TimeDiff>(count) * Poco::Timestamp::resolution();
}

}  // namespace

EvaluationStore::EvaluationStore(const OrgSpec& spec)
    : generator_(spec.seed, spec.failingShare, spec.unfinishedShare), spacingSeconds_(spec.spacingSeconds) {
  const Poco::Timestamp first = requireDate(spec.firstEvaluation, "firstEvaluation");
  for (int i = 0; i < spec.evaluationCount; ++i) {
    records_.push_back(
        recordOf(generator_.make(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_))));
  }
  changedLocked();
}

EvaluationStore::Record EvaluationStore::recordOf(Poco::JSON::Object::Ptr evaluation) const {
  Record record{std::move(evaluation), std::nullopt};
  if (record.evaluation->has("submittedDate")) record.firstSubmitted = dateOf(record.evaluation, "submittedDate");
  return record;
}

// Every change to records_ ends here: back into changedDate order, and the search index, whose
// positions and dates described the old records, is dropped.
void EvaluationStore::changedLocked() {
  std::stable_sort(records_.begin(), records_.end(), [](const Record& a, const Record& b) {
    return dateOf(a.evaluation, "changedDate") < dateOf(b.evaluation, "changedDate");
  });
  searchIndex_.reset();
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::all() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& record : records_) out.push_back(deepCopy(record.evaluation));
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::where(
    const std::function<bool(const Poco::JSON::Object::Ptr&)>& keep) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& record : records_)
    if (keep(record.evaluation)) out.push_back(deepCopy(record.evaluation));
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::select(
    const std::function<std::vector<std::size_t>(const SearchIndex&)>& choose) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!searchIndex_) {
    std::vector<Poco::JSON::Object::Ptr> evaluations;
    evaluations.reserve(records_.size());
    for (const auto& record : records_) evaluations.push_back(record.evaluation);
    searchIndex_.emplace(std::move(evaluations));
  }
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const std::size_t position : choose(*searchIndex_)) out.push_back(deepCopy(records_.at(position).evaluation));
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::changedIn(const Poco::Timestamp& start,
                                                                const Poco::Timestamp& end) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& record : records_) {
    const Poco::Timestamp date = dateOf(record.evaluation, "changedDate");
    if (start <= date && date < end) out.push_back(deepCopy(record.evaluation));
  }
  return out;
}

std::vector<EvaluationStore::Submitted> EvaluationStore::submittedConversationsIn(const Poco::Timestamp& start,
                                                                                  const Poco::Timestamp& end) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Submitted> found;
  for (const auto& record : records_) {
    const Poco::Timestamp date = dateOf(record.evaluation, "conversationDate");
    if (record.firstSubmitted && start <= date && date < end) {
      found.push_back({deepCopy(record.evaluation), *record.firstSubmitted});
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const Submitted& a, const Submitted& b) {
    return dateOf(a.evaluation, "conversationDate") < dateOf(b.evaluation, "conversationDate");
  });
  return found;
}

Poco::JSON::Object::Ptr EvaluationStore::find(const std::string& conversationId,
                                              const std::string& evaluationId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& record : records_) {
    if (record.evaluation->getValue<std::string>("id") == evaluationId &&
        record.evaluation->getObject("conversation")->getValue<std::string>("id") == conversationId) {
      return deepCopy(record.evaluation);
    }
  }
  return nullptr;
}

std::vector<std::string> EvaluationStore::add(int count, const std::string& from) {
  if (count < 0 || count > 100000) throw Poco::InvalidArgumentException("count: must be 0..100000");
  std::lock_guard<std::mutex> lock(mutex_);
  Poco::Timestamp first;
  if (!from.empty()) {
    first = requireDate(from, "from");
  } else if (!records_.empty()) {
    first = dateOf(records_.back().evaluation, "changedDate") + seconds(spacingSeconds_);
  }
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    auto evaluation = generator_.make(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_));
    ids.push_back(evaluation->getValue<std::string>("id"));
    records_.push_back(recordOf(evaluation));
  }
  changedLocked();
  return ids;
}

void EvaluationStore::rescore(const std::string& evaluationId, double newScore, const std::string& changedDate) {
  const std::string normalized = formatIso8601(requireDate(changedDate, "changedDate"));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(records_.begin(), records_.end(), [&](const Record& record) {
    return record.evaluation->getValue<std::string>("id") == evaluationId;
  });
  if (it == records_.end()) throw Poco::NotFoundException("evaluation " + evaluationId);
  // A rescore is a change to a submitted evaluation; one still being filled in has nothing to rescore.
  if (!it->firstSubmitted) {
    throw Poco::InvalidArgumentException("evaluation " + evaluationId + " is " +
                                         it->evaluation->getValue<std::string>("status") +
                                         ": only a submitted evaluation can be rescored");
  }
  // Replaced, not edited in place: a copy handed out earlier must keep its old content.
  auto rescored = deepCopy(it->evaluation);
  auto answers = rescored->getObject("answers");
  answers->set("totalScore", newScore);
  answers->set("totalNonCriticalScore", newScore);
  auto groups = answers->getArray("questionGroupScores");
  if (groups && groups->size() > 0) groups->getObject(0)->set("totalScore", newScore);
  rescored->set("status", "FINISHED");
  rescored->set("changedDate", normalized);
  rescored->set("releaseDate", normalized);
  rescored->set("submittedDate", normalized);  // the last submission; the first stays in the record
  rescored->set("rescore", true);
  it->evaluation = rescored;
  changedLocked();
}

}  // namespace evalbridge::sim
