#pragma once
// The HTTP server of `run` (SPEC section 9) on server.listen. One loop thread accepts
// connections and reads each request whole, under the deadlines and the connection cap of
// ServerLimits (ConnectionLoop.h says why not Poco's HTTPServer); complete requests go to a
// worker pool, /healthz and /readyz to a pool of their own, and the RequestRouter's handlers
// answer them. Port 0 picks a free port (boundPort() tells which).
#include <memory>
#include <string>

#include <Poco/Net/HTTPServerParams.h>

#include "server/ServerContext.h"
#include "server/ServerLimits.h"

namespace evalbridge {

class ConnectionLoop;
class RequestRouter;
class WorkerPool;
struct Connection;
struct FramedRequest;

class BridgeServer {
 public:
  // Binds at once (a port in use fails here, before any work starts).
  BridgeServer(const std::string& host, int port, ServerContext& context, const ServerLimits& limits = {});
  ~BridgeServer();

  void start();
  // Stops accepting and closes waiting connections; requests being answered finish (bounded by
  // the send timeout), queued ones are dropped.
  void stop();
  int boundPort() const;
  std::string boundAddress() const;  // host:port

 private:
  void dispatch(std::unique_ptr<Connection> connection, FramedRequest request);

  std::string host_;
  int port_ = 0;
  ServerLimits limits_;
  Poco::Net::HTTPServerParams::Ptr params_;
  std::unique_ptr<RequestRouter> router_;
  // Declared before the pools: connections held by workers count themselves in the loop.
  std::unique_ptr<ConnectionLoop> loop_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WorkerPool> probeWorkers_;
};

}  // namespace evalbridge
