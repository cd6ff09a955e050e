#pragma once
// GET /metrics: the registry in the Prometheus text exposition format (0.0.4), from the cache
// (MetricsCache.h) so scrapes cannot keep the ledger busy.
#include <Poco/Net/HTTPRequestHandler.h>

#include "server/MetricsCache.h"
#include "server/ServerContext.h"

namespace evalbridge {

class MetricsHandler : public Poco::Net::HTTPRequestHandler {
 public:
  MetricsHandler(ServerContext& context, MetricsCache& page) : context_(context), page_(page) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  ServerContext& context_;
  MetricsCache& page_;
};

}  // namespace evalbridge
