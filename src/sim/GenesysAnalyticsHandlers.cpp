#include "sim/GenesysAnalyticsHandlers.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>

#include <algorithm>
#include <cmath>

#include "sim/EvaluationSnapshot.h"
#include "sim/JsonText.h"
#include "sim/RandomIds.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string analyticsMediaType(const Object::Ptr& evaluation) {
  auto media = evaluation->getArray("mediaType");
  const std::string first = media && media->size() > 0 ? media->getElement<std::string>(0) : "CALL";
  if (first == "CHAT") return "chat";
  if (first == "EMAIL") return "email";
  return "voice";
}

// AnalyticsEvaluation.oTotalScore / oTotalCriticalScore are integers in the model; the docs do
// not say how a fractional score becomes one, the simulator rounds to nearest.
int wholeScore(const Object::Ptr& answers, const std::string& key) {
  return static_cast<int>(std::lround(answers->optValue<double>(key, 0.0)));
}

// The AnalyticsConversation of the conversation an evaluation was made on, with its one agent
// participant and its AnalyticsEvaluation; only official fields, and only those a bridge reads.
Object::Ptr conversationDetail(const Object::Ptr& evaluation, const Poco::Timestamp& firstSubmitted,
                               const std::string& divisionId) {
  const std::string conversationId = evaluation->getObject("conversation")->getValue<std::string>("id");
  const auto start = parseIso8601(evaluation->getValue<std::string>("conversationDate")).value_or(Poco::Timestamp(0));
  auto agent = evaluation->getObject("agent");
  auto form = evaluation->getObject("evaluationForm");
  auto answers = evaluation->getObject("answers");
  SplitMix64 ids(mixSeed(0, conversationId));

  auto session = orderedObject();
  session->set("sessionId", uuidFrom(ids));
  session->set("mediaType", analyticsMediaType(evaluation));
  session->set("direction", "inbound");
  Array::Ptr sessions = new Array;
  sessions->add(session);
  auto participant = orderedObject();
  participant->set("participantId", uuidFrom(ids));
  participant->set("participantName", agent->getValue<std::string>("name"));
  participant->set("purpose", "agent");
  participant->set("userId", agent->getValue<std::string>("id"));
  participant->set("sessions", sessions);
  Array::Ptr participants = new Array;
  participants->add(participant);

  auto summary = orderedObject();
  summary->set("evaluationId", evaluation->getValue<std::string>("id"));
  summary->set("evaluatorId", evaluation->getObject("evaluator")->getValue<std::string>("id"));
  summary->set("userId", agent->getValue<std::string>("id"));
  summary->set("contextId", form->getValue<std::string>("id"));
  summary->set("formId", form->getValue<std::string>("id"));
  summary->set("formName", form->getValue<std::string>("name"));
  summary->set("queueId", evaluation->getObject("queue")->getValue<std::string>("id"));
  summary->set("eventTime", formatIso8601(firstSubmitted));  // never moves on a rescore
  summary->set("evaluationStatus", "Finished");
  summary->set("released", evaluation->has("releaseDate"));
  summary->set("oTotalScore", wholeScore(answers, "totalScore"));
  summary->set("oTotalCriticalScore", wholeScore(answers, "totalCriticalScore"));
  summary->set("rescored", evaluation->getValue<bool>("rescore"));
  summary->set("deleted", false);
  Array::Ptr evaluations = new Array;
  evaluations->add(summary);

  Array::Ptr divisions = new Array;
  divisions->add(divisionId);
  auto conversation = orderedObject();
  conversation->set("conversationId", conversationId);
  conversation->set("conversationStart", formatIso8601(start));
  conversation->set("conversationEnd", formatIso8601(start + 7 * 60 * Poco::Timestamp::resolution()));
  conversation->set("originatingDirection", "inbound");
  conversation->set("divisionIds", divisions);
  conversation->set("participants", participants);
  conversation->set("evaluations", evaluations);
  return conversation;
}

