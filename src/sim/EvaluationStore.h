#pragma once
// One org's evaluations, kept in changedDate order. Seeded at construction from the OrgSpec;
// grows with addEvaluations() and changes with rescore(). Everything handed out is a deep copy,
// so callers (and job snapshots) never alias the store. Thread-safe.
//
// Besides the EvaluationResponse document the store remembers when each evaluation was FIRST
// submitted: analytics keeps that as the evaluation's eventTime, and a rescore moves
// submittedDate (the last submission) but never that.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/EvaluationGenerator.h"
#include "sim/SearchIndex.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class EvaluationStore {
 public:
  struct Submitted {
    Poco::JSON::Object::Ptr evaluation;
    Poco::Timestamp firstSubmitted;
  };

  explicit EvaluationStore(const OrgSpec& spec);

  std::vector<Poco::JSON::Object::Ptr> all() const;
  // Copies of the evaluations `keep` accepts (it sees the stored ones, under the store's lock):
  // a search over many evaluations copies only what it matched.
  std::vector<Poco::JSON::Object::Ptr> where(const std::function<bool(const Poco::JSON::Object::Ptr&)>& keep) const;
  // Runs `choose` under the store's lock on the search index of the stored evaluations (built on
  // the first search after a change) and returns deep copies of the evaluations at the positions
  // it chose, in that order: a search copies its page only, and nothing of the index outlives the
  // lock.
  std::vector<Poco::JSON::Object::Ptr> select(
      const std::function<std::vector<std::size_t>(const SearchIndex&)>& choose) const;
  // changedDate in [start, end), in changedDate order (what an export job contains).
  std::vector<Poco::JSON::Object::Ptr> changedIn(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // Submitted evaluations whose conversationDate is in [start, end), in conversationDate order
  // (what an analytics conversation-detail job can find; unfinished ones are not in analytics).
  std::vector<Submitted> submittedConversationsIn(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // nullptr when there is no such evaluation on that conversation.
  Poco::JSON::Object::Ptr find(const std::string& conversationId, const std::string& evaluationId) const;

  // `from` "" continues after the latest changedDate. Throws InvalidArgumentException.
  std::vector<std::string> add(int count, const std::string& from);
  // A new score, submitted again at `changedDate`: changedDate, submittedDate and releaseDate move
  // there, rescore becomes true, status stays FINISHED. Throws NotFoundException for an unknown id,
  // InvalidArgumentException for a bad date or an evaluation that was never submitted.
  void rescore(const std::string& evaluationId, double newScore, const std::string& changedDate);

 private:
  struct Record {
    Poco::JSON::Object::Ptr evaluation;
    std::optional<Poco::Timestamp> firstSubmitted;  // none while PENDING / INPROGRESS
  };
  Record recordOf(Poco::JSON::Object::Ptr evaluation) const;
  void changedLocked();

  const EvaluationGenerator generator_;
  const int spacingSeconds_;
  mutable std::mutex mutex_;
  std::vector<Record> records_;
  std::uint64_t nextIndex_ = 0;  // generator index of the next added evaluation
  // Positions into records_ and their dates: valid until records_ changes, so every change drops
  // it (changedLocked) and select() rebuilds it when next asked. Guarded by mutex_.
  mutable std::optional<SearchIndex> searchIndex_;
};

}  // namespace evalbridge::sim
