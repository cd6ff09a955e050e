#pragma once
// One simulated server: a Poco::Net::HTTPServer on 127.0.0.1 with its own thread pool (so a slow
// or keep-alive-heavy client of one server cannot starve another, and stop() can join exactly
// this server's threads). The socket is bound at construction, so the URL is known before the
// routes are built; serving begins with start().
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>
#include <string>

namespace evalbridge::sim {

class SimServer {
 public:
  explicit SimServer(std::uint16_t port);  // 0 = ephemeral
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT
  void start(Poco::Net::HTTPRequestHandlerFactory::Ptr factory);
  // Stops accepting, aborts open (keep-alive) connections and waits for handler threads.
  void stop();

 private:
  Poco::Net::ServerSocket socket_;
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;  // declared after pool_: destroyed before it
};

}  // namespace evalbridge::sim
