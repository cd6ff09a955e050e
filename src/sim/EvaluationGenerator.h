#pragma once
// Deterministic Genesys evaluations (EvaluationResponse, as shared/examples/evaluation.json: the
// expanded form, with names; handlers strip names where the API sends bare references). Evaluation
// i of a seed is a pure function of (seed, i, changedDate), so two simulators with the same options
// hold identical data, and evaluations added later do not disturb earlier ones. About
// `unfinishedShare` of them are PENDING or INPROGRESS: partial answers, never submitted (no
// submittedDate, no releaseDate); that choice comes from a stream of its own, so the other data of
// evaluation i is the same whatever the share.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <string>

namespace evalbridge::sim {

class EvaluationGenerator {
 public:
  EvaluationGenerator(std::uint64_t seed, double failingShare, double unfinishedShare);

  Poco::JSON::Object::Ptr make(std::uint64_t index, const Poco::Timestamp& changedDate) const;

  // The rule the simulator's data follows (and the default mapping targets). Only FINISHED
  // evaluations fail: an unfinished one has no final score yet.
  static bool isFailing(const Poco::JSON::Object::Ptr& evaluation);

 private:
  std::uint64_t seed_;
  double failingShare_;
  double unfinishedShare_;
};

}  // namespace evalbridge::sim
