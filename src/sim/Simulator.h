#pragma once
// evalbridge-sim: real Poco HTTP servers on 127.0.0.1 that play several Genesys Cloud orgs (each
// on its own port, i.e. its own "region"), one ServiceNow instance, a pre-signed download host
// and a JSON control endpoint (SPEC section 8). Used by tests (in-process), by `evalbridge demo`
// and by the evalbridge-sim executable. Deterministic: the same options give the same data.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace evalbridge::sim {

struct OrgSpec {
  std::string name = "acme-us";                        // label; also the key in control calls
  std::string orgId = "8c7d8a7e-1111-2222-3333-444455556666";
  std::string orgName = "Acme US";
  std::string clientId = "acme-us-client";
  std::string clientSecret = "acme-us-secret";
  std::set<std::string> permissions = {"quality:evaluation:view",      "quality:evaluation:searchAny",
                                       "analytics:conversationDetail:view", "architect:datatable:view",
                                       "architect:datatableRow:add",   "architect:datatableRow:edit",
                                       "architect:datatableRow:view"};
  int evaluationCount = 40;              // seeded evaluations
  std::string firstEvaluation = "2026-11-01T00:00:00Z";  // changedDate of the first; others follow
  int spacingSeconds = 3600;             // between consecutive evaluations
  double failingShare = 0.3;             // share with a low score or a failed kill question
  double unfinishedShare = 0.0;          // share left PENDING or INPROGRESS (never submitted)
  int tokenExpiresInS = 86400;
  int jobPollsUntilDone = 2;             // status polls answering RUNNING before COMPLETED
  int pageSize = 25;                     // entities per results page
  bool useDownloadUrl = false;           // completed jobs carry a downloadUrl instead of pages
  bool exportApiAvailable = true;        // false: the export endpoints answer 404
  int analyticsLagS = 0;                 // analytics dataAvailabilityDate = now - lag (unless fixed)
  // Columns (all strings) of every data table besides "key"; a test may drop one.
  std::vector<std::string> dataTableColumns = {"incidentNumber", "state", "link"};
  std::uint64_t seed = 1;
  // Notification channels (sim/README.md "Notifications"): seconds between the WebSocket
  // heartbeats (0 = none, to test a client's silence detection) and how long a channel lives.
  int heartbeatIntervalS = 30;
  int channelLifetimeS = 86400;
};

struct ServiceNowSpec {
  std::string username = "svc_evalbridge";
  std::string password = "sn-password";
  std::string oauthClientId = "sn-client";
  std::string oauthClientSecret = "sn-client-secret";
  std::set<std::string> tablesReadable = {"incident"};  // others answer 403
  std::string webhookUrl;     // when set, incident changes are POSTed there, signed (SPEC section 7)
  std::string webhookSecret;
};

struct SimulatorOptions {
  std::vector<OrgSpec> orgs = {OrgSpec{}};
  ServiceNowSpec servicenow;
  std::uint16_t controlPort = 0;  // 0 = ephemeral (the same for every server below)
};

// A fault rule: requests matching (server, method, pathPrefix) are hit with `kind` with the given
// probability, at most `count` times (-1 = unlimited). Deterministic given the rule's seed.
struct FaultRule {
  std::string server;       // "servicenow", "download", or an org name
  std::string method;       // "" = any
  std::string pathPrefix;   // "" = any
  // "status" | "reset" | "latency" | "ambiguous" | "jobStatus" | "badJson" | "poison" | "poisonBody"
  std::string kind;
  int status = 503;         // kind "status"
  std::string retryAfter;   // kind "status": Retry-After header value, "" = none
  int latencyMs = 0;        // kind "latency" (added before answering; also applies to others if > 0)
  std::string jobStatus = "FAILED";  // kind "jobStatus": FAILED | CANCELLED | EXPIRED
  // kind "poison": this raw text is inserted as the second element of the answer's "results" or
  // "entities" array (valid JSON to a scanner, not to a strict parser: a lone surrogate, 1e400);
  // kind "poisonBody": the whole answer is replaced by it (an evaluation's GET).
  std::string poison = R"({"id":"poison-1","agent":{"name":"\ud83d"}})";
  double probability = 1.0;
  int count = -1;
  int after = 0;            // matching requests let through before the rule may fire
  std::uint64_t seed = 7;
};

