#include "sim/EvaluationGenerator.h"

#include <Poco/JSON/Array.h>

#include <cmath>

#include "sim/JsonText.h"
#include "sim/RandomIds.h"
#include "sim/SplitMix64.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const char* const kAgents[] = {"Sam Okafor", "Priya Natarajan", "Luca Bianchi",
                               "Mei Chen",   "Jordan Blake",    "Amara Diallo"};
const char* const kEvaluators[] = {"Dana Ruiz", "Noah Fischer", "Ines Moreau"};
const char* const kQueues[] = {"Billing", "Support", "Sales"};
// One form per queue, so a mapping on queue.name and one on evaluationForm.name agree.
const char* const kForms[] = {"Billing Call Quality v3", "Support Call Quality v2", "Sales Compliance v1"};
const char* const kMedia[] = {"CALL", "CALL", "CALL", "CHAT", "EMAIL"};
const char* const kPassComments[] = {"Good call flow.", "Clear and friendly.", "Resolved on first contact.", ""};
const char* const kFailComments[] = {"Agent read the full card number back to the caller.",
                                     "Did not verify the caller's identity.", "Promised a refund outside policy.",
                                     "Long silence, no hold notice."};

template <std::size_t N>
std::size_t pick(SplitMix64& prng, const char* const (&)[N]) {
  return static_cast<std::size_t>(prng.below(N));
}

// People, queues and forms keep one id per name across evaluations of the same seed. Stored with
// name and selfUri (the expanded form); `collection` is the API path the selfUri points into.
Object::Ptr namedEntity(std::uint64_t seed, const std::string& kind, const std::string& name,
                        const std::string& collection) {
  SplitMix64 idSource(mixSeed(seed, kind + ":" + name));
  const std::string id = uuidFrom(idSource);
  Object::Ptr entity = orderedObject();
  entity->set("id", id);
  entity->set("name", name);
  entity->set("selfUri", collection + id);
  return entity;
}

double halfPoints(double value) {
  return std::round(value * 2.0) / 2.0;
}

Object::Ptr questionScore(const std::string& questionId, const std::string& answerId, int score, bool failedKill,
                          const std::string& comments) {
  Object::Ptr question = orderedObject();
  question->set("questionId", questionId);
  question->set("answerId", answerId);
  question->set("score", score);
  question->set("markedNA", false);
  question->set("failedKillQuestion", failedKill);
  question->set("comments", comments);
  return question;
}

}  // namespace

EvaluationGenerator::EvaluationGenerator(std::uint64_t seed, double failingShare, double unfinishedShare)
    : seed_(seed), failingShare_(failingShare), unfinishedShare_(unfinishedShare) {}

