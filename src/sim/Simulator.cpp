#include "sim/Simulator.h"

#include <Poco/Event.h>
#include <Poco/Exception.h>

#include <mutex>
#include <thread>

#include "sim/ControlHandlers.h"
#include "sim/DownloadHandlers.h"
#include "sim/DownloadSigner.h"
#include "sim/EvaluationEvent.h"
#include "sim/FaultInjector.h"
#include "sim/GenesysAnalyticsHandlers.h"
#include "sim/GenesysDataTableHandlers.h"
#include "sim/GenesysEvaluationHandlers.h"
#include "sim/GenesysExportHandlers.h"
#include "sim/GenesysNotificationHandlers.h"
#include "sim/GenesysOrg.h"
#include "sim/GenesysSearchHandlers.h"
#include "sim/JsonText.h"
#include "sim/NotificationTopics.h"
#include "sim/RequestLog.h"
#include "sim/Router.h"
#include "sim/Scenario.h"
#include "sim/ServiceNowHandlers.h"
#include "sim/SimServer.h"
#include "sim/TimeText.h"
#include "sim/WebhookSender.h"

namespace evalbridge::sim {
namespace {

template <typename HandlerType, typename State>
Router::MakeHandler make(State& state) {
  return [&state]() -> SimHandler* { return new HandlerType(state); };
}

Poco::Net::HTTPRequestHandlerFactory::Ptr genesysRouter(const ServerContext& context, GenesysOrg& org) {
  auto* router = new Router(context, [] { return new GenesysNotFoundHandler; });
  // Earlier routes win: jobs/availability is listed before jobs/{jobId}.
  router->add("POST", "/oauth/token", make<OAuthTokenHandler>(org))
      .add("GET", "/api/v2/tokens/me", make<TokensMeHandler>(org))
      .add("GET", "/api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}",
           make<EvaluationGetHandler>(org))
      .add("POST", "/api/v2/quality/evaluations/search", make<EvaluationSearchHandler>(org))
      .add("POST", "/api/v2/analytics/conversations/details/jobs", make<AnalyticsJobCreateHandler>(org))
      .add("GET", "/api/v2/analytics/conversations/details/jobs/availability", make<AnalyticsAvailabilityHandler>(org))
      .add("GET", "/api/v2/analytics/conversations/details/jobs/{jobId}", make<AnalyticsJobStatusHandler>(org))
      .add("GET", "/api/v2/analytics/conversations/details/jobs/{jobId}/results", make<AnalyticsJobResultsHandler>(org))
      .add("GET", "/api/v2/flows/datatables/{datatableId}", make<DataTableGetHandler>(org))
      .add("POST", "/api/v2/flows/datatables/{datatableId}/rows", make<DataTableRowPostHandler>(org))
      .add("GET", "/api/v2/flows/datatables/{datatableId}/rows/{rowId}", make<DataTableRowGetHandler>(org))
      .add("PUT", "/api/v2/flows/datatables/{datatableId}/rows/{rowId}", make<DataTableRowPutHandler>(org))
      .add("POST", "/api/v2/notifications/channels", make<ChannelCreateHandler>(org))
      .add("GET", "/api/v2/notifications/channels", make<ChannelListHandler>(org))
      .add("HEAD", "/api/v2/notifications/channels/{channelId}", make<ChannelHeadHandler>(org))
      .add("GET", "/api/v2/notifications/channels/{channelId}/subscriptions", make<SubscriptionsGetHandler>(org))
      .add("PUT", "/api/v2/notifications/channels/{channelId}/subscriptions",
           [&org]() -> SimHandler* { return new SubscriptionsChangeHandler(org, NotificationHub::Change::Replace); })
      .add("POST", "/api/v2/notifications/channels/{channelId}/subscriptions",
           [&org]() -> SimHandler* { return new SubscriptionsChangeHandler(org, NotificationHub::Change::Add); })
      .add("DELETE", "/api/v2/notifications/channels/{channelId}/subscriptions", make<SubscriptionsDeleteHandler>(org))
      .add("GET", "/api/v2/notifications/availabletopics", make<AvailableTopicsHandler>(org))
      // The channels' connectUri (the WebSocket), on the org's own server.
      .add("GET", "/channels/{channelId}", make<NotificationSocketHandler>(org));
  // Without the export API (an org or region where it is not offered) these paths are unknown.
  if (org.spec.exportApiAvailable) {
    router->add("POST", "/api/v2/quality/evaluations/export", make<ExportCreateHandler>(org))
        .add("GET", "/api/v2/quality/exports/{id}", make<ExportStatusHandler>(org))
        .add("GET", "/api/v2/quality/exports/{id}/results", make<ExportResultsHandler>(org));
  }
  return router;
}

Poco::Net::HTTPRequestHandlerFactory::Ptr serviceNowRouter(const ServerContext& context, ServiceNowInstance& instance) {
  auto* router = new Router(context, [] { return new ServiceNowUnknownPathHandler; });
  router->add("POST", "/oauth_token.do", make<ServiceNowTokenHandler>(instance))
      .add("GET", "/api/now/table/{table}", make<TableQueryHandler>(instance))
      .add("POST", "/api/now/table/{table}", make<TableCreateHandler>(instance))
      .add("GET", "/api/now/table/{table}/{sys_id}", make<TableReadHandler>(instance))
      .add("PATCH", "/api/now/table/{table}/{sys_id}", make<TableUpdateHandler>(instance))
      .add("PUT", "/api/now/table/{table}/{sys_id}", make<TableUpdateHandler>(instance));
  return router;
}

// Tells the org's notification channels about evaluations that were just added or changed, in
// the order given (documents rendered for this: the event may share parts of them).
void publishEvaluations(GenesysOrg& org, const std::vector<std::string>& ids, const char* eventType) {
  // Evaluations live in the org's home division, as analytics reports their conversations.
  const std::string division = homeDivisionId(org.spec);
  for (const auto& evaluation : org.evaluations.withIds(ids)) {
    org.notifications.publish(kEvaluationsTopic, evaluationEventBody(evaluation, eventType, division));
  }
}

}  // namespace

struct Simulator::Impl {
  explicit Impl(SimulatorOptions simulatorOptions) : options(std::move(simulatorOptions)) {
    validateOptions(options);
    for (const auto& spec : options.orgs) orgs.push_back(std::make_unique<GenesysOrg>(spec, signer));
    servicenow = std::make_unique<ServiceNowInstance>(options.servicenow);
    if (!options.servicenow.webhookUrl.empty()) {
      webhook = std::make_unique<WebhookSender>(options.servicenow.webhookUrl, options.servicenow.webhookSecret);
    }
    auto context = [this](const std::string& name, ServerKind kind, bool takesFaults) {
      contexts[name] = ServerContext{name, kind, &log, takesFaults ? &faults : nullptr, &stopping};
    };
    context("control", ServerKind::Control, false);
    context("servicenow", ServerKind::ServiceNow, true);
    context("download", ServerKind::Download, true);
    for (const auto& org : orgs) context(org->spec.name, ServerKind::GenesysOrg, true);
  }