struct RecordedRequest {
  std::uint64_t seq = 0;
  double time = 0;           // Unix seconds with fraction, when the request arrived
  std::string server;        // "servicenow", "download", "control", or an org name
  std::string method;
  std::string path;          // without the query
  std::string query;         // raw query string
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int status = 0;            // what the simulator answered (0 = connection reset, no answer)
  std::string responseContentType;  // of the answer ("" when none was sent)
  std::string responseBody;  // the answer sent (capped; see RequestLog), "" when none was sent
};

// What the simulator knows about one org's notification channels (notificationState()).
struct NotificationChannelState {
  std::string id;
  std::string expires;                    // ISO 8601 with millis and Z
  bool connected = false;                 // a WebSocket is open on it
  std::vector<std::string> subscriptions; // topic ids, in subscription order
  std::uint64_t eventsSent = 0;           // event frames written to its sockets
  // Events of a subscribed topic that did not go out: no socket was open, the topic or its
  // permission had been withdrawn, or the socket closed with the event still queued.
  std::uint64_t eventsUndelivered = 0;
};

struct NotificationState {
  std::vector<NotificationChannelState> channels;  // in creation order
  std::uint64_t eventsLost = 0;   // swallowed on purpose (loseNotifications) or by a full socket queue
  int losePending = 0;            // of the last loseNotifications(), still to be swallowed
  std::vector<std::string> revokedTopics;
};

class Simulator {
 public:
  explicit Simulator(SimulatorOptions options = {});
  ~Simulator();  // stops the servers
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  void start();
  void stop();

  // Base URLs (http://127.0.0.1:PORT), valid after start().
  std::string controlUrl() const;
  std::string serviceNowUrl() const;
  std::string orgUrl(const std::string& orgName) const;  // serves both /oauth/token and /api/v2
  std::string downloadUrl() const;

  // Everything below is also reachable over the control endpoint (see sim/README.md) and is
  // thread-safe.
  void addFault(const FaultRule& rule);
  void clearFaults();
  void revokePermission(const std::string& orgName, const std::string& permission);
  void grantPermission(const std::string& orgName, const std::string& permission);
  // Adds `count` new evaluations to an org, changedDate spaced from `from`; returns their ids.
  std::vector<std::string> addEvaluations(const std::string& orgName, int count, const std::string& from);
  // Rescores an evaluation: new totalScore, changedDate = `changedDate`, rescore=true.
  void rescore(const std::string& orgName, const std::string& evaluationId, double newScore,
               const std::string& changedDate);
  // Every evaluation of an org, in changedDate order.
  std::vector<Poco::JSON::Object::Ptr> evaluations(const std::string& orgName) const;
  // The ServiceNow incident store, in creation order.
  std::vector<Poco::JSON::Object::Ptr> incidents() const;
  // Changes an incident as a ServiceNow user would (e.g. {"state":"6","close_code":"Solved"}):
  // bumps sys_mod_count and sys_updated_on, and sends the webhook when configured.
  void updateIncident(const std::string& sysId, const Poco::JSON::Object::Ptr& changes);
  // Data table rows written by the bridge (write-back): datatableId -> rowId -> row.
  std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>> dataTableRows() const;
  std::vector<RecordedRequest> requests() const;
  void clearRequests();
  // Requests to `server` with `method` that have arrived, answered or not (requests() lists a
  // request once it is answered): a test can wait for one held by a latency fault.
  std::uint64_t arrivals(const std::string& server, const std::string& method) const;
  // The bearer tokens this org issued (to check that tokens never cross orgs).
  std::set<std::string> tokensIssuedBy(const std::string& orgName) const;
  // Expires every token an org issued so far (the next call with one gets 401
  // credentials.expired; a token the org never issued gets 401 bad.credentials).
  void expireTokens(const std::string& orgName);
  // Fixes the org's analytics dataAvailabilityDate (ISO 8601), or with nullopt lets it follow the
  // clock again (now - analyticsLagS). Throws InvalidArgumentException for a bad date.
  void setDataAvailability(const std::string& orgName, const std::optional<std::string>& date);
  // The org's current analytics dataAvailabilityDate ("2026-11-01T00:00:00.000Z").
  std::string dataAvailability(const std::string& orgName) const;

