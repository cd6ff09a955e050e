#pragma once
// The endpoints of the simulated ServiceNow instance:
//   POST  /oauth_token.do                    OAuth token (client_credentials or password grant)
//   GET   /api/now/table/{table}             query (sysparm_query/fields/limit/offset)
//   POST  /api/now/table/{table}             create -> 201
//   GET   /api/now/table/{table}/{sys_id}    read
//   PATCH /api/now/table/{table}/{sys_id}    update (PUT does the same)
// Table calls need Basic auth or a Bearer token (401 otherwise) and a table in tablesReadable
// (403 ACL error otherwise); errors use ServiceNow's {"error":{message,detail},"status":"failure"}.
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "sim/ServiceNowAuth.h"
#include "sim/ServiceNowStore.h"
#include "sim/SimHandler.h"

namespace evalbridge::sim {

// In-process hooks on incident creates (Simulator::onIncidentCreate / onIncidentCreated), set by
// tests that must observe or bend the moment of creation itself. They are read on server
// threads while a test may replace them, hence the lock; each runs outside it, on a copy.
class IncidentCreateHooks {
 public:
  using Before = std::function<void(const Poco::JSON::Object& body)>;
  using After = std::function<std::optional<int>(const Poco::JSON::Object& incident)>;

  void setBefore(Before hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    before_ = std::move(hook);
  }
  void setAfter(After hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    after_ = std::move(hook);
  }
  Before before() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return before_;
  }
  After after() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return after_;
  }

 private:
  mutable std::mutex mutex_;
  Before before_;
  After after_;
};

struct ServiceNowInstance {
  explicit ServiceNowInstance(const ServiceNowSpec& serviceNowSpec) : spec(serviceNowSpec), auth(serviceNowSpec) {}
  const ServiceNowSpec spec;
  ServiceNowAuth auth;
  ServiceNowStore store;
  IncidentCreateHooks incidentCreateHooks;
  std::string baseUrl;  // set once before the server starts (reference links point here)
};

class ServiceNowTokenHandler : public SimHandler {
 public:
  explicit ServiceNowTokenHandler(ServiceNowInstance& instance) : instance_(instance) {}

 protected:
  void serve(Exchange& exchange) override;

 private:
  ServiceNowInstance& instance_;
};

// Enforces authentication and the table ACL before any table endpoint runs.
class ServiceNowTableHandler : public SimHandler {
 public:
  explicit ServiceNowTableHandler(ServiceNowInstance& instance) : instance_(instance) {}

 protected:
  void serve(Exchange& exchange) final;
  virtual void serveTable(Exchange& exchange, const std::string& table, const std::string& actor) = 0;
  ServiceNowInstance& instance() { return instance_; }

 private:
  ServiceNowInstance& instance_;
};

class TableQueryHandler : public ServiceNowTableHandler {
 public:
  using ServiceNowTableHandler::ServiceNowTableHandler;

 protected:
  void serveTable(Exchange& exchange, const std::string& table, const std::string& actor) override;
};

class TableCreateHandler : public ServiceNowTableHandler {
 public:
  using ServiceNowTableHandler::ServiceNowTableHandler;

 protected:
  void serveTable(Exchange& exchange, const std::string& table, const std::string& actor) override;
};

class TableReadHandler : public ServiceNowTableHandler {
 public:
  using ServiceNowTableHandler::ServiceNowTableHandler;

 protected:
  void serveTable(Exchange& exchange, const std::string& table, const std::string& actor) override;
};

class TableUpdateHandler : public ServiceNowTableHandler {
 public:
  using ServiceNowTableHandler::ServiceNowTableHandler;

 protected:
  void serveTable(Exchange& exchange, const std::string& table, const std::string& actor) override;
};

// Unknown paths: ServiceNow answers 400 "Requested URI does not represent any resource".
class ServiceNowUnknownPathHandler : public SimHandler {
 protected:
  void serve(Exchange& exchange) override;
};

}  // namespace evalbridge::sim
