#include "sim/EvaluationStore.h"

#include <Poco/Exception.h>

#include <algorithm>

#include "sim/JsonText.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

Poco::Timestamp dateOf(const Poco::JSON::Object::Ptr& evaluation, const char* field) {
  auto parsed = parseIso8601(evaluation->getValue<std::string>(field));
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
    : generator_(spec.seed, spec.failingShare), spacingSeconds_(spec.spacingSeconds) {
  const Poco::Timestamp first = requireDate(spec.firstEvaluation, "firstEvaluation");
  for (int i = 0; i < spec.evaluationCount; ++i) {
    evaluations_.push_back(generator_.make(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_)));
  }
  sortLocked();
}

void EvaluationStore::sortLocked() {
  std::stable_sort(evaluations_.begin(), evaluations_.end(),
                   [](const auto& a, const auto& b) { return dateOf(a, "changedDate") < dateOf(b, "changedDate"); });
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::all() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& evaluation : evaluations_) out.push_back(deepCopy(evaluation));
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::selectLocked(const char* dateField, const Poco::Timestamp& start,
                                                                   const Poco::Timestamp& end) const {
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& evaluation : evaluations_) {
    const Poco::Timestamp date = dateOf(evaluation, dateField);
    if (start <= date && date < end) out.push_back(deepCopy(evaluation));
  }
  return out;
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::changedIn(const Poco::Timestamp& start,
                                                                const Poco::Timestamp& end) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return selectLocked("changedDate", start, end);
}

std::vector<Poco::JSON::Object::Ptr> EvaluationStore::conversationsIn(const Poco::Timestamp& start,
                                                                      const Poco::Timestamp& end) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = selectLocked("conversationDate", start, end);
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return dateOf(a, "conversationDate") < dateOf(b, "conversationDate");
  });
  return found;
}

Poco::JSON::Object::Ptr EvaluationStore::find(const std::string& conversationId,
                                              const std::string& evaluationId) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& evaluation : evaluations_) {
    if (evaluation->getValue<std::string>("id") == evaluationId &&
        evaluation->getObject("conversation")->getValue<std::string>("id") == conversationId) {
      return deepCopy(evaluation);
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
  } else if (!evaluations_.empty()) {
    first = dateOf(evaluations_.back(), "changedDate") + seconds(spacingSeconds_);
  }
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    auto evaluation = generator_.make(nextIndex_++, first + seconds(std::int64_t{i} * spacingSeconds_));
    ids.push_back(evaluation->getValue<std::string>("id"));
    evaluations_.push_back(evaluation);
  }
  sortLocked();
  return ids;
}

void EvaluationStore::rescore(const std::string& evaluationId, double newScore, const std::string& changedDate) {
  const std::string normalized = formatIso8601(requireDate(changedDate, "changedDate"));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(evaluations_.begin(), evaluations_.end(), [&](const auto& evaluation) {
    return evaluation->template getValue<std::string>("id") == evaluationId;
  });
  if (it == evaluations_.end()) throw Poco::NotFoundException("evaluation " + evaluationId);
  // Replaced, not edited in place: a copy handed out earlier must keep its old content.
  auto rescored = deepCopy(*it);
  auto answers = rescored->getObject("answers");
  answers->set("totalScore", newScore);
  answers->set("totalNonCriticalScore", newScore);
  auto groups = answers->getArray("questionGroupScores");
  if (groups && groups->size() > 0) groups->getObject(0)->set("totalScore", newScore);
  rescored->set("changedDate", normalized);
  rescored->set("releaseDate", normalized);
  rescored->set("rescore", true);
  *it = rescored;
  sortLocked();
}

}  // namespace evalbridge::sim