Object::Ptr EvaluationGenerator::make(std::uint64_t index, const Poco::Timestamp& changedDate) const {
  SplitMix64 prng(mixSeed(seed_, index));
  const std::string id = uuidFrom(prng);
  const std::string conversationId = uuidFrom(prng);

  const bool failing = prng.nextDouble() < failingShare_;
  // Half the failures are low scores, half a failed kill question on an otherwise fair score.
  const bool failedKill = failing && prng.below(2) == 0;
  double totalScore = failing && !failedKill ? halfPoints(35.0 + prng.nextDouble() * 34.5)
                      : failedKill           ? halfPoints(55.0 + prng.nextDouble() * 35.0)
                                             : halfPoints(70.0 + prng.nextDouble() * 30.0);

  const std::size_t queueIndex = pick(prng, kQueues);
  const std::string agentName = kAgents[pick(prng, kAgents)];
  const std::string evaluatorName = kEvaluators[pick(prng, kEvaluators)];
  const std::string media = kMedia[pick(prng, kMedia)];
  const std::string comments =
      failing ? kFailComments[pick(prng, kFailComments)] : kPassComments[pick(prng, kPassComments)];

  // The conversation happened 1-48 h before the evaluation was released; it was assigned between.
  const Poco::Timestamp::TimeDiff hour = Poco::Timestamp::resolution() * 3600;
  const auto conversationLead = static_cast<Poco::Timestamp::TimeDiff>(
      hour + static_cast<Poco::Timestamp::TimeDiff>(prng.below(47 * 3600)) * Poco::Timestamp::resolution());
  const Poco::Timestamp conversationDate = changedDate - conversationLead;
  const Poco::Timestamp assignedDate = conversationDate + conversationLead / 2;

  // Whether (and how far) the evaluator got: a stream of its own, drawn only when asked for, so
  // unfinishedShare 0 leaves the data exactly as before the option existed.
  std::string status = "FINISHED";
  double progress = 1.0;
  if (unfinishedShare_ > 0.0) {
    SplitMix64 progressSource(mixSeed(seed_, "progress:" + std::to_string(index)));
    if (progressSource.nextDouble() < unfinishedShare_) {
      status = progressSource.below(2) == 0 ? "PENDING" : "INPROGRESS";
      progress = 0.2 + 0.4 * progressSource.nextDouble();
    }
  }
  const bool finished = status == "FINISHED";

  // ConversationReference has only id and selfUri.
  Object::Ptr conversation = orderedObject();
  conversation->set("id", conversationId);
  conversation->set("selfUri", "/api/v2/conversations/" + conversationId);

  Object::Ptr answers = orderedObject();
  Array::Ptr groups = new Array;
  if (status != "PENDING") {  // a PENDING evaluation has no answer yet, hence no score at all
    // An evaluation in progress has only the greeting answered so far: a low, partial score.
    const double shownScore = finished ? totalScore : halfPoints(totalScore * progress);
    Array::Ptr questions = new Array;
    if (finished) {
      questions->add(questionScore("q-compliance-pci", failedKill ? "a-no" : "a-yes", failedKill ? 0 : 10, failedKill,
                                   failedKill ? "PCI violation" : ""));
    }
    questions->add(questionScore("q-greeting", "a-yes", 10, false, ""));
    if (finished) {
      questions->add(
          questionScore("q-resolution", totalScore >= 70 ? "a-yes" : "a-no", totalScore >= 70 ? 10 : 0, false, ""));
    }
    Object::Ptr group = orderedObject();
    SplitMix64 groupIds(mixSeed(seed_, std::string("question-group")));
    group->set("questionGroupId", uuidFrom(groupIds));
    group->set("totalScore", shownScore);
    group->set("maxTotalScore", 100);
    group->set("markedNA", false);
    group->set("questionScores", questions);
    groups->add(group);
    answers->set("totalScore", shownScore);
    answers->set("totalCriticalScore", failedKill && finished ? 0.0 : 100.0);
    answers->set("totalNonCriticalScore", shownScore);
    answers->set("maxTotalRawScore", 40);
  }
  answers->set("anyFailedKillQuestions", failedKill && finished);
  answers->set("comments", finished ? comments : "");
  answers->set("agentComments", "");
  answers->set("questionGroupScores", groups);

  Array::Ptr mediaTypes = new Array;
  mediaTypes->add(media);

  Object::Ptr evaluation = orderedObject();
  evaluation->set("id", id);
  evaluation->set("conversation", conversation);
  evaluation->set("evaluationForm",
                  namedEntity(seed_, "form", kForms[queueIndex], "/api/v2/quality/forms/evaluations/"));
  evaluation->set("evaluator", namedEntity(seed_, "user", evaluatorName, "/api/v2/users/"));
  evaluation->set("agent", namedEntity(seed_, "user", agentName, "/api/v2/users/"));
  evaluation->set("queue", namedEntity(seed_, "queue", kQueues[queueIndex], "/api/v2/routing/queues/"));
  evaluation->set("status", status);
  evaluation->set("answers", answers);
  evaluation->set("agentHasRead", false);
  // Released on submission (neverRelease is false); an unfinished one is neither.
  if (finished) evaluation->set("releaseDate", formatIso8601(changedDate));
  evaluation->set("assignedDate", formatIso8601(assignedDate));
  evaluation->set("createdDate", formatIso8601(assignedDate));  // created when it was assigned
  evaluation->set("changedDate", formatIso8601(changedDate));
  if (finished) evaluation->set("submittedDate", formatIso8601(changedDate));
  evaluation->set("conversationDate", formatIso8601(conversationDate));
  evaluation->set("rescore", false);
  evaluation->set("neverRelease", false);
  evaluation->set("mediaType", mediaTypes);
  evaluation->set("selfUri", "/api/v2/quality/conversations/" + conversationId + "/evaluations/" + id);
  return evaluation;
}

bool EvaluationGenerator::isFailing(const Object::Ptr& evaluation) {
  if (evaluation->optValue<std::string>("status", "") != "FINISHED") return false;
  auto answers = evaluation->getObject("answers");
  return answers->optValue<double>("totalScore", 100.0) < 70.0 || answers->getValue<bool>("anyFailedKillQuestions");
}

}  // namespace evalbridge::sim
