#pragma once
// GET /healthz: 200 while the process serves requests (liveness; no dependency is checked, so a
// ServiceNow outage never gets the bridge restarted).
#include <Poco/Net/HTTPRequestHandler.h>

namespace evalbridge {

class HealthHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace evalbridge
