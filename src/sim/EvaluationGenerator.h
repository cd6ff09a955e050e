#pragma once
// Deterministic Genesys evaluations (EvaluationResponse, as shared/examples/evaluation.json: the
// expanded form, with names; handlers strip names where the API sends bare references). Evaluation
// i of a seed is a pure function of (seed, i, changedDate), so two simulators with the same options
// hold identical data, and evaluations added later do not disturb earlier ones. About
// `unfinishedShare` of them are PENDING or INPROGRESS: partial answers, never submitted (no
// submittedDate, no releaseDate); that choice comes from a stream of its own, so the other data of
// evaluation i is the same whatever the share.
//
// In two steps, so a store of millions need not hold documents: draw() makes every random choice
// (a small EvaluationDraw), render() turns a draw into the document. make() is both.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/EvaluationDraw.h"

namespace evalbridge::sim {

class EvaluationGenerator {
 public:
  // A person, queue or form: one id per name for a seed.
  struct Entity {
    std::string id;
    std::string name;
    std::string selfUri;
  };

  EvaluationGenerator(std::uint64_t seed, double failingShare, double unfinishedShare);

  EvaluationDraw draw(std::uint64_t index, const Poco::Timestamp& changedDate) const;
  // A new document each call.
  Poco::JSON::Object::Ptr render(const EvaluationDraw& draw) const;
  Poco::JSON::Object::Ptr make(std::uint64_t index, const Poco::Timestamp& changedDate) const {
    return render(draw(index, changedDate));
  }

  // What a document of this draw shows, without rendering it (the search's EXACT criteria).
  const Entity& agentOf(const EvaluationDraw& draw) const { return agents_[draw.agent]; }
  const Entity& evaluatorOf(const EvaluationDraw& draw) const { return evaluators_[draw.evaluator]; }
  const Entity& queueOf(const EvaluationDraw& draw) const { return queues_[draw.queue]; }
  const Entity& formOf(const EvaluationDraw& draw) const { return forms_[draw.queue]; }
  static const char* statusText(EvaluationDraw::Status status);
  static const char* mediaText(const EvaluationDraw& draw);

  // The rule the simulator's data follows (and the default mapping targets). Only FINISHED
  // evaluations fail: an unfinished one has no final score yet.
  static bool isFailing(const Poco::JSON::Object::Ptr& evaluation);

 private:
  std::uint64_t seed_;
  double failingShare_;
  double unfinishedShare_;
  // Derived from the seed once, not per document.
  std::vector<Entity> agents_;
  std::vector<Entity> evaluators_;
  std::vector<Entity> queues_;
  std::vector<Entity> forms_;  // by queue
  std::string questionGroupId_;
};

}  // namespace evalbridge::sim
