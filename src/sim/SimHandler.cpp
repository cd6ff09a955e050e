#include "sim/SimHandler.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "common/Errors.h"
#include "sim/FaultInjector.h"
#include "sim/RandomIds.h"
#include "sim/RequestLog.h"
#include "sim/TimeText.h"

namespace evalbridge::sim {
namespace {

Exchange readExchange(Poco::Net::HTTPServerRequest& request) {
  Exchange exchange;
  exchange.method = request.getMethod();
  try {
    Poco::URI uri(request.getURI());
    exchange.path = uri.getPath();
    exchange.query = uri.getRawQuery();
    exchange.queryParams = uri.getQueryParameters();
  } catch (const Poco::Exception&) {  // undecodable: keep it raw; no route will match it
    exchange.path = request.getURI();
  }
  for (const auto& [name, value] : request) exchange.headers[Poco::toLower(name)] = value;
  Poco::StreamCopier::copyToString(request.stream(), exchange.body);
  return exchange;
}

// `answered` false: the connection was dropped, so no status, type or body reached the client.
// Puts `poison` in as the second element of the body's "results" or "entities" array (the first
// when the array holds fewer than one element), so a page reads [good, poison, good, ...]. The
// first element's end is found by following its brackets outside strings.
void insertPoison(std::string& body, const std::string& poison) {
  std::size_t at = std::string::npos;
  for (const char* member : {"\"results\":[", "\"entities\":["}) {
    const auto found = body.find(member);
    if (found != std::string::npos) at = found + std::string(member).size();
  }
  if (at == std::string::npos) return;
  if (at < body.size() && body[at] == ']') {
    body.insert(at, poison);
    return;
  }
  int depth = 0;
  bool inString = false;
  for (std::size_t i = at; i < body.size(); ++i) {
    const char c = body[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        body.insert(i + 1, "," + poison);
        return;
      }
    }
  }
}

void record(const ServerContext& context, const Exchange& exchange, const Poco::Timestamp& arrival, bool answered) {
  RecordedRequest entry;
  entry.time = unixSeconds(arrival);
  entry.server = context.name;
  entry.method = exchange.method;
  entry.path = exchange.path;
  entry.query = exchange.query;
  entry.headers = exchange.headers;
  entry.body = exchange.body;
  entry.status = answered ? exchange.status : 0;
  if (answered && exchange.status != 204 && exchange.status != 304) {
    entry.responseContentType = exchange.contentType;
    entry.responseBody = RequestLog::capped(exchange.responseBody);
  }
  context.log->record(std::move(entry));
}

// Closes the connection without an answer. Linger 0 makes close() send a TCP RST, so the client
// sees "connection reset by peer" (what a crashing proxy looks like) rather than a clean EOF.
// The exception then unwinds Poco's HTTPServerConnection, which gives up on this connection
// (its attempt to send a 500 fails on the closed socket and is swallowed).
[[noreturn]] void dropConnection(Poco::Net::HTTPServerRequest& request) {
  if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
    Poco::Net::StreamSocket& socket = impl->socket();
    socket.setLinger(true, 0);
    socket.close();
  }
  throw Poco::Net::ConnectionResetException("evalbridge-sim: connection dropped on purpose");
}

void send(const ServerContext& context, const Exchange& exchange, Poco::Net::HTTPServerResponse& response) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(exchange.status));
  for (const auto& [name, value] : exchange.responseHeaders) response.set(name, value);
  // Genesys stamps every answer with a correlation id; clients log it for support cases.
  if (context.kind == ServerKind::GenesysOrg) response.set("inin-correlation-id", randomUuid());
  if (exchange.status == 204 || exchange.status == 304) {
    response.setContentLength(0);
    response.send();
    return;
  }
  response.setContentType(exchange.contentType);
  response.sendBuffer(exchange.responseBody.data(), exchange.responseBody.size());
}

}  // namespace

void SimHandler::bind(const ServerContext* context, std::map<std::string, std::string> pathParams) {
  context_ = context;
  pathParams_ = std::move(pathParams);
}

void SimHandler::answerWithError(Exchange& exchange, int status, const std::string& detail) const {
  ErrorDocument document = errorDocumentFor(context_->kind, status, detail);
  exchange.replyText(status, document.contentType, document.body);
}

// One place maps exceptions from endpoints to statuses: bad input is the client's fault (400),
// a missing thing is 404, a duplicate 409, anything else is a simulator bug and shows as 500.
void SimHandler::serveGuarded(Exchange& exchange) {
  try {
    serve(exchange);
  } catch (const Poco::InvalidArgumentException& e) {
    answerWithError(exchange, 400, e.message());
  } catch (const evalbridge::ConfigError& e) {  // a bad fault rule or scenario sent to /control
    answerWithError(exchange, 400, e.message());
  } catch (const Poco::NotFoundException& e) {
    answerWithError(exchange, 404, e.message());
  } catch (const Poco::ExistsException& e) {  // e.g. a data table row key that is taken
    answerWithError(exchange, 409, e.message());
  } catch (const std::exception& e) {
    Poco::Logger::get("evalbridge.sim")
        .error("%s %s on %s failed: %s", exchange.method, exchange.path, context_->name, std::string(e.what()));
    answerWithError(exchange, 500, e.what());
  }
}

void SimHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const Poco::Timestamp arrival;
  Exchange exchange = readExchange(request);
  exchange.pathParams = pathParams_;
  context_->log->arrived(context_->name, exchange.method);

  FaultDecision decision;
  if (context_->faults) {
    decision = context_->faults->decide(context_->name, exchange.method, exchange.path, isJobStatusPoll());
  }
  if (decision.latencyMs > 0) context_->stopping->tryWait(decision.latencyMs);

  const std::string kind = decision.fault ? decision.fault->kind : std::string();
  if (kind == "reset") {
    record(*context_, exchange, arrival, false);
    dropConnection(request);
  }
  if (kind == "status") {
    answerWithError(exchange, decision.fault->status, "simulated fault");
    if (!decision.fault->retryAfter.empty()) exchange.addHeader("Retry-After", decision.fault->retryAfter);
  } else {
    if (kind == "jobStatus") exchange.fault = decision.fault;
    serveGuarded(exchange);
  }
  if (kind == "ambiguous") {  // the work is done (e.g. the incident exists), the answer is lost
    record(*context_, exchange, arrival, false);
    dropConnection(request);
  }
  if (kind == "badJson") {  // a truncated transfer: 200, but the JSON stops half way
    exchange.status = 200;
    exchange.contentType = "application/json";
    exchange.responseBody = exchange.responseBody.substr(0, exchange.responseBody.size() / 2);
    if (exchange.responseBody.empty()) exchange.responseBody = "{";
  }
  if (kind == "poison") insertPoison(exchange.responseBody, decision.fault->poison);
  if (kind == "poisonBody") exchange.responseBody = decision.fault->poison;  // e.g. one evaluation's GET
  // Recorded before sending: a client that has its answer finds the request in the log.
  record(*context_, exchange, arrival, true);
  if (exchange.upgrade && exchange.status == 101) {
    exchange.upgrade(request, response);
    return;
  }
  send(*context_, exchange, response);
}

}  // namespace evalbridge::sim
