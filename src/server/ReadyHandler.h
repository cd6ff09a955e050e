#pragma once
// GET /readyz: 200 when the ledger answers and every org's last cycle was ok; else 503 with a
// JSON body naming the ledger problem and each org that is not ready, and why.
#include <Poco/Net/HTTPRequestHandler.h>

#include "server/ServerContext.h"

namespace evalbridge {

class ReadyHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ReadyHandler(ServerContext& context) : context_(context) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  ServerContext& context_;
};

}  // namespace evalbridge
