#pragma once
// The one request handler factory of `run`'s server: one small handler per endpoint; anything
// else gets 404 (405 for a known path with the wrong method). It also keeps what handlers share
// across requests: the webhook's log throttle and the /metrics page cache.
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "server/MetricsCache.h"
#include "server/ServerContext.h"
#include "server/ServerLimits.h"
#include "server/WarningThrottle.h"

namespace evalbridge {

class RequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RequestRouter(ServerContext& context, const ServerLimits& limits);
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& context_;
  // Shared by every request (handlers live for one request only).
  WarningThrottle refusedWebhooks_;
  MetricsCache metricsPage_;
};

}  // namespace evalbridge
