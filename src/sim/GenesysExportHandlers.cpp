#include "sim/GenesysExportHandlers.h"

#include <Poco/Exception.h>

#include "sim/DownloadSigner.h"
#include "sim/EvaluationSnapshot.h"
#include "sim/JsonText.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

Poco::Timestamp requiredTime(const Poco::JSON::Object::Ptr& body, const std::string& key) {
  if (!body->has(key) || body->get(key).isEmpty() || !body->get(key).isString()) {
    throw Poco::InvalidArgumentException(key + " is required (ISO 8601 date-time)");
  }
  auto parsed = parseIso8601(body->getValue<std::string>(key));
  if (!parsed) throw Poco::InvalidArgumentException(key + " is not an ISO 8601 date-time");
  return *parsed;
}

}  // namespace

void ExportCreateHandler::serveAuthorized(Exchange& exchange) {
  auto body = parseObject(exchange.body);
  const Poco::Timestamp start = requiredTime(body, "startTime");
  const Poco::Timestamp end = requiredTime(body, "endTime");
  if (!(start < end)) throw Poco::InvalidArgumentException("startTime must be before endTime");
  // The snapshot is taken now: evaluations changed after this belong to a later job.
  const std::string id = org().exportJobs.create(
      std::make_shared<EvaluationSnapshot>(org().evaluations.generator(), org().evaluations.changedIn(start, end)));
  auto answer = orderedObject();
  answer->set("id", id);
  answer->set("status", "QUEUED");
  exchange.reply(200, answer);
}

void ExportStatusHandler::serveAuthorized(Exchange& exchange) {
  const std::string id = exchange.pathParam("id");
  std::optional<std::string> injected;
  if (exchange.fault) injected = exchange.fault->jobStatus;
  const JobTracker::Status status = org().exportJobs.poll(id, injected);
  auto answer = orderedObject();
  answer->set("id", id);
  switch (status.phase) {
    case JobTracker::Phase::Queued:
      answer->set("status", "QUEUED");
      break;
    case JobTracker::Phase::Running:
      answer->set("status", "RUNNING");
      break;
    case JobTracker::Phase::Done:
      answer->set("status", "COMPLETED");
      if (org().spec.useDownloadUrl) answer->set("downloadUrl", org().signer.signedUrl(org().downloadBaseUrl, id));
      break;
    case JobTracker::Phase::Failed:
      answer->set("status", status.failure);
      answer->set("errorMessage", status.errorMessage);
      break;
  }
  exchange.reply(200, answer);
}

void ExportResultsHandler::serveAuthorized(Exchange& exchange) {
  const auto page =
      org().exportJobs.page(exchange.pathParam("id"), exchange.queryParam("cursor").value_or(""), org().spec.pageSize);
  Poco::JSON::Array::Ptr entities = new Poco::JSON::Array;
  for (const auto& item : page.items) entities->add(item);
  auto answer = orderedObject();
  answer->set("entities", entities);
  if (page.nextCursor) answer->set("cursor", *page.nextCursor);
  exchange.reply(200, answer);
}

}  // namespace evalbridge::sim
