#include "server/WebhookHandler.h"

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Timestamp.h>

#include "common/Errors.h"
#include "common/LogEvent.h"
#include "common/Metrics.h"
#include "ledger/IncidentStateStore.h"
#include "ledger/IncidentStates.h"
#include "server/JsonReply.h"
#include "server/RequestId.h"
#include "server/WebhookPayload.h"
#include "sync/SyncMetrics.h"

namespace evalbridge {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("evalbridge.webhook"); }

// Reads at most `limit` + 1 bytes: enough to know the body is too large without reading it all.
std::string readBody(std::istream& in, std::size_t limit) {
  std::string body;
  char buffer[8192];
  while (body.size() <= limit && in) {
    in.read(buffer, static_cast<std::streamsize>(sizeof buffer));
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  return body;
}

}  // namespace

WebhookHandler::WebhookHandler(ServerContext& context, WarningThrottle& refusals)
    : context_(context), refusals_(refusals), verifier_(context.webhookSecret, context.webhookWindowS) {}

void WebhookHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const std::string requestId = requestIdFrom(request.get("X-Request-Id", ""));
  response.set("X-Request-Id", requestId);
  LogFields fields = {{"requestId", requestId}, {"source", "webhook"}};
  bool signedBySender = false;
  auto answer = [&](int status, const std::string& text, Poco::JSON::Object::Ptr body = nullptr) {
    context_.metrics.increment("evalbridge_webhook_requests_total", {{"code", std::to_string(status)}});
    LogFields logged = fields;
    logged.emplace_back("status", std::to_string(status));
    const std::string shown = context_.redact ? context_.redact(text) : text;
    std::string line = "webhook " + std::to_string(status) + ": " + shown;
    bool log = true;
    if (status >= 400 && !signedBySender) {
      // Anyone can send these: one warning per interval, with a count of the ones held back.
      const auto heldBack = refusals_.admit();
      log = heldBack.has_value();
      if (heldBack && *heldBack > 0)
        line += " (and " + std::to_string(*heldBack) + " more refused before a valid signature since the last such warning)";
    }
    if (log)
      logEvent(logger(), status >= 400 ? Poco::Message::PRIO_WARNING : Poco::Message::PRIO_INFORMATION, line, logged);
    if (!body) body = new Poco::JSON::Object;
    body->set(status >= 400 ? "error" : "result", shown);
    body->set("requestId", requestId);
    replyJson(response, status, body);
  };

  if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_POST) {
    response.set("Allow", "POST");
    return answer(405, "use POST");
  }
  const auto limit = static_cast<std::size_t>(context_.maxBodyBytes);
  if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
    response.setKeepAlive(false);  // the unread body must not be taken for the next request
    return answer(413, "body larger than " + std::to_string(limit) + " bytes");
  }
  const std::string body = readBody(request.stream(), limit);
  if (body.size() > limit) {
    response.setKeepAlive(false);
    return answer(413, "body larger than " + std::to_string(limit) + " bytes");
  }

  const std::int64_t now = Poco::Timestamp().epochTime();
  const WebhookCheck check = verifier_.check(request.get("X-Evalbridge-Timestamp", ""),
                                             request.get("X-Evalbridge-Signature", ""), body, now);
  if (!check.ok) return answer(401, check.reason);
  signedBySender = true;

  IncidentStateUpdate update;
  try {
    update = parseWebhookPayload(body);
  } catch (const PermanentError& e) {
    return answer(400, e.message());
  }
  fields.emplace_back("incident", update.number);
  fields.emplace_back("state", incidentStateName(update.state));

  StateResult result;
  try {
    result = context_.states.apply(update, "webhook", WebhookDelivery{check.signature, now, 2 * context_.webhookWindowS + 60});
  } catch (const Poco::Exception& e) {
    return answer(503, "the ledger could not record it (ServiceNow may send it again): " + e.message());
  }
  recordStateUpdate(context_.metrics, "webhook", result);
  fields.emplace_back("org", result.orgName);
  fields.emplace_back("evaluationId", result.evaluationId);
  switch (result.outcome) {
    case StateOutcome::Applied:
      if (context_.onStateChanged) context_.onStateChanged();
      return answer(200, "applied: " + result.detail);
    case StateOutcome::Duplicate:
      return answer(200, "already recorded (" + result.detail + ")");
    case StateOutcome::OutOfOrder:
      return answer(409, "out of order: older than the ledger's version (" + result.detail + ")");
    case StateOutcome::Replayed:
      return answer(409, "replayed: " + result.detail);
    case StateOutcome::Unknown:
      return answer(202, "ignored: " + result.detail);
  }
}

}  // namespace evalbridge
