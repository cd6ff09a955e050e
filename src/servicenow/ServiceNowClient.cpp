#include "servicenow/ServiceNowClient.h"

#include <regex>

#include <sstream>

#include <Poco/JSON/Parser.h>

#include "common/Errors.h"
#include "http/BasicAuth.h"
#include "http/ShutdownToken.h"
#include "servicenow/ServiceNowOAuth.h"

namespace evalbridge {
namespace {

std::string textOf(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (!object || !object->has(key)) return {};
  Poco::Dynamic::Var value = object->get(key);
  if (value.isEmpty()) return {};
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto inner = value.extract<Poco::JSON::Object::Ptr>();
    // Reference fields come back as {link, value} (or {display_value, value}).
    return inner->optValue<std::string>("value", inner->optValue<std::string>("display_value", ""));
  }
  return value.toString();
}

// The fields the bridge reads of a record it writes or looks up (incidentFromJson -> IncidentRef).
// Asking for just these keeps an instance from sending the whole record back after each write:
// every column of the incident, reference fields with links, several KB where 200 B will do.
const char* const kRefFields = "sys_id,number,state,sys_updated_on,sys_mod_count";

}  // namespace

Incident incidentFromJson(const Poco::JSON::Object::Ptr& result) {
  Incident incident;
  incident.sysId = textOf(result, "sys_id");
  incident.number = textOf(result, "number");
  incident.state = textOf(result, "state");
  incident.updatedOn = textOf(result, "sys_updated_on");
  std::string modCount = textOf(result, "sys_mod_count");
  if (!modCount.empty()) {
    try {
      incident.modCount = std::stoll(modCount);
    } catch (const std::exception&) {
    }
  }
  incident.correlationId = textOf(result, "correlation_id");
  incident.assignmentGroup = textOf(result, "assignment_group");
  incident.closeCode = textOf(result, "close_code");
  incident.closeNotes = textOf(result, "close_notes");
  return incident;
}

std::string describeServiceNowError(const HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  if (!response.reason.empty()) text += " " + response.reason;
  try {
    Poco::JSON::Parser parser;
    auto body = parser.parse(response.body).extract<Poco::JSON::Object::Ptr>();
    if (auto error = body->getObject("error")) {
      std::string message = error->optValue<std::string>("message", "");
      std::string detail = error->optValue<std::string>("detail", "");
      if (!message.empty()) text += ": " + message;
      if (!detail.empty()) text += ": " + detail;
      return text;
    }
  } catch (const std::exception&) {
    // Poco::Exception derives from std::exception: a body that is not ServiceNow's error JSON.
  }
  if (!response.body.empty()) text += ": " + response.body.substr(0, 200);
  return text;
}

std::string credentialsHolder(const ServiceNowSettings& settings) {
  if (settings.auth.type == "oauth") return "OAuth client " + settings.auth.clientId;
  return "user " + settings.auth.username;
}

std::string credentialsFix(const ServiceNowSettings& settings) {
  return "check servicenow.auth (the " +
         (settings.auth.type == "oauth" ? std::string("client id/secret and tokenUrl")
                                        : std::string("username and password")) +
         "), and that the account is active and not locked out";
}

void validateQueryValue(const std::string& value, const std::string& what) {
  if (value.empty()) throw PermanentError(what + " is empty; refusing to query ServiceNow with it");
  if (value.find_first_of("^\r\n") != std::string::npos)
    throw PermanentError(what + " '" + value + "' contains '^' or a line break, which would change the encoded query");
}

ServiceNowClient::ServiceNowClient(const ServiceNowSettings& settings, ShutdownToken& shutdown)
    : settings_(settings),
      shutdown_(shutdown),
      http_(HttpClientOptions{settings.timeoutMs, settings.caFile, true}),
      limiter_(settings.maxRequestsPerSecond, settings.maxConcurrency) {
  if (settings_.auth.type == "oauth") {
    if (settings_.auth.tokenUrl.empty()) settings_.auth.tokenUrl = settings_.instanceUrl + "/oauth_token.do";
    oauth_ = std::make_unique<ServiceNowOAuth>(settings_, shutdown_, [this](const HttpRequest& request) {
      return sendLimited(request, "POST " + settings_.auth.tokenUrl);
    });
  }
}

