#include "sim/EvaluationRecord.h"

#include <Poco/JSON/Array.h>

#include "sim/TimeText.h"

namespace evalbridge::sim {

std::optional<Poco::Timestamp> EvaluationRecord::date(const std::string& field) const {
  if (field == "changedDate") return changedDate();
  if (field == "conversationDate") return draw_.conversationDate();
  if (field == "createdDate" || field == "assignedDate") return draw_.assignedDate();
  // Submitted (and released) at the last change; a rescore keeps that so.
  if (field == "submittedDate" || field == "releaseDate") {
    if (draw_.finished()) return changedDate();
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Poco::Timestamp> EvaluationRecord::firstSubmitted() const {
  if (!draw_.finished()) return std::nullopt;
  return draw_.changedDate;
}

Poco::JSON::Object::Ptr EvaluationRecord::document(const EvaluationGenerator& generator) const {
  Poco::JSON::Object::Ptr evaluation = generator.render(draw_);
  if (!rescore_) return evaluation;
  // The new score where the score shows; the questions and the critical score stay as they were.
  auto answers = evaluation->getObject("answers");
  answers->set("totalScore", rescore_->score);
  answers->set("totalNonCriticalScore", rescore_->score);
  auto groups = answers->getArray("questionGroupScores");
  if (groups && groups->size() > 0) groups->getObject(0)->set("totalScore", rescore_->score);
  const std::string changed = formatIso8601(rescore_->changedDate);
  evaluation->set("status", "FINISHED");
  evaluation->set("changedDate", changed);
  evaluation->set("releaseDate", changed);
  evaluation->set("submittedDate", changed);  // the last submission; the first stays in the draw
  evaluation->set("rescore", true);
  return evaluation;
}

}  // namespace evalbridge::sim
