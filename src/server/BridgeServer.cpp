#include "server/BridgeServer.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "common/Errors.h"
#include "common/WorkerThreads.h"
#include "server/Connection.h"
#include "server/ConnectionLoop.h"
#include "server/RequestExchange.h"
#include "server/RequestFraming.h"
#include "server/RequestRouter.h"
#include "server/WorkerPool.h"

namespace evalbridge {
namespace {

// The probes a kubelet or load balancer sends: they get workers of their own.
bool isProbe(const std::string& path) { return path == "/healthz" || path == "/readyz"; }

}  // namespace

BridgeServer::BridgeServer(const std::string& host, int port, ServerContext& context, const ServerLimits& limits)
    : host_(host), limits_(limits) {
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), true);
    socket.listen(128);
  } catch (const Poco::Exception& e) {
    throw ConfigError("server.listen: cannot listen on " + host + ":" + std::to_string(port) + ": " + e.displayText());
  }
  port_ = socket.address().port();
  params_ = new Poco::Net::HTTPServerParams;
  params_->setServerName("evalbridge");
  params_->setKeepAlive(true);
  params_->setKeepAliveTimeout(Poco::Timespan(limits.keepAliveTimeout.count() * 1000));
  params_->setTimeout(Poco::Timespan(limits.requestTimeout.count() * 1000));
  params_->setMaxThreads(limits.workers);
  router_ = std::make_unique<RequestRouter>(context, limits);
  FramingLimits framing;
  framing.maxHeaderBytes = limits.maxHeaderBytes;
  framing.maxBodyBytes = static_cast<std::size_t>(context.maxBodyBytes);
  loop_ = std::make_unique<ConnectionLoop>(socket, limits, framing,
                                           [this](std::unique_ptr<Connection> connection, FramedRequest request) {
                                             dispatch(std::move(connection), std::move(request));
                                           });
  workers_ = std::make_unique<WorkerPool>("http-worker", limits.workers);
  probeWorkers_ = std::make_unique<WorkerPool>("http-probe", limits.probeWorkers);
}

BridgeServer::~BridgeServer() { stop(); }

void BridgeServer::start() {
  try {
    workers_->start();
    probeWorkers_->start();
    loop_->start();
  } catch (const Poco::SystemException& e) {
    // Poco's threads say only "cannot start thread". `run` cannot serve without them; the caller
    // stops what did start (stop() joins only started threads).
    throw EvalbridgeError("the HTTP server on " + host_ + ":" + std::to_string(port_) + ": " +
                          refusedThreadText(e.displayText()) + "; it holds " +
                          std::to_string(limits_.workers + limits_.probeWorkers + 1) +
                          " threads (request workers, probe workers and the connection loop): " +
                          kThreadLimitAdvice);
  }
}

void BridgeServer::stop() {
  if (loop_) loop_->stop();
  if (workers_) workers_->stop();
  if (probeWorkers_) probeWorkers_->stop();
}

void BridgeServer::dispatch(std::unique_ptr<Connection> connection, FramedRequest request) {
  // WorkerPool jobs are copyable std::functions: the connection travels in a shared holder.
  struct Exchange {
    std::unique_ptr<Connection> connection;
    FramedRequest request;
  };
  auto exchange = std::make_shared<Exchange>(Exchange{std::move(connection), std::move(request)});
  WorkerPool& pool = isProbe(exchange->request.path) ? *probeWorkers_ : *workers_;
  pool.post([this, exchange] {
    switch (answerRequest(*exchange->connection, exchange->request, *router_, *params_, limits_.sendTimeout)) {
      case AfterAnswer::KeepAlive:
        return loop_->resume(std::move(exchange->connection));
      case AfterAnswer::Close:
        return loop_->linger(std::move(exchange->connection));
      case AfterAnswer::Broken:
        exchange->connection.reset();
        return;
    }
  });
}

int BridgeServer::boundPort() const { return port_; }

std::string BridgeServer::boundAddress() const {
  return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

}  // namespace evalbridge