ServiceNowClient::~ServiceNowClient() = default;

std::string ServiceNowClient::authorization() {
  if (oauth_) return "Bearer " + oauth_->accessToken();
  return basicAuthorization(settings_.auth.username, settings_.auth.password);
}

HttpResponse ServiceNowClient::sendLimited(const HttpRequest& request, const std::string& what,
                                           const BeforeSend& beforeSend) {
  auto permit = limiter_.acquire(shutdown_);
  if (!permit) throw TransientError("shutting down before " + what);
  if (beforeSend) beforeSend();
  return http_.send(request);
}

HttpResponse ServiceNowClient::send(const std::string& method, const std::string& pathAndQuery, const std::string& body,
                                    const BeforeSend& beforeSend) {
  HttpRequest request;
  request.method = method;
  request.url = settings_.instanceUrl + pathAndQuery;
  request.body = body;
  const std::string what = method + " " + pathAndQuery.substr(0, pathAndQuery.find('?'));
  for (int attempt = 0;; ++attempt) {
    // The token is fetched before the permit is taken: a token request takes its own permit.
    const std::string auth = authorization();
    request.headers = {{"Authorization", auth}, {"Accept", "application/json"}};
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    HttpResponse response = sendLimited(request, what, beforeSend);
    // A 401 with a bearer token usually means it was revoked or expired early: renew once. The
    // request was refused before processing, so sending it again cannot duplicate anything.
    if (response.status == 401 && oauth_ && attempt == 0) {
      oauth_->invalidate(auth.substr(7));
      continue;
    }
    return response;
  }
}

std::string journalSafe(const std::string& text) {
  // ServiceNow renders "[code]...[/code]" in a journal entry as raw HTML. An evaluator's comment
  // must stay text, so the tags lose their brackets' meaning (case-insensitively).
  static const std::regex tag(R"(\[(/?)code\])", std::regex::icase);
  return std::regex_replace(text, tag, "($1code)");
}

namespace {

// The request body: the fields as given, journal fields made safe (journalSafe).
std::string incidentBody(const Poco::JSON::Object& fields) {
  Poco::JSON::Object safe(fields);
  for (const char* journal : {"work_notes", "comments"}) {
    if (safe.has(journal) && safe.get(journal).isString())
      safe.set(journal, journalSafe(safe.getValue<std::string>(journal)));
  }
  std::ostringstream body;
  safe.stringify(body);
  return body.str();
}

}  // namespace

std::string ServiceNowClient::writeQuery() const {
  std::string query = "?sysparm_fields=" + urlEncode(kRefFields) + "&sysparm_exclude_reference_link=true";
  if (settings_.inputDisplayValue) query += "&sysparm_input_display_value=true";
  return query;
}

HttpResponse ServiceNowClient::create(const Poco::JSON::Object& fields, const BeforeSend& beforeSend) {
  const std::string body = incidentBody(fields);
  return send("POST", "/api/now/table/" + settings_.table + writeQuery(), body, beforeSend);
}

HttpResponse ServiceNowClient::patch(const std::string& sysId, const Poco::JSON::Object& fields,
                                     const BeforeSend& beforeSend) {
  validateQueryValue(sysId, "sys_id");
  return send("PATCH", "/api/now/table/" + settings_.table + "/" + urlEncode(sysId) + writeQuery(),
              incidentBody(fields), beforeSend);
}

HttpResponse ServiceNowClient::findByCorrelation(const std::string& correlationId) {
  validateQueryValue(correlationId, "correlation_id");
  return send("GET",
              "/api/now/table/" + settings_.table + "?sysparm_query=" + urlEncode("correlation_id=" + correlationId) +
                  "&sysparm_fields=" + urlEncode(kRefFields) + "&sysparm_limit=2" + kNoCount,
              "");
}

HttpResponse ServiceNowClient::get(const std::string& pathAndQuery) { return send("GET", pathAndQuery, ""); }

}  // namespace evalbridge
