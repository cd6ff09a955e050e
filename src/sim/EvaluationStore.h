#pragma once
// One org's evaluations, kept in changedDate order. Seeded at construction from the OrgSpec;
// grows with addEvaluations() and changes with rescore(). Everything handed out is a deep copy,
// so callers (and export job snapshots) never alias the store. Thread-safe.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <mutex>
#include <string>
#include <vector>

#include "sim/EvaluationGenerator.h"
#include "sim/Simulator.h"

namespace evalbridge::sim {

class EvaluationStore {
 public:
  explicit EvaluationStore(const OrgSpec& spec);

  std::vector<Poco::JSON::Object::Ptr> all() const;
  // changedDate in [start, end), in changedDate order (what an export job contains).
  std::vector<Poco::JSON::Object::Ptr> changedIn(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // conversationDate in [start, end) (what an analytics conversation-detail job finds).
  std::vector<Poco::JSON::Object::Ptr> conversationsIn(const Poco::Timestamp& start, const Poco::Timestamp& end) const;
  // nullptr when there is no such evaluation on that conversation.
  Poco::JSON::Object::Ptr find(const std::string& conversationId, const std::string& evaluationId) const;

  // `from` "" continues after the latest changedDate. Throws InvalidArgumentException.
  std::vector<std::string> add(int count, const std::string& from);
  // Throws NotFoundException for an unknown id, InvalidArgumentException for a bad date.
  void rescore(const std::string& evaluationId, double newScore, const std::string& changedDate);

 private:
  void sortLocked();
  std::vector<Poco::JSON::Object::Ptr> selectLocked(const char* dateField, const Poco::Timestamp& start,
                                                    const Poco::Timestamp& end) const;

  const EvaluationGenerator generator_;
  const int spacingSeconds_;
  mutable std::mutex mutex_;
  std::vector<Poco::JSON::Object::Ptr> evaluations_;
  std::uint64_t nextIndex_ = 0;  // generator index of the next added evaluation
};

}  // namespace evalbridge::sim
