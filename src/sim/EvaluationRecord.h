#pragma once
// One evaluation as the store keeps it: the generator's draw, plus what the control API changed
// since (the latest rescore). ~96 bytes; its EvaluationResponse is rendered on demand
// (document()), field for field the document the store used to keep: the generated one with the
// rescore written over it. The dates a search or an export compares are read from here, without
// a document.
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <optional>
#include <string>

#include "sim/EvaluationDraw.h"
#include "sim/EvaluationGenerator.h"

namespace evalbridge::sim {

class EvaluationRecord {
 public:
  explicit EvaluationRecord(const EvaluationDraw& draw) : draw_(draw) {}

  const EvaluationDraw& draw() const { return draw_; }
  const UuidBits& id() const { return draw_.id; }
  // Where the store orders it; a rescore moves it.
  Poco::Timestamp changedDate() const { return rescore_ ? rescore_->changedDate : draw_.changedDate; }
  // A date field as the document shows it (changedDate, conversationDate, createdDate,
  // assignedDate, submittedDate, releaseDate); nullopt when the document has no such field (an
  // unfinished evaluation has no submittedDate or releaseDate).
  std::optional<Poco::Timestamp> date(const std::string& field) const;
  // When it was FIRST submitted (analytics' eventTime): a rescore moves submittedDate, not this.
  // nullopt while PENDING or INPROGRESS.
  std::optional<Poco::Timestamp> firstSubmitted() const;

  // A new score, submitted again at `changedDate` (whole milliseconds). Only for a submitted
  // evaluation: the store refuses the others.
  void rescore(double score, const Poco::Timestamp& changedDate) { rescore_ = Rescore{score, changedDate}; }

  // A new document each call.
  Poco::JSON::Object::Ptr document(const EvaluationGenerator& generator) const;

 private:
  // Every rescore writes the same fields, so the latest one is all a document needs.
  struct Rescore {
    double score;
    Poco::Timestamp changedDate;
  };
  EvaluationDraw draw_;
  std::optional<Rescore> rescore_;
};

}  // namespace evalbridge::sim
