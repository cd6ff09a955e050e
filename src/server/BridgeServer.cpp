#include "server/BridgeServer.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "common/Errors.h"
#include "server/RequestRouter.h"

namespace evalbridge {

BridgeServer::BridgeServer(const std::string& host, int port, ServerContext& context) : host_(host) {
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), true);
    socket.listen(64);
  } catch (const Poco::Exception& e) {
    throw ConfigError("server.listen: cannot listen on " + host + ":" + std::to_string(port) + ": " + e.displayText());
  }
  port_ = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(8);
  params->setMaxQueued(64);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(10, 0));  // a slow client cannot hold a thread for long
  params->setServerName("evalbridge");
  server_ = std::make_unique<Poco::Net::HTTPServer>(new RequestRouter(context), socket, params);
}

BridgeServer::~BridgeServer() { stop(); }

void BridgeServer::start() { server_->start(); }

void BridgeServer::stop() {
  if (server_) server_->stopAll(false);
}

int BridgeServer::boundPort() const { return port_; }

std::string BridgeServer::boundAddress() const {
  return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

}  // namespace evalbridge
