#pragma once
// Base of every simulator endpoint. It does what every simulated server does around the endpoint
// itself: read the request, consult the FaultInjector, sleep for injected latency, then either let
// the endpoint answer or replace/corrupt/drop the answer, and record the request with the status
// actually answered (0 when the connection was dropped). Subclasses implement serve().
#include <Poco/Event.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include <map>
#include <string>

#include "sim/ErrorBodies.h"
#include "sim/Exchange.h"

namespace evalbridge::sim {

class FaultInjector;
class RequestLog;

// What a handler needs to know about the server it runs in; owned by the Simulator.
struct ServerContext {
  std::string name;  // "servicenow", "download", "control", or an org name
  ServerKind kind = ServerKind::Control;
  RequestLog* log = nullptr;
  FaultInjector* faults = nullptr;  // null: this server takes no faults (control)
  Poco::Event* stopping = nullptr;  // set on stop(), so injected latency does not delay shutdown
};

class SimHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void bind(const ServerContext* context, std::map<std::string, std::string> pathParams);
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) final;

 protected:
  virtual void serve(Exchange& exchange) = 0;
  // Job status polls are the only requests a "jobStatus" fault applies to.
  virtual bool isJobStatusPoll() const { return false; }
  const ServerContext& context() const { return *context_; }

 private:
  void answerWithError(Exchange& exchange, int status, const std::string& detail) const;
  void serveGuarded(Exchange& exchange);

  const ServerContext* context_ = nullptr;
  std::map<std::string, std::string> pathParams_;
};

}  // namespace evalbridge::sim
