#pragma once
// One org's evaluations, kept in changedDate order. Seeded at construction from the OrgSpec;
// grows with add() and changes with rescore(). Thread-safe.
//
// Each evaluation is an EvaluationRecord (~96 bytes: the generator's draw and the latest rescore),
// not a document: two million of them fit in a few hundred MB. Documents are rendered only for
// what a request returns (a search page, a GET, an export page), each a new object, so callers
// (and job snapshots, which copy records) never alias the store. They are rendered from copies of
// the records after the lock is released, so one request's rendering holds up no other.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sim/EvaluationGenerator.h"
#include "sim/EvaluationRecord.h"
#include "sim/SearchIndex.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class EvaluationStore {
 public:
  explicit EvaluationStore(const OrgSpec& spec);

  // Every document, in changedDate order.
  std::vector<Poco::JSON::Object::Ptr> all() const;
  // Runs `choose` under the store's lock on the search index of the stored records (built on the
  // first search after a change) and returns the documents at the positions it chose, in that
  // order: a search renders its page only, and nothing of the index outlives the lock.
  std::vector<Poco::JSON::Object::Ptr> select(
      const std::function<std::vector<std::size_t>(const SearchIndex&)>& choose) const;
  // Records with changedDate in [start, end), in changedDate order (what an export job contains).
  std::vector<EvaluationRecord> changedIn(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // Submitted records whose conversationDate is in [start, end), in conversationDate order
  // (what an analytics conversation-detail job can find; unfinished ones are not in analytics).
  std::vector<EvaluationRecord> submittedConversationsIn(const Poco::Timestamp& start,
                                                         const Poco::Timestamp& end) const;
  // What renders the records handed out above (shared with the jobs that keep them).
  std::shared_ptr<const EvaluationGenerator> generator() const { return generator_; }
  // nullptr when there is no such evaluation on that conversation.
  Poco::JSON::Object::Ptr find(const std::string& conversationId, const std::string& evaluationId) const;
  // The documents of these ids, in the order given; ids the store does not hold are left out.
  std::vector<Poco::JSON::Object::Ptr> withIds(const std::vector<std::string>& evaluationIds) const;

  // `from` "" continues after the latest changedDate. Throws InvalidArgumentException.
  std::vector<std::string> add(int count, const std::string& from);
  // A new score, submitted again at `changedDate`: changedDate, submittedDate and releaseDate move
  // there, rescore becomes true, status stays FINISHED. Throws NotFoundException for an unknown id,
  // InvalidArgumentException for a bad date or an evaluation that was never submitted.
  void rescore(const std::string& evaluationId, double newScore, const std::string& changedDate);

 private:
  const SearchIndex& indexLocked() const;
  std::vector<Poco::JSON::Object::Ptr> documentsOf(const std::vector<EvaluationRecord>& records) const;
  void settleLocked(std::size_t position, const Poco::Timestamp& before);

  const std::shared_ptr<const EvaluationGenerator> generator_;
  const int spacingSeconds_;
  mutable std::mutex mutex_;
  // In changedDate order, equal dates as a stable sort after each change leaves them (the order
  // the store kept when it sorted its documents after every change).
  std::vector<EvaluationRecord> records_;
  std::uint64_t nextIndex_ = 0;  // generator index of the next added evaluation
  // Positions into records_ and their dates: valid until records_ changes, so every change drops
  // it and indexLocked() rebuilds it when next asked. Guarded by mutex_.
  mutable std::optional<SearchIndex> searchIndex_;
};

}  // namespace evalbridge::sim
