#pragma once
// The HTTP server of `run` (SPEC section 9) on server.listen: a Poco HTTPServer with a small
// thread pool and the RequestRouter. Port 0 picks a free port (boundPort() tells which).
#include <memory>
#include <string>

#include "server/ServerContext.h"

namespace Poco::Net {
class HTTPServer;
}

namespace evalbridge {

class BridgeServer {
 public:
  // Binds at once (a port in use fails here, before any work starts).
  BridgeServer(const std::string& host, int port, ServerContext& context);
  ~BridgeServer();

  void start();
  // Stops accepting; requests being handled finish (bounded by the connection timeout).
  void stop();
  int boundPort() const;
  std::string boundAddress() const;  // host:port

 private:
  std::string host_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace evalbridge
