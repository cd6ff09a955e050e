#pragma once
// Deterministic Genesys evaluations (the shape of shared/examples/evaluation.json). Evaluation i
// of a seed is a pure function of (seed, i, changedDate), so two simulators with the same options
// hold identical data, and evaluations added later do not disturb earlier ones.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <string>

namespace evalbridge::sim {

class EvaluationGenerator {
 public:
  EvaluationGenerator(std::uint64_t seed, double failingShare);

  Poco::JSON::Object::Ptr make(std::uint64_t index, const Poco::Timestamp& changedDate) const;

  // The rule the simulator's data follows (and the default mapping targets).
  static bool isFailing(const Poco::JSON::Object::Ptr& evaluation);

 private:
  std::uint64_t seed_;
  double failingShare_;
};

}  // namespace evalbridge::sim
