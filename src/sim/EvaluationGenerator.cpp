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
std::uint8_t pick(SplitMix64& prng, const char* const (&)[N]) {
  return static_cast<std::uint8_t>(prng.below(N));
}

// People, queues and forms keep one id per name across evaluations of the same seed;
// `collection` is the API path the selfUri points into.
template <std::size_t N>
std::vector<EvaluationGenerator::Entity> entities(std::uint64_t seed, const std::string& kind,
                                                  const char* const (&names)[N], const std::string& collection) {
  std::vector<EvaluationGenerator::Entity> out;
  for (const char* name : names) {
    SplitMix64 idSource(mixSeed(seed, kind + ":" + name));
    const std::string id = uuidFrom(idSource);
    out.push_back({id, name, collection + id});
  }
  return out;
}

// Stored with name and selfUri (the expanded form).
Object::Ptr entityObject(const EvaluationGenerator::Entity& entity) {
  Object::Ptr object = orderedObject();
  object->set("id", entity.id);
  object->set("name", entity.name);
  object->set("selfUri", entity.selfUri);
  return object;
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
    : seed_(seed),
      failingShare_(failingShare),
      unfinishedShare_(unfinishedShare),
      agents_(entities(seed, "user", kAgents, "/api/v2/users/")),
      evaluators_(entities(seed, "user", kEvaluators, "/api/v2/users/")),
      queues_(entities(seed, "queue", kQueues, "/api/v2/routing/queues/")),
      forms_(entities(seed, "form", kForms, "/api/v2/quality/forms/evaluations/")) {
  SplitMix64 groupIds(mixSeed(seed_, std::string("question-group")));
  questionGroupId_ = uuidFrom(groupIds);
}

// The order of the draws is the data: changing it changes every evaluation of every seed.
EvaluationDraw EvaluationGenerator::draw(std::uint64_t index, const Poco::Timestamp& changedDate) const {
  SplitMix64 prng(mixSeed(seed_, index));
  EvaluationDraw draw;
  draw.id = uuidBitsFrom(prng);
  draw.conversationId = uuidBitsFrom(prng);

  draw.failing = prng.nextDouble() < failingShare_;
  // Half the failures are low scores, half a failed kill question on an otherwise fair score.
  draw.failedKill = draw.failing && prng.below(2) == 0;
  draw.totalScore = draw.failing && !draw.failedKill ? halfPoints(35.0 + prng.nextDouble() * 34.5)
                    : draw.failedKill                ? halfPoints(55.0 + prng.nextDouble() * 35.0)
                                                     : halfPoints(70.0 + prng.nextDouble() * 30.0);

  draw.queue = pick(prng, kQueues);
  draw.agent = pick(prng, kAgents);
  draw.evaluator = pick(prng, kEvaluators);
  draw.media = pick(prng, kMedia);
  draw.comment = draw.failing ? pick(prng, kFailComments) : pick(prng, kPassComments);

  // The conversation happened 1-48 h before the evaluation was released; it was assigned between.
  draw.conversationLeadS = static_cast<std::uint32_t>(3600 + prng.below(47 * 3600));
  draw.changedDate = wholeMilliseconds(changedDate);

  // Whether (and how far) the evaluator got: a stream of its own, drawn only when asked for, so
  // unfinishedShare 0 leaves the data exactly as before the option existed.
  if (unfinishedShare_ > 0.0) {
    SplitMix64 progressSource(mixSeed(seed_, "progress:" + std::to_string(index)));
    if (progressSource.nextDouble() < unfinishedShare_) {
      draw.status = progressSource.below(2) == 0 ? EvaluationDraw::Status::Pending : EvaluationDraw::Status::InProgress;
      draw.progress = 0.2 + 0.4 * progressSource.nextDouble();
    }
  }
  return draw;
}

Object::Ptr EvaluationGenerator::render(const EvaluationDraw& draw) const {
  const std::string id = uuidText(draw.id);
  const std::string conversationId = uuidText(draw.conversationId);
  const bool finished = draw.finished();
  const bool failedKill = draw.failedKill;
  const double totalScore = draw.totalScore;
  const std::string comments = draw.failing ? kFailComments[draw.comment] : kPassComments[draw.comment];

  // ConversationReference has only id and selfUri.
  Object::Ptr conversation = orderedObject();
  conversation->set("id", conversationId);
  conversation->set("selfUri", "/api/v2/conversations/" + conversationId);

  Object::Ptr answers = orderedObject();
  Array::Ptr groups = new Array;
  if (draw.status != EvaluationDraw::Status::Pending) {  // a PENDING one has no answer yet, hence no score
    // An evaluation in progress has only the greeting answered so far: a low, partial score.
    const double shownScore = finished ? totalScore : halfPoints(totalScore * draw.progress);
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
    group->set("questionGroupId", questionGroupId_);
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
  mediaTypes->add(std::string(mediaText(draw)));

  const std::string changedDate = formatIso8601(draw.changedDate);
  const std::string assignedDate = formatIso8601(draw.assignedDate());
  Object::Ptr evaluation = orderedObject();
  evaluation->set("id", id);
  evaluation->set("conversation", conversation);
  evaluation->set("evaluationForm", entityObject(formOf(draw)));
  evaluation->set("evaluator", entityObject(evaluatorOf(draw)));
  evaluation->set("agent", entityObject(agentOf(draw)));
  evaluation->set("queue", entityObject(queueOf(draw)));
  evaluation->set("status", std::string(statusText(draw.status)));
  evaluation->set("answers", answers);
  evaluation->set("agentHasRead", false);
  // Released on submission (neverRelease is false); an unfinished one is neither.
  if (finished) evaluation->set("releaseDate", changedDate);
  evaluation->set("assignedDate", assignedDate);
  evaluation->set("createdDate", assignedDate);  // created when it was assigned
  evaluation->set("changedDate", changedDate);
  if (finished) evaluation->set("submittedDate", changedDate);
  evaluation->set("conversationDate", formatIso8601(draw.conversationDate()));
  evaluation->set("rescore", false);
  evaluation->set("neverRelease", false);
  evaluation->set("mediaType", mediaTypes);
  evaluation->set("selfUri", "/api/v2/quality/conversations/" + conversationId + "/evaluations/" + id);
  return evaluation;
}

const char* EvaluationGenerator::statusText(EvaluationDraw::Status status) {
  switch (status) {
    case EvaluationDraw::Status::Pending:
      return "PENDING";
    case EvaluationDraw::Status::InProgress:
      return "INPROGRESS";
    case EvaluationDraw::Status::Finished:
      break;
  }
  return "FINISHED";
}

const char* EvaluationGenerator::mediaText(const EvaluationDraw& draw) {
  return kMedia[draw.media];
}

bool EvaluationGenerator::isFailing(const Object::Ptr& evaluation) {
  if (evaluation->optValue<std::string>("status", "") != "FINISHED") return false;
  auto answers = evaluation->getObject("answers");
  return answers->optValue<double>("totalScore", 100.0) < 70.0 || answers->getValue<bool>("anyFailedKillQuestions");
}

}  // namespace evalbridge::sim
