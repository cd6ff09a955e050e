#include "sim/SimServer.h"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SocketAddress.h>

namespace evalbridge::sim {

SimServer::SimServer(std::uint16_t port)
    : socket_(Poco::Net::SocketAddress("127.0.0.1", port)), pool_("evalbridge-sim", 2, 32, 60) {}

SimServer::~SimServer() {
  stop();
}

std::string SimServer::url() const {
  return "http://127.0.0.1:" + std::to_string(socket_.address().port());
}

void SimServer::start(Poco::Net::HTTPRequestHandlerFactory::Ptr factory) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(32);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setSoftwareVersion("evalbridge-sim");
  // How long an idle dispatcher thread waits for a connection before it ends (Poco: 10 s). Poco
  // 1.11's TCPServerDispatcher can lose the stop's wake-up (a thread that checked "stopped" just
  // before stop() woke the waiting ones then waits its whole idle time), and stop() joins it:
  // seen as a stop of 10.0 s in one of a dozen parallel runs of the notification stop test.
  // Busy threads are not affected.
  params->setThreadIdleTime(Poco::Timespan(0, 500 * 1000));
  server_ = std::make_unique<Poco::Net::HTTPServer>(factory, pool_, socket_, params);
  server_->start();
}

void SimServer::stop() {
  if (!server_) return;
  server_->stopAll(true);
  pool_.joinAll();
  server_.reset();
}

}  // namespace evalbridge::sim