  const SimulatorOptions& options() const;

  // --- additions (see sim/README.md) ---
  // The GET /control/state document:
  // {"control","servicenow","download","orgs":{name:{"url","orgId","clientId"}}}.
  Poco::JSON::Object::Ptr stateDocument() const;
  std::vector<FaultRule> faults() const;
  // Data table rows written to one org (dataTableRows() above merges every org's).
  std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>> dataTableRows(
      const std::string& orgName) const;
  // Deletes a data table row as an Architect user would; false when there was none.
  bool deleteDataTableRow(const std::string& orgName, const std::string& datatableId, const std::string& rowId);
  std::vector<RecordedRequest> requestsSince(std::uint64_t seq) const;
  bool running() const;

  // In-process hooks on the simulated ServiceNow's incident creates (POST
  // /api/now/table/incident), for tests that must observe or bend the moment of creation itself
  // rather than infer it from timing. Each runs on the server thread handling the request, after
  // authentication and the ACL check; an empty function removes it. A hook that throws turns the
  // answer into a 500.
  // `hook` gets the request body before the incident is stored (e.g. to read the client's own
  // state at the instant its POST arrives).
  void onIncidentCreate(std::function<void(const Poco::JSON::Object& body)> hook);
  // `hook` gets the incident just stored (as incidents() shows it); a status it returns (e.g. 503)
  // is answered instead of 201, in ServiceNow's error shape: the incident exists, the answer says
  // it failed.
  void onIncidentCreated(std::function<std::optional<int>(const Poco::JSON::Object& incident)> hook);

  // --- notification channels (sim/README.md "Notifications"); per org, thread-safe ---
  // Each returns once every socket concerned has acted (closed, or sent its notice when graceMs > 0)
  // and answers how many sockets (channels, for expire) it acted on.
  // Shuts every open socket's TCP connection (RST): no closing notice, no close frame.
  int dropNotificationSockets(const std::string& orgName);
  // Sends {"topicName":"v2.system.socket_closing",...} on every open socket, keeps delivering for
  // graceMs, then sends a close frame (1001) and closes. The channels stay valid.
  int closeNotificationSockets(const std::string& orgName, const std::string& message = "", int graceMs = 0);
  // Every channel expires now: closing notice, close, and the channel id is unknown (404) after.
  int expireNotificationChannels(const std::string& orgName);
  // The next `count` event deliveries (one event to one socket) are counted in eventsLost, not sent.
  void loseNotifications(const std::string& orgName, int count);
  // A revoked topic is absent from availabletopics, subscribing to it is rejected, and events of it
  // are not delivered (channels keep listing it). Unknown topic: NotFoundException.
  void revokeTopic(const std::string& orgName, const std::string& topic);
  void grantTopic(const std::string& orgName, const std::string& topic);
  NotificationState notificationState(const std::string& orgName) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads simulator options from JSON (the evalbridge-sim --scenario file format; see sim/README.md).
// Throws evalbridge::ConfigError naming the key for unknown keys, wrong types and bad values.
SimulatorOptions optionsFromJson(const Poco::JSON::Object::Ptr& json);

// The scenario evalbridge-sim runs without --scenario: two orgs, "acme-us" and "acme-eu", with
// different ids, clients and seeds, and the default ServiceNow instance.
SimulatorOptions defaultScenario();

}  // namespace evalbridge::sim
