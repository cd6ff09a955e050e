#include "sim/GenesysAnalyticsHandlers.h"

#include <Poco/Exception.h>

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

// The analytics view of the conversation an evaluation was made on (AnalyticsConversation with
// its AnalyticsEvaluation), reduced to the fields a bridge would read.
Object::Ptr conversationDetail(const Object::Ptr& evaluation, const std::string& divisionId) {
  const std::string conversationId = evaluation->getObject("conversation")->getValue<std::string>("id");
  const auto start = parseIso8601(evaluation->getValue<std::string>("conversationDate")).value_or(Poco::Timestamp(0));
  auto agent = evaluation->getObject("agent");
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
  summary->set("contextId", evaluation->getObject("evaluationForm")->getValue<std::string>("id"));
  summary->set("formId", evaluation->getObject("evaluationForm")->getValue<std::string>("id"));
  summary->set("formName", evaluation->getObject("evaluationForm")->getValue<std::string>("name"));
  summary->set("queueId", evaluation->getObject("queue")->getValue<std::string>("id"));
  summary->set("eventTime", evaluation->getValue<std::string>("changedDate"));
  summary->set("oTotalScore", answers->getValue<double>("totalScore"));
  summary->set("oTotalCriticalScore", answers->getValue<double>("totalCriticalScore"));
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
  std::vector<Object::Ptr> conversations;
  const std::string division = homeDivisionId(org().spec);
  for (const auto& evaluation : org().evaluations.conversationsIn(*start, *end)) {
    conversations.push_back(conversationDetail(evaluation, division));
  }
  auto answer = orderedObject();
  answer->set("jobId", org().analyticsJobs.create(std::move(conversations)));
  exchange.reply(202, answer);
}

void AnalyticsJobStatusHandler::serveAuthorized(Exchange& exchange) {
  std::optional<std::string> injected;
  if (exchange.fault) injected = exchange.fault->jobStatus;
  const JobTracker::Status status = org().analyticsJobs.poll(exchange.pathParam("jobId"), injected);
  auto answer = orderedObject();
  const Poco::Timestamp now;
  switch (status.phase) {
    case JobTracker::Phase::Queued:
      answer->set("state", "QUEUED");
      break;
    case JobTracker::Phase::Running:
      answer->set("state", "PENDING");
      break;
    case JobTracker::Phase::Done:
      answer->set("state", "FULFILLED");
      answer->set("expirationDate", formatIso8601(now + 24LL * 3600 * Poco::Timestamp::resolution()));
      break;
    case JobTracker::Phase::Failed:
      answer->set("state", status.failure);
      answer->set("errorMessage", status.errorMessage);
      break;
  }
  answer->set("submissionDate", formatIso8601(now));
  exchange.reply(200, answer);
}

void AnalyticsJobResultsHandler::serveAuthorized(Exchange& exchange) {
  const auto page = org().analyticsJobs.page(exchange.pathParam("jobId"), exchange.queryParam("cursor").value_or(""),
                                             org().spec.pageSize);
  Array::Ptr conversations = new Array;
  for (const auto& item : page.items) conversations->add(item);
  auto answer = orderedObject();
  answer->set("conversations", conversations);
  if (page.nextCursor) answer->set("cursor", *page.nextCursor);
  answer->set("dataAvailabilityDate", formatIso8601(Poco::Timestamp()));
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