  GenesysOrg& org(const std::string& name) const {
    for (const auto& org : orgs) {
      if (org->spec.name == name) return *org;
    }
    throw Poco::NotFoundException("unknown org '" + name + "'");
  }

  const SimulatorOptions options;
  RequestLog log;
  FaultInjector faults;
  DownloadSigner signer;
  Poco::Event stopping{Poco::Event::EVENT_MANUALRESET};
  std::vector<std::unique_ptr<GenesysOrg>> orgs;
  std::unique_ptr<ServiceNowInstance> servicenow;
  std::unique_ptr<WebhookSender> webhook;
  std::map<std::string, ServerContext> contexts;  // by server name; fixed after construction

  // Servers exist between start() and stop(); the URLs are kept for the accessors.
  mutable std::mutex lifecycle;
  std::map<std::string, std::unique_ptr<SimServer>> servers;  // by server name
  std::map<std::string, std::string> urls;
};

Simulator::Simulator(SimulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() {
  stop();
}

void Simulator::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  if (!impl_->servers.empty()) return;
  impl_->stopping.reset();
  auto& servers = impl_->servers;
  // Bind every socket first: the routes need the other servers' URLs (download links, reference
  // links), and nothing may be served before they are set.
  servers["control"] = std::make_unique<SimServer>(impl_->options.controlPort);
  servers["servicenow"] = std::make_unique<SimServer>(0);
  servers["download"] = std::make_unique<SimServer>(0);
  for (const auto& org : impl_->orgs) servers[org->spec.name] = std::make_unique<SimServer>(0);
  for (const auto& [name, server] : servers) impl_->urls[name] = server->url();

  impl_->servicenow->baseUrl = impl_->urls["servicenow"];
  for (const auto& org : impl_->orgs) {
    org->downloadBaseUrl = impl_->urls["download"];
    // A channel's connectUri is on its org's server, so it follows the port after a restart.
    org->notifications.setSocketBaseUrl("ws://" + impl_->urls[org->spec.name].substr(std::string("http://").size()));
  }

  const auto& contexts = impl_->contexts;
  for (const auto& org : impl_->orgs) {
    servers[org->spec.name]->start(genesysRouter(contexts.at(org->spec.name), *org));
  }
  servers["servicenow"]->start(serviceNowRouter(contexts.at("servicenow"), *impl_->servicenow));
  auto* download = new Router(contexts.at("download"), [] { return new DownloadNotFoundHandler; });
  const auto& orgs = impl_->orgs;
  const auto& signer = impl_->signer;
  download->add("GET", "/downloads/{jobId}",
                [&orgs, &signer]() -> SimHandler* { return new DownloadHandler(orgs, signer); });
  servers["download"]->start(download);
  auto* control = new Router(contexts.at("control"), [this] { return makeControlNotFound(*this); });
  addControlRoutes(*control, *this);
  servers["control"]->start(control);
}

void Simulator::stop() {
  std::map<std::string, std::unique_ptr<SimServer>> servers;
  {
    std::lock_guard<std::mutex> lock(impl_->lifecycle);
    impl_->stopping.set();  // cuts injected latency short
    servers.swap(impl_->servers);
  }
  // Joined outside the lock: a control request in flight may itself need it (stateDocument()).
  // In parallel: each Poco TCPServer notices the stop only at its next accept poll (~250 ms).
  std::vector<std::thread> stoppers;
  for (auto& entry : servers) {
    SimServer* server = entry.second.get();
    stoppers.emplace_back([server] { server->stop(); });
  }
  for (auto& stopper : stoppers) stopper.join();
  servers.clear();
}

bool Simulator::running() const {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  return !impl_->servers.empty();
}

namespace {
std::string urlOf(const std::map<std::string, std::string>& urls, const std::string& name) {
  auto it = urls.find(name);
  if (it == urls.end()) throw Poco::IllegalStateException("simulator: no server '" + name + "' (not started?)");
  return it->second;
}
}  // namespace

std::string Simulator::controlUrl() const {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  return urlOf(impl_->urls, "control");
}

std::string Simulator::serviceNowUrl() const {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  return urlOf(impl_->urls, "servicenow");
}

std::string Simulator::orgUrl(const std::string& orgName) const {
  impl_->org(orgName);  // unknown org: NotFoundException, not "not started"
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  return urlOf(impl_->urls, orgName);
}

std::string Simulator::downloadUrl() const {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  return urlOf(impl_->urls, "download");
}

Poco::JSON::Object::Ptr Simulator::stateDocument() const {
  auto orgs = orderedObject();
  for (const auto& org : impl_->orgs) {
    auto entry = orderedObject();
    entry->set("url", orgUrl(org->spec.name));
    entry->set("orgId", org->spec.orgId);
    entry->set("clientId", org->spec.clientId);
    orgs->set(org->spec.name, entry);
  }
  auto state = orderedObject();
  state->set("control", controlUrl());
  state->set("servicenow", serviceNowUrl());
  state->set("download", downloadUrl());
  state->set("orgs", orgs);
  return state;
}

void Simulator::addFault(const FaultRule& rule) {
  impl_->faults.add(rule);
}
void Simulator::clearFaults() {
  impl_->faults.clear();
}
std::vector<FaultRule> Simulator::faults() const {
  return impl_->faults.rules();
}

void Simulator::revokePermission(const std::string& orgName, const std::string& permission) {
  impl_->org(orgName).access.revoke(permission);
}

void Simulator::grantPermission(const std::string& orgName, const std::string& permission) {
  impl_->org(orgName).access.grant(permission);
}

std::vector<std::string> Simulator::addEvaluations(const std::string& orgName, int count, const std::string& from) {
  GenesysOrg& org = impl_->org(orgName);
  auto ids = org.evaluations.add(count, from);
  publishEvaluations(org, ids, kEventTypeCreate);
  return ids;
}

void Simulator::rescore(const std::string& orgName, const std::string& evaluationId, double newScore,
                        const std::string& changedDate) {
  GenesysOrg& org = impl_->org(orgName);
  org.evaluations.rescore(evaluationId, newScore, changedDate);
  publishEvaluations(org, {evaluationId}, kEventTypeUpdate);
}

int Simulator::dropNotificationSockets(const std::string& orgName) {
  return impl_->org(orgName).notifications.dropSockets();
}

int Simulator::closeNotificationSockets(const std::string& orgName, const std::string& message, int graceMs) {
  return impl_->org(orgName).notifications.closeSockets(message, graceMs);
}

int Simulator::expireNotificationChannels(const std::string& orgName) {
  return impl_->org(orgName).notifications.expireChannels();
}

void Simulator::loseNotifications(const std::string& orgName, int count) {
  impl_->org(orgName).notifications.lose(count);
}

void Simulator::revokeTopic(const std::string& orgName, const std::string& topic) {
  impl_->org(orgName).notifications.revokeTopic(topic);
}

void Simulator::grantTopic(const std::string& orgName, const std::string& topic) {
  impl_->org(orgName).notifications.grantTopic(topic);
}

NotificationState Simulator::notificationState(const std::string& orgName) const {
  return impl_->org(orgName).notifications.state();
}

std::vector<Poco::JSON::Object::Ptr> Simulator::evaluations(const std::string& orgName) const {
  return impl_->org(orgName).evaluations.all();
}

std::vector<Poco::JSON::Object::Ptr> Simulator::incidents() const {
  std::vector<Poco::JSON::Object::Ptr> out;
  for (const auto& record : impl_->servicenow->store.list("incident")) out.push_back(recordToJson(record));
  return out;
}

void Simulator::updateIncident(const std::string& sysId, const Poco::JSON::Object::Ptr& changes) {
  const auto record = impl_->servicenow->store.update("incident", sysId, changes, "servicedesk.agent");
  if (!record) throw Poco::NotFoundException("incident " + sysId);
  if (!impl_->webhook) return;
  auto payload = orderedObject();
  for (const char* field : {"sys_id", "number", "state", "correlation_id", "sys_updated_on", "sys_mod_count",
                            "close_code", "close_notes"}) {
    auto it = record->fields.find(field);
    payload->set(field, it == record->fields.end() ? std::string() : it->second);
  }
  impl_->webhook->send(payload);  // outside every lock: the receiver may call back into us
}

std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>> Simulator::dataTableRows() const {
  std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>> merged;
  for (const auto& org : impl_->orgs) {
    for (auto& [table, rows] : org->dataTables.rows()) {
      for (auto& [rowId, row] : rows) merged[table][rowId] = row;
    }
  }
  return merged;
}

std::map<std::string, std::map<std::string, Poco::JSON::Object::Ptr>> Simulator::dataTableRows(
    const std::string& orgName) const {
  return impl_->org(orgName).dataTables.rows();
}

bool Simulator::deleteDataTableRow(const std::string& orgName, const std::string& datatableId,
                                   const std::string& rowId) {
  return impl_->org(orgName).dataTables.remove(datatableId, rowId);
}

std::vector<RecordedRequest> Simulator::requests() const {
  return impl_->log.all();
}
std::uint64_t Simulator::arrivals(const std::string& server, const std::string& method) const {
  return impl_->log.arrivals(server, method);
}
std::vector<RecordedRequest> Simulator::requestsSince(std::uint64_t seq) const {
  return impl_->log.since(seq);
}
void Simulator::clearRequests() {
  impl_->log.clear();
}

void Simulator::onIncidentCreate(std::function<void(const Poco::JSON::Object& body)> hook) {
  impl_->servicenow->incidentCreateHooks.setBefore(std::move(hook));
}

void Simulator::onIncidentCreated(std::function<std::optional<int>(const Poco::JSON::Object& incident)> hook) {
  impl_->servicenow->incidentCreateHooks.setAfter(std::move(hook));
}

std::set<std::string> Simulator::tokensIssuedBy(const std::string& orgName) const {
  return impl_->org(orgName).access.tokensIssued();
}

void Simulator::expireTokens(const std::string& orgName) {
  impl_->org(orgName).access.expireAll();
}

void Simulator::setDataAvailability(const std::string& orgName, const std::optional<std::string>& date) {
  GenesysOrg& org = impl_->org(orgName);
  if (!date) {
    org.analyticsAvailability.fix(std::nullopt);
    return;
  }
  const auto parsed = parseIso8601(*date);
  if (!parsed) throw Poco::InvalidArgumentException("dataAvailabilityDate: not an ISO 8601 date-time: '" + *date + "'");
  org.analyticsAvailability.fix(*parsed);
}

std::string Simulator::dataAvailability(const std::string& orgName) const {
  return formatIso8601(impl_->org(orgName).analyticsAvailability.now());
}

const SimulatorOptions& Simulator::options() const {
  return impl_->options;
}

SimulatorOptions defaultScenario() {
  SimulatorOptions options;
  OrgSpec us;  // the OrgSpec defaults are acme-us
  OrgSpec eu;
  eu.name = "acme-eu";
  eu.orgId = "3b5e9c1d-7777-4888-9999-aaaabbbbcccc";
  eu.orgName = "Acme EU";
  eu.clientId = "acme-eu-client";
  eu.clientSecret = "acme-eu-secret";
  eu.seed = 2;
  // Real orgs have evaluations still being filled in; the default scenario shows some.
  us.unfinishedShare = 0.1;
  eu.unfinishedShare = 0.1;
  options.orgs = {us, eu};
  return options;
}

}  // namespace evalbridge::sim
