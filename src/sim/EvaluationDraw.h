#pragma once
// Every choice EvaluationGenerator makes for one evaluation, and nothing it can recompute: ids as
// bits, names as indexes into its tables, dates as timestamps. ~72 bytes where the document takes
// ~12 KB as a Poco DOM, so a store of millions keeps draws and renders documents on demand
// (EvaluationGenerator::render); the search reads its dates and ids from here without a document.
#include <Poco/Timestamp.h>

#include <cstdint>

#include "sim/RandomIds.h"

namespace evalbridge::sim {

struct EvaluationDraw {
  enum class Status : std::uint8_t { Finished, Pending, InProgress };

  UuidBits id;
  UuidBits conversationId;
  // Whole milliseconds: the document shows milliseconds, and searches and the store's order
  // compare the dates the documents show (the conversation and assignment dates are derived
  // below in whole half-seconds, so they stay exact too).
  Poco::Timestamp changedDate;
  double totalScore = 0;                // the final score; an INPROGRESS one shows a share of it
  double progress = 1;                  // that share (INPROGRESS only)
  std::uint32_t conversationLeadS = 0;  // the conversation took place this long before changedDate
  std::uint8_t queue = 0;               // also picks the form: one form per queue
  std::uint8_t agent = 0;
  std::uint8_t evaluator = 0;
  std::uint8_t media = 0;
  std::uint8_t comment = 0;  // into the pass or the fail comments, as `failing` says
  Status status = Status::Finished;
  bool failing = false;
  bool failedKill = false;

  bool finished() const { return status == Status::Finished; }
  Poco::Timestamp conversationDate() const { return changedDate - leadMicroseconds(); }
  // The evaluation was assigned (and created) half way between the conversation and changedDate.
  Poco::Timestamp assignedDate() const { return conversationDate() + leadMicroseconds() / 2; }

 private:
  Poco::Timestamp::TimeDiff leadMicroseconds() const {
    return static_cast<Poco::Timestamp::TimeDiff>(conversationLeadS) * Poco::Timestamp::resolution();
  }
};

}  // namespace evalbridge::sim
