#pragma once
// The ServiceNow Table API as the bridge uses it (SPEC section 7): create, find by
// correlation_id, patch. It adds auth (basic, or an OAuth bearer token renewed before expiry and
// once on a 401) and JSON headers, and keeps to servicenow.maxConcurrency and
// maxRequestsPerSecond (RateLimiter: every request, token requests included, takes a permit).
// It does not retry: whether a failed create may be sent again is the sink's decision
// (IncidentSink). TLS verification, caFile, HTTPS_PROXY/NO_PROXY and keep-alive: HttpClient.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "config/Config.h"
#include "http/HttpClient.h"
#include "http/RateLimiter.h"

namespace evalbridge {

class ShutdownToken;
class ServiceNowOAuth;

struct Incident {
  std::string sysId;
  std::string number;
  std::string state;
  std::string updatedOn;
  std::optional<long long> modCount;
  std::string correlationId;
  std::string assignmentGroup;
  std::string closeCode;
  std::string closeNotes;
};

// Reads an incident from a Table API "result" object (values may be plain or {value, display_value}).
Incident incidentFromJson(const Poco::JSON::Object::Ptr& result);

// "HTTP 400 Bad Request: <error.message>: <error.detail>" from a ServiceNow error body.
std::string describeServiceNowError(const HttpResponse& response);

// Appended to every Table API read: the bridge never reads the total, and without it each GET also
// runs a "select count(*)" on the table (sysparm_no_count defaults to false).
inline constexpr const char* kNoCount = "&sysparm_no_count=true";

// Whom ServiceNow authenticates ("OAuth client <id>" or "user <name>"), and what to check when it
// refuses them: for the doctor's check and for a delivery that meets a 401.
std::string credentialsHolder(const ServiceNowSettings& settings);
std::string credentialsFix(const ServiceNowSettings& settings);

// Journal text (work_notes, comments) with "[code]" tags disarmed: ServiceNow would render what
// they enclose as HTML, and an evaluator's comment must stay text.
std::string journalSafe(const std::string& text);

// Rejects keys that could change the meaning of an encoded query (^, newlines) or are empty.
void validateQueryValue(const std::string& value, const std::string& what);

class ServiceNowClient {
 public:
  ServiceNowClient(const ServiceNowSettings& settings, ShutdownToken& shutdown);
  ~ServiceNowClient();

  const ServiceNowSettings& settings() const { return settings_; }

  // POST /api/now/table/{table}, answered with the record's sys_id, number, state,
  // sys_updated_on and sys_mod_count only. Returns the raw response (the caller classifies it).
  // `beforeSend` runs once the request holds its concurrency permit, immediately before it is
  // written: the last moment to refuse it (a replica's fence), after any wait for the permit.
  using BeforeSend = std::function<void()>;
  HttpResponse create(const Poco::JSON::Object& fields, const BeforeSend& beforeSend = {});
  // PATCH /api/now/table/{table}/{sysId}, answered with the same fields as create.
  HttpResponse patch(const std::string& sysId, const Poco::JSON::Object& fields, const BeforeSend& beforeSend = {});
  // GET ... sysparm_query=correlation_id={key}; throws TransientError on a transient status.
  HttpResponse findByCorrelation(const std::string& correlationId);
  // Any GET under /api/now/ (pull of incident state, doctor probes).
  HttpResponse get(const std::string& pathAndQuery);

 private:
  HttpResponse send(const std::string& method, const std::string& pathAndQuery, const std::string& body,
                    const BeforeSend& beforeSend = {});
  HttpResponse sendLimited(const HttpRequest& request, const std::string& what, const BeforeSend& beforeSend = {});
  std::string authorization();
  // The query of a POST or PATCH: the fields to answer with, and display values when configured.
  std::string writeQuery() const;

  ServiceNowSettings settings_;
  ShutdownToken& shutdown_;
  HttpClient http_;
  RateLimiter limiter_;
  std::unique_ptr<ServiceNowOAuth> oauth_;  // set when servicenow.auth.type is "oauth"
};

}  // namespace evalbridge
