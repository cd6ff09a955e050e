#pragma once
// The one HTTPRequestHandlerFactory of a simulated server: routes (method, path pattern) to a
// small handler class. Patterns are literal segments and {name} segments ("/api/now/table/{table}").
// Unmatched requests go to the server's fallback handler (a 404 in the server's own error shape),
// so they are still recorded and can still be hit by faults.
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <functional>
#include <string>
#include <vector>

#include "sim/SimHandler.h"

namespace evalbridge::sim {

class Router : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  using MakeHandler = std::function<SimHandler*()>;

  Router(const ServerContext& context, MakeHandler fallback);
  // `method` "*" matches any method. Earlier routes win.
  Router& add(const std::string& method, const std::string& pattern, MakeHandler make);

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    MakeHandler make;
  };
  static std::vector<std::string> split(const std::string& path);

  const ServerContext& context_;
  MakeHandler fallback_;
  std::vector<Route> routes_;  // fixed after construction; read concurrently without a lock
};

}  // namespace evalbridge::sim
