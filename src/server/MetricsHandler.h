#pragma once
// GET /metrics: the registry in the Prometheus text exposition format (0.0.4).
#include <Poco/Net/HTTPRequestHandler.h>

#include "server/ServerContext.h"

namespace evalbridge {

class MetricsHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(ServerContext& context) : context_(context) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  ServerContext& context_;
};

}  // namespace evalbridge