// The results page size: the org's, or the documented `pageSize` query (1..1000; docs silent on
// the bounds).
int resultsPageSize(const Exchange& exchange, int orgDefault) {
  const auto text = exchange.queryParam("pageSize");
  if (!text) return orgDefault;
  int size = 0;
  if (!Poco::NumberParser::tryParse(*text, size) || size < 1 || size > 1000) {
    throw Poco::InvalidArgumentException("pageSize: must be an integer 1..1000");
  }
  return size;
}

}  // namespace

void AnalyticsJobCreateHandler::serveAuthorized(Exchange& exchange) {
  auto body = parseObject(exchange.body);
  const std::string interval = body->optValue<std::string>("interval", "");
  const auto slash = interval.find('/');
  const auto start = slash == std::string::npos ? std::nullopt : parseIso8601(interval.substr(0, slash));
  const auto end = slash == std::string::npos ? std::nullopt : parseIso8601(interval.substr(slash + 1));
  if (!start || !end || !(*start < *end)) {
    throw Poco::InvalidArgumentException("interval must be START/END in ISO 8601, START before END");
  }
  // What analytics holds now: evaluations first submitted before the availability date.
  const Poco::Timestamp available = org().analyticsAvailability.now();
  std::vector<EvaluationRecord> found = org().evaluations.submittedConversationsIn(*start, *end);
  found.erase(std::remove_if(found.begin(), found.end(),
                             [&](const EvaluationRecord& record) { return !(*record.firstSubmitted() < available); }),
              found.end());
  // Each conversation is built when its results page is read.
  const std::string division = homeDivisionId(org().spec);
  auto conversations =
      std::make_shared<EvaluationSnapshot>(org().evaluations.generator(), std::move(found),
                                           [division](const Object::Ptr& evaluation, const EvaluationRecord& record) {
                                             return conversationDetail(evaluation, *record.firstSubmitted(), division);
                                           });
  auto answer = orderedObject();
  answer->set("jobId", org().analyticsJobs.create(std::move(conversations)));
  exchange.reply(202, answer);
}

void AnalyticsJobStatusHandler::serveAuthorized(Exchange& exchange) {
  std::optional<std::string> injected;
  if (exchange.fault) injected = exchange.fault->jobStatus;
  const JobTracker::Status status = org().analyticsJobs.poll(exchange.pathParam("jobId"), injected);
  auto answer = orderedObject();
  switch (status.phase) {
    case JobTracker::Phase::Queued:
      answer->set("state", "QUEUED");
      break;
    case JobTracker::Phase::Running:
      answer->set("state", "PENDING");
      break;
    case JobTracker::Phase::Done:
      answer->set("state", "FULFILLED");
      break;
    case JobTracker::Phase::Failed:
      answer->set("state", status.failure);
      answer->set("errorMessage", status.errorMessage);
      break;
  }
  if (status.phase == JobTracker::Phase::Done) {
    answer->set("expirationDate", formatIso8601(*status.completed + 24LL * 3600 * Poco::Timestamp::resolution()));
  }
  answer->set("submissionDate", formatIso8601(status.submitted));
  if (status.phase == JobTracker::Phase::Done) answer->set("completionDate", formatIso8601(*status.completed));
  exchange.reply(200, answer);
}

void AnalyticsJobResultsHandler::serveAuthorized(Exchange& exchange) {
  const auto page = org().analyticsJobs.page(exchange.pathParam("jobId"), exchange.queryParam("cursor").value_or(""),
                                             resultsPageSize(exchange, org().spec.pageSize));
  Array::Ptr conversations = new Array;
  for (const auto& item : page.items) conversations->add(item);
  auto answer = orderedObject();
  answer->set("conversations", conversations);
  if (page.nextCursor) answer->set("cursor", *page.nextCursor);
  answer->set("dataAvailabilityDate", formatIso8601(org().analyticsAvailability.now()));
  exchange.reply(200, answer);
}

void AnalyticsAvailabilityHandler::serveAuthorized(Exchange& exchange) {
  auto answer = orderedObject();
  answer->set("dataAvailabilityDate", formatIso8601(org().analyticsAvailability.now()));
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
