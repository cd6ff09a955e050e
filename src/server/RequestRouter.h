#pragma once
// The one request handler factory of `run`'s server: one small handler per endpoint; anything
// else gets 404 (405 for a known path with the wrong method).
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "server/ServerContext.h"

namespace evalbridge {

class RequestRouter : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RequestRouter(ServerContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& context_;
};

}  // namespace evalbridge
